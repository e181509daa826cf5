"""The library jobs the CLI (and the Excel add-in) call: one function per job.

Each job reads a workbook, runs the pure engine and, where it writes, patches only the cells
kqxl owns through :func:`kqxl.book.patch_workbook` (backup + atomic replace).

>>> from kqxl.api import validate_workbook
>>> result = validate_workbook("团队总表.xlsx")          # doctest: +SKIP
>>> [f.message for f in result.findings]                 # doctest: +SKIP

Several files at once: :func:`validate_workbooks` and :func:`recompute_workbooks` return a
:class:`BatchResult` with one entry per file, in order, the files that failed included (with
their error code): a file that cannot be read or written does not stop the others.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import compress, repeat
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

try:  # the changed cells sieved in C (setup.py); without a compiler at install, by map
    from kqxl import _speedups
except ImportError:  # pragma: no cover - the C part is built wherever the tests run
    _speedups = None  # type: ignore[assignment]

from kqxl.board import BOARD_SHEET, board_scope, plan_board, read_board
from kqxl.book import CellChange, CellColumns, read_workbook
from kqxl.book.highlight import HIGHLIGHT_MARK, HighlightRule
from kqxl.book.port import Workbook, WorkbookEdit, open_workbook
from kqxl.book.recalc import recalculate
from kqxl.book.settings import SETTINGS_SHEET
from kqxl.cells import CellValue, Money, Percent, WorkbookGrid, column_index, column_letter
from kqxl.collector import paused_collector
from kqxl.engine import (
    BookResult,
    Output,
    OutputKind,
    OutputValue,
    System,
    evaluate,
    explanation_text,
    registered,
)
from kqxl.engine.board import Board
from kqxl.engine.results import output_column, row_numbers
from kqxl.engine.validate import SheetData
from kqxl.errors import ErrorInfo, KqxlError, OptionError
from kqxl.rules import Rules, default_rules_text, dump_rules, load_rules
from kqxl.rules.io import RulesInfo
from kqxl.rules.sheet import RULES_SHEET
from kqxl.schema import SCHEMA, Schema
from kqxl.stored import RulesInEffect, StoredPlan, plan_stored, rules_in_effect
from kqxl.sync.apply import SyncReport, WorkbookLine
from kqxl.sync.team import grid_lines
from kqxl.texts import LABELS, STORED, text
from kqxl.tidy import plan_tidy

JOINER = LABELS["joiner"]
# Between a cell's reference and its message in 校验 ("C5：…"); kqxl's highlight formula
# looks for the joiner, the reference and this, so C5 never matches C50 or AC5.
REF_SEPARATOR = "："


class RecomputeResult(BaseModel):
    """What ``kqxl recompute`` did: the evaluation, and where it wrote."""

    result: BookResult
    written_to: str
    backup: str | None = None
    cells_changed: int = 0
    workbook_id: str | None = None  # the id in the workbook's 设置 sheet (part of every key)
    keys_assigned: dict[str, int] = {}  # sheet → keys given to rows that had none
    rules_stored: bool = False  # the rules in effect were stored in the 规则 sheet
    unchanged: bool = False  # every computed cell already held its value: nothing was written
    cells_tidied: int = 0  # input cells read leniently, rewritten as typed values (--tidy)
    board: Board | None = None  # the 看板 figures written, when the workbook has that sheet


@paused_collector
def validate_workbook(
    book: Workbook | str | Path,
    *,
    rules: Rules | str | Path | None = None,
    today: dt.date | None = None,
    schema: Schema = SCHEMA,
    systems: Iterable[System] | None = None,
    recalc: bool = False,
) -> BookResult:
    """Read a workbook (a path or a :class:`~kqxl.book.port.Workbook`) and return its
    findings and the computed systems' outputs (grades, heats …); writes nothing.
    ``systems``: default, the registered ones.

    ``rules`` (a :class:`Rules` or a rules file) replaces the rules stored in the workbook's
    规则 sheet; without it those are used, or the shipped default if it stores none.

    A formula saved without its computed value reads as blank with a notice
    (``formula_not_calculated``); with ``recalc`` LibreOffice computes such formulas on a copy
    of the file (:func:`kqxl.book.recalc.recalculate`).
    """
    return _evaluate(open_workbook(book), rules, today, schema, systems, recalc)[2]


def sheets_read(schema: Schema = SCHEMA) -> list[str]:
    """The sheets validate and recompute read: the schema's, and kqxl's own 规则, 设置 and
    说明 (for its rules line). No other sheet is opened, however large or odd it is."""
    own = [RULES_SHEET, SETTINGS_SHEET, LABELS["sheet_readme"], BOARD_SHEET]
    return [*(sheet.name for sheet in schema.sheets), *own]


def _evaluate(
    book: Workbook,
    rules: Rules | str | Path | None,
    today: dt.date | None,
    schema: Schema,
    systems: Iterable[System] | None,
    recalc: bool = False,
    validated: dict[str, SheetData] | None = None,
) -> tuple[WorkbookGrid, RulesInEffect, BookResult]:
    grid = book.read(sheets_read(schema))  # no other sheet is opened
    if recalc:
        grid = recalculate(grid)
    chosen = rules_in_effect(grid, rules)
    # a rep workbook classes its customers by the team's value lines (kqxl.sync.team)
    context = {"value_lines": grid_lines(grid)}
    result = evaluate(
        grid, chosen.rules, today or dt.date.today(), schema, systems, context, validated
    )
    result.rules = chosen.info
    return grid, chosen, result


@paused_collector
def recompute_workbook(
    book: Workbook | str | Path,
    *,
    out: str | Path | None = None,
    rules: Rules | str | Path | None = None,
    today: dt.date | None = None,
    force: bool = False,
    backup: bool = True,
    keep_backups: int = 20,
    schema: Schema = SCHEMA,
    systems: Iterable[System] | None = None,
    recalc: bool = False,
    tidy: bool = False,
) -> RecomputeResult:
    """Fill the computed columns (of every registered system, or of ``systems``) and mark
    invalid cells.

    Writes in place (with a backup in ``.kqxl/backups/``) unless ``out`` names a new file
    (an existing one only with ``force``, and it is backed up first). Only computed cells whose
    value changes, kqxl's highlight (one conditional format per sheet), the keys of rows
    without one and kqxl's own sheets (设置; 规则 and 说明's rules line when ``rules`` differ
    from the stored ones) are touched; everything else stays as it was. When nothing changes,
    an in-place recompute writes nothing, keeps no backup, and says ``unchanged``. ``out``,
    ``force``, ``backup`` and ``keep_backups`` apply when ``book`` is a path. ``recalc``: as in
    :func:`validate_workbook`. ``tidy``:
    also rewrite each input cell read leniently (``120万``, ``2024.5.3``, ``Y``, a synonym) as
    the typed value it was read as (:func:`kqxl.tidy.plan_tidy`); its notice goes.
    """
    run = tuple(registered() if systems is None else systems)
    port = open_workbook(book, out=out, force=force, backup=backup, keep_backups=keep_backups)
    planned = _plan_recompute_write(port, rules, today, schema, run, recalc, tidy)
    result, stored, tidied, board, changes = planned
    del planned  # the workbook as read is gone by now: the write holds only the changes
    report = port.write(
        WorkbookEdit(
            cells=changes,
            sheets=stored.sheets,
            clear_highlights=tuple(result.layouts),
            highlights=plan_highlights(result, schema),
        )
    )
    return RecomputeResult(
        result=result,
        written_to=report.written_to,
        backup=report.backup,
        cells_changed=report.cells_changed,
        workbook_id=stored.settings.workbook_id,
        keys_assigned=stored.keys_assigned,
        rules_stored=stored.rules_stored,
        unchanged=report.unchanged,
        cells_tidied=len(tidied),
        board=board,
    )


def _plan_recompute_write(
    port: Workbook,
    rules: Rules | str | Path | None,
    today: dt.date | None,
    schema: Schema,
    run: tuple[System, ...],
    recalc: bool,
    tidy: bool,
) -> tuple[BookResult, StoredPlan, list[CellChange], Board | None, CellColumns]:
    """Read and evaluate the workbook and plan its write: the result, kqxl's own sheets, the
    tidied cells, the 看板 and every cell change. The grid read stays inside, so that it is
    freed before the write starts."""
    validated: dict[str, SheetData] = {}  # the sheets' validated columns, for the 看板
    grid, chosen, result = _evaluate(port, rules, today, schema, run, recalc, validated)
    stored = plan_stored(grid, result, chosen, schema)
    tidied: list[CellChange] = []
    if tidy:
        tidied, settled = plan_tidy(
            result, chosen.rules, date1904=grid.date1904, schema=schema, systems=run
        )
        done = {id(f) for f in settled}
        result.findings = [f for f in result.findings if id(f) not in done]
    # with --recalc the grid holds LibreOffice's values, not the file's: write every cell
    current = None if recalc else grid
    changes = CellColumns()
    changes.extend(stored.changes)  # the keys column by column
    changes.extend(tidied)
    changes.extend(plan_recompute(result, schema, run, current=current))
    board = _board(grid, result, chosen.rules, today or dt.date.today(), validated)
    if board is not None:
        changes.extend(_only_changed(plan_board(board), current))
    return result, stored, tidied, board, changes


def _board(
    grid: WorkbookGrid,
    result: BookResult,
    rules: Rules,
    today: dt.date,
    validated: Mapping[str, SheetData] | None = None,
) -> Board | None:
    """The 看板 figures, when the workbook has kqxl's 看板 sheet (the master's, per rep, or a
    rep workbook's own); None for a workbook without one (made before it existed)."""
    sheet = grid.sheets.get(BOARD_SHEET)
    scope = board_scope(sheet) if sheet is not None else None
    if scope is None:
        return None
    return read_board(grid, result, rules, today, scope, validated)


