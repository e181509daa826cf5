"""The workbook port over a live book in Excel (xlwings): the same jobs, no file in between.

:class:`XlwingsWorkbook` reads each sheet it is asked for with one range read (the sheet's
used range) and writes an edit with one range write per changed column (the span from the
first to the last changed row; the cells between keep the values just read). It holds no
logic of its own: what to write comes from the same library functions as for a file
(:mod:`kqxl.api`, :mod:`kqxl.remind`, the team sync's :func:`kqxl.sync.apply.sync_team`), so
a book in Excel and the same workbook on disk end up with the same values. Rows the team
sync hands to another rep are deleted whole (one delete per run of adjacent rows, bottom up,
after the cells are written); moving a row to another sheet is not done here.

Values come from Excel as xlwings gives them (numbers as floats, dates as datetimes, error
values as their text with ``err_to_str``) and are turned into kqxl's cell values as the file
reader gives them (whole numbers as ``int``, a midnight datetime as a date, ``#N/A`` as a
:class:`~kqxl.cells.CellError`).

Not written here: kqxl's conditional format of invalid cells (:mod:`kqxl.book.highlight`).
It reads each row's 校验 text, so once a template or a recompute of the file has set it, the
cells a button's 校验 names are tinted in Excel too.

>>> import xlwings as xw                                             # doctest: +SKIP
>>> from kqxl.api import recompute_workbook                          # doctest: +SKIP
>>> recompute_workbook(XlwingsWorkbook(xw.Book.caller()))            # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from kqxl.book.patch import CellChange, RowDelete, RowMove, SheetContent
from kqxl.book.port import WorkbookEdit, WriteReport
from kqxl.cells import (
    ERROR_CODES,
    CellError,
    CellValue,
    FileStamp,
    Money,
    Percent,
    SheetGrid,
    WorkbookGrid,
)
from kqxl.errors import WorkbookError

__all__ = ["NUMBER_FORMATS", "XlwingsWorkbook", "from_excel", "from_excel_rows", "to_excel"]

# How a column of percents or amounts is shown (as the file writer's number formats).
NUMBER_FORMATS: dict[type, str] = {Percent: "0%", Money: "#,##0.00"}


def from_excel(value: Any) -> CellValue:
    """A value as xlwings reads it → the cell value the file reader gives for that cell."""
    kind = type(value)  # exact types first: this runs once per cell of every table
    if kind is str:
        if not value:
            return None
        return CellError(value) if value in ERROR_CODES else value
    if value is None or kind is int or kind is bool:
        return value
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.datetime):
        if value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date()
        return value
    if isinstance(value, str):
        return from_excel(str(value))
    if isinstance(value, bool | int | float | dt.date | dt.time):
        return value
    return str(value)


def from_excel_rows(rows: Iterable[Sequence[Any]]) -> list[list[CellValue]]:
    """:func:`from_excel` over a block of rows (blanks passed through untouched)."""
    convert = from_excel
    return [[v if v is None else convert(v) for v in row] for row in rows]


def to_excel(value: object) -> Any:
    """A cell value kqxl writes → what xlwings assigns (a plain float, a datetime …)."""
    if isinstance(value, Percent | Money):
        return float(value)
    if isinstance(value, CellError):
        return value.code
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


class XlwingsWorkbook:
    """A book open in Excel (an ``xlwings.Book`` or anything shaped like one).

    ``book`` needs: ``name``, ``fullname``, ``sheets`` (iterable, indexable by name, ``add``),
    each sheet's ``name``, ``used_range`` and ``range``, and a range's ``row``, ``column``,
    ``options(...).value`` and assignable ``value`` / ``number_format``.
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        self._read: dict[str, SheetGrid] = {}

    def __repr__(self) -> str:
        return f"XlwingsWorkbook({self.name!r})"

    @property
    def name(self) -> str:
        return str(getattr(self.book, "fullname", None) or self.book.name)

    @property
    def stamp(self) -> FileStamp | None:
        # a live book changes only under the user's hands, never during a button's run
        return None

    def _sheet_names(self) -> list[str]:
        return [str(sheet.name) for sheet in self.book.sheets]

    def read(self, sheets: Iterable[str] | None = None) -> WorkbookGrid:
        names = self._sheet_names()
        wanted = names if sheets is None else [n for n in dict.fromkeys(sheets) if n in names]
        grids: dict[str, SheetGrid] = {}
        for name in wanted:
            grids[name] = self._read_sheet(name)
        self._read.update(grids)
        ordered = {n: grids[n] for n in names if n in grids}
        return WorkbookGrid(path=self.name, sheets=ordered, names=tuple(names))

    def _read_sheet(self, name: str) -> SheetGrid:
        used = self.book.sheets[name].used_range
        raw = used.options(ndim=2, err_to_str=True).value  # the one read of this sheet
        rows = from_excel_rows(raw or [])
        for row in rows:  # trailing blanks, as the file reader leaves them out
            while row and row[-1] is None:
                row.pop()
        while rows and not rows[-1]:
            rows.pop()
        return SheetGrid(name, rows, first_row=int(used.row), first_col=int(used.column))

    def save(self) -> None:
        """Save the book where it is (its file then holds what was written)."""
        self.book.save()

    def write(self, edit: WorkbookEdit) -> WriteReport:
        moves = [r for r in edit.rows if isinstance(r, RowMove)]
        if moves:
            self._refuse_rows(moves)
        changed = sum(1 for _ in self._write_cells(edit.cells))
        for content in edit.sheets:
            changed += self._write_sheet(content)
        removed = self._delete_rows([r for r in edit.rows if isinstance(r, RowDelete)])
        # what was read of the sheets written no longer holds
        for name in {c.sheet for c in edit.cells} | {c.name for c in edit.sheets}:
            self._read.pop(name, None)
        for row in edit.rows:
            self._read.pop(row.sheet, None)
        return WriteReport(
            written_to=self.name,
            cells_changed=changed,
            rows_removed=removed,
            unchanged=changed == 0 and removed == 0,
        )

    def _refuse_rows(self, rows: Sequence[RowMove]) -> None:
        # Moving a row to another sheet is the file writer's; no job asks it of a live book.
        first = rows[0]
        raise WorkbookError.from_key("rows_refused", path=self.name, sheet=first.sheet, detail="")

    def _delete_rows(self, rows: Sequence[RowDelete]) -> int:
        by_sheet: dict[str, set[int]] = defaultdict(set)
        for row in rows:
            by_sheet[row.sheet].add(row.row)
        names = set(self._sheet_names())
        for sheet_name, numbers in by_sheet.items():
            if sheet_name not in names:
                raise WorkbookError.from_key("sheet_not_found", path=self.name, sheet=sheet_name)
            sheet = self.book.sheets[sheet_name]
            for top, bottom in _runs(numbers):  # bottom up: the rows above keep their numbers
                sheet.range(f"{top}:{bottom}").delete(shift="up")
        return sum(len(n) for n in by_sheet.values())

    def _write_cells(self, cells: Sequence[CellChange]) -> Iterable[CellChange]:
        columns: dict[tuple[str, int], dict[int, object]] = defaultdict(dict)
        for change in cells:
            columns[(change.sheet, change.col)][change.row] = change.value
        names = set(self._sheet_names())
        for (sheet_name, col), values in columns.items():
            if sheet_name not in names:
                raise WorkbookError.from_key("sheet_not_found", path=self.name, sheet=sheet_name)
            sheet = self.book.sheets[sheet_name]
            top, bottom = min(values), max(values)
            held = self._read.get(sheet_name)
            if held is None and top != bottom:  # the cells between keep their values
                held = self._read[sheet_name] = self._read_sheet(sheet_name)
            block = [
                [to_excel(values[r]) if r in values else to_excel(_held(held, r, col))]
                for r in range(top, bottom + 1)
            ]
            target = sheet.range((top, col), (bottom, col))
            target.value = block  # the one write of this column
            kinds = {type(v) for v in values.values()} & set(NUMBER_FORMATS)
            if len(kinds) == 1:
                target.number_format = NUMBER_FORMATS[kinds.pop()]
            for r in sorted(values):
                yield CellChange(sheet_name, r, col, values[r])

    def _write_sheet(self, content: SheetContent) -> int:
        names = self._sheet_names()
        if content.name in names:
            sheet = self.book.sheets[content.name]
            sheet.used_range.clear_contents()
        else:
            sheet = self.book.sheets.add(content.name, after=self.book.sheets[names[-1]])
        width = max((len(r) for r in content.rows), default=0)
        if not content.rows or width == 0:
            return 0
        block = [[to_excel(v) for v in row] + [None] * (width - len(row)) for row in content.rows]
        sheet.range((1, 1), (len(block), width)).value = block  # the one write of this sheet
        return sum(1 for row in content.rows for v in row if v is not None)


def _held(grid: SheetGrid | None, row: int, col: int) -> CellValue:
    return grid.value(row, col) if grid is not None else None


def _runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of adjacent row numbers (first, last), the lowest run last."""
    runs: list[tuple[int, int]] = []
    for r in sorted(rows, reverse=True):
        if runs and runs[-1][0] == r + 1:
            runs[-1] = (r, runs[-1][1])
        else:
            runs.append((r, r))
    return runs
