"""Relationship grade 客情关系等级 (SPEC §2): each customer graded by its 客户类型's checklist.

Outputs per 客户 row: ``grade`` (未评级, I级 … or 不适用), ``grade_level`` (0–4, ``None`` =
不适用), ``customer_type`` (the validated 客户类型 graded by), ``grade_reasons`` and
``grade_gaps``. Provides 甲方等级 and 总包等级 to the 项目 sheet's conditions (a missing,
unknown or 不适用 counterpart counts as 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kqxl.engine.grade import Outcome, grade_rows
from kqxl.engine.system import Output, OutputKind, System, SystemInput, SystemOutput
from kqxl.rules.compile import CompiledChecklist, DerivedValue
from kqxl.rules.expr import Kind
from kqxl.rules.model import Rules
from kqxl.schema import CUSTOMERS, PROJECTS
from kqxl.texts import LABELS


class Grade(System):
    name = "grade"
    sheet = CUSTOMERS
    reads = ("customer_type",)  # and every column its checklists' conditions name
    needs = ("links",)
    reads_derived = True
    outputs = (
        Output("grade"),
        Output("grade_level", OutputKind.NUMBER, written=False),
        Output("customer_type", written=False),
        Output("grade_reasons", OutputKind.REASONS),
        Output("grade_gaps", OutputKind.REASONS, empty=LABELS["all_met"]),
    )
    provides = (
        DerivedValue(PROJECTS, "甲方等级", Kind.NUMBER, "甲方在客户表中的客情等级（0–4）。"),
        DerivedValue(PROJECTS, "总包等级", Kind.NUMBER, "总包在客户表中的客情等级（0–4）。"),
    )

    def extra_choices(self, rules: Rules) -> Mapping[str, Mapping[str, list[str]]]:
        # A 客户类型 the rules give a checklist is a valid type (物业公司 …).
        return {CUSTOMERS: {"customer_type": list(rules.checklists)}}

    def compute(self, given: SystemInput) -> SystemOutput:
        data, rules = given.data, given.rules
        types = data.values["customer_type"]
        outcomes = _grade_by_type(given.columns, types, given.compiled.checklists)
        levels = [None if o is None else o.value for o in outcomes]
        labels = rules.labels.grades
        na = rules.labels.not_applicable
        out = SystemOutput()
        out.values = {
            "grade": [na if g is None else labels[g] for g in levels],
            "grade_level": levels,
            "customer_type": types,
            "grade_reasons": [None if o is None else o.reasons for o in outcomes],
            "grade_gaps": [None if o is None else o.gaps for o in outcomes],
        }
        links = given.outputs["links"].shared
        for name, key in (("甲方等级", "client"), ("总包等级", "contractor")):
            wrong = links.get(f"{key}_wrong_type", set())  # another type's grade counts as 0
            out.derived[name] = [
                0 if ci is None or i in wrong else levels[ci] or 0
                for i, ci in enumerate(links[key])
            ]
        return out


def _grade_by_type(
    columns: Sequence[Sequence[object]],
    types: Sequence[str | None],
    checklists: Mapping[str, CompiledChecklist],
) -> list[Outcome | None]:
    """Grade each 客户类型's rows together: each condition runs once over whole columns."""
    n = len(types)
    by_type: dict[str, list[int]] = {}
    for i, t in enumerate(types):
        if t is not None and t in checklists:
            by_type.setdefault(t, []).append(i)
    outcomes: list[Outcome | None] = [None] * n
    for t, idx in by_type.items():
        for i, outcome in zip(idx, grade_rows(columns, n, checklists[t], idx), strict=True):
            outcomes[i] = outcome
    return outcomes
