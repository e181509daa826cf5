"""The reader: typed values, both date systems, error cells, positions, merged ranges."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import FIXTURES
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from test_patch import make_book

from kqxl.book import CellChange, patch_workbook, read_workbook
from kqxl.book.safety import file_stamp
from kqxl.cells import CellError
from kqxl.errors import WorkbookError


def typed_book(path: Path, *, date1904: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "值"
    if date1904:
        wb.epoch = CALENDAR_MAC_1904
    ws["C3"] = "文本"
    ws["D3"] = 30
    ws["E3"] = 2.5
    ws["F3"] = True
    ws["G3"] = dt.date(2024, 5, 3)
    ws["H3"] = dt.datetime(2024, 5, 3, 10, 30)
    ws["I3"] = dt.time(9, 15)
    ws["J3"] = "#DIV/0!"
    ws["J3"].data_type = "e"
    ws["C5"] = 1.0  # a whole number stored as a float
    ws.merge_cells("C6:D7")
    ws["C6"] = "合并"
    wb.save(path)
    return path


@pytest.mark.parametrize("date1904", [False, True])
def test_values_are_typed(tmp_path: Path, date1904: bool) -> None:
    book = read_workbook(typed_book(tmp_path / "t.xlsx", date1904=date1904))
    assert book.date1904 is date1904
    grid = book.sheets["值"]
    assert (grid.first_row, grid.first_col) == (3, 3)
    expected = [
        "文本",
        30,
        2.5,
        True,
        dt.date(2024, 5, 3),
        dt.datetime(2024, 5, 3, 10, 30),
        dt.time(9, 15),
        CellError("#DIV/0!"),
    ]
    assert grid.rows[0] == expected
    assert [type(v) for v in grid.rows[0]] == [type(v) for v in expected]
    assert grid.value(4, 3) is None and grid.rows[1] == [None] * 8
    assert grid.value(5, 3) == 1 and type(grid.value(5, 3)) is int
    assert str(grid.merged[0]) == "C6:D7"
    assert grid.value(6, 3) == "合并" and grid.value(7, 4) is None  # top-left only


def test_1904_dates_are_written_in_the_1904_system(tmp_path: Path) -> None:
    src = typed_book(tmp_path / "t.xlsx", date1904=True)
    out = tmp_path / "o.xlsx"
    patch_workbook(
        src,
        [
            CellChange("值", 10, 3, dt.date(2030, 12, 31)),
            CellChange("值", 10, 4, dt.datetime(1904, 1, 2, 6, 0)),
        ],
        out=out,
    )
    import zipfile

    with zipfile.ZipFile(out) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    serial = (dt.date(2030, 12, 31) - dt.date(1904, 1, 1)).days
    assert f"<v>{serial}</v>" in xml and "<v>1.25</v>" in xml
    grid = read_workbook(out).sheets["值"]
    assert grid.value(10, 3) == dt.date(2030, 12, 31)
    assert grid.value(10, 4) == dt.datetime(1904, 1, 2, 6, 0)


def test_1900_leap_bug_and_early_dates(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "o.xlsx"
    dates = [dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2099, 12, 31)]
    patch_workbook(src, [CellChange("客户", 10, i, d) for i, d in enumerate(dates, 1)], out=out)
    # Excel's serials: it counts a 29 February 1900 (serial 60), so March 1900 on is one more
    # than the days since 1899-12-31. A reader and writer wrong the same way would round-trip.
    with zipfile.ZipFile(out) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    serials = re.findall(r'<c r="[A-D]10"[^>]*><v>(\d+)</v>', xml)
    assert serials == ["1", "59", "61", "73050"]
    grid = read_workbook(out).sheets["客户"]
    assert [grid.value(10, i) for i in range(1, 5)] == dates


def test_stamp_and_sheet_selection(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    book = read_workbook(src, sheets=["其他"])
    assert list(book.sheets) == ["其他"] and book.stamp == file_stamp(src)
    assert list(read_workbook(src).sheets) == ["客户", "其他"]
    with pytest.raises(WorkbookError, match="找不到工作表“没有”") as err:
        read_workbook(src, sheets=["没有"])
    assert err.value.code == "sheet_not_found" and err.value.data["sheet"] == "没有"


def test_empty_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "e.xlsx")
    grid = read_workbook(tmp_path / "e.xlsx").sheets["Sheet"]
    assert grid.rows == [] and grid.value(1, 1) is None


def test_excel_error_values_and_cached_formula_results() -> None:
    grid = read_workbook(FIXTURES / "formula_results01.xlsx").sheets["Sheet1"]
    column = [grid.value(r, 1) for r in range(1, 13)]
    assert column[:4] == [2, "Foo", True, False]
    assert column[4:7] == [CellError("#DIV/0!"), CellError("#N/A"), CellError("#NAME?")]


def test_chartsheets_are_skipped() -> None:
    book = read_workbook(FIXTURES / "chartsheet01.xlsx")
    # workbook.xml lists Sheet1 and the chartsheet Chart1; only the worksheet is read.
    assert list(book.sheets) == ["Sheet1"]
    assert book.sheets["Sheet1"].rows[:2] == [[1, 2, 3], [2, 4, 6]]


def test_error_cells_in_a_prefixed_sheet(tmp_path: Path) -> None:
    from test_patch import rewrite_member

    src = make_book(tmp_path / "a.xlsx")

    def prefixed(data: bytes) -> bytes:
        text = re.sub(
            r'(<row r="2"[^>]*>.*?)(</row>)', r'\1<c r="F2" t="e"><v>#N/A</v></c>\2', data.decode()
        )
        text = re.sub(r"<(/?)(\w+)(?=[\s>/])", r"<\1x:\2", text)
        return text.replace('xmlns="http', 'xmlns:x="http', 1).encode()

    rewrite_member(src, "xl/worksheets/sheet1.xml", prefixed)
    grid = read_workbook(src).sheets["客户"]
    assert grid.value(2, 6) == CellError("#N/A") and grid.value(2, 1) == "K001"
