"""Bad input in cells, rows and sheets: each gives a finding (a value), never an exception."""

from __future__ import annotations

import datetime as dt

import pytest
from test_engine_helpers import DEFAULT_RULES, TODAY, customer, grid, headers, project, run

from kqxl.cells import CellError, MergedRange, SheetGrid, WorkbookGrid, column_letter
from kqxl.engine import (
    convert_column,
    evaluate,
    locate_header,
    parse_date,
    parse_number,
    validate_sheet,
)
from kqxl.schema import SCHEMA, ColumnType

CS, PS = SCHEMA.customers, SCHEMA.projects


def codes(result) -> list[tuple[str, int | None, str | None]]:
    return [(f.code, f.row, f.column) for f in result.findings]


def one_customer(**cells: object):
    result = run([customer("甲", "甲方", 0, **cells)])
    return result.customers[0], result.findings


# ------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3, 3),
        (3.0, 3),
        ("3", 3),
        ("１２３", 123),
        (" 12 ", 12),
        ("３次", 3),
        ("1,200", 1200),
        ("１，２００", 1200),
    ],
)
def test_integer_column_accepts(raw: object, expected: int) -> None:
    out, bads = convert_column([raw], ColumnType.INTEGER)
    assert (out, bads) == ([expected], [])
    assert type(out[0]) is int


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("三次", "not_an_integer"),
        ("abc", "not_an_integer"),
        (2.5, "not_an_integer"),
        ("-3", "negative"),
        (-1, "negative"),
        (True, "not_an_integer"),
        (CellError("#N/A"), "error_value"),
        ("#REF!", "error_value"),
    ],
)
def test_integer_column_rejects(raw: object, code: str) -> None:
    out, bads = convert_column([None, raw], ColumnType.INTEGER)
    assert out == [None, None]
    assert [(b.index, b.code) for b in bads] == [(1, code)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1200, 1200.0),
        (1200.5, 1200.5),
        ("¥1,200", 1200.0),
        ("￥１２００元", 1200.0),
        ("1.2万", 12000.0),
        ("１．２万元", 12000.0),
        ("RMB 300", 300.0),
        ("  ", None),
        (None, None),
    ],
)
def test_money_column_accepts(raw: object, expected: float | None) -> None:
    assert convert_column([raw], ColumnType.MONEY) == ([expected], [])


def test_text_in_a_number_column_is_a_finding_with_place_and_value() -> None:
    c, findings = one_customer(拜访次数="很多", 累计订单金额="一百万")
    assert [(f.code, f.row, f.column, f.header, f.value) for f in findings] == [
        ("not_an_integer", 3, "T", "拜访次数", "很多"),
        ("not_a_number", 3, "V", "累计订单金额", "一百万"),
    ]
    assert findings[0].message == "“拜访次数”应为整数，实际为“很多”。"
    assert findings[0].level == "error"
    assert c["grade_level"] == 0  # graded as if blank


def test_parse_number_rejects_odd_separators() -> None:
    assert parse_number("1,2") is None
    assert parse_number("12,000,000") == 12_000_000
    assert parse_number("nan") is None
    assert parse_number("1e5") is None


# --------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "raw",
    [
        "2024.5.3",
        "2024/5/3",
        "2024-05-03",
        "2024年5月3日",
        "２０２４年５月３日",
        " 2024-5-3 ",
        "20240503",
        "2024-05-03 10:30:00",
        dt.date(2024, 5, 3),
        dt.datetime(2024, 5, 3, 9, 0),
        45415,
        45415.0,
        45415.75,
    ],
)
def test_date_column_accepts(raw: object) -> None:
    assert convert_column([raw], ColumnType.DATE) == ([dt.date(2024, 5, 3)], [])


def test_date_serial_in_a_1904_workbook() -> None:
    assert convert_column([43953], ColumnType.DATE, date1904=True)[0] == [dt.date(2024, 5, 3)]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("下周三", "not_a_date"),
        ("2024-13-01", "not_a_date"),
        ("2024-02-30", "not_a_date"),
        (dt.date(1850, 1, 1), "implausible_date"),
        ("2150-01-01", "implausible_date"),
        (dt.time(10, 0), "not_a_date"),
        (True, "not_a_date"),
        (CellError("#VALUE!"), "error_value"),
        (-5, "not_a_date"),
    ],
)
def test_date_column_rejects(raw: object, code: str) -> None:
    out, bads = convert_column([raw], ColumnType.DATE)
    assert out == [None]
    assert [b.code for b in bads] == [code]


