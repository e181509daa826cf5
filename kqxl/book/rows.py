"""Removing rows from a sheet: where everything below moves, and when that cannot be done safely.

Deleting rows closes the gap: a row below moves up by the number of deleted rows above it, and
so must everything anchored to rows (merged cells, hyperlinks, validations, conditional
formats, tables, autofilters). What kqxl cannot shift with certainty — a formula, a defined
name or a chart that refers to cells that would move, a drawing or comment anchored at or below
the first deleted row — makes the whole write refuse with a one-line reason
(:class:`ShiftRefused`) rather than leave a file that Excel calls damaged.

Formulas are scanned as text (strings removed first); a reference that merely might point into
the moving area counts as one, so a doubt refuses.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from kqxl.texts import ERRORS, text

__all__ = ["RowShift", "ShiftRefused", "formula_hits", "shift_drawing"]


class ShiftRefused(ValueError):
    """Rows cannot be removed without breaking something; the message is a Chinese reason."""


_CELLS = re.compile(
    r"^(\$?)([A-Z]{1,3})(\$?)(\d+)(?::(\$?)([A-Z]{1,3})(\$?)(\d+))?$",
)
_ROWS = re.compile(r"^(\$?)(\d+):(\$?)(\d+)$")
_COLS = re.compile(r"^\$?[A-Z]{1,3}:\$?[A-Z]{1,3}$")


class RowShift:
    """The rows deleted from one sheet, and where every other row of it goes."""

    def __init__(self, sheet: str, deleted: Iterable[int]) -> None:
        self.sheet = sheet
        self.deleted = sorted(set(deleted))
        self._set = set(self.deleted)
        self.first = self.deleted[0] if self.deleted else 0

    def __bool__(self) -> bool:
        return bool(self.deleted)

    def __contains__(self, row: object) -> bool:
        return row in self._set

    def row(self, row: int) -> int:
        """The new number of a row that stays."""
        return row - bisect_left(self.deleted, row)

    def span(self, first: int, last: int) -> tuple[int, int] | None:
        """The rows ``first``–``last`` after the deletion; None if all of them go."""
        a = first - bisect_left(self.deleted, first)
        b = last - bisect_right(self.deleted, last)
        return (a, b) if b >= a else None

    def ref(self, token: str) -> str | None:
        """One reference (``B3``, ``$A$2:$D$9``, ``3:5``, ``A:C``) moved; None if it goes."""
        m = _CELLS.match(token)
        if m:
            d1, c1, d2, r1, d3, c2, d4, r2 = m.groups()
            last = int(r2) if r2 else int(r1)
            span = self.span(min(int(r1), last), max(int(r1), last))
            if span is None:
                return None
            first = f"{d1}{c1}{d2}{span[0]}"
            return first if not r2 else f"{first}:{d3}{c2}{d4}{span[1]}"
        m = _ROWS.match(token)
        if m:
            span = self.span(int(m.group(2)), int(m.group(4)))
            if span is None:
                return None
            return f"{m.group(1)}{span[0]}:{m.group(3)}{span[1]}"
        return token  # whole columns and anything else stay

    def sqref(self, sqref: str) -> str:
        """A space-separated list of references moved; empty when all of them go."""
        out = []
        for token in sqref.split():
            moved = self.ref(token)
            if moved is not None:
                out.append(moved)
        return " ".join(out)

    def moves(self, token: str) -> bool:
        """Whether the first row of a reference is at or below the first deleted row."""
        row = first_row(token)
        return row is not None and row >= self.first


def first_row(token: str) -> int | None:
    """The first row a reference names (None for whole columns)."""
    m = _CELLS.match(token)
    if m:
        return min(int(m.group(4)), int(m.group(8) or m.group(4)))
    m = _ROWS.match(token)
    if m:
        return min(int(m.group(2)), int(m.group(4)))
    return None


def last_row(token: str) -> int | None:
    """The last row a reference names (None for whole columns)."""
    m = _CELLS.match(token)
    if m:
        return max(int(m.group(4)), int(m.group(8) or m.group(4)))
    m = _ROWS.match(token)
    if m:
        return max(int(m.group(2)), int(m.group(4)))
    return None


_STRING = re.compile(r'"(?:[^"]|"")*"')
_FORMULA_REF = re.compile(
    r"(?<![\w.$'\]!])"
    r"(?:(?:'(?P<q>(?:[^']|'')+)'|(?P<u>(?:\[[^\]]*\])?[^\s!'\"(),;=+\-*/^&<>{}%]+))!)?"
    r"(?P<ref>\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?|\$?\d+:\$?\d+|\$?[A-Z]{1,3}:\$?[A-Z]{1,3})"
    r"(?![\w(!.\[])"
)


def formula_refs(formula: str, sheet: str, *, own: bool) -> list[str]:
    """The references of ``formula`` that may point into ``sheet``.

    ``own``: the formula lives on ``sheet``, so references without a sheet name count too.
    A 3-D reference (``A:C!B2``) counts whatever its sheets; one to another workbook does not.
    """
    found = []
    for m in _FORMULA_REF.finditer(_STRING.sub('""', formula)):
        q, u = m.group("q"), m.group("u")
        name = q.replace("''", "'") if q is not None else u
        if name is None:
            if not own:
                continue
        elif name.startswith("[") or (":" not in name and name.casefold() != sheet.casefold()):
            continue
        found.append(m.group("ref"))
    return found


def formula_hits(formula: str, shift: RowShift, *, own: bool, reach: int = 0) -> bool:
    """Whether ``formula`` may refer to a cell at or below the first deleted row; ``reach``
    rows further for a shared formula, whose followers below see their references shifted."""
    for ref in formula_refs(formula, shift.sheet, own=own):
        last = last_row(ref)
        if last is not None and last + reach >= shift.first:
            return True
    return False


_FORMULA_TEXT = re.compile(
    rb"<(?:\w+:)?(?:f|formula|formula1|formula2)\b[^>]*>([^<]*)</(?:\w+:)?"
    rb"(?:f|formula|formula1|formula2)>"
)


def part_formulas(xml: bytes) -> Iterable[str]:
    """The text of every formula element of a sheet or chart part (``<f>``, ``<formula1>`` …)."""
    for m in _FORMULA_TEXT.finditer(xml):
        yield html.unescape(m.group(1).decode("utf-8"))


_ANCHOR_ROW = re.compile(rb"<(?:\w+:)?row>\s*(\d+)\s*</(?:\w+:)?row>")
_VML_ANCHOR = re.compile(rb"<(?:\w+:)?Anchor>([^<]*)</(?:\w+:)?Anchor>")
_VML_ROW = re.compile(rb"<(?:\w+:)?Row>\s*(\d+)\s*</(?:\w+:)?Row>")
_CELL_REF_ATTR = re.compile(rb"""<(?:\w+:)?(?:comment|threadedComment)\b[^>]*?\sref=["']([^"']+)""")


def anchored_below(xml: bytes, shift: RowShift) -> bool:
    """Whether a drawing, VML or comments part anchors anything at or below the first deleted
    row (drawing rows are 0-based, comment references 1-based)."""
    if any(int(m.group(1)) + 1 >= shift.first for m in _ANCHOR_ROW.finditer(xml)):
        return True
    if any(int(m.group(1)) + 1 >= shift.first for m in _VML_ROW.finditer(xml)):
        return True
    for m in _VML_ANCHOR.finditer(xml):
        numbers = [n.strip() for n in m.group(1).decode("ascii", "replace").split(",")]
        rows = [numbers[i] for i in (2, 6) if i < len(numbers)]
        if any(n.isdigit() and int(n) + 1 >= shift.first for n in rows):
            return True
    for m in _CELL_REF_ATTR.finditer(xml):
        row = first_row(m.group(1).decode("ascii", "replace"))
        if row is not None and row >= shift.first:
            return True
    return False


def _row_ends(ref: str) -> list[tuple[bool, int]]:
    """(absolute?, row) of each end of a reference (none for whole columns)."""
    m = _CELLS.match(ref)
    if m:
        ends = [(m.group(3) == "$", int(m.group(4)))]
        if m.group(8):
            ends.append((m.group(7) == "$", int(m.group(8))))
        return ends
    m = _ROWS.match(ref)
    if m:
        return [(m.group(1) == "$", int(m.group(2))), (m.group(3) == "$", int(m.group(4)))]
    return []


def anchored_formula_hits(formula: str, shift: RowShift, sqref: str) -> bool:
    """Whether a conditional format's or validation's formula over ``sqref`` would need
    rewriting: relative rows count from the range's top-left cell, so a same-row reference
    stays right while that cell keeps its row number."""
    tokens = sqref.split()
    anchor = first_row(tokens[0]) if tokens else None
    if anchor is None:
        return formula_hits(formula, shift, own=True)
    # the range's first row keeps its number unless a deleted row lies above it
    moved = shift.first < anchor
    reach = max((last_row(t) or anchor for t in tokens), default=anchor)
    for ref in formula_refs(formula, shift.sheet, own=True):
        for absolute, row in _row_ends(ref):
            if absolute:
                if row >= shift.first:
                    return True
            elif moved or (row != anchor and reach + max(row - anchor, 0) >= shift.first):
                return True
    return False


_DRAWING_ANCHOR = re.compile(rb"<((?:\w+:)?)(twoCellAnchor|oneCellAnchor)\b.*?</\1\2>", re.S)
_ANCHOR_END = re.compile(
    rb"(<((?:\w+:)?)(from|to)>.*?<(?:\w+:)?row>\s*)(\d+)(\s*</(?:\w+:)?row>.*?</\2\3>)", re.S
)


def shift_drawing(xml: bytes, shift: RowShift) -> bytes:
    """A drawing part with its cell anchors moved up with the rows below the deleted ones;
    :class:`ShiftRefused` for an object that covers a deleted row (it would have to shrink)."""

    def anchor(m: re.Match[bytes]) -> bytes:
        ends = list(_ANCHOR_END.finditer(m.group(0)))
        rows = [int(e.group(4)) + 1 for e in ends]  # anchors count rows from 0
        if not rows:
            return m.group(0)
        top, bottom = min(rows), max(rows)
        if any(top <= d <= bottom for d in shift.deleted):
            raise ShiftRefused(text(ERRORS, "rows_anchored", what="图片、图表或形状"))
        if bottom < shift.first:
            return m.group(0)

        def end(e: re.Match[bytes]) -> bytes:
            return e.group(1) + str(shift.row(int(e.group(4)) + 1) - 1).encode() + e.group(5)

        return _ANCHOR_END.sub(end, m.group(0))

    return _DRAWING_ANCHOR.sub(anchor, xml)


def shift_refs(formula: str, shift: RowShift) -> str | None:
    """A reference formula (a chart series' ``<c:f>``) with its references to the sheet moved;
    None when one of them would vanish or the text is more than references."""
    if '"' in formula:
        return None
    out: list[str] = []
    pos = 0
    for m in _FORMULA_REF.finditer(formula):
        q, u = m.group("q"), m.group("u")
        name = q.replace("''", "'") if q is not None else u
        if name is None or name.startswith("[") or ":" in name:
            if name is not None and ":" in name:
                return None  # a 3-D reference: which sheets it spans is not known here
            continue
        if name.casefold() != shift.sheet.casefold():
            continue
        moved = shift.ref(m.group("ref"))
        if moved is None:
            return None
        out.append(formula[pos : m.start("ref")])
        out.append(moved)
        pos = m.end("ref")
    out.append(formula[pos:])
    return "".join(out)


_CHART_REF = re.compile(r"<((?:\w+:)?)(numRef|strRef|multiLvlStrRef)>(.*?)</\1\2>", re.S)


def shift_chart(xml: str, shift: RowShift) -> str | None:
    """A chart part whose series and labels follow the moved rows; a reference that changed
    loses its cached values (optional; Excel and LibreOffice read the cells again). None when
    a reference cannot follow."""
    failed = False

    def one(m: re.Match[str]) -> str:
        nonlocal failed
        body = m.group(3)
        f = re.search(r"<((?:\w+:)?)f>([^<]*)</\1f>", body)
        if f is None:
            return m.group(0)
        formula = html.unescape(f.group(2))
        if not formula_hits(formula, shift, own=False):
            return m.group(0)
        moved = shift_refs(formula, shift)
        if moved is None:
            failed = True
            return m.group(0)
        body = body[: f.start(2)] + html.escape(moved, quote=False) + body[f.end(2) :]
        body = re.sub(
            r"<((?:\w+:)?)(numCache|strCache|multiLvlStrCache)\b.*?</\1\2>", "", body, flags=re.S
        )
        return f"<{m.group(1)}{m.group(2)}>{body}</{m.group(1)}{m.group(2)}>"

    rest = _CHART_REF.sub("", xml)  # references elsewhere (label ranges …) cannot follow
    if any(formula_hits(f, shift, own=False) for f in part_formulas(rest.encode("utf-8"))):
        return None
    new = _CHART_REF.sub(one, xml)
    return None if failed else new
