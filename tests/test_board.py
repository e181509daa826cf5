"""The master's 看板: figures per rep and per heat level, filled by cell changes under charts
built once, printed by recompute, rendered by LibreOffice."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from kqxl.api import recompute_workbook
from kqxl.board import BOARD_SHEET, HEAT_FIRST, REP_FIRST, TOTAL_ROW, board_lines, plan_board
from kqxl.book import read_workbook
from kqxl.cli import cli
from kqxl.demo import TODAY
from kqxl.engine.board import RepFigures, board_figures

D = dt.date
LABELS = ["未评级", "I级", "II级", "III级", "IV级", "不适用"]


def figures(**kw: object):  # type: ignore[no-untyped-def]
    base = {
        "today": D(2026, 11, 23),
        "grade_labels": LABELS,
        "heat_percents": [90, 70, 50, 30],
        "customer_reps": ["张伟", "张伟", "李娜", None],
        "customer_grades": ["I级", "III级", "I级", "未评级"],
        "overdue": [False, True, True, False],
        "warned": [True, False, False, True],
        "project_reps": ["张伟", "李娜", "李娜"],
        "project_heats": [0.7, 0.3, 0.7],
        "project_amounts": [100000.0, 200000.0, None],
        "project_weighted": [70000.0, 60000.0, None],
        "care_reps": ["李娜", "李娜", "张伟"],
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


def test_a_heat_the_rules_lost_is_shown_not_dropped() -> None:
    board = figures(heat_percents=[90, 30])
    assert [h.label for h in board.pipeline] == ["90%", "70%", "30%", "0%"]
    assert sum(h.projects for h in board.pipeline) == 3


def test_more_reps_than_rows_are_summed_not_dropped() -> None:
    reps = [f"业务员{i:02d}" for i in range(35)]
    board = figures(
        customer_reps=reps,
        customer_grades=["I级"] * 35,
        overdue=[True] * 35,
        warned=[False] * 35,
        project_reps=[],
        project_heats=[],
        project_amounts=[],
        project_weighted=[],
        care_reps=[],
    )
    cells = {(c.row, c.col): c.value for c in plan_board(board)}
    last = REP_FIRST + 29
    assert cells[(last - 1, 1)] == "业务员28"
    assert cells[(last, 1)] == "其他 6 人"
    assert cells[(last, 2)] == 6
    assert cells[(TOTAL_ROW, 2)] == 35


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


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))


def test_recompute_fills_the_board_under_its_charts(master: Path) -> None:
    charts = _charts(master)
    assert len(charts) == 2
    done = recompute_workbook(master, today=TODAY)
    board = done.board
    assert board is not None
    assert [r.rep for r in board.reps] == ["刘洋", "张伟", "李娜", "王强"]
    assert board.total.customers == len(done.result.customers)
    assert board.total.weighted == pytest.approx(
        sum(float(p["weighted_amount"] or 0) for p in done.result.projects)
    )
    sheet = read_workbook(master).sheets[BOARD_SHEET]
    assert sheet.value(REP_FIRST, 1) == "刘洋"
    assert sheet.value(TOTAL_ROW, 1) == "合计"
    assert sheet.value(TOTAL_ROW, 2) == board.total.customers
    assert sheet.value(HEAT_FIRST, 1) == "90%"
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
        "  合计：客户 44（未评级 8，I级 8，II级 9，III级 7，IV级 8，不适用 4），项目 20，"
        "加权金额 11,130,000 元，拜访逾期 26，有预警 9，14天内关怀 6" in lines
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


def test_a_rep_workbook_has_no_board(team_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "客户跟进表-张伟.xlsx"
    shutil.copy(team_dir / target.name, target)
    assert _charts(target) == []
    assert recompute_workbook(target, today=TODAY).board is None


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_pdf_shows_the_charts_and_figures(master: Path, tmp_path: Path) -> None:
    done = recompute_workbook(master, today=TODAY)
    assert done.board is not None
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(master),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    reader = pypdf.PdfReader(tmp_path / "团队总表.pdf")
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(p for p in pages if "各业务员客户等级分布" in p or "业务员 客户数" in p)
    # the two charts, drawn (their titles and series names are text of the PDF)
    assert "各业务员客户等级分布" in text
    assert "成交热度漏斗（加权金额）" in text
    assert "Column" not in text  # every series has a name
    # the figures, per rep and in total
    for rep in done.board.reps:
        assert f"{rep.rep} {rep.customers} " in text
    assert f"合计 {done.board.total.customers} " in text
    assert f"{done.board.total.weighted:,.0f}" in text


def test_rep_figures_add_up() -> None:
    a = RepFigures(rep="a", customers=1, grades={"I级": 1}, weighted=5.0)
    a.add(RepFigures(rep="b", customers=2, grades={"I级": 1, "II级": 1}, care_soon=1))
    assert (a.customers, a.grades, a.weighted, a.care_soon) == (3, {"I级": 2, "II级": 1}, 5.0, 1)
