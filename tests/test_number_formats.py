"""Every value kqxl writes carries a number format that fits it: a number never shows as a
date, a percent shows as one, an amount with its separators, text in a text-safe format.
The cell's own format is kept where it fits; verification checks the format it gave."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from kqxl.book import CellChange, SheetContent, patch_workbook, read_workbook
from kqxl.book.styles import StyleBook, format_kind
from kqxl.cells import Money, Percent
from kqxl.cli import cli
from kqxl.errors import WorkbookError
from kqxl.schema import SCHEMA

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# A workbook whose Normal style (and so every cell without a style of its own) is a date, as
# Excel saves it after someone changed the Normal style's number format.
DATE_NORMAL = (
    f'<styleSheet xmlns="{NS}"><fonts count="1"><font><sz val="11"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="14" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="1"><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def date_normal_book(src: Path, dst: Path) -> Path:
    """``src`` without 规则/设置 (kqxl writes them whole) and without any style of its own:
    every cell shows in the Normal style, a date."""
    wb = openpyxl.load_workbook(src)
    for name in ("规则", "设置"):
        del wb[name]
    plain = dst.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as zs, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zd:
        for info in zs.infolist():
            data = zs.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = DATE_NORMAL.encode()
            elif info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb' (?:s|style)="\d+"', b"", data)
                # its rules point at dxfs this styles part no longer has
                data = re.sub(
                    rb"<conditionalFormatting\b.*?</conditionalFormatting>", b"", data, flags=re.S
                )
            zd.writestr(info, data)
    plain.unlink()
    return dst


def header_columns(path: Path, sheet: str) -> dict[str, str]:
    """Header → column letter, from the row holding the sheet's headers."""
    ws = openpyxl.load_workbook(path, read_only=True)[sheet]
    headers = set(SCHEMA.sheet(sheet).headers)
    for row in ws.iter_rows(max_row=5):
        found = {c.value: c.column_letter for c in row if c.value in headers}
        if len(found) > 5:
            return found  # type: ignore[return-value]
    raise AssertionError(f"no header row in {sheet}")


def test_format_kinds() -> None:
    assert format_kind("General") == "general"
    assert format_kind("@") == "text"
    assert format_kind("0.0%") == format_kind('0"%"%') == "percent"
    assert format_kind('0"%"') == "number"  # a literal percent sign is no percent format
    assert format_kind("#,##0.00") == format_kind("¥#,##0;[Red]-¥#,##0") == "number"
    assert format_kind("yyyy-mm-dd") == format_kind("[h]:mm") == "date"
    assert format_kind(";;;") == "other"


def test_a_fitting_format_is_kept_and_others_replaced() -> None:
    xml = (
        f'<styleSheet xmlns="{NS}"><numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/>'
        '<numFmt numFmtId="165" formatCode="&quot;¥&quot;#,##0"/></numFmts>'
        '<fills count="1"><fill/></fills><cellXfs count="5">'
        '<xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="49"/>'
        '<xf numFmtId="0" fontId="0"><alignment wrapText="1"/></xf></cellXfs></styleSheet>'
    ).encode()
    book = StyleBook(xml)
    assert book.style_for(1, "percent") == 1  # 0.0% is the column's own percent format
    assert book.style_for(2, "money") == 2  # so is ¥#,##0 for an amount
    assert book.style_for(3, "text") == 3  # @ keeps text text
    assert book.style_for(4, "text") == 4
    assert book.style_for(None, "date") is None  # xf 0 already shows a date
    for shows in ("text", "number", "bool", "percent", "money"):
        assert book.format_kind(book.style_for(None, shows)) != "date"
    wrapped = book.style_for(4, "percent")
    assert wrapped is not None and book.fits(wrapped, "percent")
    assert "wrapText" in book.render().decode().rsplit("<xf", 1)[-1]  # alignment kept
    assert book.format_kind(book.style_for(4, "money")) == "number"
    assert book.format_kind(book.style_for(3, "number")) == "general"  # not text in @


def test_the_templates_formats_fit_what_kqxl_writes(team_dir: Path, tmp_path: Path) -> None:
    """A workbook kqxl made gets no new style for a value: its columns' formats fit."""
    book = shutil.copy(team_dir / "客户跟进表-刘洋.xlsx", tmp_path / "a.xlsx")
    before = zipfile.ZipFile(book).read("xl/styles.xml")
    result = CliRunner().invoke(cli, ["recompute", str(book)])
    assert result.exit_code in (0, 1), result.output
    after = StyleBook(zipfile.ZipFile(book).read("xl/styles.xml"))
    old = StyleBook(before)
    for xf in after.xfs[len(old.xfs) :]:
        # only the highlight of an invalid cell may add a style
        assert xf.attrs.get("numFmtId", "0") in {x.attrs.get("numFmtId", "0") for x in old.xfs}


