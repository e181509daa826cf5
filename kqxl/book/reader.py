"""Fast reading: python-calamine for the cells, normalised to kqxl's cell values.

calamine builds a sheet's whole used area (first cell to last cell) in memory before Python
sees any of it: one value at XFD1048576 asks for ~550 GB and the process aborts (no exception
to catch). So every sheet is first scanned as a byte stream, cheaply, for how many cells it
holds and how far they reach; calamine reads it only when that area is in proportion to the
cells present. Any other sheet — sparse, or written in a way the scan cannot vouch for — is read
by kqxl's own streaming parser, which keeps only the cells present (slower per cell, but such
sheets hold few cells). The scan walks each window's tags once, and calamine's rows are
normalised, in C (``_speedups.c``, built at install where a compiler is at hand; elsewhere the
same loops run in Python, slower). A sheet whose cells are spread too thinly even for that is
refused with a one-line :class:`~kqxl.errors.WorkbookError`.

calamine cannot answer two more things, and kqxl finds them itself rather than through openpyxl
(whose read-only mode is ~8× slower over a whole sheet):

* error cells — calamine returns ``''`` for ``#N/A`` and friends; the same byte scan notices
  cells with ``t="e"`` (only sheets that contain any are parsed further);
* formulas without a computed value — a program that does not calculate (openpyxl, some
  generators) saves ``<c><f>2+3</f><v/></c>``; calamine reads that as blank. The byte scan
  notices ``<f`` and only such sheets are parsed further; each such cell reads as blank and is
  listed in :attr:`~kqxl.cells.SheetGrid.pending`, so that validation can say so;
* the date system — read from ``workbookPr/@date1904`` in workbook.xml (calamine applies it to
  the dates it returns, but does not expose it).
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import python_calamine as calamine

from kqxl.book.package import Package, open_package, read_rels
from kqxl.book.safety import (
    Limits,
    PartError,
    check_file,
    chunks_ahead,
    describe_error,
    describe_os_error,
    fail,
    file_stamp,
    member_chunks,
    read_member,
)
from kqxl.book.sheetxml import iter_rows, parse_range
from kqxl.book.styles import StyleBook
from kqxl.cells import CellError, CellValue, MergedRange, SheetGrid, WorkbookGrid, column_index
from kqxl.errors import HostileFileError, WorkbookError

try:  # the scan and the row loop in C (setup.py); without a compiler at install, in Python
    from kqxl import _speedups
except ImportError:  # pragma: no cover - the C part is built wherever the tests run
    _speedups = None  # type: ignore[assignment]

MAX_ROW = 1_048_576
MAX_COL = 16_384
# calamine reads a sheet whose used area is at most this many cells, or at most DENSE_FACTOR
# times the cells present; its memory is ~32 bytes per cell of the area (Rust) plus the Python
# objects. A rep's sheet fills a third or more of its area; a far-away stray cell does not.
DENSE_AREA = 1 << 20
DENSE_FACTOR = 4
# the streaming reader pads a row out to its last cell: at most this many slots per cell present
PAD_FACTOR = 16

# a sheet may spell the main namespace with a prefix (<x:c>, <x:v>)
_ERROR_CELL = re.compile(
    rb"""<(?:\w+:)?c\b([^>]*?\bt=["']e["'][^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>""", re.S
)
_REF_ATTR = re.compile(rb"""\br=["']([A-Z]+)(\d+)["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref=["']([^"']*)["']""")
# tags that start like a cell but are not one: <col(s)>, <cfRule>, <customSheetView>, <cellWatch>…
_NOT_CELL = (b"o", b"f", b"u", b"e")


@dataclass(slots=True)
class SheetScan:
    """What one pass over a sheet part's bytes tells, before any cell is built.

    ``plain`` means every cell starts ``<c r="A1"`` with a reference inside Excel's grid, so
    ``max_row``/``max_col`` bound the area any reader would allocate. Excel, LibreOffice, WPS
    and openpyxl all write sheets that way.
    """

    cells: int = 0
    max_row: int = 0
    max_col: int = 0
    errors: bool = False
    formula_tags: bool = False  # a <f> or <f ...> somewhere
    valueless: bool = False  # a cell that may end without a value (</f></c>, <v/> …)
    tail: bytes = b""  # the last bytes of the previous window (a marker may straddle)
    plain: bool = True
    # the part from </sheetData> to its end (None: not seen, e.g. an empty <sheetData/>)
    sheet_end: list[bytes] | None = None

    @property
    def formulas(self) -> bool:
        """Whether the sheet may hold a formula without a computed value."""
        return self.formula_tags and self.valueless

    @property
    def area(self) -> int:
        """Cells in the rectangle from A1 to the farthest row and column (an upper bound)."""
        return self.max_row * self.max_col

    @property
    def dense(self) -> bool:
        """Whether calamine may read the sheet: its area is in proportion to its cells."""
        return self.plain and self.area <= max(DENSE_AREA, DENSE_FACTOR * self.cells)


def read_workbook(
    path: str | os.PathLike[str],
    *,
    sheets: Iterable[str] | None = None,
    missing_ok: bool = False,
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, safe as a default
) -> WorkbookGrid:
    """Read the worksheets of ``path`` (all, or those named in ``sheets``) as typed values.

    Values: ``str``; ``int`` for whole numbers, ``float`` otherwise; ``bool``; ``date`` /
    ``datetime`` / ``time`` where the cell has a date format (1900 and 1904 date systems);
    :class:`~kqxl.cells.CellError` for error cells; ``None`` for blanks. Chartsheets are
    skipped; with ``missing_ok`` a name in ``sheets`` that the workbook lacks is left out
    instead of raising. Other sheets are never opened. Raises a
    :class:`~kqxl.errors.WorkbookError` subclass for a file kqxl cannot read. Memory follows
    the cells present, not the sheets' used ranges; rows of a sparse sheet that hold nothing
    may share one empty list, so treat the rows as read-only.

    >>> book = read_workbook("团队总表.xlsx", sheets=["客户"])   # doctest: +SKIP
    >>> book.sheets["客户"].value(1, 1)                          # doctest: +SKIP
    '客户编号'
    """
    p = Path(path)
    stamp = file_stamp(p)
    with check_file(p, limits) as zf:
        package = open_package(p, zf)
        wanted = _wanted_sheets(package, sheets, missing_ok)
        scans = {name: scan_sheet(p, zf, part) for name, part in wanted}
        # calamine refuses a whole workbook in which one sheet lacks its relationship: then
        # every sheet is read by the streaming reader
        dense = [(n, part) for n, part in wanted if scans[n].dense and package.rids_complete]
        errors = {name: _error_cells(p, zf, part, scans[name]) for name, part in dense}
        pending = {name: _pending_cells(p, zf, part, scans[name]) for name, part in dense}
        try:
            grids = {
                name: _stream_sheet(p, zf, package, name, part)
                for name, part in wanted
                if (name, part) not in dense
            }
        except MemoryError:
            raise fail(HostileFileError, "too_large", path=p, detail="单元格过多") from None
    if dense:
        try:
            book = calamine.CalamineWorkbook.from_path(str(p))
        except calamine.PasswordError:
            raise fail(WorkbookError, "encrypted", path=p) from None
        except (calamine.CalamineError, ValueError) as exc:  # what calamine finds in the file
            raise fail(WorkbookError, "corrupt", path=p, detail=describe_error(exc)) from None
        except OSError as exc:  # the file went away or the share failed since it was checked
            raise fail(WorkbookError, "unreadable", path=p, detail=describe_os_error(exc)) from None
        try:
            for name, _part in dense:
                grids[name] = _read_sheet(p, book, name, errors[name])
                _mark_pending(grids[name], pending[name])
        except MemoryError:
            raise fail(HostileFileError, "too_large", path=p, detail="单元格过多") from None
        finally:
            book.close()
    ordered = {name: grids[name] for name, _part in wanted}  # tab order
    names = tuple(s.name for s in package.sheets if s.kind == "worksheet")
    tails = {
        name: b"".join(end) for name, _part in wanted if (end := scans[name].sheet_end) is not None
    }
    return WorkbookGrid(
        path=str(p),
        sheets=ordered,
        date1904=package.date1904,
        stamp=stamp,
        names=names,
        tails=tails,
    )


def _wanted_sheets(
    package: Package, names: Iterable[str] | None, missing_ok: bool
) -> list[tuple[str, str]]:
    worksheets = [
        (s.name, s.part) for s in package.sheets if s.kind == "worksheet" and s.part is not None
    ]
    if names is None:
        return worksheets
    chosen = []
    for name in names:
        try:
            info = package.sheet(name)
        except WorkbookError:
            if missing_ok:
                continue
            raise
        if info.rid_missing and info.part is None:
            raise fail(WorkbookError, "sheet_without_rid", path=package.path, sheet=info.name)
        if info.kind != "worksheet" or info.part is None:
            if missing_ok:
                continue
            raise fail(WorkbookError, "sheet_not_found", path=package.path, sheet=name)
        if (info.name, info.part) not in chosen:
            chosen.append((info.name, info.part))
    return chosen


def _read_sheet(
    path: Path,
    book: calamine.CalamineWorkbook,
    name: str,
    errors: dict[tuple[int, int], CellError],
) -> SheetGrid:
    rows: list[list[Any]] = []
    try:
        sheet = book.get_sheet_by_name(name)
        start = sheet.start
        merged_raw = sheet.merged_cell_ranges or []
        first_row, first_col = (start[0] + 1, start[1] + 1) if start else (1, 1)
        # Row by row rather than to_python(): each row is normalised as it comes, so the
        # duplicate text objects calamine makes for each cell (是, 否, a rep's name) die at once
        # instead of all living together with calamine's own copy of the sheet.
        # python-calamine 0.9 starts iter_rows() at row 1 but at the first used column; the
        # empty rows above are skipped here and anything else is cut to the used width.
        lines = sheet.iter_rows()
        for _ in range(first_row - 1):
            next(lines, None)
        width = sheet.width
        short: dict[str, str] = {}
        row: list[Any]
        for row in lines:
            if len(row) > width:
                row = row[len(row) - width :]
            rows.append(_normalised(row, short))
        if len(rows) != sheet.height:  # another python-calamine: take the plain way
            rows = [_normalised(row, short) for row in sheet.to_python(skip_empty_area=True)]
    except (calamine.CalamineError, ValueError) as exc:
        raise fail(
            WorkbookError, "corrupt", path=path, detail=f"工作表“{name}”：{describe_error(exc)}"
        ) from None
    del sheet, lines  # calamine's copy of the cells is no longer needed
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


# Short texts repeat down a column (是/否, types, reps): one object each is enough.
_SHARED_TEXT_LEN = 8
_SHARED_TEXT_MAX = 1 << 16


def _normalised(row: list[Any], short: dict[str, str]) -> list[Any]:
    """calamine's row in kqxl's values: ``''`` → None, whole floats → int (in place); short
    texts shared through ``short``."""
    if _speedups is not None:
        return _speedups.normalise_row(row, short, _SHARED_TEXT_LEN, _SHARED_TEXT_MAX)
    return _normalised_py(row, short)


def _normalised_py(row: list[Any], short: dict[str, str]) -> list[Any]:
    for j, value in enumerate(row):
        kind = type(value)
        if kind is str:
            if not value:
                row[j] = None
            elif len(value) <= _SHARED_TEXT_LEN:
                same = short.get(value)
                if same is not None:
                    row[j] = same
                elif len(short) < _SHARED_TEXT_MAX:
                    short[value] = value
        elif kind is float and value.is_integer():
            row[j] = int(value)
    return row


def _has_error_cell(window: bytes) -> bool:
    """Whether ``window`` holds ``t="e"`` (or ``t='e'``). Searched for without the closing
    quote first: a quote is in every cell, an ``e`` after ``t="`` almost never, so that search
    skips ahead four times faster."""
    # (an apostrophe is looked for first: one byte is found by memchr, at memory speed)
    return (b't="e' in window and b't="e"' in window) or (
        b"'" in window and b"t='e" in window and b"t='e'" in window
    )


def _error_cells(
    path: Path, zf: zipfile.ZipFile, part: str, scan: SheetScan
) -> dict[tuple[int, int], CellError]:
    """Error cells of one sheet part; the part is parsed only if the scan saw any, and then
    streamed (a cell never straddles two windows: each ends before a ``<row``)."""
    if not scan.errors:
        return {}
    found_cells: dict[tuple[int, int], CellError] = {}
    for window in _row_windows(path, zf, part):
        _note_errors(window, found_cells)
    return found_cells


def _row_windows(path: Path, zf: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The bytes of a sheet part in windows that each end before a ``<row`` (so a cell never
    straddles two of them)."""
    carry = b""
    for chunk in member_chunks(path, zf, part):
        window = carry + chunk
        cut = max(window.rfind(b"<row"), window.rfind(b":row"))
        if cut <= 0:
            carry = window
            continue
        carry, window = window[cut:], window[:cut]
        yield window
    yield carry


def _note_errors(window: bytes, found_cells: dict[tuple[int, int], CellError]) -> None:
    if not _has_error_cell(window):
        return
    for m in _ERROR_CELL.finditer(window):
        ref = _REF_ATTR.search(m.group(1))
        value = _VALUE.search(m.group(2))
        if ref is None or value is None:
            continue  # Excel always writes r=; a cell without a cached value reads as blank
        code = value.group(1).decode("utf-8", errors="replace")
        found_cells[(int(ref.group(2)), column_index(ref.group(1).decode()))] = CellError(code)


def _pending_cells(
    path: Path, zf: zipfile.ZipFile, part: str, scan: SheetScan
) -> dict[tuple[int, int], str]:
    """Formula cells without a computed value of one sheet part → their formula text; the
    part is parsed only if the scan saw a formula, and then streamed as :func:`_error_cells`."""
    if not scan.formulas:
        return {}
    found: dict[tuple[int, int], str] = {}
    for window in _row_windows(path, zf, part):
        _note_pending(window, found)
    return found


def _note_pending(window: bytes, found: dict[tuple[int, int], str]) -> None:
    for m in _CELL.finditer(window):
        inner = m.group(2)
        if not inner:
            continue
        attrs = {k: a if a else b for k, a, b in _ATTRS.findall(m.group(1))}
        formula = pending_formula(attrs, inner)
        ref = _REF.fullmatch(attrs.get(b"r", b""))
        if formula is not None and ref is not None:
            found[(int(ref.group(2)), column_index(ref.group(1).decode("ascii").upper()))] = formula


def pending_formula(attrs: dict[bytes, bytes], inner: bytes) -> str | None:
    """The formula (``=2+3``) of a cell that has one but no computed value, else ``None``.

    An empty ``<v/>`` is no value, except for a text result (``t="str"``), which may be empty.
    """
    if b"f" not in inner:
        return None
    f = _FORMULA.search(inner)
    if f is None:
        return None
    v = _VALUE.search(inner)
    if v is not None and (v.group(1) or attrs.get(b"t") == b"str"):
        return None
    return "=" + _unescape(f.group(1) or b"")


def _mark_pending(grid: SheetGrid, pending: dict[tuple[int, int], str]) -> None:
    """List ``pending`` in ``grid`` and make sure each reads as blank."""
    if not pending:
        return
    grid.pending.update(pending)
    for r, c in pending:
        i, j = r - grid.first_row, c - grid.first_col
        if 0 <= i < len(grid.rows) and 0 <= j < len(grid.rows[i]):
            grid.rows[i][j] = None


# --- the byte scan ---------------------------------------------------------------------------


def scan_sheet(path: Path, zf: zipfile.ZipFile, part: str) -> SheetScan:
    """Count the cells of a sheet part and find how far they reach, streaming its bytes.

    Costs about one decompression of the part: counting is done by ``bytes.count``, and the
    farthest reference is found from the last cell of each 1 MiB window plus one regex search
    for any reference beyond it (a full parse of a window only when one is found).
    """
    scan = SheetScan()
    prefix: bytes | None = None
    carry = b""
    # inflated by a worker thread while the windows are scanned (both outside the GIL)
    chunks = member_chunks(path, zf, part)
    for chunk in chunks_ahead(chunks) if _speedups is not None else chunks:
        window = carry + chunk
        cut = window.rfind(b"<")
        if cut <= 0:
            carry = window
            continue
        # a tag never straddles two windows: each ends just before a "<"
        carry, window = window[cut:], window[:cut]
        if prefix is None:
            root = _ROOT.search(window)
            if root is None:
                continue  # still in the prolog: no cells before the root element
            prefix = root.group(1) or b""
        _scan_window(window, prefix, scan)
        _note_end(window, scan)
    if carry and prefix is not None:
        _scan_window(carry, prefix, scan)
        _note_end(carry, scan)
    return scan


def _note_end(window: bytes, scan: SheetScan) -> None:
    """Keep the part's bytes from ``</sheetData>`` on (a tag is never cut between windows)."""
    if scan.sheet_end is not None:
        scan.sheet_end.append(window)
    # sheetData ends after the last row: only the bytes after a window's last row are searched
    # (were a tag of the tail to end in "row>", the tail is not kept and a write probes the part)
    elif (at := window.find(b"sheetData>", max(window.rfind(b"row>"), 0))) >= 0:
        m = _SHEET_DATA_END.search(window, max(at - 32, 0))
        if m is not None:
            scan.sheet_end = [window[m.start() :]]


def _scan_window(window: bytes, prefix: bytes, scan: SheetScan) -> None:
    if _speedups is not None and len(prefix) <= _C_PREFIX_MAX:
        _scan_window_c(window, prefix, scan)
    else:
        _scan_window_py(window, prefix, scan)


_C_PREFIX_MAX = 16  # the longest namespace prefix _speedups.c takes (x: in what Excel writes)


def _scan_window_c(window: bytes, prefix: bytes, scan: SheetScan) -> None:
    """:func:`_scan_window_py`, with the passes over the window done in one by ``_speedups.c``,
    which returns the facts this combines as the Python scan does."""
    if prefix:  # rare: the checks of a prefixed sheet stay in Python
        head = b"<" + prefix + b'c r="'
        if _CELL_START.search(window) or window.count(b":c ") != window.count(head):
            scan.plain = False
    (n, not_cells, refs, last_row, beyond, valid, row, col, prefixed, errors, tag, valueless) = (
        _speedups.scan_window(
            window, prefix, min(scan.max_row, _BIG), min(scan.max_col, _BIG), not prefix
        )
    )
    if prefixed:
        scan.plain = False
    if errors:
        scan.errors = True
    if not scan.formulas:
        _scan_formulas(window, prefix, scan, (bool(tag), bool(valueless)))
    scan.max_row = max(scan.max_row, last_row)
    if n != refs:
        n -= not_cells
        if n != refs:
            scan.plain = False
    scan.cells += n
    if not refs or not beyond:
        return
    if valid != refs:
        scan.plain = False
    if valid:
        scan.max_row = max(scan.max_row, row)
        scan.max_col = max(scan.max_col, col)
    if scan.max_row > MAX_ROW or scan.max_col > MAX_COL:
        scan.plain = False


_BIG = 10**18  # beyond this a row or column is absurdly far; _speedups.c counts no further


def _scan_window_py(window: bytes, prefix: bytes, scan: SheetScan) -> None:
    # A window of sheetData costs two counts, one regex search and three `in`-like tests, each
    # one C-speed pass; the rare window with a reference past the farthest so far is parsed.
    open_c = b"<" + prefix + b"c"
    head = open_c + b' r="'
    # a cell spelled with another prefix than the root's escapes the tests below
    if prefix:
        if _CELL_START.search(window) or window.count(b":c ") != window.count(head):
            scan.plain = False
    elif _PREFIXED_CELL_START.search(window):
        scan.plain = False
    if _has_error_cell(window):
        scan.errors = True
    if not scan.formulas:
        _scan_formulas(window, prefix, scan)
    at = window.rfind(head)
    if at >= 0:
        last = _REF_AT.match(window, at + len(head))
        if last is not None:  # rows ascend in what Excel writes: the last is the farthest
            scan.max_row = max(scan.max_row, int(last.group(2)))
    refs = window.count(head)
    n = window.count(open_c)
    if n != refs:
        # tags that begin like a cell but are not one (<cols>, <cfRule>…) stand outside sheetData
        n -= sum(window.count(open_c + ch) for ch in _NOT_CELL)
        if n != refs:
            scan.plain = False  # a cell without r= first: calamine places it by counting
    scan.cells += n
    if not refs or _beyond(head, scan.max_row, scan.max_col).search(window) is None:
        return
    # a reference past the rows and columns seen so far: read them all (rare)
    found = _all_refs(head).findall(window)
    if len(found) != refs:
        scan.plain = False  # calamine refuses such a reference; the streaming reader names it
    if found:
        # each distinct row and column once (a sheet's first window holds thousands of cells)
        letters, digits = map(set, zip(*found, strict=True))
        scan.max_row = max(scan.max_row, *map(int, digits))
        scan.max_col = max(
            scan.max_col, *(column_index(c.decode("ascii").upper()) for c in letters)
        )
    if scan.max_row > MAX_ROW or scan.max_col > MAX_COL:
        scan.plain = False


def _scan_formulas(
    window: bytes, prefix: bytes, scan: SheetScan, found: tuple[bool, bool] | None = None
) -> None:
    # Excel always writes a formula's value, so a sheet Excel saved is not parsed further even
    # if it holds formulas; a program that does not calculate leaves one of these markers.
    # ``found``: whether the window holds a formula tag and a marker, as _speedups.c found them
    # (then only the edge between the windows is searched here).
    open_f = b"<" + prefix + b"f"
    if not scan.formula_tags:
        edge = scan.tail + window[:8]
        scan.formula_tags = any(
            open_f in w and any(open_f + end in w for end in (b">", b" "))
            for w in ((edge,) if found else (edge, window))
        ) or bool(found and found[0])
    if scan.formula_tags and not scan.valueless:
        edge = scan.tail + window[:16]
        v, c, f = b"<" + prefix + b"v", b"</" + prefix + b"c>", b"</" + prefix + b"f>"
        markers = (f + c, b"/>" + c, v + b"/>", v + b" />", v + b"></" + prefix + b"v>")
        scan.valueless = any(
            m in w for w in ((edge,) if found else (edge, window)) for m in markers
        ) or bool(found and found[1])
    scan.tail = window[-16:]


_CELL_START = re.compile(rb"<c[\s>/]")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")  # as kqxl.book.highlight finds it
_PREFIXED_CELL_START = re.compile(rb":c[\s>/]")
_REF_AT = re.compile(rb'([A-Z]{1,3})([0-9]{1,7})"')


@lru_cache(maxsize=64)
def _all_refs(head: bytes) -> re.Pattern[bytes]:
    # calamine reads letters in either case and digits of any length (leading zeros too)
    return re.compile(re.escape(head) + rb'([A-Za-z]+)([0-9]+)"')


def _greater(value: str, classes: tuple[str, str]) -> str:
    """A regex for the strings that sort after ``value`` as numbers or column letters do:
    longer, or as long and greater at the first difference. ``classes`` are the character
    class of any character and the highest character ("9" or "Z")."""
    any_char, high = classes
    k = len(value)
    if not k:
        return f"{any_char}+"
    alts = [f"{any_char}{{{k + 1},}}"]
    for i, ch in enumerate(value):
        if ch >= high:
            continue
        fixed = "".join(_either_case(c) for c in value[:i])
        nxt = chr(ord(ch) + 1)
        above = f"[{nxt}-{high}{nxt.lower()}-{high.lower()}]" if high == "Z" else f"[{nxt}-9]"
        tail = f"{any_char}{{{k - i - 1}}}" if k - i - 1 else ""
        alts.append(f"{fixed}{above}{tail}")
    return "|".join(alts)


def _either_case(ch: str) -> str:
    return f"[{ch}{ch.lower()}]" if ch.isalpha() else ch


@lru_cache(maxsize=256)
def _beyond_pattern(head: bytes, row: str, col: str) -> re.Pattern[bytes]:
    rows = _greater(row, ("[0-9]", "9"))
    cols = _greater(col, ("[A-Za-z]", "Z"))
    # one literal head, so that re's fast search for it does the scanning; a row number with
    # fewer digits than ``row`` cannot be greater, so the alternatives are tried only after
    # the look-ahead finds enough digits (half the cost of trying them at every cell)
    enough = f"(?=[0-9]{{{len(row)}}})" if row else ""
    pattern = f'{re.escape(head.decode("ascii"))}(?:(?:{cols})[0-9]|[A-Za-z]+{enough}(?:{rows})")'
    return re.compile(pattern.encode("ascii"))


def _beyond(head: bytes, max_row: int, max_col: int) -> re.Pattern[bytes]:
    """Matches a cell reference past ``max_row`` or ``max_col``."""
    col = _letters(max_col) if max_col else ""
    return _beyond_pattern(head, str(max_row) if max_row else "", col)


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- the streaming reader for sparse sheets --------------------------------------------------

_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTRS = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"([A-Za-z]{1,3})([0-9]{1,7})")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)
_PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)
_DAY_MS = 86_400_000


