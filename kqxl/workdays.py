"""The official 调休 schedule as a :class:`~kqxl.engine.care.WorkCalendar`.

Years ``chinesecalendar`` knows (2004 to the last schedule it ships) come from it; for later
years kqxl ships a data file per year, ``kqxl/data/holidays-YYYY.toml``, and a company may give
its own file (``kqxl remind --holidays``) in the same format::

    year = 2027
    announced = true            # false: the schedule is not out yet; only weekends are off
    source = "国务院办公厅关于2027年部分节假日安排的通知"
    days_off = ["2027-01-01", …]   # every day off of the holidays
    make_up  = ["2027-02-07", …]   # weekend days worked instead (调休上班)

A given or shipped file wins over ``chinesecalendar`` for its year (a correction needs no new
release of either).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import chinese_calendar

from kqxl.engine.care import WorkCalendar
from kqxl.errors import OptionError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["load_schedule", "parse_schedule", "work_calendar"]


def _library_years() -> set[int]:
    known = {d.year for d in chinese_calendar.holidays} | {
        d.year for d in chinese_calendar.workdays
    }
    return known


def parse_schedule(data: dict[str, Any], path: str) -> tuple[int, bool, set[dt.date], set[dt.date]]:
    """``(year, announced, days_off, make_up)`` of one data file's content; raises
    :class:`~kqxl.errors.OptionError` (``holidays_invalid``) naming the field at fault."""

    def bad(detail: str) -> OptionError:
        return OptionError.from_key("holidays_invalid", path=path, detail=detail)

    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2200:
        raise bad(f"year：应为年份，实际为 {year!r}")
    announced = data.get("announced", True)
    if not isinstance(announced, bool):
        raise bad("announced：应为 true 或 false")
    unknown = sorted(set(data) - {"year", "announced", "source", "days_off", "make_up"})
    if unknown:
        raise bad(f"未知的字段 {', '.join(unknown)}")
    days: dict[str, set[dt.date]] = {}
    for name in ("days_off", "make_up"):
        values = data.get(name, [])
        if not isinstance(values, list):
            raise bad(f"{name}：应为日期的数组")
        out: set[dt.date] = set()
        for i, value in enumerate(values):
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                day = value
            else:
                try:
                    day = dt.date.fromisoformat(str(value))
                except ValueError:
                    raise bad(f"{name}[{i}]：“{value}”不是日期（应如 {year}-02-07）") from None
            if day.year != year:
                raise bad(f"{name}[{i}]：{day} 不在 {year} 年")
            out.add(day)
        days[name] = out
    return year, announced, days["days_off"], days["make_up"]


def load_schedule(path: Path) -> tuple[int, bool, set[dt.date], set[dt.date]]:
    """One data file, read and checked (see :func:`parse_schedule`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OptionError.from_key("holidays_invalid", path=path, detail="文件不存在") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OptionError.from_key("holidays_invalid", path=path, detail=str(exc)) from None
    return parse_schedule(data, str(path))


def _shipped() -> list[Path]:
    folder = resources.files("kqxl") / "data"
    return sorted(
        Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.startswith("holidays-") and entry.name.endswith(".toml")
    )


def work_calendar(extra: Iterable[Path] = ()) -> WorkCalendar:
    """The working days kqxl knows: ``chinesecalendar``, then the shipped data files, then
    ``extra`` files (each later source replaces an earlier one for its year)."""
    days_off: dict[int, set[dt.date]] = {}
    make_up: dict[int, set[dt.date]] = {}
    notes: dict[int, str] = {}
    for day in chinese_calendar.holidays:
        days_off.setdefault(day.year, set()).add(day)
    for day in chinese_calendar.workdays:
        if day.weekday() >= 5:
            make_up.setdefault(day.year, set()).add(day)
    for year in _library_years():
        days_off.setdefault(year, set())
        notes[year] = "chinesecalendar"
    for path in [*_shipped(), *extra]:
        year, announced, off, work = load_schedule(path)
        if not announced:
            continue
        days_off[year], make_up[year] = off, work
        notes[year] = str(path.name)
    return WorkCalendar(
        days_off=frozenset(d for days in days_off.values() for d in days),
        make_up=frozenset(d for days in make_up.values() for d in days),
        years=frozenset(days_off),
        notes=notes,
    )
