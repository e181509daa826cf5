"""Valid but unusual styles parts: patched by creating what is missing, never refused."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kqxl.book import CellChange, patch_workbook, read_workbook
from kqxl.book.styles import StyleBook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FONTS_ONLY = (
    f'<styleSheet xmlns="{NS}"><fonts count="1"><font><sz val="11"/></font></fonts>'
    '<cellStyles count="0"/></styleSheet>'
)
STYLES = {
    "empty": f'<?xml version="1.0" encoding="UTF-8"?>\n<styleSheet xmlns="{NS}"/>',
    "open-close": f'<styleSheet xmlns="{NS}"></styleSheet>',
    "fonts-only": FONTS_ONLY,
    "prefixed": '<x:styleSheet xmlns:x="' + NS + '"><x:dxfs count="0"/></x:styleSheet>',
}


def book_with_styles(path: Path, styles: str) -> Path:
    """A plain 客户 workbook whose styles part is replaced by ``styles``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户编号", "金额"])
    ws.append(["K001", 1000])
    plain = path.with_suffix(".plain.xlsx")
    wb.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/styles.xml":
                data = styles.encode("utf-8")
            elif info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb' s="\d+"', b"", data)  # no cell points into the old styles
            dst.writestr(info, data)
    plain.unlink()
    return path


@pytest.mark.parametrize("kind", sorted(STYLES))
def test_a_styles_part_without_lists_is_completed(kind: str) -> None:
    book = StyleBook(STYLES[kind].encode())
    date = book.date_style(None, "date")
    lit = book.highlight(None)
    assert date is not None and date >= 1 and lit >= 1
    again = StyleBook(book.render())
    assert again.is_date(date) and not again.is_date(0)
    assert again.is_highlight(lit)
    xml = book.render().decode()
    # schema order: fonts, fills, borders before cellXfs; cellStyles/dxfs after it
    names = re.findall(r"<(?:x:)?(fonts|fills|borders|cellXfs|cellStyles|dxfs)\b", xml)
    order = ["fonts", "fills", "borders", "cellXfs", "cellStyles", "dxfs"]
    assert names == sorted(names, key=order.index)
    assert names.count("cellXfs") == 1 and names.count("fills") == 1


def test_a_complete_styles_part_is_left_byte_identical() -> None:
    xml = (
        f'<styleSheet xmlns="{NS}"><fills count="1"><fill/></fills>'
        '<cellXfs count="1"><xf numFmtId="0"/></cellXfs></styleSheet>'
    ).encode()
    assert StyleBook(xml).render() == xml


@pytest.mark.parametrize("kind", ["empty", "fonts-only"])
def test_a_workbook_with_an_empty_styles_part_is_patched(
    tmp_path: Path, kind: str, libreoffice: Callable[..., list[dict[str, Any]]]
) -> None:
    src = book_with_styles(tmp_path / "a.xlsx", STYLES[kind])
    out = tmp_path / "b.xlsx"
    patch_workbook(
        src,
        [
            CellChange("客户", 2, 3, dt.date(2024, 2, 29)),
            CellChange("客户", 2, 2, 2000, highlight=True),
        ],
        out=out,
    )
    grid = read_workbook(out).sheets["客户"]
    assert grid.value(2, 3) == dt.date(2024, 2, 29)
    assert grid.value(2, 2) == 2000
    [seen] = libreoffice([out], ranges={"客户": "A2:C2"})
    assert seen["ok"], seen["error"]
    cells = seen["sheets"][0]["cells"]
    assert cells["B2"]["value"] == 2000
    assert cells["C2"]["type"] == "VALUE"
    assert cells["C2"]["value"] == (dt.date(2024, 2, 29) - dt.date(1899, 12, 30)).days


DATE_DEFAULT = (
    f'<styleSheet xmlns="{NS}"><fonts count="1"><font><sz val="11"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellXfs count="1"><xf numFmtId="14" fontId="0" fillId="0" borderId="0"/></cellXfs>'
    "</styleSheet>"
)


def test_a_number_in_a_workbook_whose_default_format_is_a_date_stays_a_number(
    tmp_path: Path,
) -> None:
    src = book_with_styles(tmp_path / "a.xlsx", DATE_DEFAULT)
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 2, 3, 1), CellChange("客户", 3, 3, 2.5)], out=out)
    grid = read_workbook(out).sheets["客户"]
    assert grid.value(2, 3) == 1  # not 1900-01-01 ("31-Dec-99")
    assert grid.value(3, 3) == 2.5
    cell = re.search(rb'<c r="C2"[^>]*>', zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml"))
    assert cell is not None and b' s="' in cell.group(0)  # an explicit General style
    style = int(re.search(rb's="(\d+)"', cell.group(0)).group(1))  # type: ignore[union-attr]
    assert not StyleBook(zipfile.ZipFile(out).read("xl/styles.xml")).is_date(style)
