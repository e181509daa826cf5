"""Rules files: the shipped default, loading, dumping, describing, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kqxl.errors import RulesError
from kqxl.rules import (
    RuleLine,
    default_rules_text,
    describe_rules,
    dump_rules,
    format_rules,
    load_rules,
    parse_rules,
)

DEFAULT = default_rules_text()


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line containing ``needle``."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[nth - 1]


def error_of(text: str) -> str:
    with pytest.raises(RulesError) as info:
        parse_rules(text, source="公司规则.toml")
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_default_rules_hold_spec_two_and_three() -> None:
    rules = load_rules()
    assert list(rules.checklists) == ["甲方", "总包"]
    assert rules.labels.grades == ("未评级", "I级", "II级", "III级", "IV级")
    assert rules.labels.not_applicable == "不适用"
    for ctype, sizes in (("甲方", [5, 5, 5, 4]), ("总包", [5, 5, 5, 5])):
        checklist = rules.checklists[ctype]
        assert checklist.cumulative is True
        assert [lv.level for lv in checklist.levels] == [1, 2, 3, 4]
        assert [len(lv.conditions) for lv in checklist.levels] == sizes
        assert {lv.require for lv in checklist.levels} == {"all"}
    assert [h.percent for h in rules.heat.levels] == [90, 70, 50, 30]
    assert [len(h.conditions) for h in rules.heat.levels] == [2, 4, 4, 2]
    assert {h.require for h in rules.heat.levels} == {"half"}
    assert (rules.heat.floor, rules.heat.cumulative) == (0, False)
    client_one = [c.when for c in rules.checklists["甲方"].levels[0].conditions]
    assert "联系电话 非空" in client_one
    assert '拜访次数 >= 3 且 不排斥业务员 = "是"' in client_one
    assert '拜访次数 >= 5 且 不排斥业务员 = "是"' in [
        c.when for c in rules.checklists["总包"].levels[0].conditions
    ]
    assert "累计订单金额 > 0" in [c.when for c in rules.checklists["总包"].levels[1].conditions]
    assert rules.heat.levels[3].conditions[1].when == "总包等级 >= 1"


def test_load_rules_from_a_file_and_none(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(DEFAULT, encoding="utf-8")
    assert load_rules(path) == load_rules(None)
    path.write_bytes(b"\xef\xbb\xbf" + DEFAULT.encode())  # a BOM from Notepad
    assert load_rules(str(path)) == load_rules()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="规则文件不存在"):
        load_rules(tmp_path / "nope.toml")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b"version = 1\nname = '\xff'\n")  # neither UTF-8 nor GBK
    with pytest.raises(RulesError, match=r"第 2 行.*UTF-8"):
        load_rules(path)


def test_a_gbk_file_is_named_as_such_with_the_fix(tmp_path: Path) -> None:
    # Notepad on Chinese Windows used to save as "ANSI", i.e. GBK.
    path = tmp_path / "gbk.toml"
    path.write_bytes("version = 1\nname = '规则'\n".encode("gbk"))
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert info.value.code == "rules_encoding"
    assert str(info.value) == (
        f"{path}：该文件是 GBK 编码，请另存为 UTF-8"
        "（记事本：文件 → 另存为 → 编码选“UTF-8”）后重试。"
    )


def test_dump_round_trips_the_default() -> None:
    rules = load_rules()
    text = dump_rules(rules)
    assert parse_rules(text) == rules
    assert dump_rules(parse_rules(text)) == text


def test_describe_rules_lines() -> None:
    lines = describe_rules(load_rules())
    assert lines[0] == RuleLine(
        section="甲方",
        level="I级",
        require="全部满足",
        label="已送公司产品、资质等资料",
        expression='已送资料 = "是"',
    )
    assert lines[5].level == "II级" and lines[5].require == "全部满足，且低一级已达到"
    heat = [ln for ln in lines if ln.section == "成交热度"]
    assert [ln.level for ln in heat][:3] == ["90%", "90%", "70%"]
    assert heat[0].require == "至少满足一半（1/2 项）"
    assert heat[2].require == "至少满足一半（2/4 项）"
    assert heat[-1].level == "0%" and heat[-1].label == "以上都不满足时的热度"
    assert len(lines) == 19 + 20 + 12 + 1
    text = format_rules(load_rules())
    assert text.splitlines()[0] == "【甲方】"
    assert "【成交热度】" in text


def test_require_k_is_described() -> None:
    rules = parse_rules(DEFAULT.replace('level = 1\nrequire = "all"', "level = 1\nrequire = 4", 1))
    assert describe_rules(rules)[0].require == "至少满足 4/5 项"


# ------------------------------------------------------------------------------ errors


def test_bad_expression_names_line_field_and_position() -> None:
    bad = DEFAULT.replace("when = '已介绍产品 = \"是\"'", "when = '已介绍产品 = \"是\" 且'", 1)
    message = error_of(bad)
    line = line_of(bad, '已介绍产品 = "是" 且')
    assert message.startswith(f"公司规则.toml：第 {line} 行，")
    assert 'checklists."甲方".levels[1].conditions[2].when' in message
    assert "条件“已介绍公司和产品特点”" in message and "第 14 个字符处" in message


def test_unknown_column_in_a_heat_condition() -> None:
    bad = DEFAULT.replace("总包等级 >= 1", "总包级别 >= 1")
    message = error_of(bad)
    assert f"第 {line_of(bad, '总包级别')} 行" in message
    assert "heat.levels[4].conditions[2].when" in message
    assert "未知的列名“总包级别”" in message and "总包等级" in message


@pytest.mark.parametrize(
    ("old", "new", "needle", "nth", "field", "words"),
    [
        (
            'require = "half"',
            'require = "most"',
            'require = "most"',
            1,
            "heat.levels[1].require",
            '实际为 "most"',
        ),
        (
            'require = "half"',
            "require = 5",
            "require = 5",
            1,
            "heat.levels[1].require",
            "1 到 2 之间的整数",
        ),
        (
            'require = "all"',
            "require = 0",
            "require = 0",
            1,
            'checklists."甲方".levels[1].require',
            "require 应为",
        ),
        (
            "level = 2",
            "level = 1",
            "level = 1",
            2,
            'checklists."甲方".levels[2].level',
            "等级 1 重复出现",
        ),
        (
            "level = 4",
            "level = 5",
            "level = 5",
            1,
            'checklists."甲方".levels[4].level',
            "1 到 4 之间",
        ),
        (
            "percent = 70",
            "percent = 90",
            "percent = 90",
            2,
            "heat.levels[2].percent",
            "热度 90% 重复出现",
        ),
        (
            "percent = 50",
            "percent = 150",
            "percent = 150",
            1,
            "heat.levels[3].percent",
            "≤ 100 的整数",
        ),
        (
            "percent = 50",
            'percent = "50"',
            'percent = "50"',
            1,
            "heat.levels[3].percent",
            "应为整数",
        ),
        ("floor = 0 ", "floor = -10 ", "floor = -10", 1, "heat.floor", "≥ 0 的整数"),
        (
            "cumulative = true",
            "cumulativ = true",
            "cumulativ = true",
            1,
            'checklists."甲方".cumulativ',
            "未知的设置项",
        ),
        (
            "cumulative = true",
            'cumulative = "yes"',
            'cumulative = "yes"',
            1,
            'checklists."甲方".cumulative',
            "true 或 false",
        ),
        (
            '{ label = "与客户单独约见过", when',
            '{ lable = "与客户单独约见过", when',
            "lable",
            1,
            'checklists."甲方".levels[2].conditions[2].lable',
            "未知的设置项",
        ),
    ],
)
def test_bad_values_name_line_and_field(
    old: str, new: str, needle: str, nth: int, field: str, words: str
) -> None:
    assert old in DEFAULT
    bad = DEFAULT.replace(old, new, 1)
    message = error_of(bad)
    assert f"第 {line_of(bad, needle, nth)} 行" in message, message
    assert f"，{field}：" in message, message
    assert words in message, message


def test_level_out_of_range_and_missing_sections() -> None:
    assert "1 到 4 之间" in error_of(DEFAULT.replace("level = 2\n", "level = 9\n", 1))
    message = error_of(DEFAULT.split("\n[heat]")[0])
    assert "，heat：缺少此项" in message


def test_levels_must_be_consecutive() -> None:
    text = (
        '[checklists."甲方"]\n\n[[checklists."甲方".levels]]\nlevel = 2\n'
        'conditions = [{ label = "a", when = "已送资料" }]\n\n[heat]\n\n[[heat.levels]]\n'
        'percent = 30\nconditions = [{ label = "b", when = "总包等级 >= 1" }]\n'
    )
    message = error_of(text)
    assert "缺少等级 1" in message and "第 1 行" in message


def test_toml_syntax_error_has_its_line() -> None:
    bad = DEFAULT.replace("percent = 70", "percent = = 70")
    message = error_of(bad)
    assert f"第 {line_of(bad, 'percent = = 70')} 行" in message
    assert "不是有效的 TOML" in message


def test_grade_labels_need_two() -> None:
    labels = 'grades = ["未评级", "I级", "II级", "III级", "IV级"]'
    bad = DEFAULT.replace(labels, 'grades = ["未评级"]')
    message = error_of(bad)
    assert "labels.grades" in message and "至少需要 2 项" in message
    assert f"第 {line_of(bad, 'grades =')} 行" in message


NESTED = """[checklists."甲方"]

