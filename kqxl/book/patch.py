"""The patch writer: change the cells kqxl owns and leave every other byte of the file alone.

Only the worksheet parts with changes are rewritten (streamed), plus, when really needed:
``styles.xml`` (new styles appended, never renumbered), a table part whose range grows with
appended rows, ``calcChain.xml`` (entries of cells whose formula kqxl replaced — Excel reports a
stale entry as damage; an emptied chain is removed with its relationship and content type, as
``<calcChain>`` must hold an entry) and ``workbook.xml`` (``fullCalcOnLoad``, so that Excel
recalculates the formulas that depend on changed cells; their cached values stay in the file
until then). Setting ``fullCalcOnLoad`` touches one part; dropping calcChain would touch three
(the part, its relationship and its content type).

Strings are written as inline strings (``t="inlineStr"``): they are never formulas whatever
they start with (Excel, LibreOffice and calamine all read them as text), and sharedStrings.xml
stays byte-identical (appending to it would rewrite a part that may be the largest in the file).
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, overload

from kqxl.book.highlight import HighlightRule, edit_tail, probe_sheet
from kqxl.book.package import (
    NS_MAIN,
    NS_MAIN_STRICT,
    NS_REL,
    NS_REL_STRICT,
    REL_TABLE,
    Package,
    open_package,
    read_rels,
    rels_path,
    restore_rids,
)
from kqxl.book.reader import read_workbook
from kqxl.book.rows import (
    RowShift,
    ShiftRefused,
    anchored_below,
    first_row,
    formula_hits,
    part_formulas,
    shift_chart,
    shift_drawing,
)
from kqxl.book.safety import (
    Limits,
    check_file,
    check_owner,
    check_stamp,
    check_writable,
    check_written_size,
    describe_error,
    describe_os_error,
    fail,
    file_stamp,
    fsync_file,
    member_chunks,
    parse_xml,
    read_member,
    real_path,
    remove_quietly,
    remove_stale_temps,
    replace_file,
    swap_in,
    temp_name,
    write_lock,
)
from kqxl.book.sheetxml import (
    KEEP,
    MAX_COL,
    MAX_ROW,
    ArrayFormulaHit,
    CellValueError,
    MergedHit,
    ReadCell,
    SheetChanges,
    SheetRewriter,
    Written,
    cell_in_row,
    extend_sqref,
    format_range,
    iter_rows,
    parse_range,
    rows_by_number,
    sample_rows,
    sheet_xml,
    written_as_meant,
)
from kqxl.book.styles import StyleBook
from kqxl.book.zipcopy import (
    Deflated,
    ZipCopier,
    ZipLayoutError,
    ZipSizeError,
    deflate,
    inflate_member,
    read_members,
)
from kqxl.cells import CellValue, FileStamp, column_letter
from kqxl.errors import WorkbookError
from kqxl.texts import ERRORS
from kqxl.texts import text as catalogue_text

__all__ = [
    "KEEP",
    "CellChange",
    "CellColumns",
    "HighlightRule",
    "PatchReport",
    "RowDelete",
    "RowMove",
    "SheetContent",
    "patch_workbook",
]

# Excel refuses these in a sheet name, and one in a file is a damage it repairs
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f\ufffe\uffff]|^'|'$")
_CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"


class CellChange(NamedTuple):
    """Set one cell. ``row``/``col`` are 1-based Excel numbers.

    ``value`` ``None`` clears the value (the style stays); :data:`KEEP` leaves it as it is.
    ``highlight`` True puts kqxl's light-red fill on top of the cell's own style, False takes
    it off again (back to the style it had), None leaves the style alone. A row past the
    sheet's last row appends a row. (A named tuple: a recompute makes one per written cell.)
    """

    sheet: str
    row: int
    col: int
    value: CellValue | object = None
    highlight: bool | None = None


@dataclass(frozen=True, slots=True)
class RowDelete:
    """Remove one row; the rows below move up (formats, validations, merges with them)."""

    sheet: str
    row: int


@dataclass(frozen=True, slots=True)
class RowMove:
    """Move one row's values to the end of sheet ``to`` (after its last row holding a value,
    column for column, in that sheet's column styles), then remove it as :class:`RowDelete`
    does. Formulas move as their last computed values."""

    sheet: str
    row: int
    to: str


@dataclass(frozen=True, slots=True)
class SheetContent:
    """The whole content of a sheet kqxl owns: added if missing, replaced if present.

    ``column_widths`` maps 1-based columns to Excel widths; the first ``header_rows`` rows are
    bold and frozen.
    """

    name: str
    rows: list[list[CellValue]]
    column_widths: dict[int, float] | None = None
    header_rows: int = 1


@dataclass(frozen=True, slots=True)
class PatchReport:
    """What :func:`patch_workbook` did."""

    path: Path
    backup: Path | None
    parts: tuple[str, ...]
    cells_changed: int
    rows_appended: int
    seconds: float
    rows_removed: int = 0
    unchanged: bool = False  # nothing differed: no file was written (in place only)


class CellColumn(NamedTuple):
    """The changes of one column of a sheet: ``values[i]`` goes into row ``rows[i]``."""

    sheet: str
    col: int
    rows: list[int]
    values: list[CellValue]


class CellColumns(Sequence[CellChange]):
    """Cell changes kept column-wise, in blocks: a column of one sheet (its rows and their
    values, two lists) or a list of ``CellChange``. Iterating builds each ``CellChange`` as it
    is read, so the million cells of a large recompute never live as objects all at once;
    the order is the blocks' order, rows ascending within a column."""

    def __init__(self, cells: Iterable[CellChange] = ()) -> None:
        self._blocks: list[CellColumn | list[CellChange]] = []
        self.extend(cells)

    def column(self, sheet: str, col: int) -> tuple[list[int], list[CellValue]]:
        """A new block for column ``col`` of ``sheet``: the lists to append rows and values to."""
        rows: list[int] = []
        values: list[CellValue] = []
        self._blocks.append(CellColumn(sheet, col, rows, values))
        return rows, values

    def blocks(self) -> Iterator[CellColumn | list[CellChange]]:
        """The blocks as kept: a column (sheet, column, rows, values) or a list of changes."""
        return iter(self._blocks)

    def extend(self, cells: Iterable[CellChange]) -> None:
        """Add ``cells`` (after what is there)."""
        if isinstance(cells, CellColumns):
            self._blocks.extend(cells.blocks())
            return
        block = list(cells)
        if block:
            self._blocks.append(block)

    def __len__(self) -> int:
        return sum(len(b) if isinstance(b, list) else len(b[2]) for b in self._blocks)

    def __iter__(self) -> Iterator[CellChange]:
        for block in self._blocks:
            if isinstance(block, list):
                yield from block
            else:
                sheet, col, rows, values = block
                for row, value in zip(rows, values, strict=True):
                    yield CellChange(sheet, row, col, value)

    @overload
    def __getitem__(self, index: int) -> CellChange: ...
    @overload
    def __getitem__(self, index: slice) -> list[CellChange]: ...
    def __getitem__(self, index: int | slice) -> CellChange | list[CellChange]:
        if isinstance(index, slice):
            return list(self)[index]
        n = len(self)
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError(index)
        for block in self._blocks:
            size = len(block) if isinstance(block, list) else len(block[2])
            if i < size:
                if isinstance(block, list):
                    return block[i]
                sheet, col, rows, values = block
                return CellChange(sheet, rows[i], col, values[i])
            i -= size
        raise IndexError(index)  # pragma: no cover - the length was checked


