"""The 看板 sheet of the master: a data block kqxl owns, and native charts over it.

``kqxl init`` builds the sheet once (:func:`add_board_sheet`): a title, a block of one row per
rep (customers per grade, projects, amounts, overdue visits, care dates soon), a total row, a
pipeline block (one row per heat level), and two Excel charts whose ranges are those blocks.
``recompute`` then fills the blocks by cell changes only (:func:`plan_board`) — the sheet is
never replaced, so the charts (and anything a manager adds) stay and follow the figures.

Layout (fixed, so the charts built once keep pointing at the right cells)::

    A1            title with the date
    row 3         业务员 | 客户数 | grade 1 … 8 | 项目数 | 项目金额 | 加权金额 | 超期 | 关怀
    rows 4–33     one rep a row (a 31st rep and beyond are summed into row 33, named so)
    row 34        合计
    row 37        热度 | 项目数 | 项目金额 | 加权金额
    rows 38–47    one heat level a row, highest first
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kqxl.book.patch import CellChange
from kqxl.cells import CellValue, SheetGrid, WorkbookGrid
from kqxl.engine.board import Board, RepFigures, board_figures
from kqxl.engine.care import HOLIDAY, care_reminders
from kqxl.engine.results import BookResult
from kqxl.engine.validate import validate_sheet
from kqxl.schema import CUSTOMERS, PROJECTS, SCHEMA
from kqxl.texts import BOARD, text
from kqxl.workdays import work_calendar

if TYPE_CHECKING:
    import openpyxl

    from kqxl.rules.model import Rules

__all__ = [
    "BOARD_SHEET",
    "add_board_sheet",
    "board_lines",
    "is_board_sheet",
    "plan_board",
    "read_board",
]

BOARD_SHEET = "看板"
REP_HEADER, REP_FIRST, REP_ROWS = 3, 4, 30
TOTAL_ROW = REP_FIRST + REP_ROWS
HEAT_HEADER, HEAT_FIRST, HEAT_ROWS = TOTAL_ROW + 3, TOTAL_ROW + 4, 10
GRADE_COLUMNS = 8  # 未评级, I–IV级, 不适用 by default; more grades are summed into the last
FIRST_GRADE_COL = 3
AFTER_GRADES = FIRST_GRADE_COL + GRADE_COLUMNS  # 项目数, then 项目金额, 加权金额, 逾期, 预警, 关怀
CARE_DAYS = 14


def is_board_sheet(grid: SheetGrid) -> bool:
    title = grid.value(1, 1)
    return isinstance(title, str) and title.startswith(BOARD["title_prefix"])


def _title(today: dt.date | None) -> str:
    if today is None:
        return BOARD["title_prefix"] + BOARD["title_empty"]
    return BOARD["title_prefix"] + text(BOARD, "title_dated", today=today.isoformat())


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


def add_board_sheet(wb: openpyxl.Workbook, rules: Rules) -> None:
    """The 看板 sheet with its empty blocks and two charts (built once, by ``kqxl init``)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(BOARD_SHEET)
    ws["A1"] = _title(None)
    ws["A1"].font = Font(bold=True, size=14)
    labels = [*rules.labels.grades, rules.labels.not_applicable]
    headers = _rep_headers(_grade_titles(labels))
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, value in enumerate(headers, start=1):
        cell = ws.cell(REP_HEADER, col, value)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for col, value in enumerate(BOARD["heat_headers"].split("|"), start=1):
        cell = ws.cell(HEAT_HEADER, col, value)
        cell.font, cell.fill = Font(bold=True), fill
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
    ws.cell(TOTAL_ROW, 1, BOARD["total"]).font = Font(bold=True)
    ws.column_dimensions["A"].width = 14
    for col in range(2, len(headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.freeze_panes = ws.cell(REP_FIRST, 2)
    # printed on one landscape page: the figures and the two charts beside them
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True

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
    ws.add_chart(grades, f"{get_column_letter(len(headers) + 2)}3")

    funnel = BarChart()
    funnel.type = "bar"  # horizontal: the pipeline as a funnel, hottest on top
    funnel.title = BOARD["chart_pipeline"]
    funnel.add_data(
        Reference(ws, min_col=4, min_row=HEAT_HEADER, max_row=HEAT_FIRST + HEAT_ROWS - 1),
        titles_from_data=True,
    )
    funnel.set_categories(
        Reference(ws, min_col=1, min_row=HEAT_FIRST, max_row=HEAT_FIRST + HEAT_ROWS - 1)
    )
    funnel.y_axis.scaling.orientation = "minMax"
    funnel.x_axis.scaling.orientation = "maxMin"  # highest heat at the top
    funnel.height, funnel.width = 9, 18
    funnel.legend = None
    ws.add_chart(funnel, f"{get_column_letter(len(headers) + 2)}22")


def read_board(
    grid: WorkbookGrid, result: BookResult, rules: Rules, today: dt.date
) -> Board | None:
    """The 看板 figures of an evaluated workbook; None when it has no 客户 sheet."""
    layout = result.layouts.get(CUSTOMERS)
    sheet = grid.sheets.get(CUSTOMERS)
    if layout is None or sheet is None:
        return None
    rep_col = layout.columns.get("owner_rep")
    rows = [r.row for r in result.customers]
    customer_reps = [_text(sheet.value(r, rep_col)) if rep_col else None for r in rows]
    projects = result.projects
    p_layout, p_sheet = result.layouts.get(PROJECTS), grid.sheets.get(PROJECTS)
    p_col = p_layout.columns.get("owner_rep") if p_layout is not None else None
    project_reps = [
        _text(p_sheet.value(p.row, p_col)) if p_sheet is not None and p_col else None
        for p in projects
    ]
    data = validate_sheet(sheet, SCHEMA.customers, date1904=grid.date1904)
    soon = care_reminders(data.values, data.rows, today, CARE_DAYS, work_calendar())
    return board_figures(
        today=today,
        grade_labels=[*rules.labels.grades, rules.labels.not_applicable],
        heat_percents=[level.percent for level in rules.heat.levels],
        customer_reps=customer_reps,
        customer_grades=[_text(c.values.get("grade")) for c in result.customers],
        # as the rows' 拜访预警 and 预警 say (the cadence and warnings systems)
        overdue=[bool(c.values.get("overdue_days")) for c in result.customers],
        warned=[bool(c.values.get("warnings")) for c in result.customers],
        project_reps=project_reps,
        project_heats=[_float(p.values.get("heat")) for p in projects],
        project_amounts=[p.values.get("amount") for p in projects],
        project_weighted=[p.values.get("weighted_amount") for p in projects],
        care_reps=[r.rep for r in soon.reminders if r.kind != HOLIDAY],
        care_days=CARE_DAYS,
    )


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


def plan_board(board: Board) -> list[CellChange]:
    """Every cell of the 看板's blocks as ``board`` says (blank where no figure): a fixed set
    of cells, so figures of a rep who left do not linger."""
    labels = board.grade_labels
    width = len(_rep_headers(_grade_titles(labels)))
    reps = list(board.reps)
    if len(reps) > REP_ROWS:
        rest = RepFigures(
            rep=text(BOARD, "reps_other", n=len(reps) - REP_ROWS + 1),
            grades=dict.fromkeys(labels, 0),
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
        if i < len(levels):
            h = levels[i]
            values = [h.label, h.projects, round(h.amount, 2), round(h.weighted, 2)]
        else:
            values = [None] * 4
        for col, value in enumerate(values, start=1):
            changes.append(CellChange(BOARD_SHEET, HEAT_FIRST + i, col, value))
    return changes


def board_lines(board: Board) -> list[str]:
    """The same figures as text, for ``recompute``'s output."""
    lines = [text(BOARD, "print_title", today=board.today.isoformat())]
    for figures in [*board.reps, board.total]:
        grades = "，".join(
            f"{label} {figures.grades.get(label, 0)}" for label in board.grade_labels
        )
        lines.append(
            text(
                BOARD,
                "print_rep",
                rep=figures.rep,
                customers=figures.customers,
                grades=grades,
                projects=figures.projects,
                weighted=f"{figures.weighted:,.0f}",
                overdue=figures.overdue_visits,
                warned=figures.warned,
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
