"""A recording stand-in for ``xlwings.Book``: the cells of a workbook file, held in memory.

Values are held as Excel gives them to xlwings (numbers as floats, dates as datetimes, error
values as their text), every range read and write is recorded with its address, and message
boxes are kept instead of shown. Only what kqxl's Excel side uses is here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kqxl.book.reader import read_workbook
from kqxl.cells import CellError, CellValue, column_letter


def excel_value(value: CellValue) -> Any:
    """A cell value as Excel hands it to xlwings."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, CellError):
        return value.code
    return value


# Excel's last column (XFD): a whole row's range reaches it
MAX_COLUMN = 16384


@dataclass
class Log:
    reads: list[str] = field(default_factory=list)  # "sheet!A1:C9"
    writes: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    saves: int = 0


def _address(sheet: str, r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{sheet}!{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int) -> None:
        self.sheet = sheet
        self.row, self.column, self.last_row, self.last_column = r1, c1, r2, c2
        self._options: dict[str, Any] = {}

    @property
    def address(self) -> str:
        return _address(self.sheet.name, self.row, self.column, self.last_row, self.last_column)

    def options(self, **options: Any) -> FakeRange:
        copy = FakeRange(self.sheet, self.row, self.column, self.last_row, self.last_column)
        copy._options = options
        return copy

    @property
    def value(self) -> Any:
        self.sheet.book.log.reads.append(self.address)
        cells = self.sheet.cells
        grid = [
            [cells.get((r, c)) for c in range(self.column, self.last_column + 1)]
            for r in range(self.row, self.last_row + 1)
        ]
        if self._options.get("ndim") == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        return grid

    @value.setter
    def value(self, block: Any) -> None:
        self.sheet.book.log.writes.append(self.address)
        rows = block if isinstance(block, list) else [[block]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row if isinstance(row, list) else [row]):
                key = (self.row + i, self.column + j)
                if v is None or v == "":
                    self.sheet.cells.pop(key, None)
                else:
                    self.sheet.cells[key] = v

    @property
    def number_format(self) -> str:
        return ""

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        self.sheet.book.log.formats.append(f"{self.address} {fmt}")

    def delete(self, shift: str | None = None) -> None:
        """Whole rows (a ``"5:7"`` range) deleted, the rows below moved up."""
        assert shift == "up" and self.column == 1 and self.last_column == MAX_COLUMN
        self.sheet.book.log.writes.append(f"{self.sheet.name}!{self.row}:{self.last_row} delete")
        gone = self.last_row - self.row + 1
        moved: dict[tuple[int, int], Any] = {}
        for (r, c), v in self.sheet.cells.items():
            if r < self.row:
                moved[(r, c)] = v
            elif r > self.last_row:
                moved[(r - gone, c)] = v
        self.sheet.cells = moved

    def clear_contents(self) -> None:
        self.sheet.book.log.writes.append(self.address + " clear")
        for key in list(self.sheet.cells):
            r, c = key
            if self.row <= r <= self.last_row and self.column <= c <= self.last_column:
                del self.sheet.cells[key]


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book = book
        self.name = name
        self.cells: dict[tuple[int, int], Any] = {}

    @property
    def used_range(self) -> FakeRange:
        if not self.cells:
            return FakeRange(self, 1, 1, 1, 1)
        rows = [r for r, _ in self.cells]
        cols = [c for _, c in self.cells]
        return FakeRange(self, min(rows), min(cols), max(rows), max(cols))

    def range(self, first: tuple[int, int] | str, last: tuple[int, int] | None = None) -> FakeRange:
        if isinstance(first, str):  # whole rows, "5:7"
            top, bottom = (int(n) for n in first.split(":"))
            return FakeRange(self, top, 1, bottom, MAX_COLUMN)
        last = last or first
        return FakeRange(self, first[0], first[1], last[0], last[1])


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self.items: list[FakeSheet] = []

    def __iter__(self) -> Iterator[FakeSheet]:
        return iter(list(self.items))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, name: str) -> FakeSheet:
        for sheet in self.items:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    def add(self, name: str, after: FakeSheet | None = None) -> FakeSheet:
        sheet = FakeSheet(self.book, name)
        at = self.items.index(after) + 1 if after is not None else 0
        self.items.insert(at, sheet)
        return sheet


class FakeApp:
    def __init__(self, log: Log) -> None:
        self.log = log

    def alert(self, prompt: str, title: str | None = None, **_: Any) -> str:
        self.log.alerts.append(prompt)
        return "ok"


class FakeBook:
    """A workbook file's cells as an ``xlwings.Book`` would show them."""

    def __init__(self, path: Path) -> None:
        self.fullname = str(path)
        self.name = path.name
        self.log = Log()
        self.app = FakeApp(self.log)
        self.sheets = FakeSheets(self)
        grid = read_workbook(path)
        for name in grid.names:
            sheet = self.sheets.add(
                name, after=self.sheets.items[-1] if self.sheets.items else None
            )
            held = grid.sheets.get(name)
            if held is None:
                continue
            for i, row in enumerate(held.rows):
                for j, v in enumerate(row):
                    if v is not None and v != "":
                        sheet.cells[(held.first_row + i, held.first_col + j)] = excel_value(v)

    def save(self) -> None:
        self.log.saves += 1

    def values(self) -> dict[str, dict[tuple[int, int], Any]]:
        return {s.name: dict(s.cells) for s in self.sheets}
