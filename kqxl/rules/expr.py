"""Condition expressions: tokenizer, recursive-descent parser, AST and compiler.

A condition is a small boolean expression over column headers that a manager can read::

    拜访次数 >= 3 且 不排斥业务员 = "是"
    项目阶段 IN ("投标", "中标") AND 甲方等级 >= 2
    联系电话 非空

Grammar (lowest precedence first)::

    expr    := and (OR and)*                       OR  或
    and     := not (AND not)*                      AND 且
    not     := NOT not | test                      NOT 非
    test    := operand [ cmp operand
                       | [NOT] IN "(" literal ("," literal)* ")"
                       | IS [NOT] BLANK | 为空 | 非空 ]
    operand := "(" expr ")" | name | literal
    cmp     := = | != | <> | > | >= | < | <=     (also ＝ ≥ ≤ ＞ ＜ ≠)

The expression is parsed once into an AST and compiled into nested Python closures over a
row tuple; nothing is ``eval``-ed. A comparison with a blank value is false; only the blank
tests look at blanks. A 是/否 column is three-state (``True``, ``False``, blank ``None``):
``X = "是"`` holds for 是 only, ``X = "否"`` for 否 only, and ``!=`` / ``NOT IN`` are exactly
the negation of ``=`` / ``IN`` there (``X != "是"`` holds for 否 and for blank). The 是/否
words and date forms a condition accepts are those a cell accepts (:mod:`kqxl.vocabulary`).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from enum import Enum
from itertools import repeat
from typing import Any

from kqxl.texts import ERRORS, text
from kqxl.vocabulary import plausible_date, read_date, yes_no

# --------------------------------------------------------------------------------------------
# Names a condition may use


class Kind(str, Enum):
    """What kind of value a name or literal holds, for compile-time type checks."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOL = "bool"


@dataclass(frozen=True, slots=True)
class NameInfo:
    """A name a condition may reference: its slot in the row tuple and its kind."""

    index: int
    kind: Kind
    choices: tuple[str, ...] = ()


class ExprError(ValueError):
    """A condition cannot be parsed or compiled; ``position`` is 1-based in the text."""

    def __init__(self, detail: str, position: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.position = position

    def __str__(self) -> str:
        if self.position is None:
            return self.detail
        return text(ERRORS, "expr_at", position=self.position, detail=self.detail)


# --------------------------------------------------------------------------------------------
# Tokens

_OPERATORS = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "≠": "!=",
    ">": ">",
    ">=": ">=",
    "≥": ">=",
    "<": "<",
    "<=": "<=",
    "≤": "<=",
}
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "「": "」", "『": "』"}
_PUNCT = {"(": "LPAREN", ")": "RPAREN", ",": "COMMA", "、": "COMMA"}
_DELIMS = set("=!<>≥≤≠") | set(_PUNCT) | set(_QUOTES) | set(_QUOTES.values())
_WORD_KEYWORDS = {
    "AND": "AND",
    "OR": "OR",
    "NOT": "NOT",
    "IN": "IN",
    "IS": "IS",
    "BLANK": "BLANK",
    "EMPTY": "BLANK",
    "NULL": "BLANK",
    "DATE": "DATEKW",
    "TRUE": "TRUE",
    "FALSE": "FALSE",
}
# Chinese keywords may touch a name without a space (``联系电话非空``), so they are split off
# inside a run of characters; the longest known name wins first.
_CJK_KEYWORDS = {
    "为空": "BLANKTEST",
    "非空": "NOTBLANKTEST",
    "且": "AND",
    "或": "OR",
    "非": "NOT",
    "不在": "NOTIN",
    "在": "IN",
    "是": "TRUE",
    "否": "FALSE",
}
_CJK_BY_LENGTH = sorted(_CJK_KEYWORDS, key=len, reverse=True)
_NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")  # inside IN ( … ), where a comma separates
# Where an unquoted date ends; its value is read by kqxl.vocabulary, as a cell's is.
_DATE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # NAME NUMBER STRING DATE OP LPAREN RPAREN COMMA, a keyword, or END
    value: Any
    pos: int  # 0-based


