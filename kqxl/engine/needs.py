"""Which columns the rules read, and which levels each one is needed for (pure).

A column a condition names that the sheet lacks (renamed, deleted) would silently make every
condition on it false; validation reports it with the levels it blocks instead.

>>> from kqxl.rules import load_rules
>>> from kqxl.schema import SCHEMA
>>> needed_columns(load_rules(), SCHEMA)["客户"]["visit_count"]
['甲方 I级', '总包 I级']
"""

from __future__ import annotations

from collections.abc import Iterator

from kqxl.rules.compile import Derived, sheet_names
from kqxl.rules.expr import (
    BlankTest,
    BoolOp,
    Compare,
    ExprError,
    InList,
    Name,
    Node,
    Not,
    parse,
)
from kqxl.rules.model import Condition, Rules
from kqxl.schema import Schema, Sheet
from kqxl.texts import READING, text


def names_in(node: Node) -> Iterator[str]:
    """Every name a parsed condition reads."""
    if isinstance(node, Name):
        yield node.name
    elif isinstance(node, Compare):
        yield from names_in(node.left)
        yield from names_in(node.right)
    elif isinstance(node, (InList, BlankTest, Not)):
        yield from names_in(node.operand)
    elif isinstance(node, BoolOp):
        for operand in node.operands:
            yield from names_in(operand)


def needed_columns(
    rules: Rules, schema: Schema, derived: Derived | None = None
) -> dict[str, dict[str, list[str]]]:
    """Sheet name → column key → the levels (``甲方 I级``, ``成交热度 70%``) whose conditions
    read that column, in rules order. Checklists read the 客户 sheet, heat the 项目 sheet."""
    out: dict[str, dict[str, list[str]]] = {}
    customers, projects = schema.customers, schema.projects
    for ctype, checklist in rules.checklists.items():
        for level in sorted(checklist.levels, key=lambda lv: lv.level):
            label = text(READING, "level", ctype=ctype, label=rules.grade_label(level.level))
            _note(out, customers, level.conditions, label, derived)
    for hl in sorted(rules.heat.levels, key=lambda h: h.percent):
        label = text(READING, "heat_level", label=hl.label)
        _note(out, projects, hl.conditions, label, derived)
    return out


def _note(
    out: dict[str, dict[str, list[str]]],
    sheet: Sheet,
    conditions: tuple[Condition, ...],
    label: str,
    derived: Derived | None,
) -> None:
    names = list(sheet_names(sheet, derived))
    by_header = {c.header: c.key for c in sheet.columns}
    for cond in conditions:
        try:
            node = parse(cond.when, names)
        except ExprError:
            continue  # compile_rules reports it
        for name in names_in(node):
            key = by_header.get(name)
            if key is None:
                continue  # a derived value (项目阶段, 甲方等级), not a column
            levels = out.setdefault(sheet.name, {}).setdefault(key, [])
            if label not in levels:
                levels.append(label)
