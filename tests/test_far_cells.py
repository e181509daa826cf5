"""A cell far away (XFD1048576, A1048576) costs memory for the cells present, never an abort.

The CLI runs in a child process so that its peak resident memory can be measured; each child
is started by a small wrapper process whose ``RUSAGE_CHILDREN`` is therefore the CLI's alone
(the test process's own children — LibreOffice and the like — do not count).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import require_corpus
from test_reader import typed_book

import kqxl.book.reader as reader
from kqxl.book import read_workbook
from kqxl.book.package import open_package
from kqxl.book.safety import Limits, check_file
from kqxl.cells import CellError, SheetGrid, WorkbookGrid
from kqxl.demo import build_team
from kqxl.errors import WorkbookError
from kqxl.rules import load_rules

PEAK_MIB = 300  # generous: the far cells cost a few MiB; before, 2.3 GB or an abort
FAR = 'far="1"'

_WRAPPER = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": done.returncode, "out": done.stdout, "err": done.stderr, "peak": peak}))
"""


def run_cli(*args: str | Path) -> tuple[int, str, str, float]:
    """Run ``kqxl ARGS`` in a child; (exit code, stdout, stderr, peak MiB of that child)."""
    cli = [sys.executable, "-c", "from kqxl.cli import cli; cli()", *map(str, args)]
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *cli], capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout)
    return report["rc"], report["out"], report["err"], report["peak"]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("far") / "team"
    build_team(folder, load_rules(None))
    return folder


def sheet_parts(path: Path) -> dict[str, str]:
    with check_file(path, Limits()) as zf:
        return {s.name: s.part for s in open_package(path, zf).sheets if s.part}


def add_cell(path: Path, sheet: str, ref: str, text: str = "远处") -> None:
    """Append one inline-string cell at ``ref`` to ``sheet``, as a last row of its own."""
    part = sheet_parts(path)[sheet]
    row = int(re.sub(r"[A-Z]", "", ref))
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'
    rewrite(path, part, lambda xml: _append_row(xml, cell.encode()))


def _append_row(xml: bytes, row: bytes) -> bytes:
    if re.search(rb"<sheetData\s*/>", xml):
        return re.sub(rb"<sheetData\s*/>", b"<sheetData>" + row + b"</sheetData>", xml)
    return xml.replace(b"</sheetData>", row + b"</sheetData>")


