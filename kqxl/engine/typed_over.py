"""Computed cells a rep typed over: a notice each (the recompute writes the result back).

Templates are no longer protected, so a rep can type into 客情等级 or 成交热度. A recompute
rewrites every computed cell of a row it evaluates anyway; this module tells the rep when the
value found there is one kqxl never writes under the rules in effect (a grade that is not a
grade label, a heat that is no level's percent), so the change does not go unnoticed. A value
kqxl could have written earlier (a grade from before the inputs changed) is not reported:
without a record of earlier writes it cannot be told apart from a stale result.

Pure: reads the grid and the rules, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

from kqxl.cells import SheetGrid, column_letter
from kqxl.engine.results import Finding
from kqxl.engine.validate import SheetData
from kqxl.rules.model import Rules
from kqxl.texts import LABELS

GRADE_KEYS = ("grade", "client_grade", "contractor_grade")
HEAT_KEY = "heat"
# What a grade cell may hold besides the rules' labels: kqxl's own words for "no grade".
NO_GRADE = ("—", "-")


def _grade_values(rules: Rules) -> frozenset[object]:
    return frozenset(
        (*rules.labels.grades, rules.labels.not_applicable, LABELS["unknown_grade"], *NO_GRADE)
    )


def _heat_values(rules: Rules) -> frozenset[float]:
    percents = [level.percent for level in rules.heat.levels] + [rules.heat.floor, 0]
    return frozenset(p / 100 for p in percents)


def _is_ours(value: object, allowed: frozenset[object] | frozenset[float]) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return any(isinstance(a, float) and abs(value - a) < 1e-9 for a in allowed)
    return isinstance(value, str) and value.strip() in allowed


def typed_over_findings(
    grids: Mapping[str, SheetGrid], sheets: Mapping[str, SheetData], rules: Rules
) -> list[Finding]:
    """A ``computed_typed_over`` notice for each short computed cell of an evaluated row that
    holds a value kqxl never writes (see the module docstring)."""
    allowed: dict[str, frozenset[object] | frozenset[float]] = {
        **{key: _grade_values(rules) for key in GRADE_KEYS},
        HEAT_KEY: _heat_values(rules),
    }
    findings: list[Finding] = []
    for name, data in sheets.items():
        grid, layout = grids.get(name), data.layout
        if grid is None or layout is None:
            continue
        for key, values in allowed.items():
            col = layout.columns.get(key)
            if col is None or key not in {c.key for c in data.sheet.columns if c.is_computed}:
                continue
            header = data.sheet.column(key).header
            for row in data.rows:
                value = grid.value(row, col)
                if value is None or value == "" or _is_ours(value, values):
                    continue
                shown = f"{value:.0%}" if isinstance(value, float) and key == HEAT_KEY else value
                findings.append(
                    Finding.make(
                        "computed_typed_over", name, row, column_letter(col), header, str(shown)
                    )
                )
    return findings
