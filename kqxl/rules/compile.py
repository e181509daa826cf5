"""Compile a :class:`Rules` model against a schema into predicates over row tuples.

A row tuple holds one normalised value per column of the sheet, in schema order, followed by
the sheet's derived values in the order they were declared. A derived value is a name a
condition may use besides the headers (项目阶段 of a customer, 甲方等级 of a project); the
computed system that provides it declares it (:class:`DerivedValue`) when it is registered.
Checklist conditions read the 客户 sheet; heat conditions read the 项目 sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kqxl.rules.expr import (
    ExprError,
    Kind,
    NameInfo,
    Predicate,
    Vector,
    compile_both,
)
from kqxl.rules.model import Condition, Rules, RulesShapeError, required_count
from kqxl.schema import SCHEMA, ColumnType, Schema, Sheet
from kqxl.texts import ERRORS, text

_KINDS = {
    ColumnType.TEXT: Kind.TEXT,
    ColumnType.CHOICE: Kind.TEXT,
    ColumnType.INTEGER: Kind.NUMBER,
    ColumnType.MONEY: Kind.NUMBER,
    ColumnType.PERCENT: Kind.NUMBER,
    ColumnType.DATE: Kind.DATE,
    ColumnType.BOOL: Kind.BOOL,
}


@dataclass(frozen=True, slots=True)
class DerivedValue:
    """A value of each row of ``sheet`` that conditions may name, computed by a system."""

    sheet: str
    name: str
    kind: Kind
    description: str
    choices: tuple[str, ...] = ()


Derived = Mapping[str, tuple[DerivedValue, ...]]  # sheet name → its derived values, in order

# What the registered systems provide; ``kqxl.engine.system.register`` fills it.
_DECLARED: dict[tuple[str, str], DerivedValue] = {}


def declare_derived(values: Iterable[DerivedValue]) -> None:
    for value in values:
        _DECLARED[value.sheet, value.name] = value


def withdraw_derived(values: Iterable[DerivedValue]) -> None:
    for value in values:
        _DECLARED.pop((value.sheet, value.name), None)


def declared_derived() -> Derived:
    """The derived values of the registered systems, by sheet."""
    out: dict[str, tuple[DerivedValue, ...]] = {}
    for value in _DECLARED.values():
        out[value.sheet] = (*out.get(value.sheet, ()), value)
    return out


def derived_names(sheet: Sheet, derived: Derived | None = None) -> tuple[str, ...]:
    """The derived values of ``sheet``, in the order they follow the columns in a row tuple."""
    found = declared_derived() if derived is None else derived
    return tuple(d.name for d in found.get(sheet.name, ()))


def sheet_names(sheet: Sheet, derived: Derived | None = None) -> dict[str, NameInfo]:
    """Every name a condition over ``sheet`` may use → its slot in the row tuple.

    Computed columns are left out (a rule must not read what kqxl writes); a derived value
    of the same header (甲方等级) takes their place.
    """
    names: dict[str, NameInfo] = {}
    for i, col in enumerate(sheet.columns):
        if not col.is_computed:
            names[col.header] = NameInfo(i, _KINDS[col.type], col.choices)
    found = declared_derived() if derived is None else derived
    for k, value in enumerate(found.get(sheet.name, ())):
        names[value.name] = NameInfo(len(sheet.columns) + k, value.kind, value.choices)
    return names


@dataclass(frozen=True, slots=True)
class CompiledLevel:
    """One level, ready to test a row: its label, predicates and how many must hold."""

    rank: int  # grade level (1…) or heat percent
    label: str
    labels: tuple[str, ...]
    predicates: tuple[Predicate, ...]
    need: int
    vectors: tuple[Vector, ...] = ()  # the same conditions, column-wise


@dataclass(frozen=True, slots=True)
class CompiledChecklist:
    cumulative: bool
    levels: tuple[CompiledLevel, ...]  # ascending by rank


@dataclass(frozen=True, slots=True)
class CompiledHeat:
    floor: int
    cumulative: bool
    levels: tuple[CompiledLevel, ...]  # ascending by percent


@dataclass(frozen=True, slots=True)
class CompiledRules:
    rules: Rules
    checklists: dict[str, CompiledChecklist]
    heat: CompiledHeat


def _compile_conditions(
    conditions: tuple[Condition, ...], names: dict[str, NameInfo], loc: tuple[str | int, ...]
) -> tuple[tuple[Predicate, ...], tuple[Vector, ...]]:
    preds, vectors = [], []
    for i, cond in enumerate(conditions):
        try:
            predicate, vector = compile_both(cond.when, names)
            preds.append(predicate)
            vectors.append(vector)
        except ExprError as exc:
            raise RulesShapeError(
                (*loc, i, "when"),
                text(ERRORS, "rules_condition", label=cond.label, detail=str(exc)),
            ) from None
    return tuple(preds), tuple(vectors)


def compile_rules(
    rules: Rules, schema: Schema = SCHEMA, derived: Derived | None = None
) -> CompiledRules:
    """Compile every condition; a bad one raises :class:`RulesShapeError` with its path.

    ``derived``: the derived values conditions may name (default: the registered systems').
    """
    customer_names = sheet_names(schema.customers, derived)
    project_names = sheet_names(schema.projects, derived)
    checklists: dict[str, CompiledChecklist] = {}
    for ctype, checklist in rules.checklists.items():
        levels = []
        for i, level in sorted(enumerate(checklist.levels), key=lambda p: p[1].level):
            preds, vectors = _compile_conditions(
                level.conditions, customer_names, ("checklists", ctype, "levels", i, "conditions")
            )
            levels.append(
                CompiledLevel(
                    level.level,
                    rules.grade_label(level.level),
                    tuple(c.label for c in level.conditions),
                    preds,
                    required_count(level.require, len(preds)),
                    vectors,
                )
            )
        checklists[ctype] = CompiledChecklist(checklist.cumulative, tuple(levels))
    heat_levels = []
    for i, hl in sorted(enumerate(rules.heat.levels), key=lambda p: p[1].percent):
        preds, vectors = _compile_conditions(
            hl.conditions, project_names, ("heat", "levels", i, "conditions")
        )
        heat_levels.append(
            CompiledLevel(
                hl.percent,
                hl.label,
                tuple(c.label for c in hl.conditions),
                preds,
                required_count(hl.require, len(preds)),
                vectors,
            )
        )
    heat = CompiledHeat(rules.heat.floor, rules.heat.cumulative, tuple(heat_levels))
    return CompiledRules(rules, checklists, heat)