@dataclass(slots=True)
class _SheetJob:
    name: str
    part: str
    sheet_id: str
    changes: SheetChanges = field(default_factory=SheetChanges)
    clear: bool = False
    highlight: HighlightRule | None = None
    rewriter: SheetRewriter | None = None
    shift: RowShift | None = None
    written: dict[tuple[int, int], Written] | None = None  # a sheet written whole: its cells


def patch_workbook(
    path: str | os.PathLike[str],
    changes: Iterable[CellChange],
    *,
    out: str | os.PathLike[str] | None = None,
    sheets: Iterable[SheetContent] = (),
    backup: bool = True,
    keep_backups: int = 20,
    force: bool = False,
    expect: FileStamp | None = None,
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, safe as a default
    clear_highlights: Iterable[str] = (),
    rows: Iterable[RowDelete | RowMove] = (),
    highlights: Iterable[HighlightRule] = (),
    tails: Mapping[str, bytes] | None = None,
) -> PatchReport:
    """Write ``changes`` (and whole ``sheets``) into the workbook at ``path``.

    In place by default: the original is kept in ``.kqxl/backups/`` beside it (newest
    ``keep_backups`` kept) and replaced atomically; with ``out`` a new file is written and the
    source is left untouched. ``expect`` (a :class:`~kqxl.cells.FileStamp` from
    :func:`read_workbook`) makes a write fail with WorkbookChangedError if the file changed
    since. ``clear_highlights`` names sheets whose kqxl highlights are all taken off first
    (cells highlighted by this call keep theirs). ``rows`` deletes rows or moves them to
    another sheet; all row numbers (of changes too) are those of the file as it is, and a
    change to a row that is removed is refused. Where the rows below cannot be moved up with
    certainty (formulas, names or charts referring to them, drawings anchored there), the
    write is refused with the reason. Refuses a workbook open in Excel/WPS unless its owner
    file is stale and ``force`` is set.

    ``tails``: sheet name → its part from ``</sheetData>`` on, as read under ``expect``
    (:attr:`~kqxl.cells.WorkbookGrid.tails`); a sheet without cell changes is then not inflated
    to compare its conditional format. ``highlights`` sets kqxl's conditional format of each
    sheet named (see
    :mod:`kqxl.book.highlight`). A sheet is rewritten only when something in it changes; when
    nothing changes at all, an in-place patch writes nothing (no backup, no replace) and
    reports ``unchanged``. ``out`` naming an existing file is refused unless ``force`` is set;
    then that file is kept as a backup in the ``.kqxl/backups/`` beside it.

    >>> patch_workbook("张三.xlsx", [CellChange("客户", 5, 3, "A级", highlight=True)])
    ... # doctest: +SKIP
    """
    started = time.perf_counter()
    src = real_path(Path(path))
    target = real_path(Path(out)) if out is not None else src
    in_place = out is None or (target.exists() and target.resolve() == src.resolve())
    # a sequence is iterated as it is (a recompute's column-wise plan builds each change as it
    # is read: a million cells need not live as objects)
    change_list: Sequence[CellChange] = changes if isinstance(changes, Sequence) else list(changes)
    contents = list(sheets)
    clear = set(clear_highlights)
    marks = list(highlights)
    row_ops = list(rows)
    for op in row_ops:
        _check_position(src, CellChange(op.sheet, op.row, 1))
    if in_place:
        check_writable(target)
    elif target.exists() and not force:
        raise fail(WorkbookError, "out_exists", path=target)
    check_owner(target, force=force, limits=limits)
    with write_lock(target, limits):
        read = file_stamp(src)
        check_stamp(src, expect, read)
        remove_stale_temps(target)
        tmp = temp_name(target)
        try:
            moves = [op for op in row_ops if isinstance(op, RowMove)]
            if moves:
                change_list = [*change_list, *_moved_cells(src, moves, change_list, limits)]
            with check_file(src, limits) as zf:
                package = open_package(src, zf)
                known = tails if tails is not None and expect is not None else {}
                written = _write(
                    src,
                    zf,
                    package,
                    change_list,
                    contents,
                    clear,
                    tmp,
                    row_ops,
                    marks,
                    in_place,
                    known,
                )
            if written is None:
                return PatchReport(
                    path=target,
                    backup=None,
                    parts=(),
                    cells_changed=0,
                    rows_appended=0,
                    seconds=time.perf_counter() - started,
                    unchanged=True,
                )
            jobs, parts, appended, produced = written
            _verify(src, tmp, jobs, contents, produced, package.styles_part)
            check_written_size(target, tmp, limits)
            # Excel or a colleague may have saved the file since it was read: keep their work
            check_stamp(src, read)
            if in_place:
                saved = swap_in(tmp, target, read, keep_backups if backup else None)
            elif target.exists():
                # --out onto an existing file, forced: that file goes to the backups
                saved = swap_in(tmp, target, file_stamp(target), keep_backups)
            else:
                saved = None
                replace_file(tmp, target, mode_from=src)
        except WorkbookError:
            raise
        except OSError as exc:
            raise fail(
                WorkbookError, "write_failed", path=target, detail=describe_os_error(exc)
            ) from None
        finally:
            remove_quietly(tmp)
    cells = sum(job.rewriter.result.cells_changed for job in jobs if job.rewriter)
    return PatchReport(
        path=target,
        backup=saved,
        parts=tuple(parts),
        cells_changed=cells,
        rows_appended=appended,
        seconds=time.perf_counter() - started,
        rows_removed=sum(job.rewriter.result.rows_removed for job in jobs if job.rewriter),
    )


def _check_position(path: Path, ch: CellChange) -> None:
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (ch.row, ch.col)):
        raise fail(WorkbookError, "bad_cell", path=path, sheet=ch.sheet, cell=f"R{ch.row}C{ch.col}")
    if ch.row > MAX_ROW:
        raise fail(
            WorkbookError,
            "row_limit",
            path=path,
            sheet=ch.sheet,
            cell=f"{column_letter(min(max(ch.col, 1), MAX_COL))}{ch.row}",
        )
    if not (ch.row >= 1 and 1 <= ch.col <= MAX_COL):
        raise fail(WorkbookError, "bad_cell", path=path, sheet=ch.sheet, cell=f"R{ch.row}C{ch.col}")


