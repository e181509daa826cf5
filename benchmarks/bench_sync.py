"""Team sync: N rep workbooks × M customers into a master, side by side with the baseline a
user would write (pandas ``read_excel`` of each file + ``concat`` + ``to_excel``).

    python benchmarks/bench_sync.py [--reps 100] [--customers 1000] [--dir DIR] [--cache DIR]

Builds the team (not timed): a master holding every row with its key and one workbook per
rep bound to it (设置: the rep, the master's id) holding that rep's rows, each recomputed. It
is built with kqxl's own writer — an empty template filled by the patch writer — and kept in
``--cache`` (default ``~/.cache/kqxl-bench``), so a second run copies it instead. Then,
timed, in one run:

* ``first sync``: no journal yet; every workbook read, the base recorded, nothing to write;
* ``sync after edits``: each rep changed 1% of their rows (拜访次数) — the master receives
  them, no rep workbook receives anything;
* ``no-change re-sync``: every workbook as the last sync left it;
* ``pandas baseline``: read the 客户 sheet of every rep workbook, concat, write one xlsx
  (it merges nothing: no keys, no three-way, no ownership — a lower bound for a copy).

For alternating whole-process runs, each step is also a command of its own over a team
folder prepared by ``prepare`` (which copies the cached team, and with ``--state edited``
the team after a first sync and the reps' edits):

    python benchmarks/bench_sync.py prepare WORK [--state fresh|edited|synced]
    python benchmarks/bench_sync.py sync WORK
    python benchmarks/bench_sync.py pandas WORK

pandas is not a dependency of kqxl; install it to run the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import time
from pathlib import Path

from kqxl.api import recompute_workbook
from kqxl.book import CellChange, patch_workbook
from kqxl.book.patch import SheetContent
from kqxl.book.port import FileWorkbook, WorkbookEdit
from kqxl.book.settings import (
    SETTINGS_HEADER_ROW,
    SETTINGS_SHEET,
    SETTINGS_WIDTHS,
    read_settings,
    settings_rows,
)
from kqxl.book.template import write_template
from kqxl.rules import load_rules
from kqxl.schema import SCHEMA
from kqxl.sync.apply import read_side, sync_team
from kqxl.sync.rep import sync_rows

TODAY = dt.date(2026, 11, 23)
MASTER = "团队总表.xlsx"


def _rows(rep: int, customers: int) -> list[dict[str, object]]:
    return [
        {
            "customer_id": f"KH-B{rep:05d}-{i + 1:04d}",
            "customer_name": f"第{rep}组客户{i}有限公司",
            "customer_type": "甲方" if i % 2 else "总包",
            "owner_rep": f"业务员{rep:03d}",
            "contact_name": f"联系人{i}",
            "contact_phone": f"139{rep:03d}{i:05d}",
            "visit_count": i % 9,
            "address": f"武汉市建设大道{i}号",
            **{k: "是" if (i + j) % 3 else "否" for j, k in enumerate(_YES_NO)},
        }
        for i in range(customers)
    ]


# The 是/否 columns of the relationship ladder, which a rep fills for most customers.
_KEYS = [c.key for c in SCHEMA.customers.columns]
_YES_NO = _KEYS[_KEYS.index("sent_materials") : _KEYS.index("switches_to_us") + 1]


def _fill(path: Path, rows: list[dict[str, object]]) -> None:
    """Write ``rows`` into the empty 客户 sheet of ``path`` with the patch writer."""
    sheet = read_side(path, "rep" if "跟进表" in path.name else "master", SCHEMA).sheets["客户"]
    first = sheet.header_row + 1
    changes = [
        CellChange("客户", first + i, sheet.columns[k], v)
        for i, row in enumerate(rows)
        for k, v in row.items()
        if k in sheet.columns
    ]
    patch_workbook(path, changes, backup=False)


def build(folder: Path, reps: int, customers: int) -> Path:
    """The team in ``folder``: the master, then each rep's workbook bound to it."""
    rules = load_rules(None)
    master = write_template(folder / MASTER, "master", rules)
    _fill(master, [row for r in range(reps) for row in _rows(r, customers)])
    recompute_workbook(master, today=TODAY, backup=False)
    settings = read_settings(
        FileWorkbook(master).read([SETTINGS_SHEET]).sheets[SETTINGS_SHEET], str(master)
    )
    assert settings is not None and settings.workbook_id is not None
    empty = folder / ".rep-template.xlsx"
    write_template(empty, "rep", rules)
    for r in range(reps):
        path = folder / f"客户跟进表-{r:03d}.xlsx"
        shutil.copyfile(empty, path)
        _fill(path, _rows(r, customers))
        rep_settings = read_settings(
            FileWorkbook(path).read([SETTINGS_SHEET]).sheets[SETTINGS_SHEET], str(path)
        )
        assert rep_settings is not None
        bound = rep_settings.with_changes(
            other_rows=sync_rows(f"业务员{r:03d}", settings.workbook_id)
        )
        FileWorkbook(path, backup=False).write(
            WorkbookEdit(
                sheets=[
                    SheetContent(
                        SETTINGS_SHEET,
                        settings_rows(bound),
                        column_widths=SETTINGS_WIDTHS,
                        header_rows=SETTINGS_HEADER_ROW,
                    )
                ]
            )
        )
        recompute_workbook(path, today=TODAY, backup=False)
    empty.unlink()
    return master


