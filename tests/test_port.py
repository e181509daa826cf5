"""The workbook port: the library jobs through a FileWorkbook behave as with a path, and an
in-memory workbook proves that they need no file at all."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from kqxl.api import recompute_workbook, validate_workbook
from kqxl.book import (
    KEEP,
    CellChange,
    FileWorkbook,
    RowDelete,
    RowMove,
    Workbook,
    WorkbookEdit,
    WriteReport,
    open_workbook,
    patch_workbook,
    read_workbook,
)
from kqxl.cells import FileStamp, SheetGrid, WorkbookGrid
from kqxl.demo import TODAY
from kqxl.errors import WorkbookChangedError


@pytest.fixture()
def rep_book(team_dir: Path, tmp_path: Path) -> Path:
    """A rep's workbook recomputed once: its keys and workbook id are stored, so that two
    recomputes of it give the same result."""
    target = tmp_path / "客户跟进表-张伟.xlsx"
    shutil.copy(team_dir / target.name, target)
    recompute_workbook(target, today=TODAY, backup=False)
    return target


class MemoryWorkbook:
    """A workbook held in memory: what a live Excel book will look like to the library."""

    def __init__(self, grid: WorkbookGrid) -> None:
        self.grid = copy.deepcopy(grid)
        self.grid.path = "内存中的工作簿"
        self.writes: list[WorkbookEdit] = []
        self.version = 1

    @property
    def name(self) -> str:
        return self.grid.path

    @property
    def stamp(self) -> FileStamp | None:
        return FileStamp(size=0, mtime_ns=self.version, sha256=str(self.version))

    def read(self, sheets: Iterable[str] | None = None) -> WorkbookGrid:
        wanted = list(sheets) if sheets is not None else list(self.grid.sheets)
        return WorkbookGrid(
            path=self.grid.path,
            # those named that it has, as the protocol says (a master's 看板 is not in a rep's)
            sheets={n: copy.deepcopy(self.grid.sheets[n]) for n in wanted if n in self.grid.sheets},
            date1904=self.grid.date1904,
            stamp=self.stamp,
        )

    def write(self, edit: WorkbookEdit) -> WriteReport:
        self.writes.append(edit)
        for ch in edit.cells:
            if ch.value is KEEP:
                continue
            grid = self.grid.sheets[ch.sheet]
            i, j = ch.row - grid.first_row, ch.col - grid.first_col
            while len(grid.rows) <= i:
                grid.rows.append([])
            row = grid.rows[i]
            row.extend([None] * (j + 1 - len(row)))
            row[j] = None if ch.value == "" else ch.value  # type: ignore[assignment]
        for op in sorted(edit.rows, key=lambda o: -o.row):
            grid = self.grid.sheets[op.sheet]
            removed = grid.rows.pop(op.row - grid.first_row)
            if isinstance(op, RowMove):
                self.grid.sheets[op.to].rows.append(removed)
        self.version += 1
        return WriteReport(written_to=self.name, cells_changed=len(edit.cells))


def test_the_file_workbook_is_a_workbook(rep_book: Path) -> None:
    assert isinstance(FileWorkbook(rep_book), Workbook)
    assert isinstance(MemoryWorkbook(read_workbook(rep_book)), Workbook)
    assert isinstance(open_workbook(rep_book), FileWorkbook)
    book = FileWorkbook(rep_book)
    assert open_workbook(book) is book
    with pytest.raises(TypeError, match="out"):
        open_workbook(book, out="x.xlsx")


def test_validate_through_a_file_workbook_is_validate_with_a_path(rep_book: Path) -> None:
    by_path = validate_workbook(rep_book, today=TODAY)
    by_port = validate_workbook(FileWorkbook(rep_book), today=TODAY)
    assert by_port.model_dump() == by_path.model_dump()
    assert by_path.findings  # the demo workbook has findings: the comparison means something


def test_recompute_through_a_file_workbook_is_recompute_with_a_path(
    rep_book: Path, tmp_path: Path
) -> None:
    # a grade typed over by hand: both ways restore it (the rest already holds its results)
    patch_workbook(rep_book, [CellChange("客户", 3, 50, "手填")], backup=False)
    by_path = recompute_workbook(rep_book, today=TODAY, out=tmp_path / "a.xlsx")
    by_port = recompute_workbook(FileWorkbook(rep_book, out=tmp_path / "b.xlsx"), today=TODAY)
    assert by_port.cells_changed == by_path.cells_changed > 0
    assert by_port.result.model_dump() == by_path.result.model_dump()
    assert by_port.written_to == str(tmp_path / "b.xlsx")
    assert read_workbook(tmp_path / "a.xlsx").sheets == read_workbook(tmp_path / "b.xlsx").sheets


def test_a_file_workbook_refuses_to_write_over_a_change_since_it_read(rep_book: Path) -> None:
    book = FileWorkbook(rep_book, backup=False)
    book.read()
    patch_workbook(rep_book, [CellChange("客户", 3, 2, "别人改的")], backup=False)
    with pytest.raises(WorkbookChangedError):
        book.write(WorkbookEdit(cells=[CellChange("客户", 3, 2, "kqxl")]))
    book.read()
    report = book.write(WorkbookEdit(cells=[CellChange("客户", 3, 2, "kqxl")]))
    assert report.cells_changed == 1 and report.backup is None
    assert read_workbook(rep_book).sheets["客户"].value(3, 2) == "kqxl"


def test_the_jobs_need_no_file(rep_book: Path, tmp_path: Path) -> None:
    memory = MemoryWorkbook(read_workbook(rep_book))
    in_memory = validate_workbook(memory, today=TODAY).model_dump()
    on_file = validate_workbook(rep_book, today=TODAY).model_dump()
    assert in_memory.pop("file") == "内存中的工作簿"
    on_file.pop("file")
    assert in_memory == on_file
    done = recompute_workbook(memory, today=TODAY)
    assert done.written_to == "内存中的工作簿" and len(memory.writes) == 1
    assert memory.writes[0].clear_highlights  # the job asked for old marks to go
    # the values the memory book received are those the file implementation writes
    recompute_workbook(rep_book, today=TODAY, backup=False)
    on_disk = read_workbook(rep_book)
    for name in ("客户", "项目"):
        got, want = memory.grid.sheets[name], on_disk.sheets[name]
        for ch in memory.writes[0].cells:
            if ch.sheet == name and ch.value is not KEEP:
                assert got.value(ch.row, ch.col) == want.value(ch.row, ch.col), (name, ch)


def test_a_row_edit_through_the_port(rep_book: Path) -> None:
    book = FileWorkbook(rep_book, backup=False)
    grid = book.read(["客户"]).sheets["客户"]
    first = _first_data_row(grid)
    names = [grid.value(r, 2) for r in range(first, first + 4)]
    book.write(WorkbookEdit(rows=[RowDelete("客户", first)]))
    assert read_workbook(rep_book).sheets["客户"].value(first, 2) == names[1]
    with pytest.raises(WorkbookChangedError):  # not read since: refused
        book.write(WorkbookEdit(rows=[RowDelete("客户", first)]))
    book.read()
    report = book.write(WorkbookEdit(rows=[RowDelete("客户", first + 1)]))
    assert report.rows_removed == 1
    after = read_workbook(rep_book).sheets["客户"]
    assert [after.value(first + i, 2) for i in range(2)] == [names[1], names[3]]


def _first_data_row(grid: SheetGrid) -> int:
    """The row after the one holding the header 客户名称."""
    return next(grid.first_row + i + 1 for i, row in enumerate(grid.rows) if "客户名称" in row)
