"""A ``<sheet>`` in workbook.xml without its r:id: LibreOffice opens such a workbook (showing
the sheet empty), so kqxl reads and patches it where the sheet's part is certain, puts the
r:id back, and otherwise names the sheet it cannot resolve."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kqxl.book import read_workbook
from kqxl.book.package import Package, SheetInfo, restore_rids
from kqxl.cli import cli

SOURCE = "客户跟进表-刘洋.xlsx"


def edited(src: Path, dst: Path, workbook: Callable[[bytes], bytes], drop: str = "") -> Path:
    """A copy of ``src`` with workbook.xml edited and the member ``drop`` left out (its
    relationship and content type stay, as a careless generator leaves them)."""
    with zipfile.ZipFile(src) as zs, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zd:
        for info in zs.infolist():
            if info.filename == drop:
                continue
            data = zs.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = workbook(data)
            zd.writestr(info, data)
    return dst


def without_rid(name: str) -> Callable[[bytes], bytes]:
    def edit(xml: bytes) -> bytes:
        new = re.sub(
            rb'(<sheet\b[^>]*?\sname="' + name.encode() + rb'"[^>]*?) r:id="rId\d+"',
            rb"\1",
            xml,
            count=1,
        )
        assert new != xml
        return new

    return edit


def trimmed(rows: list[list[object]]) -> list[list[object]]:
    out = [list(row) for row in rows]
    for row in out:
        while row and row[-1] is None:
            row.pop()
    return out


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def test_a_sheet_without_rid_is_read_patched_and_repaired(
    team_dir: Path, tmp_path: Path, libreoffice: Callable[..., list[dict[str, Any]]]
) -> None:
    intact = team_dir / SOURCE
    book = edited(intact, tmp_path / "a.xlsx", without_rid("项目"))
    [before] = libreoffice([book], max_rows=5, max_cols=5)
    assert before["ok"]
    assert [s["used_range"] for s in before["sheets"] if s["name"] == "项目"] == ["A1:A1"]

    code, out = run("validate", book)
    code_intact, out_intact = run("validate", intact)
    assert (code, out.replace("a.xlsx", SOURCE)) == (code_intact, out_intact)
    # read by the streaming reader (calamine refuses such a file), as calamine reads it
    assert trimmed(read_workbook(book).sheets["项目"].rows) == trimmed(
        read_workbook(intact).sheets["项目"].rows
    )

    code, out = run("recompute", book)
    assert code in (0, 1) and "已写入" in out, out
    xml = zipfile.ZipFile(book).read("xl/workbook.xml").decode()
    assert re.search(r'<sheet\b[^>]*?\sname="项目"[^>]*r:id="rId2"', xml)
    [after] = libreoffice([book], max_rows=5, max_cols=5)
    projects = next(s for s in after["sheets"] if s["name"] == "项目")
    assert projects["cells"]["A2"]["value"] == "项目编号"  # LibreOffice now finds its content


def test_a_sheet_whose_part_cannot_be_told_is_named(team_dir: Path, tmp_path: Path) -> None:
    # two sheets lose their r:id: which part is whose is not certain
    def both(xml: bytes) -> bytes:
        return without_rid("说明")(without_rid("项目")(xml))

    book = edited(team_dir / SOURCE, tmp_path / "a.xlsx", both)
    original = book.read_bytes()
    for command in ("validate", "recompute"):
        code, out = run(command, book)
        assert code == 2
        lines = out.strip().splitlines()
        assert len(lines) == 1 and "工作表“项目”" in lines[0] and "r:id" in lines[0], out
        assert "Traceback" not in out
    assert book.read_bytes() == original


def test_a_sheet_kqxl_does_not_need_may_stay_unresolved(team_dir: Path, tmp_path: Path) -> None:
    """A rep's own sheet whose r:id and part are gone does not stop kqxl (LibreOffice shows it
    empty); workbook.xml keeps it as it was."""

    def extra(xml: bytes) -> bytes:
        return xml.replace(b"</sheets>", '<sheet name="备忘" sheetId="9"/></sheets>'.encode())

    book = edited(team_dir / SOURCE, tmp_path / "a.xlsx", extra)
    code, out = run("recompute", book)
    assert code in (0, 1) and "已写入" in out, out
    xml = zipfile.ZipFile(book).read("xl/workbook.xml").decode()
    assert '<sheet name="备忘" sheetId="9"/>' in xml


def test_a_sheet_without_rid_and_without_part_is_named(team_dir: Path, tmp_path: Path) -> None:
    book = edited(
        team_dir / SOURCE, tmp_path / "a.xlsx", without_rid("项目"), drop="xl/worksheets/sheet2.xml"
    )
    # the relationship still names a part that is gone
    code, out = run("validate", book)
    assert code == 2 and len(out.strip().splitlines()) == 1, out
    assert "缺少部件 xl/worksheets/sheet2.xml" in out


@pytest.mark.parametrize(
    ("sheets", "expected"),
    [
        (
            b'<workbook xmlns:r="R"><sheets><sheet name="a" sheetId="1"/></sheets></workbook>',
            b'<workbook xmlns:r="R"><sheets><sheet name="a" sheetId="1" r:id="rId7"/>'
            b"</sheets></workbook>",
        ),
        (
            b'<x:workbook xmlns:x="M"><x:sheets><x:sheet name="a" sheetId="1">'
            b"</x:sheet></x:sheets></x:workbook>",
            b'<x:workbook xmlns:x="M"><x:sheets><x:sheet name="a" sheetId="1" xmlns:r="R" '
            b'r:id="rId7"></x:sheet></x:sheets></x:workbook>',
        ),
        (  # the sheet declares the namespace itself (openpyxl with lxml): not a second time
            b'<workbook><sheets><sheet xmlns:q="R" name="a" sheetId="1"/></sheets></workbook>',
            b'<workbook><sheets><sheet xmlns:q="R" name="a" sheetId="1" q:id="rId7"/>'
            b"</sheets></workbook>",
        ),
    ],
)
def test_restore_rids(monkeypatch: pytest.MonkeyPatch, sheets: bytes, expected: bytes) -> None:
    monkeypatch.setattr("kqxl.book.package.NS_REL", "R")
    info = SheetInfo("a", "1", "rId7", "xl/worksheets/sheet1.xml", "worksheet", rid_missing=True)
    package = Package(Path("a.xlsx"), "xl/workbook.xml", [info], date1904=False)
    assert restore_rids(sheets, package) == expected
