"""The buttons' handlers on a recording stand-in for an xlwings book give the CLI's results.

Each handler runs on a :class:`FakeBook` holding a sample team workbook; the matching CLI
command runs on a copy of the same file. The findings, the written values and the message box
agree; the book is read once per sheet and written once per changed column.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fake_xlwings import FakeBook, excel_value

from kqxl.book.reader import read_workbook
from kqxl.cli import cli
from kqxl.excel import buttons
from kqxl.excel.book import XlwingsWorkbook, from_excel
from kqxl.remind import CARE_SHEET
from kqxl.texts import EXCEL

TODAY = dt.date(2024, 6, 3)
SAMPLES = ["团队总表.xlsx", "客户跟进表-张伟.xlsx"]


def _copy(team_dir: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(team_dir / name, target)
    return target


def _cells(path: Path) -> dict[str, dict[tuple[int, int], Any]]:
    """Every non-blank cell of the file, as Excel would hand it over, normalised as kqxl reads."""
    grid = read_workbook(path)
    out: dict[str, dict[tuple[int, int], Any]] = {}
    for name, sheet in grid.sheets.items():
        cells = out.setdefault(name, {})
        for i, row in enumerate(sheet.rows):
            for j, v in enumerate(row):
                if v is not None and v != "":
                    cells[(sheet.first_row + i, sheet.first_col + j)] = from_excel(excel_value(v))
    return _unstamped(out)


def _unstamped(
    book: dict[str, dict[tuple[int, int], Any]],
) -> dict[str, dict[tuple[int, int], Any]]:
    """``book`` with the minute of 上次同步写入 (设置, code sync.last) masked: two syncs of one
    team compared here may run in different minutes; the sync number must still agree."""
    cells = book.get(SETTINGS, {})
    for (r, c), v in list(cells.items()):
        if c == 2 and cells.get((r, 4)) == "sync.last" and isinstance(v, str):
            cells[(r, c)] = re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d", "<时间>", v)
    return book


def _book_cells(
    book: FakeBook, rename: tuple[str, str] | None = None
) -> dict[str, dict[tuple[int, int], Any]]:
    def value(v: Any) -> Any:
        if rename is not None and isinstance(v, str):
            v = v.replace(*rename)
        return from_excel(v)

    return _unstamped(
        {name: {k: value(v) for k, v in cells.items()} for name, cells in book.values().items()}
    )


def _cli(*args: str) -> Any:
    run = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert run.exit_code in (0, 1), run.output
    return json.loads(run.output)


@pytest.fixture
def sample(team_dir: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    return _copy(team_dir, tmp_path, request.param)


def _alert(book: FakeBook) -> str:
    assert len(book.log.alerts) == 1, book.log.alerts
    return book.log.alerts[0]


@pytest.mark.parametrize("sample", SAMPLES, indirect=True)
def test_validate_gives_the_cli_findings_and_writes_nothing(sample: Path) -> None:
    book = FakeBook(sample)
    before = book.values()
    result = buttons.validate(book, today=TODAY)
    assert result is not None
    cli = _cli("validate", str(sample), "--today", TODAY.isoformat())
    expected = cli["files"][0]["result"]["findings"]
    assert [f.model_dump(mode="json") for f in result.findings] == expected
    assert book.values() == before and book.log.writes == []
    # one read per sheet, never a cell at a time
    assert len(book.log.reads) == len({a.split("!")[0] for a in book.log.reads})
    box = _alert(book)
    assert box.splitlines()[0].startswith(("校验完成",))
    if expected:
        assert expected[0]["message"] in box


@pytest.mark.parametrize("sample", SAMPLES, indirect=True)
@pytest.mark.parametrize("tidy", [False, True])
def test_recompute_and_tidy_write_what_the_cli_writes(sample: Path, tidy: bool) -> None:
    book = FakeBook(sample)
    handler = buttons.tidy if tidy else buttons.recompute
    done = handler(book, today=TODAY)
    assert done is not None
    args = ["recompute", str(sample), "--today", TODAY.isoformat(), *(["--tidy"] if tidy else [])]
    cli = _cli(*args)["files"][0]["result"]
    assert [f.model_dump(mode="json") for f in done.result.findings] == cli["result"]["findings"]
    assert done.cells_tidied == cli["cells_tidied"]
    # a workbook without an id gets a new random one on each side: compare under one name
    assert done.workbook_id and cli["workbook_id"]
    assert _book_cells(book, (done.workbook_id, cli["workbook_id"])) == _cells(sample)
    # reads: one per sheet; writes: one per changed column (plus kqxl's whole sheets)
    assert len(book.log.reads) == len(set(book.log.reads))
    writes = [w for w in book.log.writes if not w.endswith(" clear")]
    columns = {
        (w.split("!")[0], w.split("!")[1].split(":")[0].rstrip("0123456789")) for w in writes
    }
    assert 0 < len(writes) == len(columns)
    box = _alert(book)
    assert box.startswith("整理完成" if tidy else "重算完成")


def test_a_second_recompute_writes_no_cell(team_dir: Path, tmp_path: Path) -> None:
    book = FakeBook(_copy(team_dir, tmp_path, SAMPLES[1]))
    buttons.recompute(book, today=TODAY)
    book.log.writes.clear()
    again = buttons.recompute(book, today=TODAY)
    assert again is not None and again.cells_changed == 0 and book.log.writes == []


@pytest.mark.parametrize("sample", SAMPLES, indirect=True)
def test_remind_writes_the_cli_reminder_sheet(sample: Path) -> None:
    book = FakeBook(sample)
    done = buttons.remind(book, today=TODAY, days=60)
    assert done is not None
    cli = _cli("remind", str(sample), "--today", TODAY.isoformat(), "--days", "60")
    assert done.reminders.model_dump(mode="json") == cli["files"][0]["result"]["reminders"]
    assert _book_cells(book)[CARE_SHEET] == _cells(sample)[CARE_SHEET]
    assert str(len(done.reminders.reminders)) in _alert(book)


def test_a_problem_is_a_chinese_message_box_not_a_traceback(team_dir: Path, tmp_path: Path) -> None:
    book = FakeBook(_copy(team_dir, tmp_path, SAMPLES[1]))
    rules = book.sheets["规则"]
    # break the stored rules (their TOML text in column A): a box says so, nothing is written
    broken = [k for k, v in rules.cells.items() if k[1] == 1 and ">= 3" in str(v)]
    assert broken
    for key in broken:
        rules.cells[key] = str(rules.cells[key]).replace(">= 3", ">=>= 3")
    before = book.values()
    assert buttons.recompute(book, today=TODAY) is None
    box = _alert(book)
    assert box.startswith("没有完成：") and "rules_" in box and "Traceback" not in box
    assert book.values() == before


def test_a_bug_is_a_message_box_and_the_book_is_untouched(
    team_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = FakeBook(_copy(team_dir, tmp_path, SAMPLES[1]))

    def broken(*_: object, **__: object) -> None:
        raise KeyError("x")

    monkeypatch.setattr(buttons, "validate_workbook", broken)
    assert buttons.validate(book) is None
    assert _alert(book).startswith(EXCEL["internal"].split("{", 1)[0])


def test_rows_of_a_live_book_are_deleted_whole_as_in_the_file(
    team_dir: Path, tmp_path: Path
) -> None:
    from kqxl.book.patch import CellChange, RowDelete
    from kqxl.book.port import FileWorkbook, WorkbookEdit

    edit = WorkbookEdit(
        cells=[CellChange("客户", 5, 6, "新联系人"), CellChange("客户", 8, 6, "另一位")],
        rows=[RowDelete("客户", 9), RowDelete("客户", 6), RowDelete("客户", 7)],
    )
    book = FakeBook(_copy(team_dir, tmp_path, SAMPLES[1]))
    live = XlwingsWorkbook(book)
    live.read(["客户"])
    done = live.write(edit)
    assert done.rows_removed == 3
    # cells first (in the rows as read), then each run of rows bottom up, whole rows
    assert book.log.writes == ["客户!F5:F8", "客户!9:9 delete", "客户!6:7 delete"]
    (tmp_path / "file").mkdir()
    file = _copy(team_dir, tmp_path / "file", SAMPLES[1])
    FileWorkbook(file).write(edit)
    assert _book_cells(book)["客户"] == _cells(file)["客户"]


def test_moving_rows_of_a_live_book_is_refused(team_dir: Path, tmp_path: Path) -> None:
    from kqxl.book.patch import RowMove
    from kqxl.book.port import WorkbookEdit
    from kqxl.errors import WorkbookError

    book = FakeBook(_copy(team_dir, tmp_path, SAMPLES[1]))
    with pytest.raises(WorkbookError) as caught:
        XlwingsWorkbook(book).write(WorkbookEdit(rows=[RowMove("客户", 5, "已移交客户")]))
    assert caught.value.code == "rows_refused" and book.log.writes == []


def _bound_team(team_dir: Path, folder: Path) -> Path:
    """The sample master and 张伟's workbook made from it (bound to it: kqxl init --rep)."""
    from kqxl.sync.rep import init_rep

    folder.mkdir()
    master = folder / SAMPLES[0]
    shutil.copy(team_dir / SAMPLES[0], master)
    rep = folder / "张伟.xlsx"
    init_rep(master, "张伟", out=rep)
    return rep


