"""Formulas saved without a computed value (openpyxl, some generators): a notice, not a blank.

Through the command line as a rep meets it: ``validate`` names the formula cells as notices
(the exit code counts errors only), ``recompute`` writes them into 校验 in a quieter form, and
``--recalc`` computes them through LibreOffice, giving the grades of the same values typed in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from kqxl.book import read_workbook
from kqxl.book.template import template_columns
from kqxl.cells import column_letter
from kqxl.cli import cli
from kqxl.demo import TODAY
from kqxl.schema import SCHEMA

# The computed columns of 客户, where the templates put them (after every input column).
# Where the shipped templates put 校验 and 客情等级 (existing workbooks keep their own order).
_LAID_OUT = [c.header for c in template_columns(SCHEMA.customers)]
CHECKS = column_letter(_LAID_OUT.index("校验") + 1)
GRADE = column_letter(_LAID_OUT.index("客情等级") + 1)

TODAY_ARG = ["--today", TODAY.isoformat()]
ROW = 4  # a 客户 row of the demo workbook
NAME = "郑州中建华中有限公司"


def _saved_by_openpyxl(team_dir: Path, target: Path, *, formulas: bool) -> Path:
    """The demo rep workbook, its two bad cells put right, saved by openpyxl; with ``formulas``
    拜访次数 and 客户名称 of row ``ROW`` hold formulas (no computed value), else their values."""
    wb = openpyxl.load_workbook(team_dir / "客户跟进表-张伟.xlsx")
    customers, projects = wb["客户"], wb["项目"]
    assert customers[f"B{ROW}"].value == NAME
    customers[f"U{ROW}"] = "=3+4" if formulas else 7
    customers[f"B{ROW}"] = '="郑州中建"&"华中有限公司"' if formulas else NAME
    projects["K5"] = 120000  # 项目金额
    wb.save(target)
    return target


def run(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False, env=env)
    return result.exit_code, result.stdout, result.stderr


def _only_result(out: str) -> dict[str, Any]:
    [entry] = json.loads(out)["files"]
    assert entry["ok"], entry["error"]
    result: dict[str, Any] = entry["result"]
    return result


def test_the_reader_tells_a_pending_formula_from_a_blank(team_dir: Path, tmp_path: Path) -> None:
    book = _saved_by_openpyxl(team_dir, tmp_path / "公式.xlsx", formulas=True)
    sheet = read_workbook(book, sheets=["客户"]).sheets["客户"]
    assert sheet.pending == {(ROW, 2): '="郑州中建"&"华中有限公司"', (ROW, 21): "=3+4"}
    assert sheet.value(ROW, 2) is None and sheet.value(ROW, 21) is None


def test_validate_gives_notices_not_errors(team_dir: Path, tmp_path: Path) -> None:
    book = _saved_by_openpyxl(team_dir, tmp_path / "公式.xlsx", formulas=True)
    code, out, _ = run("validate", book, "--json", *TODAY_ARG)
    result = _only_result(out)
    assert code == 0  # notices are not errors
    # the demo's text date (U5) is read leniently, a notice of its own (tests/test_words.py)
    findings = [f for f in result["findings"] if f["code"] != "lenient_value"]
    assert [(f["code"], f["level"], f["row"], f["column"]) for f in findings] == [
        ("formula_not_calculated", "notice", ROW, "B"),
        ("formula_not_calculated", "notice", ROW, "U"),
    ]
    assert findings[1]["message"] == (
        "“拜访次数”的公式 =3+4 尚未计算，暂按空白处理：请在 Excel 中打开并保存，或用 --recalc。"
    )
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 0
    assert "客户名称为必填项" not in out and "必填" not in out
    assert f"公式.xlsx:客户!U{ROW}: 提示：“拜访次数”的公式 =3+4 尚未计算" in out


def test_recompute_writes_a_notice_quietly(team_dir: Path, tmp_path: Path) -> None:
    book = _saved_by_openpyxl(team_dir, tmp_path / "公式.xlsx", formulas=True)
    code, _, _ = run("recompute", book, "--no-backup", *TODAY_ARG)
    assert code == 0
    wb = openpyxl.load_workbook(book)
    checks = wb["客户"][f"{CHECKS}{ROW}"].value
    assert checks.startswith(f"提示：B{ROW}：“客户名称”的公式")
    assert f"提示：U{ROW}：“拜访次数”的公式 =3+4 尚未计算" in checks
    # a notice marks no cell: the formula is not wrong
    assert wb["客户"][f"U{ROW}"].fill.fgColor.rgb == wb["客户"][f"U{ROW + 1}"].fill.fgColor.rgb


@pytest.mark.libreoffice
def test_recalc_gives_the_computed_grades(team_dir: Path, tmp_path: Path) -> None:
    typed = _saved_by_openpyxl(team_dir, tmp_path / "数值.xlsx", formulas=False)
    book = _saved_by_openpyxl(team_dir, tmp_path / "公式.xlsx", formulas=True)
    before = book.read_bytes()
    code, out, _ = run("validate", typed, "--json", *TODAY_ARG)
    assert code == 0
    expected = _only_result(out)
    code, out, _ = run("validate", book, "--recalc", "--json", *TODAY_ARG)
    assert code == 0, out
    got = _only_result(out)
    assert [f for f in got["findings"] if f["code"] != "lenient_value"] == []
    assert got["findings"] == expected["findings"]
    assert got["rows"] == expected["rows"]
    [row] = [r for r in got["rows"]["客户"] if r["row"] == ROW]
    assert row["name"] == NAME
    assert book.read_bytes() == before  # LibreOffice never touches the user's file

    code, out, _ = run("recompute", book, "--recalc", "--no-backup", *TODAY_ARG)
    assert code == 0, out
    wb = openpyxl.load_workbook(book)
    assert wb["客户"][f"{CHECKS}{ROW}"].value is None
    assert wb["客户"][f"U{ROW}"].value == "=3+4"  # the formula itself is kept
    grades = {r["row"]: r["values"]["grade"] for r in expected["rows"]["客户"]}
    assert wb["客户"][f"C{ROW}"].value == grades[ROW]  # 客情等级


def test_recalc_without_libreoffice_is_one_chinese_line(team_dir: Path, tmp_path: Path) -> None:
    book = _saved_by_openpyxl(team_dir, tmp_path / "公式.xlsx", formulas=True)
    empty = tmp_path / "bin"
    empty.mkdir()
    code, out, err = run("validate", book, "--recalc", *TODAY_ARG, env={"PATH": str(empty)})
    assert code == 2
    assert err.strip() == (
        f"kqxl: {book}：未安装 LibreOffice（找不到 soffice），无法重新计算公式。"
        "请安装 LibreOffice，或在 Excel 中打开并保存后重试。"
    )
    assert "Traceback" not in out + err


def test_excel_saved_formulas_are_not_pending() -> None:
    grid = read_workbook(FIXTURES / "formula_results01.xlsx").sheets["Sheet1"]
    assert grid.pending == {} and grid.value(1, 1) == 2


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("prefixed", [False, True])
def test_pending_formulas_in_odd_spellings(tmp_path: Path, sparse: bool, prefixed: bool) -> None:
    """A shared formula's child (``<f t="shared" si="0"/>``) without value is pending; an empty
    text result is a value; the same whether calamine or the streaming reader reads the sheet,
    and with a prefixed namespace."""
    from test_patch import make_book, rewrite_member

    src = make_book(tmp_path / "a.xlsx")
    cells = (
        '<c r="F2"><f t="shared" ref="F2:F3" si="0">1+1</f><v/></c>'
        '<c r="G2"><f t="shared" si="0"/></c>'
        '<c r="H2" t="str"><f>""</f><v></v></c>'
        '<c r="I2"><f>1+2</f><v>3</v></c>'
    )
    far = '<row r="900000"><c r="XFD900000"><v>1</v></c></row>' if sparse else ""

    def spelled(data: bytes) -> bytes:
        text = re.sub(r'(<row r="2"[^>]*>.*?)(</row>)', rf"\1{cells}\2", data.decode())
        text = text.replace("</sheetData>", far + "</sheetData>")
        if prefixed:
            text = re.sub(r"<(/?)(\w+)(?=[\s>/])", r"<\1x:\2", text)
            text = text.replace('xmlns="http', 'xmlns:x="http', 1)
        return text.encode()

    rewrite_member(src, "xl/worksheets/sheet1.xml", spelled)
    grid = read_workbook(src).sheets["客户"]
    assert grid.pending == {(2, 6): "=1+1", (2, 7): "="}
    assert [grid.value(2, c) for c in (6, 7, 8, 9)] == [None, None, None, 3]
    assert grid.value(2, 1) == "K001"


def test_a_row_of_nothing_but_formulas_still_gets_its_notices(
    team_dir: Path, tmp_path: Path
) -> None:
    book = _saved_by_openpyxl(team_dir, tmp_path / "公式.xlsx", formulas=False)
    wb = openpyxl.load_workbook(book)
    last = wb["客户"].max_row + 3
    wb["客户"][f"B{last}"] = '="新"&"客户"'
    wb.save(book)
    code, out, _ = run("validate", book, "--json", *TODAY_ARG)
    assert code == 0
    result = _only_result(out)
    assert [
        (f["code"], f["level"], f["row"])
        for f in result["findings"]
        if f["code"] != "lenient_value"  # the demo's text date
    ] == [("formula_not_calculated", "notice", last)]
