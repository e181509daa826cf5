"""Apply a team sync: read the workbooks, plan the merge, write, recompute, journal.

:func:`sync_team` is the job behind ``kqxl sync`` (and, later, the Excel button for one
workbook). The steps:

1. hold the master's sync lock (``.kqxl/sync.lock``; a second sync waits, then names the
   holder);
2. read the master and each rep workbook; a workbook that is open in Excel/WPS, unreadable, of
   another template version, bound to another master or malformed is skipped with its reason;
3. rows without a key get one first (a recompute of that workbook);
4. plan the three-way merge against the journal's base (:func:`kqxl.sync.merge.plan_sync`);
5. record the plan's changes and conflicts in the journal (so a sync killed while writing
   loses no value), write every workbook that receives something — cells, appended rows,
   rows moved out to 已移交, the 冲突 sheet — through the patch writer (backup, atomic replace),
   recompute its computed columns, and keep a copy of it as it was for ``kqxl undo``;
6. store the new base and the files' hashes in one transaction.

Nothing is written for a workbook that receives nothing; a sync that changes nothing writes
no file and no journal entry.

A workbook a program holds open (the book the Excel 同步 button runs in) is given as an
:class:`~kqxl.book.port.OpenWorkbook` in ``open_books``: it is read and written through that
port instead of as a file, and saved by it after its write; everything else (lock, journal,
undo copies, the merge) is the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import multiprocessing
import operator
import os
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import BaseModel

from kqxl.book.patch import KEEP, CellChange, RowDelete, SheetContent
from kqxl.book.port import FileWorkbook, OpenWorkbook, Workbook, WorkbookEdit, WriteReport
from kqxl.book.safety import (
    check_owner,
    check_stamp,
    file_stamp,
    fsync_file,
    kqxl_dir,
    remove_quietly,
    replace_file,
    temp_name,
)
from kqxl.book.settings import SETTINGS_SHEET, Settings, read_settings
from kqxl.cells import CellValue, FileStamp, SheetGrid, WorkbookGrid
from kqxl.collector import paused_collector
from kqxl.engine.systems.value import ValueLines
from kqxl.engine.validate import locate_header
from kqxl.errors import KqxlError, WorkbookChangedError, WorkbookError
from kqxl.schema import SCHEMA, TEMPLATE_VERSION, Owner, Schema
from kqxl.stored import rules_in_effect
from kqxl.sync.journal import FileRecord, Journal, journal_path
from kqxl.sync.merge import (
    MASTER,
    LogAppend,
    SheetTables,
    SyncPlan,
    clean,
    log_sheets,
    owner_name,
    plan_logs,
    plan_sync,
    same,
    schema_columns,
    synced_sheets,
)
from kqxl.sync.policy import rep_wins
from kqxl.sync.team import (
    classes_differ,
    lines_changes,
    lines_of,
    settings_changes,
    team_lines,
)
from kqxl.texts import SYNC, text

CONFLICT_SHEET = SYNC["conflict_sheet"]
# Settings codes of a rep workbook (kept by the 设置 sheet as rows it does not know)
REP_CODE, MASTER_CODE = "sync.rep", "sync.master"
LAST_CODE = "sync.last"  # when a sync last wrote the workbook, and which one (kqxl undo)


def moved_sheet(sheet: str) -> str:
    """The read-only sheet that holds a data sheet's rows given to another rep."""
    return text(SYNC, "moved_sheet", sheet=sheet)


# --- the report --------------------------------------------------------------------------


class WorkbookLine(BaseModel):
    """One workbook of a sync: what it received and sent, or why it was skipped."""

    file: str
    role: str  # master | rep
    rep: str | None = None
    received: int = 0  # fields, rows and moves written into it
    sent: int = 0  # values of its own that went to the master
    conflicts: int = 0
    written: bool = False
    skipped: str | None = None  # the reason, in Chinese
    skip_code: str | None = None


class ConflictLine(BaseModel):
    sheet: str
    key: str
    name: str | None
    column: str
    rep: str
    master_value: str
    rep_value: str
    kept: str


class NoteLine(BaseModel):
    """A refused edit, a missing row, a key collision or a possible duplicate."""

    kind: str  # refused | moved | missing | collision | duplicate | logs
    sheet: str
    key: str
    message: str


class SyncReport(BaseModel):
    """What ``kqxl sync`` did (``--json`` prints exactly this)."""

    master: str
    dry_run: bool
    sync_id: int | None = None
    changed: int = 0  # field values that changed somewhere
    files: list[WorkbookLine] = []
    conflicts: list[ConflictLine] = []
    notes: list[NoteLine] = []

    @property
    def skipped(self) -> list[WorkbookLine]:
        return [f for f in self.files if f.skipped]

    @property
    def needs_attention(self) -> bool:
        """Conflicts or skipped workbooks (``kqxl sync`` exits 1)."""
        return bool(self.conflicts or self.skipped)


def report_lines(report: SyncReport) -> list[str]:
    """The report as ``kqxl sync`` prints it: one line per workbook (收到/送出/冲突, or 跳过
    and why), the conflicts, the notes, and a summary line."""
    out: list[str] = []
    for line in report.files:
        name = Path(line.file).name
        if line.skipped:
            out.append(text(SYNC, "line_skipped", file=name, reason=line.skipped))
            continue
        done = SYNC["line_written"] if line.written else ""
        if report.dry_run and line.received:
            done = SYNC["line_dry"]
        out.append(
            text(
                SYNC,
                "line_ok",
                file=name,
                received=line.received,
                sent=line.sent,
                conflicts=line.conflicts,
                written=done,
            )
        )
    out.extend(SYNC["conflict_line"].format(**c.model_dump()) for c in report.conflicts)
    for n in report.notes:
        kind = SYNC[f"kind_{n.kind}"]
        out.append(SYNC["note_line"].format(kind=kind, key=n.key, message=n.message))
    counts = {
        "changed": report.changed,
        "conflicts": len(report.conflicts),
        "skipped": len(report.skipped),
    }
    if report.dry_run:
        out.append(text(SYNC, "summary_dry", **counts))
    elif report.sync_id is None:
        out.append(SYNC["summary_none"])
    else:
        out.append(text(SYNC, "summary", id=report.sync_id, **counts))
    return out


