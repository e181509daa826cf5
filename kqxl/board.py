"""The 看板 sheets: a data block kqxl owns, and native charts over it.

The master (团队总表) has the team's 看板, one line per rep; each rep workbook (客户跟进表) a small
one with the rep's own figures. ``kqxl init`` builds either sheet once (:func:`add_board_sheet`,
:func:`add_rep_board_sheet`): a title, the blocks, and Excel charts whose ranges are those blocks.
``recompute`` (and so ``sync``, which recomputes what it writes) then fills the blocks by cell
changes only (:func:`plan_board`) — the sheet is never replaced, so the charts (and anything a
manager or rep adds) stay and follow the figures. Which 看板 a sheet is, its title says
(:func:`board_scope`); a workbook without a 看板 sheet (made before there was one) is recomputed
as before, without one.

The team's layout (fixed, so the charts built once keep pointing at the right cells)::

    A1            title with the date
    row 3         业务员 | 客户数 | grade 1 … 8 | 项目数 | 项目金额 | 加权金额 | 超期 | 预警 | 关怀
    rows 4–33     one rep a row (a 31st rep and beyond are summed into row 33, named so)
    row 34        合计
    row 37        热度 | 项目数 | 项目金额 | 加权金额
    rows 38–47    one heat level a row, highest first
    row 50        业务员 | A类 | B类 | C类 | D类 | 未分类 | 未办结投诉 | 投诉响应逾期
    rows 51–80    the reps of rows 4–33, in the same order
    row 81        合计

The rep's layout::

    A1            title with the date
    rows 3–4      客户数 | 项目数 | 项目金额 | 加权金额 | 拜访逾期 | 有预警 | 未办结投诉 |
                  投诉响应逾期 | 关怀
    row 6         客情等级 | 客户数 (A–B) and 价值分类 | 客户数 (D–E)
    rows 7–14     one grade a row (8); rows 7–11 one value class a row (A, B, C, D, 未分类)
    row 17        热度 | 项目数 | 项目金额 | 加权金额
    rows 18–27    one heat level a row, highest first
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from itertools import compress
from typing import TYPE_CHECKING, Literal, TypeVar

from kqxl.book.patch import CellChange
from kqxl.cells import CellValue, SheetGrid, WorkbookGrid
from kqxl.engine.board import Board, HeatFigures, RepFigures, board_figures
from kqxl.engine.care import HOLIDAY, care_reminders
from kqxl.engine.results import BookResult, OutputValue, SheetLayout, row_numbers
from kqxl.engine.systems.links import CustomerIndex
from kqxl.engine.validate import SheetData, validate_sheet
from kqxl.schema import (
    COMPLAINT_STEPS,
    COMPLAINTS,
    CUSTOMERS,
    PROJECTS,
    RETIRED,
    SCHEMA,
    VALUE_CLASSES,
)
from kqxl.texts import BOARD, text
from kqxl.workdays import work_calendar

if TYPE_CHECKING:
    import openpyxl
    from openpyxl.chart import BarChart
    from openpyxl.worksheet.worksheet import Worksheet

    from kqxl.rules.model import Rules

__all__ = [
    "BOARD_SHEET",
    "add_board_sheet",
    "add_rep_board_sheet",
    "board_lines",
    "board_scope",
    "is_board_sheet",
    "plan_board",
    "read_board",
]

Scope = Literal["team", "rep"]

BOARD_SHEET = "看板"
REP_HEADER, REP_FIRST, REP_ROWS = 3, 4, 30
TOTAL_ROW = REP_FIRST + REP_ROWS
HEAT_HEADER, HEAT_FIRST, HEAT_ROWS = TOTAL_ROW + 3, TOTAL_ROW + 4, 10
GRADE_COLUMNS = 8  # 未评级, I–IV级, 不适用 by default; more grades are summed into the last
FIRST_GRADE_COL = 3
AFTER_GRADES = FIRST_GRADE_COL + GRADE_COLUMNS  # 项目数, then 项目金额, 加权金额, 逾期, 预警, 关怀
# value classes and complaints per rep, below the pipeline (the block came after the first
# masters: their charts, anchored right of the rows above, keep their place and ranges)
VALUE_HEADER = HEAT_FIRST + HEAT_ROWS + 2
VALUE_FIRST = VALUE_HEADER + 1
VALUE_TOTAL = VALUE_FIRST + REP_ROWS
VALUE_LABELS = 5  # A, B, C, D, 未分类
CARE_DAYS = 14

# the rep's small 看板
MINE_HEADER, MINE_ROW = 3, 4
MINE_GRADE_HEADER, MINE_GRADE_FIRST = 6, 7  # 客情等级 in A–B, 价值分类 in D–E
MINE_VALUE_COL = 4
MINE_HEAT_HEADER = MINE_GRADE_FIRST + GRADE_COLUMNS + 2
MINE_HEAT_FIRST = MINE_HEAT_HEADER + 1


def board_scope(grid: SheetGrid) -> Scope | None:
    """Which of kqxl's 看板 the sheet is, by its title (None: not one of kqxl's)."""
    title = grid.value(1, 1)
    if not isinstance(title, str):
        return None
    if title.startswith(BOARD["title_prefix"]):
        return "team"
    if title.startswith(BOARD["mine_prefix"]):
        return "rep"
    return None


def is_board_sheet(grid: SheetGrid) -> bool:
    return board_scope(grid) is not None


def _title(today: dt.date | None, scope: Scope = "team") -> str:
    prefix = BOARD["title_prefix"] if scope == "team" else BOARD["mine_prefix"]
    if today is None:
        return prefix + BOARD["title_empty"]
    return prefix + text(BOARD, "title_dated", today=today.isoformat())


def _rep_headers(grade_titles: list[str]) -> list[str]:
    return [
        BOARD["col_rep"],
        BOARD["col_customers"],
        *grade_titles,
        BOARD["col_projects"],
        BOARD["col_amount"],
        BOARD["col_weighted"],
        BOARD["col_overdue"],
        BOARD["col_warned"],
        text(BOARD, "col_care", days=CARE_DAYS),
    ]


def _value_labels() -> list[str]:
    return [*VALUE_CLASSES, BOARD["value_none"]]


def _value_titles(labels: list[str]) -> list[str]:
    """A类 … D类, 未分类."""
    return [text(BOARD, "col_value", cls=label) for label in labels[:-1]] + [labels[-1]]


def _value_headers() -> list[str]:
    return [
        BOARD["col_rep"],
        *_value_titles(_value_labels()),
        BOARD["col_complaints_open"],
        BOARD["col_complaints_overdue"],
    ]


def _mine_headers() -> list[str]:
    return [
        BOARD["col_customers"],
        BOARD["col_projects"],
        BOARD["col_amount"],
        BOARD["col_weighted"],
        BOARD["col_overdue"],
        BOARD["col_warned"],
        BOARD["col_complaints_open"],
        BOARD["col_complaints_overdue"],
        text(BOARD, "col_care", days=CARE_DAYS),
    ]


def _grade_titles(labels: list[str]) -> list[str]:
    """Exactly GRADE_COLUMNS titles: the labels, blank-padded, or the last ones summed."""
    if len(labels) <= GRADE_COLUMNS:
        return [*labels, *[""] * (GRADE_COLUMNS - len(labels))]
    return [*labels[: GRADE_COLUMNS - 1], BOARD["grades_other"]]


def _grade_values(figures: RepFigures, labels: list[str]) -> list[int | None]:
    counts = [figures.grades.get(label, 0) for label in labels]
    if len(counts) > GRADE_COLUMNS:
        counts = [*counts[: GRADE_COLUMNS - 1], sum(counts[GRADE_COLUMNS - 1 :])]
    return [*counts, *[None] * (GRADE_COLUMNS - len(counts))]


def _header(ws: Worksheet, row: int, col: int, value: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    cell = ws.cell(row, col, value)
    cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    cell.alignment = Alignment(horizontal="center", wrap_text=True)


def _one_page(ws: Worksheet) -> None:
    """Printed on one landscape page: the figures and the charts beside them."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def add_board_sheet(wb: openpyxl.Workbook, rules: Rules) -> None:
    """The master's 看板 sheet with its empty blocks and three charts (built once, by
    ``kqxl init``)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(BOARD_SHEET)
    ws["A1"] = _title(None)
    ws["A1"].font = Font(bold=True, size=14)
    labels = [*rules.labels.grades, rules.labels.not_applicable]
    headers = _rep_headers(_grade_titles(labels))
    for col, value in enumerate(headers, start=1):
        _header(ws, REP_HEADER, col, value)
    for col, value in enumerate(BOARD["heat_headers"].split("|"), start=1):
        _header(ws, HEAT_HEADER, col, value)
    for col, value in enumerate(_value_headers(), start=1):
        _header(ws, VALUE_HEADER, col, value)
    money = "#,##0"
    for row in range(REP_FIRST, TOTAL_ROW + 1):
        for col in range(2, len(headers) + 1):
            ws.cell(row, col).number_format = (
                money if col in (AFTER_GRADES + 1, AFTER_GRADES + 2) else "0"
            )
    for row in range(HEAT_FIRST, HEAT_FIRST + HEAT_ROWS):
        ws.cell(row, 2).number_format = "0"
        ws.cell(row, 3).number_format = money
        ws.cell(row, 4).number_format = money
    for row in range(VALUE_FIRST, VALUE_TOTAL + 1):
        for col in range(2, len(_value_headers()) + 1):
            ws.cell(row, col).number_format = "0"
    ws.cell(TOTAL_ROW, 1, BOARD["total"]).font = Font(bold=True)
    ws.cell(VALUE_TOTAL, 1, BOARD["total"]).font = Font(bold=True)
    ws.column_dimensions["A"].width = 14
    for col in range(2, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.freeze_panes = ws.cell(REP_FIRST, 2)
    _one_page(ws)
    charts_at = get_column_letter(len(headers) + 2)

    grades = BarChart()
    grades.type, grades.grouping, grades.overlap = "col", "stacked", 100
    grades.title = BOARD["chart_grades"]
    grades.add_data(
        Reference(
            ws,
            min_col=FIRST_GRADE_COL,
            # the grades the rules have now (a blank column would show as a nameless series)
            max_col=FIRST_GRADE_COL + min(len(labels), GRADE_COLUMNS) - 1,
            min_row=REP_HEADER,
            max_row=TOTAL_ROW - 1,
        ),
        titles_from_data=True,
    )
    grades.set_categories(Reference(ws, min_col=1, min_row=REP_FIRST, max_row=TOTAL_ROW - 1))
    grades.height, grades.width = 9, 18
    ws.add_chart(grades, f"{charts_at}3")

    funnel = _funnel(ws, HEAT_HEADER, HEAT_FIRST)
    funnel.height, funnel.width = 9, 18
    ws.add_chart(funnel, f"{charts_at}22")

    values = BarChart()
    values.type, values.grouping, values.overlap = "col", "stacked", 100
    values.title = BOARD["chart_values"]
    values.add_data(
        Reference(
            ws, min_col=2, max_col=1 + VALUE_LABELS, min_row=VALUE_HEADER, max_row=VALUE_TOTAL - 1
        ),
        titles_from_data=True,
    )
    values.set_categories(Reference(ws, min_col=1, min_row=VALUE_FIRST, max_row=VALUE_TOTAL - 1))
    values.height, values.width = 9, 18
    ws.add_chart(values, f"{charts_at}41")


def _funnel(ws: Worksheet, header: int, first: int) -> BarChart:
    """The pipeline as a funnel: horizontal bars of the weighted amount, hottest on top."""
    from openpyxl.chart import BarChart, Reference

    funnel = BarChart()
    funnel.type = "bar"
    funnel.title = BOARD["chart_pipeline"]
    funnel.add_data(
        Reference(ws, min_col=4, min_row=header, max_row=first + HEAT_ROWS - 1),
        titles_from_data=True,
    )
    funnel.set_categories(Reference(ws, min_col=1, min_row=first, max_row=first + HEAT_ROWS - 1))
    funnel.y_axis.scaling.orientation = "minMax"
    funnel.x_axis.scaling.orientation = "maxMin"  # highest heat at the top
    funnel.legend = None
    return funnel


def add_rep_board_sheet(wb: openpyxl.Workbook, rules: Rules) -> None:
    """A rep workbook's small 看板 with its empty blocks and three charts (built once, by
    ``kqxl init`` and ``kqxl init --rep``)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(BOARD_SHEET)
    ws["A1"] = _title(None, "rep")
    ws["A1"].font = Font(bold=True, size=14)
    headers = _mine_headers()
    for col, value in enumerate(headers, start=1):
        _header(ws, MINE_HEADER, col, value)
        ws.cell(MINE_ROW, col).number_format = "#,##0" if col in (3, 4) else "0"
    _header(ws, MINE_GRADE_HEADER, 1, BOARD["col_grade"])
    _header(ws, MINE_GRADE_HEADER, 2, BOARD["col_customers"])
    _header(ws, MINE_GRADE_HEADER, MINE_VALUE_COL, BOARD["col_value_class"])
    _header(ws, MINE_GRADE_HEADER, MINE_VALUE_COL + 1, BOARD["col_customers"])
    for i in range(GRADE_COLUMNS):
        ws.cell(MINE_GRADE_FIRST + i, 2).number_format = "0"
    for i in range(VALUE_LABELS):
        ws.cell(MINE_GRADE_FIRST + i, MINE_VALUE_COL + 1).number_format = "0"
    for col, value in enumerate(BOARD["heat_headers"].split("|"), start=1):
        _header(ws, MINE_HEAT_HEADER, col, value)
    for row in range(MINE_HEAT_FIRST, MINE_HEAT_FIRST + HEAT_ROWS):
        ws.cell(row, 2).number_format = "0"
        ws.cell(row, 3).number_format = ws.cell(row, 4).number_format = "#,##0"
    for col in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    _one_page(ws)
    charts_at = get_column_letter(len(headers) + 2)
    labels = [*rules.labels.grades, rules.labels.not_applicable]

    grades = BarChart()
    grades.type = "col"
    grades.title = BOARD["chart_my_grades"]
    last = MINE_GRADE_FIRST + min(len(labels), GRADE_COLUMNS) - 1
    grades.add_data(
        Reference(ws, min_col=2, min_row=MINE_GRADE_HEADER, max_row=last), titles_from_data=True
    )
    grades.set_categories(Reference(ws, min_col=1, min_row=MINE_GRADE_FIRST, max_row=last))
    grades.legend = None
    grades.height, grades.width = 7, 11
    ws.add_chart(grades, f"{charts_at}3")

    values = BarChart()
    values.type = "col"
    values.title = BOARD["chart_my_values"]
    last = MINE_GRADE_FIRST + VALUE_LABELS - 1
    values.add_data(
        Reference(ws, min_col=MINE_VALUE_COL + 1, min_row=MINE_GRADE_HEADER, max_row=last),
        titles_from_data=True,
    )
    values.set_categories(
        Reference(ws, min_col=MINE_VALUE_COL, min_row=MINE_GRADE_FIRST, max_row=last)
    )
    values.legend = None
    values.height, values.width = 7, 11
    ws.add_chart(values, f"{get_column_letter(len(headers) + 8)}3")

    funnel = _funnel(ws, MINE_HEAT_HEADER, MINE_HEAT_FIRST)
    funnel.height, funnel.width = 7, 22
    ws.add_chart(funnel, f"{charts_at}18")


