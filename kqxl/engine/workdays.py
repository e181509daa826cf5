"""Working days and working hours in mainland China, 调休 included (pure, no clock).

The official holiday and make-up workday (调休) schedule comes from the ``chinese_calendar``
package (PyPI ``chinesecalendar``), maintained from the State Council's yearly notices; 1.11.0
knows 2004–2026. For a year it does not know yet, Monday to Friday are working days (and
:func:`schedule_known` says so, for the caller to show).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day: a weekday that is no holiday, or a 调休 make-up day."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package does not know
        return day.weekday() < 5


def schedule_known(year: int) -> bool:
    """Whether the official 调休 schedule of ``year`` is known (else: Monday to Friday)."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


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
