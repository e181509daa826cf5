"""Deal heat 成交热度 (SPEC §3): each project's heat from its row and its counterparts' grades.

Outputs per 项目 row: ``client_grade`` / ``contractor_grade`` (the grade labels of its 甲方 and
总包; 未知 for a name the 客户 sheet lacks, blank when none is named) with ``client_level`` /
``contractor_level`` behind them, ``heat`` (a fraction: 0.7), ``heat_reasons``, ``heat_gaps``,
``weighted_amount`` (项目金额 × 热度) and ``amount`` (the validated 项目金额 it weighs).
A counterpart found in the 客户 sheet but of the wrong 客户类型 shows no grade (—): its grade
is by another type's checklist. A project at the floor heat whose rules name the floor
(``floor_label``) says so in 热度依据, as ``rules check`` shows it (``10%（线索）``).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from kqxl.engine.grade import heat_rows
from kqxl.engine.results import Reason
from kqxl.engine.system import Output, OutputKind, System, SystemInput, SystemOutput
from kqxl.rules.model import Rules
from kqxl.schema import PROJECTS
from kqxl.texts import LABELS


class Heat(System):
    name = "heat"
    sheet = PROJECTS
    reads = ("client", "contractor", "amount")  # and every column its conditions name
    needs = ("links", "grade")
    reads_derived = True
    outputs = (
        Output("client_grade"),
        Output("contractor_grade"),
        Output("client_level", OutputKind.NUMBER, written=False),
        Output("contractor_level", OutputKind.NUMBER, written=False),
        Output("heat", OutputKind.PERCENT),
        Output("heat_reasons", OutputKind.REASONS),
        Output("heat_gaps", OutputKind.REASONS, empty=LABELS["heat_all_met"]),
        Output("weighted_amount", OutputKind.MONEY),
        Output("amount", OutputKind.MONEY, written=False),
    )

    def compute(self, given: SystemInput) -> SystemOutput:
        v, rules = given.data.values, given.rules
        heat = given.compiled.heat
        links = given.outputs["links"].shared
        grades: Sequence[int | None] = given.outputs["grade"].values["grade_level"]  # type: ignore[assignment]
        outcomes = heat_rows(given.columns, len(given.data.rows), heat)
        percents = {heat.floor, *(level.rank for level in heat.levels)}
        fraction = {p: p / 100 for p in percents}
        heats = list(map(fraction.__getitem__, map(_VALUE, outcomes)))  # in C
        out = SystemOutput()
        for side in ("client", "contractor"):
            wrong = links.get(f"{side}_wrong_type", set())
            levels, labels = _counterparts(links[side], v[side], grades, rules, wrong)
            out.values[f"{side}_grade"] = labels
            out.values[f"{side}_level"] = levels
        out.values["heat"] = heats
        out.values["heat_reasons"] = list(map(_REASONS, outcomes))
        if rules.heat.floor_label:
            floor = (
                Reason(
                    level=f"{heat.floor}%（{rules.heat.floor_label}）",
                    rank=heat.floor,
                    label=LABELS["rules_floor"],
                    held=True,
                    need=0,
                    of=0,
                ),
            )
            out.values["heat_reasons"] = [
                (*floor, *o.reasons) if o.value == heat.floor else o.reasons for o in outcomes
            ]
        out.values["heat_gaps"] = list(map(_GAPS, outcomes))
        out.values["weighted_amount"] = [
            None if a is None else a * h for a, h in zip(v["amount"], heats, strict=True)
        ]
        out.values["amount"] = v["amount"]
        return out


_VALUE, _REASONS, _GAPS = attrgetter("value"), attrgetter("reasons"), attrgetter("gaps")


def _counterparts(
    found: Sequence[int | None],
    raw: Sequence[str | None],
    grades: Sequence[int | None],
    rules: Rules,
    wrong: set[int] | frozenset[int] = frozenset(),
) -> tuple[list[int | None], list[str]]:
    """The grade of each project's counterpart and its label (未知: named but not found; —:
    found, but of the wrong 客户类型, in rows ``wrong``)."""
    unknown = LABELS["unknown_grade"]
    label_of = {g: rules.grade_label(g) for g in (None, *range(len(rules.labels.grades)))}
    levels = [None if ci is None else grades[ci] for ci in found]
    labels = [
        ("" if r is None else unknown) if ci is None else label_of[g]
        for ci, r, g in zip(found, raw, levels, strict=True)
    ]
    for i in wrong:
        levels[i], labels[i] = None, LABELS["wrong_type_grade"]
    return levels, labels
