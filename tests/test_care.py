"""The care calendar engine: lunar dates, the 调休 schedule, which reminders fall when."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from lunardate import LunarDate

from kqxl.engine.care import (
    LunarDay,
    WorkCalendar,
    care_reminders,
    holiday_dates,
    lunar_to_solar,
    parse_lunar_day,
    statutory_days,
)
from kqxl.errors import OptionError
from kqxl.workdays import load_schedule, work_calendar

D = dt.date


@pytest.fixture(scope="module")
def calendar() -> WorkCalendar:
    return work_calendar()


def customers(*rows: dict[str, Any]) -> tuple[dict[str, list[Any]], list[int]]:
    """Columns by key, as the validated 客户 sheet gives them (rows from Excel row 4)."""
    keys = {k for row in rows for k in row}
    return {k: [row.get(k) for row in rows] for k in keys}, list(range(4, 4 + len(rows)))


def one(**row: Any) -> dict[str, Any]:
    return {"customer_name": "江城置业", "customer_id": "KH-1", "owner_rep": "张伟", **row}


# ---- lunar dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("四月初八", LunarDay(4, 8)),
        ("闰四月初八", LunarDay(4, 8, True)),
        ("农历腊月廿三", LunarDay(12, 23)),
        ("正月十五", LunarDay(1, 15)),
        ("冬月初一", LunarDay(11, 1)),
        ("十一月三十", LunarDay(11, 30)),
        ("二月二十", LunarDay(2, 20)),
        ("八月十五日", LunarDay(8, 15)),
        ("4月8日", LunarDay(4, 8)),
        ("闰4月8日", LunarDay(4, 8, True)),
        ("4-8", LunarDay(4, 8)),
        (" 闰2/10 ", LunarDay(2, 10, True)),
    ],
)
def test_lunar_days_as_reps_write_them(written: str, expected: LunarDay) -> None:
    assert parse_lunar_day(written) == expected


@pytest.mark.parametrize(
    "written", ["", "四月", "13月1日", "4月31日", "四月初十一", "明天", "2024-04-08"]
)
def test_what_is_no_lunar_day(written: str) -> None:
    assert parse_lunar_day(written) is None


def test_labels_read_back() -> None:
    for month in range(1, 13):
        for day in range(1, 31):
            for leap in (False, True):
                when = LunarDay(month, day, leap)
                assert parse_lunar_day(when.label()) == when
    assert LunarDay(4, 8, True).label() == "闰四月初八"
    assert LunarDay(12, 23).label() == "腊月廿三"


def test_a_birthday_in_a_leap_month() -> None:
    # 2020 has a 闰四月: the birthday falls in it; 2021 has none: the ordinary 四月 instead.
    born = LunarDay(4, 8, leap=True)
    assert lunar_to_solar(2020, born) == D(2020, 5, 30)
    assert lunar_to_solar(2020, LunarDay(4, 8)) == D(2020, 4, 30)
    assert lunar_to_solar(2021, born) == D(2021, 5, 19)
    # 2023 has a 闰二月
    assert lunar_to_solar(2023, LunarDay(2, 10, True)) == D(2023, 3, 31)
    # the second, independent calendar agrees
    assert LunarDate(2020, 4, 8, True).to_solar_date() == D(2020, 5, 30)
    assert LunarDate(2023, 2, 10, True).to_solar_date() == D(2023, 3, 31)


def test_day_30_of_a_short_month_is_its_last_day() -> None:
    # 2023's 闰二月 has 29 days, its ordinary 二月 30
    assert lunar_to_solar(2023, LunarDay(2, 30, True)) == D(2023, 4, 19)
    assert lunar_to_solar(2023, LunarDay(2, 30)) == D(2023, 3, 21)
    assert LunarDate(2023, 2, 29, True).to_solar_date() == D(2023, 4, 19)


def test_spring_festival_and_mid_autumn_2000_2050_match_a_second_library() -> None:
    for year in range(2000, 2051):
        found = dict(holiday_dates(year))
        assert found["春节"] == LunarDate(year, 1, 1).to_solar_date(), year
        assert found["中秋节"] == LunarDate(year, 8, 15).to_solar_date(), year
        assert found["端午节"] == LunarDate(year, 5, 5).to_solar_date(), year
        assert found["除夕"] == LunarDate(year, 1, 1).to_solar_date() - dt.timedelta(days=1)


def test_leap_birthdays_2000_2050_match_a_second_library() -> None:
    for year in range(2000, 2051):
        for month in range(1, 13):
            leap = LunarDay(month, 15, leap=True)
            try:
                expected = LunarDate(year, month, 15, True).to_solar_date()
            except ValueError:  # no such leap month this year: the ordinary one
                expected = LunarDate(year, month, 15).to_solar_date()
            assert lunar_to_solar(year, leap) == expected, (year, month)


def test_holidays_of_2026() -> None:
    assert holiday_dates(2026) == [
        ("元旦", D(2026, 1, 1)),
        ("除夕", D(2026, 2, 16)),
        ("春节", D(2026, 2, 17)),
        ("元宵节", D(2026, 3, 3)),
        ("清明节", D(2026, 4, 5)),
        ("劳动节", D(2026, 5, 1)),
        ("端午节", D(2026, 6, 19)),
        ("七夕", D(2026, 8, 19)),
        ("中秋节", D(2026, 9, 25)),
        ("国庆节", D(2026, 10, 1)),
        ("重阳节", D(2026, 10, 18)),
    ]


# ---- working days -------------------------------------------------------------------------


def test_a_make_up_saturday_is_a_working_day(calendar: WorkCalendar) -> None:
    # 2026: 春节 2月15日至23日放假调休，2月14日（周六）、2月28日（周六）上班
    assert D(2026, 2, 14).weekday() == 5
    assert calendar.is_workday(D(2026, 2, 14))
    assert calendar.is_workday(D(2026, 2, 28))
    assert not calendar.is_workday(D(2026, 2, 16))  # a Monday of the holiday
    assert not calendar.is_workday(D(2026, 2, 21))  # an ordinary Saturday
    assert calendar.workday_on_or_before(D(2026, 2, 20)) == D(2026, 2, 14)


def test_a_reminder_in_the_holiday_falls_on_the_make_up_saturday(calendar: WorkCalendar) -> None:
    cols, rows = customers(one(contact_name="陈经理", contact_birthday=D(1980, 2, 18)))
    found = care_reminders(cols, rows, D(2026, 2, 9), 14, calendar)
    birthday = [r for r in found.reminders if r.kind == "birthday"]
    assert [(r.remind_on, r.date, r.detail) for r in birthday] == [
        (D(2026, 2, 14), D(2026, 2, 18), "当天休息，提前到前一个工作日")
    ]
    assert birthday[0].todo == "给陈经理送生日祝福"
    assert found.notices == []


def test_unknown_years_keep_weekends_and_statutory_days() -> None:
    cal = WorkCalendar()  # knows no year
    assert not cal.is_workday(D(2027, 1, 1))  # 元旦, a Friday
    assert not cal.is_workday(D(2027, 2, 5))  # 除夕, a Friday
    assert not cal.is_workday(D(2027, 2, 6))
    assert cal.is_workday(D(2027, 2, 10))  # 初五, a Wednesday
    assert len(statutory_days(2027)) == 13


def test_shipped_2027_file_is_the_format_with_no_dates_yet() -> None:
    year, announced, off, work = load_schedule(
        Path(__file__).resolve().parent.parent / "kqxl" / "data" / "holidays-2027.toml"
    )
    assert (year, announced, off, work) == (2027, False, set(), set())


def test_a_schedule_file_makes_a_year_known(tmp_path: Path) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(
        'year = 2027\nannounced = true\nsource = "示例"\n'
        'days_off = ["2027-01-01", "2027-02-05", "2027-02-08", 2027-02-09]\n'
        'make_up = ["2027-02-20"]\n',
        encoding="utf-8",
    )
    cal = work_calendar([path])
    assert 2027 in cal.years
    assert cal.is_workday(D(2027, 2, 20))  # a Saturday worked
    assert not cal.is_workday(D(2027, 2, 9))
    assert not cal.is_workday(D(2027, 1, 1))
    # a known year follows its file alone: 初三 (Wednesday 10 Feb) is not listed, so worked
    assert cal.is_workday(D(2027, 2, 10))
    cols, rows = customers(one())
    found = care_reminders(cols, rows, D(2027, 2, 1), 30, cal)
    assert found.notices == []


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("year = 2027\nmake_up = ['2月7日']\n", "make_up[0]：“2月7日”不是日期（应如 2027-02-07）"),
        ("year = 2027\nmake_up = ['2026-02-07']\n", "make_up[0]：2026-02-07 不在 2027 年"),
        ("year = '明年'\n", "year：应为年份，实际为 '明年'"),
        ("year = 2027\nholidays = []\n", "未知的字段 holidays"),
    ],
)
def test_bad_schedule_files_name_the_field(tmp_path: Path, content: str, detail: str) -> None:
    path = tmp_path / "假期.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(OptionError) as caught:
        work_calendar([path])
    assert caught.value.code == "holidays_invalid"
    assert caught.value.message == (
        f"{path}：调休数据文件有误（{detail}），请按 kqxl 附带的 holidays-2027.toml 的格式填写。"
    )


# ---- reminders ----------------------------------------------------------------------------


def test_lunar_birthday_in_a_leap_month_is_reminded(calendar: WorkCalendar) -> None:
    cols, rows = customers(one(contact_name="王总", contact_lunar_birthday="闰四月初八"))
    found = care_reminders(cols, rows, D(2020, 5, 20), 20, calendar)
    [r] = [r for r in found.reminders if r.kind == "lunar_birthday"]
    # 2020-05-30 is a Saturday: remembered on Friday
    assert (r.remind_on, r.date, r.detail) == (
        D(2020, 5, 29),
        D(2020, 5, 30),
        "农历闰四月初八；当天休息，提前到前一个工作日",
    )
    assert (r.kind_label, r.customer, r.contact, r.rep, r.sheet_row) == (
        "农历生日",
        "江城置业",
        "王总",
        "张伟",
        4,
    )


def test_a_lunar_birthday_wins_over_the_solar_one(calendar: WorkCalendar) -> None:
    cols, rows = customers(one(contact_birthday=D(1980, 6, 1), contact_lunar_birthday="四月初八"))
    found = care_reminders(cols, rows, D(2026, 5, 1), 60, calendar)
    assert [r.kind for r in found.reminders if "birthday" in r.kind] == ["lunar_birthday"]


def test_unreadable_lunar_birthday_is_a_finding(calendar: WorkCalendar) -> None:
    cols, rows = customers(one(contact_lunar_birthday="四月初八或初九"))
    found = care_reminders(cols, rows, D(2026, 5, 1), 10, calendar)
    assert [(f.row, f.column, f.message) for f in found.findings] == [
        (
            4,
            "农历生日",
            "无法识别的农历生日“四月初八或初九”：请写成“四月初八”“闰四月初八”或“4月8日”",
        )
    ]


def test_anniversaries_events_and_misfortune(calendar: WorkCalendar) -> None:
    cols, rows = customers(
        one(
            contact_name="陈经理",
            founded_on=D(2016, 6, 10),
            partner_since=D(2019, 6, 12),
            major_event="乔迁新址",
            major_event_date=D(2026, 6, 15),
        ),
        one(
            customer_name="楚天地产",
            customer_id="KH-2",
            owner_rep="李娜",
            contact_name="杨经理",
            major_event="杨经理住院",
            major_event_date=D(2026, 6, 5),
        ),
    )
    found = care_reminders(cols, rows, D(2026, 6, 8), 10, calendar)
    assert [
        (r.remind_on, r.kind_label, r.customer, r.occasion, r.todo, r.detail)
        for r in found.reminders
    ] == [
        (D(2026, 6, 8), "慰问", "楚天地产", "杨经理住院", "立即电话慰问杨经理（杨经理住院）", ""),
        (
            D(2026, 6, 10),
            "成立纪念",
            "江城置业",
            "成立 10 周年",
            "祝贺公司成立 10 周年",
            "逢五逢十",
        ),
        (D(2026, 6, 12), "合作纪念", "江城置业", "合作 7 周年", "感谢合作 7 周年，安排回访", ""),
        (D(2026, 6, 15), "客户大事", "江城置业", "乔迁新址", "祝贺乔迁新址，准备贺礼或到场", ""),
        (
            D(2026, 6, 18),
            "节日",
            "全部客户（2 家）",
            "端午节",
            "端午节问候，安排节礼",
            "当天休息，提前到前一个工作日",
        ),
    ]


def test_rep_keeps_only_their_customers(calendar: WorkCalendar) -> None:
    cols, rows = customers(
        one(contact_birthday=D(1980, 3, 3)),
        one(customer_name="楚天地产", owner_rep="李娜", contact_birthday=D(1980, 3, 4)),
    )
    found = care_reminders(cols, rows, D(2026, 3, 2), 5, calendar, rep="李娜")
    assert [(r.customer, r.occasion) for r in found.reminders] == [
        ("全部客户（1 家）", "元宵节"),
        ("楚天地产", "生日"),
    ]
    nobody = care_reminders(cols, rows, D(2026, 3, 2), 5, calendar, rep="王强")
    assert nobody.reminders == []


def test_window_edges_and_29_february(calendar: WorkCalendar) -> None:
    cols, rows = customers(one(contact_birthday=D(1988, 2, 29)))
    # 2027-02-28 is a Sunday: remembered on Friday 26th; a window ending the 26th holds it
    found = care_reminders(cols, rows, D(2027, 2, 22), 4, calendar)
    assert [(r.remind_on, r.date) for r in found.reminders if r.kind == "birthday"] == [
        (D(2027, 2, 26), D(2027, 2, 28))
    ]
    assert found.notices == ["2027 年的调休安排尚未收录，按周末和法定节日休息计算（不含调休）"]
    # the day after the birthday, it is gone; a zero-day window is just today
    later = care_reminders(cols, rows, D(2027, 3, 1), 0, calendar)
    assert later.reminders == []
