"""The 规则 sheet: the rules in effect, readable for people and exactly restorable by kqxl.

Layout (rows as Excel numbers)::

    1   当前生效的规则：<name>（版本 <v>，指纹 <fingerprint>）   ← marks the sheet as kqxl's
    2   how to change the rules
    3   the grade labels
    5   类别 | 等级 | 要求 | 条件 | 表达式                          ← the table header
    6…  one row per condition (as ``kqxl rules check`` prints them)
        (one blank row)
    n   【kqxl 规则原文】…                                        ← the block begins
    n+1… the TOML text of :func:`~kqxl.rules.io.dump_rules`, one line per row in column A
    m   【kqxl 规则原文结束】指纹 <fingerprint>                  ← the block ends

kqxl reads the rules back from the block, checks them as any rules file, and compares their
fingerprint with the one in the end row: a block edited by hand or cut short is a one-line
:class:`~kqxl.errors.RulesError` naming workbook, sheet and row, never a silent change of the
rules. The table above the block is for people; kqxl never reads it.

>>> from kqxl.rules import load_rules
>>> sheet = rules_sheet(load_rules())
>>> stored = read_rules_sheet(SheetGrid("规则", sheet.rows), "x.xlsx")
>>> stored.rules == load_rules()
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kqxl.cells import CellValue, SheetGrid
from kqxl.errors import RulesError
from kqxl.rules.io import RulesInfo, describe_rules, dump_rules, parse_rules, rules_fingerprint
from kqxl.rules.model import Rules
from kqxl.texts import ERRORS, LABELS, STORED, TEMPLATE, text

RULES_SHEET = LABELS["sheet_rules"]
RULES_HEADER_ROW = 5
RULES_WIDTHS = (10.0, 8.0, 36.0, 36.0, 56.0)

_TITLE_PREFIX = TEMPLATE["rules_title"].split("{", 1)[0]
_BEGIN = STORED["rules_block_begin"].split("】", 1)[0] + "】"
_END = STORED["rules_block_end"].split("】", 1)[0] + "】"
_END_FINGERPRINT = re.compile(r"([0-9a-f]{8})\s*$")


@dataclass(frozen=True, slots=True)
class RulesSheet:
    """The rows of a 规则 sheet from A1, and where its parts are (1-based rows)."""

    rows: list[list[CellValue]]
    header_row: int
    table_rows: range
    block_rows: range  # from the begin row to the end row, both included


@dataclass(frozen=True, slots=True)
class StoredRules:
    """Rules read back from a workbook's 规则 sheet."""

    rules: Rules
    fingerprint: str
    row: int  # the row where the block begins


def rules_sheet(rules: Rules) -> RulesSheet:
    """The 规则 sheet for ``rules``."""
    info = RulesInfo.of(rules, "workbook")
    rows: list[list[CellValue]] = [
        [text(TEMPLATE, "rules_title", name=info.describe())],
        [TEMPLATE["rules_note"]],
        [
            text(
                TEMPLATE,
                "rules_grade_labels",
                labels="、".join(rules.labels.grades),
                na=rules.labels.not_applicable,
            )
        ],
        [],
        [
            TEMPLATE[k]
            for k in ("rule_section", "rule_level", "rule_require", "rule_label", "rule_expression")
        ],
    ]
    assert len(rows) == RULES_HEADER_ROW
    for line in describe_rules(rules):
        rows.append(
            [line.section, line.level, line.require or None, line.label, line.expression or None]
        )
    table = range(RULES_HEADER_ROW + 1, len(rows) + 1)
    rows.append([])
    begin = len(rows) + 1
    rows.append([STORED["rules_block_begin"]])
    rows.extend([line or None] for line in dump_rules(rules).splitlines())
    rows.append([text(STORED, "rules_block_end", fingerprint=info.fingerprint)])
    return RulesSheet(rows, RULES_HEADER_ROW, table, range(begin, len(rows) + 1))


def is_rules_sheet(grid: SheetGrid) -> bool:
    """Whether ``grid`` is a 规则 sheet kqxl wrote (also one from before rules were stored)."""
    title = grid.value(1, 1)
    return (isinstance(title, str) and title.startswith(_TITLE_PREFIX)) or _begin_row(
        grid
    ) is not None


def _begin_row(grid: SheetGrid) -> int | None:
    for row in range(grid.first_row, grid.first_row + len(grid.rows)):
        value = grid.value(row, 1)
        if isinstance(value, str) and value.startswith(_BEGIN):
            return row
    return None


def read_rules_sheet(grid: SheetGrid | None, path: str) -> StoredRules | None:
    """The rules stored in ``grid``; None when there is no sheet or no stored block (a sheet
    made before kqxl stored rules, or one that is not kqxl's)."""
    if grid is None:
        return None
    begin = _begin_row(grid)
    if begin is None:
        return None
    last = grid.first_row + len(grid.rows) - 1
    lines: list[str] = []
    end = None
    for row in range(begin + 1, last + 1):
        value = grid.value(row, 1)
        if isinstance(value, str) and value.startswith(_END):
            end = row
            break
        lines.append("" if value is None else str(value))
    where = f"{path}（{text(TEMPLATE, 'rules_sheet_where', sheet=grid.name)}）"
    if end is None:
        raise _broken(path, grid.name, begin, text(ERRORS, "rules_block_unclosed"))
    rules = parse_rules("\n".join(lines) + "\n", source=where, first_line=begin + 1)
    m = _END_FINGERPRINT.search(str(grid.value(end, 1)))
    fingerprint = rules_fingerprint(rules)
    if m is None or m[1] != fingerprint:
        raise _broken(path, grid.name, end, text(ERRORS, "rules_block_edited"))
    return StoredRules(rules, fingerprint, begin)


def _broken(path: str, sheet: str, row: int, detail: str) -> RulesError:
    return RulesError.from_key(
        "rules_sheet_invalid", path=path, sheet=sheet, row=row, detail=detail
    )
