"""Streaming rewrite of one worksheet part: rows without changes are copied as bytes, rows with
changes are split into cells and merged with the sorted changes, new rows are inserted in
order. Memory stays at about one chunk (1 MiB) plus the rows being rewritten.

This is a tokenizer over Excel's regular SpreadsheetML, not an XML parser: it never expands an
entity (a part with a DTD was refused before — see :mod:`kqxl.book.safety`).
"""

from __future__ import annotations

import datetime as dt
import html
import math
import operator
import re
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice, repeat
from typing import NamedTuple, Protocol

from openpyxl.formula.translate import Translator, TranslatorError

from kqxl.book.rows import RowShift, ShiftRefused, anchored_formula_hits, formula_hits, last_row
from kqxl.book.safety import PartError
from kqxl.book.styles import StyleBook
from kqxl.cells import CellError, Money, Percent, column_index, column_letter
from kqxl.texts import ERRORS, text

try:  # the row merge of a first recompute in C (kqxl/_speedups.c), where it could be built
    from kqxl import _speedups
except ImportError:  # pragma: no cover - without a compiler at install
    _speedups = None  # type: ignore[assignment]

MAX_ROW = 1_048_576
MAX_COL = 16_384
MAX_TEXT = 32_767
CHUNK = 1 << 20


class _Keep:
    """The value of a :class:`CellChange` that changes only the highlight."""

    _instance: _Keep | None = None

    def __new__(cls) -> _Keep:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


class CellValueError(ValueError):
    """A value that cannot be written; the message is shown to the user."""

    cell = ""


_NEEDS_ESCAPE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff&<>\r_]")


def escape_text(value: str) -> str:
    """XML-escape a string for ``<t>``, dropping characters XML 1.0 cannot hold and protecting
    literal ``_xHHHH_`` sequences that Excel would otherwise decode."""
    if not _NEEDS_ESCAPE.search(value):
        return value
    value = _ILLEGAL_XML.sub("", value)
    return _markup_escape(_EXCEL_ESCAPE.sub(r"_x005F_\1", value))


def _markup_escape(value: str) -> str:
    """``&``, ``<``, ``>`` and CR as XML references (CR would be read back as LF)."""
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def excel_serial(value: dt.date | dt.datetime | dt.time, date1904: bool) -> float:
    """The serial number Excel stores for a date, datetime or time."""
    if isinstance(value, dt.time):
        return (
            value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        ) / 86400
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    moment = moment.replace(tzinfo=None)
    if date1904:
        delta = moment - _EPOCH_1904
    else:
        delta = moment - _EPOCH_1900
        if moment < dt.datetime(1900, 3, 1):
            delta += dt.timedelta(days=-1)  # Excel's phantom 1900-02-29 sits at serial 60
    if delta.days < 0 or (not date1904 and delta.days < 1 and moment.year < 1900):
        raise CellValueError(f"日期 {value} 早于 Excel 的起始日期")
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def _number(value: float) -> str:
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise CellValueError(f"数值 {value}")
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


@dataclass(slots=True)
class Written:
    """What a cell holds after the patch, to verify it after reading back."""

    kind: str  # "s" (inline string), "n", "b", "e", "blank", "keep"
    text: str = ""
    shows: str = ""  # the format it was given: text, bool, number, percent, money, date ...
    style: int | None = None  # the style index that format is in (None: the cell has no s)


def shows_of(value: object) -> str:
    """How a value is meant to be shown (see :data:`kqxl.book.styles.FITTING_KINDS`)."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Percent):
        return "percent"
    if isinstance(value, Money):
        return "money"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.date | dt.time):
        return _date_kind(value)
    return ""


# shows_of for the exact types (the common case, one dict lookup per written value)
_SHOWS: dict[type, str] = {
    str: "text",
    bool: "bool",
    int: "number",
    float: "number",
    Percent: "percent",
    Money: "money",
    dt.date: "date",
    dt.datetime: "datetime",
    dt.time: "time",
}


def render_value(
    value: object, style: int | None, styles: StyleBook | None, date1904: bool, pfx: bytes = b""
) -> tuple[int | None, str, bytes, Written]:
    """(style, t attribute, inner XML, expected) for one value; text is an inline string.

    The style keeps ``style`` (the cell's own, or the one it inherits) where its number
    format fits the value, else gets the format kqxl gives such a value
    (:meth:`StyleBook.style_for`): a number never shows as a date, a percent shows as one,
    text is never in a date format. ``pfx`` is the sheet's prefix for the main namespace
    (``x:``), empty when it is the default.
    """
    if value is None:
        return style, "", b"", Written("blank")
    shows = _SHOWS.get(type(value)) or shows_of(value)
    if styles is not None and shows:
        style = styles.style_for(style, shows)
    if isinstance(value, str):
        inner, held = inline_text(value, pfx)
        return style, "inlineStr", inner, Written("s", held, shows, style)
    t = ""
    if isinstance(value, bool):
        t, text = "b", "1" if value else "0"
    elif isinstance(value, int | float):
        text = _number(value)
    elif isinstance(value, dt.date | dt.time):
        text = _number(excel_serial(value, date1904))
    elif isinstance(value, CellError):
        t, text = "e", value.code
    else:
        raise CellValueError(type(value).__name__)
    inner = b"<" + pfx + b"v>" + escape_text(text).encode() + b"</" + pfx + b"v>"
    return style, t, inner, Written(t or "n", text, shows, style)


def inline_text(value: str, pfx: bytes = b"") -> tuple[bytes, str]:
    """The inner XML of an inline string cell holding ``value`` (``<is><t>…</t></is>``), and
    the text it then holds (without what XML cannot hold); :class:`CellValueError` for a
    text longer than a cell holds."""
    if (
        len(value) > MAX_TEXT // 2
        and len(value.encode("utf-16-le", "surrogatepass")) > 2 * MAX_TEXT
    ):
        # Excel counts UTF-16 code units: a character outside the BMP takes two
        raise CellValueError(f"文本超过 {MAX_TEXT} 个字符")
    p = pfx.decode()
    space = ' xml:space="preserve"' if value != value.strip() or "\n" in value else ""
    # the usual text needs no escape and holds nothing XML cannot: one search tells
    plain = not _NEEDS_ESCAPE.search(value)
    xml = f"<{p}is><{p}t{space}>{value if plain else escape_text(value)}</{p}t></{p}is>"
    return xml.encode(), value if plain else _ILLEGAL_XML.sub("", value)


_READ_KINDS = {"s": ("inlineStr",), "n": ("", "n"), "b": ("b",), "e": ("e",)}


def written_as_meant(want: Written, got: ReadCell | None, styles: StyleBook | None) -> bool:
    """Does a cell read back from the written part hold what was meant: its value, no
    formula, and the style it was given, whose number format (in ``styles``, the written
    styles part) fits the value?"""
    if want.kind == "keep":
        return True
    if want.kind == "blank":
        return got is None or (got.text == "" and not got.formula)
    if got is None or got.t not in _READ_KINDS[want.kind] or got.text != want.text or got.formula:
        return False
    if want.shows and styles is not None:
        return got.style == (want.style or 0) and styles.fits(want.style, want.shows)
    return True


def _date_kind(value: dt.date | dt.time) -> str:
    if isinstance(value, dt.time):
        return "time"
    return "datetime" if isinstance(value, dt.datetime) else "date"


class ChangeLike(Protocol):
    """What the rewriter reads of a change: a :class:`Change` or a ``CellChange``."""

    @property
    def row(self) -> int: ...
    @property
    def col(self) -> int: ...
    @property
    def value(self) -> object: ...
    @property
    def highlight(self) -> bool | None: ...


@dataclass(slots=True)
class Change:
    """One cell to write (the internal form of a CellChange)."""

    row: int
    col: int
    value: object
    highlight: bool | None


class SheetChanges:
    """The changes of one sheet, compactly: row → column → value, and the highlight of the
    few cells that change it (a recompute writes a million cells: no object per cell).

    A :data:`KEEP` on a cell that also gets a value (a computed cell in a merge, say) keeps
    that value and takes the mark; otherwise the last change of a cell wins."""

    __slots__ = ("marks", "rows")

    def __init__(self, changes: Iterable[ChangeLike] = ()) -> None:
        self.rows: dict[int, dict[int, object]] = {}
        self.marks: dict[tuple[int, int], bool] = {}
        for ch in changes:
            self.add(ch.row, ch.col, ch.value, ch.highlight)

    def add(self, row: int, col: int, value: object, highlight: bool | None = None) -> None:
        cells = self.rows.get(row)
        if cells is None:
            cells = self.rows[row] = {}
        if value is KEEP and col in cells:
            value = cells[col]
            if highlight is None:
                return  # the value stays, and so does its mark
        cells[col] = value
        if highlight is not None:
            self.marks[(row, col)] = highlight
        elif self.marks:
            self.marks.pop((row, col), None)

    def add_column(self, col: int, rows: Sequence[int], values: Sequence[object]) -> None:
        """``values[i]`` into ``rows[i]`` of column ``col`` (no highlight), as :meth:`add`
        would, cell by cell: a recompute's computed column goes in with a few passes in C."""
        if self.marks or any(map(operator.is_, values, repeat(KEEP))):
            for row, value in zip(rows, values, strict=True):
                self.add(row, col, value)
            return
        if len(rows) != len(values):
            raise ValueError("rows and values differ in length")
        by_row = self.rows
        if by_row:
            missing = set(rows).difference(by_row)
            by_row.update({row: {} for row in missing})
        else:
            by_row.update({row: {} for row in rows})
        deque(map(operator.setitem, map(by_row.__getitem__, rows), repeat(col), values), 0)

    def __len__(self) -> int:
        return sum(map(len, self.rows.values()))

    def __bool__(self) -> bool:
        return bool(self.rows)

    def of_row(self, row: int) -> dict[int, Change] | None:
        """The changes of ``row`` by column (built when the row is written), or None."""
        cells = self.rows.get(row)
        if cells is None:
            return None
        marks = self.marks
        if not marks:
            return {c: Change(row, c, v, None) for c, v in cells.items()}
        return {c: Change(row, c, v, marks.get((row, c))) for c, v in cells.items()}


@dataclass(slots=True)
class SheetResult:
    """What the rewrite did, for ranges, calcChain and verification."""

    old_last_row: int = 0
    new_last_row: int = 0
    appended_rows: set[int] = field(default_factory=set)
    appended_cols: set[int] = field(default_factory=set)
    formulas_removed: list[str] = field(default_factory=list)
    expected: dict[tuple[int, int], Written] = field(default_factory=dict)
    cells_changed: int = 0
    autofilter: tuple[str, str] | None = None  # the sheet autofilter's (old, new) ref
    rows_removed: int = 0


class ArrayFormulaHit(ValueError):
    """A change falls inside a multi-cell array formula (not on its first cell)."""

    def __init__(self, cell: str, ref: str) -> None:
        super().__init__(cell, ref)
        self.cell, self.ref = cell, ref


class MergedHit(ValueError):
    """A value is written into a merged range's hidden cell (not its top-left cell)."""

    def __init__(self, cell: str, ref: str) -> None:
        super().__init__(cell, ref)
        self.cell, self.ref = cell, ref


_MERGE = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\sref\s*=\s*["']([^"']*)["']""")


# XML allows either quote around an attribute value; Excel writes double quotes
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REF = re.compile(rb"^([A-Z]{1,3})(\d+)$")
_RANGE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """``B2:D9`` → (2, 2, 9, 4) as (first_row, first_col, last_row, last_col)."""
    m = _RANGE.match(ref.strip())
    if not m:
        return None
    c1, r1 = column_index(m.group(1)), int(m.group(2))
    c2, r2 = (column_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def format_range(r1: int, c1: int, r2: int, c2: int) -> str:
    """(2, 2, 9, 4) → ``B2:D9`` (a single cell as ``B2``)."""
    first = f"{column_letter(c1)}{r1}"
    return first if (r1, c1) == (r2, c2) else f"{first}:{column_letter(c2)}{r2}"


def extend_sqref(sqref: str, old_last: int, new_last: int, cols: set[int]) -> str:
    """Extend each block of ``sqref`` that reaches ``old_last`` (from above) over a column
    in ``cols`` down to ``new_last``."""
    out = []
    for token in sqref.split():
        rect = parse_range(token)
        if (
            rect
            and rect[2] == old_last
            and rect[0] < old_last
            and any(rect[1] <= c <= rect[3] for c in cols)
        ):
            token = format_range(rect[0], rect[1], new_last, rect[3])
        out.append(token)
    return " ".join(out)


def _attrs(raw: bytes) -> list[tuple[bytes, bytes]]:
    return [(name, dq or sq) for name, dq, sq in _ATTR.findall(raw)]


_ATTR_BY_NAME: dict[bytes, re.Pattern[bytes]] = {}
_HEAD_REFS: dict[bytes, re.Pattern[bytes]] = {}


def _attr(raw: bytes, name: bytes) -> bytes | None:
    pattern = _ATTR_BY_NAME.get(name)
    if pattern is None:
        pattern = _ATTR_BY_NAME[name] = re.compile(
            rb"(?<![\w:])" + name + rb"""\s*=\s*(?:"([^"]*)"|'([^']*)')"""
        )
    m = pattern.search(raw)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


