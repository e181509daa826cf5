"""Find a sheet's header row and validate its data column by column (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
import difflib
import operator
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, count, islice, repeat, zip_longest
from typing import Any

try:  # the transpose in C (setup.py); without a compiler at install, zip over the rows
    from kqxl import _speedups
except ImportError:  # pragma: no cover - the C part is built wherever the tests run
    _speedups = None  # type: ignore[assignment]

from kqxl.cells import CellValue, SheetGrid, column_letter
from kqxl.engine.columns import LazyColumns, text_errors
from kqxl.engine.convert import (
    Bad,
    blank_positions,
    cell_text,
    choice_map,
    convert_bool_flagged,
    convert_column,
    convert_text,
    name_key,
    name_keys,
    parse_number,
    positions,
    where_is,
)
from kqxl.engine.results import ColumnFindings, Finding, SheetLayout
from kqxl.schema import ColumnType, Sheet
from kqxl.texts import READING, text
from kqxl.vocabulary import PLACEHOLDERS, fold, header_stem, read_date, yes_no

HEADER_SCAN_ROWS = 10


def normalise_header(value: CellValue) -> str:
    """A header as matched: NFKC, no spaces (``　`` included), no trailing ``*``."""
    if value is None:
        return ""
    s = "".join(unicodedata.normalize("NFKC", cell_text(value)).split())
    return s.rstrip("*")


@dataclass(slots=True)
class HeaderMatch:
    """Where the header row is and which column holds which schema key."""

    header_row: int | None  # None: no row in the first ten holds a known header
    columns: dict[str, int] = field(default_factory=dict)  # key → Excel column (1-based)
    unknown: list[str] = field(default_factory=list)
    unknown_cols: list[int] = field(default_factory=list)  # the Excel column of each unknown
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # header, col, first


def locate_header(grid: SheetGrid, sheet: Sheet, scan_rows: int = HEADER_SCAN_ROWS) -> HeaderMatch:
    """The row within the first ``scan_rows`` holding the most headers of ``sheet``.

    Templates built by kqxl have a group-title row above the headers; a plain sheet has the
    headers in row 1. Ties go to the upper row.
    """
    by_header = {normalise_header(c.header): c.key for c in sheet.columns}
    best_row, best_count = None, 0
    for i, row in enumerate(grid.rows[:scan_rows]):
        count = len({by_header[h] for h in map(normalise_header, row) if h in by_header})
        if count > best_count:
            best_row, best_count = grid.first_row + i, count
    if best_row is None:
        return HeaderMatch(None)
    match = HeaderMatch(best_row)
    for j, value in enumerate(grid.rows[best_row - grid.first_row]):
        h = normalise_header(value)
        if not h:
            continue
        col = grid.first_col + j
        key = by_header.get(h)
        if key is None:
            match.unknown.append(cell_text(value).strip())
            match.unknown_cols.append(col)
        elif key in match.columns:
            match.duplicates.append((sheet.column(key).header, col, match.columns[key]))
        else:
            match.columns[key] = col
    return match


@dataclass(slots=True)
class SheetData:
    """A validated sheet: the Excel row of each data row and each column's values.

    ``values[key][i]`` is the normalised value of column ``key`` in data row ``rows[i]``
    (blank or bad = ``None``, also for 是/否: blank is not 否); ``raw[key][i]`` is the cell as
    read, what the rep typed (``"1.2万"`` beside ``12000.0``). A column the sheet lacks is all
    ``None`` in both.
    """

    sheet: Sheet
    layout: SheetLayout | None
    rows: list[int]
    values: dict[str, list[Any]]
    findings: list[Finding]
    # name_key() of the key and name columns, for duplicate checks and look-ups
    match_keys: dict[str, list[str | None]] = field(default_factory=dict)
    raw: dict[str, Sequence[CellValue]] = field(default_factory=dict)
    # look-ups built from the columns once for the systems that share them (the customer index)
    shared: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.rows)


def validate_sheet(
    grid: SheetGrid | None,
    sheet: Sheet,
    *,
    extra_choices: Mapping[str, Sequence[str]] | None = None,
    date1904: bool = False,
    synonyms: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    needed: Mapping[str, Sequence[str]] | None = None,
    other_sheets: Sequence[str] = (),
) -> SheetData:
    """Validate one sheet against the schema: findings as values, normalised columns.

    The steps: find the header row and check it; transpose the data area and drop blank rows;
    convert each column by its type; report blank required cells; report duplicate keys and
    names. ``extra_choices`` widens a choice column (e.g. 客户类型 named by a company's rules);
    ``synonyms`` (column key → choice → its synonyms) are read as their choice, with a notice.
    ``needed``: column key → the levels that cannot be reached without it (what the rules
    read), so that a missing one is an error naming them. ``other_sheets``: the workbook's
    other sheet names, to name the one a missing sheet was probably renamed to.
    """
    findings: list[Finding] = []
    if grid is None:
        # A log sheet added after the first templates (sheet.optional) may be absent.
        other = closest(sheet.name, [n for n in other_sheets if n != sheet.name])
        if not sheet.optional and other is not None:
            findings.append(Finding.make("missing_sheet_renamed", sheet.name, other=other))
        elif not sheet.optional:
            findings.append(Finding.make("missing_sheet", sheet.name))
        return _empty(sheet, findings)
    match = locate_header(grid, sheet)
    if match.header_row is None:
        required = [c.header for c in sheet.columns if c.required][:3]
        findings.append(
            Finding.make(
                "no_header_row", sheet.name, rows=HEADER_SCAN_ROWS, expected="”“".join(required)
            )
        )
        return _empty(sheet, findings)
    header_row = match.header_row
    findings += _header_findings(grid, sheet, match, header_row, needed or {})
    excel_rows, raw = _data_columns(grid, sheet, match, header_row)
    values, bad_rows, bad_findings = _convert_columns(
        sheet, match, raw, excel_rows, extra_choices or {}, date1904, synonyms or {}
    )
    findings += bad_findings
    if grid.pending:
        findings += _pending_findings(grid, sheet, match, bad_rows, excel_rows, header_row)
    findings += _required_findings(sheet, match, values, bad_rows, excel_rows)
    match_keys = {key: name_keys(values[key]) for key in (sheet.key_column, sheet.name_column)}
    unique = ((sheet.key_column, "duplicate_key"), (sheet.name_column, "duplicate_name"))
    for key, code in unique if sheet.unique_names else unique[:1]:
        keys = match_keys[key]
        findings += _duplicate_findings(sheet, key, code, values[key], keys, excel_rows, match)
    layout = SheetLayout(
        name=sheet.name,
        header_row=header_row,
        first_data_row=header_row + 1,
        last_row=excel_rows[-1] if excel_rows else header_row,
        columns=dict(sorted(match.columns.items(), key=lambda kv: kv[1])),
        unknown_columns=list(match.unknown),
    )
    return SheetData(sheet, layout, excel_rows, values, findings, match_keys, raw)


def one_missing_finding(sheets: Mapping[str, SheetData], names: Sequence[str]) -> None:
    """A workbook holding none of the schema's sheets gets one finding that says so (naming the
    sheets it has), instead of one ``missing_sheet`` per sheet; in place."""
    required = [data for data in sheets.values() if not data.sheet.optional]
    if (
        not required
        or any(
            len(data.findings) != 1 or data.findings[0].code != "missing_sheet" for data in required
        )
        or any(data.layout is not None for data in sheets.values())
    ):
        return
    wanted = [data.sheet.name for data in required]
    shown = "、".join(names[:5]) + ("…" if len(names) > 5 else "")
    finding = Finding.make(
        "no_schema_sheets",
        wanted[0],
        wanted="”和“".join(wanted),
        present=text(READING, "sheets_present", names=shown) if names else "",
    )
    for i, data in enumerate(required):
        data.findings = [finding] if i == 0 else []


def _empty(sheet: Sheet, findings: list[Finding]) -> SheetData:
    return SheetData(
        sheet,
        None,
        [],
        {c.key: [] for c in sheet.columns},
        findings,
        raw={c.key: () for c in sheet.columns},
    )


def closest(wanted: str, present: Iterable[str]) -> str | None:
    """The header (or sheet name) in ``present`` a rep most likely meant by ``wanted``.

    Compared without width, spaces, ``*`` and a unit or remark in brackets first
    (``拜访次数（次）`` is 拜访次数), then by similarity (difflib, at least 0.6), then by
    containment (``客户列表`` holds 客户).
    """
    options = [p for p in present if p and p.strip()]
    stem = header_stem(wanted)
    for p in options:
        if header_stem(p) == stem:
            return p
    by_stem = {header_stem(p): p for p in options}
    close = difflib.get_close_matches(stem, list(by_stem), n=1, cutoff=0.6)
    if close:
        return by_stem[close[0]]
    holding = [p for p in options if stem in header_stem(p) or header_stem(p) in stem]
    return min(holding, key=len) if len(holding) >= 1 and len(stem) >= 2 else None


def _hint(other: str | None) -> str:
    return text(READING, "did_you_mean", other=other) if other else READING["no_hint"]


def _header_findings(
    grid: SheetGrid,
    sheet: Sheet,
    match: HeaderMatch,
    header_row: int,
    needed: Mapping[str, Sequence[str]],
) -> list[Finding]:
    """Repeated headers, missing required columns, columns the rules read that are missing,
    headers kqxl does not know, merged cells below the header row."""
    name = sheet.name
    findings = [
        Finding.make(
            "duplicate_column",
            name,
            header_row,
            column_letter(col),
            header,
            header,
            other=column_letter(first),
        )
        for header, col, first in match.duplicates
    ]
    unknown = dict(zip(match.unknown, match.unknown_cols, strict=True))
    meant: dict[str, str] = {}  # unknown header → the missing column it probably is
    for c in sheet.columns:
        if c.key in match.columns or c.is_computed or not (c.required or c.key in needed):
            continue
        other = closest(c.header, [u for u in unknown if u not in meant])
        if other is not None:
            meant[other] = c.header
        letter = column_letter(unknown[other]) if other is not None else None
        if c.required:
            findings.append(
                Finding.make(
                    "missing_column", name, header_row, letter, c.header, hint=_hint(other)
                )
            )
        else:
            levels = text(READING, "levels_joiner").join(needed[c.key])
            findings.append(
                Finding.make(
                    "missing_rule_column",
                    name,
                    header_row,
                    letter,
                    c.header,
                    hint=_hint(other),
                    levels=levels,
                )
            )
    for header, col in unknown.items():
        if header in meant:
            continue  # its missing column's finding names it already
        other = closest(header, [c.header for c in sheet.columns if c.key not in match.columns])
        hint = text(READING, "did_you_mean_unknown", other=other) if other else ""
        findings.append(
            Finding.make("unknown_column", name, header_row, column_letter(col), header, hint=hint)
        )
    findings += [
        Finding.make(
            "merged_cells", name, rng.first_row, column_letter(rng.first_col), None, str(rng)
        )
        for rng in grid.merged
        if rng.last_row > header_row
    ]
    findings += _hidden_outputs(grid, sheet, match, header_row)
    return findings


def _hidden_outputs(
    grid: SheetGrid, sheet: Sheet, match: HeaderMatch, header_row: int
) -> list[Finding]:
    """A computed column's data cell that a merge hides (not its top-left cell): one finding
    per merge and column, at the first hidden row — what kqxl writes there nobody sees."""
    findings: list[Finding] = []
    for rng in grid.merged:
        for c in sheet.columns:
            col = match.columns.get(c.key)
            if not c.is_computed or col is None or not rng.first_col <= col <= rng.last_col:
                continue
            first = rng.first_row if col > rng.first_col else rng.first_row + 1
            first = max(first, header_row + 1)
            if first > rng.last_row:
                continue
            findings.append(
                Finding.make(
                    "merged_output", sheet.name, first, column_letter(col), c.header, str(rng)
                )
            )
    return findings


def _data_columns(
    grid: SheetGrid, sheet: Sheet, match: HeaderMatch, header_row: int
) -> tuple[list[int], dict[str, Sequence[CellValue]]]:
    """The Excel row of each non-blank data row, and each schema column's raw cells.

    The data area is transposed once (every column is then converted in one pass); the
    transposed columns are kept as they are, not copied per cell. A column the sheet lacks
    is one shared tuple of ``None``.
    """
    start = header_row + 1 - grid.first_row
    data = grid.rows[start:]
    # A sparse sheet (read cell by cell) has empty rows: blank, so left out before transposing,
    # and a stray cell far to the right is not worth a column: only the header's are built.
    offsets: Sequence[int] = range(len(data))
    if not all(data):
        offsets = [i for i, row in enumerate(data) if row]
        data = [data[i] for i in offsets]
    width = max(match.columns.values(), default=grid.first_col) - grid.first_col + 1
    cols: list[tuple[CellValue, ...]] = []
    if data and _speedups is not None and type(data) is list:
        with suppress(TypeError):  # rows of lists or tuples (what a reader gives), in C
            cols = _speedups.columns(data, width)
    if data and not cols:
        # zip is faster than zip_longest; rows of one length (the usual case) allow it
        one_length = len(set(map(len, data))) == 1
        cols = list(
            islice(
                zip(*data, strict=True) if one_length else zip_longest(*data, fillvalue=None),
                width,
            )
        )
    keep = _non_blank(data, cols, sheet, match, grid.first_col)
    if len(keep) != len(data):
        cols = [tuple(col[i] for i in keep) for col in cols]
    if isinstance(keep, range) and isinstance(offsets, range):  # no row left out
        excel_rows = list(range(header_row + 1, header_row + 1 + len(keep)))
    else:
        excel_rows = [header_row + 1 + offsets[i] for i in keep]
    blank: tuple[None, ...] = (None,) * len(keep)
    raw: dict[str, Sequence[CellValue]] = {}
    for col_def in sheet.columns:
        j = match.columns.get(col_def.key, 0) - grid.first_col
        raw[col_def.key] = cols[j] if col_def.key in match.columns and j < len(cols) else blank
    return excel_rows, raw


def _convert_columns(
    sheet: Sheet,
    match: HeaderMatch,
    raw: Mapping[str, Sequence[CellValue]],
    excel_rows: list[int],
    extra_choices: Mapping[str, Sequence[str]],
    date1904: bool,
    synonyms: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> tuple[dict[str, list[Any]], dict[str, set[int]], list[Finding]]:
    """Each column converted by its type; the bad rows per column, and a finding for each.

    A column the sheet lacks, and every column kqxl computes, is all ``None``. A value read
    leniently (text in a number or date column, ``Y`` for 是, a synonym of a choice) and a
    placeholder (``无`` in 联系电话, read as blank) each get a notice. A column of
    text and blanks no placeholder rule reads is only searched for error values here, and
    converted when something reads it (:class:`~kqxl.engine.columns.LazyColumns`): most are
    read by no rule.
    """
    n = len(excel_rows)
    values: dict[str, list[Any]] = {}
    deferred: dict[str, Callable[[], list[Any]]] = {}
    bad_rows: dict[str, set[int]] = {}
    findings: list[Finding] = []
    for col_def in sheet.columns:
        key = col_def.key
        if key not in match.columns or col_def.is_computed:
            values[key] = [None] * n
            continue
        found = (
            text_errors(raw[key])
            if col_def.type is ColumnType.TEXT and key not in PLACEHOLDER_COLUMNS
            else None
        )
        letter = column_letter(match.columns[key])
        made = ColumnFindings(sheet.name, letter, col_def.header)
        if found is not None:
            deferred[key], bads = partial(_text_values, raw[key]), found
        else:
            choices = None
            if col_def.type is ColumnType.CHOICE:
                allowed = (*col_def.choices, *extra_choices.get(key, ()))
                choices = choice_map(allowed)
                choices.update(synonym_map(allowed, (synonyms or {}).get(key, {})))
            lenient: list[int] | None = None  # 是/否 read leniently, found as they convert
            others: list[int] = []  # the cells of a number or date column not read as they stand
            if col_def.type is ColumnType.BOOL:
                out, bads, lenient = convert_bool_flagged(raw[key], _LenientYesNo())
            else:
                out, bads = convert_column(raw[key], col_def.type, choices, date1904, others)
            values[key] = out
            notes, unit_bads = _read_leniently(
                raw[key], out, col_def.type, key, choices, lenient, others
            )
            bads = sorted([*bads, *unit_bads], key=_bad_index) if unit_bads else bads
            if notes.at:
                kind = text(READING, _KIND.get(col_def.type, "kind_number"))
                findings += made.notices(
                    notes.codes,
                    list(map(excel_rows.__getitem__, notes.at)),
                    _texts_at(raw[key], notes.at),
                    notes.typed,
                    kind,
                )
        if not bads:
            continue
        bad_rows[key] = {bad.index for bad in bads}
        choices_text = "、".join(col_def.choices)
        for bad in bads:
            extra = {"choices": choices_text} if bad.code == "not_a_choice" else {}
            findings.append(made.make(bad.code, excel_rows[bad.index], cell_text(bad.raw), **extra))
    lazy = LazyColumns(values, deferred, [c.key for c in sheet.columns])
    return lazy, bad_rows, findings


def _text_values(raw: Sequence[CellValue]) -> list[Any]:
    return convert_text(raw)[0]


def _bad_index(bad: Bad) -> int:
    return bad.index


# ---------------------------------------------------------------------------------------------
# Values read leniently, placeholders, synonyms

# Text columns where a placeholder (无, -, 暂无 …) means "nothing here": contact and counterpart
# details. Free-text columns (兴趣爱好 无) keep the word as typed.
PLACEHOLDER_COLUMNS = frozenset(
    {
        "contact_name",
        "contact_phone",
        "fax",
        "address",
        "bank_name",
        "bank_account",
        "contractor",
        "design_institute",
    }
)
# Money units and currency marks that make no sense in a count (3万 visits).
_MONEY_MARKS = ("万", "亿", "元", "¥", "￥", "RMB", "CNY", "人民币")
_KIND = {
    ColumnType.INTEGER: "kind_number",
    ColumnType.MONEY: "kind_number",
    ColumnType.PERCENT: "kind_number",
    ColumnType.DATE: "kind_date",
    ColumnType.BOOL: "kind_bool",
}
_PLAIN_BOOL = frozenset({None, "", "是", "否"})
_DATE_TYPES = frozenset({type(None), dt.date, dt.datetime})
_ONLY_TEXT = frozenset({str})


def synonym_map(choices: Iterable[str], synonyms: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Each synonym of an allowed choice (as typed and folded) → the choice; a synonym of a
    choice not allowed, or one that is itself a choice, is left out."""
    allowed = set(choices)
    plain = {name_key(c) for c in allowed}
    out: dict[str, str] = {}
    for choice, words in synonyms.items():
        if choice not in allowed:
            continue
        for word in words:
            if name_key(word) not in plain:
                out[word] = choice
                out[name_key(word)] = choice
    return out


