"""What kqxl keeps inside a workbook besides computed cells: its rules, its 设置, its keys.

Two steps, both without I/O (the caller reads the workbook and writes the plan):

* :func:`rules_in_effect` — the rules a job uses: the ones given (``--rules``), else the ones
  stored in the workbook's 规则 sheet, else the shipped default;
* :func:`plan_stored` — for ``recompute``: keys for rows without one, the 设置 sheet (workbook
  id, key counters, rules fingerprint), and the 规则 sheet and 说明's rules line when the rules
  in effect are not the ones stored.

>>> book = read_workbook("张三.xlsx")                       # doctest: +SKIP
>>> chosen = rules_in_effect(book, None)                    # doctest: +SKIP
>>> chosen.info.describe()                                  # doctest: +SKIP
'内置默认规则（版本 1，指纹 fb380fb0）'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kqxl.book.patch import CellChange, CellColumns, SheetContent
from kqxl.book.safety import fail
from kqxl.book.settings import (
    SETTINGS_HEADER_ROW,
    SETTINGS_SHEET,
    SETTINGS_WIDTHS,
    Settings,
    read_settings,
    settings_rows,
)
from kqxl.cells import WorkbookGrid
from kqxl.engine.results import BookResult, row_keys, row_numbers, set_row_key
from kqxl.errors import RulesError, WorkbookError
from kqxl.keys import KEY_PREFIXES, assign_keys, new_workbook_id
from kqxl.rules.io import RulesInfo, load_rules
from kqxl.rules.model import Rules
from kqxl.rules.sheet import (
    RULES_SHEET,
    RULES_WIDTHS,
    StoredRules,
    is_rules_sheet,
    read_rules_sheet,
    rules_sheet,
)
from kqxl.schema import SCHEMA, Schema
from kqxl.texts import LABELS, TEMPLATE

# 说明 row 2 reads "模板版本 1，由 kqxl 生成；当前规则：<rules>。"; kqxl rewrites what follows this.
README_RULES_MARK = TEMPLATE["readme_version"].split("{rules}", 1)[0].rsplit("；", 1)[-1]
_README_SEARCH = 10


@dataclass(frozen=True, slots=True)
class RulesInEffect:
    """The rules a job uses, where they come from, and what the workbook has stored."""

    rules: Rules
    info: RulesInfo
    stored: StoredRules | None

    @property
    def needs_storing(self) -> bool:
        """True when the workbook does not hold exactly these rules yet."""
        return self.stored is None or self.stored.fingerprint != self.info.fingerprint


def rules_in_effect(book: WorkbookGrid, rules: Rules | str | Path | None) -> RulesInEffect:
    """The given rules (a :class:`Rules` or a rules file), else the workbook's, else default.

    Raises :class:`~kqxl.errors.RulesError` for a bad rules file, and for a broken 规则 sheet
    when no rules are given (given rules replace a broken sheet: that is how it is repaired).
    """
    grid = book.sheets.get(RULES_SHEET)
    if rules is not None:
        try:
            stored = read_rules_sheet(grid, book.path)
        except RulesError:
            stored = None
        if isinstance(rules, Rules):
            return RulesInEffect(rules, RulesInfo.of(rules, "given"), stored)
        loaded = load_rules(Path(rules))
        return RulesInEffect(loaded, RulesInfo.of(loaded, "file", str(rules)), stored)
    stored = read_rules_sheet(grid, book.path)
    if stored is not None:
        return RulesInEffect(stored.rules, RulesInfo.of(stored.rules, "workbook"), stored)
    default = load_rules(None)
    return RulesInEffect(default, RulesInfo.of(default, "default"), None)


@dataclass(frozen=True)
class StoredPlan:
    """What a recompute writes besides computed cells."""

    changes: CellColumns  # the keys column by column, then 说明's rules line
    sheets: list[SheetContent]
    settings: Settings
    keys_assigned: dict[str, int] = field(default_factory=dict)  # sheet → keys written
    rules_stored: bool = False


def plan_stored(
    book: WorkbookGrid,
    result: BookResult,
    chosen: RulesInEffect,
    schema: Schema = SCHEMA,
    new_id: Callable[[], str] = new_workbook_id,
) -> StoredPlan:
    """Keys for rows without one, and the 设置 / 规则 sheets as they should now be.

    The keys are also put into ``result`` (its rows then show what the workbook holds).
    Raises :class:`~kqxl.errors.WorkbookError` when a sheet named 设置 (or 规则, for rules
    that must be stored) exists but is not kqxl's, and for a 设置 sheet kqxl cannot use.
    """
    if not result.layouts:
        # Neither 客户 nor 项目 was found: not a kqxl workbook, so kqxl adds nothing to it.
        return StoredPlan(CellColumns(), [], Settings())
    before = read_settings(book.sheets.get(SETTINGS_SHEET), book.path)
    settings = before or Settings()
    workbook_id = settings.workbook_id or new_id()
    counters = dict(settings.counters)
    changes = CellColumns()
    assigned: dict[str, int] = {}
    for sheet_def in schema.sheets:
        sheet, key_column, rows = sheet_def.name, sheet_def.key_column, result.sheet(sheet_def.name)
        prefix = KEY_PREFIXES.get(sheet)
        layout = result.layouts.get(sheet)
        col = layout.columns.get(key_column) if layout is not None else None
        if prefix is None or col is None:
            continue
        done = assign_keys(
            row_keys(rows),
            prefix=prefix,
            workbook_id=workbook_id,
            counter=counters.get(prefix, 0),
        )
        numbers = row_numbers(rows)
        at, keys = changes.column(sheet, col)
        for i, key in done.keys.items():
            set_row_key(rows, i, key)
            at.append(numbers[i])
            keys.append(key)
        counters[prefix] = done.counter
        if done.keys:
            assigned[sheet] = len(done.keys)

    sheets: list[SheetContent] = []
    fingerprint = settings.rules_fingerprint
    rules_stored = False
    if chosen.needs_storing:
        grid = book.sheets.get(RULES_SHEET)
        if grid is not None and not is_rules_sheet(grid):
            # A sheet of the rep's own under that name is never overwritten; the rules can
            # only be stored once it is renamed.
            if chosen.info.source != "default":
                raise fail(
                    WorkbookError,
                    "not_kqxl_sheet",
                    path=book.path,
                    sheet=grid.name,
                    purpose=LABELS["sheet_rules"],
                )
        else:
            sheets.append(
                SheetContent(
                    RULES_SHEET,
                    rules_sheet(chosen.rules).rows,
                    column_widths=dict(enumerate(RULES_WIDTHS, start=1)),
                    header_rows=1,
                )
            )
            changes.extend(_readme_line(book, chosen.info))
            fingerprint = chosen.info.fingerprint
            rules_stored = True
    elif chosen.stored is not None:
        fingerprint = chosen.stored.fingerprint

    after = settings.with_changes(
        workbook_id=workbook_id, counters=counters, rules_fingerprint=fingerprint
    )
    if before is None or after != before:
        sheets.append(
            SheetContent(
                SETTINGS_SHEET,
                settings_rows(after),
                column_widths=SETTINGS_WIDTHS,
                header_rows=SETTINGS_HEADER_ROW,
            )
        )
    return StoredPlan(changes, sheets, after, assigned, rules_stored)


def _readme_line(book: WorkbookGrid, info: RulesInfo) -> list[CellChange]:
    """说明's "当前规则：…" line, rewritten for the rules now stored (if the line is there)."""
    grid = book.sheets.get(LABELS["sheet_readme"])
    if grid is None:
        return []
    for row in range(1, _README_SEARCH + 1):
        value = grid.value(row, 1)
        if isinstance(value, str) and README_RULES_MARK in value:
            head = value.split(README_RULES_MARK, 1)[0]
            line = f"{head}{README_RULES_MARK}{info.describe()}。"
            return [] if line == value else [CellChange(grid.name, row, 1, line)]
    return []