T = TypeVar("T")


def read_board(
    grid: WorkbookGrid,
    result: BookResult,
    rules: Rules,
    today: dt.date,
    scope: Scope = "team",
    validated: Mapping[str, SheetData] | None = None,
) -> Board | None:
    """The 看板 figures of an evaluated workbook; None when it has no 客户 sheet.
    ``validated``: the sheets' validated columns from the evaluation (see
    :func:`~kqxl.engine.evaluate.evaluate`); a sheet not in it is validated here."""
    layout = result.layouts.get(CUSTOMERS)
    sheet = grid.sheets.get(CUSTOMERS)
    if layout is None or sheet is None:
        return None
    rep_col = layout.columns.get("owner_rep")
    rows = row_numbers(result.customers)
    every_rep = [_text(sheet.value(r, rep_col)) if rep_col else None for r in rows]
    # a 作废 (retired) row is not counted: only the rows still worked on
    kept = _current(rows, sheet, layout)

    def customers(key: str) -> list[OutputValue]:
        return _kept(result.column(CUSTOMERS, key), kept)

    p_layout, p_sheet = result.layouts.get(PROJECTS), grid.sheets.get(PROJECTS)
    p_rows = row_numbers(result.projects)
    p_kept = _current(p_rows, p_sheet, p_layout) if p_sheet is not None and p_layout else None
    p_col = p_layout.columns.get("owner_rep") if p_layout is not None else None
    project_reps = [
        _text(p_sheet.value(r, p_col)) if p_sheet is not None and p_col else None
        for r in _kept(p_rows, p_kept)
    ]

    def projects(key: str) -> list[OutputValue]:
        return _kept(result.column(PROJECTS, key), p_kept)

    validated = validated or {}
    data = validated.get(CUSTOMERS) or validate_sheet(
        sheet, SCHEMA.customers, date1904=grid.date1904
    )
    soon = care_reminders(data.values, data.rows, today, CARE_DAYS, work_calendar())
    # a complaint still open counts under its customer's rep, a retired customer's too
    complaint_reps, still_open, late = _complaints(
        grid, result, data, dict(zip(rows, every_rep, strict=True)), validated.get(COMPLAINTS)
    )
    return board_figures(
        today=today,
        grade_labels=[*rules.labels.grades, rules.labels.not_applicable],
        heat_percents=[level.percent for level in rules.heat.levels],
        customer_reps=_kept(every_rep, kept),
        customer_grades=[_text(v) for v in customers("grade")],
        customer_values=[_text(v) for v in customers("value_class")],
        value_labels=_value_labels(),
        # as the rows' 拜访预警 and 预警 say (the cadence and warnings systems)
        overdue=[bool(v) for v in customers("overdue_days")],
        warned=[bool(v) for v in customers("warnings")],
        project_reps=project_reps,
        project_heats=[_float(v) for v in projects("heat")],
        project_amounts=projects("amount"),
        project_weighted=projects("weighted_amount"),
        care_reps=[r.rep for r in soon.reminders if r.kind != HOLIDAY],
        complaint_reps=complaint_reps,
        complaint_open=still_open,
        complaint_overdue=late,
        care_days=CARE_DAYS,
        scope=scope,
    )


