"""Team sync: N rep workbooks × M customers into a master, side by side with the baseline a
user would write (pandas ``read_excel`` of each file + ``concat`` + ``to_excel``).

    python benchmarks/bench_sync.py [--reps 100] [--customers 1000] [--dir DIR]

Builds the team (not timed): a master holding every row with its key and one workbook per
rep holding that rep's rows. Then, timed, in one run:

* ``first sync``: no journal yet; every workbook read, the base recorded, nothing to write;
* ``sync after edits``: each rep changed 1% of their rows (拜访次数) — the master and no rep
  workbook receives them;
* ``no-change re-sync``: reads everything, writes nothing;
* ``pandas baseline``: read the 客户 sheet of every rep workbook, concat, write one xlsx
  (it merges nothing: no keys, no three-way, no ownership — a lower bound for a copy).

pandas is not a dependency of kqxl; install it to run the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

from kqxl.book import CellChange, patch_workbook
from kqxl.book.template import write_template
from kqxl.rules import load_rules
from kqxl.schema import SCHEMA
from kqxl.sync.apply import read_side, sync_team

TODAY = dt.date(2026, 11, 23)


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
            "sent_materials": "是",
            "introduced": "是" if i % 3 else "否",
        }
        for i in range(customers)
    ]


def build(folder: Path, reps: int, customers: int) -> Path:
    rules = load_rules(None)
    everyone = []
    for r in range(reps):
        rows = _rows(r, customers)
        everyone.extend(rows)
        write_template(folder / f"客户跟进表-{r:03d}.xlsx", "rep", rules, customers=rows)
    return write_template(folder / "团队总表.xlsx", "master", rules, customers=everyone)


def edit_reps(folder: Path, reps: int, customers: int) -> None:
    step = max(1, customers // max(1, customers // 100))
    for r in range(reps):
        path = folder / f"客户跟进表-{r:03d}.xlsx"
        side = read_side(path, "rep", SCHEMA).sheets["客户"]
        col = side.columns["visit_count"]
        changes = [
            CellChange("客户", side.rows[f"KH-B{r:05d}-{i + 1:04d}"], col, 100 + i)
            for i in range(0, customers, step)
        ]
        patch_workbook(path, changes, backup=False)


def timed(label: str, job: object) -> float:
    started = time.perf_counter()
    result = job()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"{label:<22} {seconds:8.2f} s   {result}")
    return seconds


def pandas_baseline(folder: Path) -> str:
    import pandas as pd

    frames = [
        pd.read_excel(p, sheet_name="客户", header=1, engine="openpyxl")
        for p in sorted(folder.glob("客户跟进表-*.xlsx"))
    ]
    merged = pd.concat(frames, ignore_index=True)
    merged.to_excel(folder.parent / f"{folder.name}-baseline.xlsx", sheet_name="客户", index=False)
    return f"{len(merged)} rows"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=100)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="kqxl-sync-bench-"))
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    master = build(folder, args.reps, args.customers)
    print(
        f"built {args.reps} rep workbooks × {args.customers} customers and the master "
        f"in {time.perf_counter() - started:.1f} s ({folder})"
    )

    def sync() -> str:
        report = sync_team(master, today=TODAY)
        written = sum(f.written for f in report.files)
        return f"{report.changed} changes, {written} files written, sync {report.sync_id}"

    timed("first sync", sync)
    edit_reps(folder, args.reps, args.customers)
    full = timed("sync after edits", sync)
    timed("no-change re-sync", sync)
    try:
        base = timed("pandas baseline", lambda: pandas_baseline(folder))
    except ImportError:
        print("pandas baseline        (pandas is not installed)")
    else:
        print(f"sync after edits / pandas baseline: {full / base:.2f}")


if __name__ == "__main__":
    main()
