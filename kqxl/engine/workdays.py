"""Working days and working hours in mainland China, 调休 included (pure, no clock).

One calendar for all of kqxl: :func:`kqxl.workdays.work_calendar` — the official holiday and
make-up workday (调休) schedule of ``chinesecalendar`` (maintained from the State Council's
yearly notices), then the year files kqxl ships (``kqxl/data/holidays-YYYY.toml``). For a year
neither knows, weekends and the statutory holidays are off, without 调休 (and
:func:`schedule_known` says so, for the caller to show).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from kqxl.engine.care import WorkCalendar


@lru_cache(maxsize=1)
def calendar() -> WorkCalendar:
    """The shipped calendar, read once (package data only; no user file)."""
    from kqxl.workdays import work_calendar

    return work_calendar()


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day: a weekday that is no holiday, or a 调休 make-up day."""
    return calendar().is_workday(day)


def schedule_known(year: int) -> bool:
    """Whether the official 调休 schedule of ``year`` is known."""
    return year in calendar().years


def add_working_hours(
    start: dt.datetime, hours: float, day_start: dt.time, day_end: dt.time
) -> dt.datetime:
    """The moment ``hours`` working hours after ``start``, counting only ``day_start``–
    ``day_end`` of working days (9:00–18:00 by default in the rules).

    >>> add_working_hours(dt.datetime(2026, 11, 27, 17, 0), 12, dt.time(9), dt.time(18))
    datetime.datetime(2026, 12, 1, 11, 0)
    """
    left = dt.timedelta(hours=hours)
    day = start.date()
    moment = start
    for _ in range(3660):  # ten years of days: a limit no real deadline reaches
        if is_workday(day):
            open_at = dt.datetime.combine(day, day_start)
            close_at = dt.datetime.combine(day, day_end)
            begin = max(moment, open_at)
            if begin < close_at:
                if begin + left <= close_at:
                    return begin + left
                left -= close_at - begin
        day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time())
    raise ValueError("no working hours within ten years")