def _current(rows: Sequence[int], sheet: SheetGrid, layout: SheetLayout) -> list[bool] | None:
    """Per row, whether it is still worked on (its 状态 is not 作废); None when the sheet has
    no 状态 column (every row is)."""
    col = layout.columns.get("status")
    if col is None:
        return None
    return [_text(sheet.value(r, col)) != RETIRED for r in rows]


def _kept(values: Sequence[T], kept: list[bool] | None) -> list[T]:
    """``values`` of the rows ``kept`` says are still worked on."""
    if kept is None:
        return list(values)
    return list(compress(values, kept))


def _complaints(
    grid: WorkbookGrid,
    result: BookResult,
    customers: SheetData,
    rep_by_row: dict[int, str | None],
    complaints: SheetData | None = None,
) -> tuple[list[str | None], list[bool], list[bool]]:
    """Per complaint of the 投诉 sheet: the 负责人 of the customer it names (None for a name the
    客户 sheet lacks: counted under （未指定）), whether it is open (not all seven handling steps
    done) and whether its response is overdue (as its 响应状态 says)."""
    sheet = grid.sheets.get(COMPLAINTS)
    rows = result.sheet(COMPLAINTS)
    if sheet is None or not rows:
        return [], [], []
    data = complaints or validate_sheet(sheet, SCHEMA.sheet(COMPLAINTS), date1904=grid.date1904)
    found = CustomerIndex(customers).find_all(data.values["customer"])
    overdue = {r.row: bool(r.values.get("overdue")) for r in rows}
    steps = [data.values[key] for key, _, _ in COMPLAINT_STEPS]
    reps: list[str | None] = []
    still_open: list[bool] = []
    late: list[bool] = []
    for i, row in enumerate(data.rows):
        ci = found[i]
        reps.append(None if ci is None else rep_by_row.get(customers.rows[ci]))
        still_open.append(not all(step[i] is True for step in steps))
        late.append(overdue.get(row, False))
    return reps, still_open, late