class SheetRewriter:
    """Rewrites one worksheet part; call :meth:`run` with the part's chunks."""

    def __init__(
        self,
        changes: Iterable[ChangeLike] | SheetChanges,
        *,
        styles: StyleBook | None,
        date1904: bool,
        clear_highlights: bool = False,
        shift: RowShift | None = None,
        tail_edit: Callable[[bytes, bytes], bytes] | None = None,
        verify_rows: int | None = None,
    ) -> None:
        """``verify_rows``: keep what was written (:attr:`SheetResult.expected`) only for that
        many changed rows, spread evenly (first and last included); None keeps every cell."""
        self.shift = shift if shift else None
        self.tail_edit = tail_edit
        if not isinstance(changes, SheetChanges):
            changes = SheetChanges(changes)
        self.changes = changes
        by_row = changes.rows
        self.rows = by_row
        self.row_order = sorted(by_row)
        self.sample = sample_rows(self.row_order, verify_rows)
        self.styles = styles
        self.date1904 = date1904
        self.result = SheetResult()
        self.result.cells_changed = len(changes)
        self.clear_ids: set[int] = set()
        if clear_highlights and styles is not None:
            self.clear_ids = styles.highlight_ids()
        self._clear_re = (
            re.compile(
                rb"\ss=[\"'](?:"
                + b"|".join(str(i).encode() for i in sorted(self.clear_ids))
                + rb")[\"']"
            )
            if self.clear_ids
            else None
        )
        self.col_styles: list[tuple[int, int, int]] = []
        self.arrays: list[tuple[int, int, int, int, str]] = []
        self.shared: dict[bytes, tuple[str, str]] = {}  # si → (formula, its anchor cell)
        self.prev_row_num = 0
        self.prev_row: bytes = b""
        self.next_new = 0  # index into row_order of the next row not yet written
        self._texts: dict[tuple[str, int | None], tuple[int | None, str, bytes, Written]] = {}
        # rendered values other than text, by (type, value, style): numbers, dates and flags
        # repeat down a computed column
        self._values: dict[tuple[type, object, int | None], tuple[int | None, str, bytes, Written]]
        self._values = {}
        self._letters: dict[int, bytes] = {}  # column → its letters
        self._row_num, self._row_text = 0, b"0"  # the last row number and its digits
        self._col_style: dict[int, int | None] = {}  # column → its <col> style (None: none)
        self._attr_tails: dict[tuple[int | None, str], bytes] = {}  # (style, t) → ' s=".." t=".."'
        # column → (letters, style) of its new cells when that style is the column's, else ()
        self._plain_cols: dict[int, tuple[bytes, int | None] | tuple[()]] = {}
        # a value in a column style → (its cell's XML after the row number, what it holds)
        self._plain_tails: dict[tuple[object, ...], tuple[bytes, Written]] = {}
        # column → (``<c r="`` and its letters, value → its cell's XML after the row number and
        # what it holds) for rows whose changes are all new cells (:meth:`_new_cells`); None
        # for a column whose new cells are not all in its own style
        self._new_cols: dict[int, _NewColumn | None] = {}
        # the columns a row's changes are in (as added) → those columns in order, or None
        self._shapes: dict[tuple[int, ...], _Shape | None]
        self._shapes = {}
        # the new-cell path is open to every row: no highlight set or cleared on any cell
        self._new_ok = not changes.marks and not self.clear_ids
        # rows in a row whose changes (by their columns) replaced cells instead of adding them:
        # past _NEW_TRIES such rows, those changes go straight to the merge (patching a column
        # that exists in every row, the new-cell attempt was a wasted pass over each row)
        self._replaced: dict[tuple[int, ...], int] = {}

    # --- driving the stream ---
    def run(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """Yield the rewritten part."""
        buf = b""
        sheet_data = None
        for chunk in chunks:
            buf += chunk
            sheet_data = re.search(rb"<(\w+:)?sheetData\b[^>]*?(/?)>", buf)
            if sheet_data:
                break
        if sheet_data is None:
            raise PartError("缺少 <sheetData>")
        pfx = sheet_data.group(1) or b""
        self.pfx = pfx
        p = re.escape(pfx)
        self._row_head = re.compile(rb"<" + p + rb"row\b([^>]*?)(/?)>")
        self._row_end = re.compile(rb"</" + p + rb"row>")
        self._cell = re.compile(rb"<" + p + rb"c\b([^>]*?)(?:/>|>(.*?)</" + p + rb"c>)", re.S)
        self._next = re.compile(rb"<" + p + rb"row\b|</" + p + rb"sheetData>")
        self._cell_ref = re.compile(
            rb"(<" + p + rb"c\b[^>]*?\sr\s*=\s*[\"'][A-Z]{1,3})\d+(?=[\"'])"
        )
        self._open_tag = b"<" + pfx + b'c r="'
        self._open_c = b"<" + pfx + b"c"
        self._close_c = b"</" + pfx + b"c>"
        self._head_refs = re.compile(re.escape(self._open_tag) + rb'([A-Z]{1,3})[0-9]+"')
        yield self._head(buf[: sheet_data.start()])
        if sheet_data.group(2):  # <sheetData/>
            yield b"<" + pfx + b"sheetData>"
            yield from self._new_rows_before(MAX_ROW + 1)
            yield b"</" + pfx + b"sheetData>"
            rest = buf[sheet_data.end() :] + b"".join(chunks)
            yield self._tail(rest)
            self._finish()
            return
        yield buf[sheet_data.start() : sheet_data.end()]
        buf = buf[sheet_data.end() :]
        out: list[bytes] = []
        size = 0
        pos = 0
        done = False
        fast = self._fast_rows()
        # rows left to the Python loop before the C loop is tried again: after a try that
        # took no row (a patch whose every row replaces a cell), twice as many each time
        wait, backoff = 0, 1
        while not done:
            while True:
                if fast is not None and not wait and self._fast_ok():
                    piece, reached = fast(buf, pos, CHUNK - size)
                    if piece:
                        out.append(piece)
                        size += len(piece)
                    if reached == pos:
                        wait, backoff = backoff, min(2 * backoff, 1024)
                    else:
                        backoff = 1
                    pos = reached
                elif wait:
                    wait -= 1
                m = self._next.search(buf, pos)
                if m is None:
                    break
                if m.group(0).startswith(b"</"):
                    out.append(buf[pos : m.start()])
                    out.extend(self._new_rows_before(MAX_ROW + 1))
                    pos = m.start()
                    done = True
                    break
                head = self._row_head.match(buf, m.start())
                if head is None:
                    break  # the start tag is cut by the chunk end
                if head.group(2):
                    end = head.end()
                else:
                    close = self._row_end.search(buf, head.end())
                    if close is None:
                        break
                    end = close.end()
                out.append(buf[pos : m.start()])
                piece = self._row(buf, m.start(), end, head)
                out.append(piece)
                size += len(piece)
                pos = end
                if size > CHUNK:
                    yield b"".join(out)
                    out, size = [], 0
            if done:
                break
            more = next(chunks, None)
            if more is None:
                raise PartError("<sheetData> 没有结束")
            buf = buf[pos:] + more
            pos = 0
        if out:
            yield b"".join(out)
        rest = buf[pos:] + b"".join(chunks)
        yield self._tail(rest)
        self._finish()

    def _fast_rows(self) -> Callable[[bytes, int, int], tuple[bytes, int]] | None:
        """The rows of a buffer rewritten in C while each takes the new-cell way (every row of
        a first recompute), from a position to the position reached; None without the C part.
        The C loop stops at any row that needs more (see ``rewrite_rows`` in _speedups.c): the
        caller's loop takes that one."""
        if _speedups is None or not self._new_ok or self.shift is not None:
            return None
        sheet = (
            self.pfx,
            self.rows,
            self.row_order,
            self._shapes,
            self._replaced,
            self.sample,
            self.result.expected,
            self._new_tail,
            self._open_tag,
            self._open_c,
            self._close_c,
            _NEW_TRIES,
        )
        result = self.result

        def rows(buf: bytes, pos: int, limit: int) -> tuple[bytes, int]:
            state: list[object] = [
                self.next_new,
                result.old_last_row,
                result.new_last_row,
                self.prev_row_num,
                self.prev_row,
            ]
            piece, pos = _speedups.rewrite_rows(buf, pos, max(limit, 0), sheet, state)
            (
                self.next_new,
                result.old_last_row,
                result.new_last_row,
                self.prev_row_num,
                self.prev_row,
            ) = state  # type: ignore[assignment]
            return piece, pos

        return rows

    def _fast_ok(self) -> bool:
        """Whether the rows may go the C way still (an array or a shared formula met in a
        row stops it)."""
        return not self.arrays and not self.shared

    def _finish(self) -> None:
        shift = self.shift
        if shift is None:
            return
        # verification reads the part back, where rows below a deleted one have moved up
        self.result.expected = {
            (shift.row(r), c): w for (r, c), w in self.result.expected.items() if r not in shift
        }

    # --- head and tail ---
    def _head(self, head: bytes) -> bytes:
        for m in re.finditer(rb"<(?:\w+:)?col\b([^>]*?)/?>", head):
            a = dict(_attrs(m.group(1)))
            if b"style" in a and a.get(b"min", b"").isdigit() and a.get(b"max", b"").isdigit():
                self.col_styles.append((int(a[b"min"]), int(a[b"max"]), int(a[b"style"])))
        rows = self.row_order
        shift = self.shift
        if not rows and shift is None:
            return head
        cols = [c for r in rows for c in self.rows[r]]

        def widen(m: re.Match[bytes]) -> bytes:
            old = parse_range(m.group(2).decode().split(" ")[0])
            if rows:
                r1, r2, c1, c2 = rows[0], rows[-1], min(cols), max(cols)
                a1, b1, a2, b2 = old if old else (r1, c1, r2, c2)
                old = (min(a1, r1), min(b1, c1), max(a2, r2), max(b2, c2))
            if old is None:
                return m.group(0)
            new = format_range(*old)
            if shift is not None:
                new = shift.ref(new) or format_range(1, old[1], 1, old[1])
            return m.group(1) + new.encode() + b'"'

        return re.sub(rb'(<(?:\w+:)?dimension\s+ref=")([^"]*)"', widen, head, count=1)

    def _tail(self, tail: bytes) -> bytes:
        if self.tail_edit is not None:
            tail = self.tail_edit(tail, self.pfx)
        return self._tail_rows(tail)

    def _tail_rows(self, tail: bytes) -> bytes:
        if self.shift is None:
            self._check_merges(tail)
        tail = self._grown_tail(tail)
        if self.shift is not None:
            tail = self._shifted_tail(tail, self.shift)
        return tail

    def _check_merges(self, tail: bytes) -> None:
        """:class:`MergedHit` for a value written where a merge hides it: no spreadsheet
        would show it. Clearing such a cell, or only restyling it, is fine."""
        if b"mergeCell" not in tail:
            return
        order = self.row_order
        for m in _MERGE.finditer(tail):
            rect = parse_range(m.group(1).decode("utf-8", "replace"))
            if rect is None:
                continue
            r1, c1, r2, c2 = rect
            for i in range(bisect_left(order, r1), len(order)):
                r = order[i]
                if r > r2:
                    break
                for col in sorted(self.rows[r]):
                    value = self.rows[r][col]
                    if value is KEEP or value is None:
                        continue
                    if c1 <= col <= c2 and (r, col) != (r1, c1):
                        raise MergedHit(f"{column_letter(col)}{r}", m.group(1).decode())

    def _grown_tail(self, tail: bytes) -> bytes:
        res = self.result
        if not res.appended_rows or res.new_last_row <= res.old_last_row or not res.old_last_row:
            return tail
        old, new, cols = res.old_last_row, res.new_last_row, res.appended_cols

        def ext(m: re.Match[bytes]) -> bytes:
            return (
                m.group(1) + extend_sqref(m.group(2).decode(), old, new, cols).encode() + m.group(3)
            )

        def ext_filter(m: re.Match[bytes]) -> bytes:
            grown = ext(m)
            if grown != m.group(0):
                res.autofilter = (
                    m.group(2).decode(),
                    extend_sqref(m.group(2).decode(), old, new, cols),
                )
            return grown

        tail = re.sub(rb'(<(?:\w+:)?autoFilter\b[^>]*?\sref=")([^"]*)(")', ext_filter, tail)
        tail = re.sub(rb'(<(?:\w+:)?conditionalFormatting\b[^>]*?\ssqref=")([^"]*)(")', ext, tail)
        tail = re.sub(rb'(<(?:\w+:)?dataValidation\b[^>]*?\ssqref=")([^"]*)(")', ext, tail)

        def x14(m: re.Match[bytes]) -> bytes:
            return re.sub(rb"(<\w+:sqref>)([^<]*)(</\w+:sqref>)", ext, m.group(0))

        return re.sub(
            rb"<(\w+):(?:conditionalFormatting|dataValidation)\b.*?"
            rb"</\1:(?:conditionalFormatting|dataValidation)>",
            x14,
            tail,
            flags=re.S,
        )

    def _shifted_tail(self, tail: bytes, shift: RowShift) -> bytes:
        """The part after ``<sheetData>`` with every row-anchored range moved up, or
        :class:`ShiftRefused` where that cannot be done with certainty."""
        xml = tail.decode("utf-8")
        if any(int(n) + 1 >= shift.first for n in re.findall(r"<(?:\w+:)?row>\s*(\d+)\s*<", xml)):
            raise ShiftRefused(text(ERRORS, "rows_anchored", what="控件或对象"))
        if any(
            int(n) >= shift.first - 1 for n in re.findall(r"<(?:\w+:)?brk\b[^>]*?\sid=\"(\d+)", xml)
        ):
            raise ShiftRefused(text(ERRORS, "rows_anchored", what="分页符"))
        for name, what in _UNSHIFTABLE:
            if re.search(rf"<(?:\w+:)?{name}\b", xml):
                raise ShiftRefused(text(ERRORS, "rows_anchored", what=what))

        def moved(ref: str, what: str) -> str:
            new = shift.ref(ref)
            if new is None:
                raise ShiftRefused(text(ERRORS, "rows_anchored", what=what))
            return new

        def simple(name: str, attr: str, drop_single: bool = False) -> None:
            nonlocal xml

            def one(m: re.Match[str]) -> str:
                new = shift.sqref(m.group(3))
                rect = parse_range(new) if drop_single else None
                if not new or (rect is not None and rect[:2] == rect[2:]):
                    return ""  # gone, or a merge of a single cell (Excel calls that damage)
                return m.group(1) + m.group(2) + new + m.group(4)

            xml = re.sub(
                rf'(<(?:\w+:)?{name}\b[^>]*?\s{attr}=)(["\'])([^"\']*)(\2[^>]*?/>)', one, xml
            )

        simple("mergeCell", "ref", drop_single=True)
        simple("hyperlink", "ref")
        simple("ignoredError", "sqref")
        simple("protectedRange", "sqref")
        res = self.result
        old_filter = re.search(r'<(?:\w+:)?autoFilter\b[^>]*?\sref="([^"]*)"', xml)
        xml = re.sub(
            r'(<(?:\w+:)?(?:autoFilter|sortState|sortCondition)\b[^>]*?\sref=")([^"]*)(")',
            lambda m: m.group(1) + moved(m.group(2), "筛选区域的标题行") + m.group(3),
            xml,
        )
        if old_filter is not None:
            new_filter = re.search(r'<(?:\w+:)?autoFilter\b[^>]*?\sref="([^"]*)"', xml)
            assert new_filter is not None
            first = res.autofilter[0] if res.autofilter else old_filter.group(1)
            if new_filter.group(1) != first:
                res.autofilter = (first, new_filter.group(1))

        def ranged(m: re.Match[str]) -> str:
            whole, attrs, body = m.group(0), m.group(3), m.group(5) or ""
            own = re.search(r'\ssqref="([^"]*)"', attrs)
            inner = re.search(r"<((?:\w+:)?)sqref>([^<]*)</\1sqref>", body)
            sqref = own.group(1) if own else inner.group(2) if inner else None
            if sqref is None:
                return whole
            for formula in part_formulas_text(body):
                if anchored_formula_hits(formula, shift, sqref):
                    raise ShiftRefused(text(ERRORS, "rows_formula", where=f"{m.group(2)} {sqref}"))
            new = shift.sqref(sqref)
            if not new:
                return ""
            if own:
                start = m.start(3) - m.start(0) + own.start(1)
                return whole[:start] + new + whole[start + len(sqref) :]
            assert inner is not None
            start = m.start(5) - m.start(0) + inner.start(2)
            return whole[:start] + new + whole[start + len(sqref) :]

        xml = re.sub(
            r"<((?:\w+:)?)(conditionalFormatting|dataValidation)\b([^>]*?)(/>|>(.*?)</\1\2>)",
            ranged,
            xml,
            flags=re.S,
        )
        for name in (
            "mergeCells",
            "hyperlinks",
            "dataValidations",
            "ignoredErrors",
            "protectedRanges",
            "conditionalFormattings",
        ):
            xml = _recount(xml, name)
        return xml.encode("utf-8")

    # --- rows ---
    def _new_rows_before(self, limit: int) -> Iterator[bytes]:
        while self.next_new < len(self.row_order) and self.row_order[self.next_new] < limit:
            r = self.row_order[self.next_new]
            self.next_new += 1
            cells = self._merge(r, b"", self.changes.of_row(r) or {})
            if cells:
                row = (
                    b"<"
                    + self.pfx
                    + b'row r="'
                    + str(r).encode()
                    + b'">'
                    + cells
                    + b"</"
                    + self.pfx
                    + b"row>"
                )
                self._seen(r, row, appended=r > self.result.old_last_row)
                shift = self.shift
                if shift is not None and shift.first < r:  # placed as rows above close up
                    row = self._renumber(row, r, shift)
                yield row

    def _seen(self, r: int, row: bytes, *, appended: bool = False) -> None:
        self.prev_row_num, self.prev_row = r, row
        res = self.result
        if appended:
            res.appended_rows.add(r)
            res.appended_cols.update(self.rows.get(r, {}))
        res.new_last_row = max(res.new_last_row, r)

    def _row(self, buf: bytes, start: int, end: int, head: re.Match[bytes]) -> bytes:
        attrs = head.group(1)
        r_raw = _attr(attrs, b"r")
        r = int(r_raw) if r_raw and r_raw.isdigit() else self.prev_row_num + 1
        order, nxt = self.row_order, self.next_new
        before = nxt < len(order) and order[nxt] < r  # a new row goes before this one
        prefix = b"".join(self._new_rows_before(r)) if before else b""
        row = buf[start:end]
        self.result.old_last_row = max(self.result.old_last_row, r)
        shift = self.shift
        if shift is not None:
            if b"<f" in row or b":f" in row:
                self._check_formulas(r, row, shift)
            if r in shift:
                self._seen(r, row)
                self.result.rows_removed += 1
                return prefix
            if shift.first < r:
                return prefix + self._renumber(self._changed_row(r, row, head, start), r, shift)
        return prefix + self._changed_row(r, row, head, start)

    def _check_formulas(self, r: int, row: bytes, shift: RowShift) -> None:
        """Refuse a formula that refers to cells that would move, a shared formula whose
        followers would move apart from their anchor, and a multi-row array formula that
        loses a row."""
        for m in self._cell.finditer(row):
            inner = m.group(2) or b""
            f = re.search(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", inner, re.S)
            if f is None:
                continue
            ref = (_attr(m.group(1), b"r") or b"?").decode()
            kind = _attr(f.group(1), b"t")
            span = (_attr(f.group(1), b"ref") or b"").decode()
            where = f"{shift.sheet}!{ref}"
            if kind == b"shared":
                reach = (last_row(span) or r) - r if span else 0
                if (span and (last_row(span) or 0) >= shift.first) or (
                    not span and r >= shift.first
                ):
                    raise ShiftRefused(text(ERRORS, "rows_formula", where=where))
            else:
                reach = 0
            if kind == b"array" and span:
                rect = parse_range(span)
                if (
                    rect
                    and any(rect[0] <= d <= rect[2] for d in shift.deleted)
                    and (rect[0] != rect[2])
                ):
                    raise ShiftRefused(text(ERRORS, "rows_formula", where=where))
            if r in shift:
                continue  # a formula that goes with its row refers to nothing any more
            formula = html.unescape((f.group(2) or b"").decode("utf-8"))
            if formula and formula_hits(formula, shift, own=True, reach=reach):
                raise ShiftRefused(text(ERRORS, "rows_formula", where=where))

    def _renumber(self, row: bytes, r: int, shift: RowShift) -> bytes:
        """A row moved up: its own number, its cells' references and array ranges."""
        new = shift.row(r)
        head = self._row_head.match(row)
        assert head is not None
        attrs = head.group(1)
        number = f' r="{new}"'.encode()
        if _attr(attrs, b"r") is None:
            attrs = number + attrs
        else:
            attrs = re.sub(rb"""(?<=\s)r\s*=\s*(["'])[^"']*\1""", number[1:], attrs, count=1)
        # split around every cell's row number and join with the new one (a substitution
        # template or callback costs a Python call per cell)
        parts = self._cell_ref.split(row[head.end(1) :])
        digits = str(new).encode()
        parts[1::2] = [cell + digits for cell in parts[1::2]]
        body = b"".join(parts)
        if b"ref=" in body:  # an array or shared formula's range moves with its cells

            def moved(m: re.Match[bytes]) -> bytes:
                return m.group(1) + (shift.ref(m.group(2).decode()) or "").encode()

            body = re.sub(rb"""(<(?:\w+:)?f\b[^>]*?\sref=["'])([^"']*)""", moved, body)
        return row[: head.start(1)] + attrs + body

    def _changed_row(self, r: int, row: bytes, head: re.Match[bytes], start: int) -> bytes:
        """The row with its changes merged in (``head`` matched it at ``start`` of the buffer)."""
        attrs = head.group(1)
        if b"array" in row:
            self._record_arrays(row)
        values = self.rows.get(r)
        shape = tuple(values) if values is not None else ()
        if (
            values is not None
            and self._new_ok
            and not self.arrays
            and not self.shared
            and self._replaced.get(shape, 0) < _NEW_TRIES
        ):
            inner = (
                b""
                if head.group(2)
                else row[head.end() - start : len(row) - len(b"</" + self.pfx + b"row>")]
            )
            new = self._new_cells(r, inner, values) if b"si=" not in inner else None
            self._replaced[shape] = 0 if new is not None else self._replaced.get(shape, 0) + 1
            if new is not None:
                order = self.row_order
                if self.next_new < len(order) and order[self.next_new] == r:
                    self.next_new += 1
                pfx = self.pfx
                row = b"".join(
                    (b"<", pfx, b"row", _fix_spans(attrs, values), b">", new, b"</", pfx, b"row>")
                )
                self._seen(r, row)
                return row
        changes = self.changes.of_row(r)
        needs = changes is not None
        if not needs and self.shared and b"si=" in row:
            needs = any(re.search(rb"\ssi=[\"']" + si + rb"[\"']", row) for si in self.shared)
        marked = self._clear_re is not None and self._clear_re.search(row) is not None
        if marked:
            needs = True
        if needs:
            order = self.row_order
            if self.next_new < len(order) and order[self.next_new] == r:
                self.next_new += 1
            inner = (
                b""
                if head.group(2)
                else row[head.end() - start : len(row) - len(b"</" + self.pfx + b"row>")]
            )
            fast = None
            # a shared formula's anchor may be replaced here: its followers need the full merge
            # a row holding an old highlight needs every cell looked at (to take it off)
            if changes and not marked and not self.shared and b"si=" not in inner:
                fast = self._merge_fast(r, inner, changes)
            cells = fast if fast is not None else self._merge(r, inner, changes or {})
            row = (
                b"<"
                + self.pfx
                + b"row"
                + _fix_spans(attrs, changes)
                + b">"
                + cells
                + b"</"
                + self.pfx
                + b"row>"
            )
        self._seen(r, row)
        return row

    def _record_arrays(self, row: bytes) -> None:
        for m in self._cell.finditer(row):
            inner = m.group(2) or b""
            f = re.search(rb"<(?:\w+:)?f\b([^>]*)>", inner)
            if f and _attr(f.group(1), b"t") == b"array":
                ref = (_attr(f.group(1), b"ref") or b"").decode()
                rect = parse_range(ref)
                if rect and (rect[0], rect[1]) != (rect[2], rect[3]):
                    self.arrays.append((*rect, ref))

    # --- cells ---
    def _merge(self, r: int, inner: bytes, changes: dict[int, Change]) -> bytes:
        pending = sorted(changes.values(), key=_by_col)
        out: list[bytes] = []
        i = 0
        pos = 0
        col = 0
        for m in self._cell.finditer(inner):
            out.append(inner[pos : m.start()])
            pos = m.end()
            attrs = m.group(1)
            ref = _attr(attrs, b"r")
            rm = _REF.match(ref) if ref else None
            col = column_index(rm.group(1).decode()) if rm else col + 1
            while i < len(pending) and pending[i].col < col:
                out.append(self._new_cell(r, pending[i]))
                i += 1
            if i < len(pending) and pending[i].col == col:
                out.append(self._changed_cell(r, pending[i], attrs, m.group(2)))
                i += 1
            else:
                out.append(self._kept_cell(r, col, m.group(0), attrs, m.group(2), ref is None))
        out.append(inner[pos:])
        while i < len(pending):
            out.append(self._new_cell(r, pending[i]))
            i += 1
        return b"".join(out)

    def _merge_fast(self, r: int, inner: bytes, changes: dict[int, Change]) -> bytes | None:
        """Merge without splitting the row's cells: each cell is found by its ``r`` attribute
        (Excel writes it first); a changed cell is replaced, a new one goes before the first
        cell to its right (or after the last). None when the row needs the full merge (a cell
        spelled otherwise, columns out of order, anything after the last cell such as an
        extLst)."""
        pending = [changes[c] for c in sorted(changes)]
        # a change or two (an edited cell): finding them by reference is quickest; many (a
        # recompute's computed columns, new cells among the existing ones): place them all
        if len(pending) <= 2:
            found = self._merge_found(r, inner, pending)
            return found if found is not None else self._merge_placed(r, inner, pending)
        placed = self._merge_placed(r, inner, pending)
        return placed if placed is not None else self._merge_found(r, inner, pending)

    def _cells_of(self, inner: bytes) -> tuple[list[int], list[bytes], re.Match[bytes]] | None:
        """The columns of a row's cells and their letters (each cell found by its ``r``
        attribute, which Excel writes first), and the last cell's match; None for a row that
        needs the full merge (a cell spelled otherwise, columns out of order, anything after
        the last cell). Call only for a row with cells. Cell ``k`` starts where ``<c r="`` and
        its letters are first found (:meth:`_cell_start`): the columns ascend, so no cell
        before it has letters that begin with its letters."""
        heads = self._head_refs.findall(inner)
        n = len(heads)
        if not n or inner.count(self._open_c) != n:
            return None  # a cell whose r is not first, or a tag that starts like a cell
        try:
            cols = list(map(_COLUMN_OF.__getitem__, heads))
        except KeyError:
            for head in heads:
                if head not in _COLUMN_OF:
                    _COLUMN_OF[head] = column_index(head.decode())
            cols = list(map(_COLUMN_OF.__getitem__, heads))
        if n > 1 and not all(map(operator.lt, cols, islice(cols, 1, None))):
            return None
        # every "<c" starts a cell found by its r: the last "<c r=" starts the last cell
        last = self._cell.match(inner, inner.rfind(self._open_tag))
        if last is None or inner[last.end() :].strip():
            return None
        return cols, heads, last

    def _cell_start(self, inner: bytes, heads: list[bytes], k: int, pos: int) -> int:
        """Where cell ``k`` of a row laid out by :meth:`_cells_of` starts (at or after
        ``pos``, which is not past it)."""
        return inner.find(self._open_tag + heads[k], pos)

    def _new_cells(self, r: int, inner: bytes, cells: dict[int, object]) -> bytes | None:
        """The row's cells with ``cells`` (column → value) added, when each of them is a new
        cell in its column's style (every row of a first recompute); else None. A value's XML
        after the row number is rendered once per column and value; the new cells go between
        the row's cells by slices (before the first, between two, after the last), as
        :meth:`_merge_placed` places them."""
        shape = tuple(cells)  # a recompute adds the same columns to every row, in one order
        known = self._shapes.get(shape, _NO_SHAPE)
        if known is _NO_SHAPE:
            known = self._new_shape(shape)
        if known is None:
            return None
        sample = self.sample is None or r in self.sample
        if _speedups is not None:  # the same, in C
            return _speedups.new_cells(
                inner,
                self._open_tag,
                self._open_c,
                self._close_c,
                known[0],
                known[2],
                known[3],
                known[1],
                cells,
                r,
                self.result.expected if sample else None,
                self._new_tail,
            )
        if inner:
            layout = self._cells_of(inner)
            if layout is None:
                return None
            cols, heads, _last = layout
            if not cells.keys().isdisjoint(cols):
                return None  # a change replaces a cell
        else:
            cols, heads = [], []
        n = len(cols)
        gap = 0  # new cells go before cell ``gap`` (before the first: at the row's start)
        digits = str(r).encode()
        expected = self.result.expected
        out: list[bytes] = []
        pos = 0
        for col, column in zip(known[0], known[1], strict=True):
            value = cells[col]
            kind = value.__class__
            done = column.tails.get(value if kind is str else (kind, value))
            if done is None:
                done = self._new_tail(column, value, digits)
                if done is None:
                    return None
            tail, written = done
            if sample:
                expected[(r, col)] = written
            k = bisect_left(cols, col, gap)
            if k != gap:
                gap = k
                at = len(inner) if k == n else self._cell_start(inner, heads, k, pos)
                out.append(inner[pos:at])
                pos = at
            if tail:
                out += (column.head, digits, tail)
        out.append(inner[pos:])
        return b"".join(out)

    def _new_shape(self, shape: tuple[int, ...]) -> _Shape | None:
        """The columns of ``shape`` in order, how their new cells are written, and (for the C
        version of :meth:`_new_cells`) their heads and caches; None when one of them does not
        take its own style."""
        order = tuple(sorted(shape))
        columns = []
        for col in order:
            column = self._new_cols.get(col, _UNSEEN)
            if column is _UNSEEN:
                plain = self._plain_cols.get(col)
                if plain is None:
                    plain = self._plain_col(col)
                column = self._new_cols[col] = (
                    _NewColumn(self._open_tag + plain[0], plain[0], plain[1]) if plain else None
                )
            if column is None:
                self._shapes[shape] = None
                return None
            columns.append(column)
        known = self._shapes[shape] = (
            order,
            columns,
            [c.head for c in columns],
            [c.tails for c in columns],
        )
        return known

    def _new_tail(
        self, column: _NewColumn, value: object, digits: bytes
    ) -> tuple[bytes, Written] | None:
        """A value's cell XML after the row number in ``column`` (kept for the next rows), as
        :meth:`_plain_cell` renders it; None for a value of another kind."""
        kind = value.__class__
        after = len(self._open_tag)
        style = column.style
        if value is KEEP:
            done = (self._cell_xml(b"", style, "", b"")[after:], _KEPT)
        elif kind is str and isinstance(value, str):
            # as render_value writes a text: the column's style made fit for text once
            if column.text is None:
                fit = self.styles.style_for(style, "text") if self.styles is not None else style
                column.text = (fit, self._cell_attrs(fit, "inlineStr"))
            fit, attrs = column.text
            try:
                inner, held = inline_text(value, self.pfx)
            except CellValueError as exc:
                exc.cell = (column.letters + digits).decode()
                raise
            done = (attrs + b">" + inner + self._close_c, Written("s", held, "text", fit))
        elif kind in _PLAIN_KINDS:
            out, t, inner, written = self._render_new(column.letters + digits, value, style)
            empty = not inner and out is None
            done = (b"" if empty else self._cell_xml(b"", out, t, inner)[after:], written)
        else:
            return None
        if len(column.tails) < _CACHED_VALUES:  # a key or a name is new in every row
            column.tails[value if kind is str else (kind, value)] = done
        return done

    def _merge_placed(self, r: int, inner: bytes, pending: list[Change]) -> bytes | None:
        """Each change placed by its column among the row's cells (each found by its ``r``
        attribute, which Excel writes first); None for a row that needs the full merge."""
        if not self._head_refs.search(inner):
            if inner.strip():
                return None
            return b"".join([self._new_cell(r, ch) for ch in pending])
        layout = self._cells_of(inner)
        if layout is None:
            return None
        cols, heads, last = layout
        n = len(cols)
        out: list[bytes] = []
        pos = 0
        k = 0
        for ch in pending:
            col = ch.col
            k = bisect_left(cols, col, k)
            if k == n:
                break  # this and the rest go after the last cell
            at = self._cell_start(inner, heads, k, pos)
            if cols[k] == col:
                m = last if k == n - 1 else self._cell.match(inner, at)
                if m is None:
                    return None
                out.append(inner[pos:at])
                out.append(self._changed_cell(r, ch, m.group(1), m.group(2)))
                pos = m.end()
                k += 1
            else:
                at = at if k else 0
                out.append(inner[pos:at])
                out.append(self._new_cell(r, ch))
                pos = at
        out.append(inner[pos:])
        if k == n:
            out.extend([self._new_cell(r, ch) for ch in pending if ch.col > cols[-1]])
        return b"".join(out)

    def _merge_found(self, r: int, inner: bytes, pending: list[Change]) -> bytes | None:
        """The quickest merge, when every change replaces a cell found by its reference or
        goes before the row's first cell or after its last; else None."""
        open_tag = self._open_tag
        first = inner.find(open_tag)
        first_col = MAX_COL + 1
        if first >= 0:
            end_ref = inner.find(b'"', first + len(open_tag))
            fm = _REF.match(inner[first + len(open_tag) : end_ref])
            if fm is None:
                return None
            first_col = column_index(fm.group(1).decode())
        last = inner.rfind(open_tag)
        last_col = 0
        if last >= 0:
            end_ref = inner.find(b'"', last + len(open_tag))
            rm = _REF.match(inner[last + len(open_tag) : end_ref])
            if rm is None:
                return None
            last_col = column_index(rm.group(1).decode())
            tail = self._cell.match(inner, last)
            if tail is None or inner[tail.end() :].strip():
                return None  # something after the last cell (extLst): merge in full
            if last_col < first_col:
                return None  # cells out of order
        elif inner.strip():
            return None
        # first find every replaced cell: nothing is rendered unless the whole row can be
        found: list[tuple[Change, re.Match[bytes]]] = []
        pos = 0
        for ch in pending:
            if first_col <= ch.col <= last_col:
                at = inner.find(open_tag + self._ref(ch.col, r) + b'"', pos)
                if at < 0:
                    return None  # a new cell between existing ones
                m = self._cell.match(inner, at)
                if m is None:
                    return None
                found.append((ch, m))
                pos = m.end()
        out = [self._new_cell(r, ch) for ch in pending if ch.col < first_col]
        pos = 0
        for ch, m in found:
            out.append(inner[pos : m.start()])
            out.append(self._changed_cell(r, ch, m.group(1), m.group(2)))
            pos = m.end()
        out.append(inner[pos:])
        out.extend([self._new_cell(r, ch) for ch in pending if ch.col > last_col])
        return b"".join(out)

    def _style_of(self, attrs: bytes) -> int | None:
        s = _attr(attrs, b"s")
        return int(s) if s and s.isdigit() else None

    def _inherited_style(self, r: int, col: int) -> int | None:
        style = self._col_style.get(col, -1)
        if style == -1:
            style = None
            for first, last, st in self.col_styles:
                if first <= col <= last:
                    style = st
                    break
            self._col_style[col] = style
        if style is None and self.prev_row_num == r - 1 and self.prev_row:
            target = self._ref(col, r - 1)
            for m in self._cell.finditer(self.prev_row):
                if _attr(m.group(1), b"r") == target:
                    style = self._style_of(m.group(1))
                    break
        if self.styles is not None and self.styles.has_highlights:
            style = self.styles.unhighlight(style)
        return style

    def _ref(self, col: int, r: int) -> bytes:
        letters = self._letters.get(col)
        if letters is None:
            letters = self._letters[col] = column_letter(col).encode()
        if r != self._row_num:
            self._row_num, self._row_text = r, str(r).encode()
        return letters + self._row_text

    def _record(self, r: int, col: int, written: Written) -> None:
        if self.sample is None or r in self.sample:
            self.result.expected[(r, col)] = written

    def _check_array(self, r: int, col: int) -> None:
        for r1, c1, r2, c2, ref in self.arrays:
            if r1 <= r <= r2 and c1 <= col <= c2 and (r, col) != (r1, c1):
                raise ArrayFormulaHit(f"{column_letter(col)}{r}", ref)

    def _apply_highlight(self, style: int | None, ch: Change) -> int | None:
        if self.styles is None:
            return style
        if ch.highlight is True:
            return self.styles.highlight(style)
        if ch.highlight is False or (self.clear_ids and style in self.clear_ids):
            return self.styles.unhighlight(style)
        return style

    def _cell_attrs(self, style: int | None, t: str) -> bytes:
        """A cell's XML from the quote that ends its reference: ``" s=".." t=".."``."""
        attrs = self._attr_tails.get((style, t))
        if attrs is None:
            attrs = b'"'
            if style is not None and style != 0:
                attrs += b' s="' + str(style).encode() + b'"'
            if t:
                attrs += b' t="' + t.encode() + b'"'
            self._attr_tails[(style, t)] = attrs
        return attrs

    def _cell_xml(
        self, ref: bytes, style: int | None, t: str, inner: bytes, extra: bytes = b""
    ) -> bytes:
        attrs = self._cell_attrs(style, t)
        if not inner:
            return self._open_tag + ref + attrs + extra + b"/>"
        return self._open_tag + ref + attrs + extra + b">" + inner + self._close_c

    def _new_cell(self, r: int, ch: Change) -> bytes:
        if ch.highlight is None and not self.arrays and not self.clear_ids:
            col = ch.col
            plain = self._plain_cols.get(col)
            if plain is None:
                plain = self._plain_col(col)
            if plain:
                cell = self._plain_cell(r, col, ch.value, plain)
                if cell is not None:
                    return cell
        if self.arrays:
            self._check_array(r, ch.col)
        ref = self._ref(ch.col, r)
        style = self._inherited_style(r, ch.col)
        if ch.highlight is not None or self.clear_ids:
            style = self._apply_highlight(style, ch)
        if ch.value is KEEP:
            self._record(r, ch.col, Written("keep"))
            if style is None:
                return b""
            return self._cell_xml(ref, style, "", b"")
        style, t, inner, written = self._render(ref, ch.value, style)
        self._record(r, ch.col, written)
        if not inner and style is None:
            return b""
        return self._cell_xml(ref, style, t, inner)

    def _plain_col(self, col: int) -> tuple[bytes, int | None] | tuple[()]:
        """(letters, style) of a column whose new cells take its ``<col>`` style whatever the
        row; () where the style comes from the row above (a column without one), or where
        kqxl's highlight may be on it."""
        plain: tuple[bytes, int | None] | tuple[()] = ()
        if self.styles is None or not self.styles.has_highlights:
            style = self._inherited_style(0, col)  # row 0: no row above is looked at
            if style is not None:
                plain = (column_letter(col).encode(), style)
        self._plain_cols[col] = plain
        return plain

    def _plain_cell(
        self, r: int, col: int, value: object, plain: tuple[bytes, int | None]
    ) -> bytes | None:
        """A new cell in its column's style holding ``value`` (every cell of a first
        recompute), or None for a value of another kind: the cell's XML after its row number
        is rendered once per distinct value and style, like the values themselves."""
        if r != self._row_num:
            self._row_num, self._row_text = r, str(r).encode()
        letters, style = plain
        kind = type(value)
        key: tuple[object, ...] = (value, style) if kind is str else (kind, value, style)
        done = self._plain_tails.get(key)
        if done is None:
            # the cell's XML after ``<c r="`` and its reference
            after = len(self._open_tag)
            if value is KEEP:
                done = (self._cell_xml(b"", style, "", b"")[after:], _KEPT)
            elif kind is str or kind in _PLAIN_KINDS:
                out, t, inner, written = self._render_new(letters + self._row_text, value, style)
                empty = not inner and out is None
                done = (b"" if empty else self._cell_xml(b"", out, t, inner)[after:], written)
            else:
                return None
            if kind is str or len(self._plain_tails) < _CACHED_VALUES:
                self._plain_tails[key] = done
        tail, written = done
        if self.sample is None or r in self.sample:
            self.result.expected[(r, col)] = written
        if not tail:
            return b""
        return self._open_tag + letters + self._row_text + tail

    def _changed_cell(self, r: int, ch: Change, attrs: bytes, inner: bytes | None) -> bytes:
        ref = self._ref(ch.col, r)
        style = self._apply_highlight(self._style_of(attrs), ch)
        if ch.value is KEEP:
            self._record(r, ch.col, Written("keep"))
            kept = [(k, v) for k, v in _attrs(attrs) if k not in (b"r", b"s")]
            extra = b"".join(b" " + k + b'="' + v + b'"' for k, v in kept)
            return self._cell_xml(ref, style, "", inner or b"", extra)
        if self.arrays:
            self._check_array(r, ch.col)
        if inner and (b"<f" in inner or b":f" in inner) and re.search(rb"<(?:\w+:)?f\b", inner):
            self._formula_dropped(r, ch.col, inner)
        style, t, new_inner, written = self._render(ref, ch.value, style)
        self._record(r, ch.col, written)
        return self._cell_xml(ref, style, t, new_inner)

    def _render(
        self, ref: bytes, value: object, style: int | None
    ) -> tuple[int | None, str, bytes, Written]:
        if type(value) is str:
            # a text keeps the cell's style: each distinct text is escaped once per sheet
            # (reasons and gaps repeat over many rows)
            # (reasons and gaps repeat over many rows); the style it gets depends on the
            # cell's own style, so that is part of the key
            done = self._texts.get((value, style))
            if done is None:
                done = self._texts[(value, style)] = self._render_new(ref, value, style)
            return done
        kind = type(value)
        if kind in _CACHED_KINDS:
            key = (kind, value, style)
            done = self._values.get(key)
            if done is None:
                done = self._render_new(ref, value, style)
                if len(self._values) < _CACHED_VALUES:
                    self._values[key] = done
            return done
        return self._render_new(ref, value, style)

    def _render_new(
        self, ref: bytes, value: object, style: int | None
    ) -> tuple[int | None, str, bytes, Written]:
        try:
            return render_value(value, style, self.styles, self.date1904, self.pfx)
        except CellValueError as exc:
            exc.cell = ref.decode()
            raise

    def _formula_dropped(self, r: int, col: int, inner: bytes) -> None:
        ref = f"{column_letter(col)}{r}"
        self.result.formulas_removed.append(ref)
        f = re.search(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", inner, re.S)
        if f is None:
            return
        fattrs = f.group(1)
        if _attr(fattrs, b"t") == b"array":
            rect = parse_range((_attr(fattrs, b"ref") or b"").decode())
            if rect and (rect[2] - rect[0] + 1) * (rect[3] - rect[1] + 1) <= 100_000:
                # the other cells of the array keep their values but are no longer formulas
                self.result.formulas_removed.extend(
                    f"{column_letter(c)}{rr}"
                    for rr in range(rect[0], rect[2] + 1)
                    for c in range(rect[1], rect[3] + 1)
                    if (rr, c) != (r, col)
                )
        si = _attr(fattrs, b"si")
        if _attr(fattrs, b"t") == b"shared" and si is not None and f.group(2):
            self.shared[si] = (html.unescape(f.group(2).decode("utf-8")), ref)

    def _kept_cell(
        self, r: int, col: int, raw: bytes, attrs: bytes, inner: bytes | None, missing_ref: bool
    ) -> bytes:
        cell = raw
        if missing_ref:
            # cells after a new one need their position spelled out
            name_end = len(b"<" + self.pfx + b"c")
            cell = (
                raw[:name_end]
                + b' r="'
                + f"{column_letter(col)}{r}".encode()
                + b'"'
                + raw[name_end:]
            )
        if self.clear_ids:
            style = self._style_of(attrs)
            if style in self.clear_ids and self.styles is not None:
                new = self.styles.unhighlight(style)
                repl = f' s="{new}"'.encode() if new else b""  # s="0" is the default
                cell = re.sub(rb"""\ss=["']\d+["']""", repl, cell, count=1)
        if self.shared and inner and b"si=" in inner:
            cell = self._materialise(r, col, cell, inner)
        return cell

    def _materialise(self, r: int, col: int, cell: bytes, inner: bytes) -> bytes:
        f = re.search(rb"<((?:\w+:)?)f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", inner, re.S)
        if f is None:
            return cell
        si = _attr(f.group(2), b"si")
        if si not in self.shared or f.group(3):
            return cell
        formula, origin = self.shared[si]
        target = f"{column_letter(col)}{r}"
        try:
            text = Translator("=" + formula, origin=origin).translate_formula(target)[1:]
        except (TranslatorError, ValueError, IndexError):
            text = formula
        # the formula text keeps Excel's own _xHHHH_ escapes: only the markup is escaped
        new_f = (
            b"<" + f.group(1) + b"f>" + _markup_escape(text).encode() + b"</" + f.group(1) + b"f>"
        )
        start = cell.index(inner)
        new_inner = inner[: f.start()] + new_f + inner[f.end() :]
        return cell[:start] + new_inner + cell[start + len(inner) :]


@dataclass(slots=True)
class _NewColumn:
    """A column whose new cells take its own style: what :meth:`SheetRewriter._new_cells`
    needs of it."""

    head: bytes  # ``<c r="`` and the column's letters
    letters: bytes
    style: int | None
    # a value (text) or (type, value) → its cell's XML after the row number, what it holds
    tails: dict[object, tuple[bytes, Written]] = field(default_factory=dict)
    text: tuple[int | None, bytes] | None = None  # a text's style and its attributes' XML


_UNSEEN = _NewColumn(b"", b"", None)
# a row's new columns in order, how each is written, their heads and their caches of tails
_Shape = tuple[
    tuple[int, ...], list[_NewColumn], list[bytes], list[dict[object, tuple[bytes, Written]]]
]
_NO_SHAPE: _Shape = ((), [], [], [])
# consecutive rows whose changes replaced cells before those changes stop trying the new-cell way
_NEW_TRIES = 16


# Values other than text whose rendering is kept for reuse (exact types: hash and equality
# agree within a type), and at most how many of them per sheet.
_CACHED_KINDS = frozenset({int, float, bool, Percent, Money, dt.date, dt.datetime, dt.time})
_CACHED_VALUES = 1 << 16
_KEPT = Written("keep")
# what a new cell in its column's style may hold besides text (None clears, KEEP keeps)
_PLAIN_KINDS = _CACHED_KINDS | {type(None)}
# column letters → column number, for every sheet
_COLUMN_OF: dict[bytes, int] = {}


def _by_col(ch: Change) -> int:
    return ch.col


def sample_rows(rows: Sequence[int], count: int | None) -> set[int] | None:
    """``count`` of the sorted ``rows``, spread evenly (first and last included); None (all)
    when there are no more than that or ``count`` is None."""
    if count is None or len(rows) <= count:
        return None
    if count < 2:
        return set(rows[:count])
    step = (len(rows) - 1) / (count - 1)
    return {rows[round(i * step)] for i in range(count)}


_UNSHIFTABLE = (
    ("sparklineGroups", "迷你图"),
    ("scenarios", "方案"),
    ("dataConsolidate", "合并计算"),
    ("cellWatches", "监视窗口"),
)


def part_formulas_text(xml: str) -> list[str]:
    """The formula texts of a piece of sheet XML (``<formula>``, ``<formula1>``, ``<xm:f>``)."""
    return [
        html.unescape(m.group(1))
        for m in re.finditer(
            r"<(?:\w+:)?(?:f|formula|formula1|formula2)\b[^>]*>([^<]*)</(?:\w+:)?"
            r"(?:f|formula|formula1|formula2)>",
            xml,
        )
    ]


def _recount(xml: str, name: str) -> str:
    """A container left empty by removed children goes; a ``count`` attribute is updated."""

    def one(m: re.Match[str]) -> str:
        body = m.group(3)
        direct = _direct_children(body)
        if not direct:
            return ""
        attrs = re.sub(r'\scount="\d+"', f' count="{direct}"', m.group(2), count=1)
        return f"<{m.group(1)}{name}{attrs}>{body}</{m.group(1)}{name}>"

    return re.sub(rf"<((?:\w+:)?){name}\b([^>]*?)>(.*?)</\1{name}>", one, xml, flags=re.S)


def _direct_children(body: str) -> int:
    """How many elements sit directly in ``body`` (a well-formed run of sibling elements)."""
    depth = 0
    count = 0
    for m in re.finditer(r"<(/?)[\w:]+\b[^>]*?(/?)>", body):
        if m.group(1):
            depth -= 1
        elif m.group(2):
            count += depth == 0
        else:
            count += depth == 0
            depth += 1
    return count


_SPANS = re.compile(rb"(\d+):(\d+)")


def _fix_spans(attrs: bytes, changes: Mapping[int, object] | None) -> bytes:
    if not changes or b"spans" not in attrs:
        return attrs
    spans = _attr(attrs, b"spans")
    found = _SPANS.fullmatch(spans) if spans is not None else None
    if found is None:
        return attrs
    a, b = int(found.group(1)), int(found.group(2))
    if a <= min(changes) and max(changes) <= b:
        return attrs
    lo, hi = min(a, *changes), max(b, *changes)
    return re.sub(
        rb"""(?<=\s)spans=["'][^"']*["']""", f'spans="{lo}:{hi}"'.encode(), attrs, count=1
    )


def sheet_xml(
    rows: Sequence[Sequence[object]],
    *,
    styles: StyleBook | None,
    date1904: bool,
    column_widths: dict[int, float] | None,
    header_rows: int,
    header_style: int | None,
    namespaces: tuple[str, str],
    sheet_pr: bytes = b"",
    tail: bytes = b"",
    expected: dict[tuple[int, int], Written] | None = None,
) -> Iterator[bytes]:
    """A whole new worksheet part for a sheet kqxl owns; ``namespaces`` are the main and the
    relationships namespace of the workbook (transitional or strict). ``sheet_pr`` and
    ``tail`` (drawing, comments, tables: elements after ``<pageMargins>``) carry over what a
    replaced sheet keeps. ``expected`` receives what each written cell holds, to verify."""
    width = max((len(r) for r in rows), default=0)
    last = f"{column_letter(max(width, 1))}{max(len(rows), 1)}"
    yield (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + f'<worksheet xmlns="{namespaces[0]}" xmlns:r="{namespaces[1]}">'.encode()
        + sheet_pr
        + f'<dimension ref="A1:{last}"/>'.encode()
    )
    if 0 < header_rows < len(rows) + 1:
        yield (
            f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{header_rows}" '
            f'topLeftCell="A{header_rows + 1}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="A{header_rows + 1}" '
            f'sqref="A{header_rows + 1}"/></sheetView></sheetViews>'
        ).encode()
    else:
        yield b'<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    yield b'<sheetFormatPr defaultRowHeight="15"/>'
    if column_widths:
        cols = "".join(
            f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'
            for c, w in sorted(column_widths.items())
        )
        yield f"<cols>{cols}</cols>".encode()
    yield b"<sheetData>"
    out: list[bytes] = []
    for i, values in enumerate(rows, start=1):
        cells = []
        for j, value in enumerate(values, start=1):
            ref = f"{column_letter(j)}{i}"
            style = header_style if i <= header_rows else None
            try:
                style, t, inner, written = render_value(value, style, styles, date1904)
            except CellValueError as exc:
                exc.cell = ref
                raise
            if expected is not None and value is not None:
                expected[(i, j)] = written
            if not inner and style is None:
                continue
            s = f' s="{style}"' if style else ""
            ta = f' t="{t}"' if t else ""
            cells.append(
                f'<c r="{ref}"{s}{ta}'.encode() + (b">" + inner + b"</c>" if inner else b"/>")
            )
        out.append(f'<row r="{i}">'.encode() + b"".join(cells) + b"</row>")
        if len(out) >= 2000:
            yield b"".join(out)
            out = []
    yield b"".join(out)
    yield (
        b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
        b'header="0.3" footer="0.3"/>' + tail + b"</worksheet>"
    )


# a row's start tag; its number is read here when r is its first attribute (as Excel and kqxl
# write it), else from its attributes
_ROW_HEAD = re.compile(rb"""<(\w+:)?row\b(?:\sr="(\d+)")?([^>]*?)(/?)>""")


def iter_rows(
    chunks: Iterable[bytes], only: Container[int] | None = None
) -> Iterator[tuple[int, bytes]]:
    """(row number, row XML) for every ``<row>`` of a worksheet part, streamed; with ``only``,
    for the rows numbered in it (the others are not cut out)."""
    buf = b""
    pos = 0
    prev = 0
    row_re = _ROW_HEAD
    for chunk in chunks:
        buf = buf[pos:] + chunk
        pos = 0
        while True:
            m = row_re.search(buf, pos)
            if m is None:
                # a "<row ..." start tag may be cut by the chunk end: keep from the last "<"
                cut = buf.rfind(b"<", pos)
                pos = cut if cut >= 0 else len(buf)
                break
            if m.group(4):
                end = m.end()
            else:
                close_tag = b"</" + (m.group(1) or b"") + b"row>"
                close = buf.find(close_tag, m.end())
                if close < 0:
                    pos = m.start()
                    break
                end = close + len(close_tag)
            r_raw = m.group(2) or _attr(m.group(3), b"r")
            prev = int(r_raw) if r_raw and r_raw.isdigit() else prev + 1
            if only is None or prev in only:
                yield prev, buf[m.start() : end]
            pos = end


def rows_by_number(chunks: Iterable[bytes], wanted: Iterable[int]) -> Iterator[tuple[int, bytes]]:
    """(row number, row XML) of the rows numbered in ``wanted``, each found by its start tag
    ``<row r="N"`` (as Excel and kqxl write it), in ascending order, without looking at the
    rows between them; stops after the last one. A row spelled otherwise (no ``r``, ``r`` not
    first), or out of order, is not found: the rows after it are not given either, and a caller
    that misses one scans the part with :func:`iter_rows`, which finds every row."""
    todo = sorted(set(wanted))
    if not todo:
        return
    k = 0
    buf = b""
    head: bytes | None = None  # ``<row r="`` with the part's prefix
    close_tag = b""
    for chunk in chunks:
        buf += chunk
        if head is None:
            m = _ROW_HEAD.search(buf)
            if m is None:
                cut = buf.rfind(b"<")  # a start tag may be cut by the chunk end
                buf = buf[cut:] if cut >= 0 else b""
                continue
            pfx = m.group(1) or b""
            head, close_tag = b"<" + pfx + b'row r="', b"</" + pfx + b"row>"
            buf = buf[m.start() :]
        while k < len(todo):
            at = buf.find(head + str(todo[k]).encode() + b'"')
            if at < 0:
                buf = buf[-(len(head) + 24) :]  # the start of the row may be cut
                break
            gt = buf.find(b">", at)
            if gt < 0:
                buf = buf[at:]
                break
            if buf[gt - 1 : gt] == b"/":
                end = gt + 1
            else:
                close = buf.find(close_tag, gt)
                if close < 0:
                    buf = buf[at:]
                    break
                end = close + len(close_tag)
            yield todo[k], buf[at:end]
            k += 1
            buf = buf[end:]
        if k == len(todo):
            return


_CELL_ANY = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_T_TEXT = re.compile(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)
_V_TEXT = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_UNESCAPE_EXCEL = re.compile(r"_x([0-9A-Fa-f]{4})_")


class ReadCell(NamedTuple):
    """A cell as the sheet XML holds it."""

    t: str  # the t attribute
    text: str  # the decoded value text
    formula: bool  # has a formula
    style: int  # the s attribute (0 when absent)


def cells_of_row(row: bytes) -> dict[int, ReadCell]:
    """col → the cell, for the cells of a row."""
    out: dict[int, ReadCell] = {}
    col = 0
    for m in _CELL_ANY.finditer(row):
        ref = _attr(m.group(1), b"r")
        rm = _REF.match(ref) if ref else None
        col = column_index(rm.group(1).decode()) if rm else col + 1
        if col in out:
            raise PartError(f"{column_letter(col)} 列在同一行出现两次")
        out[col] = _decode_cell(m)
    return out


def cell_in_row(row: bytes, r: int, col: int) -> ReadCell | None:
    """One cell of a row, found by its ``r`` attribute when possible."""
    ref = (column_letter(col) + str(r)).encode()
    needle = b' r="' + ref + b'"'
    count = row.count(needle)
    if count == 1:
        at = row.find(needle)
        start = row.rfind(b"<", 0, at)
        m = _CELL_ANY.match(row, start)
        if m is not None and _attr(m.group(1), b"r") == ref:
            return _decode_cell(m)
    return cells_of_row(row).get(col)


def _decode_cell(m: re.Match[bytes]) -> ReadCell:
    t = (_attr(m.group(1), b"t") or b"").decode()
    s = _attr(m.group(1), b"s") or b""
    inner = m.group(2) or b""
    if t == "inlineStr":
        raw = b"".join(_T_TEXT.findall(inner)).decode("utf-8")
        text = _UNESCAPE_EXCEL.sub(lambda x: chr(int(x.group(1), 16)), html.unescape(raw))
    else:
        v = _V_TEXT.search(inner)
        text = html.unescape(v.group(1).decode("utf-8")) if v else ""
    style = int(s) if s.isdigit() else 0
    return ReadCell(t, text, b"<f" in inner or b":f" in inner, style)
