"""Hostile rules files and rules the workbook cannot hold: refused when the rules are loaded,
through ``kqxl rules check`` and ``--rules`` alike, with file, line and field in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kqxl.book.template import write_template
from kqxl.cells import SheetGrid
from kqxl.cli import cli
from kqxl.demo import TODAY, sample_team
from kqxl.errors import RulesError
from kqxl.rules import default_rules_text, load_rules
from kqxl.rules.io import MAX_RULES_BYTES, parse_rules
from kqxl.rules.limits import MAX_CELL_TEXT, MAX_CONDITIONS, MAX_CONDITIONS_IN_ALL
from kqxl.rules.sheet import read_rules_sheet, rules_sheet

BASE = default_rules_text()
FIRST_LABEL = '{ label = "已送公司产品、资质等资料", '


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.output


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def check_refused(path: Path, line: int, field: str, words: str) -> str:
    code, out = run("rules", "check", path)
    assert code == 2, out
    assert "Traceback" not in out and "Error" not in out
    message = out.strip().splitlines()[-1] if "\n" in out.strip() else out.strip()
    m = re.search(r"第 (\d+) 行，(.+?)：", out)
    assert m, out
    assert (int(m[1]), m[2]) == (line, field), out
    assert words in out, out
    assert len(message) < 400  # one readable line, not the hostile value echoed back
    return out


def write(tmp_path: Path, text: str, name: str = "规则.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


# --------------------------------------------------------------------------------------------
# Defect 6: hostile TOML gives the documented message, not an internal English error


def test_deeply_nested_arrays(tmp_path: Path) -> None:
    text = BASE + "\nextra = " + "[" * 5000 + "]" * 5000 + "\n"
    check_refused(write(tmp_path, text), text.count("\n"), "-", "嵌套层数过多")


def test_deeply_nested_inline_tables(tmp_path: Path) -> None:
    text = BASE + "\nextra = " + "{ a = " * 3000 + "1" + " }" * 3000 + "\n"
    check_refused(write(tmp_path, text), text.count("\n"), "-", "嵌套层数过多")


def test_five_thousand_digit_number(tmp_path: Path) -> None:
    text = BASE.replace("version = 1", "version = " + "9" * 5000, 1)
    check_refused(write(tmp_path, text), line_of(text, "version ="), "-", "5000 位")


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    text = BASE + "\n" + "# 注释\n" * (MAX_RULES_BYTES // 4)
    check_refused(write(tmp_path, text), 1, "-", "规则文件过大")


def test_ten_megabyte_string(tmp_path: Path) -> None:
    text = BASE.replace('name = "默认规则', 'name = "' + "长" * 10_000_000 + "默认规则", 1)
    check_refused(write(tmp_path, text), 1, "-", "规则文件过大")


def test_long_text_in_a_rules_sheet_is_refused_too() -> None:
    # the 规则 sheet's text reaches parse_rules without a file size
    with pytest.raises(RulesError) as info:
        parse_rules(BASE + "\n" + "# 注释\n" * MAX_RULES_BYTES, source="x.xlsx", first_line=9)
    assert "规则文件过大" in str(info.value)


def test_nul_byte(tmp_path: Path) -> None:
    text = BASE.replace('name = "默认规则', 'name = "\x00默认规则', 1)
    check_refused(write(tmp_path, text), line_of(text, "name ="), "-", "U+0000")


def test_escaped_control_character_in_a_label(tmp_path: Path) -> None:
    text = BASE.replace(FIRST_LABEL, '{ label = "已送\\u0001资料", ', 1)
    out = check_refused(
        write(tmp_path, text),
        line_of(text, "已送\\u0001"),
        'checklists."甲方".levels[1].conditions[1].label',
        "U+0001",
    )
    assert "控制字符" in out


@pytest.mark.parametrize(
    ("value", "shown"), [("1e400", "inf"), ("inf", "inf"), ("nan", "nan"), ("-inf", "-inf")]
)
def test_float_where_a_count_is_expected(tmp_path: Path, value: str, shown: str) -> None:
    text = BASE.replace("floor = 0", f"floor = {value}", 1)
    check_refused(write(tmp_path, text), line_of(text, "floor ="), "heat.floor", shown)


def test_float_as_require(tmp_path: Path) -> None:
    text = BASE.replace('percent = 90\nrequire = "half"', "percent = 90\nrequire = nan", 1)
    assert "require = nan" in text
    check_refused(
        write(tmp_path, text), line_of(text, "require = nan"), "heat.levels[1].require", "nan"
    )


@pytest.mark.parametrize("date", ["0000-01-01", "2024-02-30", "10000-01-01"])
def test_date_out_of_range(tmp_path: Path, date: str) -> None:
    text = BASE.replace("version = 1", f"version = {date}", 1)
    code, out = run("rules", "check", write(tmp_path, text))
    assert code == 2 and "Traceback" not in out
    assert re.search(r"第 5 行，[^：]+：", out), out


def test_thousands_of_conditions(tmp_path: Path) -> None:
    many = "".join(f"  {{ label = \"条件{k}\", when = '拜访次数 >= {k}' }},\n" for k in range(5000))
    text = BASE.replace("conditions = [\n", "conditions = [\n" + many, 1)
    check_refused(
        write(tmp_path, text),
        line_of(text, "conditions = ["),
        'checklists."甲方".levels[1].conditions',
        f"最多 {MAX_CONDITIONS} 项",
    )


def test_thousands_of_heat_conditions_in_all(tmp_path: Path) -> None:
    # 29 more heat levels of a hundred conditions each: every project row would test 3,000
    levels = "".join(
        f"\n[[heat.levels]]\npercent = {p}\nconditions = [\n"
        + "".join(f"  {{ label = \"条件{k}\", when = '拜访次数 >= {k}' }},\n" for k in range(100))
        + "]\n"
        for p in range(1, 30)
    )
    text = BASE.replace(
        "\n[[heat.levels]]\npercent = 90\n", levels + "\n[[heat.levels]]\npercent = 90\n", 1
    )
    assert text != BASE
    check_refused(
        write(tmp_path, text),
        _nth_conditions_line(
            text, BASE[: BASE.index("[[heat.levels]]")].count("conditions = [") + 11
        ),
        "heat.levels[11].conditions",
        f"合计最多 {MAX_CONDITIONS_IN_ALL} 个条件",
    )


def test_thousands_of_levels(tmp_path: Path) -> None:
    labels = ", ".join(f'"{k}级"' for k in range(3000))
    text = re.sub(r"grades = \[[^\]]*\]", f"grades = [{labels}]", BASE, count=1)
    check_refused(write(tmp_path, text), line_of(text, "grades ="), "labels.grades", "最多")


# --------------------------------------------------------------------------------------------
# Defect 7: what the workbook cannot hold is a rules problem, found by rules check and --rules


@pytest.fixture()
def rep_book(tmp_path: Path) -> Path:
    customers, projects = sample_team()["张伟"]
    return write_template(
        tmp_path / "客户跟进表-张伟.xlsx",
        "rep",
        load_rules(None),
        rep_name="张伟",
        customers=customers,
        projects=projects,
    )


def long_label_rules(tmp_path: Path) -> tuple[Path, str]:
    text = BASE.replace(FIRST_LABEL, '{ label = "' + "长" * 40_000 + '", ', 1)
    return write(tmp_path, text), text


def test_a_forty_thousand_character_label_fails_the_check(tmp_path: Path) -> None:
    path, text = long_label_rules(tmp_path)
    out = check_refused(
        path,
        line_of(text, "长长长"),
        'checklists."甲方".levels[1].conditions[1].label',
        f"超过上限 {MAX_CELL_TEXT}",
    )
    assert "单元格" not in out.split("：", 1)[0]  # the rules file is named, not a cell


def test_a_forty_thousand_character_label_fails_recompute_as_a_rules_problem(
    tmp_path: Path, rep_book: Path
) -> None:
    path, text = long_label_rules(tmp_path)
    before = rep_book.read_bytes()
    code, out = run("recompute", rep_book, "--rules", path, "--today", TODAY.isoformat())
    assert code == 2, out
    assert str(path) in out and f"第 {line_of(text, '长长长')} 行" in out, out
    assert "请改为文本" not in out
    assert rep_book.read_bytes() == before


def test_labels_that_fit_alone_but_not_joined_in_one_cell(tmp_path: Path) -> None:
    # six labels of 6,000 characters each: every label fits a cell, the 升级差距 cell does not
    six = "".join(
        f"  {{ label = \"{chr(0x4E00 + k) * 6000}\", when = '拜访次数 >= {k}' }},\n"
        for k in range(6)
    )
    text = BASE.replace("conditions = [\n", "conditions = [\n" + six, 1)
    check_refused(
        write(tmp_path, text),
        line_of(text, "conditions = ["),
        'checklists."甲方".levels[1].conditions',
        "升级差距",
    )


def test_reasons_of_a_cumulative_checklist_add_up(tmp_path: Path) -> None:
    # each level fits, all four levels' reasons together (等级依据 of a IV级 customer) do not
    text = BASE
    for k, label in enumerate(re.findall(r'label = "([^"]+)"', BASE)[:16]):
        text = text.replace(f'label = "{label}"', f'label = "{chr(0x4E00 + k) * 2100}"', 1)
    out = check_refused(
        write(tmp_path, text),
        _nth_conditions_line(text, 4),
        'checklists."甲方".levels[4].conditions',
        "等级依据",
    )
    assert "超过 Excel 单元格上限" in out


def _nth_conditions_line(text: str, n: int) -> int:
    at = -1
    for _ in range(n):
        at = text.index("conditions = [", at + 1)
    return text[:at].count("\n") + 1


def test_a_grade_label_must_fit_a_formula(tmp_path: Path) -> None:
    text = BASE.replace('"I级"', '"' + "一" * 300 + '"', 1)
    check_refused(
        write(tmp_path, text), line_of(text, "grades ="), "labels.grades[2]", "超过上限 255"
    )


def test_characters_outside_the_bmp_count_twice(tmp_path: Path) -> None:
    # 20,000 emoji are 40,000 UTF-16 units, as Excel counts
    path = write(tmp_path, BASE.replace(FIRST_LABEL, '{ label = "' + "😀" * 20_000 + '", ', 1))
    code, out = run("rules", "check", path)
    assert code == 2 and "40000" in out, out


def test_a_stored_line_must_fit_a_cell_of_the_rules_sheet(tmp_path: Path) -> None:
    # label and expression each fit a cell; written as one line of the 规则 sheet they do not
    long_when = "拜访次数 >= 1 OR " * 1400 + "拜访次数 >= 1"
    assert 17_000 < len(long_when) < MAX_CELL_TEXT
    text = BASE.replace(
        FIRST_LABEL + "when = '已送资料 = \"是\"' }",
        '{ label = "' + "长" * 17_000 + f"\", when = '{long_when}' }}",
        1,
    )
    assert long_when in text
    check_refused(
        write(tmp_path, text),
        line_of(text, "长长长"),
        'checklists."甲方".levels[1].conditions[1]',
        "“规则”工作表",
    )


def test_rules_that_pass_are_stored_and_read_back_whole() -> None:
    # the largest label a level of 4 conditions can take still round-trips through the sheet
    label = "长" * 6000
    text = BASE.replace(FIRST_LABEL, f'{{ label = "{label}", ', 1)
    rules = parse_rules(text)
    sheet = rules_sheet(rules)
    assert all(len(v) <= MAX_CELL_TEXT for row in sheet.rows for v in row if isinstance(v, str))
    stored = read_rules_sheet(SheetGrid("规则", sheet.rows), "x.xlsx")
    assert stored is not None and stored.rules == rules
