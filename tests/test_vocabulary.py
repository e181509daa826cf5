"""One vocabulary for cells and conditions: three-state 是/否, the same words, the same dates.

A 是/否 cell is 是, 否 or blank, and blank is not 否. A rule condition accepts exactly the
是/否 spellings and date forms a cell accepts, read by the same code, with the same meaning.
"""

from __future__ import annotations

import datetime as dt
import doctest
import unicodedata

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from test_engine_helpers import customer, grid, project, run

import kqxl.vocabulary
from kqxl.cells import SheetGrid
from kqxl.engine import convert_column, validate_sheet
from kqxl.rules import ExprError, compile_condition, parse_rules, sheet_names
from kqxl.schema import SCHEMA, ColumnType
from kqxl.vocabulary import NO_WORDS, YES_WORDS

CS = SCHEMA.customers
NAMES = sheet_names(CS)
SENT = NAMES["已送资料"].index
VISITED = NAMES["最近拜访日期"].index
WIDTH = len(CS.columns) + 1  # the columns, then the derived 项目阶段


def slots(**at: object) -> tuple[object, ...]:
    """A customer row tuple, blank but for the named slots (``sent=``, ``visited=``)."""
    row: list[object] = [None] * WIDTH
    if "sent" in at:
        row[SENT] = at["sent"]
    if "visited" in at:
        row[VISITED] = at["visited"]
    return tuple(row)


def holds(expr: str, **at: object) -> bool:
    return compile_condition(expr, NAMES)(slots(**at))


def test_the_vocabulary_examples_hold() -> None:
    assert doctest.testmod(kqxl.vocabulary).failed == 0


# --------------------------------------------------------------------- three-state 是/否


def test_blank_is_none_not_false_through_validate() -> None:
    rows = [
        customer("甲", "甲方", 已送资料="是"),
        customer("乙", "甲方", 已送资料="否"),
        customer("丙", "甲方", 已送资料=None),
        customer("丁", "甲方", 已送资料=" 　"),
        customer("戊", "甲方", 已送资料="也许"),
    ]
    data = validate_sheet(grid(CS, rows), CS)
    sent = data.values["sent_materials"]
    assert sent == [True, False, None, None, None]
    assert [type(v) for v in sent] == [bool, bool, type(None), type(None), type(None)]
    assert [(f.code, f.row) for f in data.findings] == [("not_a_bool", 7)]
    # a 是/否 column the sheet does not have is blank too, not 否
    assert data.values["has_inquiry"] == [None] * 5


def test_a_sheet_without_any_checklist_column_has_only_blanks() -> None:
    hdrs = ["客户名称", "客户类型", "负责人"]
    data = validate_sheet(SheetGrid("客户", [hdrs, ["甲", "甲方", "张三"]]), CS)
    for col in CS.columns:
        if col.type is ColumnType.BOOL:
            assert data.values[col.key] == [None], col.header


@pytest.mark.parametrize(
    ("expr", "yes", "no", "blank"),
    [
        ('已送资料 = "是"', True, False, False),
        ("已送资料", True, False, False),
        ('已送资料 = "否"', False, True, False),
        ('已送资料 != "是"', False, True, True),
        ('已送资料 != "否"', True, False, True),
        ("NOT 已送资料", False, True, True),
        ("已送资料 为空", False, False, True),
        ("已送资料 非空", True, True, False),
        ('已送资料 IN ("是", "否")', True, True, False),
        ('已送资料 NOT IN ("是", "否")', False, False, True),
    ],
)
def test_three_states_in_conditions(expr: str, yes: bool, no: bool, blank: bool) -> None:
    assert (holds(expr, sent=True), holds(expr, sent=False), holds(expr, sent=None)) == (
        yes,
        no,
        blank,
    )


THREE_STATE_RULES = """
version = 1
[labels]
grades = ["未评级", "I级", "II级", "III级"]
[checklists."甲方"]
cumulative = false
[[checklists."甲方".levels]]
level = 1
conditions = [{ label = "未送", when = '已送资料 != "是"' }]
[[checklists."甲方".levels]]
level = 2
conditions = [{ label = "明确未送", when = '已送资料 = "否"' }]
[[checklists."甲方".levels]]
level = 3
conditions = [{ label = "未填", when = '已送资料 为空' }]
[heat]
[[heat.levels]]
percent = 30
conditions = [{ label = "总包", when = "总包等级 >= 1" }]
"""


