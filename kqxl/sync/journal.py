"""The sync journal: ``.kqxl/journal.sqlite`` beside the master.

It records every sync (who, when, which files with their content hashes before and after,
the result) and every field change (old, new, where the value was entered), and it holds
the base of the next merge: each row as it stood after the last sync. SQLite in WAL mode, one
transaction per sync, so a sync killed half-way leaves the journal as it was before it (the
files it wrote already agree with what a rerun plans: see :mod:`kqxl.sync.apply`).

A journal that SQLite cannot read, or whose tables are not kqxl's, is named in a
:class:`JournalError`; it is never rebuilt from a workbook silently.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kqxl.book.safety import kqxl_dir
from kqxl.cells import CellError, CellValue
from kqxl.errors import JournalError
from kqxl.texts import SYNC, text

JOURNAL_NAME = "journal.sqlite"
SCHEMA_VERSION = 1

# Each log row (跟进记录, 投诉) of a rep the master received, by its fingerprint
# (kqxl.sync.merge.log_fingerprint); only those of syncs still ``done`` count as received.
_LOGS_TABLE = """
CREATE TABLE IF NOT EXISTS logs_sent (
    sync_id INTEGER NOT NULL REFERENCES syncs(id),
    sheet TEXT NOT NULL,
    rep TEXT NOT NULL,
    fingerprint TEXT NOT NULL
)
"""

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS syncs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    who TEXT NOT NULL,
    master TEXT NOT NULL,
    status TEXT NOT NULL,          -- running | done | undone | interrupted
    result TEXT NOT NULL           -- the report as JSON
);
CREATE TABLE IF NOT EXISTS files (
    sync_id INTEGER NOT NULL REFERENCES syncs(id),
    path TEXT NOT NULL,
    role TEXT NOT NULL,            -- master | rep
    hash_before TEXT,
    hash_after TEXT,
    backup TEXT                    -- the copy taken before the sync wrote the file
);
CREATE TABLE IF NOT EXISTS changes (
    sync_id INTEGER NOT NULL REFERENCES syncs(id),
    side TEXT NOT NULL,            -- the workbook that changed: master or a rep's name
    sheet TEXT NOT NULL,
    key TEXT NOT NULL,
    field TEXT NOT NULL,
    old TEXT,
    new TEXT,
    origin TEXT NOT NULL,          -- where the value was entered; kind says what happened
    kind TEXT NOT NULL             -- update | append | conflict | refused | move_out
);
CREATE INDEX IF NOT EXISTS changes_key ON changes(key);
CREATE TABLE IF NOT EXISTS base (
    sheet TEXT NOT NULL,
    key TEXT NOT NULL,
    fields TEXT NOT NULL,          -- JSON: column key → value
    PRIMARY KEY (sheet, key)
);
CREATE TABLE IF NOT EXISTS base_undo (
    sync_id INTEGER NOT NULL,
    sheet TEXT NOT NULL,
    key TEXT NOT NULL,
    fields TEXT                    -- the row before the sync; NULL: it had none
);
CREATE TABLE IF NOT EXISTS seen (  -- each workbook as the last recorded sync left it
    path TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    rep TEXT                       -- NULL for the master
);
CREATE TABLE IF NOT EXISTS conflicts (
    sync_id INTEGER NOT NULL,
    sheet TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT,
    field TEXT NOT NULL,
    rep TEXT NOT NULL,
    master_value TEXT,
    rep_value TEXT,
    kept TEXT,
    open INTEGER NOT NULL DEFAULT 1,
    closed_by INTEGER
);
"""


def dump_value(value: CellValue) -> str | None:
    """A cell value as journal text (JSON keeping its type); blank is NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return json.dumps({"b": value})
    if isinstance(value, dt.datetime):
        return json.dumps({"dt": value.isoformat()})
    if isinstance(value, dt.date):
        return json.dumps({"d": value.isoformat()})
    if isinstance(value, dt.time):
        return json.dumps({"t": value.isoformat()})
    if isinstance(value, CellError):
        return json.dumps({"e": value.code})
    return json.dumps(value, ensure_ascii=False)


def load_value(data: str | None) -> CellValue:
    """The inverse of :func:`dump_value`."""
    if data is None:
        return None
    value = json.loads(data)
    if isinstance(value, dict):
        ((tag, v),) = value.items()
        if tag == "b":
            return bool(v)
        if tag == "dt":
            return dt.datetime.fromisoformat(v)
        if tag == "d":
            return dt.date.fromisoformat(v)
        if tag == "t":
            return dt.time.fromisoformat(v)
        return CellError(v)
    if isinstance(value, str | int | float):
        return value
    raise ValueError(f"not a journal value: {data!r}")


def _tagged(value: CellValue) -> object:
    """A value as plain JSON: text and numbers as they are, the other types tagged."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return value
    return json.loads(dump_value(value) or "null")


