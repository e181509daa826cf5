"""Fast reading: python-calamine for the cells, normalised to kqxl's cell values.

calamine cannot answer two things, and kqxl finds them itself rather than through openpyxl
(whose read-only mode is ~8× slower over a whole sheet):

* error cells — calamine returns ``''`` for ``#N/A`` and friends; a streaming byte scan of the
  sheet part finds cells with ``t="e"`` (only sheets that contain any are parsed further);
* the date system — read from ``workbookPr/@date1904`` in workbook.xml (calamine applies it to
  the dates it returns, but does not expose it).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import python_calamine as calamine

from kqxl.book.package import Package, open_package
from kqxl.book.safety import (
    Limits,
    check_file,
    describe_error,
    describe_os_error,
    fail,
    file_stamp,
    member_chunks,
    read_member,
)
from kqxl.cells import CellError, CellValue, MergedRange, SheetGrid, WorkbookGrid, column_index
from kqxl.errors import WorkbookError

# a sheet may spell the main namespace with a prefix (<x:c>, <x:v>)
_ERROR_CELL = re.compile(
    rb"""<(?:\w+:)?c\b([^>]*?\bt=["']e["'][^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>""", re.S
)
_REF_ATTR = re.compile(rb"""\br=["']([A-Z]+)(\d+)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def read_workbook(
    path: str | os.PathLike[str],
    *,
    sheets: Iterable[str] | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, safe as a default
) -> WorkbookGrid:
    """Read the worksheets of ``path`` (all, or those named in ``sheets``) as typed values.

    Values: ``str``; ``int`` for whole numbers, ``float`` otherwise; ``bool``; ``date`` /
    ``datetime`` / ``time`` where the cell has a date format (1900 and 1904 date systems);
    :class:`~kqxl.cells.CellError` for error cells; ``None`` for blanks. Chartsheets are
    skipped. Raises a :class:`~kqxl.errors.WorkbookError` subclass for a file kqxl cannot read.

    >>> book = read_workbook("团队总表.xlsx", sheets=["客户"])   # doctest: +SKIP
    >>> book.sheets["客户"].value(1, 1)                          # doctest: +SKIP
    '客户编号'
    """
    p = Path(path)
    stamp = file_stamp(p)
    with check_file(p, limits) as zf:
        package = open_package(p, zf)
        wanted = _wanted_sheets(package, sheets)
        errors = {name: _error_cells(p, zf, part) for name, part in wanted}
    try:
        book = calamine.CalamineWorkbook.from_path(str(p))
    except calamine.PasswordError:
        raise fail(WorkbookError, "encrypted", path=p) from None
    except (calamine.CalamineError, ValueError) as exc:  # what calamine finds in the file
        raise fail(WorkbookError, "corrupt", path=p, detail=describe_error(exc)) from None
    except OSError as exc:  # the file went away or the share failed since it was checked
        raise fail(WorkbookError, "unreadable", path=p, detail=describe_os_error(exc)) from None
    grids: dict[str, SheetGrid] = {}
    try:
        for name, _part in wanted:
            grids[name] = _read_sheet(p, book, name, errors[name])
    finally:
        book.close()
    return WorkbookGrid(path=str(p), sheets=grids, date1904=package.date1904, stamp=stamp)


def _wanted_sheets(package: Package, names: Iterable[str] | None) -> list[tuple[str, str]]:
    worksheets = [
        (s.name, s.part) for s in package.sheets if s.kind == "worksheet" and s.part is not None
    ]
    if names is None:
        return worksheets
    chosen = []
    for name in names:
        info = package.sheet(name)
        if info.kind != "worksheet" or info.part is None:
            raise fail(WorkbookError, "sheet_not_found", path=package.path, sheet=name)
        chosen.append((info.name, info.part))
    return chosen


def _read_sheet(
    path: Path,
    book: calamine.CalamineWorkbook,
    name: str,
    errors: dict[tuple[int, int], CellError],
) -> SheetGrid:
    try:
        sheet = book.get_sheet_by_name(name)
        rows: list[list[Any]] = sheet.to_python(skip_empty_area=True)
        start = sheet.start
        merged_raw = sheet.merged_cell_ranges or []
    except (calamine.CalamineError, ValueError) as exc:
        raise fail(
            WorkbookError, "corrupt", path=path, detail=f"工作表“{name}”：{describe_error(exc)}"
        ) from None
    first_row, first_col = (start[0] + 1, start[1] + 1) if start else (1, 1)
    for row in rows:
        for j, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if not value:
                    row[j] = None
            elif kind is float and value.is_integer():
                row[j] = int(value)
    grid: list[list[CellValue]] = rows
    for (r, c), err in errors.items():
        i, j = r - first_row, c - first_col
        if i < 0 or j < 0:
            continue  # calamine's used area always covers an error cell; be safe anyway
        while len(grid) <= i:
            grid.append([])
        line = grid[i]
        if len(line) <= j:
            line.extend([None] * (j + 1 - len(line)))
        line[j] = err
    merged = [MergedRange(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in merged_raw]
    return SheetGrid(name=name, rows=grid, first_row=first_row, first_col=first_col, merged=merged)


def _error_cells(path: Path, zf: zipfile.ZipFile, part: str) -> dict[tuple[int, int], CellError]:
    """Error cells of one sheet part; the part is parsed only if it holds any."""
    tail = b""
    for chunk in member_chunks(path, zf, part):
        window = tail + chunk
        if b' t="e"' in window or b" t='e'" in window:  # `in` is 4× faster than re
            break
        tail = chunk[-16:]
    else:
        return {}
    data = read_member(path, zf, part)
    found_cells: dict[tuple[int, int], CellError] = {}
    for m in _ERROR_CELL.finditer(data):
        ref = _REF_ATTR.search(m.group(1))
        value = _VALUE.search(m.group(2))
        if ref is None or value is None:
            continue  # Excel always writes r=; a cell without a cached value reads as blank
        code = value.group(1).decode("utf-8", errors="replace")
        found_cells[(int(ref.group(2)), column_index(ref.group(1).decode()))] = CellError(code)
    return found_cells
