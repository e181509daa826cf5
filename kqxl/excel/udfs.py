"""Worksheet functions (xlwings UDFs): a row's grade, heat, reasons, gaps and findings.

Each function takes a table (its header row, then one row per record) and returns the
column of results in one call — dynamic arrays spill it; the ``…_OLD`` twins fill it down
with xlwings' legacy ``expand`` for Excel without dynamic arrays. Given a second range (one
row of the same width) it returns that row's value alone. One call per table is the fast
way: every call validates and evaluates, see docs/PERFORMANCE.md.

The values are the engine's, formatted as a recompute writes them
(:data:`kqxl.api.CELL_FORMATTERS`): ``KQ_GRADE`` gives 未评级 … IV级, ``KQ_HEAT`` a
fraction (shown as a percent), ``KQ_WHY`` and ``KQ_NEXT`` the reasons text, ``KQ_CHECK``
the findings of the row as its 校验 cell says them (empty when there are none).
A blank row gives an empty cell.

Rules are the workbook's (its 规则 sheet, else the shipped default), parsed once per workbook
and content of the 规则 sheet: a recalculation reads that sheet (one range read) and finds
the rules in :data:`RULES_CACHE` instead of parsing them again.

Called as plain Python (a table as a list of rows) the same functions need no Excel:

>>> KQ_GRADE([["客户名称", "客户类型", "负责人"], ["甲公司", "甲方", "张三"]])
[['未评级']]
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import xlwings as xw

from kqxl.api import CELL_FORMATTERS, JOINER, REF_SEPARATOR
from kqxl.cells import CellValue, SheetGrid, WorkbookGrid
from kqxl.engine import BookResult, Output, evaluate, registered
from kqxl.engine.results import output_column, row_numbers
from kqxl.errors import KqxlError
from kqxl.excel.book import from_excel_rows
from kqxl.rules import Rules, load_rules
from kqxl.rules.sheet import RULES_SHEET, read_rules_sheet
from kqxl.schema import CUSTOMERS, PROJECTS, SCHEMA
from kqxl.texts import EXCEL, LABELS

__all__ = [
    "KQ_CHECK",
    "KQ_CHECK_OLD",
    "KQ_GRADE",
    "KQ_GRADE_OLD",
    "KQ_HEAT",
    "KQ_HEAT_OLD",
    "KQ_NEXT",
    "KQ_NEXT_OLD",
    "KQ_WHY",
    "KQ_WHY_OLD",
    "RULES_CACHE",
    "rules_of_book",
    "table_values",
]

CATEGORY = EXCEL["title"]
CHECKS = "checks"
# (workbook, digest of its 规则 sheet's values) → the rules parsed from it; a few books at once
RULES_CACHE: OrderedDict[tuple[str, str], Rules] = OrderedDict()
RULES_CACHE_SIZE = 8

Table = Sequence[Sequence[Any]]


def _output(key: str) -> Output:
    for system in registered():
        for output in system.outputs:
            if output.key == key:
                return output
    raise KeyError(key)


def _sheet_of(header: Sequence[Any], named: str | None) -> str:
    """Which schema sheet a table is: its worksheet's name if it is 客户/项目, else by header."""
    if named in (CUSTOMERS, PROJECTS):
        return named
    key_header = SCHEMA.projects.column(SCHEMA.projects.key_column).header
    texts = {str(v).strip() for v in header if v is not None}
    names = {SCHEMA.projects.column("project_name").header, key_header}
    return PROJECTS if texts & names else CUSTOMERS


def _row_messages(result: BookResult, sheet: str) -> dict[int, str]:
    """Each row's 校验 text, as a recompute writes it (:func:`kqxl.api.plan_recompute`)."""
    messages: dict[int, list[str]] = {}
    for finding in result.findings:
        if finding.sheet != sheet or finding.row is None:
            continue
        quiet = LABELS["notice_prefix"] if finding.level == "notice" else ""
        messages.setdefault(finding.row, []).append(
            f"{quiet}{finding.column}{finding.row}{REF_SEPARATOR}{finding.message}"
            if finding.column
            else quiet + finding.message
        )
    return {row: JOINER.join(items) for row, items in messages.items()}


def table_values(
    table: Table,
    key: str,
    *,
    sheet: str | None = None,
    customers: Table | None = None,
    rules: Rules | None = None,
    today: dt.date | None = None,
    first_row: int = 1,
    first_col: int = 1,
) -> list[CellValue]:
    """The value of output ``key`` (``grade``, ``heat``, ``grade_reasons`` … or ``checks``)
    for each data row of ``table`` (its first row is the header), as a recompute writes it.

    ``sheet``: 客户 or 项目 (default: guessed from the header). ``customers``: the 客户 table
    a 项目 table's heat reads grades from. ``first_row``/``first_col``: where the table's
    top-left cell is, so that findings name the cells as Excel shows them.
    """
    rows = from_excel_rows(table)
    if not rows:
        return []
    name = _sheet_of(rows[0], sheet)
    sheets = {name: SheetGrid(name, rows, first_row=first_row, first_col=first_col)}
    if name == PROJECTS and customers:
        sheets[CUSTOMERS] = SheetGrid(CUSTOMERS, from_excel_rows(customers))
    grid = WorkbookGrid(path="", sheets=sheets, names=tuple(sheets))
    result = evaluate(grid, rules or load_rules(None), today or dt.date.today())
    data_rows = range(first_row + 1, first_row + len(rows))
    if key in ("reasons", "gaps"):  # 依据/差距: of the grade on 客户, of the heat on 项目
        key = ("heat_" if name == PROJECTS else "grade_") + key
    if key == CHECKS:
        messages = _row_messages(result, name)
        return [messages.get(r) or "" for r in data_rows]
    output = _output(key)
    cell = CELL_FORMATTERS[output.kind]
    # column-wise: no row result is built to answer one output
    rows_of = result.sheet(name)
    by_row = dict(zip(row_numbers(rows_of), output_column(rows_of, key), strict=True))
    out: list[CellValue] = []
    for r in data_rows:
        value = cell(by_row[r], output) if r in by_row else None
        out.append("" if value is None else value)
    return out