def _write(
    src: Path,
    zf: zipfile.ZipFile,
    package: Package,
    changes: Sequence[CellChange],
    contents: list[SheetContent],
    clear: set[str],
    tmp: Path,
    row_ops: list[RowDelete | RowMove],
    marks: list[HighlightRule],
    in_place: bool,
    tails: Mapping[str, bytes],
) -> tuple[list[_SheetJob], list[str], int, dict[str, tuple[int, int, int]]] | None:
    """Build the new package in ``tmp``; return the sheet jobs, rewritten parts, rows added
    and what was written of each member (CRC, size, compressed size). None, with nothing
    written, when an in-place patch would change nothing."""
    styles = _load_styles(src, zf, package)
    jobs: dict[str, _SheetJob] = {}

    def job_for(name: str) -> _SheetJob:
        info = package.sheet(name)
        if info.rid_missing and info.part is None:
            raise fail(WorkbookError, "sheet_without_rid", path=src, sheet=info.name)
        if info.kind != "worksheet" or info.part is None:
            raise fail(WorkbookError, "sheet_not_found", path=src, sheet=name)
        if info.part not in jobs:
            jobs[info.part] = _SheetJob(info.name, info.part, info.sheet_id)
        return jobs[info.part]

    content_names = {c.name.casefold() for c in contents}
    # each sheet's changes kept compactly (row → column → value), no object per cell; a
    # recompute's columns go in whole
    by_sheet: dict[str, SheetChanges] = {}
    blocks = changes.blocks() if isinstance(changes, CellColumns) else iter([changes])
    for block in blocks:
        if isinstance(block, CellColumn):
            if not block.rows:
                continue  # a column with nothing to change makes no job of its sheet
            if not _column_in_range(block.col, block.rows):
                for row in block.rows:  # a bad position is refused before anything is written
                    _check_position(src, CellChange(block.sheet, row, block.col))
            sheet_changes = by_sheet.get(block.sheet)
            if sheet_changes is None:
                sheet_changes = by_sheet[block.sheet] = job_for(block.sheet).changes
            sheet_changes.add_column(block.col, block.rows, block.values)
            continue
        for ch in block:
            row, col = ch.row, ch.col
            if not (
                row.__class__ is int
                and col.__class__ is int
                and 1 <= row <= MAX_ROW
                and 1 <= col <= MAX_COL
            ):
                _check_position(src, ch)  # a bad position is refused before anything is written
            sheet_changes = by_sheet.get(ch.sheet)
            if sheet_changes is None:
                sheet_changes = by_sheet[ch.sheet] = job_for(ch.sheet).changes
            sheet_changes.add(row, col, ch.value, ch.highlight)
    _plan_marks(src, zf, package, styles, jobs, job_for, clear, marks, content_names, tails)
    deleted: dict[str, set[int]] = {}
    for op in row_ops:
        job = job_for(op.sheet)
        if job.name.casefold() in content_names:
            raise fail(WorkbookError, "sheet_not_found", path=src, sheet=op.sheet)
        if isinstance(op, RowMove) and package.sheet(op.to).part == job.part:
            detail = catalogue_text(ERRORS, "rows_same_sheet", sheet=job.name)
            raise fail(WorkbookError, "rows_refused", path=src, sheet=job.name, detail=detail)
        deleted.setdefault(job.part, set()).add(op.row)
    for part, numbers in deleted.items():
        job = jobs[part]
        hit = sorted(set(job.changes.rows) & numbers)
        if hit:
            raise fail(WorkbookError, "rows_conflict", path=src, sheet=job.name, row=hit[0])
        job.shift = RowShift(job.name, numbers)
    if in_place and not jobs and not contents and not row_ops:
        return None
    replaced: dict[str, Deflated] = {}
    removed: set[str] = set()
    new_members: list[str] = []
    whole: list[_SheetJob] = []
    try:
        shifted = [job for job in jobs.values() if job.shift]
        for job in shifted:
            _check_shift(src, zf, package, job, replaced)
        for job in jobs.values():
            job.rewriter = SheetRewriter(
                job.changes,
                styles=styles,
                date1904=package.date1904,
                clear_highlights=job.clear,
                shift=job.shift,
                tail_edit=_tail_edit(job.highlight, styles),
                verify_rows=VERIFY_SAMPLE_ROWS,
            )
            replaced[job.part] = _rewrite_sheet(src, zf, job)
        new_members, extra = _sheet_contents(src, zf, package, contents, styles, replaced, whole)
        replaced.update(extra)
        _extend_tables(src, zf, jobs, replaced)
        for job in shifted:
            _shift_tables(src, zf, job, replaced)
        formulas = {
            job.sheet_id: job.rewriter.result.formulas_removed
            for job in jobs.values()
            if job.rewriter and job.rewriter.result.formulas_removed
        }
        chain = package.calc_chain_part
        if chain and shifted:
            # formula cells below a removed row have moved: their chain entries would be stale
            _drop_calc_chain(src, zf, package, replaced)
            removed.add(chain)
        elif formulas and chain and not _trim_calc_chain(src, zf, chain, formulas, replaced):
            _drop_calc_chain(src, zf, package, replaced)
            removed.add(chain)
        _edit_workbook(src, zf, package, jobs, replaced)
        if styles is not None and styles.changed:
            if package.styles_part is None:
                package.styles_part = _add_styles_part(src, zf, package, replaced)
                new_members.append(package.styles_part)
            replaced[package.styles_part] = deflate([styles.render()])
    except ValueError as exc:
        # A part kqxl edits as text is not what Excel writes (bad UTF-8, an attribute that is
        # no number, a missing element). Only the file's faults are ValueErrors here: a fault
        # of kqxl's own (KeyError, TypeError …) propagates and is reported as internal.
        raise fail(WorkbookError, "corrupt", path=src, detail=describe_error(exc)) from None
    else:
        # outside the except above: copying is kqxl's own work, not parsing the file
        produced = {name: (d.crc, d.size, d.csize) for name, d in replaced.items()}
        parts = _copy_members(src, zf, tmp, replaced, removed, new_members)
    finally:
        for data in replaced.values():
            data.close()
    fsync_file(tmp)
    appended = sum(len(job.rewriter.result.appended_rows) for job in jobs.values() if job.rewriter)
    return [*jobs.values(), *whole], parts, appended, produced


def _column_in_range(col: int, rows: list[int]) -> bool:
    """Whether column ``col`` and every one of ``rows`` are cell positions (ints in range)."""
    return (
        col.__class__ is int
        and 1 <= col <= MAX_COL
        and (
            not rows or (set(map(type, rows)) == {int} and min(rows) >= 1 and max(rows) <= MAX_ROW)
        )
    )


def _plan_marks(
    src: Path,
    zf: zipfile.ZipFile,
    package: Package,
    styles: StyleBook | None,
    jobs: dict[str, _SheetJob],
    job_for: Callable[[str], _SheetJob],
    clear: set[str],
    marks: list[HighlightRule],
    content_names: set[str],
    tails: Mapping[str, bytes],
) -> None:
    """Give each sheet its highlight rule and old highlights to clear, as jobs: a sheet that
    has no cell changes becomes a job only when its conditional format must change or a cell
    still carries an old highlight style (one streaming pass over the part tells)."""
    rules = {m.sheet.casefold(): m for m in marks}
    names = {n.casefold(): n for n in [*clear, *(m.sheet for m in marks)]}
    clear_folded = {n.casefold() for n in clear}
    old_ids = styles.highlight_ids() if styles is not None and clear else set()
    marked = (
        re.compile(
            rb"\ss=[\"'](?:" + b"|".join(str(i).encode() for i in sorted(old_ids)) + rb")[\"']"
        )
        if old_ids
        else None
    )
    for folded, name in names.items():
        if folded in content_names:
            continue
        try:
            info = package.sheet(name)
        except WorkbookError:
            continue  # nothing to mark or clear on a sheet that does not exist
        if info.kind != "worksheet" or info.part is None:
            continue
        rule = rules.get(folded)
        to_clear = folded in clear_folded
        if info.part not in jobs:
            known = tails.get(info.name)
            if known is not None and not (to_clear and marked is not None):
                tail, found = known, False  # as the read found it: nothing to inflate
            else:
                tail, found = probe_sheet(
                    member_chunks(src, zf, info.part), marked if to_clear else None
                )
            moved = rule is not None and edit_tail(tail, b"", rule, styles) is not tail
            if not (found or moved):
                continue
        job = job_for(name)
        job.clear = to_clear
        job.highlight = rule