def _stream_sheet(
    path: Path, zf: zipfile.ZipFile, package: Package, name: str, part: str
) -> SheetGrid:
    """Read only the cells present, row by row; refuse a sheet spread too thinly to hold."""
    reader = _CellReader(path, zf, package)
    present: dict[int, dict[int, CellValue]] = {}
    pending: dict[tuple[int, int], str] = {}
    try:
        merged_refs: list[bytes] = []
        chunks = _noting_merges(member_chunks(path, zf, part), merged_refs)
        for r, xml in iter_rows(chunks):
            col = 0
            for m in _CELL.finditer(xml):
                attrs = {k: a if a else b for k, a, b in _ATTRS.findall(m.group(1))}
                ref = attrs.get(b"r")
                row = r
                if ref is not None:
                    rm = _REF.fullmatch(ref)
                    if rm is None:
                        raise _bad_cell(path, name, ref)
                    row = int(rm.group(2))
                    col = column_index(rm.group(1).decode("ascii").upper())
                else:
                    col += 1
                if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
                    raise _bad_cell(path, name, ref or f"R{row}C{col}".encode())
                inner = m.group(2) or b""
                formula = pending_formula(attrs, inner) if inner else None
                if formula is not None:
                    pending[(row, col)] = formula
                    continue
                value = reader.value(attrs, inner)
                if value is not None:
                    present.setdefault(row, {})[col] = value
    except (PartError, ValueError, UnicodeError) as exc:
        raise fail(
            WorkbookError, "corrupt", path=path, detail=f"工作表“{name}”：{describe_error(exc)}"
        ) from None
    merged = []
    for ref_text in merged_refs:
        bounds = parse_range(ref_text.decode("ascii", "replace"))
        if bounds is not None:
            merged.append(MergedRange(*bounds))
    if not present:
        return SheetGrid(name=name, rows=[], merged=merged, pending=pending)
    first_row, last_row = min(present), max(present)
    first_col = min(min(cols) for cols in present.values())
    cells = sum(map(len, present.values()))
    # the grid pads each row out to its last cell; keep that in proportion to the cells too
    # (a padded slot costs a pointer, a cell present many times that: a sheet where a row
    # fills one column in six — a team's master, most inputs blank — is read, a row holding
    # A and XFD is not)
    width = sum(max(cols) - first_col + 1 for cols in present.values())
    if width > max(DENSE_AREA, PAD_FACTOR * cells):
        raise fail(WorkbookError, "sheet_too_sparse", path=path, sheet=name, cells=cells)
    empty: list[CellValue] = []
    rows: list[list[CellValue]] = [empty] * (last_row - first_row + 1)
    for r, cols in present.items():
        line: list[CellValue] = [None] * (max(cols) - first_col + 1)
        for c, value in cols.items():
            line[c - first_col] = value
        rows[r - first_row] = line
    return SheetGrid(
        name=name,
        rows=rows,
        first_row=first_row,
        first_col=first_col,
        merged=merged,
        pending=pending,
    )


