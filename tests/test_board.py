"""The master's 看板: figures per rep and per heat level, filled by cell changes under charts
built once, printed by recompute, rendered by LibreOffice."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from kqxl.api import recompute_workbook
from kqxl.board import (
    BOARD_SHEET,
    HEAT_FIRST,
    MINE_GRADE_FIRST,
    MINE_HEAT_FIRST,
    MINE_ROW,
    MINE_VALUE_COL,
    REP_FIRST,
    TOTAL_ROW,
    VALUE_FIRST,
    VALUE_HEADER,
    VALUE_TOTAL,
    board_lines,
    plan_board,
)
from kqxl.book import CellChange, patch_workbook, read_workbook
from kqxl.book.template import build_template, write_template
from kqxl.cli import cli
from kqxl.demo import TODAY
from kqxl.engine.board import RepFigures, board_figures
from kqxl.rules import load_rules
from kqxl.schema import COMPLAINT_STEPS, COMPLAINTS, SCHEMA

D = dt.date
LABELS = ["未评级", "I级", "II级", "III级", "IV级", "不适用"]
VALUES = ["A", "B", "C", "D", "未分类"]


def figures(**kw: object):  # type: ignore[no-untyped-def]
    base = {
        "today": D(2026, 11, 23),
        "grade_labels": LABELS,
        "heat_percents": [90, 70, 50, 30],
        "customer_reps": ["张伟", "张伟", "李娜", None],
        "customer_grades": ["I级", "III级", "I级", "未评级"],
        "customer_values": ["A", None, "C", "A"],
        "value_labels": VALUES,
        "overdue": [False, True, True, False],
        "warned": [True, False, False, True],
        "project_reps": ["张伟", "李娜", "李娜"],
        "project_heats": [0.7, 0.3, 0.7],
        "project_amounts": [100000.0, 200000.0, None],
        "project_weighted": [70000.0, 60000.0, None],
        "care_reps": ["李娜", "李娜", "张伟"],
        "complaint_reps": ["张伟", "李娜", "张伟", None],
        "complaint_open": [True, True, False, True],
        "complaint_overdue": [True, False, False, False],
    }
    base.update(kw)
    return board_figures(**base)  # type: ignore[arg-type]


def test_figures_per_rep_and_heat() -> None:
    board = figures()
    assert [r.rep for r in board.reps] == ["张伟", "李娜", "（未指定）"]
    zhang, li, nobody = board.reps
    assert (zhang.customers, zhang.grades["I级"], zhang.grades["III级"]) == (2, 1, 1)
    assert (zhang.projects, zhang.amount, zhang.weighted) == (1, 100000.0, 70000.0)
    # overdue and warned as the rows' 拜访预警 and 预警 say, counted per rep
    assert (zhang.overdue_visits, li.overdue_visits, nobody.overdue_visits) == (1, 1, 0)
    assert (zhang.warned, li.warned, nobody.warned) == (1, 0, 1)
    assert (board.total.overdue_visits, board.total.warned) == (2, 2)
    assert (zhang.care_soon, li.care_soon) == (1, 2)
    assert board.total.customers == 4 and board.total.weighted == 130000.0
    assert board.total.grades == {
        "未评级": 1,
        "I级": 2,
        "II级": 0,
        "III级": 1,
        "IV级": 0,
        "不适用": 0,
    }
    assert [(h.label, h.projects, h.amount, h.weighted) for h in board.pipeline] == [
        ("90%", 0, 0.0, 0.0),
        ("70%", 2, 100000.0, 70000.0),
        ("50%", 0, 0.0, 0.0),
        ("30%", 1, 200000.0, 60000.0),
        ("0%", 0, 0.0, 0.0),
    ]


def test_value_classes_and_complaints_per_rep() -> None:
    board = figures()
    zhang, li, nobody = board.reps
    assert zhang.values == {"A": 1, "B": 0, "C": 0, "D": 0, "未分类": 1}
    assert li.values == {"A": 0, "B": 0, "C": 1, "D": 0, "未分类": 0}
    assert board.total.values == {"A": 2, "B": 0, "C": 1, "D": 0, "未分类": 1}
    # open: not all seven steps done; overdue: the response is late (as 响应状态 says)
    assert (zhang.complaints_open, zhang.complaints_overdue) == (1, 1)
    assert (li.complaints_open, li.complaints_overdue) == (1, 0)
    # a complaint naming a customer the 客户 sheet lacks: counted, under （未指定）
    assert (nobody.complaints_open, nobody.complaints_overdue) == (1, 0)
    assert (board.total.complaints_open, board.total.complaints_overdue) == (3, 1)


def test_a_value_class_not_listed_counts_as_not_classed() -> None:
    board = figures(customer_values=["E", "A", None, "B"])
    assert board.total.values == {"A": 1, "B": 1, "C": 0, "D": 0, "未分类": 2}
    assert sum(board.total.values.values()) == board.total.customers


def test_plan_board_fills_the_value_and_complaint_block() -> None:
    cells = {(c.row, c.col): c.value for c in plan_board(figures())}
    header = [cells[(VALUE_HEADER, col)] for col in range(1, 9)]
    assert header == ["业务员", "A类", "B类", "C类", "D类", "未分类", "未办结投诉", "投诉响应逾期"]
    # the same reps in the same order as the first block
    assert [cells[(VALUE_FIRST + i, 1)] for i in range(3)] == ["张伟", "李娜", "（未指定）"]
    assert [cells[(VALUE_FIRST, col)] for col in range(2, 9)] == [1, 0, 0, 0, 1, 1, 1]
    assert cells[(VALUE_FIRST + 3, 1)] is None  # no fourth rep: written blank
    assert [cells[(VALUE_TOTAL, col)] for col in range(1, 9)] == ["合计", 2, 0, 1, 0, 1, 3, 1]


def test_plan_of_a_reps_own_board() -> None:
    board = figures(
        customer_reps=["张伟"] * 4,
        project_reps=["张伟"] * 3,
        care_reps=["张伟"],
        complaint_reps=["张伟"] * 4,
        scope="rep",
    )
    cells = {(c.row, c.col): c.value for c in plan_board(board)}
    assert str(cells[(1, 1)]).startswith("我的看板")
    # customers, projects, amount, weighted, overdue, warned, open/overdue complaints, care
    assert [cells[(MINE_ROW, col)] for col in range(1, 10)] == [
        4, 3, 300000.0, 130000.0, 2, 2, 3, 1, 1
    ]  # fmt: skip
    grades = {cells[(MINE_GRADE_FIRST + i, 1)]: cells[(MINE_GRADE_FIRST + i, 2)] for i in range(6)}
    assert grades == {"未评级": 1, "I级": 2, "II级": 0, "III级": 1, "IV级": 0, "不适用": 0}
    assert cells[(MINE_GRADE_FIRST + 6, 1)] is None  # grade rows beyond the rules': blank
    values = [
        (cells[(MINE_GRADE_FIRST + i, MINE_VALUE_COL)], cells[(MINE_GRADE_FIRST + i, 5)])
        for i in range(5)
    ]
    assert values == [("A类", 2), ("B类", 0), ("C类", 1), ("D类", 0), ("未分类", 1)]
    assert cells[(MINE_HEAT_FIRST + 1, 1)] == "70%"
    assert cells[(MINE_HEAT_FIRST + 1, 4)] == 70000.0
    # no team block is written on a rep's 看板
    assert (VALUE_HEADER, 1) not in cells
    lines = board_lines(board)
    assert lines[0] == "我的看板（截至 2026-11-23）："
    assert lines[1].startswith("  张伟：客户 4（")  # named by the rep, no 合计 line
    assert "未办结投诉 3（响应逾期 1）" in lines[1]


def test_a_heat_the_rules_lost_is_shown_not_dropped() -> None:
    board = figures(heat_percents=[90, 30])
    assert [h.label for h in board.pipeline] == ["90%", "70%", "30%", "0%"]
    assert sum(h.projects for h in board.pipeline) == 3


def test_more_reps_than_rows_are_summed_not_dropped() -> None:
    reps = [f"业务员{i:02d}" for i in range(35)]
    board = figures(
        customer_reps=reps,
        customer_grades=["I级"] * 35,
        customer_values=["B"] * 35,
        overdue=[True] * 35,
        warned=[False] * 35,
        project_reps=[],
        project_heats=[],
        project_amounts=[],
        project_weighted=[],
        care_reps=[],
        complaint_reps=[],
        complaint_open=[],
        complaint_overdue=[],
    )
    cells = {(c.row, c.col): c.value for c in plan_board(board)}
    last = REP_FIRST + 29
    assert cells[(last - 1, 1)] == "业务员28"
    assert cells[(last, 1)] == "其他 6 人"
    assert cells[(last, 2)] == 6
    assert cells[(TOTAL_ROW, 2)] == 35
    assert cells[(VALUE_FIRST + 29, 1)] == "其他 6 人"
    assert cells[(VALUE_FIRST + 29, 3)] == 6  # their B类 customers
    assert cells[(VALUE_TOTAL, 3)] == 35


def test_plan_board_clears_rows_of_reps_who_left() -> None:
    cells = {(c.row, c.col): c.value for c in plan_board(figures())}
    assert cells[(REP_FIRST, 1)] == "张伟"
    assert cells[(REP_FIRST + 3, 1)] is None  # a fourth rep's row: written blank
    assert (REP_FIRST + 3, 2) in cells
    assert cells[(HEAT_FIRST, 1)] == "90%"
    assert cells[(HEAT_FIRST + 5, 1)] is None


@pytest.fixture
def master(team_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "团队总表.xlsx"
    shutil.copy(team_dir / target.name, target)
    return target


@pytest.fixture
def rep(team_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "客户跟进表-张伟.xlsx"
    shutil.copy(team_dir / target.name, target)
    return target


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))


def _chart_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in _charts(path)}


def test_recompute_fills_the_board_under_its_charts(master: Path) -> None:
    charts = _charts(master)
    assert len(charts) == 3  # grades per rep, the pipeline, value classes per rep
    done = recompute_workbook(master, today=TODAY)
    board = done.board
    assert board is not None and board.scope == "team"
    assert [r.rep for r in board.reps] == ["刘洋", "张伟", "李娜", "王强"]
    assert board.total.customers == len(done.result.customers)
    assert board.total.weighted == pytest.approx(
        sum(float(p["weighted_amount"] or 0) for p in done.result.projects)
    )
    # value classes as the rows' 价值分类 say, every customer in one of them
    classes = [c["value_class"] or "未分类" for c in done.result.customers]
    assert board.total.values == {v: classes.count(v) for v in VALUES}
    assert sum(board.total.values.values()) == board.total.customers
    # complaints: each rep of the sample team has one; those late as their 响应状态 says
    complaints = done.result.sheet(COMPLAINTS)
    assert board.total.complaints_open == len(complaints) == 4
    assert board.total.complaints_overdue == sum(1 for c in complaints if c["overdue"]) == 2
    sheet = read_workbook(master).sheets[BOARD_SHEET]
    assert sheet.value(REP_FIRST, 1) == "刘洋"
    assert sheet.value(TOTAL_ROW, 1) == "合计"
    assert sheet.value(TOTAL_ROW, 2) == board.total.customers
    assert sheet.value(HEAT_FIRST, 1) == "90%"
    assert sheet.value(VALUE_FIRST, 1) == "刘洋"
    assert sheet.value(VALUE_TOTAL, 2) == board.total.values["A"]
    assert sheet.value(VALUE_TOTAL, 7) == 4 and sheet.value(VALUE_TOTAL, 8) == 2
    assert (
        sheet.value(1, 1) == "团队看板（由 kqxl 在重算时填写，请勿手工编辑数据区；截至 2026-11-23）"
    )
    # filled by cell changes: the charts are the same parts, byte for byte
    with zipfile.ZipFile(master) as zf:
        after = {n: zf.read(n) for n in _charts(master)}
    assert sorted(after) == charts
    # a second recompute gives the same figures
    again = recompute_workbook(master, today=TODAY)
    assert again.board == board


def test_the_value_chart_reads_the_value_block(master: Path) -> None:
    with zipfile.ZipFile(master) as zf:
        xml = "".join(zf.read(n).decode() for n in _charts(master))
    # the first charts keep their ranges; the third reads the block below the pipeline
    assert "'看板'!$C$4:$C$33" in xml and "'看板'!$D$38:$D$47" in xml
    for col in "BCDEF":  # A类 … D类, 未分类: a series each, named by its header
        assert f"'看板'!{col}{VALUE_HEADER}<" in xml
        assert f"'看板'!${col}${VALUE_FIRST}:${col}${VALUE_TOTAL - 1}<" in xml
    assert f"'看板'!$A${VALUE_FIRST}:$A${VALUE_TOTAL - 1}<" in xml


def test_a_master_made_before_the_value_block_gets_its_figures(tmp_path: Path) -> None:
    rules = load_rules(None)
    customers = [
        {"customer_name": "甲公司", "customer_type": "甲方", "owner_rep": "张伟"},
        {"customer_name": "乙公司", "customer_type": "甲方", "owner_rep": "李娜"},
    ]
    wb = build_template("master", rules, customers=customers)
    ws = wb[BOARD_SHEET]
    ws._charts.pop()  # as the first masters were: two charts, no value block
    for row in ws.iter_rows(min_row=VALUE_HEADER):
        for cell in row:
            cell.value = None
    old = tmp_path / "团队总表.xlsx"
    wb.save(old)
    charts = _chart_parts(old)
    assert len(charts) == 2
    done = recompute_workbook(old, today=TODAY)
    assert done.board is not None
    sheet = read_workbook(old).sheets[BOARD_SHEET]
    assert sheet.value(VALUE_HEADER, 2) == "A类"
    assert [sheet.value(VALUE_FIRST + i, 1) for i in range(2)] == ["张伟", "李娜"]
    assert sheet.value(VALUE_TOTAL, 6) == 2  # neither has a 期间销售额: both 未分类
    # its two charts are the same parts, byte for byte
    assert _chart_parts(old) == charts


def test_a_complaint_with_all_seven_steps_done_is_no_longer_open(master: Path) -> None:
    done = recompute_workbook(master, today=TODAY)
    before = done.board
    assert before is not None
    layout = done.result.layouts[COMPLAINTS]
    first = done.result.sheet(COMPLAINTS)[0]
    ticks = [
        CellChange(COMPLAINTS, first.row, layout.columns[key], "是")
        for key, _, _ in COMPLAINT_STEPS
    ]
    patch_workbook(master, ticks, backup=False)
    after = recompute_workbook(master, today=TODAY).board
    assert after is not None
    assert after.total.complaints_open == before.total.complaints_open - 1
    changed = [
        (b.rep, b.complaints_open - a.complaints_open)
        for b, a in zip(before.reps, after.reps, strict=True)
        if b.complaints_open != a.complaints_open
    ]
    assert len(changed) == 1 and changed[0][1] == 1


def test_recompute_prints_the_board(master: Path) -> None:
    result = CliRunner().invoke(cli, ["recompute", str(master), "--today", TODAY.isoformat()])
    lines = result.stdout.splitlines()
    start = lines.index("看板（截至 2026-11-23）：")
    done = recompute_workbook(master, today=TODAY)
    assert done.board is not None
    expected = board_lines(done.board)
    assert lines[start : start + len(expected)] == expected
    # the demo team's figures, as a manager reads them
    assert (
        "  合计：客户 44（未评级 8，I级 8，II级 9，III级 7，IV级 8，不适用 4；"
        "价值分类 A 16，B 10，C 0，D 18，未分类 0），项目 20，"
        "加权金额 11,130,000 元，拜访逾期 26，有预警 9，未办结投诉 4（响应逾期 2），"
        "14天内关怀 6" in lines
    )
    assert "  热度 90%：项目 4，金额 4,950,000 元，加权 4,455,000 元" in lines


def test_a_second_recompute_of_the_master_writes_nothing(master: Path) -> None:
    first = recompute_workbook(master, today=TODAY)
    assert first.board is not None
    before = master.read_bytes()
    again = recompute_workbook(master, today=TODAY)
    assert again.unchanged and again.cells_changed == 0
    assert master.read_bytes() == before
    # a new day changes the board's title (截至 …) and its dated figures: written again
    later = recompute_workbook(master, today=TODAY + dt.timedelta(days=1))
    assert not later.unchanged


def test_a_rep_workbook_has_its_own_small_board(rep: Path) -> None:
    assert len(_charts(rep)) == 3  # grades, value classes, the pipeline
    done = recompute_workbook(rep, today=TODAY)
    board = done.board
    assert board is not None and board.scope == "rep"
    assert [r.rep for r in board.reps] == ["张伟"]
    sheet = read_workbook(rep).sheets[BOARD_SHEET]
    assert sheet.value(1, 1) == (
        "我的看板（由 kqxl 在重算时填写，请勿手工编辑数据区；截至 2026-11-23）"
    )
    mine = board.total
    assert [sheet.value(MINE_ROW, col) for col in range(1, 10)] == [
        mine.customers,
        mine.projects,
        mine.amount,
        mine.weighted,
        mine.overdue_visits,
        mine.warned,
        mine.complaints_open,
        mine.complaints_overdue,
        mine.care_soon,
    ]
    assert mine.customers == len(done.result.customers) == 11
    assert mine.complaints_open == 1
    assert sheet.value(MINE_GRADE_FIRST, 1) == "未评级"
    assert sum(sheet.value(MINE_GRADE_FIRST + i, 2) or 0 for i in range(8)) == 11
    assert sum(sheet.value(MINE_GRADE_FIRST + i, MINE_VALUE_COL + 1) for i in range(5)) == 11
    assert sheet.value(MINE_HEAT_FIRST, 1) == "90%"
    assert sheet.value(VALUE_HEADER, 1) is None  # no team block on a rep's 看板
    # recompute prints the rep's figures
    result = CliRunner().invoke(cli, ["recompute", str(rep), "--today", TODAY.isoformat()])
    lines = result.stdout.splitlines()
    start = lines.index("我的看板（截至 2026-11-23）：")
    assert lines[start : start + 2] == board_lines(board)[:2]
    assert lines[start + 1].startswith("  张伟：客户 11（")
    # the charts are the same parts, and a second recompute writes nothing
    before = rep.read_bytes()
    assert recompute_workbook(rep, today=TODAY).unchanged
    assert rep.read_bytes() == before


def test_a_rep_workbook_made_before_the_board_keeps_working(tmp_path: Path) -> None:
    rules = load_rules(None)
    wb = build_template(
        "rep",
        rules,
        rep_name="张伟",
        customers=[{"customer_name": "武汉一号公司", "customer_type": "甲方", "owner_rep": "张伟"}],
    )
    wb.remove(wb[BOARD_SHEET])
    old = tmp_path / "客户跟进表.xlsx"
    wb.save(old)
    done = recompute_workbook(old, today=TODAY)
    assert done.board is None
    assert not any(f.sheet == BOARD_SHEET for f in done.result.findings)
    assert BOARD_SHEET not in read_workbook(old).sheets
    result = CliRunner().invoke(cli, ["recompute", str(old), "--today", TODAY.isoformat()])
    assert result.exit_code in (0, 1), result.output  # 1: the row's own 校验 findings, if any
    assert "看板" not in result.stdout and "Traceback" not in result.output


def test_a_sheet_named_board_that_is_not_kqxls_is_left_alone(tmp_path: Path) -> None:
    rules = load_rules(None)
    wb = build_template("rep", rules, customers=[{"customer_name": "甲", "customer_type": "甲方"}])
    wb[BOARD_SHEET]["A1"] = "我自己的汇总"
    path = tmp_path / "客户跟进表.xlsx"
    wb.save(path)
    assert recompute_workbook(path, today=TODAY).board is None
    sheet = read_workbook(path).sheets[BOARD_SHEET]
    assert sheet.value(1, 1) == "我自己的汇总" and sheet.value(MINE_ROW, 1) is None


def test_sync_recomputes_the_reps_board(tmp_path: Path) -> None:
    from kqxl.sync.apply import read_side, sync_team
    from kqxl.sync.rep import init_rep

    rules = load_rules(None)
    customers = [
        {"customer_name": f"公司{i}", "customer_type": "甲方", "owner_rep": rep}
        for i, rep in enumerate(["张伟", "李娜", "张伟", "李娜"])
    ]
    master = tmp_path / "团队总表.xlsx"
    write_template(master, "master", rules, customers=customers)
    zhang = init_rep(master, "张伟").path
    init_rep(master, "李娜")
    assert len(_charts(Path(zhang))) == 3  # kqxl init --rep gives the rep a 看板
    sync_team(master, today=TODAY)
    # the manager hands 公司1 to 张伟: the sync moves it and 张伟's 看板 follows
    side = read_side(master, "master", SCHEMA)
    key = next(k for k, f in side.sheets["客户"].table.items() if f["customer_name"] == "公司1")
    row, col = side.sheets["客户"].rows[key], side.sheets["客户"].columns["owner_rep"]
    patch_workbook(master, [CellChange("客户", row, col, "张伟")], backup=False)
    sync_team(master, today=TODAY)
    sheet = read_workbook(zhang).sheets[BOARD_SHEET]
    assert sheet.value(MINE_ROW, 1) == 3
    assert str(sheet.value(1, 1)).endswith("截至 2026-11-23）")


def _pdf_texts(books: list[Path], out: Path) -> list[str]:
    """The text of each workbook's pages holding its 看板, as LibreOffice prints them."""
    profile = (out / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, books),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    texts = []
    for book in books:
        reader = pypdf.PdfReader(out / f"{book.stem}.pdf")
        pages = [page.extract_text() for page in reader.pages]
        texts.append("\n".join(p for p in pages if "看板（由 kqxl" in p))
    return texts


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_pdf_shows_the_charts_and_figures(
    master: Path, rep: Path, tmp_path: Path
) -> None:
    done = recompute_workbook(master, today=TODAY)
    mine = recompute_workbook(rep, today=TODAY)
    assert done.board is not None and mine.board is not None
    text, rep_text = _pdf_texts([master, rep], tmp_path)
    # the three charts, drawn (their titles and series names are text of the PDF)
    assert "各业务员客户等级分布" in text
    assert "成交热度漏斗（加权金额）" in text
    assert "各业务员客户价值分类" in text
    assert "Column" not in text  # every series has a name
    # the figures, per rep and in total: customers and grades, value classes and complaints
    for figures in [*done.board.reps, done.board.total]:
        grades = " ".join(str(figures.grades[g]) for g in done.board.grade_labels)
        assert f"{figures.rep} {figures.customers} {grades} " in text
        values = " ".join(str(figures.values[v]) for v in VALUES)
        assert (
            f"{figures.rep} {values} {figures.complaints_open} {figures.complaints_overdue}" in text
        )
    assert f"{done.board.total.weighted:,.0f}" in text
    # the rep's small 看板: its charts and its own figures
    assert "我的客户等级分布" in rep_text
    assert "我的客户价值分类" in rep_text
    assert "成交热度漏斗（加权金额）" in rep_text
    assert "Column" not in rep_text
    m = mine.board.total
    assert (
        f"{m.customers} {m.projects} {m.amount:,.0f} {m.weighted:,.0f} {m.overdue_visits} "
        f"{m.warned} {m.complaints_open} {m.complaints_overdue} {m.care_soon}" in rep_text
    )
    # the grade and value class blocks side by side: row by row, a grade's count, then a class's
    block = rep_text.split("客情等级 客户数 价值分类 客户数", 1)[1].split("成交热度", 1)[0]
    grades = [m.grades[g] for g in mine.board.grade_labels]
    classes = [m.values[v] for v in VALUES]
    expected = [
        n
        for i in range(max(len(grades), len(classes)))
        for n in [*grades[i : i + 1], *classes[i : i + 1]]
    ]
    assert [int(n) for n in re.findall(r"\d+", block)] == expected


def test_rep_figures_add_up() -> None:
    a = RepFigures(rep="a", customers=1, grades={"I级": 1}, weighted=5.0)
    a.add(RepFigures(rep="b", customers=2, grades={"I级": 1, "II级": 1}, care_soon=1))
    assert (a.customers, a.grades, a.weighted, a.care_soon) == (3, {"I级": 2, "II级": 1}, 5.0, 1)