def _fold(source: str) -> str:
    """Full-width to half-width, character by character, so positions stay true."""
    out = []
    for ch in source:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(norm if len(norm) == 1 else ch)
    return "".join(out)


@functools.lru_cache(maxsize=16)
def _longest_first(names: tuple[str, ...]) -> tuple[str, ...]:
    """The names folded, longest first; computed once per set of names, not per condition
    (a rules file of many conditions compiles them all against the same names)."""
    return tuple(sorted({_fold(n) for n in names}, key=len, reverse=True))


def tokenize(source: str, names: Sequence[str] = ()) -> list[Token]:
    """Split ``source`` into tokens; ``names`` lets a name touch a Chinese keyword."""
    s = _fold(source)
    by_length = _longest_first(tuple(names))
    tokens: list[Token] = []
    in_list = False  # between IN ( and ): a comma separates values, it does not group digits
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _PUNCT:
            kind = _PUNCT[ch]
            if kind == "LPAREN":
                in_list = bool(tokens) and tokens[-1].kind in ("IN", "NOTIN")
            elif kind == "RPAREN":
                in_list = False
            tokens.append(Token(kind, ch, i))
            i += 1
            continue
        two = s[i : i + 2]
        if two in _OPERATORS:
            tokens.append(Token("OP", _OPERATORS[two], i))
            i += 2
            continue
        if ch in _OPERATORS:
            tokens.append(Token("OP", _OPERATORS[ch], i))
            i += 1
            continue
        if ch == "!":
            raise ExprError(text(ERRORS, "expr_unexpected", token=ch), i + 1)
        if ch in _QUOTES:
            close = _QUOTES[ch]
            end = s.find(close, i + 1)
            if end < 0:
                raise ExprError(text(ERRORS, "expr_unclosed_string"), i + 1)
            tokens.append(Token("STRING", s[i + 1 : end], i))
            i = end + 1
            continue
        if ch in _QUOTES.values():
            raise ExprError(text(ERRORS, "expr_unexpected", token=ch), i + 1)
        if ch.isdigit() or (ch in "+-." and i + 1 < n and s[i + 1].isdigit()):
            i = _number_or_date(s, i, tokens, _PLAIN_NUMBER if in_list else _NUMBER)
            continue
        j = i
        while j < n and not s[j].isspace() and s[j] not in _DELIMS:
            j += 1
        _split_word(s[i:j], i, by_length, tokens)
        i = j
    tokens.append(Token("END", None, n))
    return tokens


def _number_or_date(s: str, i: int, tokens: list[Token], number: re.Pattern[str]) -> int:
    m = _DATE.match(s, i)
    if m:
        day = _date_literal(m[0])
        if day is None:
            raise ExprError(text(ERRORS, "expr_bad_date", value=m[0]), i + 1)
        tokens.append(Token("DATE", day, i))
        return m.end()
    sign = 1
    j = i
    if s[j] in "+-":
        sign = -1 if s[j] == "-" else 1
        j += 1
    m = number.match(s, j)
    if not m:
        raise ExprError(text(ERRORS, "expr_unexpected", token=s[i]), i + 1)
    raw = m[0].replace(",", "")
    value: float | int = float(raw) if "." in raw else int(raw)
    end = m.end()
    if end < len(s) and s[end] == "万":
        value = value * 10000
        end += 1
    elif end < len(s) and s[end] == "%":
        value = value / 100
        end += 1
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    tokens.append(Token("NUMBER", sign * value, i))
    return end