class RulesExport(BaseModel):
    """What ``kqxl rules export`` writes: the rules in effect as an editable TOML text."""

    toml: str
    rules: RulesInfo


def export_rules(workbook: str | Path | None = None) -> RulesExport:
    """The rules in effect for ``workbook`` (its 规则 sheet, else the default) as TOML text.

    Without a workbook, the shipped default rules file with its comments. The text loads back
    to the same rules (same fingerprint): edit it, check it with ``kqxl rules check``, store it
    with ``kqxl recompute --rules``.
    """
    if workbook is None:
        rules = load_rules(None)
        info = RulesInfo.of(rules, "default")
        body = default_rules_text()
    else:
        book = read_workbook(workbook)
        chosen = rules_in_effect(book, None)
        info = chosen.info
        body = default_rules_text() if info.source == "default" else dump_rules(chosen.rules)
    where = info.where()
    if info.source == "workbook":
        where = text(STORED, "rules_where_workbook_named", path=workbook)
    header = text(STORED, "export_header", rules=info.describe(), where=where)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return RulesExport(toml=comment + body, rules=info)


def _joined(items: Iterable[str]) -> str | None:
    text = JOINER.join(items)
    return text or None


def _reasons_cell(value: OutputValue, output: Output) -> CellValue:
    if value is None or isinstance(value, tuple):
        return explanation_text(value, output.empty) or None
    raise TypeError(f"{output.key}: reasons expected, got {type(value).__name__}")