def test_parse_date_forms() -> None:
    assert parse_date("2024.05.03") == dt.date(2024, 5, 3)
    assert parse_date("5/3/2024") is None  # ambiguous order: not guessed


# ----------------------------------------------------------------------------------- 是/否


@pytest.mark.parametrize(
    "raw", ["是", "Y", "y", "yes", "√", "✓", 1, 1.0, True, "TRUE", "对", "有", " 是 ", "Ｙ"]
)
def test_bool_yes(raw: object) -> None:
    assert convert_column([raw], ColumnType.BOOL) == ([True], [])


@pytest.mark.parametrize("raw", ["否", "N", "n", "×", 0, 0.0, False, "FALSE", "错", "无", "☐"])
def test_bool_no(raw: object) -> None:
    assert convert_column([raw], ColumnType.BOOL) == ([False], [])


@pytest.mark.parametrize("raw", [None, "", "　", " \t"])
def test_bool_blank_is_none_not_no(raw: object) -> None:
    out, bads = convert_column([raw], ColumnType.BOOL)
    assert bads == []
    assert out == [None] and out[0] is not False


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("也许", "not_a_bool"),
        (2, "not_a_bool"),
        (CellError("#N/A"), "error_value"),
        ("#N/A", "error_value"),
    ],
)
def test_bool_rejects(raw: object, code: str) -> None:
    out, bads = convert_column([raw], ColumnType.BOOL)
    assert out == [None]  # a mistake is neither 是 nor 否, as in every other column type
    assert [b.code for b in bads] == [code]


def test_ticks_in_many_spellings_grade_the_same() -> None:
    c, findings = one_customer(
        已送资料="√",
        已介绍产品="Y",
        联系电话=13800138000,
        拜访次数="３",
        不排斥业务员=1,
        印象较深="是 ",
    )
    # read as typed, each told as a notice (not an error): a spelling that is only spaces
    # around 是 is the word itself
    assert [f for f in findings if f.level != "notice"] == []
    assert sorted((f.code, f.header, f.value) for f in findings) == [
        ("lenient_value", "不排斥业务员", "1"),
        ("lenient_value", "已介绍产品", "Y"),
        ("lenient_value", "已送资料", "√"),
        ("lenient_value", "拜访次数", "３"),
    ]
    assert c["grade_level"] == 1


# ------------------------------------------------------------------------- errors, text


def test_excel_error_values_in_any_column() -> None:
    _, findings = one_customer(
        联系人=CellError("#REF!"),
        拜访次数=CellError("#N/A"),
        已送资料="#DIV/0!",
        最近拜访日期="#VALUE!",
    )
    assert [(f.code, f.header, f.value) for f in findings] == [
        ("error_value", "联系人", "#REF!"),
        ("error_value", "拜访次数", "#N/A"),
        ("error_value", "最近拜访日期", "#VALUE!"),
        ("error_value", "已送资料", "#DIV/0!"),
    ]
    assert "#REF!" in findings[0].message


def test_formula_like_text_is_just_text() -> None:
    result = run([customer("=SUM(A1)", "甲方", 0, 联系人="+86 张三", 地址="-", 传真="@home")])
    # 地址 "-" is a placeholder (blank, a notice); nothing else is told
    assert [(f.code, f.header) for f in result.findings] == [("placeholder", "地址")]
    assert result.customers[0].name == "=SUM(A1)"


def test_numbers_in_a_text_column_become_text() -> None:
    out, bads = convert_column(
        [13800138000, 13800138000.0, dt.date(2024, 5, 3), True], ColumnType.TEXT
    )
    assert out == ["13800138000", "13800138000", "2024-05-03", "是"] and bads == []


def test_choice_is_compared_after_normalisation() -> None:
    result = run([customer("甲", " 甲方　", 1, 联系电话="1"), customer("乙", "Ｘ方", 0)])
    assert result.customers[0]["customer_type"] == "甲方"
    assert result.customers[0]["grade_level"] == 1
    assert [(f.code, f.row, f.value) for f in result.findings] == [("not_a_choice", 4, "Ｘ方")]
    assert "甲方、总包" in result.findings[0].message


def test_required_blank() -> None:
    result = run([{"客户名称": "甲", "客户类型": None, "负责人": "  "}])
    assert [(f.code, f.header) for f in result.findings] == [
        ("required_missing", "客户类型"),
        ("required_missing", "负责人"),
    ]
    assert result.customers[0]["grade_level"] is None


