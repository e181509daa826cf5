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
    """A validated sheet: the Excel row of each data row and each column's normalised values.

    ``values[key][i]`` is the value of column ``key`` in data row ``rows[i]``; a column the
    sheet lacks is all blank (``None``, or ``False`` for 是/否).
    """

    sheet: Sheet
    layout: SheetLayout | None
    rows: list[int]
    values: dict[str, list[Any]]
    findings: list[Finding]
    # name_key() of the key and name columns, for duplicate checks and look-ups
    match_keys: dict[str, list[str | None]] = field(default_factory=dict)

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

    ``extra_choices`` widens a choice column (e.g. 客户类型 named by a company's rules).
    """
    name = sheet.name
    findings: list[Finding] = []
    empty = SheetData(sheet, None, [], {c.key: [] for c in sheet.columns}, findings)
    if grid is None:
        findings.append(Finding.make("missing_sheet", name))
        return empty
    match = locate_header(grid, sheet)
    if match.header_row is None:
        required = [c.header for c in sheet.columns if c.required][:3]
        findings.append(
            Finding.make("no_header_row", name, rows=HEADER_SCAN_ROWS, expected="”“".join(required))
        )
        return empty
    header_row = match.header_row
    for header, col, first in match.duplicates:
        findings.append(
            Finding.make(
                "duplicate_column",
                name,
                header_row,
                column_letter(col),
                header,
                header,
                other=column_letter(first),
            )
        )
    for col_def in sheet.columns:
        if col_def.required and col_def.key not in match.columns:
            findings.append(Finding.make("missing_column", name, header_row, None, col_def.header))
    for rng in grid.merged:
        if rng.last_row > header_row:
            findings.append(
                Finding.make(
                    "merged_cells",
                    name,
                    rng.first_row,
                    column_letter(rng.first_col),
                    None,
                    str(rng),
                )
            )

    # Transpose the data area once; every column is then converted in one pass.
    start = header_row + 1 - grid.first_row
    data = grid.rows[start:]
    # A sparse sheet (read cell by cell) has empty rows: blank, so left out before transposing,
    # and a stray cell far to the right is not worth a column: only the header's are built.
    offsets: Sequence[int] = range(len(data))
    if not all(data):
        offsets = [i for i, row in enumerate(data) if row]
        data = [data[i] for i in offsets]
    width = max(match.columns.values(), default=grid.first_col) - grid.first_col + 1
    raw_cols: list[tuple[CellValue, ...]] = []
    if data:
        lengths = set(map(len, data))
        # zip is faster than zip_longest; rows of one length (the usual case) allow it
        raw_cols = list(
            islice(
                zip(*data, strict=True)
                if len(lengths) == 1
                else zip_longest(*data, fillvalue=None),
                width,
            )
        )
    n_rows = len(data)

    def raw_of(key: str) -> Sequence[CellValue]:
        j = match.columns[key] - grid.first_col
        return raw_cols[j] if j < len(raw_cols) else (None,) * n_rows

    keep = _non_blank(data, raw_of, sheet, match, grid.first_col)
    excel_rows = [header_row + 1 + offsets[i] for i in keep]
    if len(keep) != n_rows:
        raw_cols = [tuple(col[i] for i in keep) for col in raw_cols]
        n_rows = len(keep)

    values: dict[str, list[Any]] = {}
    for col_def in sheet.columns:
        key = col_def.key
        if key not in match.columns or col_def.is_computed:
            values[key] = [False] * n_rows if col_def.type is ColumnType.BOOL else [None] * n_rows
            continue
        choices = None
        if col_def.type is ColumnType.CHOICE:
            choices = choice_map((*col_def.choices, *(extra_choices or {}).get(key, ())))
        out, bads = convert_column(raw_of(key), col_def.type, choices, date1904)
        letter = column_letter(match.columns[key])
        bad_rows = set()
        for bad in bads:
            bad_rows.add(bad.index)
            extra = {"choices": "、".join(col_def.choices)} if bad.code == "not_a_choice" else {}
            findings.append(
                Finding.make(
                    bad.code,
                    name,
                    excel_rows[bad.index],
                    letter,
                    col_def.header,
                    cell_text(bad.raw),
                    **extra,
                )
            )
        if col_def.required:
            for i in positions(out, None):
                if i not in bad_rows:
                    findings.append(
                        Finding.make(
                            "required_missing", name, excel_rows[i], letter, col_def.header, ""
                        )
                    )
        values[key] = out

    match_keys = {key: name_keys(values[key]) for key in (sheet.key_column, sheet.name_column)}
    _duplicates(
        sheet, sheet.key_column, "duplicate_key", values, match_keys, excel_rows, match, findings
    )
    _duplicates(
        sheet, sheet.name_column, "duplicate_name", values, match_keys, excel_rows, match, findings
    )

    layout = SheetLayout(
        name=name,
        header_row=header_row,
        first_data_row=header_row + 1,
        last_row=excel_rows[-1] if excel_rows else header_row,
        columns=dict(sorted(match.columns.items(), key=lambda kv: kv[1])),
        unknown_columns=list(match.unknown),
    )
    return SheetData(sheet, layout, excel_rows, values, findings, match_keys)


def _non_blank(
    data: list[list[CellValue]], raw_of: Any, sheet: Sheet, match: HeaderMatch, first_col: int
) -> list[int]:
    """Indices of the data rows that hold something a rep typed.

    Only rows without a name are candidates (cheap to find column-wise); they are blank when
    every cell outside kqxl's computed columns is empty or spaces.
    """
    name_key_col = sheet.name_column
    if name_key_col in match.columns:
        names = raw_of(name_key_col)
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


def _duplicates(
    sheet: Sheet,
    key: str,
    code: str,
    values: dict[str, list[Any]],
    match_keys: dict[str, list[str | None]],
    excel_rows: list[int],
    match: HeaderMatch,
    findings: list[Finding],
) -> None:
    if key not in match.columns:
        return
    col_def = sheet.column(key)
    letter = column_letter(match.columns[key])
    keys = match_keys[key]
    if len(set(keys)) >= len(keys) - keys.count(None) + (1 if None in keys else 0):
        return  # all distinct: the common case, decided in C
    seen: dict[str, int] = {}
    for i, v in enumerate(values[key]):
        k = keys[i]
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
