"""Worksheet functions: a whole table in one call vs one call per row (KQ_GRADE, KQ_HEAT).

Tables shaped like the template's 客户 and 项目 sheets (header + N rows, generated as in
bench_engine.py) are passed as plain lists, as xlwings hands a range's values to the function.
Whole-table: one ``KQ_GRADE(table)`` (one ``KQ_HEAT(projects, None, customers)``) over N rows.
Per row: ``KQ_GRADE(header, row)`` for ``--sample`` rows (each heat call also takes the whole
customers table, as the sheet formula would), timed and given per call; the time for all N
rows is that per-call time × N. The two are run alternately, ``--repeat`` times; medians of
wall-clock seconds are printed.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_engine import generate

from kqxl.excel.udfs import KQ_GRADE, KQ_HEAT
from kqxl.rules import load_rules
from kqxl.schema import SCHEMA


def _tables(n: int) -> tuple[list[list[Any]], list[list[Any]]]:
    rules = load_rules(None)
    customers = generate(SCHEMA.customers, n, seed=1, rules=rules).rows[1:]  # no group row
    at = customers[0].index("客户类型")
    name_at = customers[0].index("客户名称")
    clients = [str(r[name_at]) for r in customers[1:] if r[at] == "甲方"]
    contractors = [str(r[name_at]) for r in customers[1:] if r[at] == "总包"]
    projects = generate(SCHEMA.projects, n, seed=2, links=(clients, contractors)).rows[1:]
    return customers, projects


def _seconds(job: Callable[[], object]) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sample", type=int, default=100, help="rows timed one call each")
    args = parser.parse_args()
    customers, projects = _tables(args.rows)
    n = args.rows
    grade_rows = customers[1 : 1 + args.sample]
    heat_rows = projects[1 : 1 + max(1, args.sample // 10)]
    runs: dict[str, list[float]] = {k: [] for k in ("gw", "gr", "hw", "hr")}
    for _ in range(args.repeat):  # alternate: whole, per row, whole, per row …
        runs["gw"].append(_seconds(lambda: KQ_GRADE(customers)))
        runs["gr"].append(
            _seconds(lambda: [KQ_GRADE(customers[0], r) for r in grade_rows]) / len(grade_rows)
        )
        runs["hw"].append(_seconds(lambda: KQ_HEAT(projects, None, customers)))
        runs["hr"].append(
            _seconds(lambda: [KQ_HEAT(projects[0], r, customers) for r in heat_rows])
            / len(heat_rows)
        )
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"python {platform.python_version()}, {n} rows, median of {args.repeat} runs")
    print("| function | whole table, one call | rows/s | one call per row | ×N rows | ratio |")
    print("|---|---|---|---|---|---|")
    for name, whole, row in (("KQ_GRADE", med["gw"], med["gr"]), ("KQ_HEAT", med["hw"], med["hr"])):
        print(
            f"| {name} | {whole:.2f} s | {n / whole:,.0f} | {row * 1000:.1f} ms/call "
            f"| {row * n:,.0f} s | {row * n / whole:,.0f}× |"
        )


if __name__ == "__main__":
    main()