def test_blank_and_no_grade_differently_end_to_end() -> None:
    rules = parse_rules(THREE_STATE_RULES)
    rows = [
        customer(name, "甲方", 已送资料=v)
        for name, v in zip("甲乙丙", ["是", "否", None], strict=True)
    ]
    result = run(rows, rules=rules)
    assert [c["grade_level"] for c in result.customers] == [0, 2, 3]


# --------------------------------------------------------------------- one set of words


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("是的", True),
        ("Y", True),
        ("y", True),
        ("√", True),
        ("✅", True),
        ("对", True),
        ("有", True),
        ("ＹＥＳ", True),
        ("不是", False),
        ("N", False),
        ("×", False),
        ("没有", False),
        ("无", False),
    ],
)
def test_a_rule_takes_the_words_a_cell_takes(word: str, value: bool) -> None:
    assert convert_column([word], ColumnType.BOOL) == ([value], [])
    for expr in (f'已送资料 = "{word}"', f"已送资料 = “{word}”", f"已送资料 = {word}"):
        assert holds(expr, sent=value) is True, expr
        assert holds(expr, sent=not value) is False, expr
        assert holds(expr, sent=None) is False, expr


@pytest.mark.parametrize("word", ["", " ", "也许", "2", "#N/A", "是是"])
def test_a_rule_refuses_what_a_cell_does_not_read_as_yes_or_no(word: str) -> None:
    with pytest.raises(ExprError, match='应与"是" 或 "否"比较'):
        compile_condition(f'已送资料 = "{word}"', NAMES)


def test_an_unquoted_word_that_is_a_column_stays_a_column() -> None:
    # 印象较深 is a column, not a word: the comparison is between two columns.
    assert holds("已送资料 = 印象较深", sent=True) is False  # 印象较深 blank


# Every character that opens or closes a string in a condition, as a rule file is folded.
QUOTES = set("\"'“”‘’「」『』")


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


spellings = st.builds(
    lambda word, case, width, pad: pad + width(case(word)) + pad,
    st.sampled_from(YES_WORDS + NO_WORDS),
    st.sampled_from([str, str.lower, str.title, str.upper]),
    st.sampled_from([str, _full_width]),
    st.sampled_from(["", " ", "　", "\t"]),
)


def _cell_reading(value: object) -> bool | str:
    """What a 是/否 cell makes of ``value``: True/False, or "no" when it is no 是/否 word."""
    out, bads = convert_column([value], ColumnType.BOOL)
    return "no" if bads or out[0] is None else out[0]


def _rule_reading(literal: str) -> bool | str:
    """What ``已送资料 = <literal>`` tests for: True/False, or "no" when the rule is refused."""
    try:
        predicate = compile_condition(f"已送资料 = {literal}", NAMES)
    except ExprError:
        return "no"
    held = {v: predicate(slots(sent=v)) for v in (True, False, None)}
    assert held[None] is False  # blank is never 是 nor 否
    assert held[True] != held[False]  # exactly one of them
    return held[True]


@settings(max_examples=300, deadline=None)
@given(spellings | st.text(max_size=6))
@example("")
@example("T")
@example("☐")
def test_condition_and_cell_vocabularies_agree_on_every_spelling(word: str) -> None:
    assume(not any(q in unicodedata.normalize("NFKC", ch) for ch in word for q in QUOTES))
    assert _rule_reading(f'"{word}"') == _cell_reading(word), repr(word)


@settings(max_examples=60, deadline=None)
@given(st.integers(-3, 3) | st.sampled_from([0.0, 1.0, 0.5, 1.5]))
def test_numbers_read_alike_in_conditions_and_cells(number: float) -> None:
    assert _rule_reading(str(number)) == _cell_reading(number)


# --------------------------------------------------------------------- one date reader


