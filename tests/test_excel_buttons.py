"""The buttons' handlers on a recording stand-in for an xlwings book give the CLI's results.

Each handler runs on a :class:`FakeBook` holding a sample team workbook; the matching CLI
command runs on a copy of the same file. The findings, the written values and the message box
agree; the book is read once per sheet and written once per changed column.
"""

from __future__ import annotations

import datetime as dt
import json
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
    return out


def _book_cells(
    book: FakeBook, rename: tuple[str, str] | None = None
) -> dict[str, dict[tuple[int, int], Any]]:
    def value(v: Any) -> Any:
        if rename is not None and isinstance(v, str):
            v = v.replace(*rename)
        return from_excel(v)

    return {name: {k: value(v) for k, v in cells.items()} for name, cells in book.values().items()}


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


def test_rows_of_a_live_book_are_not_deleted(team_dir: Path, tmp_path: Path) -> None:
    from kqxl.book.patch import RowDelete
    from kqxl.book.port import WorkbookEdit
    from kqxl.errors import WorkbookError

    book = FakeBook(_copy(team_dir, tmp_path, SAMPLES[1]))
    with pytest.raises(WorkbookError) as caught:
        XlwingsWorkbook(book).write(WorkbookEdit(rows=[RowDelete("客户", 5)]))
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


def test_sync_of_a_rep_book_is_the_cli_sync_with_its_master(tmp_path: Path, team_dir: Path) -> None:
    from kqxl.book.patch import CellChange, patch_workbook
    from kqxl.sync.apply import SyncReport

    by_button, by_cli = tmp_path / "button", tmp_path / "cli"
    rep_b = _bound_team(team_dir, by_button)
    # the rep edits a row: the sync has something to send
    patch_workbook(rep_b, [CellChange("客户", 3, 6, "新联系人")], backup=False)
    shutil.copytree(by_button, by_cli)  # the same team twice (same keys and ids)
    rep_c = by_cli / rep_b.name
    book = FakeBook(rep_b)
    done = buttons.sync(book, today=TODAY)
    assert isinstance(done, SyncReport) and book.log.saves == 1
    cli = _cli("sync", str(by_cli / SAMPLES[0]), str(rep_c), "--today", TODAY.isoformat())
    mine = done.model_dump(mode="json")
    assert _report(mine, by_button) == _report(cli, by_cli)
    assert done.changed > 0 and not done.skipped
    box = _alert(book)
    assert box.startswith("同步完成") and f"冲突 {len(done.conflicts)} 处" in box


def test_sync_without_a_master_says_so(team_dir: Path, tmp_path: Path) -> None:
    book = FakeBook(_copy(team_dir, tmp_path, SAMPLES[1]))  # not bound to a master
    assert buttons.sync(book, today=TODAY) is None
    box = _alert(book)
    assert "找不到团队总表" in box and "master_unusable" in box


def test_sync_of_a_book_excel_holds_open_is_skipped_with_the_reason(
    tmp_path: Path, team_dir: Path
) -> None:
    # Excel keeps an owner file beside an open workbook; the sync library skips such a file
    # (it cannot replace a file Excel holds): the box names it and says why.
    rep = _bound_team(team_dir, tmp_path / "team")
    (rep.parent / f"~${rep.name}").write_bytes(b"\x05zhang".ljust(162, b" "))
    book = FakeBook(rep)
    done = buttons.sync(book, today=TODAY)
    assert done is not None and [Path(f.file).name for f in done.skipped] == [rep.name]
    box = _alert(book)
    assert f"同步跳过了 {rep.name}：" in box and done.skipped[0].skip_code == "locked"
