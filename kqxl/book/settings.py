"""The kqxl-owned **设置** sheet: a small key/value table a person can read.

Layout (rows as Excel numbers)::

    1  kqxl 设置（由 kqxl 维护，请勿修改或删除本工作表）          ← marks the sheet as kqxl's
    2  a note on what it is for
    3  设置项 | 值 | 说明 | 代码                                  ← the header row
    4… 工作簿编号 | 7QM4XD | … | workbook_id                       ← one setting per row

Column D (代码) names each setting for kqxl, so the Chinese labels may change between versions;
a row whose code this version does not know (written by a later kqxl: rep name, master, last
sync …) is kept as it is when the sheet is written again.

>>> s = Settings(workbook_id="7QM4XD", counters={"KH": 12})
>>> rows = settings_rows(s)
>>> read_settings(SheetGrid("设置", rows), "x.xlsx") == s
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from kqxl.book.safety import fail
from kqxl.cells import CellValue, SheetGrid
from kqxl.errors import WorkbookError
from kqxl.keys import KEY_PREFIXES, is_workbook_id
from kqxl.texts import STORED, text

SETTINGS_SHEET = "设置"
SETTINGS_HEADER_ROW = 3
SETTINGS_WIDTHS = {1: 18.0, 2: 22.0, 3: 70.0, 4: 20.0}
# How far down the header row is looked for (a person may have inserted a line above it).
_HEADER_SEARCH = 10

WORKBOOK_ID, TEMPLATE_KIND, TEMPLATE_VERSION, RULES_FINGERPRINT = (
    "workbook_id",
    "template_kind",
    "template_version",
    "rules_fingerprint",
)
COUNTER = "counter."  # + key prefix: counter.KH, counter.XM
_LABEL_KEYS = {
    WORKBOOK_ID: "workbook_id",
    TEMPLATE_KIND: "template_kind",
    TEMPLATE_VERSION: "template_version",
    RULES_FINGERPRINT: "rules_fingerprint",
}
_SHEET_OF_PREFIX = {prefix: sheet for sheet, prefix in KEY_PREFIXES.items()}


@dataclass(frozen=True)
class Settings:
    """What the 设置 sheet holds. ``counters``: key prefix → highest key number used."""

    workbook_id: str | None = None
    counters: Mapping[str, int] = field(default_factory=dict)
    template_kind: str | None = None
    template_version: int | None = None
    rules_fingerprint: str | None = None
    # rows with a code this version does not know, kept verbatim (label, value, note, code)
    other_rows: tuple[tuple[CellValue, ...], ...] = ()

    def counter(self, prefix: str) -> int:
        return self.counters.get(prefix, 0)

    def with_changes(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _label(code: str) -> tuple[str, str]:
    """(label, note) of a setting, in Chinese."""
    if code.startswith(COUNTER):
        prefix = code[len(COUNTER) :]
        sheet = _SHEET_OF_PREFIX.get(prefix, prefix)
        return text(STORED, "counter", sheet=sheet), text(STORED, "counter_note", sheet=sheet)
    key = _LABEL_KEYS[code]
    return STORED[key], STORED[f"{key}_note"]


def settings_rows(settings: Settings) -> list[list[CellValue]]:
    """The 设置 sheet as rows from A1 (title, note, header, one row per setting)."""
    rows: list[list[CellValue]] = [
        [STORED["settings_title"]],
        [STORED["settings_note"]],
        [
            STORED["settings_label"],
            STORED["settings_value"],
            STORED["settings_description"],
            STORED["settings_code"],
        ],
    ]

    def add(code: str, value: CellValue) -> None:
        label, note = _label(code)
        rows.append([label, value, note, code])

    add(WORKBOOK_ID, settings.workbook_id)
    known = list(KEY_PREFIXES.values())
    prefixes = [*known, *sorted(set(settings.counters) - set(known))]
    for prefix in prefixes:
        add(COUNTER + prefix, settings.counter(prefix))
    add(TEMPLATE_KIND, settings.template_kind)
    add(TEMPLATE_VERSION, settings.template_version)
    add(RULES_FINGERPRINT, settings.rules_fingerprint)
    rows.extend(list(r) for r in settings.other_rows)
    return rows


def _header_row(grid: SheetGrid) -> int | None:
    want = (STORED["settings_label"], STORED["settings_code"])
    for row in range(1, _HEADER_SEARCH + 1):
        if (grid.value(row, 1), grid.value(row, 4)) == want:
            return row
    return None


def read_settings(grid: SheetGrid | None, path: str) -> Settings | None:
    """The settings in ``grid`` (None when the workbook has no 设置 sheet).

    Raises :class:`~kqxl.errors.WorkbookError` for a sheet of that name that kqxl did not write
    (it must not be overwritten) and for a value kqxl cannot use, naming sheet and row.
    """
    if grid is None:
        return None
    header = _header_row(grid)
    if header is None:
        raise fail(
            WorkbookError,
            "not_kqxl_sheet",
            path=path,
            sheet=grid.name,
            purpose=STORED["settings_title"].split("（")[0],
        )
    by_label = {_label(code)[0]: code for code in (*_LABEL_KEYS, *_counter_codes())}
    values: dict[str, CellValue] = {}
    other: list[tuple[CellValue, ...]] = []
    last = grid.first_row + len(grid.rows) - 1
    for row in range(header + 1, last + 1):
        cells = tuple(grid.value(row, c) for c in range(1, 5))
        label, value, _note, code = cells
        if all(v is None for v in cells):
            continue
        key = code.strip() if isinstance(code, str) and code.strip() else None
        if key is None and isinstance(label, str):
            key = by_label.get(label.strip())
        if key in _LABEL_KEYS or (key is not None and key.startswith(COUNTER)):
            values[key] = _checked(path, grid.name, row, key, value)
        else:
            other.append(cells)
    counters = {
        code[len(COUNTER) :]: int(v)  # type: ignore[arg-type]
        for code, v in values.items()
        if code.startswith(COUNTER) and v is not None
    }
    kind = values.get(TEMPLATE_KIND)
    version = values.get(TEMPLATE_VERSION)
    fingerprint = values.get(RULES_FINGERPRINT)
    wid = values.get(WORKBOOK_ID)
    return Settings(
        workbook_id=wid if isinstance(wid, str) else None,
        counters=counters,
        template_kind=kind if isinstance(kind, str) else None,
        template_version=version if isinstance(version, int) else None,
        rules_fingerprint=fingerprint if isinstance(fingerprint, str) else None,
        other_rows=tuple(other),
    )


def _counter_codes() -> list[str]:
    return [COUNTER + p for p in KEY_PREFIXES.values()]


def _checked(path: str, sheet: str, row: int, code: str, value: CellValue) -> CellValue:
    """The value of a known setting in the type kqxl uses, or a one-line error."""
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        return None
    label = _label(code)[0]

    def bad(detail: str) -> WorkbookError:
        return fail(
            WorkbookError,
            "settings_invalid",
            path=path,
            sheet=sheet,
            row=row,
            label=label,
            detail=detail,
        )

    if code == WORKBOOK_ID:
        if not is_workbook_id(value):
            raise bad(
                f"“{value}”不是有效的工作簿编号（6 位，由数字和除 I、L、O、U 以外的大写字母组成）"
            )
        return value
    if code.startswith(COUNTER) or code == TEMPLATE_VERSION:
        number = _whole_number(value)
        if number is None or number < 0:
            raise bad(f"应为不小于 0 的整数，实际为“{value}”")
        return number
    return str(value)


def _whole_number(value: CellValue) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None
