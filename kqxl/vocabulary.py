"""How kqxl reads what a person types: the 是/否 words and the date forms (pure, stdlib only).

One vocabulary for both places a rep or a manager writes such a value: a cell
(:mod:`kqxl.engine.convert`) and a rule condition (:mod:`kqxl.rules.expr`). A spelling a cell
accepts, a condition accepts with the same meaning, and the other way round.

是/否 is three-state: 是 (``True``), 否 (``False``) or blank. Blank is not a word of the
vocabulary, so it is never read as 否.

>>> yes_no(" 是的 "), yes_no("ｎ"), yes_no(1.0), yes_no(""), yes_no("也许")
(True, False, True, None, None)
>>> read_date("2024年5月3号"), read_date(20240503), read_date(45000.0)
(datetime.date(2024, 5, 3), datetime.date(2024, 5, 3), datetime.date(2023, 3, 15))
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

# --------------------------------------------------------------------------------------------
# 是/否

YES_WORDS = ("是", "是的", "Y", "YES", "TRUE", "T", "√", "✓", "✔", "✔️", "✅", "对", "有", "1", "☑")
NO_WORDS = (
    "否",
    "不是",
    "N",
    "NO",
    "FALSE",
    "F",
    "×",
    "✗",
    "✘",
    "❌",
    "错",
    "无",
    "没有",
    "0",
    "☐",
)

# Every spelling looked up as typed, in C, before any folding: the words, their lower- and
# title-case forms, and the Python values a reader gives (1 and 1.0 hash like True).
YES_NO: dict[Any, bool] = {
    True: True,
    False: False,
    **{w: True for w in YES_WORDS},
    **{w: False for w in NO_WORDS},
    **{w.lower(): True for w in YES_WORDS},
    **{w.lower(): False for w in NO_WORDS},
    **{w.title(): True for w in YES_WORDS},
    **{w.title(): False for w in NO_WORDS},
}


def fold(value: str) -> str:
    """NFKC (full-width → half-width, ``　`` → space) and strip."""
    return unicodedata.normalize("NFKC", value).strip()


def yes_no(value: object) -> bool | None:
    """A 是/否 spelling → ``True``/``False``; ``None`` when ``value`` is not one (blank included).

    Text is matched after NFKC folding, stripping and upper-casing (``" ｙｅｓ "`` is 是);
    the numbers 1 and 0 and the booleans are 是 and 否.
    """
    if isinstance(value, str):
        found = YES_NO.get(value)
        return found if found is not None else YES_NO.get(fold(value).upper())
    if isinstance(value, (bool, int, float)) and value in (0, 1):
        return value == 1
    return None


# --------------------------------------------------------------------------------------------
# Dates

DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
_EPOCH_1900 = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's phantom 29 Feb
_EPOCH_1904 = dt.date(1904, 1, 1)
_LAST_SERIAL = 2_958_466  # 10000-01-01


def parse_date(value: str) -> dt.date | None:
    """``2024.5.3``, ``2024/5/3``, ``2024-05-03``, ``2024年5月3日`` (or 号), ``20240503`` → date.

    A time after the date (``2024-05-03 10:30``) is allowed and dropped. Day-first or
    month-first orders (``5/3/2024``) are not guessed.
    """
    s = fold(value)
    m = DATE_TEXT.fullmatch(s) or _DATE_COMPACT.fullmatch(s)
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def serial_to_date(serial: float, date1904: bool = False) -> dt.date | None:
    """An Excel date serial (as some readers return it) → date; None if out of range."""
    if not 0 < serial < _LAST_SERIAL:
        return None
    if date1904:
        return _EPOCH_1904 + dt.timedelta(days=int(serial))
    if serial < 61:  # before Excel's phantom 1900-02-29
        return _EPOCH_1900 + dt.timedelta(days=int(serial) + 1)
    return _EPOCH_1900 + dt.timedelta(days=int(serial))


def read_date(value: object, date1904: bool | None = False) -> dt.date | None:
    """A typed date → the day it names; None if it is not a date (plausibility not checked).

    Text in any form :func:`parse_date` reads; a number is an Excel serial in the workbook's
    date system, or ``20240503`` typed as a number. ``date1904=None`` means the date system
    is unknown (a rule, used with any workbook): then only the ``20240503`` form of a number
    is read, never a serial.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    day = None if date1904 is None else serial_to_date(float(value), date1904)
    if day is None and float(value).is_integer() and value >= _LAST_SERIAL:
        day = parse_date(str(int(value)))
    return day


def plausible_date(day: dt.date) -> bool:
    """Within 1900–2100: anything else is a typing mistake, in a cell or in a rule."""
    return FIRST_DAY <= day <= LAST_DAY


# --------------------------------------------------------------------------------------------
# Placeholders: what a rep types to say "nothing here". They are not data: such a cell reads as
# blank (a phone of 无 is no contact), with a notice.

PLACEHOLDER_WORDS = (
    "无",
    "-",
    "--",
    "—",
    "——",
    "–",
    "/",
    "暂无",
    "没有",
    "不详",
    "未知",
    "N/A",
    "NA",
    "无无",
)
PLACEHOLDERS = frozenset(
    {v for w in PLACEHOLDER_WORDS for v in (w, w.lower(), unicodedata.normalize("NFKC", w))}
    | {"Ｎ／Ａ", "ｎ／ａ", "－", "／"}
)


def is_placeholder(value: object) -> bool:
    """Is ``value`` (a stripped text) one of the placeholder words? ``"无"``, ``"N/A"`` …"""
    return isinstance(value, str) and (value in PLACEHOLDERS or fold(value).upper() in PLACEHOLDERS)


# --------------------------------------------------------------------------------------------
# Choice synonyms: the words reps use for a choice, by column header → choice → synonyms. The
# default of the rules file's [synonyms] section (a company's rules may change or add to it).

CHOICE_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "客户类型": {
        "甲方": ("业主", "建设单位", "业主单位", "开发商", "甲方单位"),
        "总包": ("总包单位", "施工单位", "总承包", "总承包单位", "施工方"),
        "设计院": ("设计单位", "设计公司"),
        "经销商": ("代理商", "分销商"),
        "零售店": ("门店", "零售"),
    },
    "项目阶段": {
        "信息": ("线索", "项目信息"),
        "方案设计": ("设计", "设计阶段", "方案"),
        "编写标书": ("标书编写", "编标", "写标书"),
        "投标": ("投标中", "招标", "招投标", "投标阶段"),
        "中标": ("已中标",),
        "签约": ("已签约", "签合同", "已签合同"),
        "供货": ("供货中", "发货"),
        "完工": ("已完工", "竣工"),
        "丢单": ("丢标", "未中标", "失败"),
    },
}


# --------------------------------------------------------------------------------------------
# Headers: how a header a rep renamed is compared with the one kqxl expects.

_BRACKETED = re.compile(r"[(\[（【［〔{][^)\]）】］〕}]*[)\]）】］〕}]")


def header_stem(header: str) -> str:
    """A header without what a rep adds around it: width, spaces, ``*``, a unit or remark in
    brackets. ``"拜访次数（次）"`` and ``"拜访次数 (次)*"`` → ``"拜访次数"``."""
    s = "".join(unicodedata.normalize("NFKC", header).split()).rstrip("*")
    return _BRACKETED.sub("", s).rstrip(":：*") or s