def edit_reps(folder: Path) -> None:
    """Each rep changes 拜访次数 of 1% of their rows."""
    for path in sorted(folder.glob("客户跟进表-*.xlsx")):
        side = read_side(path, "rep", SCHEMA).sheets["客户"]
        col = side.columns["visit_count"]
        keys = sorted(side.rows)
        step = max(1, len(keys) // max(1, len(keys) // 100))
        changes = [
            CellChange("客户", side.rows[keys[i]], col, 100 + i) for i in range(0, len(keys), step)
        ]
        patch_workbook(path, changes, backup=False)


def sync(folder: Path) -> str:
    report = sync_team(folder / MASTER, today=TODAY)
    written = sum(f.written for f in report.files)
    return f"{report.changed} changes, {written} files written, sync {report.sync_id}"


def pandas_baseline(folder: Path) -> str:
    import pandas as pd

    frames = [
        pd.read_excel(p, sheet_name="客户", header=1, engine="openpyxl")
        for p in sorted(folder.glob("客户跟进表-*.xlsx"))
    ]
    merged = pd.concat(frames, ignore_index=True)
    merged.to_excel(folder.parent / f"{folder.name}-baseline.xlsx", sheet_name="客户", index=False)
    return f"{len(merged)} rows"


def cached_team(cache: Path, reps: int, customers: int) -> Path:
    """The built team of that size in ``cache`` (built first if it is not there)."""
    team = cache / f"team-{reps}x{customers}"
    if not (team / ".built").exists():
        if team.exists():
            shutil.rmtree(team)
        team.mkdir(parents=True)
        started = time.perf_counter()
        build(team, reps, customers)
        (team / ".built").write_text("", "utf-8")
        print(
            f"built {reps} rep workbooks × {customers} customers and the master "
            f"in {time.perf_counter() - started:.1f} s ({team})"
        )
    return team


def copy_team(team: Path, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(team, folder, ignore=shutil.ignore_patterns(".built"))


def prepare(team: Path, folder: Path, state: str) -> None:
    """``folder`` as the team is at ``state``: fresh (never synced), edited (synced once,
    then each rep's edits), synced (the edits synced: a no-change re-sync comes next)."""
    copy_team(team, folder)
    if state in ("edited", "synced"):
        sync(folder)
        edit_reps(folder)
    if state == "synced":
        sync(folder)


def timed(label: str, job: object) -> float:
    started = time.perf_counter()
    result = job()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"{label:<22} {seconds:8.2f} s   {result}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "step", nargs="?", default="all", choices=["all", "prepare", "sync", "pandas"]
    )
    parser.add_argument("folder", nargs="?", type=Path)
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--state", choices=["fresh", "edited", "synced"], default="fresh")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kqxl-bench",
    )
    args = parser.parse_args()
    if args.step == "sync":
        print(sync(args.folder))
        return
    if args.step == "pandas":
        print(pandas_baseline(args.folder))
        return
    team = cached_team(args.cache, args.reps, args.customers)
    if args.step == "prepare":
        prepare(team, args.folder, args.state)
        return
    folder = args.dir or args.cache / f"work-{args.reps}x{args.customers}"
    copy_team(team, folder)
    first = timed("first sync", lambda: sync(folder))
    edit_reps(folder)
    full = timed("sync after edits", lambda: sync(folder))
    timed("no-change re-sync", lambda: sync(folder))
    try:
        base = timed("pandas baseline", lambda: pandas_baseline(folder))
    except ImportError:
        print("pandas baseline        (pandas is not installed)")
    else:
        print(f"first sync / pandas baseline: {first / base:.2f}")
        print(f"sync after edits / pandas baseline: {full / base:.2f}")


if __name__ == "__main__":
    main()
