"""Find a sheet's header row and validate its data column by column (pure, no I/O)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice, zip_longest
from typing import Any

from kqxl.cells import CellValue, SheetGrid, column_letter
from kqxl.engine.convert import cell_text, choice_map, convert_column, name_keys, positions
from kqxl.engine.results import Finding, SheetLayout
from kqxl.schema import ColumnType, Sheet

HEADER_SCAN_ROWS = 10


def normalise_header(value: CellValue) -> str:
    """A header as matched: NFKC, no spaces (``　`` included), no trailing ``*``."""
    if value is None:
        return ""
    s = "".join(unicodedata.normalize("NFKC", cell_text(value)).split())
    return s.rstrip("*")


@dataclass(slots=True)
class HeaderMatch:
    """Where the header row is and which column holds which schema key."""

    header_row: int | None  # None: no row in the first ten holds a known header
    columns: dict[str, int] = field(default_factory=dict)  # key → Excel column (1-based)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # header, col, first


def locate_header(grid: SheetGrid, sheet: Sheet, scan_rows: int = HEADER_SCAN_ROWS) -> HeaderMatch:
    """The row within the first ``scan_rows`` holding the most headers of ``sheet``.

    Templates built by kqxl have a group-title row above the headers; a plain sheet has the
    headers in row 1. Ties go to the upper row.
    """
    by_header = {normalise_header(c.header): c.key for c in sheet.columns}
    best_row, best_count = None, 0
    for i, row in enumerate(grid.rows[:scan_rows]):
        count = len({by_header[h] for h in map(normalise_header, row) if h in by_header})
        if count > best_count:
            best_row, best_count = grid.first_row + i, count
    if best_row is None:
        return HeaderMatch(None)
    match = HeaderMatch(best_row)
    for j, value in enumerate(grid.rows[best_row - grid.first_row]):
        h = normalise_header(value)
        if not h:
            continue
        col = grid.first_col + j
        key = by_header.get(h)
        if key is None:
            match.unknown.append(cell_text(value).strip())
        elif key in match.columns:
            match.duplicates.append((sheet.column(key).header, col, match.columns[key]))
        else:
            match.columns[key] = col
    return match


@dataclass(slots=True)
class SheetData:
    """A validated sheet: the Excel row of each data row and each column's values.

    ``values[key][i]`` is the normalised value of column ``key`` in data row ``rows[i]``
    (blank or bad = ``None``, also for 是/否: blank is not 否); ``raw[key][i]`` is the cell as
    read, what the rep typed (``"1.2万"`` beside ``12000.0``). A column the sheet lacks is all
    ``None`` in both.
    """

    sheet: Sheet
    layout: SheetLayout | None
    rows: list[int]
    values: dict[str, list[Any]]
    findings: list[Finding]
    # name_key() of the key and name columns, for duplicate checks and look-ups
    match_keys: dict[str, list[str | None]] = field(default_factory=dict)
    raw: dict[str, Sequence[CellValue]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)


def validate_sheet(
    grid: SheetGrid | None,
    sheet: Sheet,
    *,
    extra_choices: Mapping[str, Sequence[str]] | None = None,
    date1904: bool = False,
) -> SheetData:
    """Validate one sheet against the schema: findings as values, normalised columns.

    The steps: find the header row and check it; transpose the data area and drop blank rows;
    convert each column by its type; report blank required cells; report duplicate keys and
    names. ``extra_choices`` widens a choice column (e.g. 客户类型 named by a company's rules).
    """
    findings: list[Finding] = []
    if grid is None:
        if not sheet.optional:
            findings.append(Finding.make("missing_sheet", sheet.name))
        return _empty(sheet, findings)
    match = locate_header(grid, sheet)
    if match.header_row is None:
        required = [c.header for c in sheet.columns if c.required][:3]
        findings.append(
            Finding.make(
                "no_header_row", sheet.name, rows=HEADER_SCAN_ROWS, expected="”“".join(required)
            )
        )
        return _empty(sheet, findings)
    header_row = match.header_row
    findings += _header_findings(grid, sheet, match, header_row)
    excel_rows, raw = _data_columns(grid, sheet, match, header_row)
    values, bad_rows, bad_findings = _convert_columns(
        sheet, match, raw, excel_rows, extra_choices or {}, date1904
    )
    findings += bad_findings
    if grid.pending:
        findings += _pending_findings(grid, sheet, match, bad_rows, excel_rows, header_row)
    findings += _required_findings(sheet, match, values, bad_rows, excel_rows)
    match_keys = {key: name_keys(values[key]) for key in (sheet.key_column, sheet.name_column)}
    unique = ((sheet.key_column, "duplicate_key"), (sheet.name_column, "duplicate_name"))
    for key, code in unique if sheet.unique_names else unique[:1]:
        keys = match_keys[key]
        findings += _duplicate_findings(sheet, key, code, values[key], keys, excel_rows, match)
    layout = SheetLayout(
        name=sheet.name,
        header_row=header_row,
        first_data_row=header_row + 1,
        last_row=excel_rows[-1] if excel_rows else header_row,
        columns=dict(sorted(match.columns.items(), key=lambda kv: kv[1])),
        unknown_columns=list(match.unknown),
    )
    return SheetData(sheet, layout, excel_rows, values, findings, match_keys, raw)


def _empty(sheet: Sheet, findings: list[Finding]) -> SheetData:
    return SheetData(
        sheet,
        None,
        [],
        {c.key: [] for c in sheet.columns},
        findings,
        raw={c.key: () for c in sheet.columns},
    )


def _header_findings(
    grid: SheetGrid, sheet: Sheet, match: HeaderMatch, header_row: int
) -> list[Finding]:
    """Repeated headers, missing required columns, merged cells below the header row."""
    name = sheet.name
    findings = [
        Finding.make(
            "duplicate_column",
            name,
            header_row,
            column_letter(col),
            header,
            header,
            other=column_letter(first),
        )
        for header, col, first in match.duplicates
    ]
    findings += [
        Finding.make("missing_column", name, header_row, None, c.header)
        for c in sheet.columns
        if c.required and c.key not in match.columns
    ]
    findings += [
        Finding.make(
            "merged_cells", name, rng.first_row, column_letter(rng.first_col), None, str(rng)
        )
        for rng in grid.merged
        if rng.last_row > header_row
    ]
    findings += _hidden_outputs(grid, sheet, match, header_row)
    return findings


def _hidden_outputs(
    grid: SheetGrid, sheet: Sheet, match: HeaderMatch, header_row: int
) -> list[Finding]:
    """A computed column's data cell that a merge hides (not its top-left cell): one finding
    per merge and column, at the first hidden row — what kqxl writes there nobody sees."""
    findings: list[Finding] = []
    for rng in grid.merged:
        for c in sheet.columns:
            col = match.columns.get(c.key)
            if not c.is_computed or col is None or not rng.first_col <= col <= rng.last_col:
                continue
            first = rng.first_row if col > rng.first_col else rng.first_row + 1
            first = max(first, header_row + 1)
            if first > rng.last_row:
                continue
            findings.append(
                Finding.make(
                    "merged_output", sheet.name, first, column_letter(col), c.header, str(rng)
                )
            )
    return findings


def _data_columns(
    grid: SheetGrid, sheet: Sheet, match: HeaderMatch, header_row: int
) -> tuple[list[int], dict[str, Sequence[CellValue]]]:
    """The Excel row of each non-blank data row, and each schema column's raw cells.

    The data area is transposed once (every column is then converted in one pass); the
    transposed columns are kept as they are, not copied per cell. A column the sheet lacks
    is one shared tuple of ``None``.
    """
    start = header_row + 1 - grid.first_row
    data = grid.rows[start:]
    # A sparse sheet (read cell by cell) has empty rows: blank, so left out before transposing,
    # and a stray cell far to the right is not worth a column: only the header's are built.
    offsets: Sequence[int] = range(len(data))
    if not all(data):
        offsets = [i for i, row in enumerate(data) if row]
        data = [data[i] for i in offsets]
    width = max(match.columns.values(), default=grid.first_col) - grid.first_col + 1
    cols: list[tuple[CellValue, ...]] = []
    if data:
        # zip is faster than zip_longest; rows of one length (the usual case) allow it
        one_length = len(set(map(len, data))) == 1
        cols = list(
            islice(
                zip(*data, strict=True) if one_length else zip_longest(*data, fillvalue=None),
                width,
            )
        )
    keep = _non_blank(data, cols, sheet, match, grid.first_col)
    if len(keep) != len(data):
        cols = [tuple(col[i] for i in keep) for col in cols]
    excel_rows = [header_row + 1 + offsets[i] for i in keep]
    blank: tuple[None, ...] = (None,) * len(keep)
    raw: dict[str, Sequence[CellValue]] = {}
    for col_def in sheet.columns:
        j = match.columns.get(col_def.key, 0) - grid.first_col
        raw[col_def.key] = cols[j] if col_def.key in match.columns and j < len(cols) else blank
    return excel_rows, raw


def _convert_columns(
    sheet: Sheet,
    match: HeaderMatch,
    raw: Mapping[str, Sequence[CellValue]],
    excel_rows: list[int],
    extra_choices: Mapping[str, Sequence[str]],
    date1904: bool,
) -> tuple[dict[str, list[Any]], dict[str, set[int]], list[Finding]]:
    """Each column converted by its type; the bad rows per column, and a finding for each.

    A column the sheet lacks, and every column kqxl computes, is all ``None``.
    """
    n = len(excel_rows)
    values: dict[str, list[Any]] = {}
    bad_rows: dict[str, set[int]] = {}
    findings: list[Finding] = []
    for col_def in sheet.columns:
        key = col_def.key
        if key not in match.columns or col_def.is_computed:
            values[key] = [None] * n
            continue
        choices = None
        if col_def.type is ColumnType.CHOICE:
            choices = choice_map((*col_def.choices, *extra_choices.get(key, ())))
        out, bads = convert_column(raw[key], col_def.type, choices, date1904)
        values[key] = out
        if not bads:
            continue
        letter = column_letter(match.columns[key])
        bad_rows[key] = {bad.index for bad in bads}
        for bad in bads:
            extra = {"choices": "、".join(col_def.choices)} if bad.code == "not_a_choice" else {}
            findings.append(
                Finding.make(
                    bad.code,
                    sheet.name,
                    excel_rows[bad.index],
                    letter,
                    col_def.header,
                    cell_text(bad.raw),
                    **extra,
                )
            )
    return values, bad_rows, findings


def _pending_findings(
    grid: SheetGrid,
    sheet: Sheet,
    match: HeaderMatch,
    bad_rows: dict[str, set[int]],
    excel_rows: list[int],
    header_row: int,
) -> list[Finding]:
    """A notice for each formula without a computed value below the header, in a column kqxl
    reads.

    Such a cell reads as blank; its row is noted as bad for that column, so that the notice
    replaces a "required" finding about a cell that is not empty in Excel. A row that holds
    nothing but such formulas reads as blank (no result), but its notices still tell the rep.
    """
    index = {r: i for i, r in enumerate(excel_rows)}
    by_col = {col: key for key, col in match.columns.items()}
    findings = []
    for (r, c), formula in sorted(grid.pending.items()):
        i, key = index.get(r), by_col.get(c)
        if r <= header_row or key is None or sheet.column(key).is_computed:
            continue
        if i is not None:
            bad_rows.setdefault(key, set()).add(i)
        header = sheet.column(key).header
        # a shared formula's other cells carry no text of their own
        code = "formula_not_calculated" if formula.strip("= ") else "shared_formula_not_calculated"
        findings.append(Finding.make(code, sheet.name, r, column_letter(c), header, formula))
    return findings


def _required_findings(
    sheet: Sheet,
    match: HeaderMatch,
    values: Mapping[str, list[Any]],
    bad_rows: Mapping[str, set[int]],
    excel_rows: list[int],
) -> list[Finding]:
    """A finding for each blank cell of a required column (a bad cell is reported already)."""
    findings = []
    for col_def in sheet.columns:
        key = col_def.key
        if not col_def.required or key not in match.columns or col_def.is_computed:
            continue  # a missing required column is one finding of the header checks
        letter = column_letter(match.columns[key])
        bad = bad_rows.get(key, set())
        findings += [
            Finding.make("required_missing", sheet.name, excel_rows[i], letter, col_def.header, "")
            for i in positions(values[key], None)
            if i not in bad
        ]
    return findings


def _non_blank(
    data: list[list[CellValue]],
    cols: Sequence[Sequence[CellValue]],
    sheet: Sheet,
    match: HeaderMatch,
    first_col: int,
) -> list[int]:
    """Indices of the data rows that hold something a rep typed.

    Only rows without a name are candidates (cheap to find column-wise); they are blank when
    every cell outside kqxl's computed columns is empty or spaces.
    """
    name_col = match.columns.get(sheet.name_column)
    if name_col is not None and name_col - first_col < len(cols):
        names = cols[name_col - first_col]
        candidates = [
            i for i, v in enumerate(names) if v is None or (v.__class__ is str and not v.strip())
        ]
    else:
        candidates = list(range(len(data)))
    if not candidates:
        return list(range(len(data)))
    computed = {
        match.columns[c.key] - first_col
        for c in sheet.columns
        if c.is_computed and c.key in match.columns
    }
    blank = set()
    for i in candidates:
        row = data[i]
        if all(
            v is None or (v.__class__ is str and not v.strip())
            for j, v in enumerate(row)
            if j not in computed
        ):
            blank.add(i)
    return [i for i in range(len(data)) if i not in blank]


def _duplicate_findings(
    sheet: Sheet,
    key: str,
    code: str,
    values: Sequence[Any],
    keys: Sequence[str | None],
    excel_rows: list[int],
    match: HeaderMatch,
) -> list[Finding]:
    """A finding for each row whose ``key`` column repeats an earlier row's (after folding)."""
    findings: list[Finding] = []
    if key not in match.columns:
        return findings
    if len(set(keys)) >= len(keys) - keys.count(None) + (1 if None in keys else 0):
        return findings  # all distinct: the common case, decided in C
    col_def = sheet.column(key)
    letter = column_letter(match.columns[key])
    seen: dict[str, int] = {}
    for i, (k, v) in enumerate(zip(keys, values, strict=True)):
        if k is None:
            continue
        first = seen.get(k)
        if first is None:
            seen[k] = excel_rows[i]
        else:
            findings.append(
                Finding.make(
                    code, sheet.name, excel_rows[i], letter, col_def.header, v, other=first
                )
            )
    return findings