def _tail_edit(
    rule: HighlightRule | None, styles: StyleBook | None
) -> Callable[[bytes, bytes], bytes] | None:
    if rule is None:
        return None

    def edit(tail: bytes, pfx: bytes) -> bytes:
        return edit_tail(tail, pfx, rule, styles)

    return edit


def _copy_members(
    src: Path,
    zf: zipfile.ZipFile,
    tmp: Path,
    replaced: dict[str, Deflated],
    removed: set[str],
    new_members: list[str],
) -> list[str]:
    """Write the new package to ``tmp``: members copied raw, replaced, removed or added."""
    parts: list[str] = []
    try:
        with src.open("rb") as sfh, tmp.open("wb") as ofh:
            members = read_members(sfh, zf)
            copier = ZipCopier(ofh, sfh)
            for member in members:
                name = member.info.filename
                if name in removed:
                    parts.append(name)
                elif name in replaced:
                    copier.write_deflated(member, name, replaced[name])
                    parts.append(name)
                else:
                    copier.copy_raw(member)
            for name in new_members:
                copier.write_deflated(None, name, replaced[name])
                parts.append(name)
            copier.finish(zf.comment)
            ofh.flush()
            os.fsync(ofh.fileno())
    except ZipLayoutError as exc:  # the source zip's own layout (headers, truncated data)
        raise fail(WorkbookError, "corrupt", path=src, detail=f"zip 结构：{exc}") from None
    except ZipSizeError as exc:  # kqxl's limit, not the file's fault
        raise fail(
            WorkbookError, "write_failed", path=src, detail=f"{exc} 超过 4 GiB，kqxl 无法写入"
        ) from None
    return parts


def _cell_failure(src: Path, sheet: str, exc: ArrayFormulaHit | CellValueError) -> WorkbookError:
    if isinstance(exc, ArrayFormulaHit):
        return fail(
            WorkbookError, "array_formula", path=src, sheet=sheet, cell=exc.cell, ref=exc.ref
        )
    return fail(WorkbookError, "bad_value", path=src, sheet=sheet, cell=exc.cell, detail=exc)


def _load_styles(src: Path, zf: zipfile.ZipFile, package: Package) -> StyleBook:
    if package.styles_part is None:
        # no styles part (some generators write none): one is added if a value needs a format
        ns = NS_MAIN_STRICT if package.strict else NS_MAIN
        return StyleBook(f'<styleSheet xmlns="{ns}"/>'.encode())
    xml = read_member(src, zf, package.styles_part)
    parse_xml(src, package.styles_part, xml)  # refuse a hostile or broken styles part early
    try:
        return StyleBook(xml)
    except ValueError as exc:
        raise fail(
            WorkbookError,
            "corrupt",
            path=src,
            detail=f"{package.styles_part}：{describe_error(exc)}",
        ) from None


def _rewrite_sheet(src: Path, zf: zipfile.ZipFile, job: _SheetJob) -> Deflated:
    assert job.rewriter is not None
    try:
        return deflate(job.rewriter.run(member_chunks(src, zf, job.part)))
    except zlib.error as exc:  # the deflated bytes did not inflate back to what was given
        raise fail(
            WorkbookError, "verify_failed", path=src, detail=f"{job.part}：{describe_error(exc)}"
        ) from None
    except (ArrayFormulaHit, CellValueError) as exc:
        raise _cell_failure(src, job.name, exc) from None
    except MergedHit as exc:
        raise fail(
            WorkbookError, "merged_hidden", path=src, sheet=job.name, cell=exc.cell, ref=exc.ref
        ) from None
    except ShiftRefused as exc:
        raise fail(
            WorkbookError, "rows_refused", path=src, sheet=job.name, detail=str(exc)
        ) from None
    except ValueError as exc:
        raise fail(
            WorkbookError, "corrupt", path=src, detail=f"{job.part}：{describe_error(exc)}"
        ) from None


# --- whole sheets kqxl owns --------------------------------------------------------------


def _sheet_contents(
    src: Path,
    zf: zipfile.ZipFile,
    package: Package,
    contents: list[SheetContent],
    styles: StyleBook | None,
    replaced: dict[str, Deflated],
    whole: list[_SheetJob],
) -> tuple[list[str], dict[str, Deflated]]:
    """Deflated parts for each SheetContent, and the names of members to add; ``whole``
    receives a job per sheet with the cells written, to verify."""
    out: dict[str, Deflated] = {}
    new_parts: list[str] = []
    added: list[tuple[str, str]] = []  # (sheet name, part)
    names = {m.filename for m in zf.infolist()}
    for content in contents:
        if not content.name or len(content.name) > 31 or _SHEET_NAME_BAD.search(content.name):
            raise fail(
                WorkbookError,
                "bad_value",
                path=src,
                sheet=content.name,
                cell="-",
                detail="工作表名称（最多 31 个字符，不能含 []:*?/\\ 和控制字符，"
                "不能以 ' 开头或结尾）",
            )
        existing = next(
            (s for s in package.sheets if s.name.casefold() == content.name.casefold()), None
        )
        if existing is not None and (existing.kind != "worksheet" or existing.part is None):
            raise fail(WorkbookError, "sheet_not_found", path=src, sheet=content.name)
        kept = _KeptParts()
        if existing is not None:
            part = existing.part
            assert part is not None
            kept = _kept_parts(src, zf, part, content, replaced)
        else:
            n = 1
            while f"xl/worksheets/sheet{n}.xml" in names:
                n += 1
            part = f"xl/worksheets/sheet{n}.xml"
            names.add(part)
            new_parts.append(part)
            added.append((content.name, part))

        header = (
            styles.bold(None)
            if styles is not None and content.header_rows and content.rows
            else None
        )
        namespaces = (NS_MAIN_STRICT, NS_REL_STRICT) if package.strict else (NS_MAIN, NS_REL)
        job = _SheetJob(content.name, part, existing.sheet_id if existing else "", written={})
        whole.append(job)
        try:
            out[part] = deflate(
                sheet_xml(
                    content.rows,
                    styles=styles,
                    date1904=package.date1904,
                    column_widths=content.column_widths,
                    header_rows=content.header_rows,
                    header_style=header,
                    namespaces=namespaces,
                    sheet_pr=kept.sheet_pr,
                    tail=kept.tail,
                    expected=job.written,
                )
            )
        except CellValueError as exc:
            raise _cell_failure(src, content.name, exc) from None
    if added:
        _register_sheets(src, zf, package, added, out, replaced)
    return new_parts, out