def _noting_merges(chunks: Iterable[bytes], found: list[bytes]) -> Iterator[bytes]:
    """Pass ``chunks`` on, noting the ``ref`` of every ``<mergeCell>`` in ``found``."""
    carry = b""
    for chunk in chunks:
        yield chunk
        window = carry + chunk
        cut = window.rfind(b"<")
        carry, window = (window[cut:], window[:cut]) if cut > 0 else (window, b"")
        if b"mergeCell" in window:
            found.extend(m.group(1) for m in _MERGE.finditer(window))
    if b"mergeCell" in carry:
        found.extend(m.group(1) for m in _MERGE.finditer(carry))


def _bad_cell(path: Path, sheet: str, ref: bytes) -> WorkbookError:
    return fail(
        WorkbookError, "bad_cell", path=path, sheet=sheet, cell=ref.decode("ascii", "replace")[:20]
    )


class _CellReader:
    """Turns one ``<c>`` into a cell value as calamine would; shared strings and styles are
    loaded on first need."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, package: Package) -> None:
        self.path, self.zf, self.package = path, zf, package
        self._strings: list[str] | None = None
        self._styles: StyleBook | bool | None = False
        self._date_styles: dict[bytes | None, bool] = {}

    def value(self, attrs: dict[bytes, bytes], inner: bytes) -> CellValue:
        t = attrs.get(b"t", b"n")
        if t == b"inlineStr":
            return _rich_text(inner) or None
        v = _VALUE.search(inner)
        if v is None:
            return None
        raw = v.group(1)
        if t == b"s":
            strings = self.strings()
            index = int(raw)
            if not 0 <= index < len(strings):
                raise PartError(f"共享字符串 {index} 不存在")
            return strings[index] or None
        if t == b"str":
            return _unescape(raw) or None
        if t == b"b":
            return raw.strip() not in (b"0", b"")
        if t == b"e":
            return CellError(raw.decode("utf-8", errors="replace"))
        if t == b"d":
            text = _unescape(raw)
            try:
                stamp = dt.datetime.fromisoformat(text)
            except ValueError:
                return text or None
            return stamp.date() if stamp.time() == dt.time() and "T" not in text else stamp
        if not raw.strip():
            return None
        number = float(raw)
        if self.is_date(attrs.get(b"s")):
            when = excel_date(number, self.package.date1904)
            if when is not None:
                return when
        return int(number) if number.is_integer() else number

    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = _shared_strings(self.path, self.zf, self.package)
        return self._strings

    def is_date(self, s: bytes | None) -> bool:
        known = self._date_styles.get(s)
        if known is None:
            styles = self.styles()
            index = int(s) if s and s.isdigit() else None
            known = styles is not None and styles.is_date(index)
            self._date_styles[s] = known
        return known

    def styles(self) -> StyleBook | None:
        if self._styles is False:
            part = self.package.styles_part
            book: StyleBook | None = None
            if part is not None:
                try:
                    book = StyleBook(read_member(self.path, self.zf, part))
                except (PartError, UnicodeError, KeyError):
                    book = None
            self._styles = book
        return self._styles if isinstance(self._styles, StyleBook) else None


def _shared_strings(path: Path, zf: zipfile.ZipFile, package: Package) -> list[str]:
    """The shared-string table, streamed: each ``<si>`` is its runs' text without phonetics."""
    rels = read_rels(path, zf, package.workbook_part)
    part = next(
        (r.target for r in rels if r.type.endswith("/sharedStrings") and not r.external), None
    )
    if part is None:
        return []
    strings: list[str] = []
    buf = b""
    for chunk in member_chunks(path, zf, part):
        buf += chunk
        end = 0
        for m in _SI.finditer(buf):
            if m.group(1) is None and not m.group(0).endswith(b"/>"):
                break
            strings.append(_rich_text(m.group(1) or b""))
            end = m.end()
        buf = buf[end:]
    return strings