def _plain_cell(value: OutputValue, output: Output) -> CellValue:
    if isinstance(value, tuple):
        raise TypeError(f"{output.key}: a {output.kind.value} value expected, got reasons")
    return value


def _shown_as(kind: type[Percent] | type[Money]) -> Callable[[OutputValue, Output], CellValue]:
    """A formatter whose numbers tell the writer to show them as percents or amounts."""

    def cell(value: OutputValue, output: Output) -> CellValue:
        plain = _plain_cell(value, output)
        return (
            kind(plain) if isinstance(plain, int | float) and not isinstance(plain, bool) else plain
        )

    return cell


# How each kind of output becomes a cell value (a percent is a fraction, shown as 70%; an
# amount gets a number format even where the column has none).
CELL_FORMATTERS: dict[OutputKind, Callable[[OutputValue, Output], CellValue]] = {
    OutputKind.TEXT: _plain_cell,
    OutputKind.NUMBER: _plain_cell,
    OutputKind.PERCENT: _shown_as(Percent),
    OutputKind.MONEY: _shown_as(Money),
    OutputKind.DATE: _plain_cell,
    OutputKind.REASONS: _reasons_cell,
}


def plan_recompute(
    result: BookResult,
    schema: Schema = SCHEMA,
    systems: Iterable[System] | None = None,
    *,
    current: WorkbookGrid | None = None,
) -> CellColumns:
    """The cell changes that write ``result`` into its workbook (pure; no I/O), kept
    column-wise (:class:`CellColumns`; iterating gives each ``CellChange``).

    For each sheet of ``schema`` the workbook has, each row, and each written output of the
    systems of that sheet (default: the registered ones) whose computed column the sheet has:
    one change, through the formatter of the output's kind. Then each row's 校验 (its
    findings). With ``current`` (the workbook as read) only cells whose value differs from
    what it holds are changed. Invalid cells are marked by :func:`plan_highlights`.
    """
    row_messages: dict[str, dict[int, list[str]]] = {}  # sheet → row → its 校验 messages
    for finding in result.findings:
        if finding.row is None:
            continue
        quiet = LABELS["notice_prefix"] if finding.level == "notice" else ""
        row_messages.setdefault(finding.sheet, {}).setdefault(finding.row, []).append(
            f"{quiet}{finding.column}{finding.row}{REF_SEPARATOR}{finding.message}"
            if finding.column
            else quiet + finding.message
        )

    # A computed cell a merge hides is a finding (merged_output) and is not written: the
    # writer refuses values no spreadsheet would show.
    hidden: set[tuple[str, int, int]] = set()
    for finding in result.findings:
        if finding.code == "merged_output" and finding.row and finding.column and finding.value:
            last = finding.value.rsplit(":", 1)[-1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            col = _col(finding.column)
            hidden.update((finding.sheet, r, col) for r in range(finding.row, int(last) + 1))

    plan = CellColumns()
    chosen = tuple(registered() if systems is None else systems)
    for sheet in schema.sheets:
        layout = result.layouts.get(sheet.name)
        if layout is None:
            continue
        computed = {c.key for c in sheet.columns if c.is_computed}
        writes: list[tuple[Output, int, Callable[[OutputValue, Output], CellValue]]] = [
            (o, layout.columns[o.key], CELL_FORMATTERS[o.kind])
            for s in chosen
            if s.sheet == sheet.name
            for o in s.outputs
            if o.written and o.key in computed and o.key in layout.columns
        ]
        checks = layout.columns.get("checks") if "checks" in computed else None
        grid = current.sheets.get(sheet.name) if current is not None else None
        pending = grid.pending if grid is not None else {}
        hides = any(name == sheet.name for name, _r, _c in hidden)
        name = sheet.name
        rows = grid.rows if grid is not None else []
        first_row = grid.first_row if grid is not None else 1
        first_col = grid.first_col if grid is not None else 1
        results = result.sheet(name)
        numbers = row_numbers(results)
        held_rows: list[Sequence[CellValue]] = [
            rows[i] if 0 <= i < len(rows) else () for i in (row - first_row for row in numbers)
        ]
        widths = (min(map(len, held_rows), default=0), max(map(len, held_rows), default=0))
        columns: list[tuple[int, Sequence[CellValue]]] = [
            (col, _formatted(output_column(results, output.key), output, cell))
            for output, col, cell in writes
        ]
        if checks is not None:
            # each row's 校验: its findings' messages joined, None for a row without any
            messages = row_messages.get(name, {}).get
            joined = [_joined(m) if m else None for m in map(messages, numbers)]
            columns.append((checks, joined))
        # column by column: each column's values, what the cells hold, and the rows that differ
        for col, new_col in columns:
            if grid is None:
                changed: Sequence[int] | None = None  # every row
            else:
                changed = _changed_rows(held_rows, widths, col - first_col, new_col)
                if pending:
                    forced = {i for i, row in enumerate(numbers) if (row, col) in pending}
                    changed = sorted(forced.union(changed))
            to_rows, to_values = plan.column(name, col)
            if hides:
                for i in range(len(new_col)) if changed is None else changed:
                    if (name, numbers[i], col) not in hidden:
                        to_rows.append(numbers[i])
                        to_values.append(new_col[i])
            elif changed is None:
                to_rows.extend(numbers)
                to_values.extend(new_col)
            else:
                to_rows.extend(map(numbers.__getitem__, changed))
                to_values.extend(map(new_col.__getitem__, changed))
    return plan


def _changed_rows(
    held_rows: Sequence[Sequence[CellValue]],
    widths: tuple[int, int],
    j: int,
    new_col: Sequence[CellValue],
) -> list[int]:
    """The indexes of ``new_col`` whose value differs from what column ``j`` of ``held_rows``
    holds (``widths``: the shortest and longest of those rows). Decided in C over the column
    (:func:`_differs` only for a cell that holds something else): a column that is blank in
    every row (every computed column of a first recompute) differs wherever its value is not
    blank."""
    if _speedups is not None and isinstance(held_rows, list) and isinstance(new_col, list):
        return _changed_rows_c(held_rows, j, new_col)
    held_col: list[CellValue] | None = None  # None: no row reaches the column
    if 0 <= j < widths[0]:
        held_col = list(map(operator.itemgetter(j), held_rows))
    elif 0 <= j < widths[1]:
        held_col = [line[j] if j < len(line) else None for line in held_rows]
    if held_col is None or held_col.count(None) == len(held_col):
        # every cell blank: a value differs where it is not blank
        return list(
            compress(
                range(len(new_col)),
                map(
                    operator.and_,
                    map(operator.is_not, new_col, repeat(None)),
                    map(operator.ne, new_col, repeat("")),
                ),
            )
        )
    # the usual cell holds its value already: same type and equal, decided in C
    same = map(
        operator.and_,
        map(operator.is_, map(type, held_col), map(type, new_col)),
        map(bool, map(operator.eq, held_col, new_col)),
    )
    return [
        i
        for i in compress(range(len(new_col)), map(operator.not_, same))
        if (held_col[i] is None and new_col[i] != "") or _differs(held_col[i], new_col[i])
    ]


def _changed_rows_c(
    held_rows: list[Sequence[CellValue]], j: int, new_col: list[CellValue]
) -> list[int]:
    """:func:`_changed_rows` with its first sieve (type and ``==``, and whether the column is
    blank) in C, one pass over the rows (``kqxl._speedups.differing``)."""
    sieved, blank = _speedups.differing(held_rows, j, new_col)
    if blank:  # sieved: the values that are not None; of those, "" is blank too
        return list(
            compress(sieved, map(operator.ne, map(new_col.__getitem__, sieved), repeat("")))
        )
    out = []
    for i in sieved:
        line = held_rows[i]
        held = line[j] if 0 <= j < len(line) else None
        if (held is None and new_col[i] != "") or _differs(held, new_col[i]):
            out.append(i)
    return out


def _formatted(
    values: Sequence[OutputValue],
    output: Output,
    cell: Callable[[OutputValue, Output], CellValue],
) -> Sequence[CellValue]:
    """The cells of one output's column: ``values`` through its formatter. A plain value
    is its own cell (checked over the column in C); the engine shares one reasons tuple among
    the rows that have it, so each text is built once (keyed by identity: ``values`` keeps
    the tuples alive), and so is each percent or amount."""
    if cell is _plain_cell and tuple not in set(map(type, values)):
        return values  # type: ignore[return-value]
    done: dict[object, CellValue] = {}
    out: list[CellValue] = []
    for value in values:
        kind = value.__class__
        key: object = id(value) if kind is tuple else (kind, value)
        if key in done:
            out.append(done[key])
        else:
            out.append(done.setdefault(key, cell(value, output)))
    return out


def _only_changed(changes: Iterable[CellChange], current: WorkbookGrid | None) -> list[CellChange]:
    """The ``changes`` that change a cell of ``current`` (all of them without it)."""
    if current is None:
        return list(changes)
    kept = []
    for change in changes:
        grid = current.sheets.get(change.sheet)
        if (
            grid is None
            or (change.row, change.col) in grid.pending
            or _differs(grid.value(change.row, change.col), change.value)  # type: ignore[arg-type]
        ):
            kept.append(change)
    return kept


def _differs(held: CellValue, new: CellValue) -> bool:
    """Whether writing ``new`` changes a cell that reads as ``held`` (a number is the same
    number whether int or float; text, a flag, a date only as itself; empty text reads back
    as a blank)."""
    held = None if held == "" else held
    new = None if new == "" else new
    if held is None or new is None:
        return held is not new
    numbers = (int, float)
    if (
        isinstance(held, numbers)
        and isinstance(new, numbers)
        and not isinstance(held, bool)
        and not isinstance(new, bool)
    ):
        return held != new
    return type(held) is not type(new) or held != new


def plan_highlights(result: BookResult, schema: Schema = SCHEMA) -> list[HighlightRule]:
    """kqxl's highlight of each sheet of ``schema`` the workbook has (pure; no I/O).

    One conditional format over the sheet's data (first data row to last, first column to
    the last known one): a cell is highlighted while its row's 校验 holds a message that
    starts with its reference, ``C5：…`` (a notice, ``提示：C5：…``, marks nothing: the cell is
    not wrong). The formula uses only ADDRESS, ROW, COLUMN, FIND and ISNUMBER, which Excel, WPS
    and LibreOffice compute alike; FIND (not SEARCH) treats ``?`` and ``*`` as themselves. A
    sheet without a 校验 column gets no highlight (an older one is removed).
    """
    rules: list[HighlightRule] = []
    for sheet in schema.sheets:
        layout = result.layouts.get(sheet.name)
        if layout is None:
            continue
        checks = layout.columns.get("checks")
        if checks is None or not layout.columns:
            rules.append(HighlightRule(sheet.name, None))
            continue
        first = layout.first_data_row
        last = max(layout.last_row, first)
        last_col = max(layout.columns.values())
        joiner = _formula_text(JOINER)
        mark = f"{joiner}&{HIGHLIGHT_MARK}&{_formula_text(REF_SEPARATOR)}"
        formula = f"ISNUMBER(FIND({mark},{joiner}&${column_letter(checks)}{first}))"
        rules.append(
            HighlightRule(sheet.name, f"A{first}:{column_letter(last_col)}{last}", formula)
        )
    return rules


def _formula_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _col(letters: str) -> int:
    return column_index(letters)


# --- batches: one result shape for one or many files ---------------------------------------

ResultT = TypeVar("ResultT", bound=BaseModel)


class FileOutcome(BaseModel, Generic[ResultT]):
    """One file of a batch: its result, or the error that stopped the job on it."""

    file: str
    ok: bool
    result: ResultT | None = None
    error: ErrorInfo | None = None


class BatchResult(BaseModel, Generic[ResultT]):
    """A job run over files: one entry per file, in the order given, failed files included.

    ``--json`` of ``kqxl validate`` / ``kqxl recompute`` prints exactly this, for one file or
    many.
    """

    files: list[FileOutcome[ResultT]]

    @property
    def failed(self) -> list[FileOutcome[ResultT]]:
        """The entries whose job could not be done."""
        return [f for f in self.files if not f.ok]

    @property
    def results(self) -> list[ResultT]:
        """The results of the files that went through."""
        return [f.result for f in self.files if f.result is not None]


def _check_rules(rules: Rules | str | Path | None) -> None:
    """A bad rules file stops a batch before any file is read (each job loads it again, cheap,
    so that results name the file the rules came from)."""
    if rules is not None and not isinstance(rules, Rules):
        load_rules(Path(rules))


def _run_batch(
    paths: Iterable[str | Path],
    job: Callable[[Path], ResultT],
    on_file: Callable[[FileOutcome[ResultT]], None] | None,
) -> BatchResult[ResultT]:
    # Only failures kqxl raises on purpose are a file's outcome; a bug of kqxl's own propagates
    # (reported as internal, never as a fault of the file).
    outcomes: list[FileOutcome[ResultT]] = []
    for path in paths:
        try:
            outcome = FileOutcome[ResultT](file=str(path), ok=True, result=job(Path(path)))
        except KqxlError as exc:
            outcome = FileOutcome[ResultT](file=str(path), ok=False, error=exc.info())
        if on_file is not None:
            on_file(outcome)
        outcomes.append(outcome)
    return BatchResult[ResultT](files=outcomes)


def validate_workbooks(
    paths: Iterable[str | Path],
    *,
    rules: Rules | str | Path | None = None,
    today: dt.date | None = None,
    schema: Schema = SCHEMA,
    systems: Iterable[System] | None = None,
    on_file: Callable[[FileOutcome[BookResult]], None] | None = None,
    recalc: bool = False,
) -> BatchResult[BookResult]:
    """:func:`validate_workbook` for each of ``paths``; ``on_file`` sees each entry as it is done.

    A bad rules file raises :class:`~kqxl.errors.RulesError` before any file is read.

    >>> batch = validate_workbooks(["张三.xlsx", "李四.xlsx"])    # doctest: +SKIP
    >>> [(f.file, f.error.code if f.error else None) for f in batch.files]   # doctest: +SKIP
    [('张三.xlsx', None), ('李四.xlsx', 'locked')]
    """
    _check_rules(rules)
    day = today or dt.date.today()
    run = tuple(registered() if systems is None else systems)

    def job(path: Path) -> BookResult:
        return validate_workbook(
            path, rules=rules, today=day, schema=schema, systems=run, recalc=recalc
        )

    return _run_batch(paths, job, on_file)


def recompute_workbooks(
    paths: Iterable[str | Path],
    *,
    out: str | Path | None = None,
    rules: Rules | str | Path | None = None,
    today: dt.date | None = None,
    force: bool = False,
    backup: bool = True,
    keep_backups: int = 20,
    schema: Schema = SCHEMA,
    systems: Iterable[System] | None = None,
    on_file: Callable[[FileOutcome[RecomputeResult]], None] | None = None,
    recalc: bool = False,
    tidy: bool = False,
) -> BatchResult[RecomputeResult]:
    """:func:`recompute_workbook` for each of ``paths`` (``out`` only with a single path)."""
    files = list(paths)
    if out is not None and len(files) > 1:
        raise OptionError.from_key("out_single", count=len(files))
    _check_rules(rules)
    day = today or dt.date.today()
    run = tuple(registered() if systems is None else systems)

    def job(path: Path) -> RecomputeResult:
        return recompute_workbook(
            path,
            out=out,
            rules=rules,
            today=day,
            force=force,
            backup=backup,
            keep_backups=keep_backups,
            schema=schema,
            systems=run,
            recalc=recalc,
            tidy=tidy,
        )

    return _run_batch(files, job, on_file)


# --- team sync (kqxl/sync/): every rep workbook ⇄ the master --------------------------------


def sync_team(
    master: str | Path,
    reps: Iterable[str | Path] = (),
    *,
    dry_run: bool = False,
    today: dt.date | None = None,
    lock_timeout: float = 10.0,
    on_file: Callable[[WorkbookLine], None] | None = None,
    on_read: Callable[[Path], None] | None = None,
) -> SyncReport:
    """Sync the master with each rep workbook (files, or folders of them; default: the
    master's folder): a three-way merge by key and field against the last synced state in
    ``.kqxl/journal.sqlite``; see :mod:`kqxl.sync`. ``dry_run`` writes nothing and returns what
    a real run would do. ``on_read`` sees each workbook as it is read, ``on_file`` each line of
    the report.

    >>> report = sync_team("团队总表.xlsx")                       # doctest: +SKIP
    >>> [(f.file, f.received, f.sent, f.skipped) for f in report.files]   # doctest: +SKIP
    """
    from kqxl.sync.apply import sync_team as run

    return run(
        master,
        reps,
        dry_run=dry_run,
        today=today,
        lock_timeout=lock_timeout,
        on_file=on_file,
        on_read=on_read,
    )
