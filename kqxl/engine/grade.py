"""Grade a counterpart and compute a project's heat from compiled rules (pure functions).

``grade_counterpart`` and ``heat_of_project`` take one row tuple: the sheet's normalised
values in schema column order, followed by its derived values (see :mod:`kqxl.rules.compile`).
``grade_rows`` and ``heat_rows`` take the same slots as whole columns and do many rows at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kqxl.rules.compile import CompiledChecklist, CompiledHeat, CompiledLevel
from kqxl.texts import LABELS, text


@dataclass(frozen=True, slots=True)
class Outcome:
    """A grade or a heat with its explanation."""

    value: int  # grade level (0 = 未评级) or heat percent
    reasons: list[str]
    gaps: list[str]


def _reasons(level: CompiledLevel, held: list[bool]) -> list[str]:
    return [item for item, ok in zip(level.items, held, strict=True) if ok]


def _gaps(level: CompiledLevel, held: list[bool]) -> list[str]:
    """What is missing for ``level``: every unmet condition; when only k of them are needed,
    each item says so (``90%（以下 2 项中还需满足 1 项）：…``)."""
    items = [item for item, ok in zip(level.items, held, strict=True) if not ok]
    still = level.need - (len(held) - len(items))
    if level.need < len(held) and still > 0:
        prefix = text(LABELS, "gap_need_k", level=level.label, m=len(items), k=still)
        missing = [lb for lb, ok in zip(level.labels, held, strict=True) if not ok]
        items = [text(LABELS, "reason_item", level=prefix, label=lb) for lb in missing]
    return items


_ITEM_SEP = text(LABELS, "reason_item", level="", label="")


def explanation_text(items: list[str]) -> str:
    """Reasons or gaps as one cell, grouped by level: ``I级：已送资料；已介绍产品。II级：…``
    (labels may hold 、 themselves, so items are joined with ；).

    >>> explanation_text(["I级：甲", "I级：乙", "II级：丙"])
    'I级：甲；乙。II级：丙'
    """
    groups: dict[str, list[str]] = {}
    for item in items:
        level, sep, label = item.partition(_ITEM_SEP)
        if sep:
            groups.setdefault(level, []).append(label)
        else:
            groups.setdefault(item, [])
    return text(LABELS, "cell_group_joiner").join(
        f"{level}{_ITEM_SEP}{text(LABELS, 'cell_item_joiner').join(labels)}" if labels else level
        for level, labels in groups.items()
    )


def _meets(level: CompiledLevel, held: list[bool]) -> bool:
    return sum(held) >= level.need


def _grade_from_held(held_all: Sequence[bool], checklist: CompiledChecklist) -> Outcome:
    """The grade once every condition of every level has been tested (flat, level order)."""
    held_by_level = _split(held_all, checklist.levels)
    grade = 0
    reasons: list[str] = []
    if checklist.cumulative:
        for level, held in zip(checklist.levels, held_by_level, strict=True):
            if not _meets(level, held):
                return Outcome(grade, reasons, _gaps(level, held))
            grade = level.rank
            reasons += _reasons(level, held)
        return Outcome(grade, reasons, [text(LABELS, "all_met")])
    results = list(zip(checklist.levels, held_by_level, strict=True))
    reached = [(level, held) for level, held in results if _meets(level, held)]
    if reached:
        top, top_held = reached[-1]
        grade = top.rank
        reasons = _reasons(top, top_held)
    nxt = next(((lv, h) for lv, h in results if lv.rank > grade), None)
    gaps = _gaps(*nxt) if nxt else [text(LABELS, "all_met")]
    return Outcome(grade, reasons, gaps)


def _heat_from_held(held_all: Sequence[bool], heat: CompiledHeat) -> Outcome:
    results = list(zip(heat.levels, _split(held_all, heat.levels), strict=True))
    percent, reasons = heat.floor, []
    for level, held in results:
        if _meets(level, held):
            percent, reasons = level.rank, _reasons(level, held)
        elif heat.cumulative:
            break
    nxt = next(((lv, h) for lv, h in results if lv.rank > percent), None)
    gaps = _gaps(*nxt) if nxt else [text(LABELS, "heat_all_met")]
    return Outcome(percent, reasons, gaps)


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
    slot order. Outcomes may be shared between rows: copy their lists before changing them."""
    return _bulk(columns, n, rows, checklist.levels, lambda key: _grade_from_held(key, checklist))


def heat_rows(
    columns: Sequence[Sequence[Any]], n: int, heat: CompiledHeat, rows: Sequence[int] | None = None
) -> list[Outcome]:
    """:func:`heat_of_project` for many rows at once (outcomes may be shared, as above)."""
    return _bulk(columns, n, rows, heat.levels, lambda key: _heat_from_held(key, heat))
