"""Column-wise cell converters: raw cell values → normalised values, plus what was wrong.

Each converter takes one column (a sequence of raw cell values) and returns the normalised
list and a list of :class:`Bad` entries ``(index, code, raw)``. The common case (a value of
the right Python type, or a blank) stays inside a list comprehension; only odd values pay a
function call. This is what makes 100,000 rows a second possible: no per-row model.
Where the C part is built (``kqxl._speedups.convert_cells``), the comprehension's plain cases
run there, and each other cell calls the same Python function for one cell as here.

Normalised values: text → stripped ``str``; integer → ``int``; money → ``float``;
date → ``datetime.date``; 是/否 → ``True``/``False``; choice → the canonical choice.
A blank or a bad value is ``None`` in every type: a blank 是/否 cell is not 否. The 是/否 words
and the date forms are those of :mod:`kqxl.vocabulary`, which rule conditions read too.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import compress, count
from typing import Any

try:  # the plain cells of a column in C (setup.py); without a compiler, the comprehensions
    from kqxl import _speedups
except ImportError:  # pragma: no cover - the C part is built wherever the tests run
    _speedups = None  # type: ignore[assignment]

from kqxl.cells import ERROR_CODES, CellError, CellValue
from kqxl.schema import ColumnType
from kqxl.vocabulary import (
    FIRST_DAY,
    LAST_DAY,
    YES_NO,
    fold,
    parse_date,
    plausible_date,
    read_date,
    serial_to_date,
    yes_no,
)

__all__ = [  # the readers shared with rule conditions stay importable from here
    "Bad",
    "blank_positions",
    "cell_text",
    "choice_map",
    "convert_bool_flagged",
    "convert_column",
    "fold",
    "name_key",
    "name_keys",
    "parse_date",
    "parse_number",
    "positions",
    "serial_to_date",
    "where_is",
]


@dataclass(frozen=True, slots=True)
class Bad:
    """A cell that could not be converted: its index in the column, the code, the raw value."""

    index: int
    code: str
    raw: CellValue


class _Miss:
    """Marks a cell a converter's fast path could not handle."""

    __slots__ = ("code", "raw")

    def __init__(self, code: str, raw: CellValue) -> None:
        self.code = code
        self.raw = raw


_is_normalized = unicodedata.is_normalized
_normalize = unicodedata.normalize


def name_key(value: str) -> str:
    """How names are matched: NFKC, no whitespace at all, case-folded."""
    if not _is_normalized("NFKC", value):  # most names already are: skip the copy
        value = _normalize("NFKC", value)
    return "".join(value.split()).casefold()


_NFKC = partial(unicodedata.normalize, "NFKC")
_JOIN = "".join
_NONE_OR_STR = frozenset({type(None), str})
# dict.get(v, v) through map swaps one value and keeps the rest, in C.
_BLANK_AS_EMPTY: dict[Any, Any] = {None: ""}
_EMPTY_AS_BLANK: dict[Any, Any] = {"": None}


def name_keys(values: Sequence[str | None]) -> list[str | None]:
    """:func:`name_key` over a column, blanks staying ``None``.

    A chain of ``map`` over C functions: no Python-level step per cell. In the C part, a name
    of CJK ideographs and printable ASCII is its own key, capitals lowered; others are keyed
    here, one by one.
    """
    if _speedups is not None:  # a name met again is keyed once
        return _speedups.name_keys(values, _NameKeys().__getitem__)
    texts = map(_BLANK_AS_EMPTY.get, values, values)  # None → "", text stays
    keys = list(map(str.casefold, map(_JOIN, map(str.split, map(_NFKC, texts)))))
    return list(map(_EMPTY_AS_BLANK.get, keys, keys))  # "" → None


def _one_name_key(value: str) -> str | None:
    """One cell of :func:`name_keys` (never ``None``)."""
    key = str.casefold(_JOIN(str.split(_NFKC(value))))
    return key or None


class _NameKeys(dict[str, str | None]):
    """:func:`_one_name_key` of each name, made the first time it is asked for."""

    __slots__ = ()

    def __missing__(self, value: str) -> str | None:
        key = self[value] = _one_name_key(value)
        return key