@pytest.mark.libreoffice
def test_recompute_in_a_workbook_whose_default_format_is_a_date(
    team_dir: Path, tmp_path: Path, libreoffice: Callable[..., list[dict[str, Any]]]
) -> None:
    book = date_normal_book(team_dir / "客户跟进表-刘洋.xlsx", tmp_path / "date.xlsx")
    result = CliRunner().invoke(cli, ["recompute", str(book)])
    assert result.exit_code in (0, 1), result.output
    assert "已写入" in result.output
    cols = header_columns(book, "项目")
    heat, weighted, grade = cols["成交热度"], cols["加权金额"], cols["甲方等级"]
    [seen] = libreoffice(
        [book], ranges={"项目": "A2:AC7", "客户": "A2:A4", "设置": "A1:D8", "规则": "A1:E8"}
    )
    assert seen["ok"], seen["error"]
    sheets = {s["name"]: s["cells"] for s in seen["sheets"]}
    project = sheets["项目"]
    for row in range(3, 8):
        h, w = project[f"{heat}{row}"], project[f"{weighted}{row}"]
        assert h["type"] == "VALUE" and "PERCENT" in h["format_kinds"], h
        assert h["shown"] == f"{round(h['value'] * 100)}%"
        assert w["type"] == "VALUE" and w["format_kinds"] == ["NUMBER"], w
        assert w["shown"] == f"{w['value']:,.2f}"
        g = project[f"{grade}{row}"]
        assert g["type"] == "TEXT" and "DATE" not in g["format_kinds"], g
    # the keys kqxl assigned and the sheets it wrote whole: text as text, numbers as numbers
    written = [sheets["客户"]["A3"], sheets["客户"]["A4"], project["A3"]]
    written += [c for name in ("设置", "规则") for c in sheets[name].values()]
    assert sum(c["type"] == "VALUE" for c in written) >= 2  # 设置's counters
    for c in written:
        if c["type"] == "EMPTY":
            continue
        assert "DATE" not in c["format_kinds"], c
        if c["type"] == "VALUE":
            assert c["shown"] == f"{c['value']:g}"
    # kqxl reads back what it wrote as numbers and text, not dates
    grid = read_workbook(book).sheets["设置"]
    values = [v for row in grid.rows for v in row if v is not None]
    assert not any(isinstance(v, dt.date) for v in values)


def test_whole_sheets_carry_formats(tmp_path: Path, team_dir: Path) -> None:
    book = date_normal_book(team_dir / "客户跟进表-刘洋.xlsx", tmp_path / "date.xlsx")
    content = SheetContent(
        "汇总", [["名称", "数量", "热度", "金额"], ["甲", 3, Percent(0.5), Money(1234.5)]]
    )
    patch_workbook(book, [], sheets=[content])
    grid = read_workbook(book, sheets=["汇总"]).sheets["汇总"]
    assert grid.rows[1] == ["甲", 3, 0.5, 1234.5]
    ws = openpyxl.load_workbook(book)["汇总"]  # openpyxl shows a cell without style in xf 0
    formats = {c.coordinate: c.number_format for row in ws.iter_rows() for c in row}
    assert formats == {
        "A1": "General",
        "B1": "General",
        "C1": "General",
        "D1": "General",
        "A2": "General",
        "B2": "General",
        "C2": "0%",
        "D2": "#,##0.00",
    }


def test_verification_checks_the_format_it_meant_to_give(
    tmp_path: Path, team_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = date_normal_book(team_dir / "客户跟进表-刘洋.xlsx", tmp_path / "date.xlsx")
    original = book.read_bytes()
    wrong = StyleBook.style_for

    def unchanged_for_percent(self: StyleBook, s: int | None, shows: str) -> int | None:
        return s if shows == "percent" else wrong(self, s, shows)

    monkeypatch.setattr(StyleBook, "style_for", unchanged_for_percent)
    with pytest.raises(WorkbookError) as caught:
        patch_workbook(book, [CellChange("项目", 3, 5, Percent(0.7))])
    assert caught.value.code == "verify_failed"
    assert book.read_bytes() == original


def test_a_boolean_and_a_date_get_their_formats(tmp_path: Path, team_dir: Path) -> None:
    book = date_normal_book(team_dir / "客户跟进表-刘洋.xlsx", tmp_path / "date.xlsx")
    day = dt.datetime(2024, 5, 3, 8, 30)
    patch_workbook(book, [CellChange("说明", 1, 9, True), CellChange("说明", 2, 9, day)])
    grid = read_workbook(book, sheets=["说明"]).sheets["说明"]
    assert grid.value(1, 9) is True and grid.value(2, 9) == day


@pytest.mark.libreoffice
def test_a_workbook_without_a_styles_part_gets_one(
    team_dir: Path, tmp_path: Path, libreoffice: Callable[..., list[dict[str, Any]]]
) -> None:
    """Some generators write no styles part: a percent, an amount or a date still needs a
    format, so kqxl adds the part (relationship and content type with it)."""
    book = tmp_path / "bare.xlsx"
    with zipfile.ZipFile(team_dir / "客户跟进表-刘洋.xlsx") as zs, zipfile.ZipFile(book, "w") as zd:
        for info in zs.infolist():
            data = zs.read(info.filename)
            if info.filename == "xl/styles.xml":
                continue
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = re.sub(rb"<Relationship [^>]*/styles\"[^>]*/>", b"", data)
            elif info.filename == "[Content_Types].xml":
                data = re.sub(rb'<Override PartName="/xl/styles.xml"[^>]*/>', b"", data)
            elif info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb' (?:s|style)="\d+"', b"", data)
                data = re.sub(
                    rb"<conditionalFormatting\b.*?</conditionalFormatting>", b"", data, flags=re.S
                )
            zd.writestr(info, data)
    assert b"styles" not in zipfile.ZipFile(book).read("xl/_rels/workbook.xml.rels")
    result = CliRunner().invoke(cli, ["recompute", str(book)])
    assert result.exit_code in (0, 1) and "已写入" in result.output, result.output
    with zipfile.ZipFile(book) as zf:
        assert "xl/styles.xml" in zf.namelist()
        assert b"/styles" in zf.read("xl/_rels/workbook.xml.rels")
        assert b"/xl/styles.xml" in zf.read("[Content_Types].xml")
    heat = header_columns(book, "项目")["成交热度"]
    [seen] = libreoffice([book], ranges={"项目": f"{heat}3:{heat}4"})
    assert seen["ok"], seen["error"]
    cells = next(s for s in seen["sheets"] if s["name"] == "项目")["cells"]
    assert all("PERCENT" in c["format_kinds"] for c in cells.values()), cells
