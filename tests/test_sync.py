"""Team sync: the merge plan, the files it writes, the journal, undo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from kqxl.book import CellChange, patch_workbook
from kqxl.book.template import write_template
from kqxl.cells import CellValue
from kqxl.errors import JournalError
from kqxl.rules import load_rules
from kqxl.schema import SCHEMA
from kqxl.sync.apply import CONFLICT_SHEET, moved_sheet, read_side, sync_team
from kqxl.sync.journal import Journal, journal_path
from kqxl.sync.merge import (
    MASTER,
    SheetTables,
    normalised_name,
    plan_sync,
    schema_columns,
)
from kqxl.sync.rep import init_rep

TODAY = dt.date(2026, 11, 23)
CUSTOMERS = "客户"
COLUMNS = schema_columns()


# --- the pure merge ----------------------------------------------------------------------


def _plan(master, base, reps, sheet=CUSTOMERS):  # type: ignore[no-untyped-def]
    return plan_sync({sheet: SheetTables(master, base, reps)}, {sheet: COLUMNS[sheet]})


def row(**fields: CellValue) -> dict[str, CellValue]:
    return {"owner_rep": "张伟", "customer_name": "甲", **fields}


def test_one_side_change_is_taken_both_ways() -> None:
    base = {"K1": row(visit_count=1, manager_note="a")}
    master = {"K1": row(visit_count=1, manager_note="b")}
    rep = {"K1": row(visit_count=2, manager_note="a")}
    plan = _plan(master, base, {"张伟": rep})
    assert [(u.field, u.new, u.origin) for u in plan.master.updates] == [("visit_count", 2, "张伟")]
    assert [(u.field, u.new) for u in plan.reps["张伟"].updates] == [("manager_note", "b")]
    assert not plan.conflicts and not plan.refused
    assert plan.base[CUSTOMERS]["K1"]["visit_count"] == 2


def test_different_changes_conflict_master_wins_and_both_are_kept() -> None:
    base = {"K1": row(contact_name="王")}
    plan = _plan({"K1": row(contact_name="李")}, base, {"张伟": {"K1": row(contact_name="赵")}})
    (c,) = plan.conflicts
    assert (c.master_value, c.rep_value, c.kept, c.lost) == ("李", "赵", "李", "赵")
    assert [(u.field, u.new) for u in plan.reps["张伟"].updates] == [("contact_name", "李")]
    assert not plan.master.updates


def test_rep_wins_where_the_rules_say_so() -> None:
    cols = {CUSTOMERS: schema_columns(rep_wins=["contact_name"])[CUSTOMERS]}
    tables = SheetTables(
        {"K1": row(contact_name="李")}, {"K1": row(contact_name="王")},
        {"张伟": {"K1": row(contact_name="赵")}},
    )  # fmt: skip
    plan = plan_sync({CUSTOMERS: tables}, cols)
    assert plan.conflicts[0].kept == "赵"
    assert [(u.field, u.new) for u in plan.master.updates] == [("contact_name", "赵")]


def test_same_change_on_both_sides_is_no_conflict() -> None:
    plan = _plan({"K1": row(fax="1")}, {"K1": row()}, {"张伟": {"K1": row(fax=" 1 ")}})
    assert not plan.conflicts and not plan.master.updates and not plan.reps["张伟"]


def test_blank_is_a_value_only_when_it_replaced_one() -> None:
    # without a base (first sync of the row) a blank takes the other side's value
    plan = _plan({"K1": row(fax="1")}, {}, {"张伟": {"K1": row(fax=None, taboos="x")}})
    assert not plan.conflicts
    assert [(u.field, u.new) for u in plan.master.updates] == [("taboos", "x")]
    assert [(u.field, u.new) for u in plan.reps["张伟"].updates] == [("fax", "1")]
    # clearing a filled cell is an edit
    plan = _plan({"K1": row(fax="1")}, {"K1": row(fax="1")}, {"张伟": {"K1": row(fax=None)}})
    assert [(u.field, u.new) for u in plan.master.updates] == [("fax", None)]


def test_manager_columns_flow_down_and_a_rep_edit_is_refused() -> None:
    base = {"K1": row(manager_note="好")}
    plan = _plan({"K1": row(manager_note="好")}, base, {"张伟": {"K1": row(manager_note="改")}})
    assert not plan.master.updates
    assert [(r.field, r.reason) for r in plan.refused] == [("manager_note", "manager_column")]
    assert [(u.field, u.new) for u in plan.reps["张伟"].updates] == [("manager_note", "好")]


def test_reassigned_row_moves_out_and_goes_to_the_new_rep() -> None:
    base = {"K1": row()}
    master = {"K1": row(owner_rep="李娜")}
    plan = _plan(master, base, {"张伟": {"K1": row(fax="9")}, "李娜": {}})
    assert plan.reps["张伟"].moves_out == [(CUSTOMERS, "K1")]
    assert [a.key for a in plan.reps["李娜"].appends] == ["K1"]
    # the old owner's late edit is refused, never reaches the master
    assert [(r.field, r.reason) for r in plan.refused] == [("fax", "not_owner")]
    assert not plan.master.updates


def test_missing_rows_are_restored_not_deleted() -> None:
    base = {"K1": row(), "K2": row(customer_name="乙")}
    plan = _plan({"K1": row()}, base, {"张伟": {"K2": row(customer_name="乙")}})
    assert {(m.key, m.side) for m in plan.missing} == {("K2", MASTER), ("K1", "张伟")}
    assert [a.key for a in plan.master.appends] == ["K2"]
    assert [a.key for a in plan.reps["张伟"].appends] == ["K1"]


def test_new_rep_row_gets_its_owner_and_collisions_are_kept_apart() -> None:
    plan = _plan({}, {}, {"张伟": {"K9": row(owner_rep=None), "K7": row()}, "李娜": {"K7": row()}})
    assert [(a.key, a.fields["owner_rep"]) for a in plan.master.appends] == [("K9", "张伟")]
    assert [(u.key, u.field, u.new) for u in plan.reps["张伟"].updates] == [
        ("K9", "owner_rep", "张伟")
    ]
    assert [(c.key, c.sides) for c in plan.collisions] == [("K7", ("张伟", "李娜"))]


def test_possible_duplicates_by_normalised_name() -> None:
    assert normalised_name("湖北省武汉市江城置业（集团）有限公司") == normalised_name(
        "江城置业(集团) 有限责任公司"
    )
    assert normalised_name("ＡＢＣ 股份") == normalised_name("abc")
    assert normalised_name("城市花园") == "城市花园"
    plan = _plan(
        {"K1": row(customer_name="江城置业有限公司"), "K3": row(customer_name="长沙江城置业")},
        {"K1": row(customer_name="江城置业有限公司"), "K3": row(customer_name="长沙江城置业")},
        {"李娜": {"K2": row(owner_rep="李娜", customer_name="武汉市 江城置业")}},
    )
    # 武汉江城置业 may be 江城置业; 长沙江城置业 may be too, but is not 武汉's
    assert sorted(sorted(k for k, _, _ in d.rows) for d in plan.duplicates) == [["K1", "K2", "K3"]]
    assert len(plan.master.appends) == 1  # reported, never merged
    plan = _plan(
        {"K1": row(customer_name="武汉江城置业"), "K3": row(customer_name="长沙江城置业")},
        {"K1": row(customer_name="武汉江城置业"), "K3": row(customer_name="长沙江城置业")},
        {"李娜": {"K2": row(owner_rep="李娜", customer_name="湖北省武汉市江城置业有限公司")}},
    )
    assert [sorted(k for k, _, _ in d.rows) for d in plan.duplicates] == [["K1", "K2"]]


def test_log_rows_are_sent_once_and_never_lost() -> None:
    from kqxl.sync.merge import log_fingerprint, plan_logs

    visit = {"visit_date": dt.date(2026, 11, 2), "customer": "甲", "kind": "拜访"}
    again = dict(visit)  # the same visit typed twice: two rows, both sent
    other = {**visit, "customer": "乙"}
    plan = plan_logs("跟进记录", [], {"张伟": [visit, again], "李娜": [other]}, {})
    assert [(a.rep, a.fields["customer"], a.present) for a in plan] == [
        ("张伟", "甲", False), ("张伟", "甲", False), ("李娜", "乙", False)
    ]  # fmt: skip
    sent = {("张伟", log_fingerprint(visit)): 2, ("李娜", log_fingerprint(other)): 1}
    # sent before: nothing again; a row the rep deleted stays where it is (nothing to plan)
    assert (
        plan_logs("跟进记录", [visit, visit, other], {"张伟": [visit], "李娜": [other]}, sent) == []
    )
    # a row corrected after it was sent goes again as a new row; the first stays
    fixed = {**visit, "kind": "宴请"}
    plan = plan_logs("跟进记录", [visit, visit, other], {"张伟": [fixed, again]}, sent)
    assert [(a.rep, a.fields["kind"]) for a in plan] == [("张伟", "宴请")]
    # written by a sync killed before the journal recorded it: counted as received
    plan = plan_logs("跟进记录", [visit], {"张伟": [visit]}, {})
    assert [(a.rep, a.present) for a in plan] == [("张伟", True)]
    # spaces, 3 vs 3.0, a midnight datetime: the same row
    assert log_fingerprint({"n": 3, "d": dt.datetime(2026, 1, 1), "c": " x"}) == log_fingerprint(
        {"c": "x", "n": 3.0, "d": dt.date(2026, 1, 1)}
    )


# --- files -------------------------------------------------------------------------------


def _team(folder: Path) -> Path:
    rules = load_rules(None)
    customers = [
        {"customer_name": f"公司{i}", "customer_type": "甲方", "owner_rep": rep, "visit_count": i}
        for i, rep in enumerate(["张伟", "李娜", "张伟", "李娜"])
    ]
    master = folder / "团队总表.xlsx"
    write_template(master, "master", rules, customers=customers)
    for rep in ("张伟", "李娜"):
        init_rep(master, rep)
    return master


def _cell(path: Path, key: str, field: str, sheet: str = CUSTOMERS) -> CellValue:
    side = read_side(path, "rep" if "跟进" in path.name else "master", SCHEMA)
    return side.sheets[sheet].table[key][field]


def _set(path: Path, key: str, field: str, value: CellValue, sheet: str = CUSTOMERS) -> None:
    side = read_side(path, "rep" if "跟进" in path.name else "master", SCHEMA)
    s = side.sheets[sheet]
    patch_workbook(path, [CellChange(sheet, s.rows[key], s.columns[field], value)], backup=False)


def _key(path: Path, name: str) -> str:
    side = read_side(path, "master", SCHEMA)
    return next(k for k, f in side.sheets[CUSTOMERS].table.items() if f["customer_name"] == name)


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.xlsx"))}


@pytest.fixture
def team(tmp_path: Path) -> Path:
    master = _team(tmp_path)
    sync_team(master, today=TODAY)
    return master


def test_init_rep_holds_only_that_reps_rows(team: Path) -> None:
    side = read_side(team.parent / "客户跟进表-张伟.xlsx", "rep", SCHEMA)
    names = sorted(f["customer_name"] for f in side.sheets[CUSTOMERS].table.values())
    assert names == ["公司0", "公司2"]
    assert side.setting("sync.rep") == "张伟"


def test_no_change_resync_writes_nothing(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _bytes(team.parent)
    journal_before = journal_path(team).stat().st_mtime_ns
    report = sync_team(team, today=TODAY)
    assert report.changed == 0 and report.sync_id is None
    # every file as the last sync left it: nothing is even parsed
    import kqxl.sync.apply as apply_module

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("read_side called")

    monkeypatch.setattr(apply_module, "read_side", no_reading)
    report = sync_team(team, today=TODAY)
    assert [Path(f.file).name for f in report.files] == [
        "团队总表.xlsx", "客户跟进表-张伟.xlsx", "客户跟进表-李娜.xlsx"
    ]  # fmt: skip
    monkeypatch.undo()
    _set(team.parent / "客户跟进表-张伟.xlsx", _key(team, "公司0"), "fax", "1")
    assert sync_team(team, today=TODAY).sync_id is not None  # a changed file is read
    before = _bytes(team.parent)
    journal_before = journal_path(team).stat().st_mtime_ns
    report = sync_team(team, today=TODAY)
    assert report.changed == 0 and report.sync_id is None
    assert not any(f.written for f in report.files)
    assert _bytes(team.parent) == before
    assert journal_path(team).stat().st_mtime_ns == journal_before


def test_edits_flow_conflicts_are_listed_and_undo_restores_bytes(team: Path) -> None:
    folder = team.parent
    zhang, li = folder / "客户跟进表-张伟.xlsx", folder / "客户跟进表-李娜.xlsx"
    k0, k1 = _key(team, "公司0"), _key(team, "公司1")
    _set(zhang, k0, "fax", "027-1")  # rep-only edit
    _set(zhang, k0, "contact_name", "赵")  # conflict with the master
    _set(team, k0, "contact_name", "钱")
    _set(team, k0, "manager_note", "加紧")  # manager edit flows down
    _set(team, k1, "owner_rep", "张伟")  # reassignment 李娜 → 张伟
    before = _bytes(folder)
    dry = sync_team(team, dry_run=True, today=TODAY)
    assert _bytes(folder) == before and dry.sync_id is None
    report = sync_team(team, today=TODAY)
    assert report.sync_id is not None
    assert [c.model_dump() for c in dry.conflicts] == [c.model_dump() for c in report.conflicts]
    assert _cell(team, k0, "fax") == "027-1"
    assert _cell(zhang, k0, "manager_note") == "加紧"
    assert _cell(zhang, k0, "contact_name") == _cell(team, k0, "contact_name") == "钱"
    (c,) = report.conflicts
    assert (c.master_value, c.rep_value, c.kept) == ("钱", "赵", "钱")
    # the conflict is in both 冲突 sheets; the losing value too
    for path in (team, zhang):
        side = read_side(path, "rep" if path != team else "master", SCHEMA)
        rows = side.grid.sheets[CONFLICT_SHEET].rows
        assert any("赵" in r and k0 in r for r in rows)
    # the reassigned row left 李娜's sheet for 已移交, and reached 张伟
    assert k1 not in read_side(li, "rep", SCHEMA).sheets[CUSTOMERS].table
    moved = read_side(li, "rep", SCHEMA).grid.sheets[moved_sheet(CUSTOMERS)]
    assert any(k1 in r for r in moved.rows)
    assert k1 in read_side(zhang, "rep", SCHEMA).sheets[CUSTOMERS].table
    # a second run changes nothing
    assert sync_team(team, today=TODAY).sync_id is None
    # history
    with Journal(journal_path(team)) as j:
        story = j.history(k0)
    assert {(h.field, h.kind) for h in story} >= {("fax", "update"), ("contact_name", "conflict")}
    # undo restores every file byte for byte
    from kqxl.sync.undo import undo_sync

    undo_sync(team, report.sync_id)
    assert _bytes(folder) == before


def test_a_written_workbook_says_when_and_by_which_sync_in_its_settings(team: Path) -> None:
    folder = team.parent
    zhang, li = folder / "客户跟进表-张伟.xlsx", folder / "客户跟进表-李娜.xlsx"
    _set(team, _key(team, "公司0"), "manager_note", "加紧")  # only 张伟's workbook receives
    li_before = li.read_bytes()
    report = sync_team(team, today=TODAY)
    stamp = read_side(zhang, "rep", SCHEMA).setting("sync.last")
    assert isinstance(stamp, str) and stamp.endswith(f" #{report.sync_id}")
    assert dt.datetime.strptime(stamp[:16], "%Y-%m-%d %H:%M")
    assert len(stamp) <= 22  # fits the 设置 sheet's value column as a person sees it
    side = read_side(zhang, "rep", SCHEMA)
    labels = [r[0] for r in side.grid.sheets["设置"].rows if len(r) > 3 and r[3] == "sync.last"]
    assert labels == ["上次同步写入"]  # one row, labelled for a person
    # a workbook with nothing to receive is not written, so its stamp cannot change
    assert li.read_bytes() == li_before
    # the next sync that writes it replaces the value in the same row
    _set(team, _key(team, "公司0"), "manager_note", "再催")
    again = sync_team(team, today=TODAY)
    side = read_side(zhang, "rep", SCHEMA)
    rows = [r for r in side.grid.sheets["设置"].rows if len(r) > 3 and r[3] == "sync.last"]
    assert len(rows) == 1 and str(rows[0][1]).endswith(f" #{again.sync_id}")


def test_undo_refused_when_a_file_changed_since(team: Path) -> None:
    from kqxl.errors import KqxlError
    from kqxl.sync.undo import undo_sync

    zhang = team.parent / "客户跟进表-张伟.xlsx"
    _set(zhang, _key(team, "公司0"), "fax", "1")
    report = sync_team(team, today=TODAY)
    assert report.sync_id is not None
    _set(team, _key(team, "公司0"), "fax", "2")
    with pytest.raises(KqxlError) as info:
        undo_sync(team, report.sync_id)
    assert info.value.code == "undo_refused"


def test_new_rep_row_gets_a_key_and_reaches_the_master(team: Path) -> None:
    zhang = team.parent / "客户跟进表-张伟.xlsx"
    side = read_side(zhang, "rep", SCHEMA)
    s = side.sheets[CUSTOMERS]
    r = s.last_row + 1
    patch_workbook(
        zhang,
        [
            CellChange(CUSTOMERS, r, s.columns["customer_name"], "新客户"),
            CellChange(CUSTOMERS, r, s.columns["customer_type"], "总包"),
        ],
        backup=False,
    )
    report = sync_team(team, today=TODAY)
    assert report.sync_id is not None
    key = _key(team, "新客户")
    assert _cell(team, key, "owner_rep") == "张伟"
    assert _cell(zhang, key, "owner_rep") == "张伟"
    assert sync_team(team, today=TODAY).sync_id is None


def test_row_deleted_by_a_rep_is_restored(team: Path) -> None:
    from kqxl.book import RowDelete

    zhang = team.parent / "客户跟进表-张伟.xlsx"
    k0 = _key(team, "公司0")
    side = read_side(zhang, "rep", SCHEMA)
    patch_workbook(zhang, [], rows=[RowDelete(CUSTOMERS, side.sheets[CUSTOMERS].rows[k0])])
    report = sync_team(team, today=TODAY)
    assert [(n.kind, n.key) for n in report.notes if n.kind == "missing"] == [("missing", k0)]
    assert k0 in read_side(zhang, "rep", SCHEMA).sheets[CUSTOMERS].table
    assert k0 in read_side(team, "master", SCHEMA).sheets[CUSTOMERS].table


def test_skips_a_workbook_open_in_excel_and_one_of_another_master(team: Path) -> None:
    folder = team.parent
    (folder / "~$客户跟进表-张伟.xlsx").write_bytes(b"\x05zhang" + b" " * 100)
    other = folder / "other"
    other.mkdir()
    _team(other)
    sync_team(other / "团队总表.xlsx")  # gives that master its own id
    (other / "客户跟进表-张伟.xlsx").rename(folder / "别人的.xlsx")
    report = sync_team(team, today=TODAY)
    codes = {Path(f.file).name: f.skip_code for f in report.files}
    assert codes["客户跟进表-张伟.xlsx"] == "locked"
    assert codes["别人的.xlsx"] == "bound"
    assert codes["客户跟进表-李娜.xlsx"] is None
    assert report.needs_attention


def test_rep_workbooks_read_by_worker_processes_give_the_same_sync(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    import kqxl.sync.apply as apply_module

    folder = team.parent
    _set(folder / "客户跟进表-张伟.xlsx", _key(team, "公司0"), "fax", "027-1")
    _set(team, _key(team, "公司0"), "manager_note", "加紧")
    (folder / "~$客户跟进表-李娜.xlsx").write_bytes(b"\x05li" + b" " * 100)  # open in Excel
    (folder / "坏的.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    serial = sync_team(team, dry_run=True, today=TODAY)
    pools: list[object] = []
    start = apply_module._RepReads.__init__

    def counted(self: apply_module._RepReads, *args: object) -> None:
        start(self, *args)  # type: ignore[arg-type]
        pools.append(self.pool)

    monkeypatch.setattr(apply_module._RepReads, "__init__", counted)
    monkeypatch.setattr(apply_module, "POOL_MIN_WORKBOOKS", 1)
    monkeypatch.setattr(apply_module, "_cores", lambda: 2)
    pooled = sync_team(team, dry_run=True, today=TODAY)
    assert pools and pools[-1] is not None  # the workers did read them
    assert pooled.model_dump() == serial.model_dump()
    codes = {Path(f.file).name: f.skip_code for f in pooled.files}
    assert codes["客户跟进表-李娜.xlsx"] == "locked" and codes["坏的.xlsx"] == "damaged"
    report = sync_team(team, today=TODAY)
    assert _cell(team, _key(team, "公司0"), "fax") == "027-1"
    assert _cell(folder / "客户跟进表-张伟.xlsx", _key(team, "公司0"), "manager_note") == "加紧"
    assert [Path(f.file).name for f in report.files if f.written] == [
        "团队总表.xlsx", "客户跟进表-张伟.xlsx"
    ]  # fmt: skip
    assert not multiprocessing.active_children()  # no worker outlives the sync


def test_rep_workbooks_no_worker_started_are_read_here_last_first(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import Future

    import kqxl.sync.apply as apply_module

    (team.parent / "坏的.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    serial = sync_team(team, dry_run=True, today=TODAY)
    read: list[str] = []
    read_rep = apply_module._read_rep

    def recorded(path: Path, schema: object) -> object:
        read.append(path.name)
        return read_rep(path, schema)  # type: ignore[arg-type]

    class OneWorker:  # has read the first workbook; has not started the others
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.futures: list[Future[object]] = []

        def submit(self, job: Callable[..., object], *args: object) -> Future[object]:
            future: Future[object] = Future()
            if not self.futures:
                future.set_running_or_notify_cancel()
                future.set_result(job(*args))
            self.futures.append(future)
            return future

        def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
            pass

    monkeypatch.setattr(apply_module, "_read_rep", recorded)
    monkeypatch.setattr(apply_module, "ProcessPoolExecutor", OneWorker)
    monkeypatch.setattr(apply_module, "POOL_MIN_WORKBOOKS", 1)
    monkeypatch.setattr(apply_module, "_cores", lambda: 2)
    shared = sync_team(team, dry_run=True, today=TODAY)
    assert shared.model_dump() == serial.model_dump()  # the report in file order all the same
    files = [Path(f.file).name for f in serial.files if f.role == "rep"]
    assert read == [files[0], *reversed(files[1:])]  # the worker's first, then from the last


def test_damaged_journal_is_named(team: Path) -> None:
    journal_path(team).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JournalError) as info:
        sync_team(team, today=TODAY)
    assert info.value.code == "journal_damaged"
    assert "journal.sqlite" in info.value.message


def test_second_sync_waits_then_names_the_holder(team: Path) -> None:
    from kqxl.errors import KqxlError
    from kqxl.sync.apply import sync_lock

    with sync_lock(team, 1.0), pytest.raises(KqxlError) as info:
        sync_team(team, lock_timeout=0.2)
    assert info.value.code == "sync_busy"
    assert "@" in info.value.message


def _log(path: Path, sheet: str, rows: list[dict[str, CellValue]]) -> None:
    side = read_side(path, "rep" if "跟进" in path.name else "master", SCHEMA)
    log = side.logs[sheet]
    patch_workbook(
        path,
        [
            CellChange(sheet, log.last_row + 1 + i, log.columns[f], v)
            for i, r in enumerate(rows)
            for f, v in r.items()
        ],
        backup=False,
    )


def _logs(path: Path, sheet: str) -> list[dict[str, CellValue]]:
    side = read_side(path, "rep" if "跟进" in path.name else "master", SCHEMA)
    return side.logs[sheet].rows


def test_a_reps_visits_and_complaints_reach_the_master_once(team: Path) -> None:
    from kqxl.schema import COMPLAINTS, VISITS

    zhang, li = team.parent / "客户跟进表-张伟.xlsx", team.parent / "客户跟进表-李娜.xlsx"
    k0 = _key(team, "公司0")
    visits = [
        {"visit_date": TODAY - dt.timedelta(days=d), "customer": "公司0", "kind": "拜访"}
        for d in (30, 12, 3)
    ]
    complaint = {"customer": "公司0", "received_on": TODAY, "content": "到货延期"}
    _log(zhang, VISITS, visits)
    _log(zhang, COMPLAINTS, [complaint])
    from kqxl.api import recompute_workbook

    recompute_workbook(zhang, today=TODAY)  # as the rep's 重算 button would
    assert _cell(zhang, k0, "visit_source") == "跟进记录（3 条）"
    assert _cell(team, k0, "visit_source") != _cell(zhang, k0, "visit_source")
    li_before = li.read_bytes()

    report = sync_team(team, today=TODAY)
    # the master holds the rep's rows and grades on the same visits
    assert [r["visit_date"] for r in _logs(team, VISITS)] == [v["visit_date"] for v in visits]
    assert [r["content"] for r in _logs(team, COMPLAINTS)] == ["到货延期"]
    assert _cell(team, k0, "visit_source") == "跟进记录（3 条）"
    assert _cell(team, k0, "grade") == _cell(zhang, k0, "grade")
    line = next(f for f in report.files if Path(f.file) == zhang)
    assert line.sent == 4 and not line.written  # the rep's workbook receives nothing
    assert [n.message for n in report.notes if n.kind == "logs"] == [
        "张伟的“投诉”新增 1 行，已追加到总表", "张伟的“跟进记录”新增 3 行，已追加到总表"
    ]  # fmt: skip
    # never to another rep
    assert li.read_bytes() == li_before and _logs(li, VISITS) == []
    # once: a second sync sends nothing; a new visit goes alone; a deleted one stays
    assert sync_team(team, today=TODAY).sync_id is None
    from kqxl.book import RowDelete

    side = read_side(zhang, "rep", SCHEMA)
    first_row = side.logs[VISITS].last_row - 2
    patch_workbook(zhang, [], rows=[RowDelete(VISITS, first_row)], backup=False)
    _log(zhang, VISITS, [{"visit_date": TODAY, "customer": "公司0", "kind": "电话"}])
    report = sync_team(team, today=TODAY)
    assert [r["kind"] for r in _logs(team, VISITS)] == ["拜访", "拜访", "拜访", "电话"]
    assert sync_team(team, today=TODAY).sync_id is None
    # undo gives the rows back to the next sync
    from kqxl.sync.undo import undo_sync

    assert report.sync_id is not None
    undo_sync(team, report.sync_id)
    assert len(_logs(team, VISITS)) == 3
    sync_team(team, today=TODAY)
    assert [r["kind"] for r in _logs(team, VISITS)] == ["拜访", "拜访", "拜访", "电话"]


def test_a_rep_saving_during_the_sync_loses_nothing(
    team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program saves a rep's workbook (an atomic replace) after the sync read it and
    before the sync writes it: the save stays, the workbook is reported as skipped, and the
    next sync merges both what it was to receive and what the rep saved."""
    import os

    import kqxl.sync.apply as apply_module

    zhang = team.parent / "客户跟进表-张伟.xlsx"
    k0 = _key(team, "公司0")
    _set(team, k0, "address", "汉口路1号")  # the master's edit, on its way to 张伟
    _set(zhang, k0, "fax", "027-1")  # 张伟's edit, read by the sync
    real_write = apply_module._write
    saved: dict[str, bytes] = {}

    def rep_saves_first(side, *args, **kwargs):  # type: ignore[no-untyped-def]
        if side.path == zhang and not saved:
            copy = zhang.with_name("另存-客户跟进表.xlsx")
            copy.write_bytes(zhang.read_bytes())
            _set(copy, k0, "contact_name", "孙")  # typed after the sync read the file
            os.replace(copy, zhang)
            saved["bytes"] = zhang.read_bytes()
        return real_write(side, *args, **kwargs)

    monkeypatch.setattr(apply_module, "_write", rep_saves_first)
    report = sync_team(team, today=TODAY)
    line = next(f for f in report.files if Path(f.file) == zhang)
    assert line.skip_code == "changed" and not line.written
    assert "另一程序" in str(line.skipped) and "下次同步" in str(line.skipped)
    assert zhang.read_bytes() == saved["bytes"]  # the rep's save survived, byte for byte
    assert _cell(team, k0, "fax") == "027-1"  # what the sync read still reached the master
    assert report.needs_attention
    monkeypatch.undo()

    report = sync_team(team, today=TODAY)
    assert not report.skipped and not report.conflicts
    for path in (team, zhang):
        assert _cell(path, k0, "address") == "汉口路1号"  # the master's edit was not lost
        assert _cell(path, k0, "contact_name") == "孙"  # nor the rep's save
        assert _cell(path, k0, "fax") == "027-1"
    assert sync_team(team, today=TODAY).sync_id is None