def _split_word(word: str, start: int, names: Sequence[str], tokens: list[Token]) -> None:
    upper = word.upper()
    if word.isascii() and upper in _WORD_KEYWORDS:
        tokens.append(Token(_WORD_KEYWORDS[upper], word, start))
        return
    if word in names:  # the common case, a whole known name
        tokens.append(Token("NAME", word, start))
        return
    # Split a run such as 联系电话非空 or 已送资料且已介绍产品 into known names and keywords;
    # if some piece is neither, the whole run is one (unknown) name for the compiler to report.
    pieces: list[Token] = []
    p = 0
    while p < len(word):
        rest = word[p:]
        name = next((nm for nm in names if rest.startswith(nm)), None)
        if name is not None:
            pieces.append(Token("NAME", name, start + p))
            p += len(name)
            continue
        kw = next((k for k in _CJK_BY_LENGTH if rest.startswith(k)), None)
        if kw is None:
            tokens.append(Token("NAME", word, start))
            return
        pieces.append(Token(_CJK_KEYWORDS[kw], kw, start + p))
        p += len(kw)
    tokens.extend(pieces)


# --------------------------------------------------------------------------------------------
# AST


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any  # str, int, float, bool, date
    pos: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class InList:
    operand: Node
    values: tuple[Literal, ...]
    negated: bool
    pos: int


@dataclass(frozen=True, slots=True)
class BlankTest:
    operand: Node
    blank: bool  # True: 为空 / IS BLANK; False: 非空 / IS NOT BLANK
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # AND / OR
    operands: tuple[Node, ...]
    pos: int


Node = Name | Literal | Compare | InList | BlankTest | Not | BoolOp


# How deep parentheses and NOT may nest: far beyond any condition a manager writes, and far
# below Python's recursion limit, so a hostile rules file gets an error, not a crash.
MAX_DEPTH = 50


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(text(ERRORS, "expr_too_deep", limit=MAX_DEPTH), pos + 1)

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self, kind: str) -> Token:
        tok = self.tok
        if tok.kind != kind:
            self.fail(kind)
        self.i += 1
        return tok

    def fail(self, expected: str) -> None:
        tok = self.tok
        if tok.kind == "END":
            raise ExprError(
                text(ERRORS, "expr_unexpected_end", expected=_describe(expected)), tok.pos + 1
            )
        raise ExprError(
            text(ERRORS, "expr_expected", expected=_describe(expected), token=tok.value),
            tok.pos + 1,
        )

    def parse(self) -> Node:
        if self.tok.kind == "END":
            raise ExprError(text(ERRORS, "expr_empty"), 1)
        node = self.expr()
        if self.tok.kind != "END":
            self.fail("END")
        return node

    def expr(self) -> Node:
        first = self.and_()
        items = [first]
        while self.tok.kind == "OR":
            self.i += 1
            items.append(self.and_())
        return first if len(items) == 1 else BoolOp("OR", tuple(items), first.pos)

    def and_(self) -> Node:
        first = self.not_()
        items = [first]
        while self.tok.kind == "AND":
            self.i += 1
            items.append(self.not_())
        return first if len(items) == 1 else BoolOp("AND", tuple(items), first.pos)

    def not_(self) -> Node:
        if self.tok.kind == "NOT":
            pos = self.tok.pos
            self.i += 1
            self.enter(pos)
            node = Not(self.not_(), pos)
            self.depth -= 1
            return node
        return self.test()

    def test(self) -> Node:
        left = self.operand()
        tok = self.tok
        if tok.kind == "OP":
            self.i += 1
            return Compare(tok.value, left, self.operand(), tok.pos)
        if tok.kind in ("IN", "NOTIN"):
            self.i += 1
            return self.in_list(left, tok.kind == "NOTIN", tok.pos)
        if tok.kind == "NOT" and self.tokens[self.i + 1].kind == "IN":
            self.i += 2
            return self.in_list(left, True, tok.pos)
        if tok.kind == "IS":
            self.i += 1
            negated = False
            if self.tok.kind == "NOT":
                negated = True
                self.i += 1
            self.take("BLANK")
            return BlankTest(left, not negated, tok.pos)
        if tok.kind in ("BLANKTEST", "NOTBLANKTEST"):
            self.i += 1
            return BlankTest(left, tok.kind == "BLANKTEST", tok.pos)
        return left

    def in_list(self, operand: Node, negated: bool, pos: int) -> InList:
        self.take("LPAREN")
        values = [self.literal()]
        while self.tok.kind == "COMMA":
            self.i += 1
            values.append(self.literal())
        self.take("RPAREN")
        return InList(operand, tuple(values), negated, pos)

    def operand(self) -> Node:
        tok = self.tok
        if tok.kind == "LPAREN":
            self.i += 1
            self.enter(tok.pos)
            node = self.expr()
            self.take("RPAREN")
            self.depth -= 1
            return node
        if tok.kind == "NAME":
            self.i += 1
            return Name(tok.value, tok.pos)
        return self.literal()

    def literal(self) -> Literal:
        tok = self.tok
        if tok.kind in ("NUMBER", "STRING", "DATE"):
            self.i += 1
            return Literal(tok.value, tok.pos)
        if tok.kind in ("TRUE", "FALSE"):
            self.i += 1
            return Literal(tok.kind == "TRUE", tok.pos)
        if tok.kind == "DATEKW":  # DATE "2024/5/3", the keyword form of a date
            nxt = self.tokens[self.i + 1]
            day = nxt.value if nxt.kind == "DATE" else None
            if nxt.kind in ("STRING", "NUMBER"):
                day = _date_literal(nxt.value)
            if day is None:
                raise ExprError(text(ERRORS, "expr_bad_date", value=nxt.value or ""), nxt.pos + 1)
            self.i += 2
            return Literal(day, tok.pos)
        self.fail("VALUE")
        raise AssertionError  # unreachable: fail() raises