# --- reading a workbook ------------------------------------------------------------------


@dataclass(slots=True)
class SheetRows:
    """One data sheet of a workbook as the sync sees it."""

    grid: SheetGrid
    columns: dict[str, int]  # column key → Excel column
    header_row: int
    rows: dict[str, int] = field(default_factory=dict)  # key → Excel row
    table: dict[str, dict[str, CellValue]] = field(default_factory=dict)
    repeated: set[str] = field(default_factory=set)
    keyless: int = 0
    last_row: int = 0


@dataclass(slots=True)
class LogRows:
    """One log sheet (跟进记录, 投诉) of a workbook: its rows' typed values (computed columns
    left out), in order."""

    columns: dict[str, int]  # column key → Excel column
    last_row: int
    rows: list[dict[str, CellValue]] = field(default_factory=list)


@dataclass(slots=True)
class Side:
    path: Path
    role: str
    book: Workbook
    grid: WorkbookGrid
    settings: Settings | None
    sheets: dict[str, SheetRows]
    rep: str | None = None
    logs: dict[str, LogRows] = field(default_factory=dict)
    held: OpenWorkbook | None = None  # open in a program: read and written through this

    @property
    def target(self) -> Workbook | Path:
        """What a job (a recompute) is given to work on this workbook."""
        return self.held if self.held is not None else self.path

    @property
    def keyless(self) -> int:
        return sum(s.keyless for s in self.sheets.values())

    def setting(self, code: str) -> str | None:
        for row in self.settings.other_rows if self.settings else ():
            if len(row) >= 4 and row[3] == code and clean(row[1]) is not None:
                return str(clean(row[1]))
        return None


class Skip(Exception):
    """A workbook the batch goes on without; the message is the Chinese reason."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _sheets_read(schema: Schema) -> list[str]:
    """What the sync reads of a workbook: the sheets a recompute reads (so that a workbook the
    sync writes is recomputed from this one read) and the sync's own."""
    from kqxl.api import sheets_read

    names = [s.name for s in synced_sheets(schema)]
    own = [*sheets_read(schema), CONFLICT_SHEET, *(moved_sheet(n) for n in names)]
    return list(dict.fromkeys(own))


def read_side(path: Path, role: str, schema: Schema, held: OpenWorkbook | None = None) -> Side:
    """A workbook as the sync sees it, or :class:`Skip` with the reason; ``held`` is the port
    of a workbook open in a program (read through it, not from its file)."""
    try:
        book: Workbook
        if held is None:
            check_owner(path, force=False, limits=FileWorkbook(path).limits)
            book = FileWorkbook(path)
        else:
            book = held
        grid = book.read(_sheets_read(schema))
        settings = read_settings(grid.sheets.get(SETTINGS_SHEET), str(path))
    except KqxlError as exc:
        raise Skip(exc.message, exc.code) from None
    if settings is not None and settings.template_version not in (None, TEMPLATE_VERSION):
        raise Skip(
            text(SYNC, "skip_version", version=settings.template_version, ours=TEMPLATE_VERSION),
            "template_version",
        )
    kind = settings.template_kind if settings else None
    if kind is not None and kind != role:
        raise Skip(text(SYNC, f"skip_kind_{role}"), "template_kind")
    sheets: dict[str, SheetRows] = {}
    for sheet in synced_sheets(schema):
        sg = grid.sheets.get(sheet.name)
        if sg is None:
            raise Skip(text(SYNC, "skip_no_sheet", sheet=sheet.name), "malformed")
        match = locate_header(sg, sheet)
        if match.header_row is None or sheet.key_column not in match.columns:
            header = sheet.column(sheet.key_column).header
            raise Skip(text(SYNC, "skip_no_key", sheet=sheet.name, header=header), "malformed")
        rows = SheetRows(sg, match.columns, match.header_row, last_row=match.header_row)
        last = sg.first_row + len(sg.rows) - 1
        key_col = match.columns[sheet.key_column]
        wanted = [(c.key, match.columns[c.key]) for c in sheet.columns if c.key in match.columns]
        width = [(k, col - sg.first_col) for k, col in wanted]
        row_values = _row_values(width)
        for r in range(match.header_row + 1, last + 1):
            values = row_values(sg.rows[r - sg.first_row])
            if all(clean(v) is None for v in values.values()):
                continue
            rows.last_row = r
            key = clean(sg.value(r, key_col))
            if key is None:
                rows.keyless += 1
                continue
            key = str(key)
            if key in rows.rows:
                rows.repeated.add(key)
                continue
            rows.rows[key] = r
            rows.table[key] = values
        sheets[sheet.name] = rows
    return Side(path, role, book, grid, settings, sheets, logs=_read_logs(grid, schema), held=held)


def _row_values(
    width: Sequence[tuple[str, int]],
) -> Callable[[Sequence[CellValue]], dict[str, CellValue]]:
    """A row's values by column key, given each key's index in the row (blank past its end);
    a row that reaches every index takes one C-level call."""
    keys = tuple(k for k, _ in width)
    index = [j for _, j in width]

    def slow(cells: Sequence[CellValue]) -> dict[str, CellValue]:
        n = len(cells)
        return {k: cells[j] if 0 <= j < n else None for k, j in width}

    if len(index) < 2 or min(index) < 0:
        return slow
    getter, last = operator.itemgetter(*index), max(index)

    def fast(cells: Sequence[CellValue]) -> dict[str, CellValue]:
        if len(cells) <= last:
            return slow(cells)
        return dict(zip(keys, getter(cells), strict=True))

    return fast


def _read_logs(grid: WorkbookGrid, schema: Schema) -> dict[str, LogRows]:
    """The log sheets the workbook has with their header (a sheet without is left out)."""
    logs: dict[str, LogRows] = {}
    for sheet in log_sheets(schema):
        sg = grid.sheets.get(sheet.name)
        if sg is None:
            continue
        match = locate_header(sg, sheet)
        if match.header_row is None:
            continue
        out = LogRows(match.columns, match.header_row)
        width = [
            (c.key, match.columns[c.key] - sg.first_col)
            for c in sheet.columns
            if c.key in match.columns and c.owner is not Owner.COMPUTED
        ]
        row_values = _row_values(width)
        for r in range(match.header_row + 1, sg.first_row + len(sg.rows)):
            values = row_values(sg.rows[r - sg.first_row])
            if all(clean(v) is None for v in values.values()):
                continue
            out.last_row = r
            out.rows.append(values)
        logs[sheet.name] = out
    return logs