[[checklists."甲方".levels]]
level = 1

[[checklists."甲方".levels.conditions]]
label = "a"
when = "已送资料"

[[checklists."甲方".levels]]
level = 2

[[checklists."甲方".levels.conditions]]
label = "b"
when = "已送资料"

[[checklists."甲方".levels.conditions]]
label = "c"
when = "印象较深"

[heat]

[[heat.levels]]
percent = 30
conditions = [{ label = "d", when = "总包等级 >= 1" }]
"""


def test_nested_arrays_of_tables_name_the_right_line() -> None:
    # conditions written as [[….levels.conditions]] blocks: the index counts within its level
    parse_rules(NESTED)
    bad = NESTED.replace('when = "印象较深"', 'when = "印象较深X"')
    message = error_of(bad)
    assert f"第 {line_of(bad, '印象较深X')} 行" in message, message
    assert 'checklists."甲方".levels[2].conditions[2].when' in message
    bad = NESTED.replace('label = "a"', 'lable = "a"')
    message = error_of(bad)
    assert f"第 {line_of(bad, 'lable')} 行" in message, message
    assert 'checklists."甲方".levels[1].conditions[1].lable' in message


@pytest.mark.parametrize(
    ("bad", "line", "words"),
    [
        ('version = 1\nname = "x"\n[labels\n', 3, "表头缺少“]”"),
        ("version = \n", 1, "值无效"),
        ("[heat]\nfloor = 1\nfloor = 2\n", 3, "重复"),
        ('name = "abc\n', 1, "引号没有闭合"),
        ("conditions = [1, 2\n", 1, "数组没有闭合"),
        ("a = 1\nb = [1,\n", 2, "值无效"),
    ],
)
def test_toml_syntax_errors_are_told_in_chinese(bad: str, line: int, words: str) -> None:
    message = error_of(bad)
    assert message.startswith(f"公司规则.toml：第 {line} 行，-：不是有效的 TOML（"), message
    assert words in message, message
    assert not any("a" <= ch.lower() <= "z" for ch in message.split("TOML（", 1)[1]), message