@dataclass(slots=True)
class _KeptParts:
    """What a replaced sheet keeps of its old part: its ``<sheetPr>`` (tab colour, the code
    name VBA refers to) and the elements that tie its drawings, comments, background picture
    and tables to it."""

    sheet_pr: bytes = b""
    tail: bytes = b""


# in the order CT_Worksheet puts them
_KEPT_BY_ID = ("drawing", "legacyDrawing", "legacyDrawingHF", "picture")


def _kept_parts(
    src: Path,
    zf: zipfile.ZipFile,
    part: str,
    content: SheetContent,
    replaced: dict[str, Deflated],
) -> _KeptParts:
    """The parts a sheet being replaced refers to stay referenced (their relationship ids are
    unchanged); a table stays when the new content has its header row, else the write is
    refused, as is a sheet with embedded objects or form controls."""
    old = read_member(src, zf, part).decode("utf-8")
    end = max(old.rfind("sheetData>"), old.rfind("sheetData/>"))
    tail = old[end:] if end >= 0 else ""
    if re.search(r"<(?:\w+:)?(?:oleObjects|controls)\b", tail):
        raise fail(WorkbookError, "sheet_kept", path=src, sheet=content.name, what="控件或嵌入对象")
    kept = _KeptParts()
    pr = re.search(r"<sheetPr\b[^>]*?(?:/>|>.*?</sheetPr>)", old[: old.find("sheetData")], re.S)
    if pr is not None:
        kept.sheet_pr = pr.group(0).encode("utf-8")
    pieces = []
    for name in _KEPT_BY_ID:
        m = re.search(rf"<(?:\w+:)?{name}\b[^>]*?\s(?:\w+:)?id=\"([^\"]+)\"", tail)
        if m is not None:
            pieces.append(f'<{name} r:id="{m.group(1)}"/>')
    tables = re.findall(r"<(?:\w+:)?tablePart\b[^>]*?\s(?:\w+:)?id=\"([^\"]+)\"", tail)
    if tables:
        by_id = {rel.rid: rel for rel in read_rels(src, zf, part)}
        for rid in tables:
            rel = by_id.get(rid)
            if rel is None or rel.external:
                raise fail(WorkbookError, "corrupt", path=src, detail=f"{part}：表格 {rid}")
            _fit_table(src, zf, rel.target, content, replaced)
        parts = "".join(f'<tablePart r:id="{rid}"/>' for rid in tables)
        pieces.append(f'<tableParts count="{len(tables)}">{parts}</tableParts>')
    kept.tail = "".join(pieces).encode("utf-8")
    return kept


def _fit_table(
    src: Path, zf: zipfile.ZipFile, part: str, content: SheetContent, replaced: dict[str, Deflated]
) -> None:
    """Keep a table over new content: its header cells must be its column names (Excel
    repairs a table whose header disagrees); it then covers the content's rows. A table
    without a header row stays as it is; one with a totals row is refused."""
    xml = read_member(src, zf, part)
    root = parse_xml(src, part, xml)
    name = root.get("displayName") or root.get("name") or part
    rect = parse_range(root.get("ref", ""))
    headers = int(root.get("headerRowCount", "1") or 0)
    totals = int(root.get("totalsRowCount", "0") or 0)
    if rect is not None and headers == 0 and totals == 0:
        return  # no header to agree with the content: the table stays over its cells
    columns = [
        el.get("name", "") for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "tableColumn"
    ]
    header = rect[0] if rect else 0
    row = content.rows[header - 1] if rect and 0 < header <= len(content.rows) else []
    cells = [
        row[rect[1] - 1 + k] if rect and rect[1] - 1 + k < len(row) else None
        for k in range(len(columns))
    ]
    if (
        rect is None
        or headers != 1
        or totals != 0
        or len(columns) != rect[3] - rect[1] + 1
        or [str(c) if c is not None else "" for c in cells] != columns
    ):
        raise fail(WorkbookError, "sheet_kept", path=src, sheet=content.name, what=f"表格“{name}”")
    last = max(len(content.rows), header + 1)
    new_ref = format_range(header, rect[1], last, rect[3])
    ref = root.get("ref", "")
    if new_ref == ref:
        return
    text = xml.decode("utf-8")
    text = re.sub(
        r'(<(?:\w+:)?(?:table|autoFilter)\b[^>]*?\sref=")' + re.escape(ref) + '"',
        lambda m: m.group(1) + new_ref + '"',
        text,
    )
    _replace(replaced, part, text.encode("utf-8"))


def _register_sheets(
    src: Path,
    zf: zipfile.ZipFile,
    package: Package,
    added: list[tuple[str, str]],
    out: dict[str, Deflated],
    replaced: dict[str, Deflated],
) -> None:
    wb_rels_name = rels_path(package.workbook_part)
    rels_xml = read_member(src, zf, wb_rels_name).decode("utf-8")
    wb_xml = read_member(src, zf, package.workbook_part).decode("utf-8")
    ct_xml = read_member(src, zf, "[Content_Types].xml").decode("utf-8")
    used_ids = set(re.findall(r'Id="([^"]+)"', rels_xml))
    sheet_ids = [int(s.sheet_id) for s in package.sheets if s.sheet_id.isdigit()]
    next_sheet_id = max(sheet_ids, default=0) + 1
    wb_dir = package.workbook_part.rsplit("/", 1)[0] if "/" in package.workbook_part else ""
    sheet_tags, rel_tags, ct_tags = [], [], []
    m = re.search(r"<(\w+:)?sheets\b[^>]*>", wb_xml)
    pfx = (m.group(1) or "") if m else ""
    rel_ns = NS_REL_STRICT if package.strict else NS_REL
    # a prefix of the relationships namespace in scope at <sheets> (declared on the root or on
    # <sheets>; one declared on each <sheet>, as openpyxl writes with lxml, is not)
    scope = re.search(r"<(?![?!])[^>]*>", wb_xml)
    in_scope = (scope.group(0) if scope else "") + (m.group(0) if m else "")
    rel_prefix = re.search(rf'xmlns:(\w+)="{re.escape(rel_ns)}"', in_scope)
    r_ns = rel_prefix.group(1) if rel_prefix else None
    for name, part in added:
        n = 1
        while f"rId{n}" in used_ids:
            n += 1
        rid = f"rId{n}"
        used_ids.add(rid)
        target = part[len(wb_dir) + 1 :] if wb_dir and part.startswith(wb_dir + "/") else "/" + part
        rel_tags.append(f'<Relationship Id="{rid}" Type="{rel_ns}/worksheet" Target="{target}"/>')
        rattr = f'{r_ns}:id="{rid}"' if r_ns else f'xmlns:r="{rel_ns}" r:id="{rid}"'
        sheet_tags.append(
            f'<{pfx}sheet name="{html.escape(name)}" sheetId="{next_sheet_id}" {rattr}/>'
        )
        next_sheet_id += 1
        ct_tags.append(f'<Override PartName="/{part}" ContentType="{_CT_WORKSHEET}"/>')
    wb_new = re.sub(
        rf"</{re.escape(pfx)}sheets>",
        lambda _m: "".join(sheet_tags) + f"</{pfx}sheets>",
        wb_xml,
        count=1,
    )
    rels_new = rels_xml.replace("</Relationships>", "".join(rel_tags) + "</Relationships>", 1)
    ct_new = ct_xml.replace("</Types>", "".join(ct_tags) + "</Types>", 1)
    if wb_new == wb_xml or rels_new == rels_xml or ct_new == ct_xml:
        raise fail(WorkbookError, "corrupt", path=src, detail="无法登记新工作表")
    if package.calc_chain_part:
        wb_new = _full_calc_on_load(wb_new.encode("utf-8")).decode("utf-8")
    out[package.workbook_part] = deflate([wb_new.encode("utf-8")])
    out[wb_rels_name] = deflate([rels_new.encode("utf-8")])
    out["[Content_Types].xml"] = deflate([ct_new.encode("utf-8")])