def _rep_name(side: Side, schema: Schema) -> str:
    named = owner_name(side.setting(REP_CODE))
    if named:
        return named
    owners = {
        owner_name(fields.get("owner_rep"))
        for s in side.sheets.values()
        for fields in s.table.values()
    } - {None}
    if len(owners) == 1:
        return str(owners.pop())
    raise Skip(text(SYNC, "skip_no_rep"), "no_rep")


# --- reading the rep workbooks on the other cores -----------------------------------------

# A team this large has its rep workbooks read by worker processes, one per other core, while
# this one reads the master (a read takes tenths of a second; a fork a few milliseconds).
POOL_MIN_WORKBOOKS = 8
POOL_MAX_WORKERS = 4


def _read_rep(path: Path, schema: Schema) -> Side | tuple[str, str]:
    """A worker's job: the rep workbook as :func:`read_side` reads it, or a skip's (reason,
    code)."""
    try:
        return read_side(path, "rep", schema)
    except Skip as exc:
        return str(exc), exc.code


def _watch_parent(parent: int) -> None:
    """In a worker: exit when the sync that started it is gone (killed), so that no worker
    outlives it holding a copy of its files."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class _RepReads:
    """The rep workbooks of a sync, read ahead by a process pool on the other cores when there
    are many (else each is read when asked for). :meth:`side` gives one or raises its
    :class:`Skip`. Once the master is read, :meth:`read_last` reads here those no worker has
    started, last first, while the workers go on from the first; one whose worker failed is
    read here too."""

    def __init__(self, paths: Sequence[Path], schema: Schema, held: Mapping[Path, object]):
        self.schema = schema
        self.pool: ProcessPoolExecutor | None = None
        self.pending: dict[Path, Future[Side | tuple[str, str]]] = {}
        self.read_here: dict[Path, Side | tuple[str, str]] = {}
        files = [p for p in paths if p.resolve() not in held]
        workers = min(POOL_MAX_WORKERS, _cores() - 1, len(files))
        if len(files) < POOL_MIN_WORKBOOKS or workers < 1:
            return
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        try:
            self.pool = ProcessPoolExecutor(
                workers, mp_context=context, initializer=_watch_parent, initargs=(os.getpid(),)
            )
            for path in files:
                self.pending[path] = self.pool.submit(_read_rep, path, schema)
        except OSError:  # no processes to be had: read each here
            self.close()

    def read_last(self) -> None:
        """Read here, from the last, the rep workbooks no worker has started, until one has
        been (the workers take them in order: every one before it is theirs). Each process
        then reads about its share, where taking them in file order left this one waiting
        for the workers' last few while they read the rest."""
        for path in reversed(list(self.pending)):
            if not self.pending[path].cancel():
                break
            del self.pending[path]
            self.read_here[path] = _read_rep(path, self.schema)

    def side(self, path: Path, held: OpenWorkbook | None) -> Side:
        here = self.read_here.pop(path, None)
        if isinstance(here, Side):
            return here
        if here is not None:
            raise Skip(*here)
        future = self.pending.pop(path, None)
        if future is not None and not future.cancel():
            try:
                found = future.result()
            except (BrokenProcessPool, OSError):
                found = None
            if isinstance(found, Side):
                return found
            if found is not None:
                raise Skip(*found)
        return read_side(path, "rep", self.schema, held)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.pending.clear()
        self.read_here.clear()


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# --- the lock ----------------------------------------------------------------------------


@contextmanager
def sync_lock(master: Path, timeout: float) -> Iterator[None]:
    """Hold the master's sync lock; on timeout, name who holds it and since when."""
    folder = kqxl_dir(master)
    folder.mkdir(exist_ok=True)
    lock = FileLock(str(folder / "sync.lock"), timeout=timeout)
    info = folder / "sync.lock.json"
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = json.loads(info.read_text("utf-8"))
        except (OSError, ValueError):
            holder = {}
        raise WorkbookError.from_key(
            "sync_busy",
            path=master,
            who=holder.get("who", "?"),
            since=holder.get("since", "?"),
        ) from None
    try:
        info.write_text(
            json.dumps({"who": _who(), "pid": os.getpid(), "since": _now()}, ensure_ascii=False),
            "utf-8",
        )
        yield
    finally:
        remove_quietly(info)
        lock.release()


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return f"{user}@{socket.gethostname()}"


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


# --- the job -----------------------------------------------------------------------------


def find_workbooks(master: Path, paths: Iterable[str | Path]) -> list[Path]:
    """The rep workbooks named or found in the folders named (the master and Excel's ``~$``
    owner files left out); without paths, the master's folder."""
    given = list(paths) or [master.parent]
    found: list[Path] = []
    for p in map(Path, given):
        if p.is_dir():
            found.extend(
                sorted(
                    q
                    for q in p.iterdir()
                    if q.suffix.lower() in (".xlsx", ".xlsm")
                    and not q.name.startswith(("~$", "."))
                    and q.is_file()
                )
            )
        else:
            found.append(p)
    master_real = master.resolve()
    out: list[Path] = []
    for p in found:
        if p.resolve() != master_real and p not in out:
            out.append(p)
    return out


