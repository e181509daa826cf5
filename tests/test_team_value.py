"""Value classes are the team's: a rep workbook classes its customers by the master's lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kqxl.api import recompute_workbook, validate_workbook
from kqxl.book import CellChange, patch_workbook
from kqxl.book.template import write_template
from kqxl.cells import CellValue
from kqxl.engine.systems.value import ValueLines, classes_by_lines, value_classes, value_lines
from kqxl.rules import load_rules
from kqxl.schema import SCHEMA
from kqxl.sync.apply import SyncReport, read_side, sync_team
from kqxl.sync.rep import init_rep
from kqxl.sync.team import A_MIN, lines_of

TODAY = dt.date(2026, 11, 23)
CUSTOMERS = "客户"
# revenues in 万, 1,000 over the team: A are 甲 乙 丙 (reaching 80%), B 丁 戊 己 (up to 95%), 庚 D.
# 张伟 holds 甲 and 丙, 李娜 the rest; ranked alone her 400 would make 乙 丁 戊 A and 己 B.
REVENUE = {"甲": 500.0, "乙": 200.0, "丙": 100.0, "丁": 80.0, "戊": 60.0, "己": 40.0, "庚": 20.0}
OWNER = {name: "张伟" if name in "甲丙" else "李娜" for name in REVENUE}


def test_equal_contributions_get_the_same_class() -> None:
    # 60 + 20 = 80% ends A with the first 20; the second 20 is its equal and A too
    classes, _ = value_classes([60.0, 20.0, 20.0, 0.0, None], [None] * 5, 0.8, 0.95)
    assert classes == ["A", "A", "A", "D", None]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.integers(-5, 40).map(float)),
        min_size=1,
        max_size=40,
    ),
    st.floats(0.05, 1.0),
    st.floats(0.0, 0.5),
)
def test_the_lines_give_every_row_its_ranked_class(
    contribution: list[float | None], a_share: float, extra: float
) -> None:
    b_share = min(1.0, a_share + extra)
    potential = [i % 3 == 0 for i in range(len(contribution))]
    ranked, _ = value_classes(contribution, potential, a_share, b_share)
    lines = value_lines(contribution, "销售额", a_share, b_share)
    if lines is None:
        assert not any(c in ("A", "B") for c in ranked)
        return
    assert classes_by_lines(contribution, potential, lines) == ranked
    # and any one rep's rows, classed alone by the team's lines, get the team's classes
    mine = contribution[::2]
    assert classes_by_lines(mine, potential[::2], lines) == ranked[::2]


def _team(folder: Path) -> Path:
    customers: list[dict[str, CellValue]] = [
        {
            "customer_name": f"{name}公司",
            "customer_type": "甲方",
            "owner_rep": OWNER[name],
            "period_revenue": amount * 10_000,
        }
        for name, amount in REVENUE.items()
    ]
    master = folder / "团队总表.xlsx"
    write_template(master, "master", load_rules(None), customers=customers)
    return master


def _classes(path: Path) -> dict[str, CellValue]:
    result = validate_workbook(path, today=TODAY)
    return {r.name: r.values["value_class"] for r in result.rows[CUSTOMERS]}  # type: ignore[misc]


def _revenue(path: Path, name: str, amount: float) -> None:
    """Type ``amount`` into 期间销售额 of customer ``name`` of a workbook."""
    side = read_side(path, "rep" if "跟进" in path.name else "master", SCHEMA)
    s = side.sheets[CUSTOMERS]
    key = next(k for k, f in s.table.items() if f["customer_name"] == name)
    change = CellChange(CUSTOMERS, s.rows[key], s.columns["period_revenue"], amount)
    patch_workbook(path, [change], backup=False)


def _written(report: SyncReport, path: Path) -> bool | None:
    return {Path(f.file).name: f.written for f in report.files}[path.name]


def test_init_rep_gives_the_teams_classes_and_a_filled_board(tmp_path: Path) -> None:
    master = _team(tmp_path)
    zhang = Path(init_rep(master, "张伟").path)
    li = Path(init_rep(master, "李娜").path)
    team = _classes(master)
    assert team == {
        "甲公司": "A", "乙公司": "A", "丙公司": "A", "丁公司": "B", "戊公司": "B",
        "己公司": "B", "庚公司": "D",
    }  # fmt: skip
    for rep in (zhang, li):
        assert _classes(rep) == {n: c for n, c in team.items() if n in _classes(rep)}
    side = read_side(li, "rep", SCHEMA)
    assert lines_of(side.settings.other_rows if side.settings else ()) == ValueLines(
        "销售额", 1_000_000.0, 400_000.0
    )
    # the new workbook is recomputed: classes are in the cells and its 看板 is filled (a
    # recompute on the same day has nothing left to write)
    done = recompute_workbook(li)
    assert done.unchanged is True
    assert done.board is not None and done.board.total.customers == 5
    basis = {r.name: r.values["value_basis"] for r in done.result.rows[CUSTOMERS]}
    assert basis["乙公司"] == (
        "销售额 2,000,000 元，按团队分类线（A类 ≥ 1,000,000 元，B类 ≥ 400,000 元）"
    )


def test_sync_keeps_rep_classes_equal_to_the_masters(tmp_path: Path) -> None:
    master = _team(tmp_path)
    zhang, li = Path(init_rep(master, "张伟").path), Path(init_rep(master, "李娜").path)
    sync_team(master, today=TODAY)
    # the manager enters a large revenue for 张伟's 甲: the team's lines move up, and 李娜's 己
    # falls from B to D although none of her rows changed: her workbook is written for it
    _revenue(master, "甲公司", 14_000_000.0)
    li_before = li.read_bytes()
    assert _written(sync_team(master, today=TODAY), li) is True
    assert li.read_bytes() != li_before
    team = _classes(master)
    assert team["己公司"] == "D" and team["丙公司"] == "B"
    for rep in (zhang, li):
        mine = _classes(rep)
        assert mine == {n: team[n] for n in mine}
    # a second sync has nothing to do
    before = {p.name: p.read_bytes() for p in tmp_path.glob("*.xlsx")}
    again = sync_team(master, today=TODAY)
    assert again.changed == 0 and not any(f.written for f in again.files)
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.xlsx")} == before


def test_new_lines_that_change_no_class_write_nothing(tmp_path: Path) -> None:
    master = _team(tmp_path)
    init_rep(master, "张伟")
    li = Path(init_rep(master, "李娜").path)
    sync_team(master, today=TODAY)
    # 张伟's 丙, the smallest A, grows to 110 万: the A line moves with it, but no row of
    # 李娜's changes class, so her workbook is not written
    _revenue(master, "丙公司", 1_100_000.0)
    before = li.read_bytes()
    assert _written(sync_team(master, today=TODAY), li) is False
    assert li.read_bytes() == before
    assert _classes(li) == {n: c for n, c in _classes(master).items() if n in _classes(li)}


def test_a_rep_recompute_offline_uses_the_stored_lines(tmp_path: Path) -> None:
    master = _team(tmp_path)
    li = Path(init_rep(master, "李娜").path)
    # 庚 grows to the team's A line, offline: the recompute classes it by the stored lines
    _revenue(li, "庚公司", 1_000_000.0)
    recompute_workbook(li, today=TODAY)
    assert _classes(li)["庚公司"] == "A"
    # a hand-damaged line is not used: the workbook then ranks its own rows
    settings_sheet = read_side(li, "rep", SCHEMA).grid.sheets["设置"]
    row = next(
        r
        for r in range(1, settings_sheet.first_row + len(settings_sheet.rows))
        if settings_sheet.value(r, 4) == A_MIN
    )
    patch_workbook(li, [CellChange("设置", row, 2, "很多")], backup=False)
    result = validate_workbook(li, today=TODAY)
    basis = {r.name: r.values["value_basis"] for r in result.rows[CUSTOMERS]}
    assert str(basis["庚公司"]).startswith("销售额累计占比")
