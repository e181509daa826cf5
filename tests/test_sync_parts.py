"""A sync writes into workbooks that carry charts, pictures, comments and macros besides kqxl's
sheets, and keeps every part it does not own byte for byte; LibreOffice opens what it wrote.

Each sample is an Excel-saved workbook of ``tests/fixtures/`` (a chart sheet, a comment, a
picture, a VBA project). kqxl's sheets (客户, 项目, 设置) are added to two copies of it: a
master, recomputed (its 设置 gets its workbook id), and a rep workbook bound to it. A first
sync, then edits on both sides (one flowing each way, one conflict, a new rep row), then a
sync that writes cells, appended rows and the 冲突 sheet into both. Every zip member of the
sample apart from the package parts that list the sheets is compared with the original.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from libreoffice import sheet_of
from test_corpus import compare_members

from kqxl.api import recompute_workbook
from kqxl.book import CellChange, SheetContent, patch_workbook
from kqxl.book.settings import SETTINGS_HEADER_ROW, SETTINGS_SHEET, Settings, settings_rows
from kqxl.book.template import template_columns
from kqxl.cells import CellValue
from kqxl.schema import SCHEMA, TEMPLATE_VERSION
from kqxl.sync.apply import CONFLICT_SHEET, read_side, sync_team
from kqxl.sync.rep import sync_rows

TODAY = dt.date(2026, 11, 23)
SAMPLES = ["chartsheet01.xlsx", "comment01.xlsx", "image01.xlsx", "macro01.xlsm"]
# the package parts that list a workbook's sheets, styles and properties: kqxl adds its
# sheets to them (everything else of the sample must stay as Excel saved it)
PACKAGE = {
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "docProps/app.xml",
    "docProps/core.xml",
    "docProps/custom.xml",
}
CUSTOMERS, PROJECTS = SCHEMA.customers.name, SCHEMA.projects.name


def _table(sheet: Any, rows: list[dict[str, CellValue]]) -> list[list[CellValue]]:
    columns = template_columns(sheet)
    return [[c.header for c in columns], *([r.get(c.key) for c in columns] for r in rows)]


def _add_kqxl_sheets(
    sample: Path, out: Path, rows: list[dict[str, CellValue]], settings: Settings
) -> None:
    patch_workbook(
        sample,
        [],
        out=out,
        sheets=[
            SheetContent(CUSTOMERS, _table(SCHEMA.customers, rows)),
            SheetContent(PROJECTS, _table(SCHEMA.projects, [])),
            SheetContent(SETTINGS_SHEET, settings_rows(settings), header_rows=SETTINGS_HEADER_ROW),
        ],
    )


def _team(sample: Path, folder: Path) -> tuple[Path, Path]:
    """A master and 张伟's workbook, each a copy of ``sample`` with kqxl's sheets added."""
    folder.mkdir()
    master = folder / f"团队总表{sample.suffix}"
    rows: list[dict[str, CellValue]] = [
        {"customer_name": f"公司{i}", "customer_type": "甲方", "owner_rep": rep, "visit_count": i}
        for i, rep in enumerate(["张伟", "李娜", "张伟"])
    ]
    _add_kqxl_sheets(
        sample,
        master,
        rows,
        Settings(template_kind="master", template_version=TEMPLATE_VERSION),
    )
    master_id = recompute_workbook(master, today=TODAY, backup=False).workbook_id
    assert master_id is not None
    side = read_side(master, "master", SCHEMA)
    mine = [dict(f) for f in side.sheets[CUSTOMERS].table.values() if f["owner_rep"] == "张伟"]
    rep = folder / f"客户跟进表-张伟{sample.suffix}"
    _add_kqxl_sheets(
        sample,
        rep,
        mine,
        Settings(
            template_kind="rep",
            template_version=TEMPLATE_VERSION,
            other_rows=sync_rows("张伟", master_id),
        ),
    )
    return master, rep


def _set(path: Path, role: str, changes: dict[tuple[str, str], CellValue]) -> None:
    sheet = read_side(path, role, SCHEMA).sheets[CUSTOMERS]
    patch_workbook(
        path,
        [
            CellChange(CUSTOMERS, sheet.rows[k], sheet.columns[f], v)
            for (k, f), v in changes.items()
        ],
        backup=False,
    )


def _append(path: Path, values: dict[str, CellValue]) -> None:
    sheet = read_side(path, "rep", SCHEMA).sheets[CUSTOMERS]
    row = sheet.last_row + 1
    patch_workbook(
        path, [CellChange(CUSTOMERS, row, sheet.columns[f], v) for f, v in values.items()],
        backup=False,
    )  # fmt: skip


def _owned(sample: Path) -> set[str]:
    """The members of ``sample`` kqxl may rewrite: the package parts that list the sheets."""
    with zipfile.ZipFile(sample) as z:
        return {n for n in z.namelist() if n in PACKAGE or n == "xl/calcChain.xml"}


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path, Path, str]]:
    """(sample, master, rep, key of the edited row) after the sync that wrote into both."""
    out = []
    for name in SAMPLES:
        sample = FIXTURES / name
        folder = tmp_path_factory.mktemp("parts") / Path(name).stem
        master, rep = _team(sample, folder)
        first = sync_team(master, [rep], today=TODAY)
        assert not first.skipped, first.files
        side = read_side(master, "master", SCHEMA).sheets[CUSTOMERS]
        key = next(k for k, f in side.table.items() if f["customer_name"] == "公司0")
        _set(master, "master", {(key, "address"): "汉口路1号", (key, "contact_name"): "钱"})
        _set(rep, "rep", {(key, "fax"): "027-1", (key, "contact_name"): "赵"})
        _append(rep, {"customer_name": "新公司", "customer_type": "总包"})
        before = {p: p.read_bytes() for p in (master, rep)}
        report = sync_team(master, [rep], today=TODAY)
        assert not report.skipped, report.files
        assert all(f.written for f in report.files), report.files
        assert all(p.read_bytes() != b for p, b in before.items())
        assert len(report.conflicts) == 1
        out.append((sample, master, rep, key))
        shutil.rmtree(folder / ".kqxl" / "backups", ignore_errors=True)
    return out


def test_every_part_kqxl_does_not_own_is_kept(
    synced: list[tuple[Path, Path, Path, str]],
) -> None:
    for sample, master, rep, key in synced:
        for path in (master, rep):
            with zipfile.ZipFile(sample) as a, zipfile.ZipFile(path) as b:
                theirs, ours = set(a.namelist()), set(b.namelist())
            assert theirs <= ours  # nothing of the sample went missing
            # the sample's own sheets, drawings, charts, media, comments, VBA: byte for byte,
            # in their order, kqxl's sheets added after them
            problems = compare_members(sample, path, _owned(sample) | (ours - theirs))
            assert not problems, (path.name, problems)
        # and the sync did its work in both
        for path, role in ((master, "master"), (rep, "rep")):
            side = read_side(path, role, SCHEMA)
            row = side.sheets[CUSTOMERS].table[key]
            assert (row["address"], row["fax"], row["contact_name"]) == ("汉口路1号", "027-1", "钱")
            names = {f["customer_name"] for f in side.sheets[CUSTOMERS].table.values()}
            assert "新公司" in names
            assert CONFLICT_SHEET in side.grid.sheets


@pytest.mark.libreoffice
def test_libreoffice_opens_what_the_sync_wrote(
    synced: list[tuple[Path, Path, Path, str]], libreoffice: Any
) -> None:
    paths = [p for _, master, rep, _ in synced for p in (master, rep)]
    results = libreoffice(paths, max_rows=20, max_cols=40)
    for result, (sample, *_rest) in zip(results, [s for s in synced for _ in (0, 1)], strict=True):
        assert result["ok"], (result["path"], result["error"])
        names = [s["name"] for s in result["sheets"]]
        with zipfile.ZipFile(sample) as z:
            theirs = re.findall(r'<sheet [^>]*name="([^"]+)"', z.read("xl/workbook.xml").decode())
        assert theirs and set(theirs) <= set(names), (theirs, names)  # the sample's sheets too
        customers = sheet_of(result, CUSTOMERS)
        shown = {c.get("value") for c in customers["cells"].values()}
        assert {"公司0", "新公司", "汉口路1号", "027-1"} <= shown
        conflicts = sheet_of(result, CONFLICT_SHEET)
        assert "赵" in {c.get("value") for c in conflicts["cells"].values()}