@paused_collector
def sync_team(
    master: str | Path,
    reps: Iterable[str | Path] = (),
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    schema: Schema = SCHEMA,
    lock_timeout: float = 10.0,
    on_file: Callable[[WorkbookLine], None] | None = None,
    on_read: Callable[[Path], None] | None = None,
    open_books: Mapping[str | Path, OpenWorkbook] | None = None,
) -> SyncReport:
    """Sync ``master`` with each rep workbook in ``reps`` (files or folders; default: the
    master's folder). Returns the report; with ``dry_run`` nothing is written.

    ``open_books`` maps the path of a workbook open in a program (the master or a rep) to its
    port: that workbook is read and written through the port (and saved by it), not as a file.

    Raises :class:`~kqxl.errors.KqxlError` only for a problem with the master or the journal
    (a rep workbook that cannot take part is a skipped line of the report).
    """
    master_path = Path(master)
    if not master_path.is_file():
        raise WorkbookError.from_key("file_not_found", path=master_path)
    rep_paths = find_workbooks(master_path, reps)
    held = {Path(p).resolve(): book for p, book in (open_books or {}).items()}
    with sync_lock(master_path, lock_timeout):
        jpath = journal_path(master_path)
        if dry_run and not jpath.exists():
            return _run(
                master_path, rep_paths, None, dry_run, today, schema, on_file, on_read, held
            )
        with Journal(jpath) as journal:
            return _run(
                master_path, rep_paths, journal, dry_run, today, schema, on_file, on_read, held
            )


def _read_master(path: Path, schema: Schema, held: OpenWorkbook | None = None) -> Side:
    try:
        return read_side(path, "master", schema, held)
    except Skip as exc:
        raise WorkbookError.from_key("master_unusable", path=path, reason=str(exc)) from None


def _read_team(
    master_path: Path,
    rep_paths: Sequence[Path],
    reads: _RepReads,
    copies: _Copies,
    dry_run: bool,
    today: dt.date | None,
    schema: Schema,
    on_read: Callable[[Path], None] | None,
    held: Mapping[Path, OpenWorkbook],
) -> tuple[Side, dict[str, Side], dict[str, WorkbookLine]]:
    """The master and each rep workbook that takes part (rep → side), and a line for each rep
    workbook (path → line, the skipped ones with their reason)."""
    master = _read_master(master_path, schema, held.get(master_path.resolve()))
    if master.keyless and not dry_run:
        copies.keep(master_path)
        master = _with_keys(master, schema, today)
    master_id = master.settings.workbook_id if master.settings else None
    reads.read_last()

    sides: dict[str, Side] = {}
    lines: dict[str, WorkbookLine] = {}
    for path in rep_paths:
        if on_read is not None:
            on_read(path)
        line = WorkbookLine(file=str(path), role="rep")
        try:
            side = reads.side(path, held.get(path.resolve()))
            bound = side.setting(MASTER_CODE)
            if bound is not None and master_id is not None and bound != master_id:
                raise Skip(text(SYNC, "skip_other_master", bound=bound, ours=master_id), "bound")
            rep = line.rep = _rep_name(side, schema)
            if rep in sides:
                raise Skip(text(SYNC, "skip_same_rep", rep=rep, other=sides[rep].path), "same_rep")
            if side.keyless and not dry_run:
                copies.keep(path)
                side = _with_keys(side, schema, today)
            side.rep = rep
        except Skip as exc:
            line.skipped, line.skip_code = str(exc), exc.code
            lines[str(path)] = line
            continue
        sides[rep] = side
        lines[str(path)] = line
    return master, sides, lines