def _describe(kind: str) -> str:
    return {
        "END": "表达式结束",
        "RPAREN": "“)”",
        "LPAREN": "“(”",
        "BLANK": "BLANK",
        "VALUE": '值（数字、"文字"、日期或 是/否）',
        "NAME": "列名",
    }.get(kind, kind)


def parse(source: str, names: Sequence[str] = ()) -> Node:
    """Parse a condition into its AST; raises :class:`ExprError` with a 1-based position."""
    return _Parser(tokenize(source, names)).parse()


def _date_literal(value: object) -> dt.date | None:
    """A date in a condition, read exactly as a cell's (``2024.5.3``, ``"2024年5月3日"``,
    ``20240503`` …, within 1900–2100); None if it is not one.

    A rule is used with workbooks of either date system, so an Excel serial is not a date here.
    """
    day = read_date(value, None)
    return day if day is not None and plausible_date(day) else None


# --------------------------------------------------------------------------------------------
# Compiler

Row = Sequence[Any]
Predicate = Callable[[Row], bool]
Getter = Callable[[Row], Any]


def compile_condition(source: str, names: Mapping[str, NameInfo]) -> Predicate:
    """Parse and compile ``source`` into a predicate over a row tuple.

    ``names`` maps every header (and derived value) the condition may use to its slot.

    >>> f = compile_condition('拜访次数 >= 3', {"拜访次数": NameInfo(0, Kind.NUMBER)})
    >>> f((5,)), f((None,))
    (True, False)
    """
    return compile_both(source, names)[0]


def compile_both(source: str, names: Mapping[str, NameInfo]) -> tuple[Predicate, Vector]:
    """Parse ``source`` once; the row-wise predicate and the column-wise vector of it."""
    node = parse(source, list(names))
    predicate = _Compiler(names).predicate(node)  # every check and error message is here
    return predicate, _VectorCompiler(names).vector(node)


