"""Plain cell values shared by the reader, the engine and the writer (no I/O here).

A cell value is one of: ``None`` (blank), ``str``, ``int``, ``float``, ``bool``,
``datetime.date``, ``datetime.datetime``, ``datetime.time`` or :class:`CellError`.
A number to be shown as a percent or an amount of money is a :class:`Percent` or a
:class:`Money` (a ``float`` that says how the writer formats its cell).
Rows and columns are 1-based, as Excel shows them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ERROR_CODES = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#UNKNOWN!",
        "#CONNECT!",
        "#BUSY!",
    }
)


@dataclass(frozen=True, slots=True)
class CellError:
    """An Excel error value such as ``#N/A`` or ``#REF!``."""

    code: str

    def __str__(self) -> str:
        return self.code


class Percent(float):
    """A fraction written as a percent: ``Percent(0.7)`` shows as 70% (a float otherwise)."""

    __slots__ = ()


class Money(float):
    """An amount written with thousands separators and two decimals (a float otherwise)."""

    __slots__ = ()


CellValue = None | str | int | float | bool | dt.date | dt.datetime | dt.time | CellError


def column_letter(col: int) -> str:
    """1 → ``A``, 27 → ``AA``."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """``A`` → 1, ``AA`` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


@dataclass(frozen=True, slots=True)
class MergedRange:
    """A merged block, 1-based and inclusive."""

    first_row: int
    first_col: int
    last_row: int
    last_col: int

    def __str__(self) -> str:
        return (
            f"{column_letter(self.first_col)}{self.first_row}:"
            f"{column_letter(self.last_col)}{self.last_row}"
        )


@dataclass(slots=True)
class SheetGrid:
    """The cells of one worksheet as read: ``rows[i][j]`` is the cell at Excel row
    ``first_row + i`` and column ``first_col + j``. Rows may be ragged; a missing cell is blank.
    """

    name: str
    rows: list[list[CellValue]]
    first_row: int = 1
    first_col: int = 1
    merged: list[MergedRange] = field(default_factory=list)
    # Formulas that hold no computed value (saved by a program that does not calculate):
    # (Excel row, column) → the formula's text. Their cells read as blank.
    pending: dict[tuple[int, int], str] = field(default_factory=dict)

    def value(self, row: int, col: int) -> CellValue:
        """The value at Excel ``row``, ``col`` (1-based), ``None`` outside the grid."""
        i, j = row - self.first_row, col - self.first_col
        if 0 <= i < len(self.rows) and 0 <= j < len(self.rows[i]):
            return self.rows[i][j]
        return None


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What a file looked like when it was read, to notice a change before writing."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(slots=True)
class WorkbookGrid:
    """All worksheets of a workbook in tab order, plus where it came from."""

    path: str
    sheets: dict[str, SheetGrid]
    date1904: bool = False
    stamp: FileStamp | None = None
    names: tuple[str, ...] = ()  # every worksheet's name in tab order, read or not
    # each read sheet's bytes from </sheetData> to the end of its part (conditional formats
    # and what follows), as the reader's byte scan saw them: a writer given the same file
    # (same stamp) checks kqxl's conditional format there without inflating the part again
    tails: dict[str, bytes] = field(default_factory=dict)