def typed_text(value: Any) -> str:
    """A typed value as a notice shows it: ``1200000``, ``2024-05-03``, ``是``."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return cell_text(value)


def _texts_at(column: Sequence[CellValue], at: Sequence[int]) -> list[str]:
    """:func:`cell_text` of the cells of ``column`` at ``at``, each distinct cell once."""
    cells = list(map(column.__getitem__, at))
    if _speedups is None:
        return _texts_keyed(cells)
    texts: list[Any] = cells  # text is its own text: only the other cells are looked at
    shown: dict[tuple[type, Any], str] = {}  # 1 and True are different cells
    for i in _speedups.where_type(cells, _ONLY_TEXT, False):
        key = (type(cells[i]), cells[i])
        got = shown.get(key)
        if got is None:
            got = shown[key] = cell_text(cells[i])
        texts[i] = got
    return texts


def _texts_keyed(cells: list[CellValue]) -> list[str]:
    """:func:`cell_text` of each cell, each distinct cell once (without the C part)."""
    if set(map(type, cells)) == _ONLY_STR:
        return cells  # type: ignore[return-value]  # text is its own text
    keys = list(zip(map(type, cells), cells, strict=True))  # 1 and True are different cells
    texts = {k: cell_text(k[1]) for k in set(keys)}
    return list(map(texts.__getitem__, keys))


_ONLY_STR = {str}


@dataclass(slots=True)
class _Notes:
    """The notices of one column, as parallel lists in row order: the index of each cell, its
    code and what it was read as (``typed``)."""

    at: list[int] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)

    def add(self, i: int, code: str, typed: str) -> None:
        self.at.append(i)
        self.codes.append(code)
        self.typed.append(typed)


def _where_not(test: Callable[[Any], bool], values: Iterable[Any]) -> Iterator[int]:
    """The indices of ``values`` for which ``test`` is false, found in C."""
    return compress(count(), map(operator.not_, map(test, values)))


_YES_NO_TEXT = {True: "是", False: "否"}


class _LenientYesNo(dict[Any, bool]):
    """Cell → whether it is a 是/否 read leniently (``√``, ``Y``, ``1`` …: a notice) for one
    column, as :func:`~kqxl.engine.convert.convert_bool` reads it; each value judged once."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(_PLAIN_BOOL_FALSE)

    def __missing__(self, value: Any) -> bool:
        lenient = self[value] = not (value.__class__ is str and value.strip() in _PLAIN_BOOL) and (
            yes_no(value) is not None
        )
        return lenient


