"""The patch writer: values, styles, ranges, formulas, whole sheets, in-place saves."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from conftest import FIXTURES
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from kqxl.book import (
    KEEP,
    CellChange,
    CellColumns,
    RowDelete,
    RowMove,
    SheetContent,
    patch_workbook,
    read_workbook,
)
from kqxl.cells import CellError
from kqxl.errors import WorkbookChangedError, WorkbookError

# --- fixtures ------------------------------------------------------------------------------


def make_book(path: Path, build: Callable[[openpyxl.Workbook], None] | None = None) -> Path:
    """A small 客户 workbook written by openpyxl (header + 4 rows), optionally customised."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户编号", "客户名称", "金额", "日期"])
    for i in range(1, 5):
        ws.append([f"K{i:03d}", f"客户{i}", i * 1000, dt.date(2024, 1, i)])
    for row in ws.iter_rows(min_row=2, min_col=4, max_col=4):
        row[0].number_format = "yyyy-mm-dd"
    ws["A1"].font = Font(bold=True)
    other = wb.create_sheet("其他")
    other["A1"] = "不要动"
    if build:
        build(wb)
    wb.save(path)
    return path


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def sheet_xml(path: Path, n: int = 1) -> str:
    return member(path, f"xl/worksheets/sheet{n}.xml").decode()


def rewrite_member(path: Path, name: str, edit: Callable[[bytes], bytes]) -> None:
    """Replace one member of a zip (a fixture helper, not how kqxl writes)."""
    with zipfile.ZipFile(path) as zf:
        items = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in items:
            zf.writestr(n, edit(data) if n == name else data)


def cell_xml(xml: str, ref: str) -> str:
    m = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml)
    assert m, f"{ref} not in sheet"
    return m.group(0)


def assert_others_identical(src: Path, out: Path, rewritten: tuple[str, ...]) -> None:
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert b.namelist()[: len(a.namelist())] == a.namelist()
        for info in a.infolist():
            if info.filename not in rewritten:
                other = b.getinfo(info.filename)
                assert a.read(info) == b.read(other), info.filename
                assert (info.CRC, info.compress_size) == (other.CRC, other.compress_size)


# --- values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example","点我")',
        "=cmd|' /c calc'!A1",
        "+1",
        "-x",
        "@SUM(A1)",
        "=1+1",
        "-1",
        "+",
    ],
)
def test_formula_like_text_stays_text(tmp_path: Path, text: str) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 2, 2, text), CellChange("客户", 9, 1, text)], out=out)
    xml = sheet_xml(out)
    for ref in ("B2", "A9"):
        cell = cell_xml(xml, ref)
        assert 't="inlineStr"' in cell and "<f" not in cell
    grid = read_workbook(out).sheets["客户"]
    assert grid.value(2, 2) == text and grid.value(9, 1) == text


def test_typed_values_read_back(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    values = {
        1: "中文 text",
        2: 42,
        3: 3.25,
        4: True,
        5: False,
        6: dt.date(2024, 5, 3),
        7: dt.datetime(2024, 5, 3, 14, 30),
        8: dt.time(9, 15),
        9: CellError("#N/A"),
        10: 10**12,
        11: -0.5,
        12: "  leading and trailing  ",
        13: "line1\nline2",
    }
    patch_workbook(src, [CellChange("客户", 3, c, v) for c, v in values.items()], out=out)
    grid = read_workbook(out).sheets["客户"]
    for c, v in values.items():
        got = grid.value(3, c)
        assert got == v and type(got) is type(v), (c, got, v)


def test_clear_keeps_style_and_removes_value(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    before = cell_xml(sheet_xml(src), "D2")
    style = re.search(r's="(\d+)"', before).group(1)  # type: ignore[union-attr]
    patch_workbook(src, [CellChange("客户", 2, 4, None)], out=out)
    assert cell_xml(sheet_xml(out), "D2") == f'<c r="D2" s="{style}"/>'
    assert read_workbook(out).sheets["客户"].value(2, 4) is None


def test_illegal_xml_characters_are_stripped(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 2, 2, "a\x00b\x07c\ufffe<&>_x0041_")], out=out)
    assert read_workbook(out).sheets["客户"].value(2, 2) == "abc<&>_x0041_"