def _run(
    master_path: Path,
    rep_paths: Sequence[Path],
    journal: Journal | None,
    dry_run: bool,
    today: dt.date | None,
    schema: Schema,
    on_file: Callable[[WorkbookLine], None] | None,
    on_read: Callable[[Path], None] | None = None,
    held: Mapping[Path, OpenWorkbook] | None = None,
) -> SyncReport:
    held = held or {}
    report = SyncReport(master=str(master_path), dry_run=dry_run)
    started = _now()
    if journal is not None and not dry_run:
        _repair(journal, today, schema)
    if journal is not None:
        unchanged = _unchanged(journal, master_path, rep_paths, set(held))
        if unchanged is not None:
            report.files = unchanged
            for line in unchanged:
                if on_file is not None:
                    on_file(line)
            return report
    copies = _Copies(master_path, dry_run)
    reads = _RepReads(rep_paths, schema, held)  # under way while the master is read
    try:
        master, sides, lines = _read_team(
            master_path, rep_paths, reads, copies, dry_run, today, schema, on_read, held
        )
    finally:
        reads.close()

    base = journal.base() if journal is not None else {}
    try:
        rules = rules_in_effect(master.grid, None).rules
    except KqxlError as exc:
        raise WorkbookError.from_key(
            "master_unusable", path=master_path, reason=exc.message
        ) from None
    columns = schema_columns(schema, rep_wins(rules, schema))
    tables = {
        sheet.name: SheetTables(
            master=master.sheets[sheet.name].table,
            base=base.get(sheet.name, {}),
            reps={rep: s.sheets[sheet.name].table for rep, s in sides.items()},
            repeated={
                MASTER: frozenset(master.sheets[sheet.name].repeated),
                **{rep: frozenset(s.sheets[sheet.name].repeated) for rep, s in sides.items()},
            },
        )
        for sheet in synced_sheets(schema)
    }
    plan = plan_sync(tables, columns)
    value_lines = team_lines(plan.base.get(schema.customers.name, {}), rules)
    logs = _plan_logs(master, sides, journal, schema)
    headers = {s.name: {c.key: c.header for c in s.columns} for s in synced_sheets(schema)}
    _report_plan(report, plan, headers, lines, sides)

    open_before = journal.open_conflicts() if journal is not None else []
    changed_fields = {(u.sheet, u.key, u.field) for u in plan.changes}
    closing = [
        c
        for c in open_before
        if (c["sheet"], c["key"], c["field"]) in changed_fields
        and not any(
            (k.sheet, k.key, k.field) == (c["sheet"], c["key"], c["field"]) for k in plan.conflicts
        )
    ]
    new_conflicts = [
        c
        for c in plan.conflicts
        if not any(
            (o["sheet"], o["key"], o["field"], o["rep"]) == (c.sheet, c.key, c.field, c.rep)
            and same(o["master_value"], c.master_value)
            and same(o["rep_value"], c.rep_value)
            for o in open_before
        )
    ]
    closed_ids = {int(c["rowid"]) for c in closing}  # type: ignore[arg-type]
    still_open = [c for c in open_before if c["rowid"] not in closed_ids] + [
        {
            "sheet": c.sheet,
            "key": c.key,
            "name": c.name,
            "field": c.field,
            "rep": c.rep,
            "master_value": c.master_value,
            "rep_value": c.rep_value,
            "kept": c.kept,
        }
        for c in new_conflicts
    ]

    edits: list[tuple[Side, WorkbookEdit, WorkbookLine | None]] = []
    master_edit = _edit(
        master, plan.master, schema, _conflict_rows(still_open, headers, None), logs.written
    )
    if master_edit is not None:
        edits.append((master, master_edit, None))
    for rep, side in sides.items():
        mine = _conflict_rows(still_open, headers, rep)
        edit = _with_lines(side, _edit(side, plan.reps.get(rep), schema, mine), value_lines, schema)
        line = lines[str(side.path)]
        if edit is not None:
            edits.append((side, edit, line))
    master_line = WorkbookLine(
        file=str(master_path),
        role="master",
        received=len(plan.master.updates) + len(plan.master.appends) + len(logs.written),
        conflicts=len(plan.conflicts),
        written=master_edit is not None and not dry_run,
    )
    report.files = [master_line, *lines.values()]
    _report_logs(report, logs, lines, sides)
    appends = [*plan.master.appends, *(a for side in plan.reps.values() for a in side.appends)]
    report.changed = len(plan.changes) + sum(
        1 for a in appends for v in a.fields.values() if v is not None
    )
    for line in report.files:
        if on_file is not None:
            on_file(line)

    nothing = (
        not edits
        and not copies.paths
        and not new_conflicts
        and not closing
        and not plan.edits
        and not logs.plan
    )
    if dry_run or journal is None:
        for _, _, unwritten in edits:
            if unwritten is not None:
                unwritten.written = False
        return report
    if nothing and all(
        (was := base.get(s, {}).get(k)) is fields
        or was == {f: v for f, v in fields.items() if v is not None}
        for s, rows in plan.base.items()
        for k, fields in rows.items()
    ):
        return report

    # 1. what will be written, before anything is (a kill while writing loses no value)
    with journal.transaction() as db:
        sync_id = journal.start(db, _who(), str(master_path), started)
        _journal_plan(journal, db, sync_id, plan, headers)
        for side, _, _ in edits:
            journal.add_file(db, sync_id, FileRecord(str(side.path), side.role, None, None, None))
        journal.add_conflicts(
            db,
            sync_id,
            [
                (c.sheet, c.key, c.name, c.field, c.rep, c.master_value, c.rep_value, c.kept)
                for c in new_conflicts
            ],
        )
    report.sync_id = sync_id
    copies.sync_id = sync_id
    # 2. the files; one saved by another program since it was read is left as it is now
    for side, edit, rep_line in edits:
        try:
            _write(side, _stamped(side, edit, sync_id, started), copies, today, schema)
        except WorkbookChangedError as exc:
            copies.drop(side.path)
            if rep_line is None:
                raise  # the master: nothing else is written, the next sync starts afresh
            rep_line.written = False
            rep_line.skipped = text(SYNC, "skip_changed", detail=exc.data.get("detail", ""))
            rep_line.skip_code = "changed"
            _keep_base(plan, base, str(side.rep))
            continue
        if rep_line is not None:
            rep_line.written = True
    master_line.written = master_edit is not None
    # 3. the new base and the files' hashes
    with journal.transaction() as db:
        journal.set_base(db, sync_id, plan.base, base)
        journal.add_logs(db, sync_id, ((a.sheet, a.rep, a.fingerprint) for a in logs.plan))
        journal.close_conflicts(db, sync_id, closed_ids)
        journal.clear_files(db, sync_id)
        for path, (before, backup) in copies.kept.items():
            after = file_stamp(path).sha256
            role = "master" if path == master_path else "rep"
            journal.add_file(db, sync_id, FileRecord(str(path), role, before, after, backup))
        journal.finish(db, sync_id, _now(), report.model_dump_json())
        seen: dict[str, tuple[str, str | None]] = {}
        if not report.skipped:
            seen[str(master_path)] = (file_stamp(master_path).sha256, None)
            for rep, side in sides.items():
                seen[str(side.path)] = (file_stamp(side.path).sha256, rep)
        journal.set_seen(db, seen)
    return report


def _write(
    side: Side, edit: WorkbookEdit, copies: _Copies, today: dt.date | None, schema: Schema
) -> None:
    """Write the sync's edit into ``side`` and recompute it: one read (the one the sync made,
    with the edit applied in memory) and one write of the merged values and the computed
    columns together. A workbook that changed on disk since it was read is refused
    (:class:`~kqxl.errors.WorkbookChangedError`) before anything is copied or written."""
    from kqxl.api import recompute_workbook

    if side.held is not None:  # open in a program: through its port, then saved
        copies.keep(side.path)
        side.book.write(edit)
        recompute_workbook(side.held, today=today, schema=schema)
        side.held.save()  # its file holds the result, as a written file does
        return
    check_stamp(side.path, side.book.stamp)
    copies.keep(side.path)
    if not _in_memory(side, edit):
        # e.g. rows moved out close up: write them first, then recompute what is on disk
        side.book.write(edit)
        recompute_workbook(side.path, today=today, schema=schema)
        return
    recompute_workbook(_Edited(side, edit), today=today, schema=schema)


class _Edited:
    """A workbook port over a workbook the sync read: reading gives its grid with the sync's
    cell changes applied; writing writes those changes together with the edit it is given
    (the recompute's), refused if the file changed since the sync read it."""

    def __init__(self, side: Side, edit: WorkbookEdit) -> None:
        self.side, self.edit = side, edit

    @property
    def name(self) -> str:
        return str(self.side.path)

    @property
    def stamp(self) -> FileStamp | None:
        return self.side.book.stamp

    def read(self, sheets: Iterable[str] | None = None) -> WorkbookGrid:
        grid = self.side.grid
        sheets_out = dict(grid.sheets)
        by_sheet: dict[str, list[CellChange]] = {}
        for ch in self.edit.cells:
            by_sheet.setdefault(ch.sheet, []).append(ch)
        for name, changes in by_sheet.items():
            sheets_out[name] = _applied(grid.sheets[name], changes)
        wanted = None if sheets is None else set(sheets)
        return replace(
            grid,
            sheets={n: g for n, g in sheets_out.items() if wanted is None or n in wanted},
        )

    def write(self, edit: WorkbookEdit) -> WriteReport:
        cells = {(c.sheet, c.row, c.col): c for c in (*self.edit.cells, *edit.cells)}
        return self.side.book.write(
            WorkbookEdit(
                cells=list(cells.values()),
                sheets=[*self.edit.sheets, *edit.sheets],
                rows=self.edit.rows,
                clear_highlights=edit.clear_highlights,
                highlights=edit.highlights,
            )
        )