def _report(data: dict[str, Any], folder: Path) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace(str(folder), "<team>")


CUSTOMERS, SETTINGS = "客户", "设置"


def _renamed(
    cells: dict[str, dict[tuple[int, int], Any]], rename: tuple[str, str]
) -> dict[str, dict[tuple[int, int], Any]]:
    return {
        name: {k: v.replace(*rename) if isinstance(v, str) else v for k, v in sheet.items()}
        for name, sheet in cells.items()
    }


def _synced_team(team_dir: Path, folder: Path) -> tuple[Path, Path]:
    """A master and 张伟's workbook, synced once, then edited on both sides so that the next
    sync writes into both: the master changes a field and hands a row to 王强; the rep changes
    a field and adds a customer without a key."""
    from kqxl.book.patch import CellChange, patch_workbook
    from kqxl.schema import SCHEMA
    from kqxl.sync.apply import read_side, sync_team

    rep = _bound_team(team_dir, folder)
    master = folder / SAMPLES[0]
    sync_team(master, [rep], today=TODAY)
    ours = read_side(master, "master", SCHEMA).sheets[CUSTOMERS]
    theirs = read_side(rep, "rep", SCHEMA).sheets[CUSTOMERS]
    first, second, third = list(theirs.rows)[:3]
    col = ours.columns
    patch_workbook(
        master,
        [
            CellChange(CUSTOMERS, ours.rows[first], col["contact_name"], "总表改的联系人"),
            CellChange(CUSTOMERS, ours.rows[second], col["owner_rep"], "王强"),
        ],
        backup=False,
    )
    col = theirs.columns
    new_row = theirs.last_row + 1
    patch_workbook(
        rep,
        [
            CellChange(CUSTOMERS, theirs.rows[third], col["contact_name"], "业务员改的联系人"),
            CellChange(CUSTOMERS, new_row, col["customer_name"], "业务员新客户有限公司"),
            CellChange(CUSTOMERS, new_row, col["customer_type"], "甲方"),
        ],
        backup=False,
    )
    return master, rep


