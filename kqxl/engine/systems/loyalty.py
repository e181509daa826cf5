"""Loyalty index 忠诚指数 (seed 001 8.2.3, 客户忠诚量化指数): 满意度 (five levels), 重复购买概率
(70%以上 / 30%-70% / 30%以下) and 推荐可能 (很大可能 / 有可能 / 不可能), each scored evenly from 100
(best) to 0 (worst), averaged with the weights of ``[loyalty]`` over the answers given; blank
when none is given."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kqxl.engine.system import Output, OutputKind, System, SystemInput, SystemOutput
from kqxl.schema import CUSTOMERS, REFERRAL, REPURCHASE, SATISFACTION


def _ladder(levels: tuple[str, ...]) -> dict[str, float]:
    """Best first: 100 … 0, evenly spaced."""
    step = 100 / (len(levels) - 1)
    return {level: 100 - i * step for i, level in enumerate(levels)}


SCORES = {
    "satisfaction": _ladder(SATISFACTION),
    "repurchase": _ladder(REPURCHASE),
    "referral": _ladder(REFERRAL),
}


class LoyaltyRules(BaseModel):
    """``[loyalty]``: the weight of each measure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    satisfaction: float = Field(1, ge=0)
    repurchase: float = Field(1, ge=0)
    referral: float = Field(1, ge=0)


class Loyalty(System):
    name = "loyalty"
    sheet = CUSTOMERS
    reads = tuple(SCORES)
    section = "loyalty"
    section_model = LoyaltyRules
    outputs = (Output("loyalty_index", OutputKind.NUMBER),)

    def compute(self, given: SystemInput) -> SystemOutput:
        rules: LoyaltyRules = given.rules.section("loyalty")
        v = given.data.values
        weights = [getattr(rules, key) for key in SCORES]

        def index_of(answers: tuple[Any, ...]) -> int | None:
            total = weight = 0.0
            for scores, w, a in zip(SCORES.values(), weights, answers, strict=True):
                if a is not None and w > 0:
                    total += w * scores[a]
                    weight += w
            return round(total / weight) if weight else None

        # A few dozen combinations of answers at most: each is computed once.
        memo: dict[tuple[Any, ...], int | None] = {}
        index: list[Any] = []
        for answers in zip(*(v[key] for key in SCORES), strict=True):
            found = memo.get(answers, memo)
            if found is memo:
                found = memo[answers] = index_of(answers)
            index.append(found)
        return SystemOutput(values={"loyalty_index": index})
