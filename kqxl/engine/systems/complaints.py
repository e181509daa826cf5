"""Complaints 投诉 (seed 003 #59–62): the seven handling steps and the response deadline.

Each row of the 投诉 sheet is one complaint. Its response deadline is 接到日期 + 接到时刻 plus
``home_hours`` (12) when 地区 names the home region (``[complaints] home_region``, 杭州 in the
seed; a blank 地区 counts as home, the stricter deadline) and ``other_hours`` (24) outside it —
clock hours by default; with ``hours = "working"`` only ``work_start``–``work_end`` of working
days count (调休 aware, :mod:`kqxl.engine.workdays`). The engine has no clock, only today's date:
a complaint without a response is 已逾期 once its deadline's day has passed, and counts as an
open warning of its customer. 处理进度 shows how many of the seven steps are done and the next.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kqxl.cells import CellValue, column_letter
from kqxl.engine.convert import cell_text
from kqxl.engine.results import Finding
from kqxl.engine.system import Output, OutputKind, System, SystemInput, SystemOutput
from kqxl.engine.systems.visits import link_log
from kqxl.engine.validate import SheetData
from kqxl.engine.workdays import add_working_hours, schedule_known
from kqxl.schema import COMPLAINT_STEPS, COMPLAINTS, CUSTOMERS
from kqxl.texts import SYSTEM_TEXTS, text

_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?")


class ComplaintRules(BaseModel):
    """``[complaints]``: the home region, the deadlines and how hours are counted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    home_region: str = "杭州"
    home_hours: float = Field(12, gt=0, le=720)
    other_hours: float = Field(24, gt=0, le=720)
    hours: Literal["clock", "working"] = "clock"
    work_start: dt.time = dt.time(9)
    work_end: dt.time = dt.time(18)

    @field_validator("work_end")
    @classmethod
    def _after_start(cls, end: dt.time, info: Any) -> dt.time:
        start = info.data.get("work_start")
        if start is not None and end <= start:
            raise ValueError("work_end 应晚于 work_start")
        return end


def read_clock(value: CellValue) -> dt.time | bool | None:
    """A time of day from a cell: 14:30 typed as text, an Excel time (a fraction of a day or a
    time), or a date-time's time. ``None`` for a blank, ``False`` when it is no time."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        seconds = round(value * 86400)
        return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        m = _CLOCK.fullmatch(s)
        if m:
            h, mi, sec = int(m[1]), int(m[2]), int(m[3] or 0)
            if h < 24 and mi < 60 and sec < 60:
                return dt.time(h, mi, sec)
    return False


def _moments(
    data: SheetData, day_key: str, time_key: str, findings: list[Finding]
) -> list[dt.datetime | None]:
    """Date + time columns as moments; a time that is no time is a finding (read as 0:00)."""
    layout = data.layout
    header = data.sheet.column(time_key).header
    letter = (
        column_letter(layout.columns[time_key])
        if layout is not None and time_key in layout.columns
        else None
    )
    out: list[dt.datetime | None] = []
    raw = data.raw.get(time_key) or [None] * len(data.rows)
    for i, (day, cell) in enumerate(zip(data.values[day_key], raw, strict=True)):
        clock = read_clock(cell)
        if clock is False:
            findings.append(
                Finding.make(
                    "not_a_time", data.sheet.name, data.rows[i], letter, header, cell_text(cell)
                )
            )
        out.append(
            None if day is None else dt.datetime.combine(day, clock or dt.time())  # type: ignore[arg-type]
        )
    return out


def deadline(received: dt.datetime, home: bool, rules: ComplaintRules) -> dt.datetime:
    """When the response is due."""
    hours = rules.home_hours if home else rules.other_hours
    if rules.hours == "working":
        return add_working_hours(received, hours, rules.work_start, rules.work_end)
    return received + dt.timedelta(hours=hours)


class Complaints(System):
    """``shared["open_overdue"]``: per customer row, how many of its complaints are overdue."""

    name = "complaints"
    sheet = COMPLAINTS
    reads = ("customer", "received_on", "received_at", "region", "responded_on", "responded_at")
    section = "complaints"
    section_model = ComplaintRules
    outputs = (
        Output("response_deadline"),
        Output("response_status"),
        Output("handling"),
        Output("overdue", OutputKind.NUMBER, written=False),
    )

    def compute(self, given: SystemInput) -> SystemOutput:
        rules: ComplaintRules = given.rules.section("complaints")
        data, today = given.data, given.today
        v = data.values
        out = SystemOutput()
        found = link_log(data, given.sheets[CUSTOMERS], out.findings) if data.rows else []
        received = _moments(data, "received_on", "received_at", out.findings)
        responded = _moments(data, "responded_on", "responded_at", out.findings)
        deadlines: list[Any] = []
        status: list[Any] = []
        overdue: list[int] = []
        open_overdue: dict[int, int] = {}
        for i, (got, region, answer) in enumerate(
            zip(received, v["region"], responded, strict=True)
        ):
            if got is None:
                deadlines.append(None)
                status.append(None)
                overdue.append(0)
                continue
            home = region is None or rules.home_region in region
            due = deadline(got, home, rules)
            cell = text(SYSTEM_TEXTS, "deadline", moment=due)
            if rules.hours == "working" and not schedule_known(due.year):
                cell += text(SYSTEM_TEXTS, "complaint_calendar_unknown", year=due.year)
            deadlines.append(cell)
            late = 0
            if answer is not None:
                over = (answer - due).total_seconds() / 3600
                status.append(
                    SYSTEM_TEXTS["complaint_on_time"]
                    if over <= 0
                    else text(SYSTEM_TEXTS, "complaint_late", hours=round(over, 1))
                )
            elif due.date() < today:
                status.append(SYSTEM_TEXTS["complaint_overdue"])
                late = 1
                ci = found[i]
                if ci is not None:
                    open_overdue[ci] = open_overdue.get(ci, 0) + 1
            elif due.date() == today:
                status.append(text(SYSTEM_TEXTS, "complaint_due_today", moment=due))
            else:
                status.append(SYSTEM_TEXTS["complaint_open"])
            overdue.append(late)
        out.values = {
            "response_deadline": deadlines,
            "response_status": status,
            "handling": _handling(data),
            "overdue": overdue,
        }
        out.shared["open_overdue"] = open_overdue
        return out


def _handling(data: SheetData) -> list[Any]:
    """Per complaint: steps done of seven, and the first step not done."""
    steps = [data.values[key] for key, _, _ in COMPLAINT_STEPS]
    headers = [header for _, header, _ in COMPLAINT_STEPS]
    out: list[Any] = []
    for done in zip(*steps, strict=True) if steps else ():
        ticked = [d is True for d in done]
        if all(ticked):
            out.append(SYSTEM_TEXTS["complaint_steps_done"])
        else:
            out.append(
                text(
                    SYSTEM_TEXTS,
                    "complaint_steps",
                    done=sum(ticked),
                    of=len(ticked),
                    next=headers[ticked.index(False)],
                )
            )
    return out
