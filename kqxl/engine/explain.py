"""Reasons and gaps as text, for the edges that show them: a workbook cell, the console.

A :class:`~kqxl.engine.results.Reason` is a value; these functions are the only place that
turns reasons into Chinese text, and nothing turns text back into reasons.

>>> from kqxl.engine.results import Reason
>>> held = [Reason(level="I级", rank=1, label=x, held=True, need=2, of=2) for x in "甲乙"]
>>> explanation_text([*held, Reason(level="II级", rank=2, label="丙", held=True, need=1, of=1)])
'I级：甲；乙。II级：丙'
>>> gaps = [Reason(level="90%", rank=90, label=x, held=False, need=1, of=2) for x in "甲乙"]
>>> reason_items(gaps)
['90%（以下 2 项中还需满足 1 项）：甲', '90%（以下 2 项中还需满足 1 项）：乙']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby

from kqxl.engine.results import Reason
from kqxl.texts import LABELS, text


def _groups(reasons: Sequence[Reason]) -> Iterator[tuple[str, list[str]]]:
    """Consecutive reasons of one level → (the level as shown, the labels).

    A level needing only k of its n conditions shows, in a gap, how many are still needed:
    ``90%（以下 2 项中还需满足 1 项）``.
    """
    for (level, held, need, of), same in groupby(
        reasons, key=lambda r: (r.level, r.held, r.need, r.of)
    ):
        labels = [r.label for r in same]
        still = need - (of - len(labels))
        if not held and need < of and still > 0:
            level = text(LABELS, "gap_need_k", level=level, m=len(labels), k=still)
        yield level, labels


def reason_items(reasons: Sequence[Reason] | None) -> list[str]:
    """One line per reason: ``I级：已送资料`` (for the console and tests)."""
    return [
        text(LABELS, "reason_item", level=level, label=label)
        for level, labels in _groups(reasons or ())
        for label in labels
    ]


def explanation_text(reasons: Sequence[Reason] | None, empty: str = "") -> str:
    """Reasons or gaps as one cell, grouped by level: ``I级：已送资料；已介绍产品。II级：…``
    (labels may hold 、 themselves, so items are joined with ；). ``empty`` is the text when
    there are none (已达最高等级 for the gaps of a top grade); ``None`` (not applicable) is
    always blank."""
    if reasons is None:
        return ""
    if not reasons:
        return empty
    items = text(LABELS, "cell_item_joiner")
    return text(LABELS, "cell_group_joiner").join(
        text(LABELS, "reason_item", level=level, label=items.join(labels))
        for level, labels in _groups(reasons)
    )