def _add_styles_part(
    src: Path, zf: zipfile.ZipFile, package: Package, replaced: dict[str, Deflated]
) -> str:
    """Register a new styles part beside workbook.xml (relationship and content type); the
    caller writes its content."""
    names = {m.filename for m in zf.infolist()}
    folder = posixpath.dirname(package.workbook_part)
    n, part = 1, posixpath.join(folder, "styles.xml")
    while part in names:
        n += 1
        part = posixpath.join(folder, f"styles{n}.xml")
    rels_name = rels_path(package.workbook_part)
    rels = _current(src, zf, rels_name, replaced).decode("utf-8")
    used = set(re.findall(r'Id="([^"]+)"', rels))
    k = 1
    while f"rId{k}" in used:
        k += 1
    rel_ns = NS_REL_STRICT if package.strict else NS_REL
    target = posixpath.relpath(part, folder or ".")
    tag = f'<Relationship Id="rId{k}" Type="{rel_ns}/styles" Target="{target}"/>'
    types = _current(src, zf, "[Content_Types].xml", replaced).decode("utf-8")
    override = f'<Override PartName="/{part}" ContentType="{_CT_STYLES}"/>'
    new_rels = rels.replace("</Relationships>", tag + "</Relationships>", 1)
    new_types = types.replace("</Types>", override + "</Types>", 1)
    if new_rels == rels or new_types == types:
        raise fail(WorkbookError, "corrupt", path=src, detail="无法登记样式部件 styles.xml")
    _replace(replaced, rels_name, new_rels.encode("utf-8"))
    _replace(replaced, "[Content_Types].xml", new_types.encode("utf-8"))
    return part


# --- rows removed -------------------------------------------------------------------------


def _moved_cells(
    src: Path, moves: list[RowMove], changes: Sequence[CellChange], limits: Limits
) -> list[CellChange]:
    """The cells that carry moved rows to the end of their target sheets."""
    wanted = sorted({m.sheet for m in moves} | {m.to for m in moves})
    book = read_workbook(src, sheets=wanted, limits=limits)
    grids = {name.casefold(): grid for name, grid in book.sheets.items()}
    next_row: dict[str, int] = {}
    out: list[CellChange] = []
    for move in sorted(moves, key=lambda m: (m.sheet, m.row)):
        source, target = grids[move.sheet.casefold()], grids[move.to.casefold()]
        key = target.name.casefold()
        if key not in next_row:
            last = max(
                (
                    target.first_row + i
                    for i, row in enumerate(target.rows)
                    if any(v is not None for v in row)
                ),
                default=0,
            )
            last = max([last, *(ch.row for ch in changes if ch.sheet.casefold() == key)])
            next_row[key] = last + 1
        i = move.row - source.first_row
        values = source.rows[i] if 0 <= i < len(source.rows) else []
        if all(value is None for value in values):
            continue  # an empty row is only removed: no blank row at the end of the target
        row = next_row[key]
        next_row[key] += 1
        for j, value in enumerate(values):
            if value is not None:
                out.append(CellChange(target.name, row, source.first_col + j, value))
    return out


def _check_shift(
    src: Path,
    zf: zipfile.ZipFile,
    package: Package,
    job: _SheetJob,
    replaced: dict[str, Deflated],
) -> None:
    """Refuse rows whose removal would leave something pointing at the wrong cells: a drawing,
    comment or pivot table anchored at or below them, a formula, defined name or chart that
    refers to cells that would move."""
    shift = job.shift
    assert shift is not None

    def refuse(key: str, **values: object) -> WorkbookError:
        detail = catalogue_text(ERRORS, key, **values)
        return fail(WorkbookError, "rows_refused", path=src, sheet=job.name, detail=detail)

    for rel in read_rels(src, zf, job.part):
        if rel.external or rel.type.endswith(REL_TABLE):
            continue
        kind = rel.type.rsplit("/", 1)[-1]
        if kind == "drawing":
            xml = read_member(src, zf, rel.target)
            try:
                moved = shift_drawing(xml, shift)
            except ShiftRefused as exc:
                raise fail(
                    WorkbookError, "rows_refused", path=src, sheet=job.name, detail=str(exc)
                ) from None
            if moved != xml:
                _replace(replaced, rel.target, moved)
        elif kind in ("vmlDrawing", "comments", "threadedComment"):
            if anchored_below(read_member(src, zf, rel.target), shift):
                raise refuse("rows_anchored", what="批注或控件")
        elif kind == "pivotTable":
            pivot = read_member(src, zf, rel.target).decode("utf-8")
            for ref in re.findall(r'<(?:\w+:)?location\b[^>]*?\sref="([^"]*)"', pivot):
                row = first_row(ref.split(":")[-1])
                if row is not None and row >= shift.first:
                    raise refuse("rows_anchored", what="数据透视表")
    # formulas of other sheets, charts, pivot caches and names that refer to this sheet
    # a formula names another sheet as Excel spells it, with ' doubled inside quotes
    needles = {
        html.escape(spelling, quote=False).encode("utf-8")
        for spelling in (shift.sheet, shift.sheet.replace("'", "''"))
    }
    for info in zf.infolist():
        name = info.filename
        if name == job.part or not name.endswith(".xml"):
            continue
        is_sheet = name.startswith(("xl/worksheets/", "xl/chartsheets/"))
        is_chart = "/charts/" in name
        is_cache = "/pivotCache/pivotCacheDefinition" in name
        if not (is_sheet or is_chart or is_cache):
            continue
        xml = read_member(src, zf, name)
        # (a name spelt with character references, as openpyxl writes with lxml, is looked at)
        if b"&#" not in xml and not any(needle in xml for needle in needles):
            continue
        if is_cache:
            source = xml.decode("utf-8")
            for attrs in re.findall(r"<(?:\w+:)?worksheetSource\b([^>]*)/?>", source):
                sheet = re.search(r'\ssheet="([^"]*)"', attrs)
                ref = re.search(r'\sref="([^"]*)"', attrs)
                if (
                    sheet
                    and ref
                    and html.unescape(sheet.group(1)).casefold() == (shift.sheet.casefold())
                ):
                    last = ref.group(1).split(":")[-1]
                    row = first_row(last)
                    if row is not None and row >= shift.first:
                        raise refuse("rows_chart", part=name)
            continue
        if is_chart:
            chart = xml.decode("utf-8")
            followed = shift_chart(chart, shift)
            if followed is None:
                raise refuse("rows_chart", part=name)
            if followed != chart:
                _replace(replaced, name, followed.encode("utf-8"))
            continue
        for formula in part_formulas(xml):
            if formula_hits(formula, shift, own=False):
                raise refuse("rows_formula", where=name)
    workbook = read_member(src, zf, package.workbook_part).decode("utf-8")
    index = next(i for i, info in enumerate(package.sheets) if info.part == job.part)
    for attrs, value in re.findall(
        r"<(?:\w+:)?definedName\b([^>]*)>([^<]*)</(?:\w+:)?definedName>", workbook
    ):
        name_m = re.search(r'\sname="([^"]*)"', attrs)
        name = html.unescape(name_m.group(1)) if name_m else ""
        local_m = re.search(r'\slocalSheetId="(\d+)"', attrs)
        if name == "_xlnm._FilterDatabase" and local_m and int(local_m.group(1)) == index:
            continue  # moves with the sheet's autofilter
        if formula_hits(html.unescape(value), shift, own=False):
            raise refuse("rows_name", name=name)


