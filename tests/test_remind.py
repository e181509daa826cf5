"""``kqxl remind``: the list as printed, the 提醒 sheet, the .ics file, folders and errors."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from kqxl.book import read_workbook
from kqxl.book.template import write_template
from kqxl.cells import column_letter
from kqxl.cli import cli
from kqxl.remind import CARE_SHEET, remind_workbooks
from kqxl.rules import load_rules

D = dt.date
TODAY = ["--today", "2026-02-09", "--days", "14"]

CUSTOMERS = [
    {
        "customer_name": "江城置业有限公司",
        "customer_type": "甲方",
        "owner_rep": "张伟",
        "contact_name": "陈经理",
        "contact_birthday": D(1980, 2, 18),
    },
    {
        "customer_name": "楚天地产有限公司",
        "customer_type": "甲方",
        "owner_rep": "张伟",
        "contact_name": "杨经理",
        "contact_lunar_birthday": "腊月廿五",
        "founded_on": D(2016, 2, 20),
    },
    {
        "customer_name": "华中安装有限公司",
        "customer_type": "总包",
        "owner_rep": "张伟",
        "contact_name": "罗经理",
        "partner_since": D(2021, 2, 10),
        "major_event": "新厂开业",
        "major_event_date": D(2026, 2, 12),
    },
]

LIST = [
    "张伟.xlsx：2026-02-09 至 2026-02-23 共 7 条提醒",
    "2026-02-10（周二） 合作纪念：华中安装有限公司 — 感谢合作 5 周年，安排回访（逢五逢十）",
    "2026-02-12（周四） 农历生日：楚天地产有限公司 — 给杨经理送生日祝福（农历腊月廿五）",
    "2026-02-12（周四） 客户大事：华中安装有限公司 — 祝贺新厂开业，准备贺礼或到场",
    # 2026-02-14 is a Saturday worked instead (调休): the last working day before 春节
    "2026-02-14（周六） 节日：全部客户（3 家） — 除夕问候，安排节礼"
    "（当天休息，提前到前一个工作日）",
    "2026-02-14（周六） 节日：全部客户（3 家） — 春节问候，安排节礼"
    "（当天休息，提前到前一个工作日）",
    "2026-02-14（周六） 生日：江城置业有限公司 — 给陈经理送生日祝福"
    "（当天休息，提前到前一个工作日）",
    "2026-02-14（周六） 成立纪念：楚天地产有限公司 — 祝贺公司成立 10 周年"
    "（逢五逢十；当天休息，提前到前一个工作日）",
]


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write_template(
        tmp_path / "张伟.xlsx", "rep", load_rules(None), rep_name="张伟", customers=CUSTOMERS
    )


def test_remind_prints_the_list_in_chinese(book: Path) -> None:
    code, out, err = run("remind", book, *TODAY)
    assert (code, err) == (0, "")
    assert out.splitlines() == [*LIST, f"已写入 {book} 的“提醒”工作表"]


def test_remind_writes_the_care_sheet_and_nothing_else(book: Path) -> None:
    before = read_workbook(book)
    assert run("remind", book, *TODAY)[0] == 0
    after = read_workbook(book)
    sheet = after.sheets[CARE_SHEET]
    assert (
        sheet.rows[0][0]
        == "客情维护提醒（由 kqxl remind 生成，请勿手工编辑；今天 2026-02-09，未来 14 天）"
    )
    assert sheet.rows[1] == [
        "提醒日",
        "星期",
        "日期",
        "类别",
        "事项",
        "客户",
        "联系人",
        "负责人",
        "要做的事",
        "说明",
    ]
    assert sheet.rows[2] == [
        D(2026, 2, 10),
        "二",
        D(2026, 2, 10),
        "合作纪念",
        "合作 5 周年",
        "华中安装有限公司",
        "罗经理",
        "张伟",
        "感谢合作 5 周年，安排回访",
        "逢五逢十",
    ]
    assert len(sheet.rows) == 2 + 7
    for name, grid in before.sheets.items():
        assert after.sheets[name].rows == grid.rows, name
    # run again another day: the sheet is replaced, not appended to
    assert run("remind", book, "--today", "2026-03-10", "--days", "3")[0] == 0
    again = read_workbook(book).sheets[CARE_SHEET]
    assert [row[0] for row in again.rows[2:]] == ["未来 3 天没有需要提醒的事项。"]


def test_a_sheet_of_the_reps_own_named_care_is_never_overwritten(book: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    wb.create_sheet(CARE_SHEET)["A1"] = "我自己的提醒"
    wb.save(book)
    code, out, err = run("remind", book, *TODAY)
    assert code == 2
    assert err == (
        f"kqxl: {book}：已有一个不是 kqxl 生成的“提醒”工作表，kqxl 不会覆盖它。"
        "请把该工作表改名后重试。\n"
    )
    assert read_workbook(book).sheets[CARE_SHEET].rows == [["我自己的提醒"]]
    code, out, _ = run("remind", book, *TODAY, "--no-sheet")
    assert code == 0 and out.splitlines() == LIST


def test_ics_has_one_all_day_event_per_reminder(book: Path, tmp_path: Path) -> None:
    target = tmp_path / "提醒.ics"
    code, out, _ = run("remind", book, *TODAY, "--ics", target, "--no-sheet")
    assert code == 0
    assert out.splitlines()[-1] == f"已写出日历文件 {target}（7 个全天事件）"
    cal = Calendar.from_ical(target.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 7
    for event in events:
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert type(start) is dt.date and type(end) is dt.date  # all-day: dates, not times
        assert end - start == dt.timedelta(days=1)
    assert len({str(e["uid"]) for e in events}) == 7
    first = events[0]
    assert str(first["summary"]) == "合作纪念：华中安装有限公司 合作 5 周年"
    assert first.decoded("dtstart") == D(2026, 2, 10)
    assert str(first["description"]) == (
        "要做的事：感谢合作 5 周年，安排回访\n客户：华中安装有限公司\n联系人：罗经理\n"
        "负责人：张伟\n日期：2026-02-10\n说明：逢五逢十"
    )
    birthday = next(e for e in events if "江城置业" in str(e["summary"]))
    assert birthday.decoded("dtstart") == D(2026, 2, 14)
    assert "给陈经理送生日祝福" in str(birthday["description"])
    # the same reminders again give the same ids: a calendar updates instead of doubling
    second = tmp_path / "again.ics"
    assert run("remind", book, *TODAY, "--ics", second, "--no-sheet")[0] == 0
    again = [str(e["uid"]) for e in Calendar.from_ical(second.read_bytes()).walk("VEVENT")]
    assert again == [str(e["uid"]) for e in events]


def test_a_folder_stands_for_its_workbooks_and_rep_filters(team_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    shutil.copytree(team_dir, folder)
    (folder / "~$团队总表.xlsx").write_bytes(b"owner")
    (folder / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    code, out, err = run(
        "remind", folder, "--today", "2026-12-01", "--days", "40", "--rep", "张伟", "--no-sheet"
    )
    assert (code, err) == (0, "")
    headers = [line for line in out.splitlines() if "条提醒" in line]
    assert headers == [
        "团队总表.xlsx：2026-12-01 至 2027-01-10 共 3 条提醒",
        "客户跟进表-刘洋.xlsx：2026-12-01 至 2027-01-10 共 0 条提醒",
        "客户跟进表-张伟.xlsx：2026-12-01 至 2027-01-10 共 3 条提醒",
        "客户跟进表-李娜.xlsx：2026-12-01 至 2027-01-10 共 0 条提醒",
        "客户跟进表-王强.xlsx：2026-12-01 至 2027-01-10 共 0 条提醒",
    ]
    assert (
        "2026-12-31（周四） 节日：全部客户（11 家） — 元旦问候，安排节礼"
        "（当天休息，提前到前一个工作日）" in out
    )
    assert "提示：2027 年的调休安排尚未收录，按周末和法定节日休息计算（不含调休）" in out


def test_json_is_the_library_result(book: Path) -> None:
    code, out, _ = run("remind", book, *TODAY, "--json", "--no-sheet")
    assert code == 0
    batch = remind_workbooks([book], today=D(2026, 2, 9), days=14, write_sheet=False)
    assert json.loads(out) == batch.model_dump(mode="json")
    reminders = json.loads(out)["files"][0]["result"]["reminders"]["reminders"]
    assert reminders[1]["kind"] == "lunar_birthday" and reminders[1]["detail"] == "农历腊月廿五"


def test_unreadable_lunar_birthday_is_a_finding_with_exit_1(tmp_path: Path) -> None:
    rows = [{**CUSTOMERS[1], "contact_lunar_birthday": "腊月底"}]
    path = write_template(
        tmp_path / "李娜.xlsx", "rep", load_rules(None), rep_name="李娜", customers=rows
    )
    code, out, _ = run("remind", path, *TODAY, "--no-sheet")
    assert code == 1
    headers = read_workbook(path).sheets["客户"].rows[1]
    col = column_letter(headers.index("农历生日") + 1)
    assert out.splitlines()[0] == (
        f"李娜.xlsx:客户!{col}3: 无法识别的农历生日“腊月底”：请写成“四月初八”“闰四月初八”或“4月8日”"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--today", "明天"], "kqxl: --today 的值“明天”不是日期，应如 2026-05-03。\n"),
        (
            ["--holidays", "{tmp}/none.toml"],
            "kqxl: {tmp}/none.toml：调休数据文件有误（文件不存在），"
            "请按 kqxl 附带的 holidays-2027.toml 的格式填写。\n",
        ),
    ],
)
def test_bad_options_are_one_line(
    book: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = run("remind", book, *args)
    assert (code, out) == (2, "")
    assert err == message.replace("{tmp}", str(tmp_path))


def test_an_empty_folder_is_one_line(tmp_path: Path) -> None:
    code, _, err = run("remind", tmp_path)
    assert code == 2
    assert err == f"kqxl: {tmp_path}：文件夹中没有 .xlsx 工作簿。\n"


@pytest.mark.libreoffice
def test_libreoffice_shows_the_care_sheet(
    book: Path, libreoffice: Callable[..., list[dict[str, Any]]]
) -> None:
    assert run("remind", book, *TODAY)[0] == 0
    [seen] = libreoffice([book], ranges={CARE_SHEET: "A1:J4"})
    assert seen["ok"], seen["error"]
    sheet = next(s for s in seen["sheets"] if s["name"] == CARE_SHEET)
    cells = sheet["cells"]
    assert cells["B3"]["value"] == "二"
    assert cells["F4"]["value"] == "楚天地产有限公司"
    assert cells["A3"]["type"] == "VALUE"  # a date, not text
    assert sheet["frozen"] is not None and sheet["frozen"]["row"] == 2
