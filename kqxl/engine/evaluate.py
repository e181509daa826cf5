"""``evaluate``: validate both sheets, grade every customer, heat every project (pure)."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kqxl.cells import WorkbookGrid, column_index, column_letter
from kqxl.engine.convert import cell_text, name_key, name_keys
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
    in the middle of it only costs time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def row_columns(data: SheetData, derived: dict[str, Sequence[Any]]) -> list[Sequence[Any]]:
    """The columns in the slot order the compiled rules read: schema columns, then derived."""
    n = len(data.rows)
    cols: list[Sequence[Any]] = [data.values[c.key] for c in data.sheet.columns]
    for name in derived_names(data.sheet):
        cols.append(derived.get(name, [None] * n))
    return cols


def row_tuples(data: SheetData, derived: dict[str, Sequence[Any]]) -> list[tuple[Any, ...]]:
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


def evaluate(book: WorkbookGrid, rules: Rules, today: dt.date,
             schema: Schema = SCHEMA) -> BookResult:
    """Validate the 客户 and 项目 sheets of ``book`` and compute grades and heats.

    ``today`` is the date the evaluation is for (no clock is read here); it is reserved for
    date rules such as visit cadence.
    """
    del today  # no rule reads the date yet; kept in the signature so callers pass it
    compiled = compile_rules(rules, schema)
    with _no_gc():
        return _evaluate(book, rules, compiled, schema)


def _evaluate(book: WorkbookGrid, rules: Rules, compiled: CompiledRules,
              schema: Schema) -> BookResult:
    cs, ps = schema.customers, schema.projects
    type_col = cs.column("customer_type")
    extra_types = [t for t in rules.checklists if t not in type_col.choices]
    cdata = validate_sheet(book.sheets.get(cs.name), cs,
                           extra_choices={"customer_type": extra_types}, date1904=book.date1904)
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
    findings.sort(key=lambda f: (order.get(f.sheet, 2), f.row or 0,
                                 column_index(f.column) if f.column else 0))
    layouts = {d.sheet.name: d.layout for d in (cdata, pdata) if d.layout is not None}
    return BookResult.model_construct(file=book.path, layouts=layouts, customers=customers,
                                      projects=projects, findings=findings)


def _link(pdata: SheetData, ps: Sheet, key: str, expected: str, index: CustomerIndex,
          ctypes: list[Any], findings: list[Finding]) -> list[int | None]:
    out: list[int | None] = []
    layout = pdata.layout
    letter = column_letter(layout.columns[key]) if layout and key in layout.columns else None
    header = ps.column(key).header
    for row, value in zip(pdata.rows, pdata.values[key], strict=True):
        ci = index.find(value)
        out.append(ci)
        if value is None:
            continue
        if ci is None:
            findings.append(Finding.make("unknown_customer", ps.name, row, letter, header,
                                         cell_text(value)))
        elif ctypes[ci] is not None and ctypes[ci] != expected:
            findings.append(Finding.make("wrong_customer_type", ps.name, row, letter, header,
                                         cell_text(value), actual=ctypes[ci], expected=expected))
    return out


def _grade_all(cdata: SheetData, compiled: CompiledRules, rules: Rules,
               furthest: list[str | None]) -> tuple[list[CustomerResult], list[int | None]]:
    v = cdata.values
    keys, names, types, reps = (v["customer_id"], v["customer_name"], v["customer_type"],
                                v["owner_rep"])
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
    results: list[CustomerResult] = []
    grades: list[int | None] = []
    for i, outcome in enumerate(outcomes):
        if outcome is None:
            grade, label, reasons, gaps = None, na, [], []
        else:
            grade, reasons, gaps = outcome.value, list(outcome.reasons), list(outcome.gaps)
            label = labels[grade]
        grades.append(grade)
        results.append(construct(row=cdata.rows[i], key=keys[i], name=names[i], type=types[i],
                                 owner_rep=reps[i], grade=grade, grade_label=label,
                                 reasons=reasons, gaps=gaps))
    return results, grades


def _heat_all(pdata: SheetData, compiled: CompiledRules, rules: Rules,
              links: dict[str, list[int | None]],
              grades: list[int | None]) -> list[ProjectResult]:
    v = pdata.values
    unknown = LABELS["unknown_grade"]

    def grade_of(ci: int | None, raw: str | None) -> tuple[int | None, str]:
        if ci is None:
            return None, (unknown if raw is not None else "")
        g = grades[ci]
        return g, rules.grade_label(g)

    client_g: list[int | None] = []
    client_l: list[str] = []
    contr_g: list[int | None] = []
    contr_l: list[str] = []
    for ci, raw in zip(links["client"], v["client"], strict=True):
        g, lb = grade_of(ci, raw)
        client_g.append(g)
        client_l.append(lb)
    for ci, raw in zip(links["contractor"], v["contractor"], strict=True):
        g, lb = grade_of(ci, raw)
        contr_g.append(g)
        contr_l.append(lb)
    # A missing, unknown or 不适用 counterpart counts as grade 0 in conditions.
    derived = {"甲方等级": [g or 0 for g in client_g], "总包等级": [g or 0 for g in contr_g]}
    heat_rules = compiled.heat
    construct = _new_project
    results: list[ProjectResult] = []
    keys, names, reps, clients, contractors, amounts = (
        v["project_id"], v["project_name"], v["owner_rep"], v["client"], v["contractor"],
        v["amount"])
    columns = row_columns(pdata, derived)
    for i, outcome in enumerate(heat_rows(columns, len(pdata.rows), heat_rules)):
        heat = outcome.value / 100
        amount = amounts[i]
        results.append(construct(
            row=pdata.rows[i], key=keys[i], name=names[i], owner_rep=reps[i], client=clients[i],
            contractor=contractors[i], client_grade=client_g[i], contractor_grade=contr_g[i],
            client_grade_label=client_l[i], contractor_grade_label=contr_l[i], heat=heat,
            heat_label=f"{outcome.value}%", reasons=list(outcome.reasons),
            gaps=list(outcome.gaps), amount=amount,
            weighted_amount=None if amount is None else amount * heat))
    return results