def _shift_tables(
    src: Path, zf: zipfile.ZipFile, job: _SheetJob, replaced: dict[str, Deflated]
) -> None:
    """Move or shrink the tables of a sheet that lost rows; refuse losing a header or totals
    row, or the last data row."""
    shift = job.shift
    assert shift is not None
    for rel in read_rels(src, zf, job.part):
        if not rel.type.endswith(REL_TABLE) or rel.external:
            continue
        xml = _current(src, zf, rel.target, replaced)
        root = parse_xml(src, rel.target, xml)
        rect = parse_range(root.get("ref", ""))
        if rect is None:
            continue
        name = root.get("displayName") or root.get("name") or rel.target
        headers = int(root.get("headerRowCount", "1") or 0)
        totals = int(root.get("totalsRowCount", "0") or 0)
        first, last = rect[0], rect[2]
        if any(
            r in shift
            for r in [*range(first, first + headers), *range(last - totals + 1, last + 1)]
        ):
            raise fail(
                WorkbookError,
                "rows_refused",
                path=src,
                sheet=job.name,
                detail=catalogue_text(ERRORS, "rows_table_header", name=name),
            )
        span = shift.span(first, last)
        if span is None or span[1] - span[0] + 1 <= headers + totals:
            raise fail(
                WorkbookError,
                "rows_refused",
                path=src,
                sheet=job.name,
                detail=catalogue_text(ERRORS, "rows_table_empty", name=name),
            )
        if span == (first, last):
            continue
        text = xml.decode("utf-8")

        def moved(m: re.Match[str]) -> str:
            return m.group(1) + (shift.sqref(m.group(2)) or m.group(2)) + m.group(3)

        text = re.sub(
            r'(<(?:\w+:)?(?:table|autoFilter|sortState|sortCondition)\b[^>]*?\sref=")'
            r'([^"]*)(")',
            moved,
            text,
        )
        _replace(replaced, rel.target, text.encode("utf-8"))


# --- ranges that grow with appended rows -------------------------------------------------


def _extend_tables(
    src: Path, zf: zipfile.ZipFile, jobs: dict[str, _SheetJob], replaced: dict[str, Deflated]
) -> None:
    for job in jobs.values():
        res = job.rewriter.result if job.rewriter else None
        if not res or not res.appended_rows or res.new_last_row <= res.old_last_row:
            continue
        for rel in read_rels(src, zf, job.part):
            if not rel.type.endswith(REL_TABLE) or rel.external:
                continue
            xml = _current(src, zf, rel.target, replaced)
            root = parse_xml(src, rel.target, xml)
            if int(root.get("totalsRowCount", "0") or 0) > 0:
                continue  # rows go above a totals row in Excel; kqxl leaves such tables as they are
            ref = root.get("ref", "")
            new_ref = extend_sqref(ref, res.old_last_row, res.new_last_row, res.appended_cols)
            if new_ref == ref:
                continue
            text = xml.decode("utf-8")

            def grow(m: re.Match[str], new: str = new_ref) -> str:
                return m.group(1) + new + '"'

            text = re.sub(
                r'(<(?:\w+:)?(?:table|autoFilter)\b[^>]*?\sref=")' + re.escape(ref) + '"',
                grow,
                text,
            )
            _replace(replaced, rel.target, text.encode("utf-8"))


# --- calculation -------------------------------------------------------------------------


def _edit_workbook(
    src: Path,
    zf: zipfile.ZipFile,
    package: Package,
    jobs: dict[str, _SheetJob],
    replaced: dict[str, Deflated],
) -> None:
    """workbook.xml: ``fullCalcOnLoad`` when formulas may depend on changed cells, and the
    hidden ``_xlnm._FilterDatabase`` name of a sheet whose autofilter grew."""
    xml = _current(src, zf, package.workbook_part, replaced)
    new = xml
    if package.calc_chain_part and any(job.changes or job.shift for job in jobs.values()):
        new = _full_calc_on_load(new)
    index = {info.part: i for i, info in enumerate(package.sheets) if info.part}
    for job in jobs.values():
        grown = job.rewriter.result.autofilter if job.rewriter else None
        if grown and job.part in index:
            new = _grow_filter_database(new, index[job.part], *grown)
    new = restore_rids(new, package)
    if new != xml:
        _replace(replaced, package.workbook_part, new)


def _current(src: Path, zf: zipfile.ZipFile, part: str, replaced: dict[str, Deflated]) -> bytes:
    """A part as this patch has it so far: already rewritten, or as in the source."""
    pending = replaced.get(part)
    if pending is None:
        return read_member(src, zf, part)
    pending.file.seek(0)
    return zlib.decompress(pending.file.read(), -15)


def _replace(replaced: dict[str, Deflated], part: str, xml: bytes) -> None:
    pending = replaced.get(part)
    if pending is not None:
        pending.close()
    replaced[part] = deflate([xml])


def _grow_filter_database(xml: bytes, sheet_index: int, old: str, new: str) -> bytes:
    """The hidden filter name of a sheet whose autofilter grew or moved, set to ``new``."""
    old_rect, new_rect = parse_range(old), parse_range(new)
    if old_rect is None or new_rect is None:
        return xml
    text = xml.decode("utf-8")
    pattern = re.compile(
        r'(<(?:\w+:)?definedName\b(?=[^>]*name="_xlnm\._FilterDatabase")'
        rf'(?=[^>]*localSheetId="{sheet_index}")[^>]*>)([^<]*)(<)'
    )

    def grow(m: re.Match[str]) -> str:
        value = m.group(2)
        target = re.search(r"\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)$", value)
        if target is None or parse_range(target.group(0).replace("$", "")) != old_rect:
            return m.group(0)
        last = f"${target.group(3)}${new_rect[2]}"
        end = value[: target.start()] + f"${target.group(1)}${new_rect[0]}:{last}"
        return m.group(1) + end + m.group(3)

    return pattern.sub(grow, text).encode("utf-8")


def _full_calc_on_load(xml: bytes) -> bytes:
    """workbook.xml with ``<calcPr fullCalcOnLoad="1">`` (only that attribute changes)."""
    text = xml.decode("utf-8")
    m = re.search(r"<((?:\w+:)?)calcPr\b([^>]*?)(/?)>", text)
    if m is None:
        return xml  # no calcPr: Excel already recalculates a workbook without one
    attrs = m.group(2)
    if re.search(r'\sfullCalcOnLoad="(1|true)"', attrs):
        return xml
    attrs = re.sub(r'\sfullCalcOnLoad="[^"]*"', "", attrs)
    tag = f'<{m.group(1)}calcPr{attrs.rstrip()} fullCalcOnLoad="1"{m.group(3)}>'
    return (text[: m.start()] + tag + text[m.end() :]).encode("utf-8")


