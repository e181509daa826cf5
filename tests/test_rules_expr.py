"""The condition-expression language: operators, precedence, keywords, errors with positions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kqxl.rules import ExprError, Kind, NameInfo, compile_condition, parse, sheet_names
from kqxl.rules.expr import BoolOp, Compare, Literal, Name, Not, compile_vector
from kqxl.schema import SCHEMA

NAMES = {
    "拜访次数": NameInfo(0, Kind.NUMBER),
    "已送资料": NameInfo(1, Kind.BOOL),
    "印象较深": NameInfo(2, Kind.BOOL),
    "联系电话": NameInfo(3, Kind.TEXT),
    "项目阶段": NameInfo(4, Kind.TEXT, ("信息", "编写标书", "投标", "中标")),
    "最近拜访日期": NameInfo(5, Kind.DATE),
    "累计订单金额": NameInfo(6, Kind.NUMBER),
    "最近成交日期": NameInfo(7, Kind.DATE),
}


def row(
    visits=None,
    sent=None,
    impressed=None,
    phone=None,
    stage=None,
    visited=None,
    amount=None,
    ordered=None,
) -> tuple:
    return (visits, sent, impressed, phone, stage, visited, amount, ordered)


def check(expr: str, r: tuple) -> bool:
    return compile_condition(expr, NAMES)(r)


@pytest.mark.parametrize(
    ("expr", "visits", "expected"),
    [
        ("拜访次数 = 3", 3, True),
        ("拜访次数 = 3", 4, False),
        ("拜访次数 == 3", 3, True),
        ("拜访次数 != 3", 4, True),
        ("拜访次数 != 3", 3, False),
        ("拜访次数 <> 3", 4, True),
        ("拜访次数 > 3", 4, True),
        ("拜访次数 > 3", 3, False),
        ("拜访次数 >= 3", 3, True),
        ("拜访次数 >= 3", 2, False),
        ("拜访次数 < 3", 2, True),
        ("拜访次数 < 3", 3, False),
        ("拜访次数 <= 3", 3, True),
        ("拜访次数 <= 3", 4, False),
        ("拜访次数 ＝ 3", 3, True),
        ("拜访次数 ≥ 3", 3, True),
        ("拜访次数 ≤ 3", 4, False),
        ("拜访次数 ＞ 3", 4, True),
        ("拜访次数 ＜ 3", 2, True),
        ("拜访次数＞＝３", 3, True),
        ("拜访次数 ≠ 3", 3, False),
        ("3 <= 拜访次数", 3, True),
        ("3 > 拜访次数", 2, True),
    ],
)
def test_comparison_operators(expr: str, visits: int, expected: bool) -> None:
    assert check(expr, row(visits=visits)) is expected


@pytest.mark.parametrize(
    "expr",
    [
        "拜访次数 = 3",
        "拜访次数 != 3",
        "拜访次数 > 3",
        "拜访次数 >= 0",
        "拜访次数 < 3",
        "拜访次数 <= 3",
        '项目阶段 IN ("投标")',
        '项目阶段 NOT IN ("投标")',
    ],
)
def test_comparisons_with_a_blank_are_false(expr: str) -> None:
    assert check(expr, row()) is False


def test_blank_tests() -> None:
    for expr, phone, expected in [
        ("联系电话 非空", "138", True),
        ("联系电话 非空", None, False),
        ("联系电话 为空", None, True),
        ("联系电话 为空", "138", False),
        ("联系电话 IS BLANK", None, True),
        ("联系电话 is not blank", "138", True),
        ("联系电话 IS NOT BLANK", None, False),
        ("联系电话非空", "1", True),
        ("NOT 联系电话 为空", "1", True),
    ]:
        assert check(expr, row(phone=phone)) is expected, expr
    # a 是/否 column is three-state: only a blank one is blank, 否 is filled in
    for sent, blank in [(None, True), (False, False), (True, False)]:
        assert check("已送资料 为空", row(sent=sent)) is blank, sent
        assert check("已送资料 非空", row(sent=sent)) is not blank, sent


def test_bool_columns() -> None:
    for expr in [
        '已送资料 = "是"',
        "已送资料 = 是",
        "已送资料 = TRUE",
        "已送资料",
        "已送资料 = 'Y'",
        '已送资料 != "否"',
        "已送资料 = “是”",
        "已送资料 = ‘是’",
    ]:
        assert check(expr, row(sent=True)) is True, expr
        assert check(expr, row(sent=False)) is False, expr
    for expr in ['已送资料 = "是"', "已送资料 = 是", "已送资料", "已送资料 = TRUE"]:
        assert check(expr, row(sent=None)) is False, expr
    # blank is not 否: "!= 否" holds for it, as NOT (= 否) does
    assert check('已送资料 != "否"', row(sent=None)) is True


def test_and_or_not_in_english_and_chinese() -> None:
    r = row(visits=3, sent=True, impressed=False)
    assert check("拜访次数 >= 3 AND 已送资料", r) is True
    assert check("拜访次数 >= 3 and 印象较深", r) is False
    assert check("拜访次数 >= 3 且 印象较深", r) is False
    assert check("印象较深 OR 已送资料", r) is True
    assert check("印象较深 或 拜访次数 > 5", r) is False
    assert check("NOT 印象较深", r) is True
    assert check("非 印象较深", r) is True
    assert check("not not 印象较深", r) is False
    assert check("已送资料且拜访次数>=3", r) is True
    assert check("非印象较深", r) is True


def test_precedence_not_over_and_over_or() -> None:
    tree = parse("印象较深 OR 已送资料 AND NOT 拜访次数 > 3", list(NAMES))
    assert isinstance(tree, BoolOp) and tree.op == "OR"
    right = tree.operands[1]
    assert isinstance(right, BoolOp) and right.op == "AND"
    assert isinstance(right.operands[1], Not)
    assert isinstance(right.operands[1].operand, Compare)
    # impressed=True makes the OR true whatever the AND says
    assert check("印象较深 OR 已送资料 AND 拜访次数 > 3", row(impressed=True)) is True
    assert check("(印象较深 OR 已送资料) AND 拜访次数 > 3", row(impressed=True)) is False
    assert check("NOT (印象较深 OR 已送资料)", row()) is True


def test_in_and_not_in() -> None:
    assert check('项目阶段 IN ("投标", "中标")', row(stage="中标")) is True
    assert check('项目阶段 in ("投标", "中标")', row(stage="信息")) is False
    assert check('项目阶段 NOT IN ("投标", "中标")', row(stage="信息")) is True
    assert check('项目阶段 NOT IN ("投标")', row(stage="投标")) is False
    assert check('项目阶段 在 ("投标")', row(stage="投标")) is True
    assert check('项目阶段 = "投标"', row(stage="投标")) is True
    assert check("拜访次数 IN (1, 2, 3)", row(visits=2)) is True


def test_numbers_dates_and_strings() -> None:
    assert check("累计订单金额 >= 1.2万", row(amount=12000.0)) is True
    assert check("累计订单金额 >= 1.2万", row(amount=11999.0)) is False
    assert check("累计订单金额 > 1,000", row(amount=1000.5)) is True
    assert check("累计订单金额 > -1", row(amount=0.0)) is True
    d = dt.date(2024, 5, 3)
    for expr in [
        "最近拜访日期 = 2024-05-03",
        '最近拜访日期 = DATE "2024-05-03"',
        '最近拜访日期 = date "2024/5/3"',
        '最近拜访日期 = "2024年5月3日"',
        "最近拜访日期 >= 2024.5.3",
        "最近拜访日期 < 2024-05-04",
    ]:
        assert check(expr, row(visited=d)) is True, expr
    assert check("最近成交日期 < 最近拜访日期", row(visited=d, ordered=dt.date(2024, 1, 1)))
    assert check("最近成交日期 < 最近拜访日期", row(visited=d)) is False
    assert check('联系电话 = "138"', row(phone="138")) is True
    assert check("联系电话 = '138'", row(phone="139")) is False


def test_literals_parse_to_values() -> None:
    tree = parse("拜访次数 >= 3", list(NAMES))
    assert tree == Compare(">=", Name("拜访次数", 0), Literal(3, 8), 5)


@pytest.mark.parametrize(
    ("expr", "position", "words"),
    [
        ("拜访次数 >=", 8, "表达式不完整"),
        ("(拜访次数 > 3", 10, "“)”"),
        ("拜访次数 > 3)", 9, "表达式结束"),
        ("拜访次数 >> 3", 7, "应为值"),
        ('联系电话 = "138', 8, "引号没有闭合"),
        ("拜访次数 > 3 且", 11, "表达式不完整"),
        ("", 1, "条件为空"),
        ("拜访次数 ! 3", 6, "无法识别的字符"),
        ("最近拜访日期 > 2024-02-30", 10, "不是有效日期"),
        ('最近拜访日期 > DATE "明天"', 15, "不是有效日期"),
        ("联系电话 IS 3", 9, "应为BLANK"),
        ("项目阶段 IN 投标", 9, "“(”"),
    ],
)
def test_syntax_errors_carry_their_position(expr: str, position: int, words: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_condition(expr, NAMES)
    assert info.value.position == position, str(info.value)
    assert words in str(info.value)
    assert str(info.value).startswith(f"第 {position} 个字符处：")


@pytest.mark.parametrize(
    ("expr", "position", "words"),
    [
        ("拜访数 >= 3", 1, "未知的列名“拜访数”（是否指：拜访次数"),
        ("已送资料 = 是 且 印象深 = 是", 12, "未知的列名“印象深”"),
        ("已送资料X", 1, "未知的列名“已送资料X”"),
        ('拜访次数 >= "三"', 9, "应与数字比较"),
        ('已送资料 = "也许"', 8, '应与"是" 或 "否"比较'),
        ("已送资料 > 是", 6, "只能用 = 或 != 比较"),
        ('项目阶段 = "完工了"', 8, "没有选项“完工了”"),
        ("拜访次数", 1, "不是条件"),
        ("3 = 4", 3, "比较的一边应为列名"),
        ("联系电话 = 最近拜访日期", 6, "类型不同"),
        ("最近拜访日期 > 3", 10, "应与日期"),
    ],
)
def test_semantic_errors_carry_their_position(expr: str, position: int, words: str) -> None:
    with pytest.raises(ExprError) as info:
        compile_condition(expr, NAMES)
    assert info.value.position == position, str(info.value)
    assert words in str(info.value), str(info.value)


def test_nothing_is_evaluated_as_python() -> None:
    for expr in ["__import__('os').system('true')", "拜访次数 > 3 or __class__", "1 if 1 else 0"]:
        with pytest.raises(ExprError):
            compile_condition(expr, NAMES)


def test_sheet_names_cover_headers_and_derived_values_but_not_computed_columns() -> None:
    customers = sheet_names(SCHEMA.customers)
    assert customers["拜访次数"].kind is Kind.NUMBER
    assert customers["项目阶段"].index == len(SCHEMA.customers.columns)
    assert "客情等级" not in customers
    projects = sheet_names(SCHEMA.projects)
    assert projects["甲方等级"].kind is Kind.NUMBER
    assert projects["甲方等级"].index >= len(SCHEMA.projects.columns)
    assert projects["项目阶段"].choices[-1] == "丢单"


VECTOR_EXPRESSIONS = [
    "拜访次数 = 3",
    "拜访次数 != 3",
    "拜访次数 > 3",
    "拜访次数 >= 3",
    "拜访次数 < 3",
    "拜访次数 <= 3",
    "3 < 拜访次数",
    '已送资料 = "是"',
    '已送资料 = "否"',
    '已送资料 != "是"',
    '已送资料 != "否"',
    "已送资料",
    "NOT 已送资料",
    "已送资料 = 是的",
    "已送资料 != 没有",
    '已送资料 IN ("是")',
    '已送资料 NOT IN ("是")',
    '已送资料 NOT IN ("是", "否")',
    "已送资料 = 印象较深",
    "已送资料 != 印象较深",
    "已送资料 AND 印象较深 AND 拜访次数 > 1",
    "已送资料 OR 印象较深 OR 联系电话 非空",
    "联系电话 为空",
    "已送资料 为空",
    "印象较深 非空",
    '项目阶段 IN ("投标", "中标")',
    '项目阶段 NOT IN ("投标")',
    "最近成交日期 < 最近拜访日期",
    "最近拜访日期 >= 2024-05-03",
    "累计订单金额 > 1.2万 或 NOT (拜访次数 >= 2 且 印象较深)",
    "TRUE",
    "FALSE",
]
day = st.none() | st.dates(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
rows = st.lists(
    st.tuples(
        st.none() | st.integers(0, 6),
        st.none() | st.booleans(),
        st.none() | st.booleans(),
        st.none() | st.just("138"),
        st.none() | st.sampled_from(["信息", "编写标书", "投标", "中标"]),
        day,
        st.none() | st.sampled_from([0.0, 12000.0, 50000.0]),
        day,
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(rows)
def test_column_wise_compile_equals_row_wise(sample: list[tuple]) -> None:
    columns = [list(c) for c in zip(*sample, strict=True)] or [[] for _ in range(8)]
    for expr in VECTOR_EXPRESSIONS:
        by_row = [compile_condition(expr, NAMES)(r) for r in sample]
        assert compile_vector(expr, NAMES)(columns, len(sample)) == by_row, expr


def test_numbers_in_an_in_list_are_split_at_commas() -> None:
    # Inside IN ( … ) a comma separates values even without a space; elsewhere it may group
    # thousands (累计订单金额 > 1,000).
    assert check("拜访次数 IN (100,200,300)", row(visits=200)) is True
    assert check("拜访次数 IN (100,200,300)", row(visits=100200300)) is False
    assert check("拜访次数 NOT IN (1,234)", row(visits=234)) is False
    assert check("拜访次数 不在 (1,234)", row(visits=1234)) is True
    assert check("累计订单金额 > 1,000 且 拜访次数 IN (2,300)", row(visits=300, amount=1000.5))


def test_chinese_enumeration_comma_separates_in_list_values() -> None:
    assert check('项目阶段 IN ("投标"、"中标")', row(stage="中标")) is True
    assert check("拜访次数 IN (1、2)", row(visits=2)) is True


def test_date_literal_with_hao() -> None:
    assert check('最近拜访日期 = "2024年5月3号"', row(visited=dt.date(2024, 5, 3))) is True


@pytest.mark.parametrize("opener", ["(", "非 ", "NOT "])
def test_hostile_nesting_is_an_error_not_a_crash(opener: str) -> None:
    deep = opener * 500 + "拜访次数 >= 3" + (")" * 500 if opener == "(" else "")
    with pytest.raises(ExprError) as caught:
        parse(deep, sheet_names(SCHEMA.customers))
    assert "嵌套超过 50 层" in str(caught.value)
    fine = opener * 20 + "拜访次数 >= 3" + (")" * 20 if opener == "(" else "")
    parse(fine, sheet_names(SCHEMA.customers))


def test_hostile_nesting_in_a_rules_file_is_one_line(tmp_path) -> None:
    from click.testing import CliRunner

    from kqxl.cli import cli
    from kqxl.rules import default_rules_text

    path = tmp_path / "规则.toml"
    path.write_text(
        default_rules_text().replace("'拜访次数 >= 3", "'" + "(" * 300 + "拜访次数 >= 3", 1),
        "utf-8",
    )
    result = CliRunner().invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 2
    assert "嵌套超过 50 层" in result.stderr and result.stderr.count("\n") == 1