# --- rules of a live book, cached -------------------------------------------------------


def rules_of_book(book: Any) -> Rules:
    """The rules stored in ``book``'s 规则 sheet (else the default), parsed once per content."""
    names = [str(s.name) for s in book.sheets]
    if RULES_SHEET not in names:
        return load_rules(None)
    used = book.sheets[RULES_SHEET].used_range
    raw = used.options(ndim=2).value or []
    digest = hashlib.sha256(repr(raw).encode("utf-8")).hexdigest()
    where = str(getattr(book, "fullname", None) or book.name)
    cached = RULES_CACHE.get((where, digest))
    if cached is not None:
        RULES_CACHE.move_to_end((where, digest))
        return cached
    grid = SheetGrid(
        RULES_SHEET,
        from_excel_rows(raw),
        first_row=int(used.row),
        first_col=int(used.column),
    )
    stored = read_rules_sheet(grid, where)
    rules = stored.rules if stored is not None else load_rules(None)
    RULES_CACHE[(where, digest)] = rules
    while len(RULES_CACHE) > RULES_CACHE_SIZE:
        RULES_CACHE.popitem(last=False)
    return rules


# --- the worksheet functions --------------------------------------------------------------


def _values(arg: Any) -> tuple[list[list[Any]], int, int, Any]:
    """A range (live) or a list of rows (plain Python) → rows, top row, left column, book."""
    if hasattr(arg, "options"):
        raw = arg.options(ndim=2, err_to_str=True).value or []
        return [list(r) for r in raw], int(arg.row), int(arg.column), arg.sheet
    if arg is None:
        return [], 1, 1, None
    items = list(arg)
    if items and not any(isinstance(r, list | tuple) for r in items):
        return [items], 1, 1, None  # one row given flat
    rows = [list(r) if isinstance(r, list | tuple) else [r] for r in items]
    return rows, 1, 1, None


def _call(key: str, table: Any, row: Any, customers: Any) -> Any:
    try:
        rows, top, left, sheet = _values(table)
        named = str(sheet.name) if sheet is not None else None
        rules = rules_of_book(sheet.book) if sheet is not None else None
        cust, _, _, _ = _values(customers)
        if not cust and sheet is not None and _sheet_of(rows[0] if rows else [], named) == PROJECTS:
            book = sheet.book
            if CUSTOMERS in [str(s.name) for s in book.sheets]:
                cust, _, _, _ = _values(book.sheets[CUSTOMERS].used_range)
        if row is not None:
            one, at, _, _ = _values(row)
            values = table_values(
                [rows[0], *one[:1]],
                key,
                sheet=named,
                customers=cust,
                rules=rules,
                first_row=at - 1 if at > 1 else 1,
                first_col=left,
            )
            return values[0] if values else ""
        values = table_values(
            rows, key, sheet=named, customers=cust, rules=rules, first_row=top, first_col=left
        )
        return [[v] for v in values]
    except KqxlError as exc:  # a bad 规则 sheet: its message in the cell, never a traceback
        return exc.message


def _udf(key: str, doc: str, legacy: bool) -> Callable[..., Any]:
    def udf(table: Any, row: Any = None, customers: Any = None) -> Any:
        return _call(key, table, row, customers)

    udf.__doc__ = doc + (EXCEL["udf_legacy"] if legacy else "")
    udf = xw.arg("table", "range", doc=EXCEL["arg_table"])(udf)
    udf = xw.arg("row", "range", doc=EXCEL["arg_row"])(udf)
    udf = xw.arg("customers", "range", doc=EXCEL["arg_customers"])(udf)
    if legacy:
        udf = xw.ret(expand="table")(udf)
    return udf


def _named(name: str, key: str, doc: str, legacy: bool = False) -> Callable[..., Any]:
    udf = _udf(key, doc, legacy)
    udf.__name__ = udf.__qualname__ = name  # the name Excel shows
    return xw.func(category=CATEGORY)(udf)


KQ_GRADE = _named("KQ_GRADE", "grade", EXCEL["udf_grade"])
KQ_HEAT = _named("KQ_HEAT", "heat", EXCEL["udf_heat"])
KQ_WHY = _named("KQ_WHY", "reasons", EXCEL["udf_why"])
KQ_NEXT = _named("KQ_NEXT", "gaps", EXCEL["udf_next"])
KQ_CHECK = _named("KQ_CHECK", CHECKS, EXCEL["udf_check"])
KQ_GRADE_OLD = _named("KQ_GRADE_OLD", "grade", EXCEL["udf_grade"], legacy=True)
KQ_HEAT_OLD = _named("KQ_HEAT_OLD", "heat", EXCEL["udf_heat"], legacy=True)
KQ_WHY_OLD = _named("KQ_WHY_OLD", "reasons", EXCEL["udf_why"], legacy=True)
KQ_NEXT_OLD = _named("KQ_NEXT_OLD", "gaps", EXCEL["udf_next"], legacy=True)
KQ_CHECK_OLD = _named("KQ_CHECK_OLD", CHECKS, EXCEL["udf_check"], legacy=True)