def _rich_text(inner: bytes) -> str:
    if b"rPh" in inner:
        inner = _PHONETIC.sub(b"", inner)
    return "".join(_unescape(t or b"") for t in _TEXT.findall(inner))


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "\r" in text:  # an XML parser reads a literal CR LF (or CR) as LF
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(_excel_char, text)
    return text


def _excel_char(m: re.Match[str]) -> str:
    """``_x000D_`` → CR; a code that is no character (a surrogate, FFFE, FFFF) stays as written."""
    code = int(m.group(1), 16)
    if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return m.group(0)
    return chr(code)


def excel_date(serial: float, date1904: bool) -> dt.date | dt.datetime | dt.time | None:
    """An Excel date serial as calamine reads it: a time below 1, a date when whole, else a
    datetime (to the millisecond); ``None`` past 9999-12-31.

    >>> excel_date(45000, False), excel_date(0.5, False), excel_date(60, False)
    (datetime.date(2023, 3, 15), datetime.time(12, 0), datetime.date(1900, 2, 28))
    """
    ms = round(serial * _DAY_MS)
    if serial < 1:
        return (dt.datetime.min + dt.timedelta(milliseconds=ms % _DAY_MS)).time()
    if date1904:
        epoch = _EPOCH_1904
    elif serial < 60:
        epoch = _EPOCH_1900 + dt.timedelta(days=1)  # Excel counts a 29 February 1900
    elif serial < 61:
        epoch, ms = _EPOCH_1900 + dt.timedelta(days=1), ms - _DAY_MS
    else:
        epoch = _EPOCH_1900
    try:
        when = epoch + dt.timedelta(milliseconds=ms)
    except OverflowError:
        return None
    return when.date() if ms % _DAY_MS == 0 else when
