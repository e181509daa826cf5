"""Exceptions: a failure means kqxl could not do its job. Findings are values (see engine)."""

from __future__ import annotations


class KqxlError(Exception):
    """Base of every error kqxl raises on purpose; the CLI prints it as one line, exit 2.

    The message names the file, sheet, row and column where it can, and says what to do next.
    """


class RulesError(KqxlError, ValueError):
    """A rules file (or rules sheet) is malformed: the message names the line and the field."""


class WorkbookError(KqxlError, OSError):
    """A workbook cannot be read or written: not an xlsx, corrupt, encrypted, hostile, locked."""


class WorkbookLockedError(WorkbookError):
    """The workbook is open in Excel or WPS (an ``~$`` owner file lies beside it)."""


class WorkbookChangedError(WorkbookError):
    """The workbook changed on disk between reading it and writing it."""


class HostileFileError(WorkbookError):
    """A workbook exceeds a safety limit (zip bomb, entity expansion, too many parts)."""


class SchemaError(KqxlError, ValueError):
    """A sheet cannot be mapped to the schema at all (no header row, required column missing)."""