def _trim_calc_chain(
    src: Path,
    zf: zipfile.ZipFile,
    part: str,
    formulas: dict[str, list[str]],
    replaced: dict[str, Deflated],
) -> bool:
    """Remove calcChain entries of cells whose formula kqxl replaced, keeping the implicit
    sheet id (``i``) of the entries that follow; False when no entry is left."""
    xml = read_member(src, zf, part)
    parse_xml(src, part, xml)
    text = xml.decode("utf-8")
    drop = {(sid, ref) for sid, refs in formulas.items() for ref in refs}
    current = ""
    pieces: list[str] = []
    pos = 0
    carry = False
    kept = 0
    for m in re.finditer(r"<((?:\w+:)?)c\b([^>]*?)/>", text):
        attrs = m.group(2)
        i = re.search(r'\si="(\d+)"', attrs)
        ref = re.search(r'\sr="([^"]+)"', attrs)
        if i:
            current = i.group(1)
        pieces.append(text[pos : m.start()])
        pos = m.end()
        if ref and (current, ref.group(1)) in drop:
            carry = carry or bool(i)
            continue
        entry = m.group(0)
        if carry and not i:
            entry = entry[:-2].rstrip() + f' i="{current}"/>'
        carry = False
        pieces.append(entry)
        kept += 1
    pieces.append(text[pos:])
    if not kept:
        return False
    new = "".join(pieces)
    if new != text:
        replaced[part] = deflate([new.encode("utf-8")])
    return True


def _drop_calc_chain(
    src: Path, zf: zipfile.ZipFile, package: Package, replaced: dict[str, Deflated]
) -> None:
    """Unlink an emptied calcChain (a ``<calcChain>`` needs at least one ``<c>``): its
    relationship and its content type go with it."""
    part = package.calc_chain_part
    rels_name = rels_path(package.workbook_part)
    rels = _current(src, zf, rels_name, replaced).decode("utf-8")
    rels = re.sub(r"<(?:\w+:)?Relationship\b[^>]*?Type=\"[^\"]*/calcChain\"[^>]*/>", "", rels)
    _replace(replaced, rels_name, rels.encode("utf-8"))
    types = _current(src, zf, "[Content_Types].xml", replaced).decode("utf-8")
    types = re.sub(
        rf'<(?:\w+:)?Override\b[^>]*?PartName="/{re.escape(str(part))}"[^>]*/>', "", types
    )
    _replace(replaced, "[Content_Types].xml", types.encode("utf-8"))


# --- verification ------------------------------------------------------------------------


def _verify(
    src: Path,
    tmp: Path,
    jobs: list[_SheetJob],
    contents: list[SheetContent],
    produced: dict[str, tuple[int, int, int]],
    styles_part: str | None = None,
) -> None:
    """A cheap read-back of the written file.

    Every rewritten member's CRC was checked as its bytes were produced (the deflater inflates
    its own output again); members copied raw keep the source's bytes and CRC. Here the new
    zip must open, its directory must list each member with the CRC and sizes written (or
    copied), and a sample of the patched cells of each sheet must read back as intended (its
    value, and a number format that fits it in the written styles part).
    """
    try:
        with zipfile.ZipFile(src) as source:
            before = {i.filename: (i.CRC, i.file_size, i.compress_size) for i in source.infolist()}
        with zipfile.ZipFile(tmp) as zf:
            for info in zf.infolist():
                want = produced.get(info.filename) or before.get(info.filename)
                if want != (info.CRC, info.file_size, info.compress_size):
                    raise fail(
                        WorkbookError, "verify_failed", path=src, detail=f"{info.filename} CRC 错误"
                    )
            names = set(zf.namelist())
            styles = StyleBook(zf.read(styles_part)) if styles_part in names else None
            replaced = {c.name.casefold() for c in contents}
            for job in jobs:
                if job.written is not None or (
                    job.rewriter is not None and job.name.casefold() not in replaced
                ):
                    _verify_cells(src, tmp, zf, job, styles)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise fail(WorkbookError, "verify_failed", path=src, detail=describe_error(exc)) from None


# Rows of each sheet whose patched cells are read back (spread evenly, first and last included);
# the rewriter keeps what it wrote only for those rows
VERIFY_SAMPLE_ROWS = 256


def _verify_cells(
    src: Path, tmp: Path, zf: zipfile.ZipFile, job: _SheetJob, styles: StyleBook | None
) -> None:
    expected = job.written if job.written is not None else {}
    if job.rewriter is not None:
        expected = job.rewriter.result.expected
    by_row: dict[int, dict[int, Written]] = {}
    for (r, c), w in expected.items():
        by_row.setdefault(r, {})[c] = w
    order = sorted(by_row)
    chosen = sample_rows(order, VERIFY_SAMPLE_ROWS)
    if chosen is not None:
        order = sorted(chosen)
    sample = {r: by_row[r] for r in order}
    seen: set[int] = set()
    for r, row in _sampled_rows(tmp, zf.getinfo(job.part), order):
        if r in seen:
            raise fail(WorkbookError, "verify_failed", path=src, detail=f"{job.name} 第 {r} 行重复")
        seen.add(r)
        try:
            for c, w in sample[r].items():
                _check_cell(src, job.name, r, c, w, cell_in_row(row, r, c), styles)
        except ValueError as exc:
            raise fail(
                WorkbookError, "verify_failed", path=src, detail=f"{job.name} 第 {r} 行：{exc}"
            ) from None
    for r, want in sample.items():
        if r not in seen and any(w.kind not in ("blank", "keep") for w in want.values()):
            raise fail(WorkbookError, "verify_failed", path=src, detail=f"{job.name} 第 {r} 行缺失")


def _sampled_rows(tmp: Path, info: zipfile.ZipInfo, order: list[int]) -> list[tuple[int, bytes]]:
    """The sampled rows of a part as written (deflated by kqxl), inflated by zlib-ng to its end,
    which checks it against its CRC. Each row is found by its number (:func:`rows_by_number`:
    the rows between are not looked at); in a part where one is not found so (a row without its
    number, rows out of order), every row is scanned, which also finds a row given twice."""
    with tmp.open("rb") as fh:
        chunks = inflate_member(fh, info)
        found = list(rows_by_number(chunks, order))
        deque(chunks, 0)  # the rest of the part: its CRC is checked at its end
    if len(found) == len(order):
        return found
    wanted = set(order)
    with tmp.open("rb") as fh:
        return list(iter_rows(inflate_member(fh, info), only=wanted))


def _check_cell(
    src: Path,
    sheet: str,
    r: int,
    c: int,
    want: Written,
    got: ReadCell | None,
    styles: StyleBook | None,
) -> None:
    if not written_as_meant(want, got, styles):
        raise fail(
            WorkbookError,
            "verify_failed",
            path=src,
            detail=f"{sheet}!{column_letter(c)}{r} 读回 {got!r}，应为 {want.text!r}",
        )