def _date_forms(day: dt.date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    return [
        f"{y}.{m}.{d}",
        f"{y}/{m}/{d}",
        f"{y}-{m:02d}-{d:02d}",
        f"{y}年{m}月{d}日",
        f"{y}年{m}月{d}号",
        f"{y:04d}{m:02d}{d:02d}",
        f"{y} / {m} / {d}",
        f"{y}-{m:02d}-{d:02d} 10:30",
        f"{y}-{m:02d}-{d:02d}T10:30:15",
        _full_width(f"{y}.{m}.{d}"),
        f"　{y}年{m}月{d}日 ",
    ]


def _cell_date(value: object) -> dt.date | str:
    out, bads = convert_column([value], ColumnType.DATE)
    return "no" if bads or out[0] is None else out[0]


def test_a_rule_date_in_every_form_a_cell_accepts() -> None:
    day = dt.date(2024, 5, 3)
    for form in _date_forms(day):
        assert _cell_date(form) == day, form
        assert holds(f'最近拜访日期 = "{form}"', visited=day), form
        assert holds(f'最近拜访日期 = DATE "{form}"', visited=day), form
        assert not holds(f'最近拜访日期 = "{form}"', visited=day + dt.timedelta(days=1)), form
    for bare in ("2024.5.3", "2024/5/3", "2024-05-03", "2024年5月3日", "2024年5月3号"):
        assert holds(f"最近拜访日期 = {bare}", visited=day), bare
    # 20240503 typed as a number is a date in a cell and in a rule
    assert _cell_date(20240503) == day
    assert holds("最近拜访日期 = 20240503", visited=day)
    assert holds("最近拜访日期 = DATE 20240503", visited=day)


def test_a_serial_number_is_a_date_only_in_a_cell() -> None:
    # A cell knows its workbook's date system; a rule is used with workbooks of both.
    assert _cell_date(45000) == dt.date(2023, 3, 15)
    with pytest.raises(ExprError, match="应与日期"):
        compile_condition("最近拜访日期 >= 45000", NAMES)


@pytest.mark.parametrize("form", ["1899.12.31", "2101-01-01", "2024-02-30", "5/3/2024", "明天"])
def test_a_rule_refuses_a_date_a_cell_refuses(form: str) -> None:
    assert _cell_date(form) == "no"
    with pytest.raises(ExprError):
        compile_condition(f'最近拜访日期 = DATE "{form}"', NAMES)


@settings(max_examples=40, deadline=None)
@given(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
def test_every_cell_date_form_is_the_same_rule_date(day: dt.date) -> None:
    for form in _date_forms(day):
        assert _cell_date(form) == day, form
        assert holds(f'最近拜访日期 = "{form}"', visited=day), form


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="0123456789２０-/.年月日号 :T", max_size=16))
@example("2024-05-03")
@example("20240503")
@example("2024 年 5 月 3 日")
def test_text_reads_as_the_same_date_in_a_rule_and_a_cell(text: str) -> None:
    expected = _cell_date(text)
    try:
        predicate = compile_condition(f'最近拜访日期 = "{text}"', NAMES)
    except ExprError:
        assert expected == "no", text
        return
    assert expected != "no", text
    assert isinstance(expected, dt.date)
    assert predicate(slots(visited=expected))
    assert not predicate(slots(visited=expected + dt.timedelta(days=1)))


# --------------------------------------------------------------------- raw kept


def test_sheet_data_keeps_what_the_rep_typed_beside_the_reading() -> None:
    rows = [
        customer("甲", "甲方", 累计订单金额="1.2万", 已送资料="√", 最近拜访日期="2024.5.3"),
        customer("乙", "甲方", 累计订单金额=3500, 已送资料=None, 拜访次数="很多"),
    ]
    data = validate_sheet(grid(CS, rows), CS)
    assert data.values["order_amount"] == [12000.0, 3500.0]
    assert list(data.raw["order_amount"]) == ["1.2万", 3500]
    assert list(data.raw["sent_materials"]) == ["√", None]
    assert data.values["sent_materials"] == [True, None]
    assert list(data.raw["last_visit"]) == ["2024.5.3", None]
    assert data.values["last_visit"] == [dt.date(2024, 5, 3), None]
    # a bad cell is None in the reading and still there, as typed, in the raw column
    assert data.values["visit_count"] == [None, None]
    assert list(data.raw["visit_count"]) == [None, "很多"]


