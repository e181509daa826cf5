"""``evaluate``: validate every sheet of the schema, then run the computed systems (pure).

The systems (:mod:`kqxl.engine.system`) run in dependency order; each gets its sheet's
columns, the derived values provided to that sheet so far and the outputs of the systems it
needs, and returns one value per row for each output. The results carry those outputs by
column key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import add, attrgetter, mul
from typing import Any, cast

try:  # the sort keys in C (setup.py); without a compiler at install, in Python
    from kqxl import _speedups
except ImportError:  # pragma: no cover - the C part is built wherever the tests run
    _speedups = None  # type: ignore[assignment]

from kqxl.cells import WorkbookGrid, column_index
from kqxl.engine.columns import SlotColumns
from kqxl.engine.needs import needed_columns
from kqxl.engine.results import BookResult, Finding, SheetRows
from kqxl.engine.system import (
    System,
    SystemInput,
    SystemOutput,
    derived_of,
    ordered,
    registered,
)
from kqxl.engine.systems import CustomerIndex
from kqxl.engine.typed_over import typed_over_findings
from kqxl.engine.validate import SheetData, one_missing_finding, validate_sheet
from kqxl.rules.compile import Derived, compile_rules, derived_names
from kqxl.rules.model import Rules
from kqxl.rules.synonyms import choice_synonyms
from kqxl.schema import SCHEMA, Schema

__all__ = ["CustomerIndex", "evaluate", "row_columns"]


def row_columns(
    data: SheetData, values: Mapping[str, Sequence[Any]], derived: Derived | None = None
) -> Sequence[Sequence[Any]]:
    """The columns in the slot order compiled rules read: the schema's columns, then the
    sheet's derived values (``values``: name → column; a value not given is blank). A column
    is fetched (and converted) only when a condition reads it."""
    n = len(data.rows)
    extra = [values.get(name, [None] * n) for name in derived_names(data.sheet, derived)]
    return SlotColumns(data.values, [c.key for c in data.sheet.columns], extra)


def evaluate(
    book: WorkbookGrid,
    rules: Rules,
    today: dt.date,
    schema: Schema = SCHEMA,
    systems: Iterable[System] | None = None,
    context: Mapping[str, Any] | None = None,
    validated: dict[str, SheetData] | None = None,
) -> BookResult:
    """Validate every sheet of ``schema`` in ``book`` and run the computed systems.

    ``systems``: default, the registered ones (grade, heat …). ``today`` is the date the
    evaluation is for (no clock is read here); systems with date rules read it. ``context``:
    what the workbook knows beyond its sheets and the rules, passed to every system (see
    :class:`~kqxl.engine.system.SystemInput`). ``validated``, when given, receives each
    sheet's validated columns (the 看板 reads them instead of validating the sheets again).
    """
    chosen = ordered(registered() if systems is None else systems)
    derived = derived_of(chosen)
    compiled = compile_rules(rules, schema, derived)
    sheets = _validate(book, schema, rules, chosen, derived)
    if validated is not None:
        validated.update(sheets)
    findings = [f for data in sheets.values() for f in data.findings]
    outputs: dict[str, SystemOutput] = {}
    provided: dict[str, dict[str, Sequence[Any]]] = {s.name: {} for s in schema.sheets}
    for system in chosen:
        data = sheets.get(system.sheet)
        if data is None:
            raise ValueError(f"{system!r}: the schema has no sheet {system.sheet!r}")
        missing = [key for key in system.reads if key not in data.values]
        if missing:
            raise ValueError(f"{system!r} reads columns the schema lacks: {', '.join(missing)}")
        given = SystemInput(
            data=data,
            sheets=sheets,
            columns=row_columns(data, provided[system.sheet], derived),
            outputs={name: outputs[name] for name in system.needs},
            rules=rules,
            compiled=compiled,
            today=today,
            context=context or {},
        )
        out = outputs[system.name] = system.compute(given)
        data.values.update(out.supplied)  # e.g. 拜访次数 from the 跟进记录 log
        findings += out.findings
        for value in system.provides:
            provided[value.sheet][value.name] = out.derived[value.name]
    findings += typed_over_findings(book.sheets, sheets, rules)
    findings = _in_place_order(findings, schema)
    rows = {
        name: _row_results(data, [s for s in chosen if s.sheet == name], outputs)
        for name, data in sheets.items()
    }
    layouts = {name: d.layout for name, d in sheets.items() if d.layout is not None}
    return BookResult.model_construct(file=book.path, layouts=layouts, rows=rows, findings=findings)


def _in_place_order(findings: list[Finding], schema: Schema) -> list[Finding]:
    """``findings`` sorted as a rep reads the workbook: by sheet (the schema's order; others
    after), row, then column (a finding without a row or column first); stable.

    A big sheet has millions of findings (a notice per √): the sort keys are made in C
    (:func:`_keys_in_c`), else by ``map`` over the findings' fields (:func:`_keys`), and
    compared as ints."""
    sheet_order = {s.name: i for i, s in enumerate(schema.sheets)}
    keys = _keys_in_c(findings, sheet_order)
    if keys is None:
        keys = _keys(findings, sheet_order)
    order = sorted(range(len(findings)), key=keys.__getitem__)  # stable
    return list(map(findings.__getitem__, order))


def _keys_in_c(findings: list[Finding], sheet_order: dict[str, int]) -> list[int] | None:
    """:func:`_keys` in C (``kqxl._speedups.finding_keys``); ``None`` where it was not built
    or a place is not one it takes (a column not spelled in letters, a row past 2**63)."""
    if _speedups is None:
        return None
    try:
        return _speedups.finding_keys(findings, sheet_order, len(sheet_order))
    except (ValueError, TypeError, OverflowError):  # a place it does not take: in Python
        return None


def _keys(findings: list[Finding], sheet_order: dict[str, int]) -> list[int]:
    """Each finding's place as one int, (sheet, row, column) in positional notation; each
    column letter read once, no Python call per finding."""
    sheets = list(map(_SHEET, findings))
    places = {name: sheet_order.get(name, len(sheet_order)) for name in set(sheets)}
    letters = list(map(_COLUMN, findings))
    columns = {letter: column_index(letter) if letter else 0 for letter in set(letters)}
    given_rows = list(map(_ROW, findings))
    rows = cast(list[int], list(map(_NO_ROW.get, given_rows, given_rows)))  # None → 0
    row_span = max(rows, default=0) + 1
    col_span = max(columns.values(), default=0) + 1
    return list(
        map(
            add,
            map(
                mul,
                map(add, map(mul, map(places.__getitem__, sheets), repeat(row_span)), rows),
                repeat(col_span),
            ),
            map(columns.__getitem__, letters),
        )
    )


_SHEET, _ROW, _COLUMN = attrgetter("sheet"), attrgetter("row"), attrgetter("column")
_NO_ROW: dict[int | None, int] = {None: 0}


def _validate(
    book: WorkbookGrid,
    schema: Schema,
    rules: Rules,
    systems: Sequence[System],
    derived: Derived | None = None,
) -> dict[str, SheetData]:
    """Every sheet of the schema, validated; choice columns widened as the systems ask."""
    extra: dict[str, dict[str, list[str]]] = {}
    for system in systems:
        for name, columns in system.extra_choices(rules).items():
            for key, values in columns.items():
                extra.setdefault(name, {}).setdefault(key, []).extend(values)
    out: dict[str, SheetData] = {}
    needed = needed_columns(rules, schema, derived)
    names = book.names or tuple(book.sheets)
    for sheet in schema.sheets:
        widen = {
            key: [v for v in dict.fromkeys(values) if v not in sheet.column(key).choices]
            for key, values in extra.get(sheet.name, {}).items()
        }
        out[sheet.name] = validate_sheet(
            book.sheets.get(sheet.name),
            sheet,
            extra_choices=widen,
            date1904=book.date1904,
            synonyms=choice_synonyms(rules, sheet),
            needed=needed.get(sheet.name, {}),
            other_sheets=[n for n in names if n not in _schema_names(schema)],
        )
    one_missing_finding(out, names)
    return out


def _schema_names(schema: Schema) -> set[str]:
    return {s.name for s in schema.sheets}


def _row_results(
    data: SheetData, systems: Sequence[System], outputs: Mapping[str, SystemOutput]
) -> SheetRows:
    """One result per row, kept as columns: the outputs of the sheet's systems by key."""
    columns: dict[str, Sequence[Any]] = {}
    for s in systems:
        for o in s.outputs:
            columns[o.key] = outputs[s.name].values[o.key]
    sheet = data.sheet
    return SheetRows(
        data.rows, data.values[sheet.key_column], data.values[sheet.name_column], columns
    )