# ---------------------------------------------------------------------------------- rows


def test_blank_rows_in_the_middle_and_at_the_end_are_skipped() -> None:
    result = run([customer("甲", "甲方"), {}, {"客户名称": "　"}, customer("乙", "总包"), {}, {}])
    assert result.findings == []
    assert [c.row for c in result.customers] == [3, 6]
    assert result.layouts["客户"].last_row == 6


def test_a_row_with_only_computed_values_is_blank() -> None:
    result = run([customer("甲", "甲方"), {"客情等级": "I级", "等级依据": "旧的依据"}])
    assert [c.row for c in result.customers] == [3]
    assert result.findings == []


def test_a_row_without_a_name_but_with_data_is_reported() -> None:
    result = run([{"客户类型": "甲方", "负责人": "张三", "拜访次数": 3}])
    assert codes(result) == [("required_missing", 3, "B")]


def test_merged_cells_in_the_data_area_one_finding_per_range() -> None:
    b = WorkbookGrid(
        "t.xlsx",
        {"客户": grid(CS, [customer("甲", "甲方"), customer("乙", "甲方")]), "项目": grid(PS, [])},
    )
    b.sheets["客户"].merged = [
        MergedRange(1, 1, 1, 10),  # group title row: fine
        MergedRange(3, 5, 4, 5),
        MergedRange(4, 7, 4, 8),
    ]
    result = evaluate(b, DEFAULT_RULES, TODAY)
    assert [(f.code, f.row, f.column, f.value, f.level) for f in result.findings] == [
        ("merged_cells", 3, "E", "E3:E4", "warning"),
        ("merged_cells", 4, "G", "G4:H4", "warning"),
    ]


def test_duplicate_customer_names_and_keys() -> None:
    result = run(
        [
            customer("甲公司", "甲方", 客户编号="K1"),
            customer("乙公司", "甲方", 客户编号="K1"),
            customer(" 甲 公司", "总包", 客户编号="K2"),
        ]
    )
    assert [(f.code, f.row, f.value, f.message) for f in result.findings] == [
        ("duplicate_key", 4, "K1", "“客户编号”为“K1”的行重复（另见第 3 行）：编号必须唯一。"),
        (
            "duplicate_name",
            5,
            "甲 公司",
            "“客户名称”为“甲 公司”的行重复（另见第 3 行）：名称必须唯一。",
        ),
    ]


def test_duplicate_project_names_and_keys() -> None:
    result = run(
        [customer("甲", "甲方")],
        [project("工程", "甲", 项目编号="P1"), project("工程", "甲", 项目编号="P1")],
    )
    assert [(f.code, f.sheet, f.row) for f in result.findings] == [
        ("duplicate_key", "项目", 4),
        ("duplicate_name", "项目", 4),
    ]


def test_project_naming_an_unknown_customer() -> None:
    result = run([customer("总", "总包", 1)], [project("工程", "没有这家", "总", 项目金额=1000)])
    (f,) = result.findings
    assert (f.code, f.sheet, f.row, f.column, f.header, f.value) == (
        "unknown_customer",
        "项目",
        3,
        "D",
        "甲方",
        "没有这家",
    )
    p = result.projects[0]
    assert (p["client_level"], p["client_grade"]) == (None, "未知")
    assert p["heat"] == 0.3  # still computed: the contractor is at I级


def test_client_of_the_wrong_type_is_a_warning() -> None:
    result = run([customer("甲", "总包")], [project("工程", "甲")])
    (f,) = result.findings
    assert (f.code, f.level) == ("wrong_customer_type", "warning")
    assert f.message == "“甲方”填写的“甲”在客户表中的类型是“总包”，不是“甲方”。"


# -------------------------------------------------------------------------------- sheets


def test_missing_sheet() -> None:
    result = evaluate(
        WorkbookGrid("t.xlsx", {"客户": grid(CS, [customer("甲", "甲方")])}), DEFAULT_RULES, TODAY
    )
    assert codes(result) == [("missing_sheet", None, None)]
    assert result.findings[0].sheet == "项目"
    assert list(result.layouts) == ["客户"]
    assert result.customers[0].name == "甲"


def test_plain_sheet_with_headers_in_row_one_and_trailing_spaces() -> None:
    hdrs = [h + " " if i % 2 else "　" + h for i, h in enumerate(headers(CS, computed=False))]
    sheet = SheetGrid("客户", [hdrs, [None, "甲", "甲方", "张三"]])
    match = locate_header(sheet, CS)
    assert match.header_row == 1 and match.columns["customer_name"] == 2
    data = validate_sheet(sheet, CS)
    assert data.findings == [] and data.rows == [2]


