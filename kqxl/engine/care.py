"""The care calendar (客情维护提醒): what to do for which customer in the next days (pure).

Occasions come from the 客户 sheet — the contact's birthday (公历 in 联系人生日, or 农历 in
农历生日, leap months included), the company's founding (成立日期) and the start of the
cooperation (合作开始日期) as anniversaries, a recorded event (重要事件 on 事件日期: 开业,
乔迁, 庆典; 生病, 丧事 mean "call at once") — and from the calendar: 春节, 元宵, 端午, 七夕, 中秋,
重阳 and the other holidays of :data:`HOLIDAYS`, with lunar dates computed by ``lunar_python``.

A reminder is due on the occasion itself when that is a working day, else on the last working
day before it (a birthday on a Sunday is remembered on Friday; 春节 on the last working day
before the holiday). Working days follow the official 调休 schedule of a
:class:`WorkCalendar`, which the caller builds (:mod:`kqxl.workdays` reads the data); a year
the calendar does not know counts Saturdays and Sundays as days off, and says so.

No clock is read: ``today`` is an argument.

>>> parse_lunar_day("闰四月初八")
LunarDay(month=4, day=8, leap=True)
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lunar_python import LunarYear, Solar
from pydantic import BaseModel

from kqxl.schema import RETIRED
from kqxl.texts import CARE, text

__all__ = [
    "HOLIDAYS",
    "CareFinding",
    "LunarDay",
    "Reminder",
    "ReminderList",
    "WorkCalendar",
    "care_reminders",
    "holiday_dates",
    "lunar_to_solar",
    "parse_lunar_day",
    "statutory_days",
]

# A reminder's kind: the 类别 shown in the list, the 提醒 sheet and the calendar event.
BIRTHDAY, LUNAR_BIRTHDAY, HOLIDAY = "birthday", "lunar_birthday", "holiday"
FOUNDED, PARTNER, EVENT, MISFORTUNE = "founded", "partner", "event", "misfortune"
KINDS = (BIRTHDAY, LUNAR_BIRTHDAY, HOLIDAY, FOUNDED, PARTNER, EVENT, MISFORTUNE)

# Words of a recorded event that call for a call at once, not a date to wait for.
MISFORTUNE_WORDS = ("生病", "住院", "病", "丧", "去世", "逝世", "过世", "事故", "受伤", "手术")
# How long after a misfortune it still shows (today − 事件日期 ≤ this many days).
MISFORTUNE_DAYS = 7

# The holidays a rep sends greetings or gifts for: (name, calendar, month, day). A lunar month
# is that of the lunar year; 除夕 is the day before 春节 (腊月 has 29 or 30 days); 清明 is a
# solar term.
HOLIDAYS: tuple[tuple[str, str, int, int], ...] = (
    ("元旦", "solar", 1, 1),
    ("除夕", "eve", 1, 1),
    ("春节", "lunar", 1, 1),
    ("元宵节", "lunar", 1, 15),
    ("清明节", "term", 4, 0),
    ("劳动节", "solar", 5, 1),
    ("端午节", "lunar", 5, 5),
    ("七夕", "lunar", 7, 7),
    ("中秋节", "lunar", 8, 15),
    ("国庆节", "solar", 10, 1),
    ("重阳节", "lunar", 9, 9),
)


@dataclass(frozen=True, slots=True)
class LunarDay:
    """A day of the lunar year as a rep records a lunar birthday: month, day, leap month."""

    month: int
    day: int
    leap: bool = False

    def label(self) -> str:
        """``闰四月初八``."""
        return (
            ("闰" if self.leap else "") + _MONTH_NAMES[self.month - 1] + "月" + _day_name(self.day)
        )


_MONTH_NAMES = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
_MONTH_WORDS = {
    **{name: i + 1 for i, name in enumerate(_MONTH_NAMES)},
    "一": 1,
    "十一": 11,
    "十二": 12,
}
_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _day_name(day: int) -> str:
    tens, ones = divmod(day, 10)
    digit = "一二三四五六七八九"
    if day <= 10:
        return "初" + ("十" if day == 10 else digit[day - 1])
    if day == 20:
        return "二十"
    if day == 30:
        return "三十"
    return ("十", "廿")[tens - 1] + digit[ones - 1]


def _day_word(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    if word.startswith("初") and len(word) == 2:
        return 10 if word[1] == "十" else _DIGITS.get(word[1])
    if word in ("二十", "廿十"):
        return 20
    if word in ("三十", "卅"):
        return 30
    if len(word) == 2 and word[0] in "十廿" and word[1] in _DIGITS:
        return (10 if word[0] == "十" else 20) + _DIGITS[word[1]]
    if word == "十":
        return 10
    return None


_NUMERIC = re.compile(r"^(闰)?(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?$")
_WORDS = re.compile(
    r"^(闰)?([正一二三四五六七八九十冬腊]{1,2})月([初十廿卅一二三四五六七八九\d]{1,3})日?$"
)


@functools.lru_cache(maxsize=4096)
def parse_lunar_day(value: str) -> LunarDay | None:
    """A lunar month and day as a rep writes it, or None when it is not one.

    Accepts ``四月初八``, ``闰四月初八``, ``腊月廿三``, ``正月十五``, ``冬月初一``, ``4月8日``,
    ``闰4月8日``, ``4-8``, ``闰4-8``; a leading ``农历`` is ignored.

    >>> parse_lunar_day("农历腊月廿三")
    LunarDay(month=12, day=23, leap=False)
    """
    raw = value.strip().replace(" ", "")
    raw = raw.removeprefix("农历").removeprefix("阴历")
    found = _NUMERIC.match(raw)
    if found:
        month, day = int(found[2]), int(found[3])
    else:
        found = _WORDS.match(raw)
        if not found:
            return None
        month_word = _MONTH_WORDS.get(found[2])
        day_word = _day_word(found[3])
        if month_word is None or day_word is None:
            return None
        month, day = month_word, day_word
    if not (1 <= month <= 12 and 1 <= day <= 30):
        return None
    return LunarDay(month, day, bool(found[1]))


def lunar_to_solar(year: int, when: LunarDay) -> dt.date:
    """The solar date of ``when`` in lunar year ``year``.

    A leap-month day falls in the leap month in years that have it, else in the ordinary
    month of that number (as people born in a leap month keep their birthday); day 30 of a
    month of 29 days is its last day.
    """
    months = _lunar_months(year)
    month = -when.month if when.leap and -when.month in months else when.month
    first, days = months[month]
    return first + dt.timedelta(days=min(when.day, days) - 1)


@functools.lru_cache(maxsize=512)
def _lunar_months(year: int) -> dict[int, tuple[dt.date, int]]:
    """Lunar year ``year``'s months (a leap month as its negative number): first day, length.

    lunar_python computes a lunar year from the sun and moon (~0.03–0.1 s) and keeps only the
    last one it computed, so each year is computed once here.
    """
    out: dict[int, tuple[dt.date, int]] = {}
    for m in LunarYear.fromYear(year).getMonthsInYear():
        first = Solar.fromJulianDay(m.getFirstJulianDay())
        out[m.getMonth()] = (
            dt.date(first.getYear(), first.getMonth(), first.getDay()),
            m.getDayCount(),
        )
    return out


def holiday_dates(year: int) -> list[tuple[str, dt.date]]:
    """The holidays of :data:`HOLIDAYS` in solar year ``year``, in date order.

    >>> dict(holiday_dates(2026))["中秋节"]
    datetime.date(2026, 9, 25)
    """
    return list(_holiday_dates(year))


@functools.lru_cache(maxsize=512)
def _holiday_dates(year: int) -> tuple[tuple[str, dt.date], ...]:
    out: list[tuple[str, dt.date]] = []
    for name, calendar, month, day in HOLIDAYS:
        if calendar == "solar":
            out.append((name, dt.date(year, month, day)))
        elif calendar == "term":
            term = Solar.fromYmd(year, month, 15).getLunar().getJieQiTable()[name[:2]]
            out.append((name, dt.date(term.getYear(), term.getMonth(), term.getDay())))
        elif calendar == "eve":
            out.append((name, lunar_to_solar(year, LunarDay(1, 1)) - dt.timedelta(days=1)))
        else:
            out.append((name, lunar_to_solar(year, LunarDay(month, day))))
    return tuple(sorted(out, key=lambda item: item[1]))


def statutory_days(year: int) -> set[dt.date]:
    """The days off the law gives every year (全国年节及纪念日放假办法, as revised for 2025):
    元旦 1, 春节 4 (除夕 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3 — without the
    weekend swaps (调休) the State Council adds each year."""
    found = dict(holiday_dates(year))
    eve = found["除夕"]
    days = {found["元旦"], found["清明节"], found["端午节"], found["中秋节"]}
    days |= {eve + dt.timedelta(days=i) for i in range(4)}
    days |= {dt.date(year, 5, 1), dt.date(year, 5, 2)}
    days |= {dt.date(year, 10, d) for d in (1, 2, 3)}
    return days


_STATUTORY: dict[int, frozenset[dt.date]] = {}


def _statutory(year: int) -> frozenset[dt.date]:
    days = _STATUTORY.get(year)
    if days is None:
        days = _STATUTORY[year] = frozenset(statutory_days(year))
    return days


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are worked: Monday–Friday, except the official holidays (``days_off``), plus
    the weekend days worked instead (``make_up``, 调休上班). ``years`` are the years whose
    schedule is known; in any other year weekends and the statutory days
    (:func:`statutory_days`) are off, without 调休."""

    days_off: frozenset[dt.date] = frozenset()
    make_up: frozenset[dt.date] = frozenset()
    years: frozenset[int] = frozenset()
    notes: Mapping[int, str] = field(default_factory=dict)  # year → where its schedule is from

    def is_workday(self, day: dt.date) -> bool:
        if day in self.make_up:
            return True
        if day in self.days_off:
            return False
        if day.weekday() >= 5:
            return False
        if day.year not in self.years:
            return day not in _statutory(day.year)
        return True

    def workday_on_or_before(self, day: dt.date) -> dt.date:
        """``day`` if it is worked, else the last working day before it."""
        while not self.is_workday(day):
            day -= dt.timedelta(days=1)
        return day


class Reminder(BaseModel):
    """One thing to do: on ``remind_on`` (a working day), for ``occasion`` on ``date``."""

    remind_on: dt.date
    date: dt.date
    kind: str
    kind_label: str
    occasion: str  # 生日, 春节, 成立 10 周年 …
    todo: str  # what to do, for the rep
    customer: str = ""  # the customer's name; for a holiday: how many customers
    customer_key: str = ""
    contact: str = ""
    rep: str = ""
    detail: str = ""  # 农历闰四月初八; 遇休息日提前 …
    sheet_row: int | None = None  # the 客户 row it comes from


class CareFinding(BaseModel):
    """A value the care calendar cannot use (a 农历生日 it cannot read)."""

    sheet: str
    row: int
    column: str  # header
    value: str
    cell: str = ""  # A1 reference where the sheet's layout is known (filled by the reader's side)
    message: str


class ReminderList(BaseModel):
    """The reminders from ``start`` to ``end`` (both included), in order of ``remind_on``."""

    start: dt.date
    end: dt.date
    reminders: list[Reminder]
    findings: list[CareFinding] = []
    notices: list[str] = []  # e.g. a year whose 调休 schedule is not known


@dataclass(frozen=True, slots=True)
class _Occasion:
    date: dt.date
    kind: str
    occasion: str
    todo: str
    row: int | None = None
    detail: str = ""
    urgent: bool = False  # remind today, whatever the date


def _anniversaries(start: dt.date, since: dt.date, end: dt.date) -> Iterable[tuple[dt.date, int]]:
    """Each anniversary (date, years) of ``since`` from ``start`` to ``end``; 29 Feb → 28 Feb."""
    for year in range(start.year, end.year + 1):
        years = year - since.year
        if years < 1:
            continue
        try:
            day = since.replace(year=year)
        except ValueError:
            day = dt.date(year, 2, 28)
        if start <= day <= end:
            yield day, years


def care_reminders(
    customers: Mapping[str, Sequence[Any]],
    rows: Sequence[int],
    today: dt.date,
    days: int,
    calendar: WorkCalendar,
    *,
    rep: str | None = None,
    sheet: str = "客户",
) -> ReminderList:
    """The reminders due from ``today`` to ``today + days``.

    ``customers``: the 客户 sheet's columns by key, validated (dates are ``datetime.date``;
    see :class:`kqxl.engine.validate.SheetData`); ``rows``: the Excel row of each. ``rep``
    keeps only the customers whose 负责人 is that name. A reminder is listed when its
    reminder day or its occasion falls in the window.
    """
    end = today + dt.timedelta(days=days)
    # Occasions a little after the window may be due inside it (a long holiday ahead).
    horizon = end + dt.timedelta(days=15)
    occasions: list[tuple[_Occasion, int]] = []  # each with its customer's index (-1: all)
    findings: list[CareFinding] = []
    n = len(rows)

    def column(key: str) -> Sequence[Any]:
        return customers.get(key) or [None] * n

    names, keys = column("customer_name"), column("customer_id")
    reps, contacts = column("owner_rep"), column("contact_name")
    birthdays, lunar = column("contact_birthday"), column("contact_lunar_birthday")
    founded, partner = column("founded_on"), column("partner_since")
    events, event_days = column("major_event"), column("major_event_date")
    status = column("status")
    chosen = 0
    unnamed = text(CARE, "contact_unnamed")
    for i in range(n):
        if names[i] is None or (rep is not None and (reps[i] or "") != rep):
            continue
        if status[i] == RETIRED:  # 作废: no more care dates
            continue
        chosen += 1
        person = contacts[i] or unnamed
        row = rows[i]
        if lunar[i] is not None:
            when = parse_lunar_day(str(lunar[i]))
            if when is None:
                findings.append(
                    CareFinding(
                        sheet=sheet,
                        row=row,
                        column=text(CARE, "lunar_header"),
                        value=str(lunar[i]),
                        message=text(CARE, "bad_lunar", value=lunar[i]),
                    )
                )
            else:
                for year in range(today.year - 1, horizon.year + 1):
                    day = lunar_to_solar(year, when)
                    if today <= day <= horizon:
                        occ = _Occasion(
                            day,
                            LUNAR_BIRTHDAY,
                            text(CARE, "occasion_birthday"),
                            text(CARE, "todo_birthday", contact=person),
                            row,
                            text(CARE, "detail_lunar", day=when.label()),
                        )
                        occasions.append((occ, i))
        elif isinstance(birthdays[i], dt.date):
            for day, _ in _anniversaries(today, birthdays[i], horizon):
                occ = _Occasion(
                    day,
                    BIRTHDAY,
                    text(CARE, "occasion_birthday"),
                    text(CARE, "todo_birthday", contact=person),
                    row,
                )
                occasions.append((occ, i))
        for since, kind, occasion_key, todo_key in (
            (founded[i], FOUNDED, "occasion_founded", "todo_founded"),
            (partner[i], PARTNER, "occasion_partner", "todo_partner"),
        ):
            if isinstance(since, dt.date):
                for day, years in _anniversaries(today, since, horizon):
                    occ = _Occasion(
                        day,
                        kind,
                        text(CARE, occasion_key, years=years),
                        text(CARE, todo_key, years=years),
                        row,
                        text(CARE, "detail_round") if years % 5 == 0 else "",
                    )
                    occasions.append((occ, i))
        event, on = events[i], event_days[i]
        if event is not None and isinstance(on, dt.date):
            label = str(event)
            if any(word in label for word in MISFORTUNE_WORDS):
                if on <= end and (today - on).days <= MISFORTUNE_DAYS:
                    occ = _Occasion(
                        on,
                        MISFORTUNE,
                        label,
                        text(CARE, "todo_misfortune", contact=person, event=label),
                        row,
                        urgent=True,
                    )
                    occasions.append((occ, i))
            elif today <= on <= horizon:
                occ = _Occasion(on, EVENT, label, text(CARE, "todo_event", event=label), row)
                occasions.append((occ, i))

    if chosen:
        everyone = {"customer": text(CARE, "all_customers", n=chosen), "rep": rep or ""}
        for year in range(today.year, horizon.year + 1):
            for name, day in holiday_dates(year):
                if today <= day <= horizon:
                    occ = _Occasion(day, HOLIDAY, name, text(CARE, "todo_holiday", holiday=name))
                    occasions.append((occ, -1))

    reminders: list[Reminder] = []
    for occ, i in occasions:
        due = today if occ.urgent else max(today, calendar.workday_on_or_before(occ.date))
        if not (due <= end and (occ.urgent or occ.date >= today)):
            continue
        # who it is for, made only for a reminder (not for each of 100,000 customers)
        who: dict[str, Any] = (
            everyone
            if i < 0
            else {
                "customer": names[i],
                "customer_key": keys[i] or "",
                "contact": contacts[i] or "",
                "rep": reps[i] or "",
            }
        )
        detail = occ.detail
        if not occ.urgent and due != occ.date:
            moved = text(CARE, "detail_moved")
            detail = f"{detail}；{moved}" if detail else moved
        reminders.append(
            Reminder(
                remind_on=due,
                date=occ.date,
                kind=occ.kind,
                kind_label=text(CARE, f"kind_{occ.kind}"),
                occasion=occ.occasion,
                todo=occ.todo,
                detail=detail,
                sheet_row=occ.row,
                **who,
            )
        )
    order = {kind: i for i, kind in enumerate(KINDS)}
    reminders.sort(key=lambda r: (r.remind_on, r.date, order[r.kind], r.sheet_row or 0, r.occasion))
    unknown = sorted(
        {year for year in range(today.year, end.year + 1) if year not in calendar.years}
    )
    notices = [text(CARE, "year_unknown", year=year) for year in unknown]
    return ReminderList(
        start=today, end=end, reminders=reminders, findings=findings, notices=notices
    )
