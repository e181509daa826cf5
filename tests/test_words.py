"""What a rep typed, told as it was read: renamed columns and sheets, values read leniently,
placeholders, choice synonyms, ``recompute --tidy``, and accurate reasons for the wrong file.

Through the command line as a user runs it, with the exact Chinese output where it is about
words.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from kqxl.api import recompute_workbook, validate_workbook
from kqxl.cells import column_letter
from kqxl.cli import cli
from kqxl.engine.validate import closest
from kqxl.rules import default_rules_text
from kqxl.vocabulary import header_stem, is_placeholder

TEMPLATE = Path(__file__).resolve().parent.parent / "workbooks" / "客户跟进表.xlsx"
TODAY = dt.date(2026, 11, 30)
TODAY_ARG = ["--today", TODAY.isoformat()]
HEADER_ROW = 2

# A 甲方 meeting every condition of I级 (and nothing more).
LEVEL_ONE = {
    "已送资料": "是",
    "已介绍产品": "是",
    "联系电话": "13800138000",
    "拜访次数": 3,
    "不排斥业务员": "是",
    "印象较深": "是",
}


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def rep_book(
    tmp_path: Path,
    customers: list[dict[str, Any]],
    projects: list[dict[str, Any]] = (),  # type: ignore[assignment]
    rename: dict[str, str] | None = None,
    sheet_name: str | None = None,
) -> Path:
    """The shipped rep template with ``customers``/``projects`` typed in by header; headers in
    ``rename`` renamed; the 客户 sheet renamed to ``sheet_name``."""
    wb = openpyxl.load_workbook(TEMPLATE)
    for name, rows in (("客户", customers), ("项目", projects)):
        ws = wb[name]
        cols = {c.value: c.column for c in ws[HEADER_ROW] if c.value}
        for i, row in enumerate(rows):
            for header, value in row.items():
                ws.cell(HEADER_ROW + 1 + i, cols[header], value)
        for old, new in (rename or {}).items():
            if old in cols:
                ws.cell(HEADER_ROW, cols[old], new)
    if sheet_name:
        wb["客户"].title = sheet_name
    path = tmp_path / "客户跟进表-张伟.xlsx"
    wb.save(path)
    return path


def customer(name: str, ctype: str = "甲方", **cells: Any) -> dict[str, Any]:
    return {"客户名称": name, "客户类型": ctype, "负责人": "张伟", **cells}


def lines_of(out: str, path: Path) -> list[str]:
    """The finding lines of one file, without the file name in front."""
    prefix = path.name + ":"
    return [line[len(prefix) :] for line in out.splitlines() if line.startswith(prefix)]


# ---- 1. a renamed or missing column is never silent ----------------------------------------


def test_renamed_column_is_an_error_naming_the_closest_header_and_the_levels(
    tmp_path: Path,
) -> None:
    book = rep_book(
        tmp_path, [customer("江城置业", **LEVEL_ONE)], rename={"拜访次数": "拜访次数(次)"}
    )
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 1  # an error, counted like any other
    assert lines_of(out, book) == [
        "客户!U2: 找不到规则需要的列“拜访次数”，是否指“拜访次数(次)”？"
        "缺少它，甲方 I级、总包 I级无法达到。请把表头改回“拜访次数”。",
    ]
    assert "发现 1 个问题。" in out
    # the grade is what the rules give without the column, and the finding says why
    result = validate_workbook(book, today=TODAY)
    assert result.customers[0]["grade"] == "未评级"


def test_full_width_brackets_and_units_find_the_column_meant(tmp_path: Path) -> None:
    assert header_stem("拜访次数（次）") == header_stem(" 拜访次数 (次)*") == "拜访次数"
    assert closest("累计订单金额", ["累计订单金额（元）", "备注"]) == "累计订单金额（元）"
    assert closest("联系电话", ["联系电弧", "地址"]) == "联系电弧"
    assert closest("客户", ["客户列表", "说明"]) == "客户列表"
    assert closest("客户", ["说明", "规则"]) is None


def test_missing_required_column_names_the_header_it_probably_is(tmp_path: Path) -> None:
    book = rep_book(tmp_path, [customer("江城置业")], rename={"客户类型": "类型"})
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 1
    assert lines_of(out, book)[0] == (
        "客户!D2: 工作表“客户”缺少必需的列“客户类型”，是否指“类型”？"
        "请在表头行补上这一列或把表头改回“客户类型”。"
    )


def test_unknown_column_is_a_notice_not_a_problem(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(TEMPLATE)
    ws = wb["客户"]
    mine = column_letter(ws.max_column + 1)
    ws.cell(HEADER_ROW, ws.max_column + 1, "我的备注")
    wb.save(book := tmp_path / "客户跟进表-张伟.xlsx")
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 0
    assert lines_of(out, book) == [
        f"客户!{mine}2: 提示：表头“我的备注”不是 kqxl 的列，kqxl 不读取它，原样保留。"
    ]
    assert "发现 0 个问题。另有 1 条提示（不算问题）。" in out


def test_renamed_sheet_is_one_finding_not_one_per_project(tmp_path: Path) -> None:
    projects = [
        {"项目名称": f"工程{i}", "负责人": "张伟", "甲方": "江城置业", "项目阶段": "投标"}
        for i in range(5)
    ]
    book = rep_book(tmp_path, [customer("江城置业")], projects, sheet_name="客户列表")
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 1
    assert lines_of(out, book) == [
        "客户: 找不到工作表“客户”，是否指“客户列表”？请把该工作表改名为“客户”。"
    ]


def test_workbook_without_kqxl_sheets_says_so_once(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(book := tmp_path / "随便.xlsx")
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 1
    assert lines_of(out, book) == [
        "客户: 工作簿中没有“客户”和“项目”工作表（只有 Sheet1），不是 kqxl 的客户跟进表或"
        "团队总表：请用 kqxl init 生成模板，再把数据复制到其中。"
    ]


# ---- 2. lenient reading is told; --tidy makes the workbook right ------------------------------

LENIENT = customer(
    "江城置业",
    "业主",
    **{
        **LEVEL_ONE,
        "已送资料": "Y",
        "已介绍产品": "√",
        "累计订单金额": "120万",
        "最近拜访日期": "2024.5.3",
        "最近成交日期": "20240503",
    },
)


def test_each_value_read_leniently_is_a_notice_with_what_was_read(tmp_path: Path) -> None:
    book = rep_book(tmp_path, [LENIENT, customer("楚天建工", "施工单位", 累计订单金额="￥80000")])
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 0  # notices are not problems
    tidy = "可用 kqxl recompute --tidy 改写为"
    excel = "它在 Excel 中仍是文本（求和、数据透视表不计入），"
    assert lines_of(out, book) == [
        f"客户!D3: 提示：“客户类型”的“业主”按“甲方”读取（同义词）；{tidy}“甲方”。",
        f"客户!V3: 提示：“最近拜访日期”的“2024.5.3”已按 2024-05-03 读取；{excel}{tidy}日期。",
        f"客户!W3: 提示：“累计订单金额”的“120万”已按 1200000 读取；{excel}{tidy}数字。",
        f"客户!X3: 提示：“最近成交日期”的“20240503”已按 2024-05-03 读取；{excel}{tidy}日期。",
        f"客户!AC3: 提示：“已送资料”的“Y”已按 是 读取；{excel}{tidy}“是”或“否”。",
        f"客户!AD3: 提示：“已介绍产品”的“√”已按 是 读取；{excel}{tidy}“是”或“否”。",
        f"客户!D4: 提示：“客户类型”的“施工单位”按“总包”读取（同义词）；{tidy}“总包”。",
        f"客户!W4: 提示：“累计订单金额”的“￥80000”已按 80000 读取；{excel}{tidy}数字。",
    ]
    result = validate_workbook(book, today=TODAY)
    assert [c["grade"] for c in result.customers] == ["I级", "未评级"]
    assert result.customers[1]["customer_type"] == "总包"


def test_the_same_notice_down_a_column_is_one_line_naming_its_first_cells(
    tmp_path: Path,
) -> None:
    ticked = [customer(f"客户{i}", **{**LEVEL_ONE, "已介绍产品": "√"}) for i in range(6)]
    book = rep_book(tmp_path, [*ticked[:3], LENIENT, *ticked[3:]])
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 0
    lines = lines_of(out, book)
    tick = "“已介绍产品”的“√”已按 是 读取；它在 Excel 中仍是文本（求和、数据透视表不计入），"
    tidy = "可用 kqxl recompute --tidy 改写为“是”或“否”。"
    # seven cells: one line where the notice first occurs; a notice in one cell stays as it is
    assert lines[0] == f"客户!AD3、AD4、AD5 等 7 处: 提示：{tick}{tidy}"
    assert lines[1].startswith("客户!D6: 提示：“客户类型”的“业主”")
    assert not any(line.startswith("客户!AD") for line in lines[1:])
    assert "另有 12 条提示" in out
    listed = [f for f in validate_workbook(book, today=TODAY).findings if "“√”" in f.message]
    assert [f.row for f in listed] == [3, 4, 5, 6, 7, 8, 9]  # the library keeps every cell


def test_recompute_tidy_rewrites_the_cells_as_typed_values_with_a_backup(tmp_path: Path) -> None:
    book = rep_book(tmp_path, [LENIENT, customer("汉阳设计", "设计院", 联系电话="无")])
    code, out, _ = run("recompute", book, "--tidy", *TODAY_ARG)
    assert code == 0
    assert "已把 6 个按宽松方式读取的单元格改写为数字、日期或标准选项。" in out
    assert list((tmp_path / ".kqxl" / "backups").glob("*.xlsx"))
    ws = openpyxl.load_workbook(book)["客户"]
    assert ws["D3"].value == "甲方"
    assert ws["W3"].value == 1_200_000 and ws["W3"].data_type == "n"
    assert ws["V3"].value == dt.datetime(2024, 5, 3) and ws["V3"].is_date
    assert ws["X3"].value == dt.datetime(2024, 5, 3) and ws["X3"].is_date
    assert (ws["AC3"].value, ws["AD3"].value) == ("是", "是")
    assert ws["G4"].value == "无"  # a placeholder is the rep's word: kept, not tidied
    checks = {c.value: c.column_letter for c in ws[HEADER_ROW]}["校验"]
    assert ws[f"{checks}3"].value is None  # the settled notices are gone from 校验
    assert ws[f"{checks}4"].value == "提示：G4：“联系电话”的“无”表示没有，按空白处理。"
    # a second run has nothing left to tidy, and the grade is unchanged
    again = validate_workbook(book, today=TODAY)
    assert [f.code for f in again.findings] == ["placeholder"]
    assert again.customers[0]["grade"] == "I级"


def test_without_tidy_the_input_cells_stay_as_typed(tmp_path: Path) -> None:
    book = rep_book(tmp_path, [LENIENT])
    done = recompute_workbook(book, today=TODAY)
    assert done.cells_tidied == 0
    ws = openpyxl.load_workbook(book)["客户"]
    assert (ws["W3"].value, ws["D3"].value) == ("120万", "业主")


@pytest.mark.parametrize("word", ["无", "-", "—", "暂无", "没有", "不详", "N/A", "n/a"])
def test_a_placeholder_is_not_a_contact(tmp_path: Path, word: str) -> None:
    assert is_placeholder(word)
    book = rep_book(tmp_path, [customer("江城置业", **{**LEVEL_ONE, "联系电话": word})])
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 0
    assert lines_of(out, book) == [f"客户!G3: 提示：“联系电话”的“{word}”表示没有，按空白处理。"]
    result = validate_workbook(book, today=TODAY)
    assert result.customers[0]["grade"] == "未评级"  # 有客户联系方式 does not hold


def test_a_count_with_a_money_unit_is_a_finding(tmp_path: Path) -> None:
    book = rep_book(tmp_path, [customer("江城置业", **{**LEVEL_ONE, "拜访次数": "3万"})])
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 1
    assert lines_of(out, book) == [
        "客户!U3: “拜访次数”是次数，不能带金额单位，实际为“3万”：请填写整数（如 3）。"
    ]


def test_choice_synonyms_are_rules_data(tmp_path: Path) -> None:
    rules = tmp_path / "公司规则.toml"
    rules.write_text(
        default_rules_text()
        + '\n[synonyms."项目阶段"]\n"投标" = ["挂网"]\n\n[synonyms."客户类型"]\n"甲方" = []\n',
        encoding="utf-8",
    )
    code, out, _ = run("rules", "check", rules)
    assert code == 0, out
    project = {"项目名称": "一期", "负责人": "张伟", "甲方": "江城置业", "项目阶段": "挂网"}
    book = rep_book(tmp_path, [customer("江城置业", "业主")], [project])
    code, out, _ = run("validate", book, "--rules", rules, *TODAY_ARG)
    found = lines_of(out, book)
    # 业主 is no synonym of 甲方 in these rules; 挂网 is one of 投标
    assert (
        found[0]
        == "客户!D3: “客户类型”应为 甲方、总包、设计院、经销商、零售店、其他 之一，实际为“业主”。"
    )
    assert any("“项目阶段”的“挂网”按“投标”读取（同义词）" in line for line in found)


def test_a_synonym_for_a_column_without_choices_is_refused_with_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "坏规则.toml"
    rules.write_text(
        default_rules_text() + '\n[synonyms."联系电话"]\n"有" = ["手机"]\n', encoding="utf-8"
    )
    code, _, err = run("rules", "check", rules)
    assert code == 2
    assert "“联系电话”不是选项列" in err and err.count("\n") == 1


# ---- 8. messages say what actually happened --------------------------------------------------


def test_xlsx_renamed_to_xls_is_told_so(tmp_path: Path) -> None:
    shutil.copy(TEMPLATE, renamed := tmp_path / "张伟.xls")
    code, _, err = run("validate", renamed)
    assert code == 2
    assert err == (
        f"kqxl: {renamed}：内容是 xlsx 工作簿，但扩展名是 .xls（文件被改过名）。"
        "请把扩展名改回 .xlsx 后重试。\n"
    )


def test_a_folder_is_told_so_with_the_workbooks_in_it(tmp_path: Path) -> None:
    shutil.copy(TEMPLATE, tmp_path / "张伟.xlsx")
    code, _, err = run("validate", tmp_path)
    assert code == 2
    assert (
        err
        == f"kqxl: {tmp_path}：这是一个文件夹，不是工作簿。请给出其中的工作簿文件，如 张伟.xlsx。\n"
    )
    (empty := tmp_path / "空.xlsx").mkdir()
    code, _, err = run("recompute", empty)
    assert code == 2
    assert err == (
        f"kqxl: {empty}：这是一个文件夹，不是工作簿，其中也没有 .xlsx 工作簿。"
        "请给出工作簿文件的路径。\n"
    )


def test_a_counterpart_of_the_wrong_type_shows_no_grade(tmp_path: Path) -> None:
    # 楚天建工 is a 总包 graded II级 by the 总包 checklist; named as a project's 甲方 it must
    # not lend that grade to the 甲方 column, nor to the heat conditions on 甲方等级
    contractor = customer("楚天建工", "总包", **LEVEL_ONE)
    project = {"项目名称": "一期", "负责人": "张伟", "甲方": "楚天建工", "项目阶段": "投标"}
    book = rep_book(tmp_path, [contractor], [project])
    result = validate_workbook(book, today=TODAY)
    assert [f.code for f in result.findings if f.level != "notice"] == ["wrong_customer_type"]
    p = result.projects[0]
    assert (p["client_grade"], p["client_level"]) == ("—", None)
    run("recompute", book, *TODAY_ARG)
    ws = openpyxl.load_workbook(book)["项目"]
    col = {c.value: c.column_letter for c in ws[HEADER_ROW]}["甲方等级"]
    assert ws[f"{col}3"].value == "—"


def test_floor_label_appears_in_the_workbook_as_in_rules_check(tmp_path: Path) -> None:
    rules = tmp_path / "线索.toml"
    rules.write_text(
        default_rules_text()
        .replace("floor = 0 ", "floor = 10 ")
        .replace('floor_label = ""', 'floor_label = "线索"'),
        encoding="utf-8",
    )
    code, out, _ = run("rules", "check", rules)
    assert code == 0 and "10%（线索）" in out
    project = {"项目名称": "一期", "负责人": "张伟", "甲方": "江城置业", "项目阶段": "信息"}
    book = rep_book(tmp_path, [customer("江城置业")], [project])
    code, _, _ = run("recompute", book, "--rules", rules, *TODAY_ARG)
    assert code == 0
    ws = openpyxl.load_workbook(book)["项目"]
    cols = {c.value: c.column_letter for c in ws[HEADER_ROW]}
    assert ws[f"{cols['成交热度']}3"].value == 0.1
    assert ws[f"{cols['热度依据']}3"].value == "10%（线索）：以上都不满足时的热度"


# ---- the pieces behind it ----------------------------------------------------------------------


def test_needed_columns_name_the_levels_each_column_serves() -> None:
    from kqxl.engine.needs import needed_columns
    from kqxl.rules import load_rules
    from kqxl.schema import SCHEMA

    needed = needed_columns(load_rules(), SCHEMA)
    assert needed["客户"]["visit_count"] == ["甲方 I级", "总包 I级"]
    assert needed["客户"]["order_amount"] == ["总包 II级"]
    assert "sole_brand_in_bid" in needed["项目"]
    assert needed["项目"]["sole_brand_in_bid"] == ["成交热度 90%"]
    # derived values (项目阶段 of a customer, 甲方等级 of a project) are no columns
    assert "stage" not in needed["客户"]


def test_tidy_value_is_the_typed_value_a_notice_names() -> None:
    from kqxl.engine.convert import choice_map
    from kqxl.engine.validate import synonym_map, tidy_value
    from kqxl.schema import ColumnType

    assert tidy_value("120万", ColumnType.MONEY) == 1_200_000.0
    assert tidy_value("1.2亿", ColumnType.MONEY) == 120_000_000.0
    assert tidy_value("３", ColumnType.INTEGER) == 3
    assert tidy_value("2024.5.3", ColumnType.DATE) == dt.date(2024, 5, 3)
    assert tidy_value("20240503", ColumnType.DATE) == dt.date(2024, 5, 3)
    assert tidy_value("45000", ColumnType.DATE) == dt.date(2023, 3, 15)
    assert tidy_value("√", ColumnType.BOOL) == "是"
    choices = choice_map(["甲方", "总包"])
    choices.update(synonym_map(["甲方", "总包"], {"甲方": ["业主"], "物业公司": ["物业"]}))
    assert tidy_value("业主", ColumnType.CHOICE, choices=choices) == "甲方"
    assert tidy_value("物业", ColumnType.CHOICE, choices=choices) is None  # not a choice here
    assert tidy_value("三次", ColumnType.INTEGER) is None
