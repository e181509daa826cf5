"""The visit log 跟进记录: 拜访次数, 最近拜访日期 and 主管已拜访 of each customer from its rows.

A rep logs each visit, call, dinner or event in the 跟进记录 sheet (date, customer, kind, whether
the manager came, the 三准备/三必谈/三必到 plan, content, report, next step). For a customer the
log has rows for, the log counts the rows of a counted kind (rules ``[visits] counted_kinds``,
default 拜访/宴请/活动 — a phone call is not a visit), takes the latest of their dates and
whether the manager came on one. The log never lowers what the rep typed before keeping it:
拜访次数 is the larger of the typed and the logged count, 最近拜访日期 the later date, 主管已拜访
是 when either says so. These values replace the typed ones for every system after this one
(``SystemOutput.supplied``), so the grade conditions ``拜访次数 >= 3`` and ``主管已拜访 = "是"``
read them; the typed cells are not overwritten. 拜访数据来源 shows where 拜访次数 came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kqxl.cells import column_letter
from kqxl.engine.convert import cell_text, where_is
from kqxl.engine.results import Finding
from kqxl.engine.system import Output, OutputKind, System, SystemInput, SystemOutput
from kqxl.engine.systems.links import CustomerIndex
from kqxl.engine.validate import SheetData
from kqxl.rules.compile import DerivedValue
from kqxl.rules.expr import Kind
from kqxl.schema import CUSTOMERS, VISITS
from kqxl.texts import SYSTEM_TEXTS, text


class VisitRules(BaseModel):
    """``[visits]``: which kinds of log rows count as a visit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    counted_kinds: tuple[Literal["拜访", "电话", "宴请", "活动"], ...] = ("拜访", "宴请", "活动")


def link_log(log: SheetData, customers: SheetData, findings: list[Finding]) -> list[int | None]:
    """Per row of a log sheet, the 客户 row its 客户 cell names (by name or 客户编号); a name
    the 客户 sheet lacks is an ``unknown_customer`` finding."""
    values = log.values["customer"]
    found = CustomerIndex.of(customers).find_all(values)
    layout = log.layout
    letter = (
        column_letter(layout.columns["customer"])
        if layout is not None and "customer" in layout.columns
        else None
    )
    header = log.sheet.column("customer").header
    for i in where_is(found, None):  # the rows not linked, found in C
        value = values[i]
        if value is not None:
            findings.append(
                Finding.make(
                    "unknown_customer",
                    log.sheet.name,
                    log.rows[i],
                    letter,
                    header,
                    cell_text(value),
                )
            )
    return found


class VisitLog(System):
    """``shared["dates"]``: per customer row with log rows, the dates of its counted visits."""

    name = "visits"
    sheet = CUSTOMERS
    reads = ("visit_count", "last_visit", "boss_visited")
    section = "visits"
    section_model = VisitRules
    outputs = (
        Output("visit_source"),
        Output("logged_visits", OutputKind.NUMBER, written=False),
    )
    provides = (
        DerivedValue(
            CUSTOMERS, "跟进记录条数", Kind.NUMBER, "跟进记录中该客户的记录条数（电话也算）。"
        ),
    )

    def compute(self, given: SystemInput) -> SystemOutput:
        customers, log = given.data, given.sheets[VISITS]
        section: VisitRules = given.rules.section("visits")
        v = customers.values
        n = len(customers.rows)
        out = SystemOutput()
        typed = SYSTEM_TEXTS["visit_source_typed"]
        source: list[Any] = [
            typed if c is not None or d is not None or b is not None else None
            for c, d, b in zip(v["visit_count"], v["last_visit"], v["boss_visited"], strict=True)
        ]
        rows_of = [0] * n
        out.shared["dates"] = {}
        if log.rows:
            found = link_log(log, customers, out.findings)
            counted = frozenset(section.counted_kinds)
            dates: dict[int, list[dt.date]] = {}
            boss: dict[int, bool] = {}
            lv = log.values
            for ci, day, kind, with_boss in zip(
                found, lv["visit_date"], lv["kind"], lv["with_boss"], strict=True
            ):
                if ci is None:
                    continue
                rows_of[ci] += 1
                if kind in counted:
                    if day is not None:
                        dates.setdefault(ci, []).append(day)
                    boss[ci] = boss.get(ci, False) or with_boss is True
                else:
                    dates.setdefault(ci, [])
            count, last, visited = (
                list(v["visit_count"]),
                list(v["last_visit"]),
                list(v["boss_visited"]),
            )
            said: dict[tuple[str, int], str] = {}  # (text, number of rows) → the text, once
            for ci, k in enumerate(rows_of):
                if not k:
                    continue
                days = dates.get(ci, [])
                typed_count = count[ci]
                if typed_count is None or len(days) >= typed_count:
                    count[ci] = len(days)
                    which = "visit_source_log"
                else:
                    which = "visit_source_typed_more"
                said_k = said.get((which, k))
                if said_k is None:
                    said_k = said[(which, k)] = text(SYSTEM_TEXTS, which, n=k)
                source[ci] = said_k
                if days:
                    latest = max(days)
                    if last[ci] is None or latest > last[ci]:
                        last[ci] = latest
                visited[ci] = visited[ci] is True or boss.get(ci, False)
            out.supplied = {"visit_count": count, "last_visit": last, "boss_visited": visited}
            out.shared["dates"] = {ci: sorted(d) for ci, d in dates.items()}
        out.values = {"visit_source": source, "logged_visits": rows_of}
        out.derived["跟进记录条数"] = rows_of
        return out
