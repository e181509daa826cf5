"""Exceptions: a failure means kqxl could not do its job. Findings are values (see engine).

Every :class:`KqxlError` carries a stable ``code`` and the ``data`` behind its message, so that
callers branch on ``exc.code`` and never on the text. The message (``str(exc)``) is one Chinese
line that says what is wrong; how to fix it *on the command line* (``--force``, ``kqxl init``)
is added by the CLI from its own hint catalogue, keyed by code, so that an Excel button never
shows command-line advice.

>>> try:
...     read_workbook("没有.xlsx")                            # doctest: +SKIP
... except WorkbookError as exc:
...     exc.code, exc.data["path"]
('not_found', '没有.xlsx')

Anything else that escapes kqxl (a ``KeyError``, a ``TypeError`` …) is a bug of kqxl's own,
never a damaged workbook: the CLI reports it as ``internal``.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from kqxl.texts import ERRORS, text

# Catalogue key (kqxl.texts.ERRORS) → error code. Several keys may share a code; a code never
# changes once published (scripts and the Excel add-in branch on it). docs/API.md lists them.
CODES: dict[str, str] = {
    "file_not_found": "not_found",
    "not_xlsx": "not_xlsx",
    "unreadable": "unreadable",
    "is_folder": "is_folder",
    "wrong_extension": "wrong_extension",
    "empty_file": "empty",
    "corrupt": "damaged",
    "encrypted": "encrypted",
    "too_large": "too_large",
    "too_large_total": "too_large",
    "output_too_large": "output_too_large",
    "bad_unzipped_cap": "bad_option",
    "hostile_xml": "hostile",
    "locked": "locked",
    "busy": "busy",
    "read_only": "read_only",
    "kqxl_dir_not_writable": "kqxl_dir_not_writable",
    "changed_on_disk": "changed",
    "write_failed": "write_failed",
    "verify_failed": "verify_failed",
    "out_exists": "out_exists",
    "sheet_not_found": "sheet_not_found",
    "sheet_without_rid": "sheet_without_rid",
    "row_limit": "row_limit",
    "bad_cell": "bad_cell",
    "sheet_too_sparse": "sheet_too_sparse",
    "recalc_unavailable": "recalc_unavailable",
    "recalc_failed": "recalc_failed",
    "array_formula": "array_formula",
    "merged_hidden": "merged_hidden",
    "bad_value": "bad_value",
    "rows_refused": "rows_refused",
    "rows_conflict": "rows_conflict",
    "sheet_kept": "sheet_kept",
    "exists": "exists",
    "unknown_keys": "unknown_keys",
    "rules_invalid": "rules_invalid",
    "rules_not_found": "rules_not_found",
    "rules_gbk": "rules_encoding",
    "rules_sheet_invalid": "rules_sheet_invalid",
    "settings_invalid": "settings_invalid",
    "not_kqxl_sheet": "not_kqxl_sheet",
    "bad_date": "bad_option",
    "out_single": "bad_option",
    "os_error": "os_error",
    "holidays_invalid": "holidays_invalid",
    "no_workbooks": "no_workbooks",
    "bad_days": "bad_option",
    "care_sheet_taken": "not_kqxl_sheet",
    "internal": "internal",
    "sync_busy": "sync_busy",
    "master_unusable": "master_unusable",
    "journal_damaged": "journal_damaged",
    "journal_missing": "journal_missing",
    "sync_unknown": "sync_unknown",
    "undo_refused": "undo_refused",
    "book_not_saved": "not_saved",
    "master_not_found": "master_unusable",
    "addin_no_macros": "addin_no_macros",
    "addin_needs": "addin_needs",
}

# Catalogue entries that are pieces of another message (the {detail} of rules_invalid, of a
# refused row operation), not errors of their own: they have no code.
DETAIL_KEYS: frozenset[str] = frozenset(
    key
    for key in ERRORS
    if key.startswith(("rules_", "expr_", "rows_", "undo_")) and key not in CODES
)

INTERNAL = CODES["internal"]

Plain = str | int | float | bool | None


def _plain(value: object) -> Plain:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # a Path, an exception used as a detail …


class ErrorInfo(BaseModel):
    """An error as a value: what ``--json`` and a batch report hold for a file that failed."""

    code: str
    message: str
    data: dict[str, Plain] = {}


E = TypeVar("E", bound="KqxlError")


class KqxlError(Exception):
    """Base of every error kqxl raises on purpose; the CLI prints it as one line, exit 2.

    ``code`` is stable (see :data:`CODES`); ``data`` holds the values of the message's
    placeholders (path, sheet, cell, detail …) as plain JSON values.
    """

    code: str = "error"

    def __init__(
        self, message: str, *, code: str | None = None, data: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.data: dict[str, Plain] = {k: _plain(v) for k, v in (data or {}).items()}

    @classmethod
    def from_key(cls: type[E], key: str, **values: object) -> E:
        """The error whose message is the catalogue line ``key`` and whose code comes from it.

        A key missing from :data:`CODES` falls back to the class's code rather than failing
        while an error is being reported (a test keeps CODES complete)."""
        return cls(text(ERRORS, key, **values), code=CODES.get(key, cls.code), data=values)

    @property
    def message(self) -> str:
        """The one-line message (what ``str()`` gives)."""
        return str(self.args[0]) if self.args else ""

    def info(self) -> ErrorInfo:
        """This error as a value."""
        return ErrorInfo(code=self.code, message=self.message, data=dict(self.data))

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only arguments are not in ``args``: rebuild from all three
        return (_rebuild, (type(self), self.message, self.code, self.data))


def _rebuild(cls: type[KqxlError], message: str, code: str, data: dict[str, Plain]) -> KqxlError:
    return cls(message, code=code, data=data)


class RulesError(KqxlError, ValueError):
    """A rules file (or rules sheet) is malformed: the message names the line and the field."""

    code = "rules_invalid"


class WorkbookError(KqxlError, OSError):
    """A workbook cannot be read or written: not an xlsx, damaged, encrypted, locked …"""

    code = "unreadable"


class WorkbookLockedError(WorkbookError):
    """The workbook is open in Excel or WPS (an ``~$`` owner file lies beside it)."""

    code = "locked"


class WorkbookChangedError(WorkbookError):
    """The workbook changed on disk between reading it and writing it."""

    code = "changed"


class HostileFileError(WorkbookError):
    """A workbook exceeds a safety limit (zip bomb, entity expansion, too many parts)."""

    code = "hostile"


class SchemaError(KqxlError, ValueError):
    """Rows do not fit the schema (a column the schema does not know)."""

    code = "unknown_keys"


class JournalError(KqxlError):
    """The sync journal cannot be used (damaged, missing) or refuses an undo; the message
    names the file and the reason. A damaged journal is never rebuilt silently."""

    code = "journal_damaged"


class OptionError(KqxlError, ValueError):
    """An option of a job is invalid (a date that is not one, ``out`` with several files)."""

    code = "bad_option"


_OS_REASONS = {
    errno.EACCES: "没有权限，请检查文件夹是否只读或文件是否被其他程序占用",
    errno.EPERM: "没有权限，请检查文件夹是否只读或文件是否被其他程序占用",
    errno.EROFS: "没有权限：磁盘或文件夹是只读的",
    errno.ENOSPC: "磁盘空间不足，请清理后重试",
    errno.ENOENT: "文件或文件夹不存在",
    errno.EEXIST: "同名文件已存在",
    errno.ENOTDIR: "路径中有同名的文件而不是文件夹",
    errno.EISDIR: "这是一个文件夹",
    errno.ENAMETOOLONG: "文件路径太长",
}


def describe_os_error(exc: OSError) -> str:
    """A short Chinese reason for an OSError (the system's own text is English)."""
    reason = _OS_REASONS.get(exc.errno or 0)
    return reason if reason else f"系统错误 {exc.errno}" if exc.errno else "系统错误"