def rewrite(path: Path, part: str, edit: Callable[[bytes], bytes]) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data) if info.filename == part else data)
    tmp.replace(path)


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def rep_copy(team: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    target.write_bytes((team / "客户跟进表-张伟.xlsx").read_bytes())
    return target


# ---- through the CLI, in a child process ---------------------------------------------------


def test_far_cells_on_two_sheets_validate_and_recompute(team: Path, tmp_path: Path) -> None:
    book = rep_copy(team, tmp_path, "远处.xlsx")
    add_cell(book, "客户", "XFD1048576")
    add_cell(book, "说明", "XFD1048576")
    readme_part = sheet_parts(book)["说明"]
    readme = member(book, readme_part)

    code, out, err, peak = run_cli("validate", "--json", book)
    assert code in (0, 1), err
    assert peak < PEAK_MIB
    (outcome,) = json.loads(out)["files"]
    result = outcome["result"]
    assert result["layouts"]["客户"]["last_row"] == 1048576
    assert any(f["row"] == 1048576 for f in result["findings"])  # the far row is a data row

    code, out, err, peak = run_cli("recompute", book)
    assert code in (0, 1), err
    assert peak < PEAK_MIB
    assert "已写入" in out
    assert member(book, readme_part) == readme  # the sheet kqxl does not read is untouched
    grid = read_workbook(book, sheets=["客户", "说明"])
    assert grid.sheets["说明"].value(1048576, 16384) == "远处"
    assert grid.sheets["客户"].value(1048576, 16384) == "远处"
    checks = result["layouts"]["客户"]["columns"]["checks"]
    assert "必填" in str(grid.sheets["客户"].value(1048576, checks))


@pytest.mark.parametrize("sheet", ["客户", "说明"])
def test_lone_value_at_a1048576(team: Path, tmp_path: Path, sheet: str) -> None:
    book = rep_copy(team, tmp_path, "最后一行.xlsx")
    add_cell(book, sheet, "A1048576")
    for command in ("validate", "recompute"):
        code, out, err, peak = run_cli(command, book)
        assert code in (0, 1), err
        assert peak < PEAK_MIB, command
        assert "最后一行.xlsx" in out
    assert read_workbook(book, sheets=[sheet]).sheets[sheet].value(1048576, 1) == "远处"


def test_a_batch_goes_past_a_far_cell_file(team: Path, tmp_path: Path) -> None:
    far = rep_copy(team, tmp_path, "甲远处.xlsx")
    add_cell(far, "客户", "XFD1048576")
    normal = rep_copy(team, tmp_path, "乙正常.xlsx")
    code, out, err, peak = run_cli("validate", far, normal)
    assert code in (0, 1), err
    assert peak < PEAK_MIB
    assert "甲远处.xlsx：" in out and "乙正常.xlsx：" in out  # one summary line per file
    code, out, err, peak = run_cli("recompute", far, normal)
    assert code in (0, 1), err
    assert out.count("已写入") == 2


def test_cells_spread_too_thinly_are_one_line_exit_2(team: Path, tmp_path: Path) -> None:
    book = rep_copy(team, tmp_path, "散.xlsx")
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="XFD{r}"><v>2</v></c></row>'
        for r in range(5000, 7000)
    )
    rewrite(book, sheet_parts(book)["客户"], lambda xml: _append_row(xml, rows.encode()))
    code, _out, err, peak = run_cli("validate", book)
    assert code == 2
    assert peak < PEAK_MIB
    assert "散布在过大的范围" in err and "Ctrl+End" in err
    assert len(err.strip().splitlines()) <= 2  # the message, and at most the hint line


def test_a_master_with_most_inputs_blank_is_read(team: Path, tmp_path: Path) -> None:
    # a team's master: each row fills its key, name and a few inputs and kqxl's 校验 far right
    # (14 of 85 columns); the used area is six times the cells, the grid is read, not refused
    book = rep_copy(team, tmp_path, "总表.xlsx")
    rows = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in "ABCDEFGHIJKLM")
        + f'<c r="CG{r}" t="inlineStr"><is><t>行{r}</t></is></c></row>'
        for r in range(100, 13_100)
    )
    rewrite(book, sheet_parts(book)["说明"], lambda xml: _append_row(xml, rows.encode()))
    grid = read_workbook(book, sheets=["说明"]).sheets["说明"]
    assert grid.value(13_099, 85) == "行13099"
    assert grid.value(13_099, 13) == 13_099
    assert grid.value(13_099, 14) is None


# ---- the reader ---------------------------------------------------------------------------


def test_only_the_named_sheets_are_read(team: Path, tmp_path: Path) -> None:
    book = rep_copy(team, tmp_path, "只读.xlsx")
    rewrite(book, sheet_parts(book)["说明"], lambda xml: b"not xml at all")
    with pytest.raises(WorkbookError):
        read_workbook(book)
    grid = read_workbook(book, sheets=["客户", "项目", "备忘"], missing_ok=True)
    assert list(grid.sheets) == ["客户", "项目"]
    with pytest.raises(WorkbookError, match="找不到工作表“备忘”"):
        read_workbook(book, sheets=["备忘"])


def test_sparse_sheet_keeps_only_the_cells_present(team: Path, tmp_path: Path) -> None:
    book = rep_copy(team, tmp_path, "稀疏.xlsx")
    add_cell(book, "说明", "XFD1048576")
    grid = read_workbook(book, sheets=["说明"]).sheets["说明"]
    assert len(grid.rows) == 1048576
    assert sum(1 for row in grid.rows if row) < 200  # the empty rows share one empty list
    assert len({id(row) for row in grid.rows if not row}) == 1
    assert grid.value(1048576, 16384) == "远处"
    assert grid.value(1048575, 16384) is None