_PLAIN_BOOL_FALSE = dict.fromkeys(_PLAIN_BOOL, False)


def _read_leniently(
    raw: Sequence[CellValue],
    out: list[Any],
    ctype: ColumnType,
    key: str,
    choices: Mapping[str, str] | None,
    lenient: list[int] | None = None,
    others: list[int] | None = None,
) -> tuple[_Notes, list[Bad]]:
    """Notices (index, code, typed value) for the cells of one column read leniently, and
    the cells that are bad after all (a count with a money unit), which ``out`` then blanks.
    ``lenient``: in a 是/否 column, the cells :class:`_LenientYesNo` marks, when known already.
    ``others``: in a number or date column, the cells its conversion did not read as they stood
    (:func:`~kqxl.engine.convert.convert_column`), when known already.

    Each type is first checked over the whole column in C (the usual column is plain), and
    only the cells of another kind (text in a number column …) are looked at one by one."""
    notes = _Notes()
    bads: list[Bad] = []
    if ctype in (ColumnType.INTEGER, ColumnType.MONEY, ColumnType.PERCENT):
        if others is not None:
            texts: Iterable[int] = others  # text among them; the rest is skipped below
        elif _speedups is not None:
            texts = _speedups.where_type(raw, _ONLY_TEXT, True)
        elif str not in set(map(type, raw)):
            return notes, bads
        else:
            texts = compress(count(), map(operator.is_, map(type, raw), repeat(str)))
        shown: dict[Any, str] = {}  # a number → its text, once each
        for i in texts:
            v, number = raw[i], out[i]
            if number is None or v.__class__ is not str:
                continue
            if ctype is ColumnType.INTEGER and any(m in fold(v).upper() for m in _MONEY_MARKS):
                out[i] = None
                bads.append(Bad(i, "count_with_unit", v))
                continue
            typed = shown.get(number)
            if typed is None:
                typed = shown[number] = typed_text(number)
            notes.add(i, "lenient_value", typed)
    elif ctype is ColumnType.DATE:
        if others is not None:
            not_dates: Iterable[int] = others  # dates among them are skipped below
        elif _speedups is not None:
            not_dates = _speedups.where_type(raw, _DATE_TYPES, False)
        elif _DATE_TYPES.issuperset(map(type, raw)):
            return notes, bads
        else:
            not_dates = _where_not(_DATE_TYPES.__contains__, map(type, raw))
        days: dict[Any, str] = {}  # a date → its text, once each
        for i in not_dates:
            day = out[i]
            if day is not None and raw[i].__class__ not in _DATE_TYPES:
                typed = days.get(day)
                if typed is None:
                    typed = days[day] = typed_text(day)
                notes.add(i, "lenient_value", typed)
    elif ctype is ColumnType.BOOL:
        # Whether a cell is a notice depends on its value only (equal cells read alike):
        # each distinct value is judged once, its cells found in the same pass, in C.
        if lenient is None:
            lenient = list(compress(count(), map(_LenientYesNo().__getitem__, raw)))
        notes.at = lenient
        if notes.at:
            notes.codes = ["lenient_value"] * len(notes.at)
            notes.typed = list(map(_YES_NO_TEXT.__getitem__, map(out.__getitem__, notes.at)))
    elif ctype is ColumnType.CHOICE and choices:
        plain = {c for c in choices.values()}
        if plain.union((None,)).issuperset(raw):
            return notes, bads
        # a spelling of the choice itself (spaces, width, case) is the same word: no notice
        folded = {name_key(c) for c in plain}
        for i in _where_not(plain.__contains__, raw):
            if out[i] is not None and name_key(cell_text(raw[i])) not in folded:
                notes.add(i, "choice_synonym", str(out[i]))
    elif ctype is ColumnType.TEXT and key in PLACEHOLDER_COLUMNS:
        for i in _placeholders(out):
            out[i] = None
            notes.add(i, "placeholder", "")
    return notes, bads


