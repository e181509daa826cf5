"""Customer portfolio matrix and visit cadence (seed 003 #21–22, #70; seed 000).

吸引力 (the business the customer can offer: 高/低) × 我司地位 (our share of its purchases:
强/弱) give 明星 (高 × 强), 现金牛 (低 × 强), 问题 (高 × 弱) and 瘦狗 (低 × 弱), each with its
visit policy.
The visit interval is a rule per class (``[cadence] intervals``; ``default_interval`` for a
customer not placed). From 最近拜访日期 (the log's when it has rows, see ``visits``):
下次拜访日期 = 最近拜访日期 + interval and 逾期天数 = today − 下次拜访日期 when positive.
拜访预警 names an overdue visit, or visits too frequent — more than ``max_visits_per_interval``
logged visits within the last interval (the seeds: too many visits lower their quality).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kqxl.engine.system import (
    Output,
    OutputKind,
    System,
    SystemInput,
    SystemOutput,
    retired_rows,
)
from kqxl.schema import CUSTOMERS
from kqxl.texts import SYSTEM_TEXTS, text

PortfolioClass = Literal["明星", "现金牛", "问题", "瘦狗"]
PORTFOLIO: dict[tuple[str, str], PortfolioClass] = {
    ("高", "强"): "明星",
    ("低", "强"): "现金牛",
    ("高", "弱"): "问题",
    ("低", "弱"): "瘦狗",
}

# Seed 003 #22: high-quality visits for 明星 and 问题, moderate for 现金牛, the minimum for 瘦狗;
# seed 000: every half month builds trust. Days are a choice where the seeds give none.
DEFAULT_INTERVALS: dict[PortfolioClass, int] = {"明星": 7, "问题": 7, "现金牛": 15, "瘦狗": 30}


class CadenceRules(BaseModel):
    """``[cadence]``: days between visits per portfolio class, and the too-frequent limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intervals: dict[PortfolioClass, Annotated[int, Field(ge=1, le=3660)]] = Field(
        default_factory=lambda: dict(DEFAULT_INTERVALS)
    )
    default_interval: int = Field(15, ge=1, le=3660)
    max_visits_per_interval: int = Field(2, ge=1)

    def interval(self, portfolio: PortfolioClass | None) -> int:
        if portfolio is None:
            return self.default_interval
        return self.intervals.get(portfolio, self.default_interval)


class Cadence(System):
    name = "cadence"
    sheet = CUSTOMERS
    reads = ("attractiveness", "our_position", "last_visit", "status")
    needs = ("visits",)  # 最近拜访日期 from the log, and the log's visit dates
    section = "cadence"
    section_model = CadenceRules
    outputs = (
        Output("portfolio"),
        Output("portfolio_class", written=False),
        Output("visit_interval", OutputKind.NUMBER),
        Output("next_visit", OutputKind.DATE),
        Output("overdue_days", OutputKind.NUMBER),
        Output("visit_alert"),
    )

    def compute(self, given: SystemInput) -> SystemOutput:
        rules: CadenceRules = given.rules.section("cadence")
        v, today = given.data.values, given.today
        logged: dict[int, list[dt.date]] = given.outputs["visits"].shared["dates"]
        # look-ups through map, in C
        pairs = zip(v["attractiveness"], v["our_position"], strict=True)
        classes = list(map(PORTFOLIO.get, pairs))
        policy: dict[str | None, str | None] = {None: None}
        policy.update({c: SYSTEM_TEXTS[f"portfolio_{c}"] for c in PORTFOLIO.values()})
        interval_of = {c: rules.interval(c) for c in (None, *PORTFOLIO.values())}
        intervals = list(map(interval_of.__getitem__, classes))
        delta = {d: dt.timedelta(days=d) for d in set(intervals)}
        next_visit: list[Any] = [
            None if last is None else last + delta[d]
            for last, d in zip(v["last_visit"], intervals, strict=True)
        ]
        overdue: list[Any] = [
            None if nxt is None else max(0, (today - nxt).days) for nxt in next_visit
        ]
        overdue_text = SYSTEM_TEXTS["visit_overdue"].format
        said: dict[int, str] = {}
        alerts: list[Any] = [
            (said.get(d) or said.setdefault(d, overdue_text(days=d))) if d else None
            for d in overdue
        ]
        limit = rules.max_visits_per_interval
        since_of = {d: today - step for d, step in delta.items()}
        for ci, dates in logged.items():
            since = since_of[intervals[ci]]
            count = bisect_right(dates, today) - bisect_right(dates, since)
            if count > limit:
                note = text(
                    SYSTEM_TEXTS,
                    "visit_too_frequent",
                    interval=intervals[ci],
                    count=count,
                    limit=limit,
                )
                alerts[ci] = (
                    note if alerts[ci] is None else alerts[ci] + SYSTEM_TEXTS["joiner"] + note
                )
        for i in retired_rows(v):  # 作废: no longer visited, so never overdue
            overdue[i] = alerts[i] = None
        return SystemOutput(
            values={
                "portfolio": list(map(policy.__getitem__, classes)),
                "portfolio_class": classes,
                "visit_interval": intervals,
                "next_visit": next_visit,
                "overdue_days": overdue,
                "visit_alert": alerts,
            }
        )
