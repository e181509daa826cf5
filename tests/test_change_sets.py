"""Change sets kept compactly: the recompute plan column-wise, the writer's per sheet."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from kqxl.book import CellChange, CellColumns, sheetxml
from kqxl.book.sheetxml import (
    KEEP,
    Change,
    SheetChanges,
    SheetRewriter,
    iter_rows,
    rows_by_number,
    sample_rows,
)
from kqxl.book.styles import StyleBook


def test_cell_columns_read_as_the_cell_changes_they_hold() -> None:
    plan = CellColumns([CellChange("设置", 1, 2, "x")])
    rows, values = plan.column("客户", 7)
    rows += [4, 5, 9]
    values += ["A级", None, 3]
    plan.extend([CellChange("看板", 2, 2, 1.5, highlight=True)])
    plan.extend(CellColumns())  # an empty plan adds nothing
    expected = [
        CellChange("设置", 1, 2, "x"),
        CellChange("客户", 4, 7, "A级"),
        CellChange("客户", 5, 7, None),
        CellChange("客户", 9, 7, 3),
        CellChange("看板", 2, 2, 1.5, True),
    ]
    assert list(plan) == expected
    assert len(plan) == 5
    assert [plan[i] for i in range(5)] == expected
    assert plan[-1] == expected[-1] and plan[1:3] == expected[1:3]
    with pytest.raises(IndexError):
        plan[5]


def test_sheet_changes_keep_values_and_marks_as_changes_did() -> None:
    changes = SheetChanges(
        [
            Change(3, 2, "a", None),
            Change(3, 2, KEEP, True),  # a mark on a cell that gets a value keeps the value
            Change(4, 1, "b", True),
            Change(4, 1, "c", None),  # the last change of a cell wins, mark and all
            Change(5, 5, KEEP, False),  # a mark alone
            Change(6, 1, "d", True),
            Change(6, 1, KEEP, None),  # KEEP without a mark changes nothing
        ]
    )
    assert changes.of_row(3) == {2: Change(3, 2, "a", True)}
    assert changes.of_row(4) == {1: Change(4, 1, "c", None)}
    assert changes.of_row(5) == {5: Change(5, 5, KEEP, False)}
    assert changes.of_row(6) == {1: Change(6, 1, "d", True)}
    assert changes.of_row(7) is None
    assert len(changes) == 4 and changes


def test_the_rewriter_keeps_what_it_wrote_only_for_the_rows_verification_reads() -> None:
    rows = list(range(2, 1002))
    changes = [Change(r, 1, f"v{r}", None) for r in rows]
    body = "".join(f'<row r="{r}"><c r="B{r}"><v>1</v></c></row>' for r in rows)
    xml = f"<worksheet><sheetData>{body}</sheetData></worksheet>".encode()
    rewriter = SheetRewriter(changes, styles=None, date1904=False, verify_rows=10)
    b"".join(rewriter.run(iter([xml])))
    kept = sorted({r for r, _c in rewriter.result.expected})
    assert kept == sorted(sample_rows(rows, 10) or ())
    assert len(kept) == 10 and kept[0] == 2 and kept[-1] == 1001
    assert rewriter.result.cells_changed == 1000
    everything = SheetRewriter(changes, styles=None, date1904=False)
    b"".join(everything.run(iter([xml])))
    assert len(everything.result.expected) == 1000


def test_a_column_goes_in_as_its_cells_would() -> None:
    cells = [Change(3, 2, "a", None), Change(4, 1, "b", None)]
    by_cell, by_column = SheetChanges(cells), SheetChanges(cells)
    for changes in (by_cell, by_column):
        assert changes.of_row(3) is not None  # the earlier changes are there
    for r, v in zip([3, 4, 9], ["x", None, 2.5], strict=True):
        by_cell.add(r, 2, v)
    by_column.add_column(2, [3, 4, 9], ["x", None, 2.5])
    assert by_column.rows == by_cell.rows and len(by_column) == 4
    # KEEP, or a sheet with marks, goes cell by cell: the same rules as add
    kept = SheetChanges([Change(5, 3, "v", True)])
    kept.add_column(3, [5, 6], [KEEP, "w"])
    assert kept.of_row(5) == {3: Change(5, 3, "v", True)}
    assert kept.of_row(6) == {3: Change(6, 3, "w", None)}
    with pytest.raises(ValueError):
        SheetChanges().add_column(1, [1, 2], ["only one"])


# a sheet whose columns have styles, rows with cells before, between and after the new ones
_STYLED = (
    '<worksheet><cols><col min="1" max="6" style="1"/></cols><sheetData>'
    '<row r="1"><c r="B1"><v>1</v></c><c r="D1" t="inlineStr"><is><t>d</t></is></c></row>'
    '<row r="2" spans="2:4"><c r="B2"><v>2</v></c>  <c r="D2"><v>2</v></c></row>'
    '<row r="3"></row>'
    '<row r="4"><c r="E4"><v>4</v></c></row>'
    '<row r="5"><c r="F5"><v>5</v></c><extLst/></row>'
    "</sheetData></worksheet>"
)


def _rewritten(changes: list[Change], new_cells: bool) -> tuple[bytes, object]:
    styles = StyleBook(
        b'<styleSheet><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="0"/></cellXfs>'
        b"</styleSheet>"
    )
    rewriter = SheetRewriter(changes, styles=styles, date1904=False)
    rewriter._new_ok = new_cells  # the new-cell path, or the merge it stands for
    out = b"".join(rewriter.run(iter([_STYLED.encode()])))
    return out, rewriter.result.expected


def test_new_cells_are_placed_as_the_merge_places_them(monkeypatch: pytest.MonkeyPatch) -> None:
    placed: list[int] = []
    new_cells = SheetRewriter._new_cells

    def spy(self: SheetRewriter, r: int, inner: bytes, cells: dict[int, object]) -> bytes | None:
        out = new_cells(self, r, inner, cells)
        if out is not None:
            placed.append(r)
        return out

    monkeypatch.setattr(SheetRewriter, "_new_cells", spy)
    # the Python way, row by row (the C loop gives the same bytes: tests/test_speedups.py)
    monkeypatch.setattr(sheetxml, "_speedups", None)
    changes = [
        Change(r, c, v, None)
        for r in range(1, 7)
        for c, v in ((1, f"k{r}"), (3, r * 1.5), (6 if r != 5 else 2, None), (5, "尾"))
        if not (r == 4 and c == 5)  # E4 is a cell, not changed here
    ]
    fast, fast_expected = _rewritten(changes, True)
    merged, merged_expected = _rewritten(changes, False)
    assert placed == [1, 2, 3, 4]  # row 5 has an extLst after its cells: merged in full
    assert fast == merged
    assert fast_expected == merged_expected
    # the new cells are there, in order and in their column's style
    assert b'<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>k1</t></is></c><c r="B1">' in fast
    assert b'<c r="C2" s="1"><v>3</v></c><c r="D2"><v>2</v></c>' in fast
    assert b'<row r="6"><c r="A6" s="1" t="inlineStr">' in fast  # a row appended


def test_rows_read_back_by_number_are_those_every_row_gives() -> None:
    xml = (
        b"<worksheet><sheetData>"
        b'<row r="2"><c r="A2"><v>1</v></c></row>'
        b"<row><c><v>2</v></c></row>"  # no number: the one after the row before
        b'<row spans="1:2" r="7"><c r="B7"><v>3</v></c></row>'
        b'<row r="8"/>'
        b'<row r="9"><c r="A9" t="inlineStr"><is><t>row</t></is></c></row>'
        b"</sheetData><rowBreaks/></worksheet>"
    )
    every = list(iter_rows([xml]))
    assert [r for r, _ in every] == [2, 3, 7, 8, 9]
    for size in (1, 7, 64):
        chunks = [xml[i : i + size] for i in range(0, len(xml), size)]
        assert list(iter_rows(chunks)) == every
        for only in ({3}, {2, 8, 9}, {7}, set()):
            assert list(iter_rows(iter(chunks), only=only)) == [x for x in every if x[0] in only]


def test_rows_found_by_number_are_those_every_row_gives() -> None:
    body = "".join(
        f'<x:row r="{r}" spans="1:2"><x:c r="A{r}"><x:v>{r}</x:v></x:c></x:row>'
        if r % 5
        else f'<x:row r="{r}"/>'
        for r in range(1, 400)
    )
    xml = f"<x:worksheet><x:sheetData>{body}</x:sheetData></x:worksheet>".encode()
    every = dict(iter_rows([xml]))
    for size in (1, 13, 4096):
        chunks = [xml[i : i + size] for i in range(0, len(xml), size)]
        for wanted in ([1], [5, 10, 11, 399], [12, 3, 3], list(range(1, 400)), []):
            got = list(rows_by_number(iter(chunks), wanted))
            assert got == [(r, every[r]) for r in sorted(set(wanted))]
    # r="1" is not r="12": the number is matched whole
    assert [r for r, _ in rows_by_number([xml], [12])] == [12]


def test_rows_spelled_otherwise_are_not_found_by_number() -> None:
    xml = (
        b"<worksheet><sheetData>"
        b'<row r="2"><c r="A2"><v>1</v></c></row>'
        b"<row><c><v>2</v></c></row>"  # no number
        b'<row spans="1:2" r="7"><c r="B7"><v>3</v></c></row>'  # r not first
        b'<row r="9"/><row r="8"/>'  # out of order
        b"</sheetData></worksheet>"
    )
    assert [r for r, _ in rows_by_number([xml], [2, 9])] == [2, 9]
    assert [r for r, _ in rows_by_number([xml], [2, 3, 9])] == [2]  # 3 not found: nor after
    assert [r for r, _ in rows_by_number([xml], [7])] == []
    assert [r for r, _ in rows_by_number([xml], [8, 9])] == [8]


def test_verification_scans_every_row_when_one_is_not_found_by_number(tmp_path: Path) -> None:
    from kqxl.book.patch import _sampled_rows

    xml = (
        b"<worksheet><sheetData>"
        b'<row r="1"><c r="A1"><v>1</v></c></row>'
        b"<row><c><v>2</v></c></row>"
        b'<row r="3"><c r="A3"><v>3</v></c></row>'
        b'<row r="3"><c r="A3"><v>4</v></c></row>'  # given twice: the scan sees both
        b"</sheetData></worksheet>"
    )
    path = tmp_path / "t.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("s.xml", xml)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("s.xml")
    assert [r for r, _ in _sampled_rows(path, info, [1, 3])] == [1, 3]  # found by number
    assert [r for r, _ in _sampled_rows(path, info, [1, 2, 3])] == [1, 2, 3, 3]  # scanned