def _cells(book: WorkbookGrid) -> dict[object, object]:
    out: dict[object, object] = {}
    for name, grid in book.sheets.items():
        for i, row in enumerate(grid.rows):
            for j, value in enumerate(row):
                if value is not None:
                    out[name, grid.first_row + i, grid.first_col + j] = (type(value), value)
        out[name, "merged"] = sorted(map(str, grid.merged))
    return out


def _both_ways(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[object, object], dict[object, object]]:
    calamine = _cells(read_workbook(path))
    with monkeypatch.context() as m:
        m.setattr(reader.SheetScan, "dense", property(lambda self: False))
        streamed = _cells(read_workbook(path))
    return calamine, streamed


@pytest.mark.parametrize("date1904", [False, True])
def test_streaming_reads_what_calamine_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, date1904: bool
) -> None:
    calamine, streamed = _both_ways(typed_book(tmp_path / "t.xlsx", date1904=date1904), monkeypatch)
    assert streamed == calamine


def test_streaming_reads_the_demo_workbooks_as_calamine_does(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in sorted(team.glob("*.xlsx")):
        calamine, streamed = _both_ways(path, monkeypatch)
        assert streamed == calamine, path.name


@pytest.mark.slow
def test_streaming_reads_the_excel_corpus_as_calamine_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = 0
    for path in sorted(require_corpus().glob("*.xlsx")):
        try:
            calamine, streamed = _both_ways(path, monkeypatch)
        except WorkbookError:
            continue  # the corpus holds a few files kqxl refuses on purpose
        assert streamed == calamine, path.name
        compared += 1
    assert compared > 900


def test_excel_dates_as_calamine_reads_them() -> None:
    import datetime as dt

    assert reader.excel_date(1, False) == dt.date(1900, 1, 1)
    assert reader.excel_date(59, False) == dt.date(1900, 2, 28)
    assert reader.excel_date(60, False) == dt.date(1900, 2, 28)  # Excel's 29 February 1900
    assert reader.excel_date(61, False) == dt.date(1900, 3, 1)
    assert reader.excel_date(45000.75, False) == dt.datetime(2023, 3, 15, 18)
    assert reader.excel_date(1, True) == dt.date(1904, 1, 2)
    assert reader.excel_date(0.5, True) == dt.time(12)
    assert reader.excel_date(2958466, False) is None  # past 9999-12-31: stays a number


# ---- the scan -----------------------------------------------------------------------------


def _scan(tmp_path: Path, cells: str, prefix: str = "") -> reader.SheetScan:
    p = f"{prefix}:" if prefix else ""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    xmlns = f'xmlns{":" + prefix if prefix else ""}="{ns}"'
    xml = (
        f'<?xml version="1.0"?><{p}worksheet {xmlns}><{p}cols><{p}col min="1" max="2"/>'
        f"</{p}cols><{p}sheetData>{cells}</{p}sheetData></{p}worksheet>"
    )
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("sheet.xml", xml)
    with zipfile.ZipFile(path) as zf:
        return reader.scan_sheet(path, zf, "sheet.xml")


def test_scan_finds_the_farthest_cell(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="C{r}"/></row>' for r in (1, 2))
    far = '<row r="9"><c r="AB3"/><c r="B9" t="e"><v>#N/A</v></c></row>'
    scan = _scan(tmp_path, rows + far)
    assert (scan.cells, scan.max_row, scan.max_col, scan.errors, scan.plain) == (
        6,
        9,
        28,
        True,
        True,
    )
    scan = _scan(tmp_path, '<x:row r="1"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>', "x")
    assert (scan.cells, scan.max_row, scan.max_col, scan.plain) == (1, 1048576, 16384, True)
    assert not scan.dense


@pytest.mark.parametrize(
    "cells",
    [
        '<row r="1"><c><v>1</v></c></row>',  # no reference: position by counting
        '<row r="1"><c t="n" r="A1"><v>1</v></c></row>',  # r= not first
        '<row r="1"><c r="xfd1048576"><v>1</v></c></row>',  # calamine reads lower case too
        '<row r="1"><c r="A0001048577"><v>1</v></c></row>',  # and leading zeros
        '<row r="1"><c r="XFE1"><v>1</v></c></row>',
        '<row r="1"><c r="A1048577"><v>1</v></c></row>',
        '<row r="1"><x:c r="A1" xmlns:x="urn:x"><v>1</v></x:c></row>',  # another prefix
    ],
)
def test_scan_sends_what_it_cannot_vouch_for_to_the_streaming_reader(
    tmp_path: Path, cells: str
) -> None:
    assert not _scan(tmp_path, cells).dense


@pytest.mark.parametrize("ref", ["A0", "R1C1", "XFE1"])
def test_a_reference_outside_excels_grid_is_one_line(team: Path, tmp_path: Path, ref: str) -> None:
    book = rep_copy(team, tmp_path, "越界.xlsx")
    add_cell(book, "说明", ref)
    with pytest.raises(WorkbookError) as raised:
        read_workbook(book, sheets=["说明"])
    assert "说明" in str(raised.value) and "\n" not in str(raised.value)
    validate = read_workbook(book, sheets=["客户"])  # a sheet not asked for is not read
    assert "客户" in validate.sheets


# ---- the engine over a sparse grid ---------------------------------------------------------


def test_validate_skips_the_empty_rows_of_a_sparse_grid() -> None:
    from kqxl.engine import validate_sheet
    from kqxl.schema import SCHEMA

    sheet = SCHEMA.customers
    headers = [c.header for c in sheet.columns]
    name_col = headers.index(sheet.column("customer_name").header)
    far = [None] * 16384
    far[name_col] = "远方客户"
    far[-1] = "XFD 的值"
    empty: list[object] = []
    rows = [headers, ["近处客户" if j == name_col else None for j in range(len(headers))]]
    rows += [empty] * 1000 + [far]
    data = validate_sheet(SheetGrid("客户", rows), sheet)  # type: ignore[arg-type]
    assert data.rows == [2, 1003]
    assert data.values["customer_name"] == ["近处客户", "远方客户"]
    assert {f.row for f in data.findings if f.code == "required_missing"} == {2, 1003}


def test_error_cells_of_a_long_sheet_are_found_window_by_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = typed_book(tmp_path / "长.xlsx")
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="e"><v>#N/A</v></c></row>'
        for r in range(10, 40010)
    )  # ~3 MiB of sheet XML: several 1 MiB windows
    rewrite(book, sheet_parts(book)["值"], lambda xml: _append_row(xml, rows.encode()))
    grid = read_workbook(book).sheets["值"]
    assert [grid.value(r, 2) for r in (10, 20000, 40009)] == [CellError("#N/A")] * 3
    assert sum(isinstance(v, CellError) for row in grid.rows for v in row) == 40001
    calamine, streamed = _both_ways(book, monkeypatch)
    assert streamed == calamine


@pytest.mark.parametrize(
    ("far", "row"),
    [
        ("A99999", 99999),  # as many digits as the last row, and greater
        ("A100000", 100000),  # more digits
        ("b5", 5),  # lower case, fewer digits: not past the last row, but past its columns
    ],
)
def test_scan_finds_a_far_reference_in_the_middle_of_ascending_rows(
    tmp_path: Path, far: str, row: int
) -> None:
    rows = [f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(10000, 10100)]
    rows.insert(50, f'<row r="10050"><c r="{far}"><v>1</v></c></row>')
    scan = _scan(tmp_path, "".join(rows))
    assert (scan.max_row, scan.max_col) == (max(row, 10099), 2 if far == "b5" else 1)


def test_scan_sees_single_quoted_error_cells_and_formula_tags(tmp_path: Path) -> None:
    scan = _scan(tmp_path, "<row r=\"1\"><c r='A1' t='e'><v>#N/A</v></c></row>")
    assert scan.errors
    scan = _scan(tmp_path, '<row r="1"><c r="A1"><f>1+1</f></c></row>')
    assert scan.formula_tags and scan.valueless
    scan = _scan(tmp_path, '<row r="1"><c r="A1"><v>1</v></c></row>')
    assert not (scan.errors or scan.formula_tags)