def positions(values: Sequence[Any], target: Any) -> list[int]:
    """Every index of ``target`` in ``values`` (by identity or equality), found in C."""
    out: list[int] = []
    index = values.index
    i = -1
    try:
        while True:
            i = index(target, i + 1)
            out.append(i)
    except ValueError:
        return out


def where_is(values: Sequence[Any], target: Any) -> list[int]:
    """Every index of ``target`` itself in ``values``; as :func:`positions` for a target that
    only equals itself (``None``, a marker object) among values of kqxl's types."""
    if _speedups is not None:
        return _speedups.where_is(values, target)
    return positions(values, target)


def blank_positions(values: Sequence[Any]) -> list[int]:
    """The indexes of the blank cells: ``None`` or text of spaces only (a ``str``)."""
    if _speedups is not None:  # each cell stripped in C, then the Nones found in C
        return _speedups.where_is(_speedups.convert_cells(values, _TEXT, _as_is, ()), None)
    return [i for i, v in enumerate(values) if v is None or (v.__class__ is str and not v.strip())]


def _as_is(value: Any) -> Any:
    return value


def cell_text(value: CellValue) -> str:
    """A raw cell as a rep would read it, for a finding's ``value``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        # a date-formatted cell comes back as a midnight datetime: the time is not the rep's
        if value.time() == dt.time.min:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _by_index(bad: Bad) -> int:
    return bad.index


def _collect(out: list[Any], rec: _Recorder) -> list[Bad]:
    """Replace each recorded :class:`_Miss` in ``out`` by ``None``; return them as :class:`Bad`.

    ``list.index`` finds each by identity in C, much faster than a Python scan of the column;
    with the C part, one pass finds every cell holding a :class:`_Miss`.
    """
    if _speedups is not None:
        bads = []
        for i in _speedups.where_type(out, _MISS_TYPES, True):
            miss = out[i]
            bads.append(Bad(i, miss.code, miss.raw))
            out[i] = None
        return bads
    bads = []
    start = 0  # misses are mostly recorded in row order: resume each search after the last
    for miss in rec.found:
        try:
            i = out.index(miss, start)
        except ValueError:
            try:
                i = out.index(miss)
            except ValueError:  # superseded by a later miss for the same cell
                continue
        start = i + 1
        bads.append(Bad(i, miss.code, miss.raw))
        out[i] = None
    bads.sort(key=_by_index)
    return bads


# Cell types of which no two values of different types are equal: a column of these and at
# most one type of number (1 == 1.0 == True) can be converted once per distinct value.
_DISTINCT_SAFE = frozenset({type(None), str, dt.date, dt.datetime})
_NUMBER_TYPES = frozenset({int, float, bool})


def _by_distinct(
    raw: Sequence[CellValue], one: Callable[[CellValue, _Recorder], Any]
) -> tuple[list[Any], list[Bad]] | None:
    """``one`` over each distinct value of ``raw`` once, then the column looked up in C; the
    same values and :class:`Bad` entries as ``one`` over every cell. ``None`` (convert cell by
    cell) when the column holds few repeats or two types whose values may be equal."""
    if len(raw) < 64:
        return None
    others = set(map(type, raw)).difference(_DISTINCT_SAFE)
    if len(others) > 1 or not _NUMBER_TYPES.issuperset(others):
        return None
    distinct = set(raw)
    if len(distinct) * 4 > len(raw):
        return None
    rec = _Recorder()
    table = {v: one(v, rec) for v in distinct}
    out: list[Any] = (
        _speedups.look_up(raw, table)
        if _speedups is not None
        else list(map(table.__getitem__, raw))
    )
    if not rec.found:
        return out, []
    missed = {v for v, got in table.items() if got.__class__ is _Miss}
    bads = []
    at = (
        _speedups.where(raw, missed)
        if _speedups is not None
        else compress(count(), map(missed.__contains__, raw))
    )
    for i in at:  # one pass, in C
        v = raw[i]
        bads.append(Bad(i, table[v].code, v))
        out[i] = None
    return out, bads


_MISS_TYPES = frozenset({_Miss})


class _Recorder:
    """Counts misses so that the slow scan for them runs only when there is one."""

    __slots__ = ("found",)

    def __init__(self) -> None:
        self.found: list[_Miss] = []

    def miss(self, code: str, raw: CellValue) -> _Miss:
        found = _Miss(code, raw)
        self.found.append(found)
        return found


# --------------------------------------------------------------------------------------------
# Numbers

_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_CURRENCY_PREFIX = ("¥", "RMB", "CNY", "人民币")
_UNITS = {
    "万元": 10_000.0,
    "万": 10_000.0,
    "亿元": 100_000_000.0,
    "亿": 100_000_000.0,
    "元": 1.0,
    "次": 1.0,
}


def parse_number(value: str) -> float | None:
    """``"１，２００"`` → 1200.0, ``"¥1.2万"`` → 12000.0, ``"3次"`` → 3.0, ``"(1,200)"`` →
    -1200.0 (accounting style); None if not a number."""
    s = "".join(unicodedata.normalize("NFKC", value).split())
    sign = 1.0
    if len(s) > 2 and s[0] == "(" and s[-1] == ")" and s[1] not in "+-":
        s, sign = s[1:-1], -1.0
    for prefix in _CURRENCY_PREFIX:
        if s.upper().startswith(prefix):
            s = s[len(prefix) :]
            break
    factor = 1.0
    for unit, f in _UNITS.items():
        if s.endswith(unit):
            s, factor = s[: -len(unit)], f
            break
    if "," in s:
        # Thousands separators only: 1,200 or 12,000,000 (a decimal comma is not a Chinese habit).
        if not re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", s):
            return None
        s = s.replace(",", "")
    if not _NUMBER_TEXT.fullmatch(s):
        return None
    return sign * float(s) * factor


def _error_code(value: CellValue) -> bool:
    return value.__class__ is CellError or (value.__class__ is str and value.strip() in ERROR_CODES)


def _bad_number(value: CellValue, rec: _Recorder) -> float | _Miss | None:
    """A non-float, non-blank cell in a number column → float, or a miss."""
    if value.__class__ is int:
        return float(value)
    if isinstance(value, str):
        if value.strip() in ERROR_CODES:
            return rec.miss("error_value", value)
        if not value.strip():
            return None
        number = parse_number(value)
        if number is not None and math.isfinite(number):
            return number
        return rec.miss("not_a_number", value)
    if value.__class__ is CellError:
        return rec.miss("error_value", value)
    if value.__class__ is float:
        if math.isfinite(value):
            return value
        return rec.miss("not_a_number", value)  # nan / inf from a reader
    return rec.miss("not_a_number", value)


def convert_money(
    raw: Sequence[CellValue], others: list[int] | None = None
) -> tuple[list[Any], list[Bad]]:
    """Money: float ≥ 0. ``others``: see :func:`convert_column`."""
    return _convert(raw, _MONEY, _money_other, _money_cells, others=others)


def _convert(
    raw: Sequence[CellValue],
    kind: int,
    other: Callable[..., Any],
    cells: Callable[..., list[Any]],
    bounds: tuple[Any, ...] = (),
    others: list[int] | None = None,
    **given: Any,
) -> tuple[list[Any], list[Bad]]:
    """A column converted by ``cells`` (its comprehension, calling ``other`` for each cell
    that is not plain), or in C where built: the plain cells there, each other cell through
    the same ``other``. ``given``: more arguments of both. ``others``: see
    :func:`convert_column` (in C, the cells passed to ``other``)."""
    rec = _Recorder()
    if _speedups is not None:
        one = _Once(partial(other, rec=rec, **given)).one
        out = (
            _speedups.convert_cells(raw, kind, one, bounds)
            if others is None
            else _speedups.convert_cells(raw, kind, one, bounds, others)
        )
    else:
        out = cells(raw, rec, **given)
        if others is not None:
            plain = _PLAIN_TYPES[kind].__contains__
            others += compress(count(), map(operator.not_, map(plain, map(type, raw))))
    return out, (_collect(out, rec) if rec.found else [])


class _Once(dict[Any, Any]):
    """``other`` of each distinct text or float cell once per column: a rep who types
    ``1.2万`` or ``2024.5.3`` into a number or date column types it again and again. Cells of
    other types (an ``int`` equals a ``float``, ``True`` equals ``1``) are converted each
    time. Text and floats are never equal to each other, and equal floats convert alike."""

    __slots__ = ("other",)

    def __init__(self, other: Callable[[CellValue], Any]) -> None:
        super().__init__()
        self.other = other

    def one(self, value: CellValue) -> Any:
        if value.__class__ is str or value.__class__ is float:
            return self[value]
        return self.other(value)

    def __missing__(self, value: CellValue) -> Any:
        got = self[value] = self.other(value)
        return got


def _money_cells(raw: Sequence[CellValue], rec: _Recorder) -> list[Any]:
    return [
        v
        if v.__class__ is float and 0.0 <= v < math.inf
        else (
            float(v)
            if v.__class__ is int and v >= 0
            else (None if v is None else _money_other(v, rec))
        )
        for v in raw
    ]


def _money_other(value: CellValue, rec: _Recorder) -> float | _Miss | None:
    number = _bad_number(value, rec)
    if number.__class__ is float and number < 0:
        return rec.miss("negative", value)
    return number


def convert_integer(
    raw: Sequence[CellValue], others: list[int] | None = None
) -> tuple[list[Any], list[Bad]]:
    """Integer ≥ 0; ``30.0`` is 30. ``others``: see :func:`convert_column`."""
    return _convert(raw, _INTEGER, _integer_other, _integer_cells, others=others)


def _integer_cells(raw: Sequence[CellValue], rec: _Recorder) -> list[Any]:
    return [
        v if v.__class__ is int and v >= 0 else (None if v is None else _integer_other(v, rec))
        for v in raw
    ]


def _integer_other(value: CellValue, rec: _Recorder) -> int | _Miss | None:
    number = _bad_number(value, rec)
    if isinstance(number, _Miss) and number.code == "not_a_number":
        rec.found.pop()  # reported as not_an_integer instead
        return rec.miss("not_an_integer", value)
    if not isinstance(number, float):
        return number
    if not number.is_integer():
        return rec.miss("not_an_integer", value)
    if number < 0:
        return rec.miss("negative", value)
    return int(number)


# --------------------------------------------------------------------------------------------
# Dates

# kqxl._speedups.convert_cells: the kinds of cell
_MONEY, _INTEGER, _DATE, _TEXT = 0, 1, 2, 3
# the types of the cells each kind may read as they stand (:func:`convert_column`'s others)
_PLAIN_TYPES = {
    _MONEY: frozenset({float, int, type(None)}),
    _INTEGER: frozenset({int, type(None)}),
    _DATE: frozenset({dt.date, dt.datetime, type(None)}),
}

_FIRST_MOMENT, _LAST_MOMENT = dt.datetime(1900, 1, 1), dt.datetime(2100, 12, 31, 23, 59, 59)


def convert_date(
    raw: Sequence[CellValue], date1904: bool = False, others: list[int] | None = None
) -> tuple[list[Any], list[Bad]]:
    """Date within 1900–2100; datetimes lose their time. ``others``: see
    :func:`convert_column`."""
    bounds = (FIRST_DAY, LAST_DAY, _FIRST_MOMENT, _LAST_MOMENT)
    return _convert(raw, _DATE, _date_other, _date_cells, bounds, others, date1904=date1904)


def _date_cells(raw: Sequence[CellValue], rec: _Recorder, date1904: bool) -> list[Any]:
    date_cls, lo, hi = dt.date, FIRST_DAY, LAST_DAY
    # Readers return datetimes for date cells; keep that common case inline too.
    datetime_cls, lo_t, hi_t = dt.datetime, _FIRST_MOMENT, _LAST_MOMENT
    return [
        v
        if v.__class__ is date_cls and lo <= v <= hi
        else (
            v.date()
            if v.__class__ is datetime_cls and lo_t <= v <= hi_t
            else (None if v is None else _date_other(v, rec, date1904))
        )
        for v in raw
    ]


def _date_other(value: CellValue, rec: _Recorder, date1904: bool) -> dt.date | _Miss | None:
    if isinstance(value, str):
        if not value.strip():
            return None
        if value.strip() in ERROR_CODES:
            return rec.miss("error_value", value)
    elif value.__class__ is CellError:
        return rec.miss("error_value", value)
    day = read_date(value, date1904)
    if day is None:
        return rec.miss("not_a_date", value)
    if not plausible_date(day):
        return rec.miss("implausible_date", value)
    return day


# --------------------------------------------------------------------------------------------
# 是/否

# A cell the dict look-up does not settle; None (blank) and "" map to None themselves.
_MISS = object()
_CELL_YES_NO: dict[Any, bool | None] = {None: None, "": None, **YES_NO}


class _YesNoTable(dict[Any, Any]):
    """:data:`_CELL_YES_NO` for one column: a cell it does not know reads ``_MISS`` and is
    counted, so a column without one (the usual case) is never scanned for it."""

    __slots__ = ("misses",)

    def __init__(self) -> None:
        super().__init__(_CELL_YES_NO)
        self.misses = 0

    def __missing__(self, key: Any) -> object:
        self.misses += 1
        return _MISS


def convert_bool(raw: Sequence[CellValue]) -> tuple[list[Any], list[Bad]]:
    """是/否 and its many spellings (:func:`kqxl.vocabulary.yes_no`); blank stays ``None``."""
    table = _YesNoTable()
    # dict look-ups through map run in C; only an unknown cell calls back into Python.
    out: list[Any] = (
        _speedups.look_up(raw, table)
        if _speedups is not None
        else list(map(table.__getitem__, raw))
    )
    return out, _bool_misses(raw, out, table)


def convert_bool_flagged(
    raw: Sequence[CellValue], flags: Mapping[Any, bool]
) -> tuple[list[Any], list[Bad], list[int]]:
    """:func:`convert_bool`, and the indexes of the cells ``flags`` marks (by value), found
    in the same pass; a cell read as blank is never marked (nor looked up, in C)."""
    table = _YesNoTable()
    if _speedups is not None:
        out, flagged = _speedups.look_up(raw, table, flags)
    else:
        out = list(map(table.__getitem__, raw))
        marked = compress(count(), map(flags.__getitem__, raw))
        flagged = [i for i in marked if out[i] is not None]
    return out, _bool_misses(raw, out, table), flagged


def _bool_misses(raw: Sequence[CellValue], out: list[Any], table: _YesNoTable) -> list[Bad]:
    """The cells the table did not know, read by :func:`~kqxl.vocabulary.yes_no` (``out`` set
    in place): the bad ones."""
    if not table.misses:
        return []
    bads: list[Bad] = []
    for i in where_is(out, _MISS):
        value = raw[i]
        word = yes_no(value)
        if word is not None:
            out[i] = word
            continue
        out[i] = None
        if isinstance(value, str) and not value.strip():
            continue  # spaces only: blank
        bads.append(Bad(i, "error_value" if _error_code(value) else "not_a_bool", value))
    return bads


# --------------------------------------------------------------------------------------------
# Choices and text


def choice_map(choices: Iterable[str]) -> dict[str, str]:
    """Every accepted spelling of each choice → the choice."""
    out: dict[str, str] = {}
    for choice in choices:
        out[choice] = choice
        out[name_key(choice)] = choice
    return out


def convert_choice(
    raw: Sequence[CellValue], choices: dict[str, str]
) -> tuple[list[Any], list[Bad]]:
    """One of the allowed values, compared after normalisation."""
    by_value = _by_distinct(raw, partial(_one_choice, choices=choices))
    if by_value is not None:
        return by_value  # a handful of words: each looked up once
    rec = _Recorder()
    get = choices.get
    out: list[Any] = [
        get(v, _MISS)
        if v.__class__ is str
        else (None if v is None else _choice_other(v, rec, choices))
        for v in raw
    ]
    if _MISS in out:
        for i, v in enumerate(out):
            if v is _MISS:
                out[i] = _choice_other(raw[i], rec, choices)
    return out, (_collect(out, rec) if rec.found else [])


def _one_choice(value: CellValue, rec: _Recorder, choices: dict[str, str]) -> str | _Miss | None:
    """One cell as :func:`convert_choice` converts it."""
    if value.__class__ is str:
        found = choices.get(value)
        if found is not None:
            return found
    return None if value is None else _choice_other(value, rec, choices)


def _choice_other(
    value: CellValue, rec: _Recorder, choices: dict[str, str] | None = None
) -> str | _Miss | None:
    if _error_code(value):
        return rec.miss("error_value", value)
    if isinstance(value, str):
        if not value.strip():
            return None
        found = (choices or {}).get(name_key(value))
        return found if found is not None else rec.miss("not_a_choice", value)
    found = (choices or {}).get(name_key(cell_text(value)))
    return found if found is not None else rec.miss("not_a_choice", value)


def convert_text(raw: Sequence[CellValue]) -> tuple[list[Any], list[Bad]]:
    """Stripped text; numbers and dates typed into a text column become their text. An error
    value (``" #N/A "``) is bad, as typed."""
    if _speedups is not None:
        return _convert_text_in_c(raw)
    if _NONE_OR_STR.issuperset(map(type, raw)):
        # Only text and blanks (the usual case): strip through map, in C.
        stripped = list(map(str.strip, map(_BLANK_AS_EMPTY.get, raw, raw)))
        out: list[Any] = list(map(_EMPTY_AS_BLANK.get, stripped, stripped))
        if ERROR_CODES.isdisjoint(out):
            return out, []
        return out, _error_values(raw, out, _error_cells(out))
    rec = _Recorder()
    out = [
        (v.strip() or None) if v.__class__ is str else (None if v is None else _text_other(v, rec))
        for v in raw
    ]
    return _text_misses(raw, out, rec)


def _convert_text_in_c(raw: Sequence[CellValue]) -> tuple[list[Any], list[Bad]]:
    """:func:`convert_text` in C: every cell stripped there (a cell of another type made
    text by :func:`_text_other`), then the error values found among the cells holding a
    ``#``, without hashing every text."""
    rec = _Recorder()
    out: list[Any] = _speedups.convert_cells(raw, _TEXT, partial(_text_other, rec=rec), ())
    if rec.found:  # a #N/A cell (CellError) among them
        return _text_misses(raw, out, rec)
    marked = _speedups.text_marks(out, "#")  # out holds text and blanks only
    if marked is None:  # pragma: no cover - never: every cell is text or blank
        return _text_misses(raw, out, rec)
    return out, _error_values(raw, out, [i for i in marked if out[i] in ERROR_CODES])


