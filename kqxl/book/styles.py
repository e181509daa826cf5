"""styles.xml, edited only by appending: new ``<xf>``, ``<fill>`` and ``<font>`` entries go at
the end of their lists, so every existing style index in every sheet keeps its meaning.

kqxl's highlight is a solid light-red fill. Its (invisible, for a solid pattern) background
colour records the fill the cell had before — ``bgColor rgb="AAFFFFFF"``: ``AA`` says whether
the original xf had ``applyFill`` (00 absent, 01 "0", 02 "1"), ``FFFFFF`` its ``fillId`` — so
that removing the highlight gives back exactly the original style.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from kqxl.book.safety import PartError

HIGHLIGHT_RGB = "FFFFC7CE"
DATE_FORMAT_IDS = {"date": "14", "datetime": "22", "time": "21"}
# Built-in number formats that show dates or times, including the East Asian ones
# (27–36, 50–58) that a Chinese Excel uses for 年/月/日.
_BUILTIN_DATE_IDS = frozenset(
    list(range(14, 23))
    + list(range(27, 37))
    + list(range(45, 48))
    + list(range(50, 59))
    + list(range(71, 82))
)
_ATTR = re.compile(r'([\w:]+)\s*=\s*"([^"]*)"')
_P = r"(?:\w+:)?"


def _block(name: str) -> re.Pattern[str]:
    return re.compile(rf"<({_P}){name}\b([^>]*?)(?:/>|>(.*?)</{_P}{name}>)", re.S)


_ITEM = {
    name: re.compile(rf"<{_P}{name}\b[^>]*?(?:/>|>.*?</{_P}{name}>)", re.S)
    for name in ("xf", "fill", "font", "numFmt", "dxf")
}
_BLOCKS = {name: _block(name) for name in ("numFmts", "fonts", "fills", "cellXfs", "dxfs")}
_HL_FILL = re.compile(
    r'patternType="solid".*?<(?:\w+:)?fgColor\s+rgb="'
    + HIGHLIGHT_RGB
    + r'"\s*/>\s*<(?:\w+:)?bgColor\s+rgb="([0-9A-Fa-f]{2})([0-9A-Fa-f]{6})"',
    re.S,
)


# The children of <styleSheet> in schema order, and what an absent list defaults to. The
# schema makes every one optional; a workbook may come with an empty ``<styleSheet/>``.
_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)
_DEFAULTS = {
    "fonts": '<{p}fonts count="1"><{p}font><{p}sz val="11"/><{p}name val="Calibri"/>'
    "</{p}font></{p}fonts>",
    "fills": '<{p}fills count="2"><{p}fill><{p}patternFill patternType="none"/></{p}fill>'
    '<{p}fill><{p}patternFill patternType="gray125"/></{p}fill></{p}fills>',
    "borders": '<{p}borders count="1"><{p}border><{p}left/><{p}right/><{p}top/><{p}bottom/>'
    "<{p}diagonal/></{p}border></{p}borders>",
    "cellXfs": '<{p}cellXfs count="1"><{p}xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</{p}cellXfs>",
}
_ROOT = re.compile(rf"<({_P})styleSheet\b[^>]*?(/?)>", re.S)


def _complete(text: str) -> str:
    """``text`` with the lists kqxl appends to (and those their entries point into) present.

    A list that is absent is inserted in schema order with the defaults Excel assumes; a list
    that exists is left byte-identical. Nothing changes for a complete styles part.
    """
    if _BLOCKS["cellXfs"].search(text) and _BLOCKS["fills"].search(text):
        return text
    root = _ROOT.search(text)
    if root is None:
        return text
    prefix = root.group(1)
    if root.group(2):  # <styleSheet/>: give it a body
        head = root.group(0)[:-2].rstrip() + ">"
        text = text[: root.start()] + head + f"</{prefix}styleSheet>" + text[root.end() :]
    for name in ("fonts", "fills", "borders", "cellXfs"):
        if _block(name).search(text):
            continue
        later = _ORDER[_ORDER.index(name) + 1 :]
        found = [m.start() for n in later if (m := re.search(rf"<{_P}{n}\b", text))]
        at = min(found) if found else text.rindex(f"</{prefix}styleSheet>")
        text = text[:at] + _DEFAULTS[name].format(p=prefix) + text[at:]
    return text


def _visible(code: str) -> str:
    """A format code without its literal text, escapes, fills and colours/conditions."""
    plain = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    return re.sub(r"\[(?![hms]+\])[^\]]*\]", "", plain, flags=re.I)


def is_date_code(code: str) -> bool:
    """Does a number-format code show a date or time?"""
    plain = _visible(code)
    if plain.lower() in ("general", "@", ""):
        return False
    return bool(re.search(r"[dmyhs]|[hms]\]", plain, re.I)) and "#" not in plain.split(";")[0]


# How a number format shows a value. kqxl tells these apart to know whether a cell's own
# format fits the value it writes there.
GENERAL, TEXT, NUMBER, PERCENT = "general", "text", "number", "percent"
DATE, OTHER = "date", "other"
_BUILTIN_KINDS = {0: GENERAL, 9: PERCENT, 10: PERCENT, 49: TEXT}


def format_kind(code: str) -> str:
    """The kind of a number-format code: general, text (``@``), number, percent or date;
    other for a code that shows no number at all (``;;;``, a literal text)."""
    if is_date_code(code):
        return DATE
    plain = _visible(code)
    low = plain.strip().lower()
    if low in ("", "general"):
        return GENERAL
    if "%" in plain.split(";")[0]:
        return PERCENT
    if re.search(r"[0#?]", plain):
        return NUMBER
    if "@" in plain:
        return TEXT
    return GENERAL if "general" in low else OTHER


# What kqxl writes (the ``shows`` of a value), the format kinds a cell may already have for
# it, and the built-in format it gets otherwise. Text gets General rather than ``@``: in a
# ``@`` cell whatever the rep types later (a number, a formula) would stay text. Built-in
# ids need no ``<numFmt>`` entry; every spreadsheet program knows them.
FITTING_KINDS: dict[str, frozenset[str]] = {
    "text": frozenset({GENERAL, TEXT}),
    "bool": frozenset({GENERAL}),
    "number": frozenset({GENERAL, NUMBER, PERCENT}),
    "percent": frozenset({PERCENT}),  # 0.7 shows as 70%
    "money": frozenset({NUMBER}),  # thousands separators and decimals, not General
    "date": frozenset({DATE}),
    "datetime": frozenset({DATE}),
    "time": frozenset({DATE}),
}
GIVEN_FORMAT_IDS = {
    "text": "0",
    "bool": "0",
    "number": "0",
    "percent": "9",  # 0%
    "money": "4",  # #,##0.00
    **DATE_FORMAT_IDS,
}


@dataclass(slots=True)
class _Xf:
    attrs: dict[str, str]
    inner: str  # child elements (alignment, protection) as written

    def key(self) -> tuple[tuple[tuple[str, str], ...], str]:
        return tuple(sorted(self.attrs.items())), re.sub(r">\s+<", "><", self.inner.strip())

    def render(self, prefix: str) -> str:
        attrs = "".join(f' {k}="{v}"' for k, v in self.attrs.items())
        if self.inner:
            return f"<{prefix}xf{attrs}>{self.inner}</{prefix}xf>"
        return f"<{prefix}xf{attrs}/>"


def _parse_xf(raw: str) -> _Xf:
    head_end = raw.index(">")
    head = raw[:head_end].rstrip("/")
    attrs = dict(_ATTR.findall(head))
    inner = ""
    if not raw[: head_end + 1].endswith("/>"):
        inner = raw[head_end + 1 : raw.rindex("</")]
    return _Xf(attrs, inner)


class StyleBook:
    """The cell styles of one workbook, loaded from styles.xml; appends only."""

    def __init__(self, xml: bytes) -> None:
        self.source = _complete(xml.decode("utf-8"))
        self.blocks = {name: pat.search(self.source) for name, pat in _BLOCKS.items()}
        if self.blocks["cellXfs"] is None or self.blocks["fills"] is None:
            raise PartError("缺少 cellXfs 或 fills")
        self.prefix = self.blocks["cellXfs"].group(1)
        self.xfs = [
            _parse_xf(m.group(0))
            for m in _ITEM["xf"].finditer(self.blocks["cellXfs"].group(3) or "")
        ]
        self.fills = [
            m.group(0) for m in _ITEM["fill"].finditer(self.blocks["fills"].group(3) or "")
        ]
        fonts = self.blocks["fonts"]
        self.fonts = (
            [m.group(0) for m in _ITEM["font"].finditer(fonts.group(3) or "")] if fonts else []
        )
        self.num_fmts: dict[str, str] = {}
        if self.blocks["numFmts"]:
            for m in _ITEM["numFmt"].finditer(self.blocks["numFmts"].group(3) or ""):
                attrs = dict(_ATTR.findall(m.group(0)))
                self.num_fmts[attrs.get("numFmtId", "")] = html.unescape(
                    attrs.get("formatCode", "")
                )
        dxfs = self.blocks["dxfs"]
        self.dxfs = [m.group(0) for m in _ITEM["dxf"].finditer(dxfs.group(3) or "")] if dxfs else []
        self.new_dxfs: list[str] = []
        self.new_xfs: list[_Xf] = []
        self.new_fills: list[str] = []
        self.new_fonts: list[str] = []
        self._index = {xf.key(): i for i, xf in reversed(list(enumerate(self.xfs)))}
        self._highlight_fills: dict[int, tuple[int, str]] = {}
        self._style_for: dict[tuple[int | None, str], int | None] = {}
        for i, raw in enumerate(self.fills):
            mark = _HL_FILL.search(raw)
            if mark:
                self._highlight_fills[i] = (int(mark.group(2), 16), mark.group(1).upper())

    # --- lookups ---
    def _xf(self, s: int | None) -> _Xf:
        all_xfs = self.xfs + self.new_xfs
        if s is None or not 0 <= s < len(all_xfs):
            return (
                all_xfs[0]
                if all_xfs
                else _Xf({"numFmtId": "0", "fontId": "0", "fillId": "0", "borderId": "0"}, "")
            )
        return all_xfs[s]

    @property
    def changed(self) -> bool:
        """Whether anything was appended."""
        return bool(self.new_xfs or self.new_fills or self.new_fonts or self.new_dxfs)

    def is_date(self, s: int | None) -> bool:
        """Whether style ``s`` shows numbers as dates or times."""
        return self.format_kind(s) == DATE

    def format_kind(self, s: int | None) -> str:
        """How style ``s`` (None: a cell without a style, shown in xf 0) shows a value."""
        fmt = self._xf(s).attrs.get("numFmtId", "0")
        if fmt in self.num_fmts:
            return format_kind(self.num_fmts[fmt])
        if not fmt.isdigit():
            return GENERAL  # Excel reads an unusable id as General
        n = int(fmt)
        if n in _BUILTIN_DATE_IDS:
            return DATE
        return _BUILTIN_KINDS.get(n, NUMBER)

    def fits(self, s: int | None, shows: str) -> bool:
        """Whether style ``s`` shows a value of kind ``shows`` (text, bool, number, percent,
        money, date, datetime, time) as what it is."""
        return self.format_kind(s) in FITTING_KINDS[shows]

    def is_highlight(self, s: int | None) -> bool:
        """Whether style ``s`` carries kqxl's highlight."""
        return s is not None and self._fill_of(s) in self._highlight_fills

    @property
    def has_highlights(self) -> bool:
        """Whether any fill of kqxl's highlight exists (else no style can carry one)."""
        return bool(self._highlight_fills)

    def highlight_ids(self) -> set[int]:
        """Existing xf indexes that carry kqxl's highlight."""
        return {i for i in range(len(self.xfs)) if self._fill_of(i) in self._highlight_fills}

    def _fill_of(self, s: int) -> int:
        value = self._xf(s).attrs.get("fillId", "0")
        return int(value) if value.isdigit() else 0

    def _find_or_add(self, xf: _Xf) -> int:
        key = xf.key()
        if key in self._index:
            return self._index[key]
        self.new_xfs.append(xf)
        index = len(self.xfs) + len(self.new_xfs) - 1
        self._index[key] = index
        return index

    # --- derived styles ---
    def style_for(self, s: int | None, shows: str) -> int | None:
        """``s`` if its format fits a value of kind ``shows``, else ``s`` with the format
        kqxl gives that kind (appended once; font, fill, borders and alignment stay).

        A cell without a style shows the workbook's default format (xf 0), which is a date
        or a percent in some workbooks: such a cell gets an explicit style too."""
        key = (s, shows)
        known = self._style_for.get(key, -1)  # once per style and kind: runs for every value
        if known != -1:
            return known
        chosen = s
        if not self.fits(s, shows):
            base = self._xf(s)
            attrs = dict(base.attrs)
            attrs["numFmtId"] = GIVEN_FORMAT_IDS[shows]
            attrs["applyNumberFormat"] = "1"
            chosen = self._find_or_add(_Xf(attrs, base.inner))
        self._style_for[key] = chosen
        return chosen

    def date_style(self, s: int | None, kind: str) -> int | None:
        """``s`` if it already shows dates, else ``s`` with a date format (appended once)."""
        return self.style_for(s, kind)

    def number_style(self, s: int | None) -> int | None:
        """``s``, or ``s`` with the General format if it would not show a number as one."""
        return self.style_for(s, "number")

    def highlight(self, s: int | None) -> int:
        """``s`` with kqxl's light-red fill on top."""
        if s is not None and self.is_highlight(s):
            return s
        base = self._xf(s)
        flag = {None: "00", "0": "01"}.get(base.attrs.get("applyFill"), "02")
        original = base.attrs.get("fillId", "0")
        fill = (
            f'<{self.prefix}fill><{self.prefix}patternFill patternType="solid">'
            f'<{self.prefix}fgColor rgb="{HIGHLIGHT_RGB}"/>'
            f'<{self.prefix}bgColor rgb="{flag}{int(original or 0):06X}"/>'
            f"</{self.prefix}patternFill></{self.prefix}fill>"
        )
        fill_id = self._fill_index(fill, int(original or 0), flag)
        attrs = dict(base.attrs)
        attrs["fillId"] = str(fill_id)
        attrs["applyFill"] = "1"
        return self._find_or_add(_Xf(attrs, base.inner))

    def _fill_index(self, raw: str, original: int, flag: str) -> int:
        for i, (orig, fl) in self._highlight_fills.items():
            if orig == original and fl == flag:
                return i
        self.new_fills.append(raw)
        index = len(self.fills) + len(self.new_fills) - 1
        self._highlight_fills[index] = (original, flag)
        return index

    def unhighlight(self, s: int | None) -> int | None:
        """The style ``s`` had before kqxl's highlight (``s`` itself if not highlighted)."""
        if s is None or not self.is_highlight(s):
            return s
        base = self._xf(s)
        original, flag = self._highlight_fills[self._fill_of(s)]
        if original >= len(self.fills) or original in self._highlight_fills:
            original = 0  # the recorded fill no longer exists (styles were rewritten)
        attrs = dict(base.attrs)
        attrs["fillId"] = str(original)
        attrs.pop("applyFill", None)
        if flag == "01":
            attrs["applyFill"] = "0"
        elif flag == "02":
            attrs["applyFill"] = "1"
        return self._find_or_add(_Xf(attrs, base.inner))

    def bold(self, s: int | None) -> int:
        """``s`` with a bold copy of its font (for headers of sheets kqxl writes)."""
        base = self._xf(s)
        font_id = int(base.attrs.get("fontId", "0") or 0)
        all_fonts = self.fonts + self.new_fonts
        raw = all_fonts[font_id] if font_id < len(all_fonts) else f"<{self.prefix}font/>"
        if re.search(rf"<{_P}b\s*/>", raw):
            return s if s is not None else 0
        if raw.endswith("/>"):
            bold = raw[:-2] + f"><{self.prefix}b/></{self.prefix}font>"
        else:
            head_end = raw.index(">") + 1
            bold = raw[:head_end] + f"<{self.prefix}b/>" + raw[head_end:]
        if bold in all_fonts:
            new_id = all_fonts.index(bold)
        else:
            self.new_fonts.append(bold)
            new_id = len(all_fonts)
        attrs = dict(base.attrs)
        attrs["fontId"] = str(new_id)
        attrs["applyFont"] = "1"
        return self._find_or_add(_Xf(attrs, base.inner))

    # --- differential formats (conditional formatting) ---
    def dxf_at(self, i: int) -> str | None:
        """The ``<dxf>`` at index ``i`` (None when there is none)."""
        all_dxfs = self.dxfs + self.new_dxfs
        return all_dxfs[i] if 0 <= i < len(all_dxfs) else None

    def fill_dxf(self, rgb: str) -> int:
        """The index of a differential format that is only a solid ``rgb`` fill (appended
        once). In a dxf the solid colour is the background colour; both are set."""
        p = self.prefix
        raw = (
            f'<{p}dxf><{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/>'
            f'<{p}bgColor rgb="{rgb}"/></{p}patternFill></{p}fill></{p}dxf>'
        )
        all_dxfs = self.dxfs + self.new_dxfs
        if raw in all_dxfs:
            return all_dxfs.index(raw)
        self.new_dxfs.append(raw)
        return len(all_dxfs)

    # --- output ---
    def render(self) -> bytes:
        """styles.xml with the appended entries (byte-identical elsewhere)."""
        text = self.source
        edits: list[tuple[int, int, str]] = []
        for name, items, old in (
            ("fonts", self.new_fonts, self.fonts),
            ("fills", self.new_fills, self.fills),
            ("cellXfs", [x.render(self.prefix) for x in self.new_xfs], self.xfs),
            ("dxfs", self.new_dxfs, self.dxfs),
        ):
            if not items:
                continue
            m = self.blocks[name]
            if m is None and name == "dxfs":
                p = self.prefix
                new = f'<{p}dxfs count="{len(items)}">{"".join(items)}</{p}dxfs>'
                edits.append((*self._insert_at("dxfs"), new))
                continue
            if m is None:
                raise PartError(f"缺少 {name}")
            attrs = re.sub(r'\s+count="\d*"', "", m.group(2))
            count = len(old) + len(items)
            inner = (m.group(3) or "") + "".join(items)
            p = m.group(1)
            new = f'<{p}{name}{attrs.rstrip()} count="{count}">{inner}</{p}{name}>'
            edits.append((m.start(), m.end(), new))
        for start, end, new in sorted(edits, reverse=True):
            text = text[:start] + new + text[end:]
        return text.encode("utf-8")

    def _insert_at(self, name: str) -> tuple[int, int]:
        """Where a missing list goes: before the first list that follows it in schema order."""
        text = self.source
        later = _ORDER[_ORDER.index(name) + 1 :]
        found = [m.start() for n in later if (m := re.search(rf"<{_P}{n}\b", text))]
        at = min(found) if found else text.rindex(f"</{self.prefix}styleSheet>")
        return at, at