def _text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _rep_row(figures: RepFigures, labels: list[str]) -> list[CellValue]:
    return [
        figures.rep,
        figures.customers,
        *_grade_values(figures, labels),
        figures.projects,
        round(figures.amount, 2),
        round(figures.weighted, 2),
        figures.overdue_visits,
        figures.warned,
        figures.care_soon,
    ]


def _value_row(figures: RepFigures, labels: list[str]) -> list[CellValue]:
    return [
        figures.rep,
        *(figures.values.get(label, 0) for label in labels),
        figures.complaints_open,
        figures.complaints_overdue,
    ]


def _heat_row(h: HeatFigures | None) -> list[CellValue]:
    if h is None:
        return [None] * 4
    return [h.label, h.projects, round(h.amount, 2), round(h.weighted, 2)]


def plan_board(board: Board) -> list[CellChange]:
    """Every cell of the 看板's blocks as ``board`` says (blank where no figure): a fixed set
    of cells, so figures of a rep who left do not linger. The layout is the team's or the
    rep's, as ``board.scope`` says."""
    if board.scope == "rep":
        return _plan_mine(board)
    labels = board.grade_labels
    width = len(_rep_headers(_grade_titles(labels)))
    reps = list(board.reps)
    if len(reps) > REP_ROWS:
        rest = RepFigures(
            rep=text(BOARD, "reps_other", n=len(reps) - REP_ROWS + 1),
            grades=dict.fromkeys(labels, 0),
            values=dict.fromkeys(board.value_labels, 0),
        )
        for figures in reps[REP_ROWS - 1 :]:
            rest.add(figures)
        reps = [*reps[: REP_ROWS - 1], rest]
    changes = [CellChange(BOARD_SHEET, 1, 1, _title(board.today))]
    for col, title in enumerate(_rep_headers(_grade_titles(labels)), start=1):
        changes.append(CellChange(BOARD_SHEET, REP_HEADER, col, title or None))
    for i in range(REP_ROWS):
        values: list[CellValue] = _rep_row(reps[i], labels) if i < len(reps) else [None] * width
        for col, value in enumerate(values, start=1):
            changes.append(CellChange(BOARD_SHEET, REP_FIRST + i, col, value))
    for col, value in enumerate(_rep_row(board.total, labels), start=1):
        changes.append(CellChange(BOARD_SHEET, TOTAL_ROW, col, value))
    levels = board.pipeline[:HEAT_ROWS]
    for i in range(HEAT_ROWS):
        for col, value in enumerate(_heat_row(levels[i] if i < len(levels) else None), start=1):
            changes.append(CellChange(BOARD_SHEET, HEAT_FIRST + i, col, value))
    # value classes and complaints, the same reps in the same order
    classes = board.value_labels
    value_width = len(_value_headers())
    for col, title in enumerate(_value_headers(), start=1):
        changes.append(CellChange(BOARD_SHEET, VALUE_HEADER, col, title))
    for i in range(REP_ROWS):
        values = _value_row(reps[i], classes) if i < len(reps) else [None] * value_width
        for col, value in enumerate(values, start=1):
            changes.append(CellChange(BOARD_SHEET, VALUE_FIRST + i, col, value))
    for col, value in enumerate(_value_row(board.total, classes), start=1):
        changes.append(CellChange(BOARD_SHEET, VALUE_TOTAL, col, value))
    return changes


