"""``kqxl undo SYNC_ID`` and ``kqxl history KEY``: the journal read back.

Undo puts back every file a sync wrote, byte for byte, from the copy taken before the sync
first wrote it, and marks the sync undone (the base of the next merge is what it was before).
It refuses, changing nothing, when any of those files changed since the sync, when a later
sync wrote files, or when the copy is gone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel

from kqxl.book.safety import file_stamp, fsync_file, remove_quietly, replace_file, temp_name
from kqxl.errors import JournalError, WorkbookError
from kqxl.schema import SCHEMA
from kqxl.sync.apply import sync_lock
from kqxl.sync.journal import Journal, describe, journal_path
from kqxl.texts import ERRORS as _ERR
from kqxl.texts import SYNC, text


class UndoResult(BaseModel):
    sync_id: int
    restored: list[str]

    def message(self) -> str:
        return text(SYNC, "undone", id=self.sync_id, count=len(self.restored))


def _refuse(master: Path, sync_id: int, reason: str) -> JournalError:
    return JournalError.from_key("undo_refused", path=master, id=sync_id, reason=reason)


def undo_sync(master: str | Path, sync_id: int, *, lock_timeout: float = 10.0) -> UndoResult:
    """Restore the files sync ``sync_id`` wrote and mark it undone (see the module text)."""
    master_path = Path(master)
    jpath = journal_path(master_path)
    with sync_lock(master_path, lock_timeout), Journal(jpath, create=False) as journal:
        record = journal.sync(sync_id)
        if record is None:
            raise JournalError.from_key("sync_unknown", path=master_path, id=sync_id)
        if record.status != "done":
            reason = "undo_done" if record.status == "undone" else "undo_unfinished"
            raise _refuse(master_path, sync_id, text(_ERR, reason))
        later = journal.later_writes(sync_id)
        if later:
            later_text = "、".join(map(str, later))
            raise _refuse(master_path, sync_id, text(_ERR, "undo_later", later=later_text))
        for f in record.files:
            path = Path(f.path)
            try:
                now = file_stamp(path).sha256 if path.exists() else None
            except WorkbookError:
                now = None
            if now != f.hash_after:
                raise _refuse(master_path, sync_id, text(_ERR, "undo_changed", file=f.path))
            if f.backup is None or not Path(f.backup).is_file():
                raise _refuse(
                    master_path, sync_id, text(_ERR, "undo_no_copy", file=f.path, copy=f.backup)
                )
        restored: list[str] = []
        for f in record.files:
            assert f.backup is not None
            target = Path(f.path)
            tmp = temp_name(target)
            try:
                shutil.copyfile(f.backup, tmp)
                fsync_file(tmp)
                replace_file(tmp, target, target)
            finally:
                remove_quietly(tmp)
            restored.append(f.path)
        with journal.transaction() as db:
            journal.undo(db, sync_id)
    return UndoResult(sync_id=sync_id, restored=restored)


class HistoryLine(BaseModel):
    sync_id: int
    when: str
    undone: bool
    side: str
    sheet: str
    column: str
    old: str
    new: str
    kind: str
    origin: str

    def message(self) -> str:
        origin = text(SYNC, "master") if self.origin == "master" else self.origin
        return text(
            SYNC,
            "history_line",
            id=self.sync_id,
            when=self.when,
            undone=text(SYNC, "history_undone") if self.undone else "",
            side=text(SYNC, "master") if self.side == "master" else self.side,
            sheet=self.sheet,
            column=self.column,
            old=self.old,
            new=self.new,
            what=text(SYNC, f"what_{self.kind}", origin=origin),
        )


class History(BaseModel):
    key: str
    lines: list[HistoryLine]


def row_history(master: str | Path, key: str) -> History:
    """Every change the journal holds for row ``key``, oldest first."""
    headers = {s.name: {c.key: c.header for c in s.columns} for s in SCHEMA.sheets}
    with Journal(journal_path(Path(master)), create=False) as journal:
        entries = journal.history(key.strip())
    return History(
        key=key,
        lines=[
            HistoryLine(
                sync_id=e.sync_id,
                when=e.when,
                undone=e.status == "undone",
                side=e.side,
                sheet=e.sheet,
                column=headers.get(e.sheet, {}).get(e.field, e.field),
                old=describe(e.old),
                new=describe(e.new),
                kind=e.kind,
                origin=e.origin,
            )
            for e in entries
        ],
    )
