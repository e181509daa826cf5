"""Chinese for everything the command line shows: help, usage, click's own errors.

Every command of the ``kqxl`` group gets it by being a command of that group
(:class:`ChineseGroup` makes its subcommands :class:`ChineseCommand` and its subgroups
:class:`ChineseGroup`). What they do:

* click's own words ("Usage:", "Options", "No such command", "Missing argument", "Invalid
  value" …) come from :data:`kqxl.texts.CLICK`. click looks each of them up through
  ``gettext`` in its modules; :func:`install` points those look-ups at the catalogue, and the
  catalogue answers only while a :class:`ChineseGroup` runs (:meth:`ChineseGroup.main`), so
  another click program in the same process keeps its English;
* the short help in a command list is the help's first sentence (up to "。");
* arguments and option values are named in Chinese (:data:`kqxl.texts.METAVARS`: by the
  parameter's name for arguments, by the value type for options), unless a ``metavar`` is given;
* help text is wrapped by display width: a CJK character takes two columns.

A command's own help and option help come from :data:`kqxl.texts.HELP`.
"""

from __future__ import annotations

import contextvars
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

from kqxl.texts import CLICK, METAVARS

_active: contextvars.ContextVar[bool] = contextvars.ContextVar("kqxl_chinese", default=False)

# The click modules that look texts up with ``_``/``ngettext`` at the time they show them.
_CLICK_MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
)


def tidy(message: str) -> str:
    """A usage error as one Chinese sentence: click quotes names as ``'x'`` and ends with ".";
    brackets and "..." of a usage line are dropped from an argument's name."""
    message = re.sub(r"'\[?([^'\]]*?)\]?(?:\.\.\.)?'", r"“\1”", message)
    message = re.sub(r"”\.(?=\s|$)", "”。", message)
    message = re.sub(r" *(“[^”]*”) *", r"\1", message)
    return re.sub(r"([。？]) +", r"\1", message).strip()


class _TidyTemplate(str):
    """The "Error: {message}" template: click formats it with the message it built from
    several of our texts and its own punctuation; the result is tidied (:func:`tidy`)."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        return tidy(str.format(self, *args, **kwargs))


def translate(message: str) -> str:
    """click's ``message`` in Chinese while a kqxl command runs, else unchanged."""
    if not _active.get():
        return message
    chinese = CLICK.get(message, message)
    return _TidyTemplate(chinese) if message == "Error: {message}" else chinese


def translate_plural(singular: str, plural: str, n: int) -> str:
    """The ``ngettext`` of :func:`translate` (Chinese has one form for both)."""
    return translate(singular if n == 1 else plural)


def install() -> None:
    """Point click's message look-ups at :func:`translate` (idempotent)."""
    for module in _CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural  # type: ignore[attr-defined]


# ---------------------------------------------------------------- width-aware wrapping


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _tokens(text: str) -> list[str]:
    """Break points: each wide character alone, runs of other characters with their spaces."""
    out: list[str] = []
    run = ""
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WF":
            if run:
                out.append(run)
                run = ""
            out.append(ch)
        else:
            run += ch
            if ch == " ":
                out.append(run)
                run = ""
    if run:
        out.append(run)
    return out


def _fill(text: str, width: int) -> list[str]:
    width -= 2  # room for closing punctuation, which never starts a line
    lines: list[str] = []
    line = ""
    for token in _tokens(" ".join(text.split())):
        # CJK punctuation never starts a line.
        closing = token in "，。；：、）”！？"
        if line and display_width(line + token.rstrip()) > width and not closing:
            # An opening bracket or quote never ends a line: it moves down with its word.
            carry = line[-1] if line[-1] in "（“" else ""
            lines.append(line[: len(line) - len(carry)].rstrip())
            line = carry + token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def wrap(text: str, width: int) -> list[str]:
    """Lines of ``text`` at most ``width`` columns wide; paragraphs are kept, and a paragraph
    that starts with a ``\\b`` line is kept as written (as click does)."""
    out: list[str] = []
    for paragraph in text.strip("\n").split("\n\n"):
        lines = paragraph.splitlines()
        if out:
            out.append("")
        if lines and lines[0].strip() == "\b":
            out.extend(line.rstrip() for line in lines[1:])
        else:
            out.extend(_fill(paragraph, max(width, 10)))
    return out


class ChineseFormatter(click.HelpFormatter):
    """click's help formatter, wrapping by display width, headings with a Chinese colon."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for line in wrap(text, self.width - self.current_indent):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((display_width(a) for a, _ in rows), default=0), col_max)
        first_col += col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(second, max(self.width - first_col - self.current_indent - 2, 10))
            pad = " " * (first_col + self.current_indent)
            self.write("\n".join([lines[0], *(pad + line if line else "" for line in lines[1:])]))
            self.write("\n")


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


# ---------------------------------------------------------------- commands and groups


def _chinese_metavars(params: Iterable[click.Parameter]) -> None:
    for param in params:
        if isinstance(param.type, click.Path | click.IntRange | click.FloatRange):
            # The type's name appears in click's messages ("File 'x' does not exist.").
            param.type.name = METAVARS.get(f"type:{param.type.name}", param.type.name)
        if param.metavar is not None:
            continue
        if isinstance(param, click.Argument):
            name = METAVARS.get(f"arg:{param.name}")
            if name is None:
                continue
            if not param.required:
                name = f"[{name}]"
            param.metavar = name + ("..." if param.nargs != 1 else "")
        elif isinstance(param, click.Option) and not param.is_flag and not param.count:
            name = METAVARS.get(f"type:{param.type.name}")
            if name is not None:
                param.metavar = name


def _short_help(command: click.Command) -> str:
    if command.short_help:
        return command.short_help
    first = (command.help or "").strip().split("\n\n")[0]
    return " ".join(first.split()).split("。")[0] + ("。" if "。" in first else "")


class ChineseCommand(click.Command):
    """A command whose usage, parameters and short help read in Chinese."""

    context_class = ChineseContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", METAVARS["options"])
        super().__init__(*args, **kwargs)
        _chinese_metavars(self.params)

    def get_short_help_str(self, limit: int = 45) -> str:
        return _short_help(self)


class ChineseGroup(click.Group):
    """A group whose commands and subgroups all read in Chinese (see the module docstring)."""

    context_class = ChineseContext
    command_class = ChineseCommand
    group_class = type  # subgroups are of the same class as their parent

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", METAVARS["options"])
        kwargs.setdefault("subcommand_metavar", METAVARS["subcommand"])
        super().__init__(*args, **kwargs)
        _chinese_metavars(self.params)

    def get_short_help_str(self, limit: int = 45) -> str:
        return _short_help(self)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        install()
        token = _active.set(True)
        try:
            return super().main(*args, **kwargs)
        finally:
            _active.reset(token)