def _placeholders(out: list[Any]) -> list[int]:
    """The indexes of the placeholders (无, -, 暂无 …) among a column's texts, in order."""
    if _speedups is not None:
        return _speedups.where(out, PLACEHOLDERS)  # one pass, in C
    if PLACEHOLDERS.isdisjoint(out):
        return []
    return sorted(i for word in PLACEHOLDERS.intersection(out) for i in positions(out, word))


def tidy_value(
    value: str,
    ctype: ColumnType,
    date1904: bool = False,
    choices: Mapping[str, str] | None = None,
) -> CellValue:
    """What a cell read leniently becomes when tidied: ``"120万"`` → 1200000.0, ``"2024.5.3"``
    → a date, ``"Y"`` → ``"是"``, ``"业主"`` → ``"甲方"``; None when ``value`` does not read.

    ``value`` is the cell's text as a finding holds it."""
    if ctype in (ColumnType.INTEGER, ColumnType.MONEY, ColumnType.PERCENT):
        number = parse_number(value)
        if number is None:
            return None
        return int(number) if ctype is ColumnType.INTEGER and number.is_integer() else number
    if ctype is ColumnType.DATE:
        day = read_date(value, date1904)
        if day is None and fold(value).replace(".", "", 1).isdigit():
            day = read_date(float(fold(value)), date1904)
        return day
    if ctype is ColumnType.BOOL:
        word = yes_no(value)
        return None if word is None else ("是" if word else "否")
    if ctype is ColumnType.CHOICE and choices:
        return choices.get(value) or choices.get(name_key(value))
    return None