# a row's fields as json.dumps(..., ensure_ascii=False) of them sorted writes them, made once
_encode_fields = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_PLAIN = frozenset((str, int, float))


def _fields_json(fields: Mapping[str, CellValue]) -> str:
    present = {k: v for k, v in fields.items() if v is not None}
    if _PLAIN.issuperset(map(type, present.values())):
        return _encode_fields(present)
    return _encode_fields({k: _tagged(v) for k, v in present.items()})  # dates, bools, errors


def _fields(data: str) -> dict[str, CellValue]:
    raw: dict[str, CellValue] = json.loads(data)
    if data.find("{", 1) < 0:  # no tagged value (a date, a bool, an error) inside
        return raw
    return {k: load_value(json.dumps(v)) if isinstance(v, dict) else v for k, v in raw.items()}


def journal_path(master: Path) -> Path:
    """Where the journal of ``master`` lives."""
    return kqxl_dir(master) / JOURNAL_NAME


@dataclass(frozen=True, slots=True)
class FileRecord:
    path: str
    role: str
    hash_before: str | None
    hash_after: str | None
    backup: str | None


@dataclass(frozen=True, slots=True)
class SyncRecord:
    id: int
    started: str
    finished: str | None
    who: str
    master: str
    status: str
    result: str
    files: tuple[FileRecord, ...]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    sync_id: int
    when: str
    side: str
    sheet: str
    field: str
    old: CellValue
    new: CellValue
    origin: str
    kind: str
    status: str


