"""A computed cell a rep typed over is restored on recompute and told as a notice."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from kqxl.api import validate_workbook
from kqxl.book import CellChange, patch_workbook
from kqxl.cli import cli
from kqxl.demo import TODAY


def test_typed_over_results_are_restored_with_a_notice(team_dir: Path, tmp_path: Path) -> None:
    book = tmp_path / "客户跟进表-李娜.xlsx"
    shutil.copy(team_dir / book.name, book)
    before = validate_workbook(book, today=TODAY)
    grade, heat = before.customers[0]["grade"], before.projects[0]["heat"]
    # The rep "corrects" the grade (C) and the heat (C) by hand; nothing protects them now.
    patch_workbook(
        book,
        [CellChange("客户", 3, 3, "重要客户"), CellChange("项目", 3, 3, 0.8)],
        backup=False,
    )
    result = CliRunner().invoke(cli, ["recompute", str(book), "--today", TODAY.isoformat()])
    assert result.exit_code == (1 if before.has_errors else 0), result.stderr
    lines = result.stdout.splitlines()
    tail = "在重算时换成计算结果。"
    assert (
        f"{book.name}:客户!C3: 提示：“客情等级”由 kqxl 计算，请勿填写：手工填写的“重要客户”{tail}"
        in lines
    )
    assert (
        f"{book.name}:项目!C3: 提示：“成交热度”由 kqxl 计算，请勿填写：手工填写的“80%”{tail}"
        in lines
    )
    wb = openpyxl.load_workbook(book)
    assert wb["客户"]["C3"].value == grade and wb["项目"]["C3"].value == heat
    # The notice is in 校验, in its quieter form, and it is not an error.
    checks = wb["客户"].cell(3, wb["客户"].max_column).value
    assert "提示：C3：“客情等级”由 kqxl 计算" in str(checks)
    after = validate_workbook(book, today=TODAY)
    assert [f for f in after.findings if f.code == "computed_typed_over"] == []
    assert len(after.findings) == len(before.findings)


def test_a_result_kqxl_could_have_written_is_not_reported(team_dir: Path, tmp_path: Path) -> None:
    book = tmp_path / "客户跟进表-李娜.xlsx"
    shutil.copy(team_dir / book.name, book)
    patch_workbook(
        book, [CellChange("客户", 3, 3, "IV级"), CellChange("项目", 3, 3, 0.7)], backup=False
    )
    found = validate_workbook(book, today=TODAY).findings
    assert [f for f in found if f.code == "computed_typed_over"] == []
