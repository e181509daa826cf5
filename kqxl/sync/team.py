"""What a rep workbook knows of its team: the master's value class lines, kept in its 设置 sheet.

A rep workbook holds one rep's customers, but 价值分类 is the team's Pareto ranking (SPEC §5).
The master's ranking is summed up by two figures, the smallest contribution classed A and the
smallest classed B (:func:`~kqxl.engine.systems.value.value_lines`); ``kqxl init --rep`` and
every sync that writes a rep workbook store them in its 设置 sheet (one row each, codes
``team.value.*``), and a recompute of the rep workbook classes its rows by them — offline too —
so a customer has the class the master gives it. A sync writes a rep workbook for new lines only
when they change the class of one of its rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kqxl.book.patch import CellChange
from kqxl.book.settings import SETTINGS_HEADER_ROW, SETTINGS_SHEET, Settings
from kqxl.cells import CellValue, SheetGrid, WorkbookGrid
from kqxl.engine.convert import convert_bool, convert_money
from kqxl.engine.systems.value import (
    BASIS_COLUMN,
    ValueLines,
    ValueRules,
    classes_by_lines,
    value_lines,
)
from kqxl.rules.model import Rules
from kqxl.texts import SYNC

BASIS, A_MIN, B_MIN = "team.value.basis", "team.value.a_min", "team.value.b_min"
CODES = (BASIS, A_MIN, B_MIN)


def _numbers(values: Iterable[CellValue]) -> list[float | None]:
    """Contributions as the engine reads them (``1.2万``, ``¥1,200``); a bad cell is none."""
    out, _ = convert_money(list(values))
    return [v if isinstance(v, float) else None for v in out]


def team_lines(rows: Mapping[str, Mapping[str, CellValue]], rules: Rules) -> ValueLines | None:
    """The lines of the team's ranking over ``rows`` (key → fields, the master's 客户 rows)."""
    section: ValueRules = rules.section("value")
    column = BASIS_COLUMN[section.basis]
    contribution = _numbers(fields.get(column) for fields in rows.values())
    return value_lines(contribution, section.basis, section.a_share, section.b_share)


def lines_of(other_rows: Iterable[Sequence[CellValue]]) -> ValueLines | None:
    """The lines a 设置 sheet's rows hold (``Settings.other_rows``), or None when it holds
    none or they are not usable (a hand-edited value: the workbook then ranks its own rows)."""
    found: dict[str, CellValue] = {}
    for row in other_rows:
        if len(row) >= 4 and row[3] in CODES:
            found[str(row[3])] = row[1]
    basis, a_min, b_min = (found.get(code) for code in CODES)
    if basis not in BASIS_COLUMN:
        return None
    numbers = _numbers([a_min, b_min])
    if numbers[0] is None or numbers[0] <= 0 or (b_min is not None and numbers[1] is None):
        return None
    return ValueLines(str(basis), numbers[0], numbers[1])


def grid_lines(grid: WorkbookGrid) -> ValueLines | None:
    """The lines in a workbook's 设置 sheet (read leniently: a damaged sheet gives none, and
    the recompute that reads it properly names the damage)."""
    sheet = grid.sheets.get(SETTINGS_SHEET)
    if sheet is None:
        return None
    last = sheet.first_row + len(sheet.rows) - 1
    return lines_of(
        tuple(sheet.value(r, c) for c in range(1, 5))
        for r in range(SETTINGS_HEADER_ROW + 1, last + 1)
    )


def lines_rows(lines: ValueLines) -> list[tuple[CellValue, CellValue, CellValue, CellValue]]:
    """The 设置 rows (label, value, note, code) holding ``lines``."""
    return [
        (SYNC["setting_value_basis"], lines.basis, SYNC["setting_value_basis_note"], BASIS),
        (SYNC["setting_value_a"], lines.a_min, SYNC["setting_value_a_note"], A_MIN),
        (SYNC["setting_value_b"], lines.b_min, SYNC["setting_value_b_note"], B_MIN),
    ]


def with_lines(settings: Settings, lines: ValueLines | None) -> Settings:
    """``settings`` holding ``lines`` (none: the rows removed)."""
    kept = tuple(r for r in settings.other_rows if not (len(r) >= 4 and r[3] in CODES))
    return settings.with_changes(other_rows=kept + tuple(lines_rows(lines) if lines else ()))


def lines_changes(sheet: SheetGrid, lines: ValueLines) -> list[CellChange]:
    """Cell changes putting ``lines`` into a 设置 sheet (:func:`settings_changes`)."""
    return settings_changes(sheet, lines_rows(lines))


def settings_changes(sheet: SheetGrid, rows: Iterable[Sequence[CellValue]]) -> list[CellChange]:
    """Cell changes putting ``rows`` (label, value, note, code) into a 设置 sheet: a row's
    value where a row of that code is there, whole rows below the last one where not."""
    last = sheet.first_row + len(sheet.rows) - 1
    wanted = list(rows)
    codes = {row[3] for row in wanted}
    at = {
        sheet.value(r, 4): r
        for r in range(SETTINGS_HEADER_ROW + 1, last + 1)
        if sheet.value(r, 4) in codes
    }
    changes: list[CellChange] = []
    below = max(last, SETTINGS_HEADER_ROW)
    for row in wanted:
        r = at.get(row[3])
        if r is not None:
            if sheet.value(r, 2) != row[1]:
                changes.append(CellChange(SETTINGS_SHEET, r, 2, row[1]))
            continue
        below += 1
        changes.extend(CellChange(SETTINGS_SHEET, below, c, v) for c, v in enumerate(row, 1))
    return changes


def classes_differ(
    rows: Mapping[str, Mapping[str, CellValue]], lines: ValueLines, held: Mapping[str, Any]
) -> bool:
    """Whether ``lines`` give one of ``rows`` (a rep's 客户 rows, key → fields) another A/B
    class than the one it holds (``held``: key → the 价值分类 cell); a row the manager classed
    (指定价值分类) keeps that class either way."""
    keys = [k for k, f in rows.items() if f.get("value_class_set") in (None, "")]
    contribution = _numbers(rows[k].get(BASIS_COLUMN[lines.basis]) for k in keys)
    potential, _ = convert_bool([rows[k].get("has_potential") for k in keys])
    wanted = classes_by_lines(contribution, potential, lines)
    for key, want in zip(keys, wanted, strict=True):
        have = held.get(key)
        if (want if want in ("A", "B") else None) != (have if have in ("A", "B") else None):
            return True
    return False
