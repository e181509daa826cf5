"""Build the rep workbook (客户跟进表) and the master workbook (团队总表) from the schema.

Both have the data sheets **客户** and **项目** laid out the same way:

* row 1: the column groups (基本细节 … 计算结果), merged over each group's columns, coloured;
* row 2: the Chinese headers; data from row 3;
* panes frozen at C3 (key and name stay visible), an autofilter on the header row;
* dropdowns for every choice and 是/否 column, number formats per column type;
* conditional formats: grade colours, a heat colour scale, key/name and 校验 tinted on rows
  with a 校验 message (the wrong cell itself carries kqxl's highlight);
* computed columns grey, italic and locked; everything else unlocked; the sheet protected
  without a password, still allowing sort, filter, inserting/deleting rows and column widths.

Then a **说明** sheet (how to use the workbook, every column, which rules are in effect), a
**规则** sheet (the rules in effect, one condition per row, and their TOML text from which kqxl
reads them back: :mod:`kqxl.rules.sheet`) and a **设置** sheet (template kind and version, rules
fingerprint; the workbook id and key counters are filled on the first recompute, so that copies
of a template never share an id: :mod:`kqxl.book.settings`). Custom document properties mark the
template: ``kqxl.template`` = ``rep``/``master`` and ``kqxl.version`` =
:data:`kqxl.schema.TEMPLATE_VERSION`.

>>> from kqxl.rules import load_rules
>>> wb = build_template("rep", load_rules(), rep_name="张三")
>>> wb.sheetnames
['客户', '项目', '说明', '规则', '设置']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, FormulaRule
from openpyxl.packaging.custom import IntProperty, StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kqxl.book.safety import describe_os_error, fail, fsync_file, replace_file, temp_name
from kqxl.book.settings import (
    SETTINGS_HEADER_ROW,
    SETTINGS_SHEET,
    SETTINGS_WIDTHS,
    Settings,
    settings_rows,
)
from kqxl.cells import CellError, CellValue, column_letter
from kqxl.errors import SchemaError, WorkbookError
from kqxl.schema import SCHEMA, TEMPLATE_VERSION, Column, ColumnType, Group, Owner, Sheet
from kqxl.texts import LABELS, TEMPLATE, text

if TYPE_CHECKING:
    from kqxl.rules import Rules

TemplateKind = Literal["rep", "master"]
Row = Mapping[str, CellValue]

MASTER_FILE = "团队总表.xlsx"
REP_FILE = "客户跟进表.xlsx"
PROP_TEMPLATE = "kqxl.template"
PROP_VERSION = "kqxl.version"

GROUP_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
# Dropdowns and conditional formats reach this far (or 500 rows past the data, if more).
LAST_FORMATTED_ROW = 2000
EXTRA_ROWS = 500
FREEZE_AT = "C3"  # key and name columns stay visible

# Group colours: a stronger one for the group title, a light one for the header row.
GROUP_COLOURS: dict[Group, tuple[str, str]] = {
    Group.BASIC: ("2F5597", "DDEBF7"),
    Group.BUSINESS: ("548235", "E2EFDA"),
    Group.PERSONAL: ("C55A11", "FBE5D6"),
    Group.LOGISTICS: ("7F6000", "FFF2CC"),
    Group.RECORD: ("7030A0", "E4DFEC"),
    Group.CHECKLIST: ("1F6F78", "DAEEF0"),
    Group.COMPUTED: ("595959", "D9D9D9"),
}
COMPUTED_FILL = "EDEDED"
COMPUTED_FONT = "404040"
# Grade colours from 未评级 upwards (light to strong green); 不适用 is greyed out.
GRADE_FILLS = ("F2F2F2", "E2EFDA", "C6E0B4", "A9D08E", "70AD47")
GRADE_TOP_FONT = "FFFFFF"
NOT_APPLICABLE_FONT = "808080"
HEAT_SCALE = ("FFFFFF", "FFEB84", "F8696B")  # 0% → 50% → 100%
CHECKS_TINT = "FDE9E7"

NUMBER_FORMATS: dict[ColumnType, str] = {
    ColumnType.DATE: "yyyy-mm-dd",
    ColumnType.MONEY: "#,##0.00",
    ColumnType.INTEGER: "0",
    ColumnType.PERCENT: "0%",
    # Text columns stay text when typed: phone and bank numbers keep their leading zeros.
    ColumnType.TEXT: "@",
}

THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)


# ---------------------------------------------------------------- public API


def build_template(
    kind: TemplateKind,
    rules: Rules,
    *,
    rep_name: str | None = None,
    customers: Sequence[Row] = (),
    projects: Sequence[Row] = (),
) -> openpyxl.Workbook:
    """A new workbook of ``kind`` (``rep`` or ``master``) with the given rows from row 3.

    Rows are keyed by schema column ``key`` and hold typed values; 是/否 columns take
    ``True``/``False`` (written as 是/否) or the text itself.
    """
    if kind not in ("rep", "master"):
        raise ValueError(f"kind must be 'rep' or 'master', not {kind!r}")
    title = _title(kind, rep_name)
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for sheet, rows in ((SCHEMA.customers, customers), (SCHEMA.projects, projects)):
        _data_sheet(wb, sheet, rows, rules, title)
    _readme_sheet(wb, kind, title, rules)
    _rules_sheet(wb, rules)
    _settings_sheet(wb, kind, rules)
    if kind == "master":
        from kqxl.board import add_board_sheet

        add_board_sheet(wb, rules)
    wb.active = 0
    wb.properties.title = title
    wb.properties.creator = "kqxl"
    wb.properties.subject = text(TEMPLATE, "subject")
    wb.custom_doc_props.append(StringProperty(name=PROP_TEMPLATE, value=kind))
    wb.custom_doc_props.append(IntProperty(name=PROP_VERSION, value=TEMPLATE_VERSION))
    return wb


def write_template(
    path: str | os.PathLike[str],
    kind: TemplateKind,
    rules: Rules,
    *,
    rep_name: str | None = None,
    customers: Sequence[Row] = (),
    projects: Sequence[Row] = (),
) -> Path:
    """Build a template and save it to ``path`` atomically (temp file beside it, then rename)."""
    target = Path(path)
    wb = build_template(kind, rules, rep_name=rep_name, customers=customers, projects=projects)
    temp = temp_name(target)
    try:
        wb.save(temp)
        fsync_file(temp)
        replace_file(temp, target, None)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise fail(
            WorkbookError, "write_failed", path=target, detail=describe_os_error(exc)
        ) from None
    return target


def init_folder(
    directory: str | os.PathLike[str], rules: Rules, *, force: bool = False
) -> list[Path]:
    """Write 团队总表.xlsx and 客户跟进表.xlsx into ``directory`` (created if missing).

    Refuses, before writing anything, when either file exists and ``force`` is not set.
    """
    folder = Path(directory)
    targets = [(folder / MASTER_FILE, "master"), (folder / REP_FILE, "rep")]
    existing = [p for p, _ in targets if p.exists()]
    if existing and not force:
        raise fail(WorkbookError, "exists", paths="、".join(str(p) for p in existing))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail(
            WorkbookError, "write_failed", path=folder, detail=describe_os_error(exc)
        ) from None
    kinds: list[tuple[Path, TemplateKind]] = [
        (folder / MASTER_FILE, "master"),
        (folder / REP_FILE, "rep"),
    ]
    return [write_template(path, kind, rules) for path, kind in kinds]


# ---------------------------------------------------------------- data sheets


def _title(kind: TemplateKind, rep_name: str | None) -> str:
    if kind == "master":
        return text(TEMPLATE, "title_master")
    if rep_name:
        return text(TEMPLATE, "title_rep_named", rep=rep_name)
    return text(TEMPLATE, "title_rep")


def _spans(sheet: Sheet) -> list[tuple[Group, int, int]]:
    """Consecutive runs of one group as (group, first column, last column), 1-based."""
    spans: list[tuple[Group, int, int]] = []
    for i, col in enumerate(sheet.columns, start=1):
        if spans and spans[-1][0] is col.group and spans[-1][2] == i - 1:
            spans[-1] = (col.group, spans[-1][1], i)
        else:
            spans.append((col.group, i, i))
    return spans


def _group_title(group: Group) -> str:
    if group is Group.COMPUTED:
        return text(TEMPLATE, "group_computed", group=group.value, hint=LABELS["group_row_hint"])
    return group.value


def _data_sheet(
    wb: openpyxl.Workbook, sheet: Sheet, rows: Sequence[Row], rules: Rules, title: str
) -> Worksheet:
    ws = wb.create_sheet(sheet.name)
    ncols = len(sheet.columns)
    last_col = column_letter(ncols)
    last_row = max(LAST_FORMATTED_ROW, FIRST_DATA_ROW + len(rows) + EXTRA_ROWS)
    ws.sheet_properties.tabColor = "2F5597" if sheet is SCHEMA.customers else "548235"

    # Row 1: group titles.
    for group, first, last in _spans(sheet):
        strong, _ = GROUP_COLOURS[group]
        cell = ws.cell(GROUP_ROW, first, _group_title(group))
        for c in range(first, last + 1):
            ws.cell(GROUP_ROW, c).fill = PatternFill("solid", fgColor=strong)
            ws.cell(GROUP_ROW, c).border = BOX
        cell.font = Font(bold=True, color="FFFFFF", italic=group is Group.COMPUTED)
        # Left-aligned: a group wider than a printed page still shows its title on the first.
        cell.alignment = Alignment(horizontal="left", vertical="center", indent=1)
        if last > first:
            ws.merge_cells(
                start_row=GROUP_ROW, start_column=first, end_row=GROUP_ROW, end_column=last
            )
    ws.row_dimensions[GROUP_ROW].height = 22

    # Row 2: headers; column widths and the column style that new cells inherit.
    for i, col in enumerate(sheet.columns, start=1):
        letter = column_letter(i)
        _, light = GROUP_COLOURS[col.group]
        cell = ws.cell(HEADER_ROW, i, col.header)
        cell.font = Font(
            bold=True, italic=col.is_computed, color="C00000" if col.required else "000000"
        )
        cell.fill = PatternFill("solid", fgColor=light)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        dim = ws.column_dimensions[letter]
        dim.width = _width(col)
        # A column style reaches the cells a rep types into later (and rows they insert):
        # input columns unlocked, computed columns locked and greyed.
        dim.number_format = NUMBER_FORMATS.get(col.type, "General")
        if col.is_computed:
            dim.fill = PatternFill("solid", fgColor=COMPUTED_FILL)
            dim.font = Font(italic=True, color=COMPUTED_FONT)
            dim.protection = LOCKED
        else:
            dim.protection = UNLOCKED
    ws.row_dimensions[HEADER_ROW].height = 36

    # Data.
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        unknown = set(row) - {c.key for c in sheet.columns}
        if unknown:
            raise SchemaError.from_key(
                "unknown_keys", sheet=sheet.name, keys="、".join(sorted(unknown))
            )
        for i, col in enumerate(sheet.columns, start=1):
            _write_value(ws.cell(r, i), col, row.get(col.key))

    _validations(ws, sheet, last_row)
    _conditional_formats(ws, sheet, rules, last_row, last_col)

    ws.freeze_panes = FREEZE_AT
    last_data = max(HEADER_ROW, FIRST_DATA_ROW + len(rows) - 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{last_data}"
    ws.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    ws.print_title_cols = "A:B"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.oddHeader.center.text = f"{title} — {sheet.name}"
    ws.oddFooter.center.text = "&P / &N"
    ws.sheet_view.zoomScale = 100

    # Protection without a password. In openpyxl (as in the file format) True means
    # "forbidden while protected", so False below *allows* the action.
    p = ws.protection
    p.sheet = True
    p.sort = False
    p.autoFilter = False
    p.insertRows = False
    p.deleteRows = False
    p.formatColumns = False
    p.formatRows = False
    p.formatCells = True
    p.insertColumns = True
    p.deleteColumns = True
    p.selectLockedCells = False
    p.selectUnlockedCells = False
    return ws


def _width(col: Column) -> float:
    # A CJK character is about two width units; keep the header on at most two lines.
    return round(max(col.width, len(col.header) + 2.0), 1)


def _write_value(cell: Cell, col: Column, value: CellValue) -> None:
    if isinstance(value, bool) and col.type is ColumnType.BOOL:
        value = LABELS["yes"] if value else LABELS["no"]
    if isinstance(value, CellError):
        cell.value = value.code  # openpyxl writes a known error code as an error cell
    else:
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text that looks like a formula stays text
    if isinstance(value, dt.datetime | dt.date) or col.type in NUMBER_FORMATS:
        cell.number_format = NUMBER_FORMATS.get(col.type, "yyyy-mm-dd")
    if col.is_computed:
        cell.fill = PatternFill("solid", fgColor=COMPUTED_FILL)
        cell.font = Font(italic=True, color=COMPUTED_FONT)
        cell.protection = LOCKED
    else:
        cell.protection = UNLOCKED


def _validations(ws: Worksheet, sheet: Sheet, last_row: int) -> None:
    """One list validation per choice/是/否 column, each with a Chinese error message."""
    for i, col in enumerate(sheet.columns, start=1):
        if not col.choices or col.is_computed:
            continue
        choices = ",".join(col.choices)
        dv = DataValidation(
            type="list",
            formula1=f'"{choices}"',
            allow_blank=True,
            showDropDown=False,  # False = show the in-cell arrow (the attribute is inverted)
            showErrorMessage=True,
            errorStyle="stop",
            errorTitle=text(TEMPLATE, "dv_error_title"),
            error=text(TEMPLATE, "dv_error", header=col.header, choices="、".join(col.choices)),
            showInputMessage=False,
        )
        letter = column_letter(i)
        dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        ws.add_data_validation(dv)


def _conditional_formats(
    ws: Worksheet, sheet: Sheet, rules: Rules, last_row: int, last_col: str
) -> None:
    # Grade colours first: an earlier rule has the higher priority, and a grade cell should
    # keep its colour inside a tinted row.
    grade_labels = list(rules.labels.grades)
    for i, col in enumerate(sheet.columns, start=1):
        if col.header not in GRADE_HEADERS:
            continue
        letter = column_letter(i)
        area = f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"
        for n, label in enumerate(grade_labels):
            colour = _grade_fill(n, len(grade_labels))
            top = n == len(grade_labels) - 1
            ws.conditional_formatting.add(
                area,
                CellIsRule(
                    operator="equal",
                    formula=[_quoted(label)],
                    fill=PatternFill("solid", fgColor=colour, bgColor=colour),
                    font=Font(bold=top, color=GRADE_TOP_FONT if top else "000000"),
                ),
            )
        ws.conditional_formatting.add(
            area,
            CellIsRule(
                operator="equal",
                formula=[_quoted(rules.labels.not_applicable)],
                font=Font(italic=True, color=NOT_APPLICABLE_FONT),
            ),
        )
    for i, col in enumerate(sheet.columns, start=1):
        if col.type is ColumnType.PERCENT:
            letter = column_letter(i)
            ws.conditional_formatting.add(
                f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}",
                ColorScaleRule(
                    start_type="num",
                    start_value=0,
                    start_color=HEAT_SCALE[0],
                    mid_type="num",
                    mid_value=0.5,
                    mid_color=HEAT_SCALE[1],
                    end_type="num",
                    end_value=1,
                    end_color=HEAT_SCALE[2],
                ),
            )
    checks = sheet.by_header(CHECKS_HEADER)
    if checks is not None:
        letter = column_letter(sheet.columns.index(checks) + 1)
        # Tint only the frozen key/name columns and 校验 itself: a whole-row tint would hide
        # the highlight kqxl puts on the very cell that is wrong.
        ws.conditional_formatting.add(
            f"A{FIRST_DATA_ROW}:B{last_row} {letter}{FIRST_DATA_ROW}:{letter}{last_row}",
            FormulaRule(
                formula=[f"LEN(TRIM(${letter}{FIRST_DATA_ROW}))>0"],
                fill=PatternFill("solid", fgColor=CHECKS_TINT, bgColor=CHECKS_TINT),
            ),
        )


def _grade_fill(n: int, count: int) -> str:
    """Spread however many grades the rules define over the palette, lowest to highest."""
    top = len(GRADE_FILLS) - 1
    return GRADE_FILLS[min(top, round(n * top / max(1, count - 1)))]


GRADE_HEADERS = frozenset({"客情等级", "甲方等级", "总包等级"})
CHECKS_HEADER = "校验"


def _quoted(label: str) -> str:
    return '"' + label.replace('"', '""') + '"'


# ---------------------------------------------------------------- 说明 and 规则


TYPE_KEYS: dict[ColumnType, str] = {t: f"type_{t.value}" for t in ColumnType}
OWNER_KEYS: dict[Owner, str] = {o: f"owner_{o.value}" for o in Owner}
README_WIDTHS = (8, 7, 16, 12, 12, 6, 10, 30, 64)


def _heading(ws: Worksheet, row: int, value: str, size: int = 12) -> None:
    cell = ws.cell(row, 1, value)
    cell.font = Font(bold=True, size=size, color="1F3864")


def _table_header(ws: Worksheet, row: int, headers: Sequence[str]) -> None:
    for i, h in enumerate(headers, start=1):
        cell = ws.cell(row, i, h)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")


def _table_row(ws: Worksheet, row: int, values: Sequence[object], wrap_from: int) -> None:
    for i, v in enumerate(values, start=1):
        cell = ws.cell(row, i, v)
        cell.border = BOX
        cell.alignment = Alignment(vertical="top", wrap_text=i >= wrap_from)
        if isinstance(v, str) and v.startswith("="):
            cell.data_type = "s"


def _readme_sheet(wb: openpyxl.Workbook, kind: TemplateKind, title: str, rules: Rules) -> None:
    from kqxl.rules.io import RulesInfo

    ws = wb.create_sheet(LABELS["sheet_readme"])
    ws.sheet_properties.tabColor = "7F7F7F"
    for i, w in enumerate(README_WIDTHS, start=1):
        ws.column_dimensions[column_letter(i)].width = w
    _heading(ws, 1, text(TEMPLATE, "readme_title", title=title), size=16)
    ws.cell(
        2,
        1,
        text(
            TEMPLATE,
            "readme_version",
            version=TEMPLATE_VERSION,
            rules=RulesInfo.of(rules, "workbook").describe(),
        ),
    )
    row = 4
    _heading(ws, row, text(TEMPLATE, "readme_howto"))
    row += 1
    steps = [TEMPLATE[f"howto_{n}"] for n in range(1, HOWTO_STEPS + 1)]
    if kind == "master":
        steps.append(TEMPLATE["howto_master"])
    for n, step in enumerate(steps, start=1):
        ws.cell(row, 1, f"{n}. {step}")
        row += 1

    row += 1
    _heading(ws, row, text(TEMPLATE, "readme_columns"))
    row += 1
    _table_header(
        ws,
        row,
        [
            TEMPLATE[k]
            for k in (
                "col_sheet",
                "col_letter",
                "col_header",
                "col_group",
                "col_type",
                "col_required",
                "col_owner",
                "col_choices",
                "col_description",
            )
        ],
    )
    row += 1
    for sheet in SCHEMA.sheets:
        for i, col in enumerate(sheet.columns, start=1):
            _table_row(
                ws,
                row,
                [
                    sheet.name,
                    column_letter(i),
                    col.header,
                    col.group.value,
                    TEMPLATE[TYPE_KEYS[col.type]],
                    LABELS["yes"] if col.required else "",
                    TEMPLATE[OWNER_KEYS[col.owner]],
                    "、".join(col.choices),
                    col.description,
                ],
                wrap_from=8,
            )
            if col.is_computed:
                for c in range(1, len(README_WIDTHS) + 1):
                    ws.cell(row, c).fill = PatternFill("solid", fgColor=COMPUTED_FILL)
            row += 1

    row += 1
    _heading(ws, row, text(TEMPLATE, "readme_rules"))
    row += 1
    # The rules themselves are in the 规则 sheet only: one place to keep in step when a
    # recompute stores other rules (the line in row 2 names them).
    ws.cell(row, 1, text(TEMPLATE, "readme_rules_note"))
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


HOWTO_STEPS = 8


def _rules_sheet(wb: openpyxl.Workbook, rules: Rules) -> None:
    from kqxl.rules.sheet import RULES_WIDTHS, rules_sheet

    layout = rules_sheet(rules)
    ws = wb.create_sheet(LABELS["sheet_rules"])
    ws.sheet_properties.tabColor = "C00000"
    for i, w in enumerate(RULES_WIDTHS, start=1):
        ws.column_dimensions[column_letter(i)].width = w
    for r, values in enumerate(layout.rows, start=1):
        if r == layout.header_row:
            _table_header(ws, r, [str(v) for v in values])
        elif r in layout.table_rows:
            _table_row(ws, r, values, wrap_from=3)
        else:
            for c, v in enumerate(values, start=1):
                cell = ws.cell(r, c, v)
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"
                if r in layout.block_rows:
                    cell.font = Font(color=BLOCK_FONT, size=9)
    ws.cell(1, 1).font = Font(bold=True, size=16, color="1F3864")
    last_table = layout.table_rows[-1] if layout.table_rows else layout.header_row
    ws.freeze_panes = f"A{layout.header_row + 1}"
    ws.auto_filter.ref = f"A{layout.header_row}:E{last_table}"
    ws.print_title_rows = f"{layout.header_row}:{layout.header_row}"
    ws.print_area = f"A1:E{last_table}"  # the TOML block is for kqxl, not for the printer
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


BLOCK_FONT = "808080"


def _settings_sheet(wb: openpyxl.Workbook, kind: TemplateKind, rules: Rules) -> None:
    from kqxl.rules.io import rules_fingerprint

    # No workbook id yet: a template is copied to every rep, and each copy must draw its own.
    settings = Settings(
        template_kind=kind,
        template_version=TEMPLATE_VERSION,
        rules_fingerprint=rules_fingerprint(rules),
    )
    ws = wb.create_sheet(SETTINGS_SHEET)
    ws.sheet_properties.tabColor = "7F7F7F"
    for c, w in SETTINGS_WIDTHS.items():
        ws.column_dimensions[column_letter(c)].width = w
    for r, values in enumerate(settings_rows(settings), start=1):
        if r == SETTINGS_HEADER_ROW:
            _table_header(ws, r, [str(v) for v in values])
        elif r > SETTINGS_HEADER_ROW:
            _table_row(ws, r, values, wrap_from=3)
        else:
            ws.cell(r, 1, values[0])
    ws.cell(1, 1).font = Font(bold=True, size=14, color="1F3864")
    ws.freeze_panes = f"A{SETTINGS_HEADER_ROW + 1}"
