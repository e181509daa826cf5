"""Build the rep workbook (客户跟进表) and the master workbook (团队总表) from the schema.

Both have the data sheets **客户** and **项目** laid out the same way:

* columns in the order of :func:`template_columns`: key and name, then the short results
  (客情等级; 成交热度, 加权金额 …) where the eye is, then the input columns, and the long
  computed texts (依据, 差距, 校验) last, wrapped and clipped to a two-line row;
* row 1: the column groups (基本细节 … 计算结果), merged over each run of a group's columns,
  coloured;
* row 2: the Chinese headers; data from row 3;
* panes frozen at C3 (key and name stay visible), an autofilter on the header row;
* dropdowns for every choice and 是/否 column, number formats per column type;
* conditional formats: grade colours, a heat colour scale, key/name and 校验 tinted on rows
  with a 校验 message (the wrong cell itself carries kqxl's highlight);
* every cell in an explicit CJK font (:data:`CJK_FONT`), computed columns grey and locked,
  everything else unlocked;
* no sheet protection unless asked (``protect=True``): a rep must be able to delete a duplicate
  row, sort and insert columns, and a recompute restores a computed cell typed over anyway.
  When protected there is no password, and sort, filter, inserting/deleting rows and column
  widths stay allowed;
* printed landscape, one page wide, the two header rows repeated on every page.

Existing workbooks keep their own column order: kqxl finds every column by its header.

Then a **说明** sheet (how to use the workbook, every column, which rules are in effect), a
**规则** sheet (the rules in effect, one condition per row, and their TOML text from which kqxl
reads them back: :mod:`kqxl.rules.sheet`), a **设置** sheet (template kind and version, rules
fingerprint; the workbook id and key counters are filled on the first recompute, so that copies
of a template never share an id: :mod:`kqxl.book.settings`), and a **看板** (the master's per
rep, a rep workbook's its own: :mod:`kqxl.board`). Custom document properties mark the
template: ``kqxl.template`` = ``rep``/``master`` and ``kqxl.version`` =
:data:`kqxl.schema.TEMPLATE_VERSION`.

>>> from kqxl.rules import load_rules
>>> wb = build_template("rep", load_rules(), rep_name="张三")
>>> wb.sheetnames
['客户', '项目', '跟进记录', '投诉', '自评', '说明', '规则', '设置', '看板']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
from collections.abc import Callable, Mapping, Sequence
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
from kqxl.capabilities import has
from kqxl.cells import CellError, CellValue, column_letter
from kqxl.errors import SchemaError, WorkbookError
from kqxl.schema import SCHEMA, TEMPLATE_VERSION, Column, ColumnType, Group, Owner, Sheet
from kqxl.texts import LABELS, README, TEMPLATE, text

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
# Data rows are two lines high: wrapped 依据/差距/校验 show their start and are clipped there,
# never spilling into the next (empty) cell; the whole text is one click away.
DATA_ROW_HEIGHT = 30.0
# A computed column at least this wide holds a long text (依据, 差距, 校验); narrower ones hold a
# short result (a grade, a heat, an amount) and stand right after the name.
LONG_TEXT_WIDTH = 20.0
# The headline results that come right after the name, in this order.
HEADLINE_KEYS = ("grade", "heat", "weighted_amount", "client_grade", "contractor_grade")
# The long texts of grade and heat, last, in this order (校验 closes every sheet).
TAIL_KEYS = ("grade_reasons", "grade_gaps", "heat_reasons", "heat_gaps", "checks")

# Fonts set explicitly on every cell kqxl styles: without one a spreadsheet program falls back
# to its own default (LibreOffice showed computed CJK text in a slanted serif). Microsoft YaHei
# is on every Chinese Windows and in Office/WPS on macOS; where it is missing LibreOffice
# substitutes a CJK sans-serif (Noto Sans CJK SC on Linux).
CJK_FONT = "Microsoft YaHei"
CJK_CHARSET = 134  # GB2312: tells Excel which script the font is chosen for
FONT_SIZE = 10

# A group run narrower than this (width units) shows the group's name without the hint.
NARROW_GROUP = 40.0
# A key (KH-7K3M9Q-0001) is 14 characters: its column shows it whole, also when printed.
KEY_WIDTH = 16.0

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

TAB_COLOURS = {SCHEMA.customers.name: "2F5597", SCHEMA.projects.name: "548235"}

THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)


# ---------------------------------------------------------------- public API


def font(**kw: object) -> Font:
    """A :class:`Font` in the CJK font kqxl writes everything in (``kw`` as for ``Font``)."""
    kw.setdefault("sz", FONT_SIZE)
    return Font(name=CJK_FONT, charset=CJK_CHARSET, family=2, **kw)


def template_columns(sheet: Sheet) -> tuple[Column, ...]:
    """The columns of ``sheet`` in the order a template lays them out.

    Key and name first (frozen), then the headline results (:data:`HEADLINE_KEYS`: 客情等级;
    成交热度, 加权金额, 甲方等级, 总包等级) where the eye is, then every input column in schema
    order, then the other systems' results (价值分类, 下次拜访日期, 预警 …; short ones first),
    and the reasons and gaps of grade and heat (:data:`TAIL_KEYS`) at the end, 校验 last. A
    system's new columns find their place by the same rule.
    """
    first = [sheet.column(sheet.key_column), sheet.column(sheet.name_column)]
    computed = [c for c in sheet.columns if c.is_computed]
    front = sorted((c for c in computed if c.key in HEADLINE_KEYS), key=_rank(HEADLINE_KEYS))
    tail = sorted((c for c in computed if c.key in TAIL_KEYS), key=_rank(TAIL_KEYS))
    others = [c for c in computed if c not in front and c not in tail]
    others.sort(key=lambda c: c.width >= LONG_TEXT_WIDTH)  # stable: short ones first
    inputs = [c for c in sheet.columns if not c.is_computed and c not in first]
    return (*first, *front, *inputs, *others, *tail)


def _rank(keys: tuple[str, ...]) -> Callable[[Column], int]:
    return lambda c: keys.index(c.key)


def build_template(
    kind: TemplateKind,
    rules: Rules,
    *,
    rep_name: str | None = None,
    customers: Sequence[Row] = (),
    projects: Sequence[Row] = (),
    logs: Mapping[str, Sequence[Row]] | None = None,
    protect: bool = False,
) -> openpyxl.Workbook:
    """A new workbook of ``kind`` (``rep`` or ``master``) with the given rows from row 3.

    Rows are keyed by schema column ``key`` and hold typed values; 是/否 columns take
    ``True``/``False`` (written as 是/否) or the text itself. ``logs``: rows of the other
    sheets by sheet name (跟进记录, 投诉, 自评). ``protect`` protects the data sheets as earlier
    templates did (computed columns locked, no password).
    """
    if kind not in ("rep", "master"):
        raise ValueError(f"kind must be 'rep' or 'master', not {kind!r}")
    title = _title(kind, rep_name)
    wb = openpyxl.Workbook()
    _default_font(wb)
    first = wb.active
    assert first is not None
    wb.remove(first)
    given = {**(logs or {}), SCHEMA.customers.name: customers, SCHEMA.projects.name: projects}
    for sheet in SCHEMA.sheets:  # 客户, 项目, then the logs (跟进记录, 投诉, 自评)
        _data_sheet(wb, sheet, given.get(sheet.name, ()), rules, title, protect=protect)
    _readme_sheet(wb, kind, title, rules, protect=protect)
    _rules_sheet(wb, rules)
    _settings_sheet(wb, kind, rules)
    from kqxl.board import add_board_sheet, add_rep_board_sheet

    (add_board_sheet if kind == "master" else add_rep_board_sheet)(wb, rules)
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
    logs: Mapping[str, Sequence[Row]] | None = None,
    protect: bool = False,
) -> Path:
    """Build a template and save it to ``path`` atomically (temp file beside it, then rename)."""
    target = Path(path)
    wb = build_template(
        kind,
        rules,
        rep_name=rep_name,
        customers=customers,
        projects=projects,
        logs=logs,
        protect=protect,
    )
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
    directory: str | os.PathLike[str], rules: Rules, *, force: bool = False, protect: bool = False
) -> list[Path]:
    """Write 团队总表.xlsx and 客户跟进表.xlsx into ``directory`` (created if missing).

    Refuses, before writing anything, when either file exists and ``force`` is not set.
    ``protect`` protects the data sheets (see :func:`build_template`).
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
    return [write_template(path, kind, rules, protect=protect) for path, kind in kinds]


