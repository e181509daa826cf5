"""Warnings 预警 (seed 003 #33: 欠款、进度、费用、变故 预警), plus overdue complaints.

Per customer, one 预警 cell listing what holds:

* 欠款 — 欠款金额 > 0 and more than ``receivable_grace_days`` past 欠款到期日;
* 费用 — 客情费用 above ``spend_share`` of 期间销售额 (seed 000: 客情 is not just spending), or
  客情费用 without any 期间销售额;
* 变故 — a recorded 变故 (联系人离职、单位改组 …);
* 进度 — projects naming the customer as 甲方 with a 进度预警 (``progress``);
* 投诉 — its complaints past their response deadline without a response (``complaints``).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import compress, count
from typing import Any

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


class WarningRules(BaseModel):
    """``[warnings]``: days of grace after 欠款到期日, and the 客情费用 share of 销售额 allowed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    receivable_grace_days: int = Field(0, ge=0)
    spend_share: float = Field(0.05, gt=0, le=10)


class Warnings(System):
    name = "warnings"
    sheet = CUSTOMERS
    reads = (
        "receivable",
        "receivable_due",
        "care_spend",
        "period_revenue",
        "change_event",
        "status",
    )
    needs = ("links", "progress", "complaints")
    section = "warnings"
    section_model = WarningRules
    outputs = (Output("warnings"), Output("warning_count", OutputKind.NUMBER, written=False))

    def compute(self, given: SystemInput) -> SystemOutput:
        rules: WarningRules = given.rules.section("warnings")
        v, today = given.data.values, given.today
        n = len(given.data.rows)
        found: defaultdict[int, list[str]] = defaultdict(list)  # only rows with a warning
        # Each loop visits only the rows holding the cell it starts from (compress, in C).
        amounts, dues = v["receivable"], v["receivable_due"]
        receivable = SYSTEM_TEXTS["warn_receivable"].format
        for i in compress(count(), dues):  # a date is never false
            amount = amounts[i]
            if amount and amount > 0:
                late = (today - dues[i]).days
                if late > rules.receivable_grace_days:
                    found[i].append(receivable(days=late, amount=amount))
        spends, revenues = v["care_spend"], v["period_revenue"]
        for i in compress(count(), spends):
            spend, revenue = spends[i], revenues[i]
            if spend <= 0:
                continue
            if not revenue or revenue <= 0:
                found[i].append(text(SYSTEM_TEXTS, "warn_spend_no_revenue", amount=spend))
            elif spend > rules.spend_share * revenue:
                found[i].append(
                    text(SYSTEM_TEXTS, "warn_spend", share=spend / revenue, limit=rules.spend_share)
                )
        events = v["change_event"]
        said: dict[str, str] = {}  # each event's text once
        for i in compress(count(), events):
            event = events[i]
            shown = said.get(event)
            if shown is None:
                shown = said[event] = text(SYSTEM_TEXTS, "warn_change", event=event)
            found[i].append(shown)
        stuck: dict[int, int] = {}
        alerts = given.outputs["progress"].values["progress_alert"]
        for ci, alert in zip(given.outputs["links"].shared["client"], alerts, strict=True):
            if ci is not None and alert is not None:
                stuck[ci] = stuck.get(ci, 0) + 1
        for ci, k in stuck.items():
            found[ci].append(text(SYSTEM_TEXTS, "warn_progress", n=k))
        for ci, k in given.outputs["complaints"].shared["open_overdue"].items():
            found[ci].append(text(SYSTEM_TEXTS, "warn_complaint", n=k))
        for i in retired_rows(v):  # 作废: nobody is warned about it
            found.pop(i, None)
        joiner = SYSTEM_TEXTS["joiner"]
        cells: list[Any] = [None] * n
        counts = [0] * n
        for i, items in found.items():
            cells[i], counts[i] = joiner.join(items), len(items)
        return SystemOutput(values={"warnings": cells, "warning_count": counts})
