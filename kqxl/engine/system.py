"""The seam for computed systems: each is one module declaring what it reads and writes.

A :class:`System` names its sheet, the input columns it reads, the other systems whose outputs
it needs, its rules section (a top-level table of the rules file, with its own pydantic
model), the output column keys it fills, the values it offers to conditions
(:class:`~kqxl.rules.compile.DerivedValue`, e.g. 项目阶段), and a pure :meth:`System.compute`
returning one value per row for each output — column-wise, never a Python object per row.

:func:`register` makes a system part of every evaluation (its rules section and derived values
become known to the rules loader); :func:`kqxl.engine.evaluate` runs the registered systems
in dependency order and collects their outputs by column key; ``kqxl.api.plan_recompute``
writes each output whose sheet has that computed column, with one formatter per
:class:`OutputKind`. See docs/SYSTEMS.md for a walk-through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel

from kqxl.engine.convert import positions
from kqxl.engine.results import Finding, OutputValue
from kqxl.engine.validate import SheetData
from kqxl.rules.compile import (
    CompiledRules,
    Derived,
    DerivedValue,
    declare_derived,
    withdraw_derived,
)
from kqxl.rules.model import Rules, register_section, unregister_section
from kqxl.schema import RETIRED


class OutputKind(str, Enum):
    """How an output is written into its cell."""

    TEXT = "text"  # a label: 未评级, II级, 不适用
    NUMBER = "number"
    DATE = "date"  # a datetime.date
    PERCENT = "percent"  # a fraction (0.7), shown as 70% by the column's format
    MONEY = "money"
    REASONS = "reasons"  # a tuple of Reason, written as one explanation text


@dataclass(frozen=True, slots=True)
class Output:
    """One output of a system, by column key.

    ``written``: it fills the computed column of that key when the sheet has one; otherwise it
    is in the results only (a number behind a label, or an input the result was computed from).
    ``empty``: the cell text of an empty reasons tuple (``None`` stays a blank cell).
    """

    key: str
    kind: OutputKind = OutputKind.TEXT
    written: bool = True
    empty: str = ""


@dataclass(frozen=True, slots=True)
class SystemInput:
    """What a system's :meth:`~System.compute` gets.

    ``data``: its own sheet, validated; ``sheets``: every sheet of the schema, validated;
    ``columns``: its sheet in the slot order compiled conditions read (the schema's columns,
    then the sheet's derived values); ``outputs``: the outputs of the systems it needs;
    ``context``: what the workbook knows beyond its sheets and the rules (e.g. ``"value_lines"``,
    the team's value class lines a rep workbook was given by its last sync), empty by default.
    """

    data: SheetData
    sheets: Mapping[str, SheetData]
    columns: Sequence[Sequence[Any]]
    outputs: Mapping[str, SystemOutput]
    rules: Rules
    compiled: CompiledRules
    today: dt.date
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SystemOutput:
    """What a system computed, column-wise.

    ``values``: output key → one value per row of the system's sheet; ``derived``: derived
    value name → one value per row of the sheet it is declared on; ``findings``: problems it
    found; ``shared``: anything else the systems that need it may read (e.g. row links);
    ``supplied``: input column key of the system's sheet → a column that replaces the validated
    one for every system after it (拜访次数 from the 跟进记录 log), so conditions naming the
    column read the supplied values.
    """

    values: dict[str, Sequence[OutputValue]] = field(default_factory=dict)
    derived: dict[str, Sequence[Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)
    supplied: dict[str, list[Any]] = field(default_factory=dict)


class System:
    """A computed system. Subclasses set the class attributes and implement :meth:`compute`."""

    name: str = ""
    sheet: str = ""
    reads: tuple[str, ...] = ()  # input column keys of its sheet (and others it looks at)
    needs: tuple[str, ...] = ()  # systems whose outputs it uses
    # Its conditions name derived values of its sheet: it runs after every system providing
    # one (a plug-in's value becomes usable in grade conditions without editing grade).
    reads_derived: bool = False
    section: str | None = None  # its top-level table in the rules file
    section_model: type[BaseModel] | None = None  # validates that table; all fields defaulted
    outputs: tuple[Output, ...] = ()
    provides: tuple[DerivedValue, ...] = ()

    def extra_choices(self, rules: Rules) -> Mapping[str, Mapping[str, list[str]]]:
        """Values the rules add to choice columns: sheet → column key → extra choices."""
        return {}

    def compute(self, given: SystemInput) -> SystemOutput:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<System {self.name} on {self.sheet}>"


_REGISTRY: dict[str, System] = {}


def register(system: System) -> System:
    """Run ``system`` in every evaluation; its rules section and derived values become known."""
    if not system.name or not system.sheet:
        raise ValueError(f"{system!r}: a system needs a name and a sheet")
    if system.section is not None and system.section_model is not None:
        register_section(system.section, system.section_model)
    declare_derived(system.provides)
    _REGISTRY[system.name] = system
    return system


def unregister(name: str) -> None:
    system = _REGISTRY.pop(name, None)
    if system is not None:
        if system.section is not None:
            unregister_section(system.section)
        withdraw_derived(system.provides)


def registered() -> tuple[System, ...]:
    """The registered systems, in registration order."""
    return tuple(_REGISTRY.values())


def ordered(systems: Iterable[System]) -> list[System]:
    """``systems`` with every system after those it needs, and a system that
    ``reads_derived`` after the providers of its sheet's derived values (stable otherwise).

    Raises ``ValueError`` for a need that is not among ``systems`` or a cycle.
    """
    by_name = {s.name: s for s in systems}
    providers: dict[str, list[str]] = {}
    for s in by_name.values():
        for value in s.provides:
            providers.setdefault(value.sheet, []).append(s.name)

    def needs_of(system: System) -> list[str]:
        implied = providers.get(system.sheet, []) if system.reads_derived else []
        return [*system.needs, *(p for p in implied if p != system.name)]

    out: list[System] = []
    state: dict[str, bool] = {}  # False: being visited; True: placed

    def visit(system: System, path: tuple[str, ...]) -> None:
        done = state.get(system.name)
        if done:
            return
        if done is False:
            raise ValueError(f"computed systems need each other: {' → '.join(path)}")
        state[system.name] = False
        for need in needs_of(system):
            if need not in by_name:
                raise ValueError(f"system {system.name!r} needs {need!r}, which is not given")
            visit(by_name[need], (*path, need))
        state[system.name] = True
        out.append(system)

    for system in by_name.values():
        visit(system, (system.name,))
    return out


def derived_of(systems: Iterable[System]) -> Derived:
    """The derived values ``systems`` provide, by sheet, in order."""
    out: dict[str, tuple[DerivedValue, ...]] = {}
    for system in systems:
        for value in system.provides:
            out[value.sheet] = (*out.get(value.sheet, ()), value)
    return out


def retired_rows(values: Mapping[str, Sequence[Any]]) -> list[int]:
    """The rows of a validated sheet whose 状态 is 作废, found in C (a sheet without the column
    has none): such a row is no longer reminded, warned about or counted."""
    status = values.get("status")
    if status is None:
        return []
    return positions(status, RETIRED)