# --- the command line --------------------------------------------------------------------


def test_cli_sync_lines_exit_codes_json_history_undo(team: Path) -> None:
    import json

    from click.testing import CliRunner

    from kqxl.api import sync_team as api_sync
    from kqxl.cli import cli

    runner = CliRunner()
    zhang = team.parent / "客户跟进表-张伟.xlsx"
    k0 = _key(team, "公司0")
    _set(zhang, k0, "contact_name", "赵")
    _set(team, k0, "contact_name", "钱")
    dry = runner.invoke(cli, ["sync", str(team), "--dry-run", "--json", "--today", "2026-11-23"])
    assert dry.exit_code == 1, dry.output
    assert json.loads(dry.output) == api_sync(team, dry_run=True, today=TODAY).model_dump(
        mode="json"
    )
    done = runner.invoke(cli, ["sync", str(team), "--today", "2026-11-23"])
    assert done.exit_code == 1, done.output
    lines = done.output.splitlines()
    assert "客户跟进表-张伟.xlsx：收到 1，送出 0，冲突 1（已写入）" in lines
    assert f"冲突 {k0}（公司0）“联系人”：总表“钱”，张伟“赵”，保留“钱”" in lines
    assert lines[-1].startswith("同步 2：")
    again = runner.invoke(cli, ["sync", str(team), "--today", "2026-11-23"])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == "没有变化：未写入任何文件。"
    story = runner.invoke(cli, ["history", k0, "--master", str(team)])
    assert story.exit_code == 0
    assert "“联系人”：赵 → 钱（冲突，张伟的值未保留）" in story.output
    undone = runner.invoke(cli, ["undo", "2", "--master", str(team)])
    assert undone.exit_code == 0, undone.output
    assert undone.output.strip() == "已撤销同步 2：恢复了 2 个文件。"
    twice = runner.invoke(cli, ["undo", "2", "--master", str(team)])
    assert twice.exit_code == 2 and "已被撤销过" in twice.output