def _text_misses(
    raw: Sequence[CellValue], out: list[Any], rec: _Recorder
) -> tuple[list[Any], list[Bad]]:
    """A converted text column with its misses (:func:`_text_other`) and error values."""
    if not ERROR_CODES.isdisjoint(out):
        for i, v in enumerate(out):
            if v in ERROR_CODES:
                out[i] = rec.miss("error_value", raw[i])
    return out, (_collect(out, rec) if rec.found else [])


def _error_values(raw: Sequence[CellValue], out: list[Any], at: list[int]) -> list[Bad]:
    """The error values at ``at`` (in order), blanked in ``out``; each bad as typed."""
    for i in at:
        out[i] = None
    return [Bad(i, "error_value", raw[i]) for i in at]


def _error_cells(out: list[Any]) -> list[int]:
    """The indexes of the error codes among text cells, in order."""
    if _speedups is not None:
        return _speedups.where(out, ERROR_CODES)
    return sorted(i for code in ERROR_CODES.intersection(out) for i in positions(out, code))


def _text_other(value: CellValue, rec: _Recorder) -> str | _Miss:
    if value.__class__ is CellError:
        return rec.miss("error_value", value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return cell_text(value)


def convert_column(
    raw: Sequence[CellValue],
    ctype: ColumnType,
    choices: dict[str, str] | None = None,
    date1904: bool = False,
    others: list[int] | None = None,
) -> tuple[list[Any], list[Bad]]:
    """Convert one column by its schema type.

    ``others``, given for a number or date column, receives the index of each cell not read
    as it stands, in order: every cell of another type than the column's (text in a date
    column …), and perhaps some of its type (a negative amount, a date in 1899)."""
    if ctype is ColumnType.BOOL:
        return convert_bool(raw)
    if ctype is ColumnType.TEXT:
        return convert_text(raw)
    if ctype is ColumnType.INTEGER:
        return convert_integer(raw, others)
    if ctype in (ColumnType.MONEY, ColumnType.PERCENT):
        return convert_money(raw, others)
    if ctype is ColumnType.DATE:
        return convert_date(raw, date1904, others)
    return convert_choice(raw, choices or {})
