"""Benchmark the engine alone: validate + every computed system over generated rows, in memory.

Generates N customer rows and N project rows (default 100,000 each) as a ``WorkbookGrid``
shaped like kqxl's template (group row, header row, data), with a realistic mix of values and
about 1% bad ones (text in number columns, dates as text, full-width digits, error values).
Times ``kqxl.engine.evaluate`` as the CLI runs it (collector paused, ``kqxl.collector.quiet_gc``),
and as a long-lived host such as the Excel add-in runs it (collector on); the engine with grade
and heat only (links, grade, heat: the engine before the other systems) over the customer and
project sheets alone; and, in the same run, the baseline a user would otherwise write: one
pydantic model per row, validated with ``model_validate``. Rows per second are given for the
customer and project rows, and for every row the engine reads (the logs too).

    .venv/bin/python benchmarks/bench_engine.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import platform
import random
import re
import time
from functools import partial
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, create_model

from kqxl.cells import CellError, CellValue, SheetGrid, WorkbookGrid
from kqxl.collector import quiet_gc
from kqxl.engine import convert_column, evaluate, registered, validate_sheet
from kqxl.engine.convert import choice_map
from kqxl.rules import Rules, load_rules
from kqxl.schema import (
    COMPLAINTS,
    CUSTOMER_TYPES,
    PROJECT_STAGES,
    SCHEMA,
    SELF_ASSESSMENT,
    VISITS,
    Column,
    ColumnType,
    Sheet,
)

# Checklist boxes are ticked by level (see _tick_levels); otherwise mostly blank or 否.
YES_WORDS = ["否", "否", None, None, None, None, None, None, None, None, None, None, None, "是"]
BOOL_HEADERS = {c.header for s in SCHEMA.sheets for c in s.columns if c.type is ColumnType.BOOL}
BAD_RATE = 0.002  # per non-blank cell: about one row in ten has a mistake


def _value(col: Column, rng: random.Random, i: int) -> CellValue:
    """A plausible value for ``col``; a few values are bad."""
    bad = rng.random() < BAD_RATE
    t = col.type
    if col.key == "customer_name":
        return f"客户{i:06d}有限公司"
    if col.key == "project_name":
        return f"项目{i:06d}"
    if col.key in ("customer_id", "project_id"):
        return f"{'KH' if col.key == 'customer_id' else 'XM'}-{i:06d}"
    if col.key == "customer_type":
        return CUSTOMER_TYPES[i % 10] if i % 10 < len(CUSTOMER_TYPES) else CUSTOMER_TYPES[i % 2]
    if col.key == "owner_rep":
        return rng.choice(["张三", "李四", "王五", "赵六"])
    if col.key in ("client", "contractor"):
        return None  # filled by the caller
    if col.key == "stage":
        return rng.choice(PROJECT_STAGES)
    if t is ColumnType.BOOL:
        return rng.choice(YES_WORDS) if not bad else "也许"
    # A few numbers and dates typed as text, as reps do: "5次", "1.2万", "2024.5.3".
    typed_as_text = rng.random() < 0.03
    if t is ColumnType.INTEGER:
        if bad:
            return "很多"
        return rng.choice(["5次", "１２", "3.0"]) if typed_as_text else rng.randint(0, 12)
    if t is ColumnType.MONEY:
        if bad:
            return rng.choice(["一百万", CellError("#N/A")])
        if typed_as_text:
            return rng.choice(["1.2万", "¥１，２００", "3,500元"])
        return rng.choice([float(rng.randint(0, 5_000_000)), rng.randint(0, 900_000), None])
    if t is ColumnType.DATE:
        if bad:
            return "下周三"
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 1800))
        if typed_as_text:
            return rng.choice(
                [
                    f"{day.year}.{day.month}.{day.day}",
                    f"{day:%Y/%m/%d}",
                    f"{day.year}年{day.month}月{day.day}日",
                    45000.0,
                ]
            )
        return rng.choice([day, dt.datetime(day.year, day.month, day.day), None])
    if t is ColumnType.CHOICE:
        return rng.choice((*col.choices, None))
    return rng.choice([None, None, f"文本{i}", "  带空格  "]) if not bad else "#REF!"


def _tick_levels(
    rules: Rules,
    row: list[CellValue],
    headers: dict[str, int],
    ctype: CellValue,
    rng: random.Random,
) -> None:
    """Tick every box of the levels a customer has reached and some of the next level's, as a
    rep keeping the sheet does (boxes ticked at random would be a sheet nobody keeps)."""
    checklist = rules.checklists.get(ctype) if isinstance(ctype, str) else None
    if checklist is None:
        return
    reached = rng.choices(range(5), weights=[40, 25, 18, 10, 7])[0]
    for level in checklist.levels:
        if level.level > reached + 1:
            break
        for cond in level.conditions:
            if level.level <= reached or rng.random() < 0.4:
                for name in re.findall(r"[\u4e00-\u9fff]+", cond.when):
                    if name in headers and headers[name] is not None:
                        at = headers[name]
                        if name == "拜访次数":
                            row[at] = rng.randint(5, 20)
                        elif name == "累计订单金额":
                            row[at] = float(rng.randint(1, 900) * 1000)
                        elif name == "联系电话":
                            row[at] = f"138{rng.randint(0, 99_999_999):08d}"
                        elif name in BOOL_HEADERS:
                            row[at] = rng.choice(["是", "是", "√", "Y", 1])


def generate(
    sheet: Sheet,
    n: int,
    seed: int,
    links: tuple[list[str], list[str]] | None = None,
    rules: Rules | None = None,
) -> SheetGrid:
    """``links``: names of 甲方 and of 总包 customers for the projects to point at."""
    rng = random.Random(seed)
    input_cols = [c for c in sheet.columns if not c.is_computed]
    rows: list[list[CellValue]] = [
        [c.group.value for c in input_cols],
        [c.header for c in input_cols],
    ]
    client_at = next((k for k, c in enumerate(input_cols) if c.key == "client"), None)
    contractor_at = next((k for k, c in enumerate(input_cols) if c.key == "contractor"), None)
    headers = {c.header: k for k, c in enumerate(input_cols)}
    type_at = headers.get("客户类型")
    for i in range(n):
        row = [_value(c, rng, i) for c in input_cols]
        if rules is not None and type_at is not None:
            _tick_levels(rules, row, headers, row[type_at], rng)
        if links and client_at is not None and contractor_at is not None:
            row[client_at] = rng.choice(links[0]) if rng.random() < 0.995 else "不存在的单位"
            row[contractor_at] = rng.choice(links[1]) if rng.random() < 0.8 else None
        rows.append(row)
    return SheetGrid(sheet.name, rows)


def _log(sheet: Sheet, n: int, names: list[CellValue] | None, seed: int) -> SheetGrid:
    """A log sheet whose 客户 cells name the generated customers (and a few unknown ones)."""
    grid = generate(sheet, n, seed)
    rng = random.Random(seed)
    headers = list(grid.rows[1])
    if names is not None:
        at = headers.index("客户")
        for row in grid.rows[2:]:
            row[at] = rng.choice(names) if rng.random() < 0.995 else "不存在的单位"
    required = {c.header for c in sheet.columns if c.required}
    number = sheet.column(sheet.key_column).header
    for i, row in enumerate(grid.rows[2:]):
        for k, h in enumerate(headers):
            if isinstance(h, str) and h.startswith("第") and h.endswith("题"):
                row[k] = rng.randint(1, 5)  # scores 1–5
            elif h in ("接到时刻", "响应时刻"):
                row[k] = f"{rng.randint(8, 20)}:{rng.choice(['00', '30'])}"
            elif h == number:
                row[k] = None  # a log's own numbers are optional and mostly left blank
            elif h == "业务员":
                row[k] = rng.choice(["张三", "李四", "王五", "赵六"])
            elif h in required and row[k] is None:
                # a log row has its date and kind (the 0.2% bad values stay)
                column = sheet.column(next(c.key for c in sheet.columns if c.header == h))
                while row[k] is None:
                    row[k] = _value(column, rng, i)
    return grid


def baseline_model(sheet: Sheet, same_rules: bool) -> type[BaseModel]:
    """The per-row pydantic model a user would write for the same columns.

    ``same_rules=False``: plain types (it rejects 是/否, 1.2万, 2024.5.3 …).
    ``same_rules=True``: each field first goes through kqxl's own cell parsers in a
    ``BeforeValidator``, so that it accepts what the engine accepts.
    """
    py = {
        ColumnType.TEXT: str,
        ColumnType.INTEGER: int,
        ColumnType.MONEY: float,
        ColumnType.DATE: dt.date,
        ColumnType.BOOL: bool,
        ColumnType.CHOICE: str,
        ColumnType.PERCENT: float,
    }
    fields: dict[str, Any] = {}
    for c in sheet.columns:
        if c.is_computed:
            continue
        annotation: Any = py[c.type] | None
        if same_rules:
            annotation = Annotated[
                annotation, BeforeValidator(partial(_one_cell, c.type, choice_map(c.choices)))
            ]
        fields[c.key] = (annotation, None)
    return create_model(
        f"{sheet.name}Row", __config__=ConfigDict(coerce_numbers_to_str=True), **fields
    )


def _one_cell(ctype: ColumnType, choices: dict[str, str], value: Any) -> Any:
    out, bads = convert_column([value], ctype, choices)
    if bads:
        raise ValueError(bads[0].code)
    return out[0]


def run_baseline(grid: SheetGrid, sheet: Sheet, same_rules: bool) -> tuple[int, int]:
    model = baseline_model(sheet, same_rules)
    keys = [c.key for c in sheet.columns if not c.is_computed]
    ok = bad = 0
    for row in grid.rows[2:]:
        data = {
            k: (None if isinstance(v, CellError) else v) for k, v in zip(keys, row, strict=False)
        }
        try:
            model.model_validate(data)
            ok += 1
        except ValidationError:
            bad += 1
    return ok, bad


def time_baseline(
    customers: SheetGrid, projects: SheetGrid, same_rules: bool, repeat: int
) -> tuple[float, int]:
    best, rejected = float("inf"), 0
    for _ in range(repeat):
        gc.collect()
        t = time.process_time()
        _, bad_c = run_baseline(customers, SCHEMA.customers, same_rules)
        _, bad_p = run_baseline(projects, SCHEMA.projects, same_rules)
        best = min(best, time.process_time() - t)
        rejected = bad_c + bad_p
    return best, rejected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.rows
    t0 = time.perf_counter()
    rules = load_rules()
    customers = generate(SCHEMA.customers, n, seed=1, rules=rules)
    types = [row[2] for row in customers.rows[2:]]
    names = [row[1] for row in customers.rows[2:]]
    clients = [nm for nm, t in zip(names, types, strict=True) if t == "甲方"]
    contractors = [nm for nm, t in zip(names, types, strict=True) if t == "总包"]
    projects = generate(SCHEMA.projects, n, seed=2, links=(clients, contractors))
    # The logs of the other systems: a visit per customer, fewer complaints and self-assessments.
    logs = {
        VISITS: _log(SCHEMA.sheet(VISITS), n, names, seed=3),
        COMPLAINTS: _log(SCHEMA.sheet(COMPLAINTS), n // 100, names, seed=4),
        SELF_ASSESSMENT: _log(SCHEMA.sheet(SELF_ASSESSMENT), n // 100, None, seed=5),
    }
    book = WorkbookGrid("bench.xlsx", {"客户": customers, "项目": projects, **logs})
    print("logs: " + ", ".join(f"{name} {len(g.rows) - 2:,} rows" for name, g in logs.items()))
    print(
        f"python {platform.python_version()} on {platform.machine()}; generated "
        f"{n:,} customer rows ({len(customers.rows[1])} columns) and {n:,} project rows "
        f"({len(projects.rows[1])} columns) in {time.perf_counter() - t0:.1f}s"
    )

    # CPU time of this process: "one core", and steadier than wall time on a shared machine.
    total = 2 * n
    for paused in (True, False):
        best = best_wall = float("inf")
        result = None
        for _ in range(args.repeat):
            result = None
            gc.collect()
            t, w = time.process_time(), time.perf_counter()
            if paused:
                with quiet_gc():
                    result = evaluate(book, rules, dt.date(2024, 6, 1))
            else:
                result = evaluate(book, rules, dt.date(2024, 6, 1))
            best = min(best, time.process_time() - t)
            best_wall = min(best_wall, time.perf_counter() - w)
        assert result is not None
        how = "as the CLI runs it, collector paused" if paused else "collector on"
        print(
            f"kqxl evaluate (validate + every system, with reasons; {how}): {total:,} rows "
            f"in {best:.2f}s CPU = {total / best:,.0f} rows/s (best of {args.repeat}; wall "
            f"{best_wall:.2f}s); {len(result.findings):,} findings"
        )
        if paused:
            best_paused = best
    best = best_paused
    every = total + sum(len(g.rows) - 2 for g in logs.values())
    print(
        f"  counting every row the engine reads, the logs too: {every:,} rows in {best:.2f}s "
        f"CPU = {every / best:,.0f} rows/s"
    )
    # The engine before the other systems, on the same rows as the baselines.
    core = [s for s in registered() if s.name in ("links", "grade", "heat")]
    two = WorkbookGrid("bench.xlsx", {"客户": customers, "项目": projects})
    best_core = float("inf")
    for _ in range(args.repeat):
        gc.collect()
        t = time.process_time()
        with quiet_gc():
            evaluate(two, rules, dt.date(2024, 6, 1), systems=core)
        best_core = min(best_core, time.process_time() - t)
    print(
        f"kqxl evaluate with grade and heat only (validate + links, grade, heat, with reasons; "
        f"collector paused), the customer and project sheets alone: {total:,} rows in "
        f"{best_core:.2f}s CPU = {total / best_core:,.0f} rows/s"
    )
    grades: dict[str, int] = {}
    for c in result.customers:
        label = str(c["grade"])
        grades[label] = grades.get(label, 0) + 1
    heats: dict[str, int] = {}
    for p in result.projects:
        label = f"{p['heat']:.0%}"
        heats[label] = heats.get(label, 0) + 1
    # Where the time goes: the validation of both sheets alone (same conditions: gc off).
    validate_only = float("inf")
    for _ in range(args.repeat):
        gc.collect()
        gc.disable()
        t = time.process_time()
        validate_sheet(customers, SCHEMA.customers)
        validate_sheet(projects, SCHEMA.projects)
        validate_only = min(validate_only, time.process_time() - t)
        gc.enable()
    print(
        f"  of which validation alone: {validate_only:.2f}s CPU; linking, grading, heat and "
        f"building the results: {best - validate_only:.2f}s"
    )
    print(f"  grades {dict(sorted(grades.items()))}")
    print(f"  heats  {dict(sorted(heats.items()))}")

    total_s = f"{total:,} rows"
    for same_rules, what in ((False, "plain types"), (True, "same cell rules as kqxl")):
        base, rejected = time_baseline(customers, projects, same_rules, args.repeat)
        print(
            f"baseline: one pydantic model per row, model_validate, {what} (validate only, "
            f"no grade/heat): {total_s} in {base:.2f}s CPU = {total / base:,.0f} rows/s "
            f"({rejected:,} rows rejected); kqxl is {base / best:.2f}x its speed with every "
            f"system, {base / best_core:.2f}x with grade and heat only"
        )


if __name__ == "__main__":
    main()
