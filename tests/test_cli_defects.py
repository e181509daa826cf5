"""Defects users met, each shown through the command they ran (``kqxl recompute`` /
``validate``) where the library-level tests elsewhere do not already go through the CLI."""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from kqxl.book import read_workbook, safety
from kqxl.cli import cli

SOURCE = "客户跟进表-刘洋.xlsx"
TODAY = ("--today", "2026-11-30")


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def copy(team_dir: Path, dst: Path) -> Path:
    return Path(shutil.copy(team_dir / SOURCE, dst))


def header_column(path: Path, sheet: str, header: str) -> int:
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    for row in ws.iter_rows(max_row=3):
        for c in row:
            if c.value == header:
                return int(c.column)
    raise AssertionError(header)


# ---- 3: the owner and mode of a replaced workbook ------------------------------------------


def test_recompute_keeps_the_mode_and_owner(team_dir: Path, tmp_path: Path) -> None:
    book = copy(team_dir, tmp_path / "a.xlsx")
    book.chmod(0o640)
    os.chown(book, 1234, 2345)
    code, out, err = run("recompute", book, *TODAY)
    assert code in (0, 1) and "已写入" in out, err
    st = book.stat()
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert (st.st_uid, st.st_gid) == (1234, 2345)


# ---- 8: a long file name is written, with temp and backup names that fit ---------------------


def test_recompute_of_a_workbook_with_a_245_byte_name(team_dir: Path, tmp_path: Path) -> None:
    name = "客" * 80 + ".xlsx"  # 245 bytes
    assert len(name.encode()) == 245
    book = copy(team_dir, tmp_path / name)
    code, out, err = run("recompute", book, *TODAY)
    assert code in (0, 1), err
    assert f"已写入 {book}" in out and ".tmp" not in out + err
    # the second run changes nothing: it says so under the user's long name, no new backup
    code, out, err = run("recompute", book, *TODAY)
    assert code in (0, 1), err
    assert f"{book}：无变化" in out and ".tmp" not in out + err
    assert len(safety.backups_of(book)) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---- 9: an empty styles part --------------------------------------------------------------


@pytest.mark.libreoffice
def test_recompute_of_a_workbook_with_an_empty_styles_part(
    team_dir: Path, tmp_path: Path, libreoffice: Callable[..., list[dict[str, Any]]]
) -> None:
    book = tmp_path / "a.xlsx"
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(team_dir / SOURCE) as zs, zipfile.ZipFile(book, "w") as zd:
        for info in zs.infolist():
            data = zs.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = f'<styleSheet xmlns="{ns}"/>'.encode()
            elif info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb' (?:s|style)="\d+"', b"", data)
                data = re.sub(
                    rb"<conditionalFormatting\b.*?</conditionalFormatting>", b"", data, flags=re.S
                )
            zd.writestr(info, data)
    code, out, err = run("recompute", book, *TODAY)
    assert code in (0, 1) and "已写入" in out, err
    heat = header_column(book, "项目", "成交热度")
    [seen] = libreoffice([book], ranges={"项目": f"A3:{openpyxl.utils.get_column_letter(heat)}3"})
    assert seen["ok"], seen["error"]
    cell = seen["sheets"][1]["cells"][f"{openpyxl.utils.get_column_letter(heat)}3"]
    assert cell["type"] == "VALUE" and "PERCENT" in cell["format_kinds"], cell


# ---- 10: a computed cell hidden in a merged range -------------------------------------------


def test_a_computed_cell_inside_a_merge_is_a_finding_and_left_alone(
    team_dir: Path, tmp_path: Path
) -> None:
    book = copy(team_dir, tmp_path / "a.xlsx")
    col = header_column(book, "客户", "客情等级")
    letter = openpyxl.utils.get_column_letter(col)
    wb = openpyxl.load_workbook(book)
    ws = wb["客户"]
    ws.merge_cells(f"{letter}3:{letter}4")
    wb.save(book)
    hidden_before = read_workbook(book).sheets["客户"].value(4, col)

    code, out, _ = run("validate", book, *TODAY)
    assert code == 1
    assert f"{letter}4 被合并单元格 {letter}3:{letter}4 遮住" in out, out

    code, out, err = run("recompute", book, *TODAY)
    assert code == 1 and "已写入" in out, err
    grid = read_workbook(book).sheets["客户"]
    assert grid.value(4, col) == hidden_before  # nothing written where nobody would see it
    assert grid.value(3, col)  # the top-left cell of the merge still gets its grade


# ---- 11: another program saves while kqxl replaces the file ---------------------------------


def test_a_save_during_recompute_is_kept_and_reported(
    team_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = copy(team_dir, tmp_path / "a.xlsx")
    theirs = tmp_path / "theirs.xlsx"
    wb = openpyxl.load_workbook(book)
    wb["说明"]["A1"] = "他们刚保存的"
    wb.save(theirs)
    real_check = safety.check_stamp
    calls: list[Path] = []

    def check_then_save(path: Path, *args: object, **kw: object) -> None:
        real_check(path, *args, **kw)  # type: ignore[arg-type]
        calls.append(path)
        if len(calls) == 2:  # the last check before the replace: another program saves now
            os.replace(theirs, book)

    monkeypatch.setattr("kqxl.book.patch.check_stamp", check_then_save)
    code, out, err = run("recompute", book, *TODAY)
    assert code == 2, out + err
    assert "读取后文件已被修改" in err and "Traceback" not in err
    assert read_workbook(book).sheets["说明"].value(1, 1) == "他们刚保存的"