def _plan_mine(board: Board) -> list[CellChange]:
    """The rep's small 看板: the workbook's figures (every row of it, the rep's own)."""
    mine = board.total
    changes = [CellChange(BOARD_SHEET, 1, 1, _title(board.today, "rep"))]
    figures: list[CellValue] = [
        mine.customers,
        mine.projects,
        round(mine.amount, 2),
        round(mine.weighted, 2),
        mine.overdue_visits,
        mine.warned,
        mine.complaints_open,
        mine.complaints_overdue,
        mine.care_soon,
    ]
    for col, (title, value) in enumerate(zip(_mine_headers(), figures, strict=True), start=1):
        changes.append(CellChange(BOARD_SHEET, MINE_HEADER, col, title))
        changes.append(CellChange(BOARD_SHEET, MINE_ROW, col, value))
    titles = _grade_titles(board.grade_labels)
    counts = _grade_values(mine, board.grade_labels)
    for i, (title, count) in enumerate(zip(titles, counts, strict=True)):
        changes.append(CellChange(BOARD_SHEET, MINE_GRADE_FIRST + i, 1, title or None))
        changes.append(CellChange(BOARD_SHEET, MINE_GRADE_FIRST + i, 2, count))
    classes = board.value_labels
    for i, (title, label) in enumerate(zip(_value_titles(classes), classes, strict=True)):
        row = MINE_GRADE_FIRST + i
        changes.append(CellChange(BOARD_SHEET, row, MINE_VALUE_COL, title))
        changes.append(CellChange(BOARD_SHEET, row, MINE_VALUE_COL + 1, mine.values.get(label, 0)))
    levels = board.pipeline[:HEAT_ROWS]
    for i in range(HEAT_ROWS):
        for col, value in enumerate(_heat_row(levels[i] if i < len(levels) else None), start=1):
            changes.append(CellChange(BOARD_SHEET, MINE_HEAT_FIRST + i, col, value))
    return changes