class _Compiler:
    def __init__(self, names: Mapping[str, NameInfo]) -> None:
        self.names = names

    def info(self, node: Name) -> NameInfo:
        info = self.names.get(node.name)
        if info is None:
            close = get_close_matches(node.name, list(self.names), n=3, cutoff=0.4)
            hint = text(ERRORS, "expr_did_you_mean", names="、".join(close)) if close else ""
            raise ExprError(
                text(ERRORS, "expr_unknown_name", name=node.name, hint=hint), node.pos + 1
            )
        return info

    def predicate(self, node: Node) -> Predicate:
        if isinstance(node, BoolOp):
            parts = tuple(self.predicate(p) for p in node.operands)
            if node.op == "AND":
                if len(parts) == 2:
                    a, b = parts
                    return lambda r: a(r) and b(r)
                return lambda r: all(p(r) for p in parts)
            if len(parts) == 2:
                a, b = parts
                return lambda r: a(r) or b(r)
            return lambda r: any(p(r) for p in parts)
        if isinstance(node, Not):
            inner = self.predicate(node.operand)
            return lambda r: not inner(r)
        if isinstance(node, BlankTest):
            return self.blank_test(node)
        if isinstance(node, InList):
            return self.in_list(node)
        if isinstance(node, Compare):
            return self.compare(node)
        if isinstance(node, Name):
            info = self.info(node)
            if info.kind is not Kind.BOOL:
                raise ExprError(text(ERRORS, "expr_not_a_condition", name=node.name), node.pos + 1)
            idx = info.index
            return lambda r: r[idx] is True
        if isinstance(node, Literal) and isinstance(node.value, bool):
            value = node.value
            return lambda r: value
        raise ExprError(text(ERRORS, "expr_not_a_condition", name=_show(node)), node.pos + 1)

    def blank_test(self, node: BlankTest) -> Predicate:
        if not isinstance(node.operand, Name):
            raise ExprError(text(ERRORS, "expr_blank_needs_name"), node.pos + 1)
        idx = self.info(node.operand).index
        if node.blank:
            return lambda r: r[idx] is None
        return lambda r: r[idx] is not None

    def in_list(self, node: InList) -> Predicate:
        if not isinstance(node.operand, Name):
            raise ExprError(text(ERRORS, "expr_in_needs_name"), node.pos + 1)
        info = self.info(node.operand)
        values = frozenset(self.coerce(lit, info, node.operand.name) for lit in node.values)
        idx = info.index
        if node.negated and info.kind is Kind.BOOL:  # 是/否: NOT IN is exactly NOT (… IN …)
            return lambda r: r[idx] not in values
        if node.negated:
            return lambda r: (v := r[idx]) is not None and v not in values
        return lambda r: r[idx] in values

    def operands(self, node: Compare) -> tuple[Node, Node, str]:
        """The column first (``3 <= 拜访次数`` as ``拜访次数 >= 3``), and an unquoted 是/否 word
        that is no column (``已送资料 = 是的``, ``= Y``, ``= √``) as the value it spells."""
        left, right, op = _name_first(node)
        if (
            isinstance(left, Name)
            and isinstance(right, Name)
            and right.name not in self.names
            and (info := self.names.get(left.name)) is not None
            and info.kind is Kind.BOOL
            and (word := yes_no(right.name)) is not None
        ):
            right = Literal(word, right.pos)
        return left, right, op

    def compare(self, node: Compare) -> Predicate:
        left, right, op = self.operands(node)
        if isinstance(left, Name) and isinstance(right, Literal):
            info = self.info(left)
            value = self.coerce(right, info, left.name)
            if info.kind in (Kind.BOOL, Kind.TEXT) and op not in ("=", "!="):
                raise ExprError(text(ERRORS, "expr_no_order", name=left.name), node.pos + 1)
            if info.kind is Kind.BOOL:
                return _bool_slot(info.index, op, value)
            return _compare_slot(info.index, op, value)
        if isinstance(left, Name) and isinstance(right, Name):
            a, b = self.info(left), self.info(right)
            if a.kind is not b.kind:
                raise ExprError(
                    text(ERRORS, "expr_kind_mismatch", left=left.name, right=right.name),
                    node.pos + 1,
                )
            if a.kind in (Kind.BOOL, Kind.TEXT) and op not in ("=", "!="):
                raise ExprError(text(ERRORS, "expr_no_order", name=left.name), node.pos + 1)
            return _compare_slots(a.index, op, b.index)
        raise ExprError(text(ERRORS, "expr_compare_needs_name"), node.pos + 1)

    def coerce(self, lit: Literal, info: NameInfo, name: str) -> Any:
        """The literal as the column's kind, or a compile error naming what is expected."""
        v = lit.value
        kind = info.kind
        if kind is Kind.BOOL:
            word = yes_no(v)  # the words a 是/否 cell accepts, no more, no fewer
            if word is not None:
                return word
        elif kind is Kind.NUMBER:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return v
        elif kind is Kind.DATE:
            day = _date_literal(v)
            if day is not None:
                return day
        elif isinstance(v, str):
            folded = _fold(v).strip()
            if info.choices:
                for choice in info.choices:
                    if _fold(choice) == folded:
                        return choice
                raise ExprError(
                    text(
                        ERRORS,
                        "expr_not_a_choice",
                        name=name,
                        value=v,
                        choices="、".join(info.choices),
                    ),
                    lit.pos + 1,
                )
            return v.strip()
        raise ExprError(
            text(
                ERRORS, "expr_wrong_literal", name=name, value=_show(lit), expected=_KIND_TEXT[kind]
            ),
            lit.pos + 1,
        )


