"""Grade a counterpart and compute a project's heat from compiled rules (pure functions).

``grade_rows`` and ``heat_rows`` take the sheet's normalised values as whole columns, in
schema column order, followed by its derived values (see :mod:`kqxl.rules.compile`), and do
many rows at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kqxl.engine.results import Reason, fast_builder
from kqxl.rules.compile import CompiledChecklist, CompiledHeat, CompiledLevel


@dataclass(frozen=True, slots=True)
class Outcome:
    """A grade or a heat with its explanation: the conditions that held at the levels reached,
    and those missing for the next level (empty at the top level)."""

    value: int  # grade level (0 = 未评级) or heat percent
    reasons: tuple[Reason, ...]
    gaps: tuple[Reason, ...]


_new_reason = fast_builder(Reason)


@dataclass(frozen=True, slots=True)
class _Level:
    """A compiled level with each condition ready as a reason that held and as a gap, built
    once per evaluation (rows share them)."""

    rank: int
    need: int
    size: int
    held: tuple[Reason, ...]
    missing: tuple[Reason, ...]


def _levels(levels: Sequence[CompiledLevel]) -> list[_Level]:
    out = []
    for lv in levels:
        n = len(lv.labels)
        items = [
            tuple(
                _new_reason(level=lv.label, rank=lv.rank, label=lb, held=ok, need=lv.need, of=n)
                for lb in lv.labels
            )
            for ok in (True, False)
        ]
        out.append(_Level(lv.rank, lv.need, n, *items))
    return out


def _reasons(level: _Level, held: Sequence[bool]) -> tuple[Reason, ...]:
    return tuple(r for r, ok in zip(level.held, held, strict=True) if ok)


def _gaps(level: _Level, held: Sequence[bool]) -> tuple[Reason, ...]:
    """What is missing for ``level``: every unmet condition (each says how many the level
    needs, so that a k-of-n level can show how many are still missing)."""
    return tuple(r for r, ok in zip(level.missing, held, strict=True) if not ok)


def _meets(level: _Level, held: Sequence[bool]) -> bool:
    return sum(held) >= level.need


def _grade_from_held(held_all: Sequence[bool], cumulative: bool, levels: list[_Level]) -> Outcome:
    """The grade once every condition of every level has been tested (flat, level order)."""
    held_by_level = _split(held_all, levels)
    grade = 0
    reasons: tuple[Reason, ...] = ()
    if cumulative:
        for level, held in zip(levels, held_by_level, strict=True):
            if not _meets(level, held):
                return Outcome(grade, reasons, _gaps(level, held))
            grade = level.rank
            reasons += _reasons(level, held)
        return Outcome(grade, reasons, ())
    results = list(zip(levels, held_by_level, strict=True))
    reached = [(level, held) for level, held in results if _meets(level, held)]
    if reached:
        top, top_held = reached[-1]
        grade = top.rank
        reasons = _reasons(top, top_held)
    nxt = next(((lv, h) for lv, h in results if lv.rank > grade), None)
    return Outcome(grade, reasons, _gaps(*nxt) if nxt else ())


def _heat_from_held(
    held_all: Sequence[bool], floor: int, cumulative: bool, levels: list[_Level]
) -> Outcome:
    results = list(zip(levels, _split(held_all, levels), strict=True))
    percent = floor
    reasons: tuple[Reason, ...] = ()
    for level, held in results:
        if _meets(level, held):
            percent, reasons = level.rank, _reasons(level, held)
        elif cumulative:
            break
    nxt = next(((lv, h) for lv, h in results if lv.rank > percent), None)
    return Outcome(percent, reasons, _gaps(*nxt) if nxt else ())


def _split(held_all: Sequence[bool], levels: Sequence[_Level]) -> list[Sequence[bool]]:
    out, at = [], 0
    for level in levels:
        out.append(held_all[at : at + level.size])
        at += level.size
    return out


def _bulk(
    columns: Sequence[Sequence[Any]],
    n: int,
    rows: Sequence[int] | None,
    levels: Sequence[CompiledLevel],
    decide: Any,
) -> list[Outcome]:
    """Test each condition over whole columns, then decide once per distinct pattern of held
    conditions: a sheet has many rows and few patterns. ``rows`` picks the rows to decide."""
    if n == 0:
        return []
    if rows is not None:  # the conditions are tested on these rows only
        columns, n = _Picked(columns, rows), len(rows)
    held = [vector(columns, n) for level in levels for vector in level.vectors]
    # each pattern decided when first met (in row order, as deciding row by row would meet
    # them), each row's pattern hashed once
    return list(map(_Decided(decide).__getitem__, zip(*held, strict=True)))


class _Decided(dict[tuple[bool, ...], Any]):
    """Pattern of held conditions → its outcome, decided the first time it is looked up."""

    __slots__ = ("_decide",)

    def __init__(self, decide: Any) -> None:
        super().__init__()
        self._decide = decide

    def __missing__(self, key: tuple[bool, ...]) -> Any:
        outcome = self[key] = self._decide(key)
        return outcome


class _Picked(Sequence[Sequence[Any]]):
    """Some rows of each column, picked the first time a condition reads the column."""

    __slots__ = ("_columns", "_picked", "_rows")

    def __init__(self, columns: Sequence[Sequence[Any]], rows: Sequence[int]) -> None:
        self._columns, self._rows = columns, rows
        self._picked: dict[int, list[Any]] = {}

    def __len__(self) -> int:
        return len(self._columns)

    def __getitem__(self, index: Any) -> Any:
        picked = self._picked.get(index)
        if picked is None:
            picked = self._picked[index] = list(map(self._columns[index].__getitem__, self._rows))
        return picked


def grade_rows(
    columns: Sequence[Sequence[Any]],
    n: int,
    checklist: CompiledChecklist,
    rows: Sequence[int] | None = None,
) -> list[Outcome]:
    """The grades (0 = 未评级 …) of many rows at once under one checklist, given the sheet's
    columns in slot order. Rows with the same pattern of held conditions share one (immutable)
    outcome. Cumulative (the default): level N needs level N's requirement and every level
    below; otherwise the highest level whose requirement holds."""
    levels, cumulative = _levels(checklist.levels), checklist.cumulative
    return _bulk(
        columns, n, rows, checklist.levels, lambda key: _grade_from_held(key, cumulative, levels)
    )


def heat_rows(
    columns: Sequence[Sequence[Any]], n: int, heat: CompiledHeat, rows: Sequence[int] | None = None
) -> list[Outcome]:
    """The heats (percent) of many rows at once (outcomes shared, as above)."""
    levels, floor, cumulative = _levels(heat.levels), heat.floor, heat.cumulative
    return _bulk(
        columns, n, rows, heat.levels, lambda key: _heat_from_held(key, floor, cumulative, levels)
    )
