"""Customer value class A/B/C/D by contribution (seed 001; Pareto 80/20, seed 002).

The customers with a positive contribution (期间销售额, or 期间毛利 when ``[value] basis = "毛利"``)
are ranked from the largest; A are those needed to reach the first ``a_share`` (80%) of the
total, B those up to ``b_share`` (95%), and the rest — with those contributing nothing — C when
marked 有发展潜力 (潜力客户), else D. A customer without a figure is not classed. 指定价值分类, set
by the manager, wins; 分类依据 then says 经理指定 and what the computation gave.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kqxl.engine.system import Output, System, SystemInput, SystemOutput
from kqxl.schema import CUSTOMERS
from kqxl.texts import SYSTEM_TEXTS, text


class ValueRules(BaseModel):
    """``[value]``: what counts as contribution and the Pareto cut-offs (cumulative shares)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    basis: Literal["销售额", "毛利"] = "销售额"
    a_share: float = Field(0.8, gt=0, le=1)
    b_share: float = Field(0.95, gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> ValueRules:
        if self.b_share < self.a_share:
            raise ValueError("b_share 应不小于 a_share")
        return self


BASIS_COLUMN = {"销售额": "period_revenue", "毛利": "period_profit"}


def value_classes(
    contribution: list[Any], potential: list[Any], a_share: float, b_share: float
) -> tuple[list[str | None], list[float | None]]:
    """Per row, the class and the cumulative share of the ranked contributions up to and
    including the row (``None`` for a row without a positive contribution)."""
    n = len(contribution)
    positive = [i for i, c in enumerate(contribution) if c is not None and c > 0]
    total = sum(contribution[i] for i in positive)
    classes: list[str | None] = [None] * n
    shares: list[float | None] = [None] * n
    before = 0.0
    for i in sorted(positive, key=contribution.__getitem__, reverse=True):  # ties by row
        share_before = before / total
        before += contribution[i]
        shares[i] = before / total
        classes[i] = "A" if share_before < a_share else "B" if share_before < b_share else None
    for i, c in enumerate(contribution):
        if classes[i] is None and c is not None:
            classes[i] = "C" if potential[i] is True else "D"
    return classes, shares


class ValueClass(System):
    name = "value"
    sheet = CUSTOMERS
    reads = ("period_revenue", "period_profit", "has_potential", "value_class_set")
    section = "value"
    section_model = ValueRules
    outputs = (
        Output("value_class"),
        Output("value_basis"),
        Output("value_class_computed", written=False),
    )

    def compute(self, given: SystemInput) -> SystemOutput:
        section: ValueRules = given.rules.section("value")
        v = given.data.values
        contribution = v[BASIS_COLUMN[section.basis]]
        computed, shares = value_classes(
            contribution, v["has_potential"], section.a_share, section.b_share
        )
        share_text = SYSTEM_TEXTS["value_basis_share"].format
        none_text = text(SYSTEM_TEXTS, "value_basis_none", basis=section.basis)
        with_potential = SYSTEM_TEXTS["value_potential"]
        basis: list[Any] = [
            None
            if c is None
            else (none_text if share is None else share_text(basis=section.basis, share=share))
            + (with_potential if potential is True else "")
            for c, share, potential in zip(contribution, shares, v["has_potential"], strict=True)
        ]
        final: list[Any] = list(computed)
        for i, chosen in enumerate(v["value_class_set"]):
            if chosen is not None:
                final[i] = chosen
                basis[i] = (
                    text(SYSTEM_TEXTS, "value_override", computed=computed[i])
                    if computed[i] is not None
                    else SYSTEM_TEXTS["value_override_none"]
                )
        return SystemOutput(
            values={"value_class": final, "value_basis": basis, "value_class_computed": computed}
        )