_FLIP = {"=": "=", "!=": "!=", ">": "<", ">=": "<=", "<": ">", "<=": ">="}


def _name_first(node: Compare) -> tuple[Node, Node, str]:
    """``3 <= 拜访次数`` as ``拜访次数 >= 3``: the column on the left."""
    if isinstance(node.left, Literal) and isinstance(node.right, Name):
        return node.right, node.left, _FLIP[node.op]
    return node.left, node.right, node.op


_KIND_TEXT = {
    Kind.TEXT: '"文字"',
    Kind.NUMBER: "数字",
    Kind.DATE: "日期（如 2024-05-03）",
    Kind.BOOL: '"是" 或 "否"',
}


def _compare_slot(idx: int, op: str, c: Any) -> Predicate:
    # One closure per operator, so a row costs one call and one comparison.
    if op == "=":
        return lambda r: r[idx] == c if r[idx] is not None else False
    if op == "!=":
        return lambda r: (v := r[idx]) is not None and v != c
    if op == ">":
        return lambda r: (v := r[idx]) is not None and v > c
    if op == ">=":
        return lambda r: (v := r[idx]) is not None and v >= c
    if op == "<":
        return lambda r: (v := r[idx]) is not None and v < c
    return lambda r: (v := r[idx]) is not None and v <= c


def _bool_slot(idx: int, op: str, c: bool) -> Predicate:
    # Three states: ``= 否`` holds for 否 only, ``!= 是`` for 否 and blank (NOT of ``= 是``).
    if op == "=":
        return lambda r: r[idx] is c
    return lambda r: r[idx] is not c


def _compare_slots(a: int, op: str, b: int) -> Predicate:
    fn = _OPS[op]
    return lambda r: (x := r[a]) is not None and (y := r[b]) is not None and bool(fn(x, y))


# --------------------------------------------------------------------------------------------
# Column-wise compiler: the same conditions over whole columns at once

Columns = Sequence[Sequence[Any]]
Vector = Callable[[Columns, int], list[bool]]


