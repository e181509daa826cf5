"""``evaluate``: validate both sheets, grade every customer, heat every project (pure)."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from kqxl.cells import WorkbookGrid, column_index, column_letter
from kqxl.engine.convert import cell_text, name_key, name_keys, positions
from kqxl.engine.grade import Outcome, grade_rows, heat_rows
from kqxl.engine.results import (
    BookResult,
    CustomerResult,
    Finding,
    ProjectResult,
    fast_builder,
)
from kqxl.engine.validate import SheetData, validate_sheet
from kqxl.rules.compile import CompiledRules, compile_rules, derived_names
from kqxl.rules.model import Rules
from kqxl.schema import PROJECT_STAGES, SCHEMA, Schema, Sheet
from kqxl.texts import LABELS

CLIENT_TYPE, CONTRACTOR_TYPE = "甲方", "总包"
_new_customer = fast_builder(CustomerResult)
_new_project = fast_builder(ProjectResult)
_LOST = "丢单"


@contextmanager
def _no_gc() -> Iterator[None]:
    """The bulk phase allocates millions of small objects that all stay alive; collecting
    in the middle of it only costs time.

    Re-enabling alone would make the next allocation scan every one of them as "young"
    (~0.3 s per 200,000 rows); moving them to the oldest generation first (freeze, then
    unfreeze) leaves them to the next full collection, as if they had aged normally. Skipped
    when the application froze objects itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def row_columns(data: SheetData, derived: Mapping[str, Sequence[Any]]) -> list[Sequence[Any]]:
    """The columns in the slot order the compiled rules read: schema columns, then derived."""
    n = len(data.rows)
    cols: list[Sequence[Any]] = [data.values[c.key] for c in data.sheet.columns]
    for name in derived_names(data.sheet):
        cols.append(derived.get(name, [None] * n))
    return cols


