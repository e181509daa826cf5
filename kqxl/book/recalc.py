"""Computing formulas that a workbook holds without their values, through LibreOffice.

A workbook saved by a program that does not calculate (openpyxl, some generators) has formulas
without a computed value; the reader lists them in :attr:`~kqxl.cells.SheetGrid.pending`. With
``--recalc`` kqxl asks LibreOffice (headless, with a private profile) to convert a *copy* of the
file in a temporary folder — loading computes the formulas — and reads the pending cells' values
from that copy. The user's file is never opened by LibreOffice, let alone written.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from kqxl.book.reader import read_workbook
from kqxl.book.safety import fail
from kqxl.cells import CellValue, SheetGrid, WorkbookGrid
from kqxl.errors import WorkbookError, describe_os_error

# LibreOffice starts in ~2 s and converts a rep's workbook in a few more; a large one may take
# minutes. Past this, the copy is abandoned and the run stops with recalc_failed.
RECALC_TIMEOUT = 600.0
_SOFFICE_NAMES = ("soffice", "libreoffice")


def find_soffice() -> str | None:
    """The LibreOffice program on PATH, or ``None`` when it is not installed."""
    for name in _SOFFICE_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    return None


def recalculate(grid: WorkbookGrid, *, timeout: float = RECALC_TIMEOUT) -> WorkbookGrid:
    """Fill the pending formula cells of ``grid`` with the values LibreOffice computes for them.

    Raises :class:`~kqxl.errors.WorkbookError` (``recalc_unavailable``) when LibreOffice is not
    installed — also when nothing is pending, so that ``--recalc`` fails the same way on every
    workbook — and ``recalc_failed`` when it gives no computed copy. ``grid`` is changed in
    place and returned; a cell LibreOffice leaves without value stays pending.
    """
    path = Path(grid.path)
    soffice = find_soffice()
    if soffice is None:
        raise fail(WorkbookError, "recalc_unavailable", path=path)
    wanted = [name for name, sheet in grid.sheets.items() if sheet.pending]
    if not wanted:
        return grid
    with tempfile.TemporaryDirectory(prefix="kqxl-recalc-") as tmp:
        work = Path(tmp)
        source = work / "in" / ("book" + path.suffix.lower())
        source.parent.mkdir()
        try:
            shutil.copyfile(path, source)
        except OSError as exc:
            raise fail(
                WorkbookError, "unreadable", path=path, detail=describe_os_error(exc)
            ) from None
        computed = _convert(soffice, source, work, path, timeout)
        copy = read_workbook(computed, sheets=wanted, missing_ok=True)
    for name in wanted:
        done = copy.sheets.get(name)
        if done is not None:
            _fill(grid.sheets[name], done)
    return grid


def _convert(soffice: str, source: Path, work: Path, path: Path, timeout: float) -> Path:
    out = work / "out"
    command = [
        soffice,
        f"-env:UserInstallation={(work / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
        str(source),
    ]
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired:
        raise fail(
            WorkbookError, "recalc_failed", path=path, detail=f"{timeout:g} 秒内未完成"
        ) from None
    except OSError as exc:
        raise fail(
            WorkbookError, "recalc_failed", path=path, detail=describe_os_error(exc)
        ) from None
    computed = out / (source.stem + ".xlsx")
    if done.returncode != 0 or not computed.is_file():
        detail = f"退出码 {done.returncode}，未生成计算后的副本"
        raise fail(WorkbookError, "recalc_failed", path=path, detail=detail)
    return computed


def _fill(sheet: SheetGrid, computed: SheetGrid) -> None:
    """Put the computed values of ``sheet``'s pending cells into it; drop them from pending."""
    for (r, c), _formula in list(sheet.pending.items()):
        if (r, c) in computed.pending:
            continue  # LibreOffice could not compute it either: it stays a notice
        _put(sheet, r, c, computed.value(r, c))
        del sheet.pending[(r, c)]


def _put(sheet: SheetGrid, row: int, col: int, value: CellValue) -> None:
    """Set one cell, growing the grid as needed. Rows may share one list (a sparse sheet's
    empty rows): the row changed is always a fresh copy."""
    rows = sheet.rows
    if not rows:
        sheet.first_row, sheet.first_col = row, col
    if row < sheet.first_row:
        rows[0:0] = [[] for _ in range(sheet.first_row - row)]
        sheet.first_row = row
    if col < sheet.first_col:
        pad = [None] * (sheet.first_col - col)
        rows[:] = [[*pad, *line] if line else [] for line in rows]
        sheet.first_col = col
    i, j = row - sheet.first_row, col - sheet.first_col
    while len(rows) <= i:
        rows.append([])
    line = list(rows[i])
    if len(line) <= j:
        line.extend([None] * (j + 1 - len(line)))
    line[j] = value
    rows[i] = line
