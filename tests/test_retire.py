"""状态 作废: the manager retires a row; it is kept, no longer reminded, warned about or counted,
and a sync neither restores nor sends it to a rep workbook that lacks it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from test_engine_helpers import customer, project
from test_systems_seeds import col, days_ago, run

from kqxl.api import recompute_workbook
from kqxl.book import CellChange, RowDelete, patch_workbook
from kqxl.book.template import write_template
from kqxl.cells import CellValue
from kqxl.remind import remind_workbook
from kqxl.rules import load_rules
from kqxl.schema import SCHEMA
from kqxl.sync.apply import read_side, sync_team
from kqxl.sync.merge import SheetTables, plan_sync, schema_columns
from kqxl.sync.rep import init_rep

CUSTOMERS = "客户"
SYNC_DAY = dt.date(2026, 11, 23)


def test_a_retired_row_has_no_alerts_and_is_still_graded() -> None:
    rows = [
        customer(name, "甲方", 1, 欠款金额=5000, 欠款到期日=days_ago(90),
                 最近拜访日期=days_ago(400), **({"状态": "作废"} if name == "乙" else {}))
        for name in ("甲", "乙")
    ]  # fmt: skip
    projects = [
        project(
            name, "甲", 阶段开始日期=days_ago(900), **({"状态": "作废"} if name == "P2" else {})
        )
        for name in ("P1", "P2")
    ]
    result = run(rows, projects)
    assert not result.findings
    assert col(result, "grade") == ["I级", "I级"]
    warnings, alerts = col(result, "warnings"), col(result, "visit_alert")
    assert warnings[0] and alerts[0] and col(result, "overdue_days")[0]
    assert (warnings[1], alerts[1], col(result, "overdue_days")[1]) == (None, None, None)
    progress = col(result, "progress_alert", "项目")
    assert progress[0] and progress[1] is None
    # a word a rep might type is a finding, not a silent 正常
    bad = run([customer("丙", "甲方", 状态="删了")])
    assert [f.value for f in bad.findings] == ["删了"]


def test_retired_customers_leave_the_board_and_the_reminders(
    team_dir: Path, tmp_path: Path
) -> None:
    master = tmp_path / "团队总表.xlsx"
    shutil.copy(team_dir / master.name, master)
    before = recompute_workbook(master, today=SYNC_DAY)
    reminded = remind_workbook(master, days=30, today=SYNC_DAY, write_sheet=False)
    named = {r.customer for r in reminded.reminders.reminders if r.customer}
    target = sorted(named)[0]
    layout = before.result.layouts[CUSTOMERS]
    row = next(r.row for r in before.result.customers if r.name == target)
    patch_workbook(
        master, [CellChange(CUSTOMERS, row, layout.columns["status"], "作废")], backup=False
    )
    after = recompute_workbook(master, today=SYNC_DAY)
    assert before.board is not None and after.board is not None
    assert after.board.total.customers == before.board.total.customers - 1
    again = remind_workbook(master, days=30, today=SYNC_DAY, write_sheet=False)
    assert target not in {r.customer for r in again.reminders.reminders}


def _row(**fields: CellValue) -> dict[str, CellValue]:
    return {"owner_rep": "张伟", "customer_name": "甲", **fields}


def test_the_merge_does_not_restore_a_retired_row() -> None:
    columns = {CUSTOMERS: schema_columns()[CUSTOMERS]}

    def plan(status: str | None):  # type: ignore[no-untyped-def]
        base = {"K1": _row()}
        tables = SheetTables({"K1": _row(status=status)}, base, {"张伟": {}})
        return plan_sync({CUSTOMERS: tables}, columns)

    kept = plan(None)
    assert [a.key for a in kept.reps["张伟"].appends] == ["K1"] and kept.missing
    retired = plan("作废")
    assert not retired.reps["张伟"].appends and not retired.missing
    assert retired.base[CUSTOMERS]["K1"]["status"] == "作废"  # the master keeps it


def _set(path: Path, name: str, field: str, value: CellValue) -> None:
    side = read_side(path, "rep" if "跟进" in path.name else "master", SCHEMA)
    s = side.sheets[CUSTOMERS]
    key = next(k for k, f in s.table.items() if f["customer_name"] == name)
    patch_workbook(
        path, [CellChange(CUSTOMERS, s.rows[key], s.columns[field], value)], backup=False
    )


def test_sync_sends_the_status_and_keeps_a_retired_row_out(tmp_path: Path) -> None:
    master = tmp_path / "团队总表.xlsx"
    customers: list[dict[str, CellValue]] = [
        {"customer_name": f"公司{i}", "customer_type": "甲方", "owner_rep": "张伟"}
        for i in range(3)
    ]
    write_template(master, "master", load_rules(None), customers=customers)
    zhang = Path(init_rep(master, "张伟").path)
    sync_team(master, today=SYNC_DAY)
    # the manager retires 公司0 (the rep still has it) and 公司1; the rep deletes 公司1
    _set(master, "公司0", "status", "作废")
    _set(master, "公司1", "status", "作废")
    side = read_side(zhang, "rep", SCHEMA)
    key1 = next(k for k, f in side.sheets[CUSTOMERS].table.items() if f["customer_name"] == "公司1")
    patch_workbook(zhang, [], rows=[RowDelete(CUSTOMERS, side.sheets[CUSTOMERS].rows[key1])])
    report = sync_team(master, today=SYNC_DAY)
    assert not [n for n in report.notes if n.kind == "missing"]
    table = read_side(zhang, "rep", SCHEMA).sheets[CUSTOMERS].table
    names = {f["customer_name"]: f["status"] for f in table.values()}
    assert names == {"公司0": "作废", "公司2": None}
    assert key1 in read_side(master, "master", SCHEMA).sheets[CUSTOMERS].table
    # the next sync has nothing to do: the retired row stays out
    again = sync_team(master, today=SYNC_DAY)
    assert again.changed == 0 and not any(f.written for f in again.files)
    # without 作废 the deleted row would have come back (as test_sync shows), and it does once
    # the manager sets it back to 正常
    _set(master, "公司1", "status", "正常")
    sync_team(master, today=SYNC_DAY)
    table = read_side(zhang, "rep", SCHEMA).sheets[CUSTOMERS].table
    assert key1 in table
