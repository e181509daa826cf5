"""What the workbook allows of the rules' words, checked once when rules are loaded.

Labels end up in cells: grade labels in 等级 cells and in conditional formats, condition
labels in the 依据/差距 cells (joined per level) and in the 规则 sheet, expressions and the
rules' name in the 规则 and 说明 sheets. A rule that a cell cannot hold would make every
recompute fail on some row, blaming the workbook; so it is refused here, named as a rules
problem with its field (and, through ``parse_rules``, its line).

The counts keep a hostile file from costing minutes to compile and evaluate: no real
checklist has a hundred conditions on one level.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from kqxl.schema import CUSTOMERS, PROJECTS, SCHEMA
from kqxl.texts import ERRORS, LABELS, TEMPLATE, text

if TYPE_CHECKING:
    from kqxl.rules.model import Condition, Rules

Loc = tuple[str | int, ...]

MAX_CELL_TEXT = 32_767  # Excel's limit for a cell, in UTF-16 code units
MAX_FORMULA_TEXT = 255  # a text constant in a formula (grade labels in conditional formats)
MAX_NAME = 255  # the rules' name stands in titles and the 说明 sheet's one line
MAX_GRADES = 21  # 未评级 and up to 20 levels
MAX_CHECKLISTS = 100
MAX_CONDITIONS = 100  # per level
MAX_CONDITIONS_IN_ALL = 1000  # per checklist, and for heat: each row tests them all

# What XML 1.0 (and so an .xlsx cell) cannot hold; tab, LF and CR it can.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def units(value: str) -> int:
    """The length of ``value`` as Excel counts it (a character outside the BMP counts 2)."""
    if value.isascii():
        return len(value)
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


class RulesLimitError(ValueError):
    """A rule the workbook cannot hold; ``loc`` is the path of the field."""

    def __init__(self, loc: Loc, detail: str) -> None:
        super().__init__(detail)
        self.loc = loc
        self.detail = detail


def check_words(rules: Rules) -> None:
    """Raise :class:`RulesLimitError` for the first text of ``rules`` a workbook cannot hold."""
    _check_counts(rules)
    for loc, value in _texts(rules):
        bad = _UNSTORABLE.search(value)
        if bad:
            raise RulesLimitError(
                loc, text(ERRORS, "rules_control_char", char=f"U+{ord(bad[0]):04X}")
            )
    _check_length(("name",), rules.name, MAX_NAME)
    for i, label in enumerate(rules.labels.grades):
        _check_length(("labels", "grades", i), label.replace('"', '""'), MAX_FORMULA_TEXT)
    _check_length(
        ("labels", "not_applicable"),
        rules.labels.not_applicable.replace('"', '""'),
        MAX_FORMULA_TEXT,
    )
    _check_length(("heat", "floor_label"), rules.heat.floor_label, MAX_FORMULA_TEXT)
    for ctype in rules.checklists:
        _check_length(("checklists", ctype), ctype, MAX_FORMULA_TEXT)
    for loc, value in _texts(rules):
        if loc[-1] in ("label", "when"):
            _check_length(loc, value, MAX_CELL_TEXT)
    row = text(
        TEMPLATE,
        "rules_grade_labels",
        labels="、".join(rules.labels.grades),
        na=rules.labels.not_applicable,
    )
    if units(row) > MAX_CELL_TEXT:
        raise RulesLimitError(("labels", "grades"), _too_long(units(row), MAX_CELL_TEXT))
    _check_explanations(rules)


def _check_counts(rules: Rules) -> None:
    def at_most(loc: Loc, count: int, limit: int) -> None:
        if count > limit:
            raise RulesLimitError(loc, text(ERRORS, "rules_too_many", limit=limit, count=count))

    at_most(("labels", "grades"), len(rules.labels.grades), MAX_GRADES)
    at_most(("checklists",), len(rules.checklists), MAX_CHECKLISTS)

    def in_all(loc: Loc, count: int) -> None:
        if count > MAX_CONDITIONS_IN_ALL:
            detail = text(ERRORS, "rules_too_many_in_all", limit=MAX_CONDITIONS_IN_ALL, count=count)
            raise RulesLimitError(loc, detail)

    for ctype, checklist in rules.checklists.items():
        total = 0
        for i, level in enumerate(checklist.levels):
            loc: Loc = ("checklists", ctype, "levels", i, "conditions")
            at_most(loc, len(level.conditions), MAX_CONDITIONS)
            total += len(level.conditions)
            in_all(loc, total)
    total = 0
    for i, hl in enumerate(rules.heat.levels):
        loc = ("heat", "levels", i, "conditions")
        at_most(loc, len(hl.conditions), MAX_CONDITIONS)
        total += len(hl.conditions)
        in_all(loc, total)


def _texts(rules: Rules) -> Iterator[tuple[Loc, str]]:
    yield ("name",), rules.name
    for i, label in enumerate(rules.labels.grades):
        yield ("labels", "grades", i), label
    yield ("labels", "not_applicable"), rules.labels.not_applicable
    yield ("heat", "floor_label"), rules.heat.floor_label
    for ctype, checklist in rules.checklists.items():
        yield ("checklists", ctype), ctype
        for i, level in enumerate(checklist.levels):
            yield from _condition_texts(
                ("checklists", ctype, "levels", i, "conditions"), level.conditions
            )
    for i, hl in enumerate(rules.heat.levels):
        yield from _condition_texts(("heat", "levels", i, "conditions"), hl.conditions)


def _condition_texts(loc: Loc, conditions: Sequence[Condition]) -> Iterator[tuple[Loc, str]]:
    for k, c in enumerate(conditions):
        yield (*loc, k, "label"), c.label
        yield (*loc, k, "when"), c.when


def _check_length(loc: Loc, value: str, limit: int) -> None:
    if units(value) > limit:
        raise RulesLimitError(loc, _too_long(units(value), limit))


def _too_long(length: int, limit: int) -> str:
    return text(ERRORS, "rules_text_too_long", length=length, limit=limit)


def _header(sheet: str, key: str) -> str:
    return SCHEMA.sheet(sheet).column(key).header


def _level_text(level: str, labels: Sequence[str], need: int, gap: bool) -> int:
    """The longest a level's part of an explanation cell can be: its label, and, in a gap of
    a level that needs k of n, ``（以下 m 项中还需满足 k 项）`` (longest with every label)."""
    shown = level
    if gap and need < len(labels):
        shown = text(LABELS, "gap_need_k", level=level, m=len(labels), k=need)
    joined = text(LABELS, "cell_item_joiner").join(labels)
    return units(text(LABELS, "reason_item", level=shown, label=joined))


def _check_explanations(rules: Rules) -> None:
    """The 依据 and 差距 cells: reasons of every level reached (all levels, for a cumulative
    checklist) and the gaps of one level; each must fit a cell with every condition in."""
    from kqxl.rules.model import required_count

    group = units(text(LABELS, "cell_group_joiner"))
    for ctype, checklist in rules.checklists.items():
        parts = []
        for i, level in enumerate(checklist.levels):
            labels = [c.label for c in level.conditions]
            name = (
                rules.labels.grades[level.level] if level.level < len(rules.labels.grades) else ""
            )
            need = required_count(level.require, len(labels))
            loc: Loc = ("checklists", ctype, "levels", i, "conditions")
            gap = _level_text(name, labels, need, gap=True)
            if gap > MAX_CELL_TEXT:
                raise _explanation(loc, _header(CUSTOMERS, "grade_gaps"), gap)
            held = _level_text(name, labels, need, gap=False)
            if held > MAX_CELL_TEXT:
                raise _explanation(loc, _header(CUSTOMERS, "grade_reasons"), held)
            parts.append((loc, held))
        if checklist.cumulative:
            total = 0
            for loc, held in parts:
                total += held + (group if total else 0)
                if total > MAX_CELL_TEXT:
                    raise _explanation(loc, _header(CUSTOMERS, "grade_reasons"), total)
    for i, hl in enumerate(rules.heat.levels):
        labels = [c.label for c in hl.conditions]
        need = required_count(hl.require, len(labels))
        loc = ("heat", "levels", i, "conditions")
        for key, gap in (("heat_gaps", True), ("heat_reasons", False)):
            length = _level_text(hl.label, labels, need, gap=gap)
            if length > MAX_CELL_TEXT:
                raise _explanation(loc, _header(PROJECTS, key), length)


def _explanation(loc: Loc, column: str, length: int) -> RulesLimitError:
    return RulesLimitError(
        loc,
        text(
            ERRORS, "rules_explanation_too_long", column=column, length=length, limit=MAX_CELL_TEXT
        ),
    )


def check_stored_line(line: str) -> str | None:
    """Why one line of the rules' text cannot be a cell of the 规则 sheet, or None."""
    if units(line) > MAX_CELL_TEXT:
        return text(ERRORS, "rules_stored_line_too_long", length=units(line), limit=MAX_CELL_TEXT)
    return None
