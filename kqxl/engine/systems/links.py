"""Links: each project's 甲方 and 总包 rows in the 客户 sheet, and what follows from them.

Reports a project naming a customer the 客户 sheet lacks, or one of the wrong 客户类型, and
provides 项目阶段 to the customer sheet's conditions: the furthest stage of the projects naming
the customer as 甲方 (丢单 does not count).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import compress, count
from typing import Any

try:  # names keyed in C (setup.py)
    from kqxl import _speedups
except ImportError:  # pragma: no cover - the C part is built wherever the tests run
    _speedups = None  # type: ignore[assignment]

from kqxl.cells import column_letter
from kqxl.engine.convert import cell_text, name_key, name_keys, where_is
from kqxl.engine.results import Finding
from kqxl.engine.system import System, SystemInput, SystemOutput
from kqxl.engine.validate import SheetData
from kqxl.rules.compile import DerivedValue
from kqxl.rules.expr import Kind
from kqxl.schema import CUSTOMERS, PROJECT_STAGES, PROJECTS

CLIENT_TYPE, CONTRACTOR_TYPE = "甲方", "总包"
LOST = "丢单"
# Link column of the 项目 sheet → the 客户类型 it must name.
LINKS = {"client": CLIENT_TYPE, "contractor": CONTRACTOR_TYPE}


class CustomerIndex:
    """Customers looked up by 客户名称 or 客户编号, after whitespace/full-width folding."""

    def __init__(self, data: SheetData) -> None:
        # The first row holding a key wins, and a name wins over a 客户编号: the pairs are
        # added last row first, 客户编号 before names, each later one replacing (in C).
        by: dict[str | None, int] = {}
        for column in ("customer_id", "customer_name"):
            keys = data.match_keys.get(column) or name_keys(data.values[column])
            by.update(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
        by.pop(None, None)
        self._by: dict[str, int] = by  # type: ignore[assignment]
        self._seen: dict[str, int | None] = {}  # raw text → row, as projects repeat names

    @classmethod
    def of(cls, data: SheetData) -> CustomerIndex:
        """The index of ``data``, built once per validated sheet."""
        index = data.shared.get("customer_index")
        if index is None:
            index = data.shared["customer_index"] = cls(data)
        return index

    def find(self, value: str | None) -> int | None:
        if value is None:
            return None
        try:
            return self._seen[value]
        except KeyError:
            found = self._seen[value] = self._by.get(name_key(value))
            return found

    def find_all(self, values: Sequence[str | None]) -> list[int | None]:
        """:meth:`find` over a column: each name keyed in C (a name met again keyed once),
        else the look-up of each distinct text once."""
        if _speedups is None:
            return self._find_distinct(values)
        # a blank's key is None, which the index never holds: found as None too
        return list(map(self._by.get, name_keys(values)))  # type: ignore[arg-type]

    def _find_distinct(self, values: Sequence[str | None]) -> list[int | None]:
        distinct = list(set(values))
        # a blank's key is None, which the index never holds: found as None too (all in C)
        found = dict(zip(distinct, map(self._by.get, name_keys(distinct)), strict=True))  # type: ignore[arg-type]
        return list(map(found.__getitem__, values))


class Links(System):
    """``shared["client"]`` / ``shared["contractor"]``: per project, the customer row index."""

    name = "links"
    sheet = PROJECTS
    reads = ("client", "contractor", "stage")
    provides = (
        DerivedValue(
            CUSTOMERS,
            "项目阶段",
            Kind.TEXT,
            "该客户作为甲方的项目中进展最远的阶段（丢单不计）。",
            tuple(s for s in PROJECT_STAGES if s != LOST),
        ),
    )

    def compute(self, given: SystemInput) -> SystemOutput:
        projects, customers = given.data, given.sheets[CUSTOMERS]
        index = CustomerIndex.of(customers)
        ctypes = customers.values["customer_type"]
        out = SystemOutput()
        # Without a 客户 sheet its one finding (missing_sheet) says it all: no finding per
        # project naming a customer that sheet would hold.
        told: list[Finding] = out.findings if customers.layout is not None else []
        for key, expected in LINKS.items():
            found, wrong = _link(projects, key, expected, index, ctypes, told)
            out.shared[key] = found
            # found, but of another 客户类型: its grade is by another checklist (shown as —)
            out.shared[f"{key}_wrong_type"] = set(wrong)
        out.derived["项目阶段"] = furthest_stage(
            out.shared["client"], projects.values["stage"], len(customers.rows)
        )
        return out


def furthest_stage(
    client_rows: Sequence[int | None], stages: Sequence[str | None], n: int
) -> list[str | None]:
    """Per customer row, the furthest stage of the projects naming it as 甲方."""
    rank = {s: i for i, s in enumerate(PROJECT_STAGES) if s != LOST}
    furthest: list[str | None] = [None] * n
    for ci, stage in zip(client_rows, stages, strict=True):
        if ci is not None and stage in rank:
            cur = furthest[ci]
            if cur is None or rank[stage] > rank[cur]:
                furthest[ci] = stage
    return furthest


def _wrong_type_rows(found: list[int | None], ctypes: list[Any], expected: str) -> list[int]:
    """The rows whose customer was found but is of a 客户类型 other than ``expected`` (an
    unknown type counts as none), found in C."""
    unlinked: dict[int | None, int] = {None: len(ctypes)}  # a row without one reads None
    types = [*ctypes, None].__getitem__
    linked = list(map(types, map(unlinked.get, found, found)))  # type: ignore[arg-type]
    return list(compress(count(), map(operator.not_, map({None, expected}.__contains__, linked))))


def _problem_rows(values: list[Any], found: list[int | None], wrong: list[int]) -> list[int]:
    unknown = [i for i in where_is(found, None) if values[i] is not None]
    return sorted(unknown + wrong)


def _link(
    pdata: SheetData,
    key: str,
    expected: str,
    index: CustomerIndex,
    ctypes: list[Any],
    findings: list[Finding],
) -> tuple[list[int | None], list[int]]:
    """Per project row, the customer row its ``key`` cell names, and the rows naming a
    customer of another type; a finding for each row naming no known customer or one of
    another type."""
    ps, layout = pdata.sheet, pdata.layout
    letter = column_letter(layout.columns[key]) if layout and key in layout.columns else None
    header = ps.column(key).header
    values = pdata.values[key]
    out = index.find_all(values)
    wrong = _wrong_type_rows(out, ctypes, expected)
    # Only the rows with a problem need a look: unknown names and wrong types.
    for i in _problem_rows(values, out, wrong):
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
    return out, wrong