def _new_customer(master: Path, name: str, rep: str) -> None:
    from kqxl.book.patch import CellChange, patch_workbook
    from kqxl.schema import SCHEMA
    from kqxl.sync.apply import read_side

    ours = read_side(master, "master", SCHEMA).sheets[CUSTOMERS]
    r, col = ours.last_row + 1, ours.columns
    changes = [("customer_name", name), ("customer_type", "总包"), ("owner_rep", rep)]
    patch_workbook(master, [CellChange(CUSTOMERS, r, col[k], v) for k, v in changes], backup=False)


def _owner_file(path: Path) -> None:
    """The owner file Excel keeps beside a workbook it holds open."""
    (path.parent / f"~${path.name}").write_bytes(b"\x05zhang".ljust(162, b" "))


def test_sync_of_the_open_rep_book_writes_into_it_as_the_cli_sync_writes_the_file(
    tmp_path: Path, team_dir: Path
) -> None:
    from kqxl.sync.apply import SyncReport

    by_button, by_cli = tmp_path / "button", tmp_path / "cli"
    master_b, rep_b = _synced_team(team_dir, by_button)
    shutil.copytree(by_button, by_cli)  # the same team twice (same keys, ids and journal)
    master_c, rep_c = by_cli / master_b.name, by_cli / rep_b.name
    _owner_file(rep_b)  # Excel holds the rep's file: the button writes into the open book
    book = FakeBook(rep_b)
    rep_file = rep_b.read_bytes()

    # 1. an update received and a row handed to 王强 (deleted here); a value and a new row sent
    done = buttons.sync(book, today=TODAY)
    cli = _cli("sync", str(master_c), str(rep_c), "--today", TODAY.isoformat())
    assert isinstance(done, SyncReport) and not done.skipped
    assert _report(done.model_dump(mode="json"), by_button) == _report(cli, by_cli)
    mine = next(f for f in done.files if f.file == str(rep_b))
    assert (mine.received, mine.sent, mine.written) == (3, 2, True)  # field, owner, move
    # the rep's workbook got an id of its own (random) with the keys of its new row
    ids = (_book_cells(book)[SETTINGS][(4, 2)], _cells(rep_c)[SETTINGS][(4, 2)])
    assert _renamed(_cells(master_b), ids) == _cells(master_c)  # the master file is the CLI's
    assert _book_cells(book, ids) == _cells(rep_c)  # the open book holds what the CLI wrote
    assert rep_b.read_bytes() == rep_file  # never replaced under Excel: saved by Excel
    assert book.log.saves == 3  # before the sync, after its new row got a key, after its write
    deletes = [w for w in book.log.writes if w.endswith(" delete")]
    assert len(deletes) == 1 and deletes[0].startswith(f"{CUSTOMERS}!")
    box = _alert(book)
    assert box.startswith("同步完成") and box.endswith(EXCEL["sync_written"])

    # 2. a new customer of 张伟's in the master: a row added to the open book
    for folder in (by_button, by_cli):
        _new_customer(folder / master_b.name, "总表新客户有限公司", "张伟")
    book.log.alerts.clear()
    done = buttons.sync(book, today=TODAY)
    cli = _cli("sync", str(master_c), str(rep_c), "--today", TODAY.isoformat())
    assert done is not None
    assert _report(done.model_dump(mode="json"), by_button) == _report(cli, by_cli)
    assert next(f for f in done.files if f.file == str(rep_b)).received == 1
    assert _renamed(_cells(master_b), ids) == _cells(master_c)
    assert _book_cells(book, ids) == _cells(rep_c)

    # 3. nothing new: the open book's saved file is as the last sync recorded it, so nothing
    # is read beyond its 设置 (to find the master) and nothing is written
    book.log.reads.clear()
    book.log.writes.clear()
    done = buttons.sync(book, today=TODAY)
    assert done is not None and done.sync_id is None and not done.skipped
    assert book.log.writes == [] and [r.split("!")[0] for r in book.log.reads] == [SETTINGS]


