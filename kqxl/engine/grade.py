"""Grade a counterpart and compute a project's heat from compiled rules (pure functions).

``grade_counterpart`` and ``heat_of_project`` take one row tuple: the sheet's normalised
values in schema column order, followed by its derived values (see :mod:`kqxl.rules.compile`).
``grade_rows`` and ``heat_rows`` take the same slots as whole columns and do many rows at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kqxl.engine.results import Reason
from kqxl.rules.compile import CompiledChecklist, CompiledHeat, CompiledLevel


@dataclass(frozen=True, slots=True)
class Outcome:
    """A grade or a heat with its explanation: the conditions that held at the levels reached,
    and those missing for the next level (empty at the top level)."""

    value: int  # grade level (0 = 未评级) or heat percent
    reasons: tuple[Reason, ...]
    gaps: tuple[Reason, ...]


def _items(level: CompiledLevel, held: Sequence[bool], want: bool) -> tuple[Reason, ...]:
    """The conditions of ``level`` that held (``want=True``) or did not, as reasons."""
    return tuple(
        Reason(level=level.label, rank=level.rank, label=lb, held=ok, need=level.need, of=len(held))
        for lb, ok in zip(level.labels, held, strict=True)
        if ok is want
    )


def _reasons(level: CompiledLevel, held: Sequence[bool]) -> tuple[Reason, ...]:
    return _items(level, held, True)


def _gaps(level: CompiledLevel, held: Sequence[bool]) -> tuple[Reason, ...]:
    """What is missing for ``level``: every unmet condition (each says how many the level
    needs, so that a k-of-n level can show how many are still missing)."""
    return _items(level, held, False)


def _meets(level: CompiledLevel, held: list[bool]) -> bool:
    return sum(held) >= level.need


def _grade_from_held(held_all: Sequence[bool], checklist: CompiledChecklist) -> Outcome:
    """The grade once every condition of every level has been tested (flat, level order)."""
    held_by_level = _split(held_all, checklist.levels)
    grade = 0
    reasons: tuple[Reason, ...] = ()
    if checklist.cumulative:
        for level, held in zip(checklist.levels, held_by_level, strict=True):
            if not _meets(level, held):
                return Outcome(grade, reasons, _gaps(level, held))
            grade = level.rank
            reasons += _reasons(level, held)
        return Outcome(grade, reasons, ())
    results = list(zip(checklist.levels, held_by_level, strict=True))
    reached = [(level, held) for level, held in results if _meets(level, held)]
    if reached:
        top, top_held = reached[-1]
        grade = top.rank
        reasons = _reasons(top, top_held)
    nxt = next(((lv, h) for lv, h in results if lv.rank > grade), None)
    return Outcome(grade, reasons, _gaps(*nxt) if nxt else ())


def _heat_from_held(held_all: Sequence[bool], heat: CompiledHeat) -> Outcome:
    results = list(zip(heat.levels, _split(held_all, heat.levels), strict=True))
    percent = heat.floor
    reasons: tuple[Reason, ...] = ()
    for level, held in results:
        if _meets(level, held):
            percent, reasons = level.rank, _reasons(level, held)
        elif heat.cumulative:
            break
    nxt = next(((lv, h) for lv, h in results if lv.rank > percent), None)
    return Outcome(percent, reasons, _gaps(*nxt) if nxt else ())


def _split(held_all: Sequence[bool], levels: Sequence[CompiledLevel]) -> list[list[bool]]:
    out, at = [], 0
    for level in levels:
        n = len(level.predicates)
        out.append(list(held_all[at : at + n]))
        at += n
    return out


def _all_predicates(levels: Sequence[CompiledLevel]) -> list[Any]:
    return [p for level in levels for p in level.predicates]


def grade_counterpart(row: Sequence[Any], checklist: CompiledChecklist) -> Outcome:
    """The grade (0 = 未评级 … 4) of one customer row under its type's checklist.

    Cumulative (the default): level N needs level N's requirement and every level below.
    Otherwise the highest level whose requirement holds. Reasons list the conditions held
    at each level reached; gaps what is missing for the next level.
    """
    return _grade_from_held([p(row) for p in _all_predicates(checklist.levels)], checklist)


def heat_of_project(row: Sequence[Any], heat: CompiledHeat) -> Outcome:
    """The heat (percent) of one project row: the highest level whose requirement holds.

    With ``cumulative`` a level also needs every level below. Otherwise the floor. Gaps are
    what is missing for the next level above the one reached.
    """
    return _heat_from_held([p(row) for p in _all_predicates(heat.levels)], heat)


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
    held = [vector(columns, n) for level in levels for vector in level.vectors]
    keys = list(zip(*held, strict=True))
    memo: dict[tuple[bool, ...], Outcome] = {}
    out: list[Outcome] = []
    for i in range(n) if rows is None else rows:
        key = keys[i]
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = decide(key)
        out.append(hit)
    return out


def grade_rows(
    columns: Sequence[Sequence[Any]],
    n: int,
    checklist: CompiledChecklist,
    rows: Sequence[int] | None = None,
) -> list[Outcome]:
    """:func:`grade_counterpart` for many rows at once, given the sheet's columns in row-tuple
    slot order. Rows with the same pattern of held conditions share one (immutable) outcome."""
    return _bulk(columns, n, rows, checklist.levels, lambda key: _grade_from_held(key, checklist))


def heat_rows(
    columns: Sequence[Sequence[Any]], n: int, heat: CompiledHeat, rows: Sequence[int] | None = None
) -> list[Outcome]:
    """:func:`heat_of_project` for many rows at once (outcomes shared, as above)."""
    return _bulk(columns, n, rows, heat.levels, lambda key: _heat_from_held(key, heat))