def board_lines(board: Board) -> list[str]:
    """The same figures as text, for ``recompute``'s output: the team's one line per rep and
    the total; a rep's the workbook's line (named by the rep when it has one)."""
    if board.scope == "rep":
        title = BOARD["print_title_mine"]
        mine = board.total.model_copy()
        if len(board.reps) == 1:
            mine.rep = board.reps[0].rep
        shown = [mine]
    else:
        title = BOARD["print_title"]
        shown = [*board.reps, board.total]
    lines = [title.format(today=board.today.isoformat())]
    for figures in shown:
        grades = "，".join(
            f"{label} {figures.grades.get(label, 0)}" for label in board.grade_labels
        )
        values = "，".join(
            f"{label} {figures.values.get(label, 0)}" for label in board.value_labels
        )
        lines.append(
            text(
                BOARD,
                "print_rep",
                rep=figures.rep,
                customers=figures.customers,
                grades=grades,
                values=values,
                projects=figures.projects,
                weighted=f"{figures.weighted:,.0f}",
                overdue=figures.overdue_visits,
                warned=figures.warned,
                complaints=figures.complaints_open,
                late=figures.complaints_overdue,
                care=figures.care_soon,
                care_days=board.care_days,
            )
        )
    for h in board.pipeline:
        lines.append(
            text(
                BOARD,
                "print_heat",
                label=h.label,
                projects=h.projects,
                amount=f"{h.amount:,.0f}",
                weighted=f"{h.weighted:,.0f}",
            )
        )
    return lines
