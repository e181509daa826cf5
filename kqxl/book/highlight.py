"""kqxl's highlight of invalid cells: one conditional format per sheet that kqxl owns.

A bad cell is shown by a conditional format whose formula reads the row's 校验 text, so the
rep's own cell formats are never touched: a cell the rep filled yellow shows kqxl's light red
while its 校验 names it, and yellow again once the mistake is fixed, whatever program saved
the workbook in between (Excel, WPS and LibreOffice renumber cell styles, but keep a
conditional format as it is).

The rule is recognised as kqxl's on later runs by :data:`HIGHLIGHT_MARK` in its formula; it is
written once and rewritten only when its range or formula changes (the 校验 column moved, the
sheet grew). Cells marked by older kqxl versions with a highlight style are unmarked by the
writer (see :meth:`kqxl.book.styles.StyleBook.unhighlight`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kqxl.book.styles import HIGHLIGHT_RGB, StyleBook

__all__ = ["HIGHLIGHT_MARK", "HighlightRule", "edit_tail", "probe_sheet"]

# Every kqxl highlight formula holds this (the reference of the cell being evaluated); rules of
# the rep's own never need it.
HIGHLIGHT_MARK = "ADDRESS(ROW(),COLUMN(),4)"


@dataclass(frozen=True, slots=True)
class HighlightRule:
    """kqxl's conditional format on ``sheet``: the cells of ``sqref`` for which ``formula``
    (written for the range's top-left cell, containing :data:`HIGHLIGHT_MARK`) is true get
    kqxl's light-red fill. ``sqref`` None removes kqxl's rule from the sheet."""

    sheet: str
    sqref: str | None
    formula: str = ""


_P = rb"(?:\w+:)?"
_EXT = re.compile(rb"<" + _P + rb"extLst\b")
_CF_BLOCK = re.compile(
    rb"<("
    + _P
    + rb")conditionalFormatting\b([^>]*?)(?:/>|>(.*?)</"
    + _P
    + rb"conditionalFormatting>)",
    re.S,
)
_CF_RULE = re.compile(rb"<" + _P + rb"cfRule\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"cfRule>)", re.S)
_FORMULA = re.compile(rb"<" + _P + rb"formula\b[^>]*>(.*?)</" + _P + rb"formula>", re.S)
_PRIORITY = re.compile(rb"""\spriority\s*=\s*["'](\d+)["']""")
_SQREF = re.compile(rb"""\ssqref\s*=\s*["']([^"']*)["']""")
_DXF_ID = re.compile(rb"""\sdxfId\s*=\s*["'](\d+)["']""")
# the sheet elements that follow conditionalFormatting, in schema order
_AFTER = re.compile(
    rb"<" + _P + rb"(?:dataValidations|hyperlinks|printOptions|pageMargins|pageSetup|headerFooter|"
    rb"rowBreaks|colBreaks|customProperties|cellWatches|ignoredErrors|smartTags|drawing|"
    rb"legacyDrawing|legacyDrawingHF|drawingHF|picture|oleObjects|controls|webPublishItems|"
    rb"tableParts|extLst)\b"
)
_END = re.compile(rb"</" + _P + rb"worksheet>")


def _is_mark(formula: bytes) -> bool:
    text = html.unescape(formula.decode("utf-8", "replace"))
    return HIGHLIGHT_MARK in re.sub(r"\s+", "", text)


def _formula_of(rule_inner: bytes | None) -> bytes | None:
    m = _FORMULA.search(rule_inner or b"")
    return m.group(1) if m else None


def edit_tail(tail: bytes, pfx: bytes, rule: HighlightRule, styles: StyleBook | None) -> bytes:
    """The part of a sheet after its rows (from ``</sheetData>``) with kqxl's rule as ``rule``
    says: ``tail`` itself (the same object) when it already is so."""
    ext = _EXT.search(tail)
    main_end = ext.start() if ext else len(tail)
    main = tail[:main_end]
    ours: list[tuple[int, int, bytes, bytes, bytes | None]] = []  # block span, attrs, rule
    for block in _CF_BLOCK.finditer(main):
        for r in _CF_RULE.finditer(block.group(3) or b""):
            formula = _formula_of(r.group(2))
            if formula is not None and _is_mark(formula):
                ours.append((block.start(), block.end(), block.group(2), r.group(1), formula))
    want = None
    if rule.sqref is not None and styles is not None:
        want = (rule.sqref.encode(), _escape(rule.formula))
    if want is not None and len(ours) == 1:
        _, _, block_attrs, rule_attrs, formula = ours[0]
        sqref = _SQREF.search(block_attrs)
        dxf = _DXF_ID.search(rule_attrs)
        raw = styles.dxf_at(int(dxf.group(1))) if dxf and styles is not None else None
        if (
            sqref is not None
            and sqref.group(1) == want[0]
            and formula is not None
            and html.unescape(formula.decode("utf-8", "replace")) == rule.formula
            and raw is not None
            and HIGHLIGHT_RGB in raw
        ):
            return tail
    if want is None and not ours:
        return tail
    # take kqxl's rules out (with their block when it holds nothing else), then add one
    pieces: list[bytes] = []
    pos = 0
    for start, end in sorted({(o[0], o[1]) for o in ours}):
        kept = _CF_RULE.sub(
            lambda r: b"" if _is_mark(_formula_of(r.group(2)) or b"") else r.group(0),
            main[start:end],
        )
        pieces.append(main[pos:start])
        if _CF_RULE.search(kept):
            pieces.append(kept)
        pos = end
    pieces.append(main[pos:])
    main = b"".join(pieces)
    if want is not None:
        assert styles is not None
        dxf_id = styles.fill_dxf(HIGHLIGHT_RGB)
        priorities = [int(p) for p in _PRIORITY.findall(main + tail[main_end:])]
        new_block = (
            b"<"
            + pfx
            + b'conditionalFormatting sqref="'
            + want[0]
            + b'"><'
            + pfx
            + b'cfRule type="expression" dxfId="'
            + str(dxf_id).encode()
            + b'" priority="'
            + str(max(priorities, default=0) + 1).encode()
            + b'"><'
            + pfx
            + b"formula>"
            + want[1]
            + b"</"
            + pfx
            + b"formula></"
            + pfx
            + b"cfRule></"
            + pfx
            + b"conditionalFormatting>"
        )
        blocks = list(_CF_BLOCK.finditer(main))
        if blocks:
            at = blocks[-1].end()
        else:
            after = _AFTER.search(main)
            close = _END.search(main)
            at = after.start() if after else (close.start() if close else len(main))
        main = main[:at] + new_block + main[at:]
    return main + tail[main_end:]


def _escape(formula: str) -> bytes:
    return html.escape(formula, quote=False).encode("utf-8")


def probe_sheet(chunks: Iterable[bytes], marked: re.Pattern[bytes] | None) -> tuple[bytes, bool]:
    """One streaming pass over a sheet part: its tail (from ``</sheetData>``) and whether any
    cell matches ``marked`` (a style attribute of an old highlight)."""
    end = re.compile(rb"</" + _P + rb"sheetData>")
    found = False
    carry = b""
    tail: list[bytes] | None = None
    for chunk in chunks:
        if tail is not None:
            tail.append(chunk)
            continue
        buf = carry + chunk
        if marked is not None and not found and marked.search(buf):
            found = True
        # the literal first: the pattern tries a match at every "<" of the sheet
        m = end.search(buf) if b"sheetData>" in buf else None
        if m is not None:
            tail = [buf[m.start() :]]
            continue
        carry = buf[-64:]
    return (b"".join(tail) if tail is not None else b""), found