def _pending_findings(
    grid: SheetGrid,
    sheet: Sheet,
    match: HeaderMatch,
    bad_rows: dict[str, set[int]],
    excel_rows: list[int],
    header_row: int,
) -> list[Finding]:
    """A notice for each formula without a computed value below the header, in a column kqxl
    reads.

    Such a cell reads as blank; its row is noted as bad for that column, so that the notice
    replaces a "required" finding about a cell that is not empty in Excel. A row that holds
    nothing but such formulas reads as blank (no result), but its notices still tell the rep.
    """
    index = {r: i for i, r in enumerate(excel_rows)}
    by_col = {col: key for key, col in match.columns.items()}
    findings = []
    for (r, c), formula in sorted(grid.pending.items()):
        i, key = index.get(r), by_col.get(c)
        if r <= header_row or key is None or sheet.column(key).is_computed:
            continue
        if i is not None:
            bad_rows.setdefault(key, set()).add(i)
        header = sheet.column(key).header
        # a shared formula's other cells carry no text of their own
        code = "formula_not_calculated" if formula.strip("= ") else "shared_formula_not_calculated"
        findings.append(Finding.make(code, sheet.name, r, column_letter(c), header, formula))
    return findings


def _required_findings(
    sheet: Sheet,
    match: HeaderMatch,
    values: Mapping[str, list[Any]],
    bad_rows: Mapping[str, set[int]],
    excel_rows: list[int],
) -> list[Finding]:
    """A finding for each blank cell of a required column (a bad cell is reported already)."""
    findings = []
    for col_def in sheet.columns:
        key = col_def.key
        if not col_def.required or key not in match.columns or col_def.is_computed:
            continue  # a missing required column is one finding of the header checks
        made = ColumnFindings(sheet.name, column_letter(match.columns[key]), col_def.header)
        bad = bad_rows.get(key, set())
        findings += [
            made.make("required_missing", excel_rows[i], "")
            for i in where_is(values[key], None)
            if i not in bad
        ]
    return findings


