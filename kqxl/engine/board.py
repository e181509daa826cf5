"""The 看板: per-rep figures and the heat pipeline of a workbook (pure).

Per rep (负责人): customers per grade and per value class (A/B/C/D, and those not classed),
projects with their amount and weighted amount, customers whose visit is overdue by the cadence of
their portfolio class (拜访预警, the same count a rep sees in their rows), customers with an open
warning (预警), complaints still open (not all seven handling steps done) and those whose response
is overdue, care reminders in the next days; and the pipeline per heat level.
:func:`board_figures` takes plain columns, so it runs on any evaluation; :mod:`kqxl.board`
reads them from a workbook and writes them into its 看板 sheet (the master's, one line per rep,
or a rep workbook's, the rep's own).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from itertools import compress
from typing import Any, Literal

from pydantic import BaseModel

__all__ = ["Board", "HeatFigures", "RepFigures", "board_figures"]


class RepFigures(BaseModel):
    """One rep's line of the 看板 (or the team's total, or the reps beyond the block)."""

    rep: str
    customers: int = 0
    grades: dict[str, int] = {}  # grade label → customers
    values: dict[str, int] = {}  # value class (A, B, C, D, then the label of no class) → customers
    projects: int = 0
    amount: float = 0.0
    weighted: float = 0.0
    overdue_visits: int = 0
    warned: int = 0
    complaints_open: int = 0
    complaints_overdue: int = 0
    care_soon: int = 0

    def add(self, other: RepFigures) -> None:
        self.customers += other.customers
        for label, n in other.grades.items():
            self.grades[label] = self.grades.get(label, 0) + n
        for label, n in other.values.items():
            self.values[label] = self.values.get(label, 0) + n
        self.projects += other.projects
        self.amount += other.amount
        self.weighted += other.weighted
        self.overdue_visits += other.overdue_visits
        self.warned += other.warned
        self.complaints_open += other.complaints_open
        self.complaints_overdue += other.complaints_overdue
        self.care_soon += other.care_soon


class HeatFigures(BaseModel):
    """One heat level of the pipeline: its label (70%), projects, amount, weighted amount."""

    label: str
    percent: int
    projects: int = 0
    amount: float = 0.0
    weighted: float = 0.0


class Board(BaseModel):
    """What the 看板 shows: the team's (one line per rep, the master's) or one rep's own (the
    ``rep`` scope, a rep workbook's small 看板)."""

    today: dt.date
    grade_labels: list[str]
    value_labels: list[str] = []
    reps: list[RepFigures]
    total: RepFigures
    pipeline: list[HeatFigures]
    care_days: int
    scope: Literal["team", "rep"] = "team"


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def board_figures(
    *,
    today: dt.date,
    grade_labels: Sequence[str],
    heat_percents: Sequence[int],
    customer_reps: Sequence[str | None],
    customer_grades: Sequence[str | None],
    customer_values: Sequence[str | None],
    value_labels: Sequence[str],
    overdue: Sequence[bool],
    warned: Sequence[bool],
    project_reps: Sequence[str | None],
    project_heats: Sequence[float | None],
    project_amounts: Sequence[Any],
    project_weighted: Sequence[Any],
    care_reps: Sequence[str],
    complaint_reps: Sequence[str | None] = (),
    complaint_open: Sequence[bool] = (),
    complaint_overdue: Sequence[bool] = (),
    care_days: int = 14,
    scope: Literal["team", "rep"] = "team",
) -> Board:
    """The 看板 figures. ``grade_labels``: every grade label in order (不适用 last);
    ``heat_percents``: the heat levels of the rules, highest first (0 is added);
    ``value_labels``: the value classes in order, the last one for a customer without a class
    (a ``customer_values`` entry of ``None``; a class not listed is counted under it too, never
    dropped); ``overdue`` and ``warned``: per customer, whether its visit is overdue and whether
    it has a warning; ``complaint_reps``, ``complaint_open``, ``complaint_overdue``: per
    complaint, the 负责人 of its customer, whether it is still open and whether its response is
    overdue; ``care_reps``: the 负责人 of each care reminder due in the next ``care_days`` days.
    A row without a 负责人 counts under ``（未指定）``."""
    unnamed = "（未指定）"
    reps: dict[str, RepFigures] = {}

    def rep_of(name: str | None) -> RepFigures:
        key = name or unnamed
        if key not in reps:
            reps[key] = RepFigures(
                rep=key,
                grades=dict.fromkeys(grade_labels, 0),
                values=dict.fromkeys(value_labels, 0),
            )
        return reps[key]

    no_class = value_labels[-1]
    classes = set(value_labels[:-1])
    # counted per (rep, what) in C, then set once per rep (a pydantic field set per customer
    # cost more than the counting)
    names = [name or unnamed for name in customer_reps]
    if len(overdue) != len(names) or len(warned) != len(names):  # (zip checks the others)
        raise ValueError("board_figures: customer columns of different lengths")
    for rep, n in Counter(names).items():
        rep_of(rep).customers = n
    for (rep, grade), n in Counter(zip(names, customer_grades, strict=True)).items():
        if grade is not None:
            figures = rep_of(rep)
            figures.grades[grade] = figures.grades.get(grade, 0) + n
    labels = [value if value in classes else no_class for value in customer_values]
    for (rep, label), n in Counter(zip(names, labels, strict=True)).items():
        rep_of(rep).values[label] += n
    for rep, n in Counter(compress(names, overdue)).items():
        rep_of(rep).overdue_visits = n
    for rep, n in Counter(compress(names, warned)).items():
        rep_of(rep).warned = n
    percents = sorted({*heat_percents, 0}, reverse=True)
    pipeline = {p: HeatFigures(label=f"{p}%", percent=p) for p in percents}
    # summed per rep and per heat in plain floats, in the projects' order (the same sums as
    # adding to each model's fields, without a pydantic field set per project)
    sums: dict[str, list[float]] = {}  # rep → projects, amount, weighted
    levels: dict[int, list[float]] = {}  # percent → projects, amount, weighted
    for name, heat, amount, weighted in zip(
        project_reps, project_heats, project_amounts, project_weighted, strict=True
    ):
        value, part = _number(amount), _number(weighted)
        key = name or unnamed
        for line in (
            sums.get(key) or sums.setdefault(key, [0, 0.0, 0.0]),
            levels.setdefault(round(_number(heat) * 100), [0, 0.0, 0.0]),
        ):
            line[0] += 1
            line[1] += value
            line[2] += part
    for name, (count, value, part) in sums.items():
        figures = rep_of(name)
        figures.projects += int(count)
        figures.amount += value
        figures.weighted += part
    for percent, (count, value, part) in levels.items():
        level = pipeline.get(percent)
        if level is None:  # a heat the rules no longer have: shown, never dropped
            level = pipeline[percent] = HeatFigures(label=f"{percent}%", percent=percent)
        level.projects += int(count)
        level.amount += value
        level.weighted += part
    for name, still_open, late in zip(
        complaint_reps, complaint_open, complaint_overdue, strict=True
    ):
        figures = rep_of(name)
        figures.complaints_open += still_open
        figures.complaints_overdue += late
    for name in care_reps:
        rep_of(name or None).care_soon += 1
    total = RepFigures(
        rep="合计", grades=dict.fromkeys(grade_labels, 0), values=dict.fromkeys(value_labels, 0)
    )
    ordered = sorted(reps.values(), key=lambda r: (r.rep == unnamed, r.rep))
    for figures in ordered:
        total.add(figures)
    return Board(
        today=today,
        grade_labels=list(grade_labels),
        value_labels=list(value_labels),
        reps=ordered,
        total=total,
        pipeline=sorted(pipeline.values(), key=lambda h: -h.percent),
        care_days=care_days,
        scope=scope,
    )