def test_header_row_is_found_below_title_rows() -> None:
    rows = [
        ["客户台账"],
        [],
        ["基本细节"],
        ["客户名称", "客户类型", "负责人", "备注"],
        ["甲", "甲方", "张三", "老客户"],
    ]
    data = validate_sheet(SheetGrid("客户", rows, first_row=1), CS)
    assert data.layout is not None
    assert (data.layout.header_row, data.layout.first_data_row) == (4, 5)
    assert data.layout.unknown_columns == ["备注"]
    assert data.rows == [5]


def test_missing_required_column_still_validates_the_rest() -> None:
    rows = [["客户名称", "负责人", "拜访次数"], ["甲", "张三", "x"]]
    result = evaluate(
        WorkbookGrid("t.xlsx", {"客户": SheetGrid("客户", rows), "项目": grid(PS, [])}),
        DEFAULT_RULES,
        TODAY,
    )
    assert [
        (f.code, f.row, f.header) for f in result.findings if f.code != "missing_rule_column"
    ] == [
        ("missing_column", 1, "客户类型"),
        ("not_an_integer", 2, "拜访次数"),
    ]
    # every column the rules read that the sheet lacks is named too, with the levels it blocks
    rule_columns = {f.header: f for f in result.findings if f.code == "missing_rule_column"}
    assert "联系电话" in rule_columns and "拜访次数" not in rule_columns
    assert rule_columns["联系电话"].message == (
        "找不到规则需要的列“联系电话”。缺少它，甲方 I级无法达到。请把表头改回“联系电话”。"
    )
    assert result.customers[0]["grade_level"] is None


def test_unknown_extra_column_is_kept_and_ignored() -> None:
    hdrs = [*headers(CS), "我的备注"]
    sheet = grid(CS, [dict(customer("甲", "甲方", 1), 我的备注="随便写")], header_list=hdrs)
    result = evaluate(
        WorkbookGrid("t.xlsx", {"客户": sheet, "项目": grid(PS, [])}), DEFAULT_RULES, TODAY
    )
    # a rep's own column is kept and told as a notice (not counted as a problem)
    assert [(f.code, f.level, f.row, f.column, f.message) for f in result.findings] == [
        (
            "unknown_column",
            "notice",
            2,
            column_letter(len(hdrs)),  # the column after the schema's last
            "表头“我的备注”不是 kqxl 的列，kqxl 不读取它，原样保留。",
        )
    ]
    assert result.layouts["客户"].unknown_columns == ["我的备注"]
    assert result.customers[0]["grade_level"] == 1


def test_duplicate_header_uses_the_first() -> None:
    rows = [["客户名称", "客户类型", "负责人", "客户类型"], ["甲", "甲方", "张三", "总包"]]
    data = validate_sheet(SheetGrid("客户", rows), CS)
    assert [(f.code, f.column, f.level) for f in data.findings] == [
        ("duplicate_column", "D", "warning")
    ]
    assert data.values["customer_type"] == ["甲方"]


def test_sheet_without_any_header_or_empty() -> None:
    for rows in ([], [["a", "b"], [1, 2]]):
        data = validate_sheet(SheetGrid("客户", rows), CS)
        assert [f.code for f in data.findings] == ["no_header_row"]
        assert data.layout is None and data.rows == []


def test_grid_offset_and_ragged_rows() -> None:
    rows = [
        ["客户名称", "客户类型", "负责人", "拜访次数"],
        ["甲", "甲方"],
        ["乙", "总包", "李四", 7, "多余"],
    ]
    data = validate_sheet(SheetGrid("客户", rows, first_row=5, first_col=3), CS)
    assert data.layout is not None and data.layout.columns["customer_name"] == 3
    assert data.rows == [6, 7]
    assert data.values["visit_count"] == [None, 7]
    assert [(f.code, f.row, f.column) for f in data.findings] == [("required_missing", 6, "E")]


def test_json_dump_of_a_result() -> None:
    result = run([customer("甲", "甲方", 拜访次数="x")], [project("工程", "甲")])
    dumped = result.model_dump(mode="json")
    assert dumped["rows"]["客户"][0]["values"]["grade"] == "未评级"
    assert dumped["findings"][0]["code"] == "not_an_integer"
    assert dumped["layouts"]["项目"]["columns"]["client"] == 4
    assert result.findings_for("客户", 3)[0].code == "not_an_integer"
    assert result.findings_for("客户", 4) == []