def compile_vector(source: str, names: Mapping[str, NameInfo]) -> Vector:
    """Compile ``source`` to a function of ``(columns, n)`` → one bool per row.

    ``columns[slot]`` is the column a name's slot refers to, ``n`` the number of rows; a 是/否
    column holds ``True``/``False``/``None`` (as the engine's converters give it). The result
    equals ``[predicate(row) for row in zip(*columns)]`` (a test checks this), but runs as
    list comprehensions over columns: a 是/否 condition is one identity test per cell.
    """
    return compile_both(source, names)[1]


class _VectorCompiler(_Compiler):
    def vector(self, node: Node) -> Vector:
        if isinstance(node, BoolOp):
            parts = tuple(self.vector(p) for p in node.operands)
            combine = operator.and_ if node.op == "AND" else operator.or_

            def boolop(cols: Columns, n: int) -> list[bool]:
                out = parts[0](cols, n)
                for part in parts[1:]:
                    out = list(map(combine, out, part(cols, n)))
                return out

            return boolop
        if isinstance(node, Not):
            inner = self.vector(node.operand)
            return lambda cols, n: [not x for x in inner(cols, n)]
        if isinstance(node, BlankTest):
            assert isinstance(node.operand, Name)
            idx = self.info(node.operand).index
            if node.blank:
                return lambda cols, n: [v is None for v in cols[idx]]
            return lambda cols, n: [v is not None for v in cols[idx]]
        if isinstance(node, InList):
            assert isinstance(node.operand, Name)
            info = self.info(node.operand)
            values = frozenset(self.coerce(lit, info, node.operand.name) for lit in node.values)
            idx = info.index
            if node.negated and info.kind is Kind.BOOL:
                return lambda cols, n: [v not in values for v in cols[idx]]
            if node.negated:
                return lambda cols, n: [v is not None and v not in values for v in cols[idx]]
            return lambda cols, n: [v in values for v in cols[idx]]
        if isinstance(node, Compare):
            return self.compare_vector(node)
        if isinstance(node, Name):
            idx = self.info(node).index  # a 是/否 column (predicate() checked): True, not blank
            return lambda cols, n: list(map(operator.is_, cols[idx], repeat(True)))
        assert isinstance(node, Literal)
        value = bool(node.value)
        return lambda cols, n: [value] * n

    def compare_vector(self, node: Compare) -> Vector:
        left, right, op = self.operands(node)
        if isinstance(left, Name) and isinstance(right, Literal):
            info = self.info(left)
            c = self.coerce(right, info, left.name)
            idx = info.index
            if info.kind is Kind.BOOL:  # True, False or None: one identity test per cell, in C
                if op == "=":
                    return lambda cols, n: list(map(operator.is_, cols[idx], repeat(c)))
                return lambda cols, n: list(map(operator.is_not, cols[idx], repeat(c)))
            return _vector_slot(idx, op, c)
        assert isinstance(left, Name) and isinstance(right, Name)
        a, b = self.info(left).index, self.info(right).index
        fn = _OPS[op]
        return lambda cols, n: [
            x is not None and y is not None and bool(fn(x, y))
            for x, y in zip(cols[a], cols[b], strict=True)
        ]


_OPS = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _vector_slot(idx: int, op: str, c: Any) -> Vector:
    if op == "=":
        return lambda cols, n: [v is not None and v == c for v in cols[idx]]
    if op == "!=":
        return lambda cols, n: [v is not None and v != c for v in cols[idx]]
    if op == ">":
        return lambda cols, n: [v is not None and v > c for v in cols[idx]]
    if op == ">=":
        return lambda cols, n: [v is not None and v >= c for v in cols[idx]]
    if op == "<":
        return lambda cols, n: [v is not None and v < c for v in cols[idx]]
    return lambda cols, n: [v is not None and v <= c for v in cols[idx]]


def _show(node: Node) -> str:
    if isinstance(node, Literal):
        v = node.value
        if isinstance(v, bool):
            return "是" if v else "否"
        if isinstance(v, str):
            return f'"{v}"'
        return str(v)
    if isinstance(node, Name):
        return node.name
    return "…"