def _with_lines(
    side: Side, edit: WorkbookEdit | None, lines: ValueLines | None, schema: Schema
) -> WorkbookEdit | None:
    """``edit`` with the team's value lines put into the rep workbook's 设置 sheet when they
    are new to it: always when the workbook is written anyway, else only when they change the
    class of one of its customers (new lines alone do not make a write)."""
    sheet = side.grid.sheets.get(SETTINGS_SHEET)
    if lines is None or sheet is None or side.settings is None:
        return edit
    if lines_of(side.settings.other_rows) == lines:
        return edit
    if edit is None:
        rows = side.sheets[schema.customers.name]
        col = rows.columns.get("value_class")
        held = {k: rows.grid.value(r, col) for k, r in rows.rows.items()} if col else {}
        if not classes_differ(rows.table, lines, held):
            return None
        edit = WorkbookEdit()
    return replace(edit, cells=[*edit.cells, *lines_changes(sheet, lines)])


def _stamped(side: Side, edit: WorkbookEdit, sync_id: int, started: str) -> WorkbookEdit:
    """``edit`` with the time and number of this sync in the workbook's 设置 sheet (上次同步写入):
    only a workbook the sync writes anyway gets it, so a sync with nothing to give rewrites
    nothing."""
    sheet = side.grid.sheets.get(SETTINGS_SHEET)
    if sheet is None:
        return edit
    when = dt.datetime.fromisoformat(started).strftime("%Y-%m-%d %H:%M")
    row = (
        SYNC["setting_last"],
        text(SYNC, "setting_last_value", time=when, id=sync_id),
        SYNC["setting_last_note"],
        LAST_CODE,
    )
    return replace(edit, cells=[*edit.cells, *settings_changes(sheet, [row])])


def _applied(grid: SheetGrid, changes: Sequence[CellChange]) -> SheetGrid:
    """A copy of ``grid`` with ``changes`` made (rows and cells added below and to the right
    as needed; every change lies at or below and right of the grid's first cell)."""
    rows = list(grid.rows)
    copied: set[int] = set()
    for ch in changes:
        i, j = ch.row - grid.first_row, ch.col - grid.first_col
        while len(rows) <= i:
            copied.add(len(rows))
            rows.append([])
        if i not in copied:
            rows[i] = list(rows[i])
            copied.add(i)
        line = rows[i]
        if len(line) <= j:
            line.extend([None] * (j + 1 - len(line)))
        if ch.value is not KEEP:
            line[j] = ch.value  # type: ignore[call-overload]  # KEEP is the only other value
    return replace(grid, rows=rows)


def _in_memory(side: Side, edit: WorkbookEdit) -> bool:
    """Whether the recompute can start from the grid the sync read with ``edit`` applied:
    no rows close up, and every cell lies inside what the grid can grow to."""
    if edit.rows:
        return False
    for ch in edit.cells:
        g = side.grid.sheets.get(ch.sheet)
        if g is None or ch.row < g.first_row or ch.col < g.first_col:
            return False
    return True


def _keep_base(
    plan: SyncPlan, base: Mapping[str, Mapping[str, Mapping[str, CellValue]]], rep: str
) -> None:
    """The new base when ``rep``'s workbook was not written: the fields it was to receive keep
    their old base (so the next sync sends them again, or sees a conflict with what the rep
    saved meanwhile); a row new to it and to the base stays out of the base."""
    changes = plan.reps.get(rep)
    if changes is None:
        return
    for a in changes.appends:
        old = base.get(a.sheet, {}).get(a.key)
        if old is None:
            plan.base[a.sheet].pop(a.key, None)
        else:
            plan.base[a.sheet][a.key] = dict(old)
    for u in changes.updates:
        old = base.get(u.sheet, {}).get(u.key)
        row = plan.base[u.sheet].get(u.key)
        if row is None:
            continue
        if old is None:
            plan.base[u.sheet].pop(u.key, None)
        else:
            plan.base[u.sheet][u.key] = {**row, u.field: old.get(u.field)}


@dataclass(slots=True)
class _Logs:
    """The log rows of this sync: ``plan`` all (recorded as received), ``written`` those the
    master is given, ``no_sheet`` rep → sheet → rows the master has no log sheet for."""

    plan: list[LogAppend] = field(default_factory=list)
    written: list[LogAppend] = field(default_factory=list)
    no_sheet: dict[tuple[str, str], int] = field(default_factory=dict)


def _plan_logs(
    master: Side, sides: Mapping[str, Side], journal: Journal | None, schema: Schema
) -> _Logs:
    out = _Logs()
    sent = journal.logs_sent() if journal is not None else {}
    for sheet in log_sheets(schema):
        reps = {rep: s.logs[sheet.name].rows for rep, s in sides.items() if sheet.name in s.logs}
        if sheet.name not in master.logs:
            for rep, rows in reps.items():
                if rows:
                    out.no_sheet[(rep, sheet.name)] = len(rows)
            continue
        found = plan_logs(sheet.name, master.logs[sheet.name].rows, reps, sent.get(sheet.name, {}))
        out.plan.extend(found)
        out.written.extend(a for a in found if not a.present)
    return out


def _report_logs(
    report: SyncReport, logs: _Logs, lines: Mapping[str, WorkbookLine], sides: Mapping[str, Side]
) -> None:
    by_rep = {rep: lines[str(s.path)] for rep, s in sides.items()}
    counts = Counter((a.rep, a.sheet) for a in logs.written)
    for (rep, sheet), n in sorted(counts.items()):
        by_rep[rep].sent += n
        report.changed += n
        message = text(SYNC, "logs_sent", rep=rep, sheet=sheet, rows=n)
        report.notes.append(NoteLine(kind="logs", sheet=sheet, key="", message=message))
    for (rep, sheet), n in sorted(logs.no_sheet.items()):
        message = text(SYNC, "logs_no_sheet", rep=rep, sheet=sheet, rows=n)
        report.notes.append(NoteLine(kind="logs", sheet=sheet, key="", message=message))