def test_cli_init_rep_needs_both_options(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kqxl.cli import cli

    result = CliRunner().invoke(cli, ["init", "--rep", "张伟"])
    assert result.exit_code == 2


def test_rules_file_lets_the_rep_win_a_column(team: Path, tmp_path: Path) -> None:
    from kqxl.api import recompute_workbook
    from kqxl.errors import RulesError
    from kqxl.rules import default_rules_text

    rules = tmp_path / "规则.toml"
    rules.write_text(default_rules_text() + '\n[sync]\nrep_wins = ["联系人"]\n', "utf-8")
    recompute_workbook(team, rules=rules, today=TODAY)
    zhang = team.parent / "客户跟进表-张伟.xlsx"
    k0 = _key(team, "公司0")
    _set(zhang, k0, "contact_name", "赵")
    _set(team, k0, "contact_name", "钱")
    report = sync_team(team, today=TODAY)
    assert [c.kept for c in report.conflicts] == ["赵"]
    assert _cell(team, k0, "contact_name") == "赵"
    bad = tmp_path / "坏.toml"
    bad.write_text(default_rules_text() + '\n[sync]\nrep_wins = ["负责人"]\n', "utf-8")
    with pytest.raises(RulesError, match="负责人"):
        load_rules(bad)


def test_demo_team_sync_shows_each_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kqxl.demo import run_team_sync

    assert run_team_sync(tmp_path / "team", TODAY) == 1  # a conflict: exit 1, as kqxl sync
    lines = capsys.readouterr().out.splitlines()
    kinds = [line.split(" ", 1)[0] for line in lines]
    for kind in ("冲突", "移交", "缺行", "疑似重复"):
        assert kind in kinds, lines
    assert any("“联系人”：总表“吴总”，张伟“周总”，保留“吴总”" in line for line in lines)
    assert any(line.startswith("疑似重复") and "武汉市江城置业" in line for line in lines)
    assert sync_team(tmp_path / "team" / "团队总表.xlsx", today=TODAY).sync_id is None