# ---------------------------------------------------------------- data sheets


def _title(kind: TemplateKind, rep_name: str | None) -> str:
    if kind == "master":
        return text(TEMPLATE, "title_master")
    if rep_name:
        return text(TEMPLATE, "title_rep_named", rep=rep_name)
    return text(TEMPLATE, "title_rep")


def _spans(columns: Sequence[Column]) -> list[tuple[Group, int, int]]:
    """Consecutive runs of one group as (group, first column, last column), 1-based."""
    spans: list[tuple[Group, int, int]] = []
    for i, col in enumerate(columns, start=1):
        if spans and spans[-1][0] is col.group and spans[-1][2] == i - 1:
            spans[-1] = (col.group, spans[-1][1], i)
        else:
            spans.append((col.group, i, i))
    return spans


def _group_title(group: Group) -> str:
    if group is Group.COMPUTED:
        return text(TEMPLATE, "group_computed", group=group.value, hint=LABELS["group_row_hint"])
    return group.value


def _is_long(col: Column) -> bool:
    return col.is_computed and col.width >= LONG_TEXT_WIDTH


def _default_font(wb: openpyxl.Workbook) -> None:
    """Make the workbook's default font (style 0, the "Normal" style) the CJK font, so cells
    kqxl never styles (the rep's own columns, new rows) do not fall back to a Latin font."""
    fonts = wb._fonts  # openpyxl keeps the default font first; there is no public setter
    fonts[0] = font(sz=11)
    normal = wb._named_styles["Normal"]
    normal.font = font(sz=11)


