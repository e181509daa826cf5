"""Read, write and describe rules files (TOML).

``load_rules(path)`` → :class:`Rules` (``None`` = the shipped default), ``dump_rules(rules)``
→ TOML text that loads back to an equal model, ``describe_rules(rules)`` → one
:class:`RuleLine` per condition, for ``kqxl rules check`` and the 规则 sheet.
"""

from __future__ import annotations

import hashlib
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, ValidationError

from kqxl.errors import RulesError, describe_os_error
from kqxl.rules.compile import compile_rules
from kqxl.rules.limits import check_stored_line
from kqxl.rules.model import Condition, Rules, RulesShapeError, required_count
from kqxl.texts import ERRORS, LABELS, STORED, text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_RULES_NAME = "default.toml"


def default_rules_text() -> str:
    """The shipped default rules file, as text."""
    return resources.files("kqxl.rules").joinpath(DEFAULT_RULES_NAME).read_text("utf-8")


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and validate a rules file; ``None`` loads the shipped default.

    Raises :class:`RulesError` with a one-line message: file, line, field, what is expected.
    """
    if path is None:
        return parse_rules(default_rules_text(), source=DEFAULT_RULES_NAME)
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_RULES_BYTES + 1)
    except FileNotFoundError:
        raise RulesError.from_key("rules_not_found", path=p) from None
    except OSError as exc:
        raise RulesError.from_key(
            "rules_invalid", path=p, line=1, field="-", detail=describe_os_error(exc)
        ) from None
    if len(raw) > MAX_RULES_BYTES:
        raise _too_large(str(p), 1, _file_size(p, len(raw)))
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if _is_gbk(raw):
            raise RulesError.from_key("rules_gbk", path=p) from None
        line = raw[: exc.start].count(b"\n") + 1
        raise RulesError.from_key(
            "rules_invalid",
            path=p,
            line=line,
            field="-",
            detail=text(
                ERRORS, "rules_expected", expected="UTF-8 编码的文本", value="无法解码的字节"
            ),
        ) from None
    return parse_rules(source, source=str(p))


def _file_size(path: Path, at_least: int) -> int:
    try:
        return max(path.stat().st_size, at_least)
    except OSError:
        return at_least


def _too_large(source: str, line: int, size: int) -> RulesError:
    return RulesError.from_key(
        "rules_invalid",
        path=source,
        line=line,
        field="-",
        detail=text(ERRORS, "rules_too_large", size=size, limit=MAX_RULES_BYTES),
    )


def _is_gbk(raw: bytes) -> bool:
    """Text saved as GBK (the ANSI code page of Chinese Windows): not UTF-8, but GBK with CJK.

    Such a file is refused with the fix rather than read: one encoding for every rules file
    means that what a manager sees in the file is what kqxl reads (a Big5 or Shift-JIS file
    may also decode as GBK, into wrong characters).
    """
    try:
        decoded = raw.decode("gbk")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in decoded)


def parse_rules(source_text: str, source: str = "<rules>", first_line: int = 1) -> Rules:
    """Parse rules from TOML text; ``source`` names the file in error messages.

    ``first_line`` is the number of the text's first line where it is shown to a person (the
    row of a rules sheet the text starts in); error messages count lines from there.
    """
    shift = first_line - 1
    if len(source_text) > MAX_RULES_BYTES:
        line = source_text.count("\n", 0, MAX_RULES_BYTES) + 1
        raise _too_large(source, line + shift, len(source_text.encode("utf-8", "surrogatepass")))
    try:
        data = tomllib.loads(source_text)
    except RecursionError:
        # nesting deeper than the parser's recursion (``x = [[[[…]]]]``)
        raise RulesError.from_key(
            "rules_invalid",
            path=source,
            line=_deepest_line(source_text) + shift,
            field="-",
            detail=text(ERRORS, "rules_too_deep"),
        ) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\s*\((?:at line (\d+), column \d+|at end of document)\)", str(exc))
        line = int(m[1]) if m and m[1] else max(1, len(source_text.splitlines()))
        detail = _toml_detail(str(exc)[: m.start()] if m else str(exc))
        raise RulesError.from_key(
            "rules_invalid",
            path=source,
            line=line + shift,
            field="-",
            detail=text(ERRORS, "rules_toml", detail=detail),
        ) from None
    except ValueError:
        # an integer beyond Python's digit limit for int(str) ("Exceeds the limit …")
        m = _LONG_NUMBER.search(source_text)
        digits = len(m[0].replace("_", "")) if m else 0
        raise RulesError.from_key(
            "rules_invalid",
            path=source,
            line=(source_text.count("\n", 0, m.start()) + 1 if m else 1) + shift,
            field="-",
            detail=text(ERRORS, "rules_too_many_digits", digits=digits),
        ) from None
    try:
        rules = Rules.model_validate(data)
        compile_rules(rules)
        _check_stored_lines(rules)
    except ValidationError as exc:
        loc, detail = _first_error(exc)
        raise _error(source, source_text, loc, detail, shift) from None
    except RulesShapeError as exc:
        raise _error(source, source_text, exc.loc, exc.detail, shift) from None
    return rules


MAX_RULES_BYTES = 1 << 20  # the shipped file is 6 KB; a rules file of megabytes is a mistake
_LONG_NUMBER = re.compile(r"[0-9](?:_?[0-9]){1000,}")


def _deepest_line(source_text: str) -> int:
    """The line where ``[`` and ``{`` nest deepest (strings and comments roughly skipped)."""
    depth, best, best_line, line = 0, -1, 1, 1
    quote = ""
    for ch in source_text:
        if ch == "\n":
            line += 1
            quote = "" if quote in ("#", '"', "'") else quote
        elif quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'#":
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > best:
                best, best_line = depth, line
        elif ch in "]}":
            depth = max(0, depth - 1)
    return best_line


def _check_stored_lines(rules: Rules) -> None:
    """Every line of :func:`dump_rules` becomes a cell of the 规则 sheet: each must fit."""
    for ctype, checklist in rules.checklists.items():
        for i, level in enumerate(checklist.levels):
            _check_condition_lines(
                ("checklists", ctype, "levels", i, "conditions"), level.conditions
            )
    for i, hl in enumerate(rules.heat.levels):
        _check_condition_lines(("heat", "levels", i, "conditions"), hl.conditions)
    for line in dump_rules(rules).splitlines():
        detail = check_stored_line(line)
        if detail is not None:
            key = line.split("=", 1)[0].strip().strip("[]")
            raise RulesShapeError((key,) if key else (), detail)


def _check_condition_lines(loc: tuple[str | int, ...], conditions: tuple[Condition, ...]) -> None:
    for k, line in enumerate(_conditions(conditions)[1:-1]):
        detail = check_stored_line(line)
        if detail is not None:
            raise RulesShapeError((*loc, k), detail)


# What tomllib (or tomli) says, in the words of the rules file's reader; the rest as it is.
_TOML_DETAILS = (
    (r"Illegal character '\\n'|Unterminated string", "引号没有闭合，文字不能跨行"),
    (r"Illegal character (.+)", "文字中有不允许的字符 {0}"),
    (r"Unclosed array", "数组没有闭合，缺少“]”"),
    (r"Unclosed inline table", "花括号没有闭合，缺少“}}”，一个 {{ … }} 要写在同一行"),
    (r"Expected '\]' at the end of a table declaration", "表头缺少“]”"),
    (r"Expected '\]\]' at the end of an array declaration", "表头缺少“]]”"),
    (r"Cannot overwrite a value", "同一项重复设置"),
    (r"Cannot declare (.+) twice", "表头重复出现"),
    (r"Cannot redefine namespace (.+)", "表头重复定义"),
    (r"Cannot mutate immutable namespace (.+)", "不能再往已写完的数组或 {{ … }} 中添加设置"),
    (r"Duplicate inline table key (.+)", "{{ … }} 中的 {0} 重复"),
    (r"Invalid value", '值无效，文字要加引号，如 "是"'),
    (r"Invalid statement", "无法识别的一行，应为 名称 = 值 或 [表头]"),
    (r"Expected '=' after a key in a key/value pair", "名称后面应为“=”"),
    (r"Expected newline or end of document after a statement", "一行只能写一项设置"),
    (r"Invalid date or datetime", "日期无效"),
    (r"Invalid hex value|Escaped character is not a Unicode scalar value", "转义字符无效"),
    (r"Unescaped '\\' in a string", "文字中的“\\”要写成“\\\\”，或改用单引号"),
    (r"Invalid initial character for a key part", "名称的开头字符无效"),
    (r"Found invalid character (.+)", "无效的字符 {0}"),
    (r"Expected (.+)", "此处应为 {0}"),
)


def _toml_detail(message: str) -> str:
    for pattern, chinese in _TOML_DETAILS:
        m = re.fullmatch(pattern, message.strip())
        if m:
            return chinese.format(*(_char(g) for g in m.groups()))
    return message


def _char(shown: str) -> str:
    """``'\\x00'`` (how the parser shows a character) → ``U+0000`` when it is invisible."""
    m = re.fullmatch(r"'\\(?:x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8}))'", shown)
    return f"U+{int(m[1] or m[2] or m[3], 16):04X}" if m else shown


_PYDANTIC_EXPECTED = {
    "int_type": "整数",
    "int_parsing": "整数",
    "int_from_float": "整数",
    "string_type": "文字",
    "bool_type": "true 或 false",
    "bool_parsing": "true 或 false",
    "dict_type": "表（[…]）",
    "tuple_type": "数组（[…]）",
    "list_type": "数组（[…]）",
    "model_type": "表（[…]）",
    "literal_error": '"all"、"half" 或整数',
    "greater_than_equal": "更大的数",
    "less_than_equal": "更小的数",
    "too_short": "至少一项",
    "string_too_short": "非空文字",
}


def _first_error(exc: ValidationError) -> tuple[tuple[str | int, ...], str]:
    errors = exc.errors()
    # A shape error from our own validator carries its own path and message.
    for err in errors:
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, RulesShapeError):
            return inner.loc, inner.detail
    # A misspelt key also shows up as a missing one; the misspelling is the one to report.
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    # ``require`` is a union: pydantic reports each branch; say once what is expected.
    loc = tuple(
        p
        for p in err["loc"]
        if not (
            isinstance(p, str) and (p.startswith(("literal[", "constrained-int")) or p in ("int",))
        )
    )
    if loc and loc[-1] == "require":
        return loc, text(ERRORS, "rules_require", n="条件数", value=_show(err.get("input")))
    kind = err["type"]
    if kind == "missing":
        return loc, text(ERRORS, "rules_missing")
    if kind == "extra_forbidden":
        return loc, text(ERRORS, "rules_unknown_key")
    if kind == "value_error":
        inner = (err.get("ctx") or {}).get("error")
        return loc, str(inner) if inner is not None else err["msg"]
    expected = _PYDANTIC_EXPECTED.get(kind)
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = (err.get("ctx") or {}).get("ge", (err.get("ctx") or {}).get("le"))
        expected = f"{'≥' if kind == 'greater_than_equal' else '≤'} {bound} 的整数"
    if expected is None:
        return loc, err["msg"]
    return loc, text(ERRORS, "rules_expected", expected=expected, value=_show(err.get("input")))


def _show(value: Any) -> str:
    if isinstance(value, str):
        # a message is one line: a long or multi-line value is cut short
        short = value.splitlines()[0] if value.strip() else value
        if len(short) > 40 or short != value:
            short = short[:40] + "…"
        return f'"{short}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        return "…"
    return str(value)


def _field(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"  # 1-based, as a manager counts
        else:
            out += ("." if out else "") + (
                part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"'
            )
    return out or "-"


def _error(
    source: str, source_text: str, loc: tuple[str | int, ...], detail: str, shift: int = 0
) -> RulesError:
    return RulesError.from_key(
        "rules_invalid",
        path=source,
        line=locate_line(source_text, loc) + shift,
        field=_field(loc),
        detail=detail,
    )


# --------------------------------------------------------------------------------------------
# Finding the line of a field in the TOML text

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def _header_path(raw: str) -> tuple[str, ...]:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', raw)
    return tuple(a or b or c for a, b, c in parts)


def locate_line(source_text: str, loc: tuple[str | int, ...]) -> int:
    """The 1-based line of the TOML field at ``loc`` (best effort: the table's line if unsure).

    ``[[…]]`` tables are indexed by counting their headers (within the element of an outer
    ``[[…]]`` they sit in); an index into an inline array (``conditions[2]``) by counting the
    ``{`` that open its elements.
    """
    lines = source_text.splitlines()
    # 1. the table header covering the longest prefix of loc
    best_line, depth = -1, 0
    arrays: dict[tuple[str | int, ...], int] = {}  # each [[…]] array (full path) → last index
    for n, line in enumerate(lines):
        m = _HEADER.match(line)
        if not m:
            continue
        keys = _header_path(m[2])
        header: tuple[str | int, ...] = ()
        for k, key in enumerate(keys):
            header = (*header, key)
            if m[1] == "[[" and k == len(keys) - 1:
                arrays[header] = arrays.get(header, -1) + 1
            if header in arrays:
                header = (*header, arrays[header])
        if len(header) > depth and tuple(loc[: len(header)]) == header:
            best_line, depth = n, len(header)
    rest = loc[depth:]
    end = next((n for n in range(best_line + 1, len(lines)) if _HEADER.match(lines[n])), len(lines))
    if not rest or not isinstance(rest[0], str):
        return max(best_line, 0) + 1
    # 2. the key within that table
    name = re.escape(rest[0])
    key_re = re.compile(rf'^\s*(?:"{name}"|\'{name}\'|{name})\s*=')
    key_line = next((n for n in range(best_line + 1, end) if key_re.match(lines[n])), None)
    if key_line is None:
        return max(best_line, 0) + 1
    # 3. an element of an inline array: the line where its "{" opens
    if len(rest) > 1 and isinstance(rest[1], int):
        seen = -1
        for n in range(key_line, end):
            body = lines[n].split("=", 1)[1] if n == key_line else lines[n]
            seen += body.count("{")
            if seen >= rest[1]:
                return n + 1
    return key_line + 1


# --------------------------------------------------------------------------------------------
# Writing


def _toml_str(value: str) -> str:
    """A TOML string: "…" when plain, '…' when it holds quotes (as expressions do)."""
    plain = not any(ord(c) < 32 or c == "\x7f" for c in value)
    if plain and '"' not in value and "\\" not in value:
        return f'"{value}"'
    if plain and "'" not in value:
        return f"'{value}'"
    out = []
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 32 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _basic(name)


def _basic(value: str) -> str:
    s = _toml_str(value)
    if s.startswith("'"):
        return '"' + s[1:-1].replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def _require(value: str | int) -> str:
    return str(value) if isinstance(value, int) else f'"{value}"'


def _conditions(conditions: tuple[Condition, ...]) -> list[str]:
    out = ["conditions = ["]
    for c in conditions:
        out.append(f"  {{ label = {_toml_str(c.label)}, when = {_toml_str(c.when)} }},")
    out.append("]")
    return out


def dump_rules(rules: Rules) -> str:
    """The rules as TOML text in the layout of the shipped file; loads back equal."""
    out = [
        f"version = {rules.version}",
        f"name = {_toml_str(rules.name)}",
        "",
        "[labels]",
        "grades = [" + ", ".join(_toml_str(g) for g in rules.labels.grades) + "]",
        f"not_applicable = {_toml_str(rules.labels.not_applicable)}",
    ]
    for ctype, checklist in rules.checklists.items():
        table = f"checklists.{_key(ctype)}"
        out += ["", f"[{table}]", f"cumulative = {'true' if checklist.cumulative else 'false'}"]
        for level in checklist.levels:
            out += [
                "",
                f"[[{table}.levels]]",
                f"level = {level.level}",
                f"require = {_require(level.require)}",
                *_conditions(level.conditions),
            ]
    heat = rules.heat
    out += [
        "",
        "[heat]",
        f"floor = {heat.floor}",
        f"floor_label = {_toml_str(heat.floor_label)}",
        f"cumulative = {'true' if heat.cumulative else 'false'}",
    ]
    for hl in heat.levels:
        out += [
            "",
            "[[heat.levels]]",
            f"percent = {hl.percent}",
            f"require = {_require(hl.require)}",
            *_conditions(hl.conditions),
        ]
    for name, section in rules.sections.items():
        # a system's own section, in whatever shape its model has (TOML has no null)
        data = section.model_dump(mode="json", exclude_none=True)
        out += ["", tomli_w.dumps({name: data}).rstrip("\n")]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Identity

RulesSource = Literal["default", "workbook", "file", "given"]


def rules_fingerprint(rules: Rules) -> str:
    """A short hash of the canonical dump: equal rules, equal fingerprint (comments and layout
    of a rules file do not count). Eight hex digits, e.g. ``3fa2c91d``."""
    return hashlib.sha256(dump_rules(rules).encode("utf-8")).hexdigest()[:8]


class RulesInfo(BaseModel):
    """Which rules a result was computed with: name, version, fingerprint, and where from
    (``default`` = shipped, ``workbook`` = the workbook's 规则 sheet, ``file`` = a rules file
    such as ``--rules``, ``given`` = a :class:`Rules` object passed in by a caller)."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: int
    fingerprint: str
    source: RulesSource
    path: str | None = None

    @classmethod
    def of(cls, rules: Rules, source: RulesSource, path: str | None = None) -> RulesInfo:
        return cls(
            name=rules.name or text(STORED, "rules_where_default"),
            version=rules.version,
            fingerprint=rules_fingerprint(rules),
            source=source,
            path=path,
        )

    def describe(self) -> str:
        """``内置默认规则（版本 1，指纹 3fa2c91d）``."""
        return text(
            STORED,
            "rules_described",
            name=self.name,
            version=self.version,
            fingerprint=self.fingerprint,
        )

    def where(self) -> str:
        """Where the rules came from, in Chinese."""
        if self.source == "file":
            if self.path is None:
                return STORED["rules_where_file_unnamed"]
            return text(STORED, "rules_where_file", path=self.path)
        return text(STORED, f"rules_where_{self.source}")


# --------------------------------------------------------------------------------------------
# Describing


class RuleLine(BaseModel):
    """One condition of the rules, as a manager reads it."""

    model_config = ConfigDict(frozen=True)

    section: str  # 客户类型 (甲方, 总包 …) or 成交热度
    level: str  # I级 … / 90% …
    require: str  # 全部满足 / 至少满足一半（2/4 项） …
    label: str
    expression: str


def require_text(require: str | int, n: int, cumulative: bool = False) -> str:
    """``all`` → 全部满足 …, in Chinese; ``cumulative`` adds that lower levels are needed."""
    if require == "all":
        out = text(LABELS, "require_all")
    elif require == "half":
        out = text(LABELS, "require_half", k=required_count(require, n), n=n)
    else:
        out = text(LABELS, "require_k", k=require, n=n)
    return out + (text(LABELS, "require_cumulative") if cumulative else "")


def describe_rules(rules: Rules) -> list[RuleLine]:
    """Every condition of every level, checklists first (by level), then heat (highest first)."""
    out: list[RuleLine] = []
    for ctype, checklist in rules.checklists.items():
        for level in sorted(checklist.levels, key=lambda lv: lv.level):
            req = require_text(
                level.require, len(level.conditions), checklist.cumulative and level.level > 1
            )
            for c in level.conditions:
                out.append(
                    RuleLine(
                        section=ctype,
                        level=rules.grade_label(level.level),
                        require=req,
                        label=c.label,
                        expression=c.when,
                    )
                )
    section = text(LABELS, "rules_section_heat")
    for hl in sorted(rules.heat.levels, key=lambda h: -h.percent):
        req = require_text(hl.require, len(hl.conditions))
        for c in hl.conditions:
            out.append(
                RuleLine(
                    section=section, level=hl.label, require=req, label=c.label, expression=c.when
                )
            )
    floor = f"{rules.heat.floor}%" + (
        f"（{rules.heat.floor_label}）" if rules.heat.floor_label else ""
    )
    out.append(
        RuleLine(
            section=section,
            level=floor,
            require="",
            label=text(LABELS, "rules_floor"),
            expression="",
        )
    )
    return out


def format_rules(rules: Rules) -> str:
    """The rules as plain Chinese text, one block per section."""
    lines: list[str] = []
    section = None
    for rl in describe_rules(rules):
        if rl.section != section:
            section = rl.section
            lines.append(f"【{section}】")
        expr = f"：{rl.expression}" if rl.expression else ""
        req = f"（{rl.require}）" if rl.require else ""
        lines.append(f"  {rl.level}{req}  {rl.label}{expr}")
    return "\n".join(lines)