def _non_blank(
    data: list[list[CellValue]],
    cols: Sequence[Sequence[CellValue]],
    sheet: Sheet,
    match: HeaderMatch,
    first_col: int,
) -> Sequence[int]:
    """Indices of the data rows that hold something a rep typed (a range when all do).

    Only rows without a name are candidates (cheap to find column-wise); they are blank when
    every cell outside kqxl's computed columns is empty or spaces.
    """
    name_col = match.columns.get(sheet.name_column)
    if name_col is not None and name_col - first_col < len(cols):
        candidates: Sequence[int] = blank_positions(cols[name_col - first_col])
    else:
        candidates = range(len(data))
    if not candidates:
        return range(len(data))
    computed = {
        match.columns[c.key] - first_col
        for c in sheet.columns
        if c.is_computed and c.key in match.columns
    }
    blank = set()
    for i in candidates:
        row = data[i]
        if all(
            v is None or (v.__class__ is str and not v.strip())
            for j, v in enumerate(row)
            if j not in computed
        ):
            blank.add(i)
    if not blank:
        return range(len(data))
    return [i for i in range(len(data)) if i not in blank]


def _duplicate_findings(
    sheet: Sheet,
    key: str,
    code: str,
    values: Sequence[Any],
    keys: Sequence[str | None],
    excel_rows: list[int],
    match: HeaderMatch,
) -> list[Finding]:
    """A finding for each row whose ``key`` column repeats an earlier row's (after folding)."""
    findings: list[Finding] = []
    if key not in match.columns:
        return findings
    blanks = len(where_is(keys, None))
    if len(set(keys)) >= len(keys) - blanks + (1 if blanks else 0):
        return findings  # all distinct: the common case, decided in C
    col_def = sheet.column(key)
    letter = column_letter(match.columns[key])
    seen: dict[str, int] = {}
    for i, (k, v) in enumerate(zip(keys, values, strict=True)):
        if k is None:
            continue
        first = seen.get(k)
        if first is None:
            seen[k] = excel_rows[i]
        else:
            findings.append(
                Finding.make(
                    code, sheet.name, excel_rows[i], letter, col_def.header, v, other=first
                )
            )
    return findings