def _data_sheet(
    wb: openpyxl.Workbook,
    sheet: Sheet,
    rows: Sequence[Row],
    rules: Rules,
    title: str,
    *,
    protect: bool,
) -> Worksheet:
    ws = wb.create_sheet(sheet.name)
    columns = template_columns(sheet)
    ncols = len(columns)
    last_col = column_letter(ncols)
    last_row = max(LAST_FORMATTED_ROW, FIRST_DATA_ROW + len(rows) + EXTRA_ROWS)
    ws.sheet_properties.tabColor = TAB_COLOURS.get(sheet.name, "7F7F7F")

    # Row 1: group titles.
    for group, first, last in _spans(columns):
        strong, _ = GROUP_COLOURS[group]
        # A short run (the results beside the name) has room for the group's name only; the
        # hint stands over the long computed texts at the end.
        narrow = sum(_width(c) for c in columns[first - 1 : last]) < NARROW_GROUP
        cell = ws.cell(GROUP_ROW, first, group.value if narrow else _group_title(group))
        for c in range(first, last + 1):
            ws.cell(GROUP_ROW, c).fill = PatternFill("solid", fgColor=strong)
            ws.cell(GROUP_ROW, c).border = BOX
        cell.font = font(b=True, color="FFFFFF")
        # Left-aligned: a group wider than a printed page still shows its title on the first.
        cell.alignment = Alignment(horizontal="left", vertical="center", indent=1)
        if last > first:
            ws.merge_cells(
                start_row=GROUP_ROW, start_column=first, end_row=GROUP_ROW, end_column=last
            )
    ws.row_dimensions[GROUP_ROW].height = 22

    # Row 2: headers; column widths and the column style that new cells inherit.
    for i, col in enumerate(columns, start=1):
        letter = column_letter(i)
        _, light = GROUP_COLOURS[col.group]
        cell = ws.cell(HEADER_ROW, i, col.header)
        cell.font = font(b=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor=light)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        dim = ws.column_dimensions[letter]
        dim.width = max(_width(col), KEY_WIDTH) if col.key == sheet.key_column else _width(col)
        # A column style reaches the cells a rep types into later (and rows they insert):
        # input columns unlocked, computed columns locked and greyed, long texts wrapped.
        dim.number_format = NUMBER_FORMATS.get(col.type, "General")
        dim.alignment = _alignment(col)
        if col.is_computed:
            dim.fill = PatternFill("solid", fgColor=COMPUTED_FILL)
            dim.font = font(color=COMPUTED_FONT)
            dim.protection = LOCKED
        else:
            dim.font = font()
            dim.protection = UNLOCKED
    ws.row_dimensions[HEADER_ROW].height = 36
    # Data rows: two lines (see DATA_ROW_HEIGHT), also for rows a rep adds later.
    ws.sheet_format.defaultRowHeight = DATA_ROW_HEIGHT
    ws.sheet_format.customHeight = True

    # Data.
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        unknown = set(row) - {c.key for c in sheet.columns}
        if unknown:
            raise SchemaError.from_key(
                "unknown_keys", sheet=sheet.name, keys="、".join(sorted(unknown))
            )
        for i, col in enumerate(columns, start=1):
            _write_value(ws.cell(r, i), col, row.get(col.key))
        # Explicit, or LibreOffice grows the row to the whole wrapped text.
        ws.row_dimensions[r].height = DATA_ROW_HEIGHT

    _validations(ws, columns, last_row)
    _conditional_formats(ws, columns, rules, last_row, last_col)

    ws.freeze_panes = FREEZE_AT
    last_data = max(HEADER_ROW, FIRST_DATA_ROW + len(rows) - 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{last_data}"
    width = sum(_width(c) for c in columns)
    _print_setup(ws, f"{title} — {sheet.name}", width)
    ws.print_title_rows = f"{GROUP_ROW}:{HEADER_ROW}"
    if pages_across(width) > 1:
        ws.print_title_cols = "A:B"  # key and name on every page across
    # No print area: it would have to move with every row a rep or kqxl adds or deletes. The
    # printed range is the used one, which ends with the data (dropdowns, conditional formats
    # and column styles reaching row 2,000 create no cells), so no page holds titles only.
    ws.sheet_view.zoomScale = 100
    if protect:
        _protect(ws)
    return ws


# Column width units (characters) one landscape A4 page holds at a readable scale (about 70%):
# a wider sheet prints on as many pages across as it needs, the key and name repeated on each.
PRINT_WIDTH_PER_PAGE = 200.0


def pages_across(width: float) -> int:
    """How many pages wide a sheet of ``width`` (column width units) prints."""
    return max(1, math.ceil(width / PRINT_WIDTH_PER_PAGE))


def _print_setup(ws: Worksheet, header: str, width: float = 0.0) -> None:
    """Landscape A4, :func:`pages_across` pages wide (as many pages down as the rows need),
    centred title."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = pages_across(width)
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.center.text = header
    ws.oddFooter.center.text = "&P / &N"


def _protect(ws: Worksheet) -> None:
    """Protection without a password (``kqxl init --protect``). In openpyxl (as in the file
    format) True means "forbidden while protected", so False below *allows* the action."""
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


def _alignment(col: Column) -> Alignment:
    if _is_long(col):
        # Wrapped and clipped at the row height: a long 差距 never spills into 校验.
        return Alignment(vertical="top", wrap_text=True)
    return Alignment(vertical="center")


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
    cell.alignment = _alignment(col)
    if col.is_computed:
        cell.fill = PatternFill("solid", fgColor=COMPUTED_FILL)
        cell.font = font(color=COMPUTED_FONT)
        cell.protection = LOCKED
    else:
        cell.font = font()
        cell.protection = UNLOCKED


def _validations(ws: Worksheet, columns: Sequence[Column], last_row: int) -> None:
    """One list validation per choice/是/否 column, each with a Chinese error message."""
    for i, col in enumerate(columns, start=1):
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
    ws: Worksheet, columns: Sequence[Column], rules: Rules, last_row: int, last_col: str
) -> None:
    # Grade colours first: an earlier rule has the higher priority, and a grade cell should
    # keep its colour inside a tinted row.
    grade_labels = list(rules.labels.grades)
    for i, col in enumerate(columns, start=1):
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
                    font=Font(b=top, color=GRADE_TOP_FONT if top else "000000"),
                ),
            )
        ws.conditional_formatting.add(
            area,
            CellIsRule(
                operator="equal",
                formula=[_quoted(rules.labels.not_applicable)],
                font=Font(color=NOT_APPLICABLE_FONT),
            ),
        )
    for i, col in enumerate(columns, start=1):
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
    checks = [i for i, c in enumerate(columns, start=1) if c.header == CHECKS_HEADER]
    if checks:
        letter = column_letter(checks[0])
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
    cell.font = font(b=True, sz=size, color="1F3864")


def _table_header(ws: Worksheet, row: int, headers: Sequence[str]) -> None:
    for i, h in enumerate(headers, start=1):
        cell = ws.cell(row, i, h)
        cell.font = font(b=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")


def _table_row(ws: Worksheet, row: int, values: Sequence[object], wrap_from: int) -> None:
    for i, v in enumerate(values, start=1):
        cell = ws.cell(row, i, v)
        cell.border = BOX
        cell.font = font()
        cell.alignment = Alignment(vertical="top", wrap_text=i >= wrap_from)
        if isinstance(v, str) and v.startswith("="):
            cell.data_type = "s"


def readme_steps(kind: TemplateKind, *, protect: bool) -> list[str]:
    """The numbered steps of the 说明 sheet: each promise only while its capability exists."""
    step = README

    def promise(capability: str, key: str, absent: str) -> str:
        return step[key] if has(capability) else step[absent]

    steps = [TEMPLATE["howto_1"], TEMPLATE["howto_2"], TEMPLATE["howto_3"]]
    steps.append(promise("keys.assign", "keys_auto", "keys_absent"))
    steps.append(step["owner_rep"])
    if kind == "master" and has("cli.recompute"):
        steps.append(step["results_master"])
    else:
        steps.append(promise("excel.recompute_button", "results_button", "results_absent"))
    steps.append(promise("template.checks_tint", "checks_tint", "checks_absent"))
    steps.append(step["protected"] if protect else step["unprotected"])
    steps.append(TEMPLATE["howto_8"])
    if kind == "master":
        steps.append(promise("sync", "master_sync", "master_absent"))
    return steps


# Column descriptions that promise something, written only while the capability exists.
COLUMN_PROMISES: dict[tuple[str, str], tuple[str, str]] = {
    ("客户", "founded_on"): ("reminders.anniversary", "anniversary"),
    ("客户", "partner_since"): ("reminders.anniversary", "cooperation_anniversary"),
}


def _description(sheet: Sheet, col: Column) -> str:
    promised = COLUMN_PROMISES.get((sheet.name, col.key))
    if promised is None or not has(promised[0]):
        return col.description
    return col.description + README[promised[1]]


def _owner(col: Column) -> str:
    if col.owner is Owner.MANAGER and col.required:
        # 负责人: the manager assigns it in the master, but a rep's row needs it to be valid.
        return README["owner_required_manager"]
    return TEMPLATE[OWNER_KEYS[col.owner]]


def _readme_sheet(
    wb: openpyxl.Workbook, kind: TemplateKind, title: str, rules: Rules, *, protect: bool
) -> None:
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
    for n, step in enumerate(readme_steps(kind, protect=protect), start=1):
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
        for i, col in enumerate(template_columns(sheet), start=1):
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
                    _owner(col),
                    "、".join(col.choices),
                    _description(sheet, col),
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
    _print_setup(ws, title)


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
                    cell.font = font(color=BLOCK_FONT, sz=9)
    ws.cell(1, 1).font = font(b=True, sz=16, color="1F3864")
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
    ws.cell(1, 1).font = font(b=True, sz=14, color="1F3864")
    ws.freeze_panes = f"A{SETTINGS_HEADER_ROW + 1}"
    _print_setup(ws, SETTINGS_SHEET)