class Journal:
    """An open journal. Use as a context manager; :meth:`transaction` for one sync's writes."""

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = path
        if not path.exists() and not create:
            raise JournalError.from_key("journal_missing", path=path)
        fresh = not path.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            if fresh:
                self.db.executescript(_TABLES)
                self.db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
                )
            self._check()
            self.db.execute(_LOGS_TABLE)  # added after the first journals: made when missing
        except sqlite3.DatabaseError as exc:
            raise JournalError.from_key("journal_damaged", path=path, detail=str(exc)) from None

    def _check(self) -> None:
        row = self.db.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(str(row[0]) if row else "quick_check")
        names = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master")}
        needed = {"meta", "syncs", "files", "changes", "base", "base_undo", "conflicts", "seen"}
        if not needed <= names:
            raise sqlite3.DatabaseError("missing tables: " + ", ".join(sorted(needed - names)))
        version = self.db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        if version is None or version[0] != str(SCHEMA_VERSION):
            raise sqlite3.DatabaseError(f"journal version {version[0] if version else '?'}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction: all of it is in the journal, or none of it."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- reading -------------------------------------------------------------------------

    def base(self) -> dict[str, dict[str, dict[str, CellValue]]]:
        """sheet → key → fields, as after the last sync."""
        out: dict[str, dict[str, dict[str, CellValue]]] = {}
        for sheet, key, fields in self.db.execute("SELECT sheet, key, fields FROM base"):
            out.setdefault(sheet, {})[key] = _fields(fields)
        return out

    def open_conflicts(self) -> list[dict[str, CellValue]]:
        rows = self.db.execute(
            "SELECT rowid, sync_id, sheet, key, name, field, rep, master_value, rep_value, kept"
            " FROM conflicts WHERE open = 1 ORDER BY sync_id, rowid"
        )
        names = ("rowid", "sync_id", "sheet", "key", "name", "field", "rep")
        out = []
        for r in rows:
            entry: dict[str, CellValue] = dict(zip(names, r[:7], strict=True))
            entry["master_value"] = load_value(r[7])
            entry["rep_value"] = load_value(r[8])
            entry["kept"] = load_value(r[9])
            out.append(entry)
        return out

    def logs_sent(self) -> dict[str, dict[tuple[str, str], int]]:
        """sheet → (rep, fingerprint) → log rows the master received in syncs still done."""
        out: dict[str, dict[tuple[str, str], int]] = {}
        for sheet, rep, fp, n in self.db.execute(
            "SELECT l.sheet, l.rep, l.fingerprint, COUNT(*) FROM logs_sent l"
            " JOIN syncs s ON s.id = l.sync_id WHERE s.status = 'done'"
            " GROUP BY l.sheet, l.rep, l.fingerprint"
        ):
            out.setdefault(sheet, {})[(rep, fp)] = n
        return out

    def add_logs(
        self, db: sqlite3.Connection, sync_id: int, rows: Iterable[tuple[str, str, str]]
    ) -> None:
        """Record log rows (sheet, rep, fingerprint) as received by the master."""
        db.executemany("INSERT INTO logs_sent VALUES (?, ?, ?, ?)", ((sync_id, *r) for r in rows))

    def seen(self) -> dict[str, tuple[str, str | None]]:
        """path → (SHA-256, rep) of each workbook as the last recorded sync left it."""
        return {p: (h, r) for p, h, r in self.db.execute("SELECT path, sha256, rep FROM seen")}

    def set_seen(self, db: sqlite3.Connection, files: Mapping[str, tuple[str, str | None]]) -> None:
        db.execute("DELETE FROM seen")
        db.executemany(
            "INSERT INTO seen VALUES (?, ?, ?)", [(p, h, r) for p, (h, r) in files.items()]
        )

    def sync(self, sync_id: int) -> SyncRecord | None:
        row = self.db.execute(
            "SELECT id, started, finished, who, master, status, result FROM syncs WHERE id = ?",
            (sync_id,),
        ).fetchone()
        if row is None:
            return None
        files = tuple(
            FileRecord(*f)
            for f in self.db.execute(
                "SELECT path, role, hash_before, hash_after, backup FROM files WHERE sync_id = ?"
                " ORDER BY rowid",
                (sync_id,),
            )
        )
        return SyncRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], files)

    def later_writes(self, sync_id: int) -> list[int]:
        """Syncs after ``sync_id`` (not undone) that wrote a file or changed the base."""
        return [
            r[0]
            for r in self.db.execute(
                "SELECT s.id FROM syncs s WHERE s.id > ? AND s.status = 'done' AND ("
                " EXISTS (SELECT 1 FROM files f WHERE f.sync_id = s.id AND f.hash_after IS NOT"
                " NULL) OR EXISTS (SELECT 1 FROM base_undo b WHERE b.sync_id = s.id))",
                (sync_id,),
            )
        ]

    def history(self, key: str) -> list[HistoryEntry]:
        rows = self.db.execute(
            "SELECT c.sync_id, s.started, c.side, c.sheet, c.field, c.old, c.new, c.origin,"
            " c.kind, s.status FROM changes c JOIN syncs s ON s.id = c.sync_id"
            " WHERE c.key = ? ORDER BY c.sync_id, c.rowid",
            (key,),
        )
        return [
            HistoryEntry(r[0], r[1], r[2], r[3], r[4], load_value(r[5]), load_value(r[6]), *r[7:])
            for r in rows
        ]

    # --- writing (inside a transaction) ----------------------------------------------------

    def start(self, db: sqlite3.Connection, who: str, master: str, started: str) -> int:
        cur = db.execute(
            "INSERT INTO syncs (started, who, master, status, result)"
            " VALUES (?, ?, ?, 'running', '')",
            (started, who, master),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish(self, db: sqlite3.Connection, sync_id: int, finished: str, result: str) -> None:
        db.execute(
            "UPDATE syncs SET finished = ?, result = ?, status = 'done' WHERE id = ?",
            (finished, result, sync_id),
        )

    def interrupted(self) -> dict[int, list[str]]:
        """Syncs that were killed while writing: id → the files they meant to write."""
        out: dict[int, list[str]] = {}
        for (sync_id,) in self.db.execute("SELECT id FROM syncs WHERE status = 'running'"):
            out[sync_id] = [
                r[0]
                for r in self.db.execute(
                    "SELECT path FROM files WHERE sync_id = ? ORDER BY rowid", (sync_id,)
                )
            ]
        return out

    def mark_interrupted(self, db: sqlite3.Connection, sync_id: int) -> None:
        db.execute("UPDATE syncs SET status = 'interrupted' WHERE id = ?", (sync_id,))

    def clear_files(self, db: sqlite3.Connection, sync_id: int) -> None:
        db.execute("DELETE FROM files WHERE sync_id = ?", (sync_id,))

    def add_file(self, db: sqlite3.Connection, sync_id: int, rec: FileRecord) -> None:
        db.execute(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
            (sync_id, rec.path, rec.role, rec.hash_before, rec.hash_after, rec.backup),
        )

    def add_change(
        self,
        db: sqlite3.Connection,
        sync_id: int,
        side: str,
        sheet: str,
        key: str,
        name: str,
        old: CellValue,
        new: CellValue,
        origin: str,
        kind: str,
    ) -> None:
        db.execute(
            "INSERT INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sync_id, side, sheet, key, name, dump_value(old), dump_value(new), origin, kind),
        )

    def set_base(
        self,
        db: sqlite3.Connection,
        sync_id: int,
        base: Mapping[str, Mapping[str, Mapping[str, CellValue]]],
        previous: Mapping[str, Mapping[str, Mapping[str, CellValue]]] | None = None,
    ) -> int:
        """Store the new base, remembering the rows it replaces (for undo); rows it changed.

        ``previous``: the base as :meth:`base` gave it; a row of ``base`` that *is* (the same
        object) its row there is unchanged and not looked at again."""
        old = {
            (s, k): f for s, k, f in db.execute("SELECT sheet, key, fields FROM base").fetchall()
        }
        undo: list[tuple[int, str, str, str | None]] = []
        new: list[tuple[str, str, str]] = []
        for sheet, rows in base.items():
            kept = previous.get(sheet, {}) if previous is not None else {}
            for key, fields in rows.items():
                if kept.get(key) is fields:
                    continue
                data = _fields_json(fields)
                before = old.get((sheet, key))
                if before == data:
                    continue
                undo.append((sync_id, sheet, key, before))
                new.append((sheet, key, data))
        db.executemany("INSERT INTO base_undo VALUES (?, ?, ?, ?)", undo)
        db.executemany("INSERT OR REPLACE INTO base VALUES (?, ?, ?)", new)
        return len(new)

    def add_conflicts(
        self, db: sqlite3.Connection, sync_id: int, entries: Iterable[tuple[CellValue, ...]]
    ) -> None:
        for sheet, key, name, field, rep, m, r, kept in entries:
            db.execute(
                "INSERT INTO conflicts (sync_id, sheet, key, name, field, rep, master_value,"
                " rep_value, kept) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sync_id,
                    sheet,
                    key,
                    name,
                    field,
                    rep,
                    dump_value(m),
                    dump_value(r),
                    dump_value(kept),
                ),
            )

    def close_conflicts(self, db: sqlite3.Connection, sync_id: int, rowids: Iterable[int]) -> None:
        for rowid in rowids:
            db.execute(
                "UPDATE conflicts SET open = 0, closed_by = ? WHERE rowid = ?", (sync_id, rowid)
            )

    def undo(self, db: sqlite3.Connection, sync_id: int) -> None:
        """Mark ``sync_id`` undone and put the base back as it was before it."""
        for sheet, key, fields in db.execute(
            "SELECT sheet, key, fields FROM base_undo WHERE sync_id = ? ORDER BY rowid DESC",
            (sync_id,),
        ).fetchall():
            if fields is None:
                db.execute("DELETE FROM base WHERE sheet = ? AND key = ?", (sheet, key))
            else:
                db.execute("INSERT OR REPLACE INTO base VALUES (?, ?, ?)", (sheet, key, fields))
        db.execute("DELETE FROM conflicts WHERE sync_id = ?", (sync_id,))
        db.execute(
            "UPDATE conflicts SET open = 1, closed_by = NULL WHERE closed_by = ?", (sync_id,)
        )
        db.execute("UPDATE syncs SET status = 'undone' WHERE id = ?", (sync_id,))
        db.execute("DELETE FROM seen")


def describe(value: CellValue) -> str:
    """A journal value as a person reads it."""
    if value is None:
        return text(SYNC, "blank")
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
