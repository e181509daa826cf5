"""A workbook a rep made by hand, not from the template, read end to end (reader → engine → CLI)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from kqxl.api import recompute_workbook, validate_workbook
from kqxl.book import read_workbook

TODAY = dt.date(2026, 11, 23)


@pytest.fixture()
def messy(tmp_path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    headers = [
        "客户名称 ",
        "客户类型",
        "负责人",
        "联系电话",
        "拜访次数",
        "最近拜访日期",
        "我的备注",
        "已送资料",
        "已介绍产品",
        "不排斥业务员",
        "印象较深",
        "客情等级",
        "校验",
    ]
    ws.append(headers)
    ws.append(
        [
            "江城置业有限公司",
            "甲方",
            "张伟",
            "13900000001",
            "１２",
            "2024年5月3日",
            "老客户",
            "是",
            "Y",
            "√",
            "1",
            None,
            None,
        ]
    )
    ws.append([None] * len(headers))  # a blank row in the middle
    ws.append(
        [
            "楚天建工有限公司",
            "总包",
            "张伟",
            None,
            "三次",
            "2024.5.3",
            None,
            "是",
            "是",
            "是",
            "是",
            None,
            None,
        ]
    )
    ws.append(
        [
            "汉江医院",
            "甲方",
            "张伟",
            "  ",
            4,
            "2024/13/40",
            "=cmd|' /c calc'!A1",
            "否",
            None,
            "N",
            "0",
            None,
            None,
        ]
    )
    ws["D4"] = "#N/A"  # pasted from a lookup, arrives as text
    ws["G5"].data_type = "s"  # openpyxl would store "=cmd…" as a formula; a rep typed text
    ws.append(
        [
            "江城置业有限公司",
            "业主",
            "张伟",
            None,
            1,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ]
    )
    ws.append(
        ["合并的客户", "甲方", "张伟", None, 3, None, None, None, None, None, None, None, None]
    )
    ws.merge_cells("H7:K7")
    ws["H7"] = "是"
    p = wb.create_sheet("项目")
    p.append(["项目名称", "负责人", "甲方", "总包", "项目金额", "项目阶段", "已签总包合同"])
    p.append(
        [
            "江城一期",
            "张伟",
            "江城置业有限公司",
            "楚天建工有限公司",
            "１，２００，０００",
            "签约",
            "是",
        ]
    )
    p.append(["不存在的项目", "张伟", "不存在的甲方", None, "一百万", "投标", None])
    path = tmp_path / "手工表.xlsx"
    wb.save(path)
    return path


def test_messy_workbook_findings_name_sheet_row_column(messy: Path) -> None:
    result = validate_workbook(messy, today=TODAY)
    found = {(f.code, f.sheet, f.row, f.column) for f in result.findings if f.level != "notice"}
    notices = {(f.code, f.sheet, f.row, f.column) for f in result.findings if f.level == "notice"}
    assert ("not_an_integer", "客户", 4, "E") in found  # 三次
    assert ("not_a_date", "客户", 5, "F") in found  # 2024/13/40
    assert ("choice_synonym", "客户", 6, "B") in notices  # 业主 reads as 甲方, told
    assert ("duplicate_name", "客户", 6, "A") in found
    assert ("merged_cells", "客户", 7, "H") in found
    assert ("unknown_customer", "项目", 3, "C") in found
    assert ("not_a_number", "项目", 3, "E") in found  # 一百万 is words, not a number
    # Accepted as typed: full-width digits, 2024年5月3日, 2024.5.3, Y/√/1, a trailing header
    # space; each value read leniently is a notice, not a problem.
    assert not {f for f in found if f[2] == 2 and f[1] == "客户"}
    assert {f[0] for f in notices if f[2] == 2 and f[1] == "客户"} == {"lenient_value"}
    assert ("error_value", "客户", 4, "D") in found
    assert not any(f.code == "missing_column" for f in result.findings)
    for f in result.findings:
        assert f.message and f.sheet in ("客户", "项目")
    # Blank rows are skipped, not reported; the extra column 我的备注 is kept and ignored.
    assert [c.row for c in result.customers] == [2, 4, 5, 6, 7]
    assert "我的备注" in result.layouts["客户"].unknown_columns
    first = result.customers[0]
    assert first["grade"] == "I级"
    project = result.projects[0]
    assert project["amount"] == 1_200_000 and project["heat"] == 0.9


def test_recompute_keeps_the_reps_own_column_and_text(messy: Path) -> None:
    recompute_workbook(messy, today=TODAY)
    book = read_workbook(messy)
    sheet = book.sheets["客户"]
    assert sheet.value(2, 7) == "老客户"
    assert sheet.value(5, 7) == "=cmd|' /c calc'!A1"  # still text, never a formula
    assert sheet.value(2, 12) == "I级"
    wb = openpyxl.load_workbook(messy)
    assert wb["客户"]["G5"].data_type == "s"
    assert "H7:K7" in {str(r) for r in wb["客户"].merged_cells.ranges}


def test_missing_required_column_is_reported_at_the_header_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户名称", "负责人", "拜访次数"])
    ws.append(["江城置业有限公司", "张伟", 3])
    wb.create_sheet("项目").append(["项目名称", "负责人", "甲方", "项目阶段"])
    path = tmp_path / "缺列.xlsx"
    wb.save(path)
    result = validate_workbook(path, today=TODAY)
    missing = [f for f in result.findings if f.code == "missing_column"]
    assert [(f.sheet, f.row, f.header) for f in missing] == [("客户", 1, "客户类型")]
    assert "客户类型" in missing[0].message


def test_a_merge_over_the_grade_column_is_reported_and_not_written(messy: Path) -> None:
    wb = openpyxl.load_workbook(messy)
    assert wb["客户"]["L1"].value == "客情等级"
    wb["客户"].merge_cells("L4:L5")
    wb.save(messy)
    result = validate_workbook(messy, today=TODAY)
    assert ("merged_output", 5, "L") in {(f.code, f.row, f.column) for f in result.findings}
    recompute_workbook(messy, today=TODAY)  # writes around the hidden cell, not into it
    sheet = read_workbook(messy).sheets["客户"]
    assert sheet.value(2, 12) == "I级"
    assert sheet.value(5, 12) is None