def test_raw_columns_are_the_transposed_columns_not_copies() -> None:
    rows = [customer(f"客户{i}", "甲方", 联系电话=f"138{i}") for i in range(3)]
    data = validate_sheet(grid(CS, rows), CS)
    phones = data.raw["contact_phone"]
    assert isinstance(phones, tuple) and list(phones) == ["1380", "1381", "1382"]
    # every column the sheet lacks shares one tuple of blanks
    lacking = validate_sheet(SheetGrid("客户", [["客户名称", "客户类型", "负责人"], ["甲"]]), CS)
    assert lacking.raw["fax"] is lacking.raw["address"]
    assert lacking.raw["fax"] == (None,)


def test_raw_skips_blank_rows_as_values_do() -> None:
    sheet = grid(CS, [customer("甲", "甲方"), {}, customer("乙", "总包", 已送资料="Y")])
    data = validate_sheet(sheet, CS)
    assert data.rows == [3, 5]
    assert list(data.raw["customer_name"]) == ["甲", "乙"]
    assert list(data.raw["sent_materials"]) == [None, "Y"]
    assert len(data.raw["grade"]) == 2  # computed columns as read too


# --------------------------------------------------------------------- shipped rules unchanged

CHECKS = [c.header for c in CS.columns if c.type is ColumnType.BOOL and not c.is_computed]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["甲方", "总包"]),
    st.dictionaries(st.sampled_from(CHECKS), st.sampled_from(["是", "否", None, "√", "没有"])),
    st.none() | st.integers(0, 6),
)
def test_the_shipped_rules_grade_a_blank_as_they_grade_a_no(
    ctype: str, ticks: dict[str, str | None], visits: int | None
) -> None:
    # The shipped rules only ask = "是": whether an unticked box is blank or 否 never matters.
    as_typed = {h: ticks.get(h) for h in CHECKS}
    as_no = {h: "否" if v is None else v for h, v in as_typed.items()}
    as_blank = {h: None if v in ("否", "没有") else v for h, v in as_typed.items()}
    grades = [
        (c["grade_level"], c["grade_reasons"], c["grade_gaps"])
        for c in run(
            [
                customer("甲", ctype, 拜访次数=visits, 联系电话="1", **as_typed),
                customer("乙", ctype, 拜访次数=visits, 联系电话="1", **as_no),
                customer("丙", ctype, 拜访次数=visits, 联系电话="1", **as_blank),
            ]
        ).customers
    ]
    assert grades[0] == grades[1] == grades[2]


PROJECT_CHECKS = [
    c.header for c in SCHEMA.projects.columns if c.type is ColumnType.BOOL and not c.is_computed
]


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(PROJECT_CHECKS), st.sampled_from(["是", "否", None, "Y", "不是"])
    ),
    st.integers(0, 4),
    st.integers(0, 4),
    st.sampled_from(["信息", "编写标书", "投标", "签约"]),
)
def test_the_shipped_rules_heat_a_blank_as_they_heat_a_no(
    ticks: dict[str, str | None], client_level: int, contractor_level: int, stage: str
) -> None:
    as_typed = {h: ticks.get(h) for h in PROJECT_CHECKS}
    as_no = {h: "否" if v is None else v for h, v in as_typed.items()}
    as_blank = {h: None if v in ("否", "不是") else v for h, v in as_typed.items()}
    result = run(
        [customer("甲", "甲方", client_level), customer("总", "总包", contractor_level)],
        [
            project(name, "甲", "总", 项目阶段=stage, **cells)
            for name, cells in (("一", as_typed), ("二", as_no), ("三", as_blank))
        ],
    )
    heats = [(p["heat"], p["heat_reasons"], p["heat_gaps"]) for p in result.projects]
    assert heats[0] == heats[1] == heats[2]