def test_missing_customer_sheet_still_heats_projects() -> None:
    b = WorkbookGrid(
        "t.xlsx", {"项目": grid(PS, [project("工程", "甲", 标书唯一品牌="是", 项目金额="10万")])}
    )
    result = evaluate(b, DEFAULT_RULES, TODAY)
    # one finding for the sheet, not one per project naming a customer it would hold
    assert [(f.code, f.sheet) for f in result.findings if f.level != "notice"] == [
        ("missing_sheet", "客户"),
    ]
    p = result.projects[0]
    assert (p["heat"], p["weighted_amount"], p["client_grade"]) == (0.9, 90000.0, "未知")


def test_accounting_negative_in_parentheses_is_a_negative_number() -> None:
    assert parse_number("(1,200)") == -1200.0
    assert parse_number("（¥1,200）") == -1200.0
    assert parse_number("(") is None and parse_number("()") is None
    for ctype, code in ((ColumnType.MONEY, "negative"), (ColumnType.INTEGER, "negative")):
        out, bads = convert_column(["(1,200)"], ctype)
        assert out == [None] and [b.code for b in bads] == [code]


def test_a_date_typed_in_a_text_column_reads_as_the_date() -> None:
    # readers give date-formatted cells as midnight datetimes; the time is noise there
    out, bads = convert_column(
        [dt.datetime(2024, 5, 3), dt.datetime(2024, 5, 3, 10, 30)], ColumnType.TEXT
    )
    assert out == ["2024-05-03", "2024-05-03 10:30:00"] and bads == []


def test_day_written_with_hao() -> None:
    assert parse_date("2024年5月3号") == dt.date(2024, 5, 3)


def test_a_date_typed_as_an_eight_digit_number() -> None:
    # as the text "20240503" is: no Excel serial is that large
    out, bads = convert_column([20240503, 20240503.0, 20241303], ColumnType.DATE)
    assert out == [dt.date(2024, 5, 3), dt.date(2024, 5, 3), None]
    assert [(b.index, b.code) for b in bads] == [(2, "not_a_date")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("是的", True), ("✅", True), ("✔️", True), ("不是", False), ("没有", False), ("❌", False)],
)
def test_more_everyday_ticks(raw: str, expected: bool) -> None:
    assert convert_column([raw], ColumnType.BOOL) == ([expected], [])


def test_a_formula_without_value_is_a_notice_naming_it_or_saying_it_is_shared() -> None:
    g = grid(CS, [customer("甲", "甲方", 拜访次数=None), customer("乙", "甲方", 拜访次数=None)])
    col = headers(CS).index("拜访次数") + 1
    g.pending = {(3, col): "=2+3", (4, col): "="}  # the second: a shared formula's other cell
    data = validate_sheet(g, CS)
    notices = [(f.code, f.level, f.row, f.message) for f in data.findings]
    tail = "尚未计算，暂按空白处理：请在 Excel 中打开并保存，或用 --recalc。"
    assert notices == [
        ("formula_not_calculated", "notice", 3, f"“拜访次数”的公式 =2+3 {tail}"),
        ("shared_formula_not_calculated", "notice", 4, f"“拜访次数”的公式{tail}"),
    ]


def test_a_computed_cell_hidden_in_a_merge_is_a_finding() -> None:
    g = grid(CS, [customer("甲", "甲方"), customer("乙", "甲方"), customer("丙", "甲方")])
    grade = 1 + [c.key for c in CS.columns].index("grade")
    reasons = 1 + [c.key for c in CS.columns].index("grade_reasons")
    assert reasons == grade + 1
    g.merged = [
        MergedRange(3, grade, 3, reasons),  # 等级依据 of row 3 is hidden under 客情等级
        MergedRange(4, grade, 5, grade),  # 客情等级 of row 5 is hidden under row 4's
        MergedRange(3, 2, 4, 2),  # a merge in an input column only: no computed cell hidden
    ]
    b = WorkbookGrid("t.xlsx", {"客户": g, "项目": grid(PS, [])})
    result = evaluate(b, DEFAULT_RULES, TODAY)
    hidden = [
        (f.code, f.row, f.column, f.header, f.level)
        for f in result.findings
        if f.code == "merged_output"
    ]
    assert hidden == [
        ("merged_output", 3, column_letter(reasons), "等级依据", "error"),
        ("merged_output", 5, column_letter(grade), "客情等级", "error"),
    ]