def _unchanged(
    journal: Journal, master: Path, reps: Sequence[Path], held: Iterable[Path] = ()
) -> list[WorkbookLine] | None:
    """The report's lines when every workbook is byte for byte as the last recorded sync left
    it (nothing to merge, so nothing is parsed); None when any differs, is new, or is open
    (other than in ``held``, whose files hold what is open)."""
    seen = journal.seen()
    paths = [master, *reps]
    if not seen or set(seen) != {str(p) for p in paths} or journal.interrupted():
        return None
    open_ok = set(held)
    try:
        for path in paths:
            if path.resolve() not in open_ok:
                check_owner(path, force=False, limits=FileWorkbook(path).limits)
            if file_stamp(path).sha256 != seen[str(path)][0]:
                return None
    except KqxlError:
        return None
    return [
        WorkbookLine(file=str(p), role="master" if p == master else "rep", rep=seen[str(p)][1])
        for p in paths
    ]


def _repair(journal: Journal, today: dt.date | None, schema: Schema) -> None:
    """Finish what a sync killed while writing left: its files hold the merged values (each
    write is atomic) but perhaps not yet their recomputed columns."""
    from kqxl.api import recompute_workbook

    for sync_id, paths in journal.interrupted().items():
        for name in paths:
            path = Path(name)
            if path.is_file():
                # one that cannot be recomputed is read next by the sync and skipped with its reason
                with contextlib.suppress(KqxlError):
                    recompute_workbook(path, today=today, schema=schema)
        with journal.transaction() as db:
            journal.mark_interrupted(db, sync_id)


class _Copies:
    """The copy of each file as it was before this sync first wrote it (for undo)."""

    def __init__(self, master: Path, dry_run: bool) -> None:
        self.folder = kqxl_dir(master) / "sync"
        self.dry_run = dry_run
        self.sync_id: int | None = None
        self.kept: dict[Path, tuple[str, str]] = {}
        self._pending: list[Path] = []

    @property
    def paths(self) -> list[Path]:
        return list(self.kept)

    def drop(self, path: Path) -> None:
        """``path`` was not written after all."""
        self.kept.pop(path, None)

    def keep(self, path: Path) -> None:
        if self.dry_run or path in self.kept:
            return
        stamp = file_stamp(path)
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{stamp.sha256[:16]}-{path.name}"
        if not target.exists():
            tmp = temp_name(target)
            shutil.copyfile(path, tmp)
            fsync_file(tmp)
            replace_file(tmp, target, None)
        self.kept[path] = (stamp.sha256, str(target))


def _with_keys(side: Side, schema: Schema, today: dt.date | None) -> Side:
    """The workbook after a recompute gave its rows without a key one."""
    from kqxl.api import recompute_workbook

    try:
        recompute_workbook(side.target, today=today, schema=schema)
        if side.held is not None:  # the keys must not live only in the open book
            side.held.save()
        return read_side(side.path, side.role, schema, side.held)
    except KqxlError as exc:
        raise Skip(exc.message, exc.code) from None


def _report_plan(
    report: SyncReport,
    plan: SyncPlan,
    headers: dict[str, dict[str, str]],
    lines: dict[str, WorkbookLine],
    sides: dict[str, Side],
) -> None:
    from kqxl.sync.journal import describe

    by_rep = {rep: lines[str(s.path)] for rep, s in sides.items()}
    for rep, changes in plan.reps.items():
        line = by_rep.get(rep)
        if line is not None:
            line.received = len(changes.updates) + len(changes.appends) + len(changes.moves_out)
    sent = Counter(u.origin for u in plan.master.updates)
    sent.update(str(a.fields.get("owner_rep")) for a in plan.master.appends if not a.restored)
    for rep, line in by_rep.items():
        line.sent = sent.get(rep, 0)
        line.conflicts = sum(1 for c in plan.conflicts if c.rep == rep)
    for c in plan.conflicts:
        report.conflicts.append(
            ConflictLine(
                sheet=c.sheet,
                key=c.key,
                name=c.name,
                column=headers[c.sheet][c.field],
                rep=c.rep,
                master_value=describe(c.master_value),
                rep_value=describe(c.rep_value),
                kept=describe(c.kept),
            )
        )
    for r in plan.refused:
        report.notes.append(
            NoteLine(
                kind="refused",
                sheet=r.sheet,
                key=r.key,
                message=text(
                    SYNC,
                    f"refused_{r.reason}",
                    rep=r.rep,
                    column=headers[r.sheet][r.field],
                    value=describe(r.value),
                ),
            )
        )
    for rep, changes in plan.reps.items():
        for sheet, key in changes.moves_out:
            owner = plan.base.get(sheet, {}).get(key, {}).get("owner_rep")
            report.notes.append(
                NoteLine(
                    kind="moved",
                    sheet=sheet,
                    key=key,
                    message=text(
                        SYNC,
                        "moved",
                        owner=owner or "?",
                        rep=rep,
                        sheet=sheet,
                        target=moved_sheet(sheet),
                    ),
                )
            )
    for m in plan.missing:
        where = SYNC["master"] if m.side == MASTER else text(SYNC, "rep_workbook", rep=m.side)
        report.notes.append(
            NoteLine(
                kind="missing",
                sheet=m.sheet,
                key=m.key,
                message=text(SYNC, "missing", side=where),
            )
        )
    for col in plan.collisions:
        sides_text = "、".join(text(SYNC, "master") if s == MASTER else s for s in col.sides)
        report.notes.append(
            NoteLine(
                kind="collision",
                sheet=col.sheet,
                key=col.key,
                message=text(SYNC, "collision", sides=sides_text),
            )
        )
    for d in plan.duplicates:
        rows = "、".join(f"{k}“{n}”（{o or '?'}）" for k, n, o in d.rows)
        report.notes.append(
            NoteLine(
                kind="duplicate",
                sheet=d.sheet,
                key=d.rows[0][0],
                message=text(SYNC, "duplicate", rows=rows),
            )
        )


