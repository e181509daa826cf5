"""Customer value class A/B/C/D by contribution (seed 001; Pareto 80/20, seed 002).

The customers with a positive contribution (期间销售额, or 期间毛利 when ``[value] basis = "毛利"``)
are ranked from the largest; A are those needed to reach the first ``a_share`` (80%) of the
total, B those up to ``b_share`` (95%), and the rest — with those contributing nothing — C when
marked 有发展潜力 (潜力客户), else D. A customer without a figure is not classed. 指定价值分类, set
by the manager, wins; 分类依据 then says 经理指定 and what the computation gave. Equal
contributions get the same class (the first of them decides).

A rep workbook holds one rep's customers, but the classes are the team's: a sync gives it the
master's **value lines** (the smallest contribution classed A and B there, :func:`value_lines`)
and it classes its rows by them (:class:`ValueLines`, passed as ``context["value_lines"]``),
so a customer has the same class in both workbooks. Without lines (a workbook never synced, or
lines for another basis) the ranking runs over the workbook's own rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class ValueLines:
    """The team's value class lines: a positive contribution of at least ``a_min`` is A, of at
    least ``b_min`` B (``None``: the team has no B). ``basis``: 销售额 or 毛利."""

    basis: str
    a_min: float
    b_min: float | None


def value_classes(
    contribution: Sequence[Any], potential: Sequence[Any], a_share: float, b_share: float
) -> tuple[list[str | None], list[float | None]]:
    """Per row, the class and the cumulative share of the ranked contributions up to and
    including the row (``None`` for a row without a positive contribution)."""
    n = len(contribution)
    positive = [i for i, c in enumerate(contribution) if c is not None and c > 0]
    total = sum(contribution[i] for i in positive)
    classes: list[str | None] = [None] * n
    shares: list[float | None] = [None] * n
    before = 0.0
    last: Any = None
    last_class: str | None = None
    for i in sorted(positive, key=contribution.__getitem__, reverse=True):
        c = contribution[i]
        share_before = before / total
        before += c
        shares[i] = before / total
        if c != last:  # an equal contribution takes the class of the first of its equals
            last = c
            last_class = "A" if share_before < a_share else "B" if share_before < b_share else None
        classes[i] = last_class
    _small(classes, contribution, potential)
    return classes, shares


def _small(
    classes: list[str | None], contribution: Sequence[Any], potential: Sequence[Any]
) -> None:
    """Rows with a figure but neither A nor B: C when marked 有发展潜力, else D."""
    for i, c in enumerate(contribution):
        if classes[i] is None and c is not None:
            classes[i] = "C" if potential[i] is True else "D"


def value_lines(
    contribution: Sequence[Any], basis: str, a_share: float, b_share: float
) -> ValueLines | None:
    """The lines of the ranking of ``contribution``: the smallest contribution classed A and
    the smallest classed B (``None`` when no row has a positive contribution)."""
    classes, _ = value_classes(contribution, [None] * len(contribution), a_share, b_share)
    a = [c for c, k in zip(contribution, classes, strict=True) if k == "A"]
    if not a:
        return None
    b = [c for c, k in zip(contribution, classes, strict=True) if k == "B"]
    return ValueLines(basis, float(min(a)), float(min(b)) if b else None)


def classes_by_lines(
    contribution: Sequence[Any], potential: Sequence[Any], lines: ValueLines
) -> list[str | None]:
    """Per row, the class the team's ``lines`` give its contribution."""
    classes: list[str | None] = [
        None
        if c is None or c <= 0
        else "A"
        if c >= lines.a_min
        else "B"
        if lines.b_min is not None and c >= lines.b_min
        else None
        for c in contribution
    ]
    _small(classes, contribution, potential)
    return classes


def _yuan(amount: float) -> str:
    return f"{amount:,.2f}".rstrip("0").rstrip(".")


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
        lines = given.context.get("value_lines")
        none_text = text(SYSTEM_TEXTS, "value_basis_none", basis=section.basis)
        with_potential = SYSTEM_TEXTS["value_potential"]
        if isinstance(lines, ValueLines) and lines.basis == section.basis:
            computed = classes_by_lines(contribution, v["has_potential"], lines)
            team = text(
                SYSTEM_TEXTS,
                "value_basis_team" if lines.b_min is not None else "value_basis_team_a",
                a=_yuan(lines.a_min),
                b=_yuan(lines.b_min or 0),
            )
            own = SYSTEM_TEXTS["value_basis_amount"].format
            described: list[str | None] = [
                None
                if c is None
                else none_text
                if c <= 0
                else own(basis=section.basis, amount=_yuan(c)) + team
                for c in contribution
            ]
        else:
            computed, shares = value_classes(
                contribution, v["has_potential"], section.a_share, section.b_share
            )
            share_text = SYSTEM_TEXTS["value_basis_share"].format
            described = [
                None
                if c is None
                else none_text
                if share is None
                else share_text(basis=section.basis, share=share)
                for c, share in zip(contribution, shares, strict=True)
            ]
        basis: list[Any] = [
            None if d is None else d + (with_potential if potential is True else "")
            for d, potential in zip(described, v["has_potential"], strict=True)
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