def test_bad_values_are_refused(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    for value in (float("nan"), object(), "x" * 40_000):
        with pytest.raises(WorkbookError, match="无法写入"):
            patch_workbook(src, [CellChange("客户", 2, 2, value)], out=tmp_path / "b.xlsx")
    with pytest.raises(WorkbookError, match="找不到工作表"):
        patch_workbook(src, [CellChange("没有", 2, 2, 1)], out=tmp_path / "b.xlsx")
    with pytest.raises(WorkbookError, match="无效"):
        patch_workbook(src, [CellChange("客户", 0, 2, 1)], out=tmp_path / "b.xlsx")


def test_a_column_of_changes_is_written_and_checked_whole(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    plan = CellColumns()
    rows, values = plan.column("客户", 6)
    rows += [2, 3, 5]
    values += ["x", 7, None]
    plan.column("客户", 7)  # an empty column changes nothing
    report = patch_workbook(src, plan, out=out)
    grid = read_workbook(out).sheets["客户"]
    assert [grid.value(r, 6) for r in (2, 3, 4, 5)] == ["x", 7, None, None]
    assert report.cells_changed == 3
    for bad_rows, bad_col in (([2, 0], 6), ([2, 3], 0), ([2, True], 6), ([2, 2_000_000], 6)):
        bad = CellColumns()
        bad_at, bad_values = bad.column("客户", bad_col)
        bad_at += bad_rows
        bad_values += ["v"] * len(bad_rows)
        with pytest.raises(WorkbookError, match=r"无效|最后一行"):
            patch_workbook(src, bad, out=tmp_path / "c.xlsx")
        assert not (tmp_path / "c.xlsx").exists()


def test_a_column_that_exists_in_the_first_rows_and_not_below_is_written_whole(
    tmp_path: Path,
) -> None:
    # the first 40 rows hold the column (the changes replace cells: after a few such rows
    # the writer stops trying to add them as new cells); the 40 below do not hold it
    def build(wb: openpyxl.Workbook) -> None:
        ws = wb["客户"]
        for r in range(6, 86):
            ws.append([f"K{r:03d}", f"客户{r}", r, None])
        for r in range(2, 42):
            ws.cell(r, 6, "旧")

    src = make_book(tmp_path / "a.xlsx", build)
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", r, 6, f"新{r}") for r in range(2, 86)], out=out)
    grid = read_workbook(out).sheets["客户"]
    assert [grid.value(r, 6) for r in range(2, 86)] == [f"新{r}" for r in range(2, 86)]
    assert [grid.value(r, 1) for r in (2, 41, 42, 85)] == ["K001", "K041", "K042", "K085"]


# --- styles --------------------------------------------------------------------------------


def test_dates_get_a_date_format_and_numbers_do_not(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    patch_workbook(
        src,
        [
            CellChange("客户", 2, 6, dt.date(2024, 2, 29)),  # no style anywhere: a new date xf
            CellChange("客户", 6, 4, dt.date(2025, 1, 1)),  # below a date cell: reuses its style
            CellChange("客户", 7, 4, 12.5),  # below a date cell, but a number stays a number
        ],
        out=out,
    )
    grid = read_workbook(out).sheets["客户"]
    assert grid.value(2, 6) == dt.date(2024, 2, 29)
    assert grid.value(6, 4) == dt.date(2025, 1, 1)
    assert grid.value(7, 4) == 12.5
    above = re.search(r's="(\d+)"', cell_xml(sheet_xml(src), "D5")).group(1)  # type: ignore[union-attr]
    assert f's="{above}"' in cell_xml(sheet_xml(out), "D6")


def test_only_appends_to_styles(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    report = patch_workbook(src, [CellChange("客户", 2, 2, KEEP, highlight=True)], out=out)
    assert "xl/styles.xml" in report.parts
    old, new = member(src, "xl/styles.xml").decode(), member(out, "xl/styles.xml").decode()
    old_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", old, re.S).group(1)  # type: ignore[union-attr]
    new_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", new, re.S).group(1)  # type: ignore[union-attr]
    assert new_xfs.startswith(old_xfs) and len(new_xfs) > len(old_xfs)
    # a plain value change needs no new style: styles.xml is not touched
    report = patch_workbook(src, [CellChange("客户", 2, 2, "x")], out=tmp_path / "c.xlsx")
    assert report.parts == ("xl/worksheets/sheet1.xml",)


def test_highlight_on_then_off_restores_the_original_style(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        wb["客户"]["C2"].fill = PatternFill("solid", fgColor="FF00FF00")
        wb["客户"]["C3"].font = Font(italic=True)

    src = make_book(tmp_path / "a.xlsx", build)
    before = {ref: cell_xml(sheet_xml(src), ref) for ref in ("B2", "C2", "C3")}
    patch_workbook(
        src,
        [
            CellChange("客户", 2, 2, KEEP, highlight=True),
            CellChange("客户", 2, 3, KEEP, highlight=True),
            CellChange("客户", 3, 3, 99, highlight=True),
        ],
        backup=False,
    )
    lit = sheet_xml(src)
    assert all(cell_xml(lit, ref) != before[ref] for ref in ("B2", "C2"))
    grid = read_workbook(src).sheets["客户"]
    assert grid.value(2, 2) == "客户1" and grid.value(3, 3) == 99
    patch_workbook(
        src,
        [
            CellChange("客户", 2, 2, KEEP, highlight=False),
            CellChange("客户", 2, 3, KEEP, highlight=False),
            CellChange("客户", 3, 3, KEEP, highlight=False),
        ],
        backup=False,
    )
    after = sheet_xml(src)
    assert cell_xml(after, "B2") == before["B2"]
    assert cell_xml(after, "C2") == before["C2"]
    style = re.search(r's="(\d+)"', before["C3"]).group(1)  # type: ignore[union-attr]
    assert f's="{style}"' in cell_xml(after, "C3")
    # highlighting twice reuses the same appended styles
    n_xfs = member(src, "xl/styles.xml").count(b"<xf ")
    for _ in range(2):
        patch_workbook(src, [CellChange("客户", 2, 3, KEEP, highlight=True)], backup=False)
        patch_workbook(src, [CellChange("客户", 2, 3, KEEP, highlight=False)], backup=False)
    assert member(src, "xl/styles.xml").count(b"<xf ") == n_xfs


def test_clear_highlights_takes_off_old_marks(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    original = cell_xml(sheet_xml(src), "B3")
    patch_workbook(
        src,
        [
            CellChange("客户", 3, 2, KEEP, highlight=True),
            CellChange("客户", 4, 2, KEEP, highlight=True),
        ],
        backup=False,
    )
    patch_workbook(
        src,
        [CellChange("客户", 4, 2, KEEP, highlight=True)],
        backup=False,
        clear_highlights=["客户"],
    )
    xml = sheet_xml(src)
    assert cell_xml(xml, "B3") == original
    assert cell_xml(xml, "B4") != cell_xml(sheet_xml(make_book(tmp_path / "c.xlsx")), "B4")


def test_new_cells_take_the_column_style(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        wb["客户"].column_dimensions["F"].font = Font(color="FFFF0000")

    src = make_book(tmp_path / "a.xlsx", build)
    col = re.search(r'<col (?=[^>]*min="6")[^>]*style="(\d+)"', sheet_xml(src))
    assert col
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 3, 6, "x")], out=out)
    assert f's="{col.group(1)}"' in cell_xml(sheet_xml(out), "F3")


# --- rows, ranges ----------------------------------------------------------------------------


def test_append_extends_dimension_table_autofilter_validation_and_cf(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        ws = wb["客户"]
        ws.add_table(Table(displayName="客户表", ref="A1:D5"))
        dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
        dv.add("C2:C5")
        dv.add("H2:H9")  # does not reach the last row: stays as it is
        ws.add_data_validation(dv)
        ws.conditional_formatting.add("C2:C5", CellIsRule(operator="greaterThan", formula=["2000"]))

    src = make_book(tmp_path / "a.xlsx", build)
    ext = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas'
        '.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" '
        'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation '
        'type="list" allowBlank="1"><x14:formula1><xm:f>其他!$A$1:$A$3</xm:f></x14:formula1>'
        "<xm:sqref>B2:B5</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
    )
    rewrite_member(
        src,
        "xl/worksheets/sheet1.xml",
        lambda d: d.replace(b"</worksheet>", ext.encode() + b"</worksheet>"),
    )
    out = tmp_path / "b.xlsx"
    report = patch_workbook(
        src,
        [
            CellChange("客户", 6, 1, "K005"),
            CellChange("客户", 6, 3, 5),
            CellChange("客户", 7, 2, "客户6"),
        ],
        out=out,
    )
    assert report.rows_appended == 2
    xml = sheet_xml(out)
    assert re.search(r'<dimension ref="A1:D7"\s*/>', xml)
    assert 'sqref="C2:C7 H2:H9"' in xml or 'sqref="H2:H9 C2:C7"' in xml
    assert re.search(r'<conditionalFormatting sqref="C2:C7"', xml)
    assert "<xm:sqref>B2:B7</xm:sqref>" in xml
    table = next(n for n in report.parts if n.startswith("xl/tables/"))
    txml = member(out, table).decode()
    assert 'ref="A1:D7"' in txml and re.search(r'<autoFilter ref="A1:D7"', txml)
    assert_others_identical(src, out, report.parts)


def test_sheet_autofilter_grows(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        wb["客户"].auto_filter.ref = "A1:D5"

    src = make_book(tmp_path / "a.xlsx", build)
    rewrite_member(
        src,
        "xl/workbook.xml",
        lambda d: d.replace(
            b"</sheets>",
            b'</sheets><definedNames><definedName name="_xlnm._FilterDatabase" '
            b'localSheetId="0" hidden="1">\'\xe5\xae\xa2\xe6\x88\xb7\'!$A$1:$D$5</definedName>'
            b"</definedNames>",
        ),
    )
    out = tmp_path / "b.xlsx"
    report = patch_workbook(src, [CellChange("客户", 6, 2, "新")], out=out)
    assert '<autoFilter ref="A1:D6"' in sheet_xml(out)
    assert "'客户'!$A$1:$D$6</definedName>" in member(out, "xl/workbook.xml").decode()
    assert "xl/workbook.xml" in report.parts


def test_row_attributes_are_kept(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        ws = wb["客户"]
        ws.row_dimensions[3].height = 30
        ws.row_dimensions[4].hidden = True
        ws.row_dimensions[4].outline_level = 1

    src = make_book(tmp_path / "a.xlsx", build)
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 3, 9, "x"), CellChange("客户", 4, 1, "y")], out=out)
    head = {m.group(1): m.group(0) for m in re.finditer(r'<row r="(\d+)"[^>]*>', sheet_xml(out))}
    old = {m.group(1): m.group(0) for m in re.finditer(r'<row r="(\d+)"[^>]*>', sheet_xml(src))}
    assert head["4"] == old["4"]
    assert 'ht="30"' in head["3"] and 'customHeight="1"' in head["3"]


def test_last_excel_row(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        wb["客户"].cell(1_048_576, 1, "最后一行")

    src = make_book(tmp_path / "a.xlsx", build)
    assert read_workbook(src).sheets["客户"].value(1_048_576, 1) == "最后一行"
    out = tmp_path / "b.xlsx"
    patch_workbook(
        src,
        [CellChange("客户", 1_048_576, 2, 7), CellChange("客户", 1_048_575, 1, "倒数第二")],
        out=out,
    )
    grid = read_workbook(out).sheets["客户"]
    assert grid.value(1_048_576, 2) == 7 and grid.value(1_048_575, 1) == "倒数第二"
    with pytest.raises(WorkbookError, match="1048576"):
        patch_workbook(src, [CellChange("客户", 1_048_577, 1, "x")], out=tmp_path / "c.xlsx")


# --- formulas ------------------------------------------------------------------------------


def test_patched_formula_cell_loses_its_formula_others_keep_cached_values(tmp_path: Path) -> None:
    src = FIXTURES / "formula_results01.xlsx"  # Excel file: formulas, cached values, calcChain
    chain = member(src, "xl/calcChain.xml").decode()
    assert '<c r="A12" i="1"/><c r="A5"/>' in chain
    xml = sheet_xml(src)
    out = tmp_path / "b.xlsx"
    report = patch_workbook(
        src, [CellChange("Sheet1", 12, 1, 5), CellChange("Sheet1", 3, 1, "文本")], out=out
    )
    new_xml = sheet_xml(out)
    assert "<f" not in cell_xml(new_xml, "A12") and "<f" not in cell_xml(new_xml, "A3")
    new_chain = member(out, "xl/calcChain.xml").decode()
    assert 'r="A12"' not in new_chain and 'r="A3"' not in new_chain
    assert '<c r="A5" i="1"/>' in new_chain  # the sheet id moves to the next entry
    assert 'fullCalcOnLoad="1"' in member(out, "xl/workbook.xml").decode()
    for ref in ("A1", "A2", "A4", "A5", "A11"):  # other formulas: byte-identical, cached values
        assert cell_xml(xml, ref) == cell_xml(new_xml, ref)
    assert set(report.parts) == {"xl/worksheets/sheet1.xml", "xl/calcChain.xml", "xl/workbook.xml"}
    grid = read_workbook(out).sheets["Sheet1"]
    assert grid.value(12, 1) == 5 and grid.value(5, 1) == CellError("#DIV/0!")


def test_patching_an_array_anchor_drops_the_whole_array_from_calc_chain(tmp_path: Path) -> None:
    src = FIXTURES / "array_formula01.xlsx"
    out = tmp_path / "b.xlsx"
    report = patch_workbook(src, [CellChange("Sheet1", 1, 1, 1)], out=out)
    # every entry was the array's, and a <calcChain> must hold one: the part goes, with its
    # relationship and content type
    with zipfile.ZipFile(out) as zf:
        assert "xl/calcChain.xml" not in zf.namelist()
    assert b"calcChain" not in member(out, "xl/_rels/workbook.xml.rels")
    assert b"calcChain" not in member(out, "[Content_Types].xml")
    assert "xl/calcChain.xml" in report.parts
    assert read_workbook(out).sheets["Sheet1"].value(2, 1) == 0


def test_shared_formula_master_is_materialised(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    shared = (
        '<c r="E2"><f t="shared" ref="E2:E5" si="0">C2*2</f><v>2000</v></c>',
        '<c r="E3"><f t="shared" si="0"/><v>4000</v></c>',
        '<c r="E4"><f t="shared" si="0"/><v>6000</v></c>',
        '<c r="E5"><f t="shared" si="0"/><v>8000</v></c>',
    )

    def inject(data: bytes) -> bytes:
        text = data.decode()
        for i, c in enumerate(shared, start=2):
            text = re.sub(
                rf'(<row r="{i}"[^>]*>.*?)(</row>)',
                lambda m, c=c: m.group(1) + c + m.group(2),
                text,
                count=1,
                flags=re.S,
            )
        return text.encode()

    rewrite_member(src, "xl/worksheets/sheet1.xml", inject)
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 2, 5, "手填")], out=out)
    xml = sheet_xml(out)
    assert "<f>C3*2</f><v>4000</v>" in cell_xml(xml, "E3")
    assert "<f>C5*2</f><v>8000</v>" in cell_xml(xml, "E5")
    assert 'si="0"' not in xml


def test_change_inside_an_array_formula_is_refused(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    array = (
        '<c r="F2"><f t="array" ref="F2:F3">C2:C3*2</f><v>2000</v></c>',
        '<c r="F3"><v>4000</v></c>',
    )

    def inject(data: bytes) -> bytes:
        text = data.decode()
        for i, c in enumerate(array, start=2):
            text = re.sub(
                rf'(<row r="{i}"[^>]*>.*?)(</row>)',
                lambda m, c=c: m.group(1) + c + m.group(2),
                text,
                count=1,
                flags=re.S,
            )
        return text.encode()

    rewrite_member(src, "xl/worksheets/sheet1.xml", inject)
    with pytest.raises(WorkbookError, match="数组公式"):
        patch_workbook(src, [CellChange("客户", 3, 6, 1)], out=tmp_path / "b.xlsx")
    patch_workbook(src, [CellChange("客户", 2, 6, 1)], out=tmp_path / "c.xlsx")  # the anchor
    assert read_workbook(tmp_path / "c.xlsx").sheets["客户"].value(3, 6) == 4000


# --- whole sheets, saves ------------------------------------------------------------------


def test_sheet_content_adds_and_replaces_sheets(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    rows: list[list[object]] = [
        ["编号", "冲突说明", "日期"],
        ["K001", "=不是公式", dt.date(2024, 1, 2)],
    ]
    report = patch_workbook(
        src,
        [],
        out=out,
        sheets=[
            SheetContent("冲突", rows, column_widths={2: 40.0}),  # type: ignore[arg-type]
            SheetContent("其他", [["新内容"]], header_rows=0),
        ],
    )
    book = read_workbook(out)
    assert list(book.sheets) == ["客户", "其他", "冲突"]
    assert book.sheets["冲突"].rows == rows
    assert book.sheets["其他"].rows == [["新内容"]]
    assert book.sheets["客户"].rows == read_workbook(src).sheets["客户"].rows
    assert_others_identical(src, out, report.parts)
    assert (
        'state="frozen"'
        in member(out, next(p for p in report.parts if p.endswith("sheet3.xml"))).decode()
    )


def test_in_place_with_backup_and_retention(tmp_path: Path) -> None:
    src = make_book(tmp_path / "张三.xlsx")
    original = src.read_bytes()
    first = patch_workbook(src, [CellChange("客户", 2, 2, "改1")], keep_backups=2)
    assert first.backup is not None and first.backup.read_bytes() == original
    assert first.backup.parent == tmp_path / ".kqxl" / "backups"
    for i in range(3):
        patch_workbook(src, [CellChange("客户", 2, 2, f"改{i + 2}")], keep_backups=2)
    assert len(list((tmp_path / ".kqxl" / "backups").iterdir())) == 2
    assert read_workbook(src).sheets["客户"].value(2, 2) == "改4"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_out_leaves_the_source_untouched(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    before = src.read_bytes()
    report = patch_workbook(src, [CellChange("客户", 2, 2, "x")], out=tmp_path / "b.xlsx")
    assert src.read_bytes() == before and report.backup is None
    assert not (tmp_path / ".kqxl" / "backups").exists()


def test_expect_detects_a_change_on_disk(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    stamp = read_workbook(src).stamp
    patch_workbook(src, [CellChange("客户", 2, 2, "别人改的")], backup=False)
    with pytest.raises(WorkbookChangedError, match="已被修改"):
        patch_workbook(src, [CellChange("客户", 2, 2, "x")], expect=stamp)
    assert read_workbook(src).sheets["客户"].value(2, 2) == "别人改的"
    fresh = read_workbook(src).stamp
    patch_workbook(src, [CellChange("客户", 2, 2, "x")], expect=fresh)


def test_report_counts(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    report = patch_workbook(
        src,
        [CellChange("客户", 2, 2, "x"), CellChange("客户", 2, 2, "y"), CellChange("客户", 9, 1, 1)],
        out=tmp_path / "b.xlsx",
    )
    assert report.cells_changed == 2 and report.rows_appended == 1
    assert report.parts == ("xl/worksheets/sheet1.xml",) and report.seconds > 0
    assert read_workbook(tmp_path / "b.xlsx").sheets["客户"].value(2, 2) == "y"


def test_rich_text_and_cells_without_references(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    rich = (
        '<c r="F2" t="inlineStr"><is><r><rPr><b/></rPr><t>粗</t></r><r><t xml:space='
        '"preserve">体 </t></r></is></c>'
    )
    bare = '<row r="8"><c t="inlineStr"><is><t>一</t></is></c><c><v>2</v></c><c><v>4</v></c></row>'

    def inject(data: bytes) -> bytes:
        text = data.decode()
        text = re.sub(
            r'(<row r="2"[^>]*>.*?)(</row>)',
            lambda m: m.group(1) + rich + m.group(2),
            text,
            count=1,
            flags=re.S,
        )
        return text.replace("</sheetData>", bare + "</sheetData>").encode()

    rewrite_member(src, "xl/worksheets/sheet1.xml", inject)
    out = tmp_path / "b.xlsx"
    patch_workbook(
        src,
        [
            CellChange("客户", 2, 1, "K9"),
            CellChange("客户", 8, 2, 3),
            CellChange("客户", 8, 5, "末"),
        ],
        out=out,
    )
    xml = sheet_xml(out)
    assert rich in xml  # an untouched rich-text cell is copied as it was
    grid = read_workbook(out).sheets["客户"]
    assert grid.value(2, 6) == "粗体 " and grid.value(2, 1) == "K9"
    assert [grid.value(8, c) for c in range(1, 6)] == ["一", 3, 4, None, "末"]


def test_prefixed_sheet_gets_prefixed_values(tmp_path: Path) -> None:
    # a worksheet written with an "x:" prefix for the main namespace and no default namespace
    src = make_book(tmp_path / "a.xlsx")

    def prefix(data: bytes) -> bytes:
        text = re.sub(r"<(/?)(\w+)(?=[\s>/])", r"<\1x:\2", data.decode())
        return text.replace('xmlns="http', 'xmlns:x="http', 1).encode()

    rewrite_member(src, "xl/worksheets/sheet1.xml", prefix)
    out = tmp_path / "b.xlsx"
    patch_workbook(
        src,
        [
            CellChange("客户", 2, 2, "新"),
            CellChange("客户", 2, 3, 5),
            CellChange("客户", 9, 1, "追加"),
        ],
        out=out,
    )
    ws = openpyxl.load_workbook(out)["客户"]  # namespace-aware, unlike a byte scan
    assert (ws["B2"].value, ws["C2"].value, ws["A9"].value) == ("新", 5, "追加")
    assert ws["B3"].value == "客户2"


def test_shared_formula_master_is_materialised_along_its_row(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    shared = (
        '<c r="E2"><f t="shared" ref="E2:G2" si="0">C2*2</f><v>2000</v></c>'
        '<c r="F2"><f t="shared" si="0"/><v>1</v></c>'
        '<c r="G2"><f t="shared" si="0"/><v>1</v></c>'
    )
    rewrite_member(
        src,
        "xl/worksheets/sheet1.xml",
        lambda d: re.sub(rb'(<row r="2"[^>]*>.*?)(</row>)', rb"\1" + shared.encode() + rb"\2", d),
    )
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 2, 5, "手填")], out=out)
    xml = sheet_xml(out)
    assert 'si="0"' not in xml
    assert "<f>D2*2</f>" in cell_xml(xml, "F2") and "<f>E2*2</f>" in cell_xml(xml, "G2")


def test_a_file_replaced_while_patching_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kqxl.book.patch as patch_module

    src = make_book(tmp_path / "a.xlsx")
    theirs = make_book(tmp_path / "theirs.xlsx", lambda wb: wb["客户"].append(["别人存的"]))
    verify = patch_module._verify

    def verify_then_someone_saves(*args: object) -> None:
        verify(*args)  # type: ignore[arg-type]
        src.write_bytes(theirs.read_bytes())  # Excel saves while kqxl is writing

    monkeypatch.setattr(patch_module, "_verify", verify_then_someone_saves)
    with pytest.raises(WorkbookChangedError, match="已被修改"):
        patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    assert src.read_bytes() == theirs.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_text_limit_counts_as_excel_does(tmp_path: Path) -> None:
    # Excel's 32,767 characters are UTF-16 code units: an emoji takes two
    src = make_book(tmp_path / "a.xlsx")
    with pytest.raises(WorkbookError, match="32767"):
        patch_workbook(src, [CellChange("客户", 2, 2, "😀" * 16_384)], out=tmp_path / "b.xlsx")
    patch_workbook(src, [CellChange("客户", 2, 2, "😀" * 16_383)], out=tmp_path / "c.xlsx")
    assert read_workbook(tmp_path / "c.xlsx").sheets["客户"].value(2, 2) == "😀" * 16_383


def test_a_sheet_added_to_a_strict_workbook_uses_strict_namespaces(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    transitional = (
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    )
    strict = (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
    )
    with zipfile.ZipFile(src) as zf:
        names = [n for n in zf.namelist() if n.startswith("xl/")]
    for name in names:
        rewrite_member(
            src,
            name,
            lambda d: d.replace(transitional[0], strict[0]).replace(transitional[1], strict[1]),
        )
    out = tmp_path / "b.xlsx"
    report = patch_workbook(src, [], sheets=[SheetContent("新表", [["a"]])], out=out)
    for part in report.parts:
        xml = member(out, part)
        assert transitional[0] not in xml and transitional[1] not in xml, part
    assert read_workbook(out).sheets["新表"].rows == [["a"]]


def test_a_sheet_is_added_where_each_sheet_declares_the_relationship_namespace(
    tmp_path: Path,
) -> None:
    # openpyxl writes workbook.xml so when lxml is installed: xmlns:r on each <sheet>, not on
    # the root. The new <sheet> must declare it too, or the file is no longer XML.
    src = make_book(tmp_path / "a.xlsx")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def per_sheet(data: bytes) -> bytes:
        text = data.decode().replace(f' xmlns:r="{rel}"', "")
        return text.replace("<sheet ", f'<sheet xmlns:r="{rel}" ').encode()

    rewrite_member(src, "xl/workbook.xml", per_sheet)
    root = re.search(r"<workbook\b[^>]*>", member(src, "xl/workbook.xml").decode())
    assert root is not None and "xmlns:r" not in root.group(0)
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [], sheets=[SheetContent("新表", [["a"]])], out=out)
    assert read_workbook(out).sheets["新表"].rows == [["a"]]
    assert list(read_workbook(out).sheets) == ["客户", "其他", "新表"]


def test_a_formula_naming_the_sheet_in_character_references_keeps_its_rows(
    tmp_path: Path,
) -> None:
    # openpyxl with lxml writes every non-ASCII character as a reference: 客户 as &#23458;&#25143;
    src = make_book(tmp_path / "a.xlsx", lambda wb: wb["其他"].__setitem__("B1", "=客户!C6*2"))

    def as_references(data: bytes) -> bytes:
        return data.decode().replace("客户", "&#23458;&#25143;").encode()

    rewrite_member(src, "xl/worksheets/sheet2.xml", as_references)
    assert "&#23458;&#25143;!C6" in sheet_xml(src, 2)
    with pytest.raises(WorkbookError) as caught:
        patch_workbook(src, [], rows=[RowDelete("客户", 3)], out=tmp_path / "b.xlsx")
    assert caught.value.code == "rows_refused" and "sheet2.xml" in caught.value.message


def test_single_quoted_attributes(tmp_path: Path) -> None:
    # valid XML that some generators write: r='14' must not be taken for the next row number
    src = make_book(tmp_path / "a.xlsx")

    def single_quotes(data: bytes) -> bytes:
        text = re.sub(r'(r="[A-Z]*)([345])"', r'\g<1>1\2"', data.decode())  # rows 3-5 → 13-15
        return re.sub(r"<(?:row|c)\b[^>]*", lambda m: m.group(0).replace('"', "'"), text).encode()

    rewrite_member(src, "xl/worksheets/sheet1.xml", single_quotes)
    assert "<row r='14'" in sheet_xml(src)
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 14, 2, "x"), CellChange("客户", 20, 1, "新")], out=out)
    rows = re.findall(r"<row r=[\"'](\d+)", sheet_xml(out))
    assert rows == ["1", "2", "13", "14", "15", "20"]
    grid = read_workbook(out).sheets["客户"]
    assert (grid.value(14, 1), grid.value(14, 2), grid.value(20, 1)) == ("K003", "x", "新")


def test_materialised_formula_keeps_its_escapes(tmp_path: Path) -> None:
    # _x0041_ in a formula is Excel's escape for "A": it must stay an escape, not become text
    src = make_book(tmp_path / "a.xlsx")
    anchor = '<c r="E2"><f t="shared" ref="E2:E3" si="0">"_x0041_"&amp;C2</f><v>0</v></c>'
    follower = '<c r="E3"><f t="shared" si="0"/><v>0</v></c>'

    def inject(data: bytes) -> bytes:
        for r, cell in ((2, anchor), (3, follower)):
            data = re.sub(
                rf'(<row r="{r}"[^>]*>.*?)(</row>)'.encode(), rb"\1" + cell.encode() + rb"\2", data
            )
        return data

    rewrite_member(src, "xl/worksheets/sheet1.xml", inject)
    out = tmp_path / "b.xlsx"
    patch_workbook(src, [CellChange("客户", 2, 5, 1)], out=out)
    assert '<f>"_x0041_"&amp;C3</f>' in cell_xml(sheet_xml(out), "E3")


def test_bad_whole_sheets_are_refused_naming_the_sheet_and_cell(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    bad = SheetContent("新表", [["a"], ["b", float("nan")]])
    with pytest.raises(WorkbookError, match="工作表“新表”的 B2 的值"):
        patch_workbook(src, [CellChange("客户", 2, 2, "x")], sheets=[bad], out=out)
    for name in ("'新表'", "a\x01b", ""):  # Excel refuses these names; \x01 breaks the XML
        with pytest.raises(WorkbookError, match="工作表名称"):
            patch_workbook(src, [], sheets=[SheetContent(name, [["a"]])], out=out)
    assert not out.exists()


def test_cell_positions_must_be_whole_numbers(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    for row, col in ((2.0, 1), (2, 1.5), (True, 1)):
        with pytest.raises(WorkbookError, match="无效"):
            patch_workbook(src, [CellChange("客户", row, col, "x")], out=tmp_path / "b.xlsx")  # type: ignore[arg-type]


# --- rows deleted and moved ------------------------------------------------------------------


def rows_book(path: Path, build: Callable[[openpyxl.Workbook], None] | None = None) -> Path:
    """客户 with 8 data rows (K001–K008), validations, a conditional format, a merge, a
    hyperlink and a table; an 已移交 sheet with a header and one row."""

    def setup(wb: openpyxl.Workbook) -> None:
        ws = wb["客户"]
        for i in range(5, 9):
            ws.append([f"K{i:03d}", f"客户{i}", i * 1000, dt.date(2024, 1, i)])
        dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
        dv.add("B2:B9")
        dv.add("F5")  # on the deleted row only: goes with it
        ws.add_data_validation(dv)
        ws.conditional_formatting.add(
            "C2:C9", CellIsRule(operator="greaterThan", formula=["3000"], fill=PatternFill())
        )
        ws.merge_cells("B7:C8")  # below: moves up
        ws.merge_cells("E4:F5")  # loses a row: still a merge of two cells
        ws.merge_cells("G5:H5")  # on the deleted row: goes
        ws["A9"].hyperlink = "http://example.com/9"
        ws.add_table(Table(displayName="客户表", ref="A1:D9"))
        moved = wb.create_sheet("已移交")
        moved.append(["客户编号", "客户名称", "金额", "日期"])
        moved.append(["K100", "早已移交", 1, None])
        if build:
            build(wb)

    return make_book(path, setup)


def test_delete_a_middle_row_shifts_what_lies_below(tmp_path: Path) -> None:
    src = rows_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    report = patch_workbook(
        src, [CellChange("客户", 9, 2, "改")], rows=[RowDelete("客户", 5)], out=out
    )
    assert report.rows_removed == 1
    before = read_workbook(src).sheets["客户"].rows
    after = read_workbook(out).sheets["客户"].rows
    expected = before[:4] + before[5:]
    expected[7] = [*expected[7][:1], "改", *expected[7][2:]]
    assert after == expected
    xml = sheet_xml(out)
    assert re.search(r"<dimension ref=\"A1:H8\"\s*/>", xml)  # merges reach H
    assert re.search(r'<conditionalFormatting sqref="C2:C8"', xml)
    assert re.search(r'<dataValidation [^>]*sqref="B2:B8"', xml)
    assert "F5" not in xml and '<dataValidations count="1"' in xml
    merges = set(re.findall(r'<mergeCell ref="([^"]+)"', xml))
    assert merges == {"B6:C7", "E4:F4"}
    assert re.search(r'<mergeCells count="2"', xml)
    assert re.search(r'<hyperlink [^>]*ref="A8"', xml)
    rows = [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]
    assert rows == list(range(1, 9))
    assert all(
        re.fullmatch(rf"[A-Z]+{r}", ref)
        for r, row in re.findall(r'<row r="(\d+)"[^>]*>(.*?)</row>', xml)
        for ref in re.findall(r'<c r="([^"]+)"', row)
    )
    table = member(out, "xl/tables/table1.xml").decode()
    assert 'ref="A1:D8"' in table and re.search(r'<autoFilter ref="A1:D8"', table)
    assert_others_identical(src, out, report.parts)
    grid = openpyxl.load_workbook(out)["客户"]  # a second reader agrees
    assert grid["A5"].value == "K005" and grid["A8"].hyperlink.target == "http://example.com/9"


def test_move_a_row_to_another_sheet(tmp_path: Path) -> None:
    src = rows_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    report = patch_workbook(src, [], rows=[RowMove("客户", 3, "已移交")], out=out)
    book = read_workbook(out)
    assert book.sheets["已移交"].rows[-1] == ["K002", "客户2", 2000, dt.date(2024, 1, 2)]
    assert len(book.sheets["已移交"].rows) == 3
    assert [r[0] for r in book.sheets["客户"].rows[1:]] == [
        "K001", "K003", "K004", "K005", "K006", "K007", "K008"
    ]  # fmt: skip
    assert report.rows_removed == 1 and report.rows_appended == 1
    assert 'ref="A1:D8"' in member(out, "xl/tables/table1.xml").decode()


def test_moving_an_empty_row_only_removes_it(tmp_path: Path) -> None:
    src = rows_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    report = patch_workbook(src, [], rows=[RowMove("客户", 20, "已移交")], out=out)
    assert report.rows_appended == 0 and report.rows_removed == 0
    assert read_workbook(out).sheets["已移交"].rows == read_workbook(src).sheets["已移交"].rows


def test_a_row_appended_below_a_deleted_one_closes_up_with_the_rest(tmp_path: Path) -> None:
    # a sync gives a rep a new row and takes a handed-over one away in the same write
    src = rows_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    before = read_workbook(src).sheets["客户"].rows
    last = len(before)
    patch_workbook(
        src,
        [CellChange("客户", last + 1, 1, "K999"), CellChange("客户", last + 1, 2, "新客户")],
        rows=[RowDelete("客户", 5)],
        out=out,
    )
    after = read_workbook(out).sheets["客户"].rows
    assert [r[0] for r in after] == [*(r[0] for r in before[:4] + before[5:]), "K999"]
    assert after[-1][1] == "新客户"
    xml = sheet_xml(out)
    assert [int(n) for n in re.findall(r'<row r="(\d+)"', xml)] == list(range(1, last + 1))
    assert f'r="A{last}"' in xml and f'r="A{last + 1}"' not in xml


def test_move_and_delete_several_rows_at_once(tmp_path: Path) -> None:
    src = rows_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    patch_workbook(
        src,
        [CellChange("已移交", 3, 1, "K101")],  # an appended row: moved rows come after it
        rows=[RowMove("客户", 7, "已移交"), RowDelete("客户", 2), RowMove("客户", 4, "已移交")],
        out=out,
    )
    book = read_workbook(out)
    assert [r[0] for r in book.sheets["客户"].rows[1:]] == ["K002", "K004", "K005", "K007", "K008"]
    assert [r[0] for r in book.sheets["已移交"].rows] == [
        "客户编号",
        "K100",
        "K101",
        "K003",
        "K006",
    ]
    assert set(re.findall(r'<mergeCell ref="([^"]+)"', sheet_xml(out))) == {
        "B5:C5",  # B7:C8 lost row 7
        "E3:F3",  # E4:F5 lost row 4
        "G3:H3",
    }


def test_kqxl_templates_support_delete_and_move(tmp_path: Path, repo_root: Path) -> None:
    src = tmp_path / "t.xlsx"
    src.write_bytes((repo_root / "workbooks" / "客户跟进表.xlsx").read_bytes())
    header = read_workbook(src).sheets["客户"]
    first = header.first_row + len(header.rows)
    patch_workbook(
        src,
        [CellChange("客户", first + i, c, f"K{i}-{c}") for i in range(4) for c in (1, 2)],
        backup=False,
    )
    patch_workbook(src, [], sheets=[SheetContent("已移交", [["客户编号", "客户名称"]])])
    report = patch_workbook(
        src,
        [],
        rows=[RowDelete("客户", first + 1), RowMove("客户", first + 2, "已移交")],
        backup=False,
    )
    assert report.rows_removed == 2
    grid = read_workbook(src).sheets["客户"]
    assert [grid.value(first + i, 1) for i in range(3)] == ["K0-1", "K3-1", None]
    assert read_workbook(src).sheets["已移交"].rows[-1] == ["K2-1", "K2-2"]
    xml = member(src, "xl/worksheets/sheet1.xml").decode()
    assert 'sqref="AX3:AX1998"' in xml  # a validation/format range shrinks by the two rows


@pytest.mark.parametrize(
    ("build", "detail"),
    [
        (lambda wb: wb["客户"].__setitem__("F2", "=C6*2"), "客户!F2 的公式"),
        (lambda wb: wb["其他"].__setitem__("B1", "=SUM(客户!C2:C9)"), "xl/worksheets/sheet2.xml"),
        (
            lambda wb: wb.defined_names.add(
                openpyxl.workbook.defined_name.DefinedName("金额", attr_text="客户!$C$2:$C$9")
            ),
            "名称“金额”",
        ),
        (lambda wb: _add_chart(wb["客户"], "F5"), "图片、图表或形状"),  # anchored on it
        (
            lambda wb: _add_chart(wb["其他"], "A1", source=wb["客户"], rows=(5, 5)),
            "xl/charts/chart1.xml",  # its only data row goes
        ),
        (lambda wb: _add_comment(wb["客户"], "D7"), "批注或控件"),
    ],
)
def test_rows_that_cannot_move_safely_are_refused(
    tmp_path: Path, build: Callable[[openpyxl.Workbook], None], detail: str
) -> None:
    src = rows_book(tmp_path / "a.xlsx", build)
    before = src.read_bytes()
    with pytest.raises(WorkbookError, match="不能删除或移动工作表“客户”的行") as info:
        patch_workbook(src, [], rows=[RowDelete("客户", 5)], backup=False)
    assert detail in str(info.value)
    assert src.read_bytes() == before
    assert not (tmp_path / ".kqxl" / "backups").exists()


def test_rows_above_what_refers_to_them_may_go(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        wb["客户"]["F9"] = "=C2*2"  # below, but refers to a row that stays put
        wb["其他"]["B1"] = "=客户!C2"
        _add_comment(wb["客户"], "D3")
        _add_chart(wb["客户"], "J12")  # below: moves up with its rows
        _add_chart(wb["其他"], "A3", source=wb["客户"])  # its series loses a row

    src = rows_book(tmp_path / "a.xlsx", build)
    out = tmp_path / "b.xlsx"
    report = patch_workbook(src, [], rows=[RowDelete("客户", 5)], out=out)
    xml = sheet_xml(out)
    assert re.search(r'<c r="F8"[^>]*><f>C2\*2</f>', xml)
    drawing = member(out, "xl/drawings/drawing1.xml").decode()
    rows = re.findall(r"<(?:xdr:)?(from|to)>.*?<(?:xdr:)?row>(\d+)</(?:xdr:)?row>", drawing, re.S)
    before = re.findall(
        r"<(?:xdr:)?(from|to)>.*?<(?:xdr:)?row>(\d+)</(?:xdr:)?row>",
        member(src, "xl/drawings/drawing1.xml").decode(),
        re.S,
    )
    assert rows and [(k, int(n) + 1) for k, n in rows] == [(k, int(n)) for k, n in before]
    assert "xl/drawings/drawing1.xml" in report.parts
    chart = member(out, "xl/charts/chart2.xml").decode()
    assert "<f>'客户'!$C$2:$C$8</f>" in chart and "numCache" not in chart
    assert "xl/charts/chart2.xml" in report.parts


def test_row_operations_that_make_no_sense_are_refused(tmp_path: Path) -> None:
    src = rows_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    with pytest.raises(WorkbookError, match="第 5 行既要删除或移动"):
        patch_workbook(src, [CellChange("客户", 5, 2, "x")], rows=[RowDelete("客户", 5)], out=out)
    with pytest.raises(WorkbookError, match="表格“客户表”的标题行"):
        patch_workbook(src, [], rows=[RowDelete("客户", 1)], out=out)
    with pytest.raises(WorkbookError, match="不能移到“客户”本身"):
        patch_workbook(src, [], rows=[RowMove("客户", 3, "客户")], out=out)
    with pytest.raises(WorkbookError, match="找不到工作表“没有”"):
        patch_workbook(src, [], rows=[RowMove("客户", 3, "没有")], out=out)
    with pytest.raises(WorkbookError, match="单元格位置"):
        patch_workbook(src, [], rows=[RowDelete("客户", 0)], out=out)
    with pytest.raises(WorkbookError, match="将没有数据行"):
        patch_workbook(src, [], rows=[RowDelete("客户", r) for r in range(2, 10)], out=out)
    assert not out.exists()


def _add_chart(
    ws: openpyxl.worksheet.worksheet.Worksheet,
    anchor: str,
    source: openpyxl.worksheet.worksheet.Worksheet | None = None,
    rows: tuple[int, int] = (2, 9),
) -> None:
    """A bar chart at ``anchor`` over C1:C3 of its own sheet, or over ``rows`` of column C
    of ``source``."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    data = (
        Reference(source, min_col=3, min_row=rows[0], max_row=rows[1])
        if source is not None
        else Reference(ws, min_col=3, min_row=1, max_row=3)
    )
    chart.add_data(data, titles_from_data=source is None)
    ws.add_chart(chart, anchor)


def _add_comment(ws: openpyxl.worksheet.worksheet.Worksheet, cell: str) -> None:
    from openpyxl.comments import Comment

    ws[cell].comment = Comment("备注", "张三")


# --- whole sheets keep their parts -----------------------------------------------------------


def test_replacing_a_sheet_keeps_its_chart_table_and_comments(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        ws = wb["其他"]
        ws["A1"], ws["B1"] = "名称", "数量"
        ws.append(["甲", 1])
        ws.add_table(Table(displayName="统计", ref="A1:B2"))
        _add_chart(ws, "D2")
        _add_comment(ws, "A1")
        ws.sheet_properties.tabColor = "FF0000"

    src = make_book(tmp_path / "a.xlsx", build)
    out = tmp_path / "b.xlsx"
    rows: list[list[object]] = [["名称", "数量"], ["乙", 2], ["丙", 3]]
    report = patch_workbook(
        src,
        [],
        sheets=[SheetContent("其他", rows)],  # type: ignore[arg-type]
        out=out,
    )
    assert read_workbook(out).sheets["其他"].rows == rows
    xml = sheet_xml(out, 2)
    rels = member(out, "xl/worksheets/_rels/sheet2.xml.rels").decode()
    for kind in ("drawing", "legacyDrawing"):
        rid = re.search(rf'<{kind} r:id="([^"]+)"', xml)
        assert rid is not None, kind
        assert f'Id="{rid.group(1)}"' in rels
    table_rid = re.search(r'<tableParts count="1"><tablePart r:id="([^"]+)"', xml)
    assert table_rid and f'Id="{table_rid.group(1)}"' in rels
    assert '<tabColor rgb="00FF0000"' in xml
    assert 'ref="A1:B3"' in member(out, "xl/tables/table1.xml").decode()
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        kept = [n for n in a.namelist() if "chart" in n or "drawing" in n or "comment" in n]
        assert kept and all(a.read(n) == b.read(n) for n in kept)
    assert_others_identical(src, out, report.parts)
    loaded = openpyxl.load_workbook(out)["其他"]
    assert loaded["A1"].comment is not None and list(loaded.tables) == ["统计"]


def test_replacing_a_sheet_whose_table_header_changes_is_refused(tmp_path: Path) -> None:
    def build(wb: openpyxl.Workbook) -> None:
        ws = wb["其他"]
        ws["A1"], ws["B1"] = "名称", "数量"
        ws.append(["甲", 1])
        ws.add_table(Table(displayName="统计", ref="A1:B2"))

    src = make_book(tmp_path / "a.xlsx", build)
    with pytest.raises(WorkbookError, match="表格“统计”与新内容不相容"):
        patch_workbook(
            src, [], sheets=[SheetContent("其他", [["别的", "标题"]])], out=tmp_path / "b.xlsx"
        )


def test_a_value_into_a_merged_ranges_hidden_cell_is_refused(tmp_path: Path) -> None:
    def merge(wb: openpyxl.Workbook) -> None:
        wb["客户"].merge_cells("B3:C3")
        wb["客户"].merge_cells("E2:E4")

    src = make_book(tmp_path / "a.xlsx", merge)
    before = src.read_bytes()
    out = tmp_path / "b.xlsx"
    for row, col, ref in ((3, 3, "B3:C3"), (4, 5, "E2:E4")):
        with pytest.raises(WorkbookError, match=f"被合并单元格 {ref} 遮住") as info:
            patch_workbook(src, [CellChange("客户", row, col, "看不见")], out=out)
        assert info.value.code == "merged_hidden"
        assert not out.exists()
    assert src.read_bytes() == before
    # the top-left cell, clearing a hidden cell and restyling one are all fine
    patch_workbook(
        src,
        [
            CellChange("客户", 3, 2, "左上角"),
            CellChange("客户", 3, 3, None),
            CellChange("客户", 3, 5, KEEP, highlight=True),
        ],
        out=out,
    )
    assert read_workbook(out).sheets["客户"].value(3, 2) == "左上角"
