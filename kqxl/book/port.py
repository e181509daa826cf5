"""The workbook port: what the library jobs need from a workbook, whatever holds it.

A job (:mod:`kqxl.api`) reads the sheets it needs, computes, and hands back one
:class:`WorkbookEdit` — cell changes, whole kqxl-owned sheets, rows to delete or move. Where
the workbook lives is the implementation's business, as xlwings keeps each engine behind one
small interface: :class:`FileWorkbook` is an ``.xlsx`` on disk (the fast reader and the patch
writer: backup, atomic replace, nothing else touched); a live book in Excel will be another
implementation of the same protocol.

>>> book = FileWorkbook("张三.xlsx")                                   # doctest: +SKIP
>>> grid = book.read(["客户"])                                          # doctest: +SKIP
>>> book.write(WorkbookEdit(cells=[CellChange("客户", 5, 3, "I级")]))   # doctest: +SKIP
WriteReport(written_to='张三.xlsx', backup='.kqxl/backups/…', cells_changed=1, …)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from kqxl.book.patch import (
    CellChange,
    HighlightRule,
    RowDelete,
    RowMove,
    SheetContent,
    patch_workbook,
)
from kqxl.book.reader import read_workbook
from kqxl.book.safety import Limits
from kqxl.cells import FileStamp, WorkbookGrid

__all__ = [
    "FileWorkbook",
    "OpenWorkbook",
    "Workbook",
    "WorkbookEdit",
    "WriteReport",
    "open_workbook",
]


@dataclass(frozen=True, slots=True)
class WorkbookEdit:
    """One write, applied as a whole: cell changes, whole sheets, row operations.

    Row numbers of ``cells`` and ``rows`` are those of the workbook as read; deleted and moved
    rows close up afterwards (what lay below moves up). ``clear_highlights`` names sheets whose
    highlight styles of older kqxl versions are taken off; ``highlights`` sets kqxl's
    conditional format of a sheet (see :mod:`kqxl.book.highlight`).
    """

    cells: Sequence[CellChange] = ()
    sheets: Sequence[SheetContent] = ()
    rows: Sequence[RowDelete | RowMove] = ()
    clear_highlights: Sequence[str] = ()
    highlights: Sequence[HighlightRule] = ()


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a write did, in terms any implementation can give."""

    written_to: str
    backup: str | None = None
    cells_changed: int = 0
    rows_appended: int = 0
    rows_removed: int = 0
    unchanged: bool = False  # nothing differed, nothing was written


@runtime_checkable
class Workbook(Protocol):
    """What kqxl needs from a workbook: read sheets, write one edit, know its stamp."""

    @property
    def name(self) -> str:
        """Where the workbook is, as a user would name it (a path, a book's name)."""
        ...

    @property
    def stamp(self) -> FileStamp | None:
        """What the workbook looked like when last read (None before, or if unknown)."""
        ...

    def read(self, sheets: Iterable[str] | None = None) -> WorkbookGrid:
        """The worksheets (all, or those named that it has), as typed values."""
        ...

    def write(self, edit: WorkbookEdit) -> WriteReport:
        """Apply ``edit``; refuse (WorkbookChangedError) if the workbook changed since read."""
        ...


@runtime_checkable
class OpenWorkbook(Workbook, Protocol):
    """A workbook a program holds open over its file (a book in Excel): it is read and written
    through this object, never by replacing the file, and :meth:`save` makes the file hold
    what was written."""

    def save(self) -> None:
        """Save the workbook to its file."""
        ...


class FileWorkbook:
    """A workbook file on disk: :func:`read_workbook` to read, :func:`patch_workbook` to write.

    A write goes in place (with a backup) unless ``out`` names a new file; it is refused when
    the file changed on disk since this object last read it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        out: str | os.PathLike[str] | None = None,
        force: bool = False,
        backup: bool = True,
        keep_backups: int = 20,
        limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, safe as a default
    ) -> None:
        self.path = Path(path)
        self.out = Path(out) if out is not None else None
        self.force = force
        self.backup = backup
        self.keep_backups = keep_backups
        self.limits = limits
        self._stamp: FileStamp | None = None
        self._tails: dict[str, bytes] = {}  # of the sheets last read, for the writer

    def __repr__(self) -> str:
        return f"FileWorkbook({str(self.path)!r})"

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def stamp(self) -> FileStamp | None:
        return self._stamp

    def read(self, sheets: Iterable[str] | None = None) -> WorkbookGrid:
        grid = read_workbook(self.path, sheets=sheets, missing_ok=True, limits=self.limits)
        self._stamp, self._tails = grid.stamp, grid.tails
        return grid

    def write(self, edit: WorkbookEdit) -> WriteReport:
        report = patch_workbook(
            self.path,
            edit.cells,
            out=self.out,
            sheets=edit.sheets,
            rows=edit.rows,
            backup=self.backup,
            keep_backups=self.keep_backups,
            force=self.force,
            expect=self._stamp,
            limits=self.limits,
            clear_highlights=edit.clear_highlights,
            highlights=edit.highlights,
            tails=self._tails,
        )
        return WriteReport(
            written_to=str(report.path),
            backup=str(report.backup) if report.backup else None,
            cells_changed=report.cells_changed,
            rows_appended=report.rows_appended,
            rows_removed=report.rows_removed,
            unchanged=report.unchanged,
        )


_FILE_DEFAULTS: dict[str, object] = {
    "out": None,
    "force": False,
    "backup": True,
    "keep_backups": 20,
}


def open_workbook(book: Workbook | str | os.PathLike[str], **options: object) -> Workbook:
    """``book`` itself if it is a :class:`Workbook`, else the file at that path.

    ``options`` (``out``, ``force``, ``backup``, ``keep_backups``, ``limits``) configure a file;
    a workbook object was configured when it was made, so other than default values they are
    refused with one.
    """
    if isinstance(book, str | os.PathLike):
        return FileWorkbook(book, **options)  # type: ignore[arg-type]
    given = sorted(
        k for k, v in options.items() if k not in _FILE_DEFAULTS or v != _FILE_DEFAULTS[k]
    )
    if given:
        raise TypeError(f"{', '.join(given)} apply to a path, not to {book!r}")
    return book