def _journal_plan(
    journal: Journal,
    db: object,
    sync_id: int,
    plan: SyncPlan,
    headers: dict[str, dict[str, str]],
) -> None:
    import sqlite3

    assert isinstance(db, sqlite3.Connection)
    for u in plan.edits:
        journal.add_change(
            db, sync_id, MASTER, u.sheet, u.key, u.field, u.old, u.new, MASTER, "edit"
        )
    for u in plan.master.updates:
        journal.add_change(
            db, sync_id, MASTER, u.sheet, u.key, u.field, u.old, u.new, u.origin, "update"
        )
    for a in plan.master.appends:
        origin = MASTER if a.restored else str(a.fields.get("owner_rep"))
        for f, v in sorted(a.fields.items()):
            if v is not None:
                journal.add_change(
                    db, sync_id, MASTER, a.sheet, a.key, f, None, v, origin, "append"
                )
    for rep, side in plan.reps.items():
        for u in side.updates:
            journal.add_change(
                db, sync_id, rep, u.sheet, u.key, u.field, u.old, u.new, u.origin, "update"
            )
        for a in side.appends:
            for f, v in sorted(a.fields.items()):
                if v is not None:
                    journal.add_change(
                        db, sync_id, rep, a.sheet, a.key, f, None, v, MASTER, "append"
                    )
        for sheet, key in side.moves_out:
            journal.add_change(db, sync_id, rep, sheet, key, "", None, None, MASTER, "move_out")
    for c in plan.conflicts:
        journal.add_change(
            db, sync_id, c.rep, c.sheet, c.key, c.field, c.rep_value, c.kept, c.rep, "conflict"
        )
    for r in plan.refused:
        journal.add_change(
            db, sync_id, r.rep, r.sheet, r.key, r.field, None, r.value, r.rep, "refused"
        )


# --- building one workbook's edit --------------------------------------------------------


def _conflict_rows(
    entries: list[dict[str, CellValue]], headers: dict[str, dict[str, str]], rep: str | None
) -> list[list[CellValue]]:
    rows: list[list[CellValue]] = []
    for c in entries:
        if rep is not None and c["rep"] != rep:
            continue
        sheet = str(c["sheet"])
        rows.append(
            [
                c["key"],
                c["name"],
                sheet,
                headers[sheet].get(str(c["field"]), c["field"]),
                c["rep"],
                c["master_value"],
                c["rep_value"],
                c["kept"],
            ]
        )
    return rows


def _sheet_content(grid: SheetGrid | None, name: str, rows: list[list[CellValue]]) -> bool:
    """Whether ``grid`` already holds exactly ``rows`` (from A1)."""
    if grid is None:
        return not rows
    have = [[clean(v) for v in r] for r in grid.rows if any(clean(v) is not None for v in r)]
    want = [[clean(v) for v in r] for r in rows if any(clean(v) is not None for v in r)]

    def trim(r: list[CellValue]) -> list[CellValue]:
        while r and r[-1] is None:
            r = r[:-1]
        return r

    return (
        grid.first_row == 1
        and grid.first_col == 1
        and [trim(r) for r in have] == [trim(r) for r in want]
    )


def _edit(
    side: Side,
    changes: object,
    schema: Schema,
    conflicts: list[list[CellValue]],
    logs: Sequence[LogAppend] = (),
) -> WorkbookEdit | None:
    from kqxl.sync.merge import SideChanges

    cells: list[CellChange] = []
    sheets: list[SheetContent] = []
    rows: list[RowDelete] = []
    if isinstance(changes, SideChanges):
        for u in changes.updates:
            s = side.sheets[u.sheet]
            col = s.columns.get(u.field)
            row = s.rows.get(u.key)
            if col is not None and row is not None:
                cells.append(CellChange(u.sheet, row, col, u.new))
        next_row = {name: s.last_row for name, s in side.sheets.items()}
        for a in changes.appends:
            s = side.sheets[a.sheet]
            next_row[a.sheet] += 1
            r = next_row[a.sheet]
            key_col = s.columns[schema.sheet(a.sheet).key_column]
            cells.append(CellChange(a.sheet, r, key_col, a.key))
            for f, v in a.fields.items():
                col = s.columns.get(f)
                if col is not None and v is not None:
                    cells.append(CellChange(a.sheet, r, col, v))
        moved: dict[str, list[str]] = {}
        for sheet, key in changes.moves_out:
            moved.setdefault(sheet, []).append(key)
        for sheet, keys in moved.items():
            s = side.sheets[sheet]
            target = moved_sheet(sheet)
            existing = side.grid.sheets.get(target)
            header = [s.grid.value(s.header_row, c) for c in range(1, max(s.columns.values()) + 1)]
            content: list[list[CellValue]] = [[text(SYNC, "moved_title")], header]
            if existing is not None:
                content.extend(list(r) for r in existing.rows[2:])
            for key in keys:
                r = s.rows[key]
                content.append([s.grid.value(r, c) for c in range(1, len(header) + 1)])
                rows.append(RowDelete(sheet, r))
            sheets.append(SheetContent(target, content, header_rows=2))
    conflict_rows = (
        [text(SYNC, "conflict_title")],
        [
            SYNC[f"conflict_{h}"]
            for h in ("key", "name", "sheet_name", "column", "rep", "master", "rep_value", "kept")
        ],
    )
    if conflicts or CONFLICT_SHEET in side.grid.sheets:
        content = [list(conflict_rows[0]), list(conflict_rows[1]), *conflicts]
        if not _sheet_content(side.grid.sheets.get(CONFLICT_SHEET), CONFLICT_SHEET, content):
            sheets.append(SheetContent(CONFLICT_SHEET, content, header_rows=2))
    next_log = {name: lr.last_row for name, lr in side.logs.items()}
    for log in logs:
        lr = side.logs[log.sheet]
        next_log[log.sheet] += 1
        for f, v in log.fields.items():
            if v is not None and f in lr.columns:
                cells.append(CellChange(log.sheet, next_log[log.sheet], lr.columns[f], v))
    if not (cells or sheets or rows):
        return None
    return WorkbookEdit(cells=cells, sheets=sheets, rows=rows)