def test_sync_of_the_open_master_writes_into_it_as_the_cli_sync_writes_the_file(
    tmp_path: Path, team_dir: Path
) -> None:
    by_button, by_cli = tmp_path / "button", tmp_path / "cli"
    master_b, rep_b = _synced_team(team_dir, by_button)
    shutil.copytree(by_button, by_cli)
    master_c, rep_c = by_cli / master_b.name, by_cli / rep_b.name
    _owner_file(master_b)  # the manager has the master open; its reps are synced as files
    book = FakeBook(master_b)
    master_file = master_b.read_bytes()
    done = buttons.sync(book, today=TODAY)
    cli = _cli("sync", str(master_c), "--today", TODAY.isoformat())
    assert done is not None and not done.skipped
    assert _report(done.model_dump(mode="json"), by_button) == _report(cli, by_cli)
    ids = (_cells(rep_b)[SETTINGS][(4, 2)], _cells(rep_c)[SETTINGS][(4, 2)])
    assert _book_cells(book, ids) == _cells(master_c)
    assert _renamed(_cells(rep_b), ids) == _cells(rep_c)
    assert master_b.read_bytes() == master_file and book.log.saves == 2
    assert _alert(book).endswith(EXCEL["sync_written"])


def test_sync_without_a_master_says_so(team_dir: Path, tmp_path: Path) -> None:
    book = FakeBook(_copy(team_dir, tmp_path, SAMPLES[1]))  # not bound to a master
    assert buttons.sync(book, today=TODAY) is None
    box = _alert(book)
    assert "找不到团队总表" in box and "master_unusable" in box