def row_tuples(data: SheetData, derived: Mapping[str, Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Row tuples in the layout the compiled rules read: schema columns, then derived values."""
    return list(zip(*row_columns(data, derived), strict=True)) if data.rows else []


class CustomerIndex:
    """Customers looked up by 客户名称 or 客户编号, after whitespace/full-width folding."""

    def __init__(self, data: SheetData) -> None:
        self._by: dict[str, int] = {}
        for column in ("customer_name", "customer_id"):
            keys = data.match_keys.get(column) or name_keys(data.values[column])
            for i, k in enumerate(keys):
                if k is not None:
                    self._by.setdefault(k, i)
        self._seen: dict[str, int | None] = {}  # raw text → row, as projects repeat names

    def find(self, value: str | None) -> int | None:
        if value is None:
            return None
        try:
            return self._seen[value]
        except KeyError:
            found = self._seen[value] = self._by.get(name_key(value))
            return found

    def find_all(self, values: Sequence[str | None]) -> list[int | None]:
        """:meth:`find` over a column: the look-up of each distinct text once."""
        distinct = list(set(values))
        found: dict[str | None, int | None] = {
            text: None if key is None else self._by.get(key)
            for text, key in zip(distinct, name_keys(distinct), strict=True)
        }
        return list(map(found.__getitem__, values))


def evaluate(
    book: WorkbookGrid, rules: Rules, today: dt.date, schema: Schema = SCHEMA
) -> BookResult:
    """Validate the 客户 and 项目 sheets of ``book`` and compute grades and heats.

    ``today`` is the date the evaluation is for (no clock is read here); it is reserved for
    date rules such as visit cadence.
    """
    del today  # no rule reads the date yet; kept in the signature so callers pass it
    compiled = compile_rules(rules, schema)
    with _no_gc():
        return _evaluate(book, rules, compiled, schema)


def _evaluate(
    book: WorkbookGrid, rules: Rules, compiled: CompiledRules, schema: Schema
) -> BookResult:
    cs, ps = schema.customers, schema.projects
    type_col = cs.column("customer_type")
    extra_types = [t for t in rules.checklists if t not in type_col.choices]
    cdata = validate_sheet(
        book.sheets.get(cs.name),
        cs,
        extra_choices={"customer_type": extra_types},
        date1904=book.date1904,
    )
    pdata = validate_sheet(book.sheets.get(ps.name), ps, date1904=book.date1904)
    findings = [*cdata.findings, *pdata.findings]

    # Link each project to its 甲方 and 总包 rows in the customer sheet.
    index = CustomerIndex(cdata)
    ctypes = cdata.values["customer_type"]
    links: dict[str, list[int | None]] = {}
    for key, expected in (("client", CLIENT_TYPE), ("contractor", CONTRACTOR_TYPE)):
        links[key] = _link(pdata, ps, key, expected, index, ctypes, findings)

    # 项目阶段 of a customer: the furthest stage of the projects naming it as 甲方.
    rank = {s: i for i, s in enumerate(PROJECT_STAGES) if s != _LOST}
    furthest: list[str | None] = [None] * len(cdata.rows)
    for ci, stage in zip(links["client"], pdata.values["stage"], strict=True):
        if ci is not None and stage in rank:
            cur = furthest[ci]
            if cur is None or rank[stage] > rank[cur]:
                furthest[ci] = stage

    customers, grades = _grade_all(cdata, compiled, rules, furthest)
    projects = _heat_all(pdata, compiled, rules, links, grades)
    order = {cs.name: 0, ps.name: 1}
    findings.sort(
        key=lambda f: (order.get(f.sheet, 2), f.row or 0, column_index(f.column) if f.column else 0)
    )
    layouts = {d.sheet.name: d.layout for d in (cdata, pdata) if d.layout is not None}
    return BookResult.model_construct(
        file=book.path, layouts=layouts, customers=customers, projects=projects, findings=findings
    )


def _problem_rows(
    values: list[Any], found: list[int | None], ctypes: list[Any], expected: str
) -> list[int]:
    unknown = [i for i in positions(found, None) if values[i] is not None]
    wrong = [
        i
        for i, ci in enumerate(found)
        if ci is not None and ctypes[ci] is not None and ctypes[ci] != expected
    ]
    return sorted(unknown + wrong)


def _link(
    pdata: SheetData,
    ps: Sheet,
    key: str,
    expected: str,
    index: CustomerIndex,
    ctypes: list[Any],
    findings: list[Finding],
) -> list[int | None]:
    layout = pdata.layout
    letter = column_letter(layout.columns[key]) if layout and key in layout.columns else None
    header = ps.column(key).header
    values = pdata.values[key]
    out = index.find_all(values)
    # Only the rows with a problem need a look: unknown names and wrong types.
    for i in _problem_rows(values, out, ctypes, expected):
        row, value, ci = pdata.rows[i], values[i], out[i]
        if ci is None:
            findings.append(
                Finding.make("unknown_customer", ps.name, row, letter, header, cell_text(value))
            )
        elif ctypes[ci] is not None and ctypes[ci] != expected:
            findings.append(
                Finding.make(
                    "wrong_customer_type",
                    ps.name,
                    row,
                    letter,
                    header,
                    cell_text(value),
                    actual=ctypes[ci],
                    expected=expected,
                )
            )
    return out


def _grade_all(
    cdata: SheetData, compiled: CompiledRules, rules: Rules, furthest: list[str | None]
) -> tuple[list[CustomerResult], list[int | None]]:
    v = cdata.values
    keys, names, types, reps = (
        v["customer_id"],
        v["customer_name"],
        v["customer_type"],
        v["owner_rep"],
    )
    labels = rules.labels.grades
    na = rules.labels.not_applicable
    checklists = compiled.checklists
    construct = _new_customer
    columns = row_columns(cdata, {"项目阶段": furthest})
    n = len(cdata.rows)
    # Grade each 客户类型's rows together: each condition runs once over whole columns.
    by_type: dict[str, list[int]] = {}
    for i, t in enumerate(types):
        if t is not None and t in checklists:
            by_type.setdefault(t, []).append(i)
    outcomes: list[Outcome | None] = [None] * n
    for t, idx in by_type.items():
        for i, outcome in zip(idx, grade_rows(columns, n, checklists[t], idx), strict=True):
            outcomes[i] = outcome
    grades = [None if o is None else o.value for o in outcomes]
    results = [
        construct(
            row=row,
            key=key,
            name=name,
            type=ctype,
            owner_rep=rep,
            grade=grade,
            grade_label=na if o is None else labels[grade],
            reasons=[] if o is None else list(o.reasons),
            gaps=[] if o is None else list(o.gaps),
        )
        for row, key, name, ctype, rep, grade, o in zip(
            cdata.rows, keys, names, types, reps, grades, outcomes, strict=True
        )
    ]
    return results, grades


def _heat_all(
    pdata: SheetData,
    compiled: CompiledRules,
    rules: Rules,
    links: dict[str, list[int | None]],
    grades: list[int | None],
) -> list[ProjectResult]:
    v = pdata.values
    unknown = LABELS["unknown_grade"]
    label_of: dict[int | None, str] = {
        g: rules.grade_label(g) for g in (None, *range(len(rules.labels.grades)))
    }

    def grades_of(
        found: list[int | None], raw: list[str | None]
    ) -> tuple[list[int | None], list[str]]:
        g = [None if ci is None else grades[ci] for ci in found]
        labels = [
            ("" if r is None else unknown) if ci is None else label_of[gr]
            for ci, r, gr in zip(found, raw, g, strict=True)
        ]
        return g, labels

    client_g, client_l = grades_of(links["client"], v["client"])
    contr_g, contr_l = grades_of(links["contractor"], v["contractor"])
    # A missing, unknown or 不适用 counterpart counts as grade 0 in conditions.
    derived = {"甲方等级": [g or 0 for g in client_g], "总包等级": [g or 0 for g in contr_g]}
    outcomes = heat_rows(row_columns(pdata, derived), len(pdata.rows), compiled.heat)
    percents = {compiled.heat.floor, *(level.rank for level in compiled.heat.levels)}
    fraction = {p: p / 100 for p in percents}
    label = {p: rules.heat_label(p) for p in percents}
    construct = _new_project
    return [
        construct(
            row=row,
            key=key,
            name=name,
            owner_rep=rep,
            client=client,
            contractor=contractor,
            client_grade=cg,
            contractor_grade=kg,
            client_grade_label=cl,
            contractor_grade_label=kl,
            heat=(h := fraction[o.value]),
            heat_label=label[o.value],
            reasons=list(o.reasons),
            gaps=list(o.gaps),
            amount=amount,
            weighted_amount=None if amount is None else amount * h,
        )
        for row, key, name, rep, client, contractor, cg, kg, cl, kl, amount, o in zip(
            pdata.rows,
            v["project_id"],
            v["project_name"],
            v["owner_rep"],
            v["client"],
            v["contractor"],
            client_g,
            contr_g,
            client_l,
            contr_l,
            v["amount"],
            outcomes,
            strict=True,
        )
    ]
