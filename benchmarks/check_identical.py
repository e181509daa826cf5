"""Check that two versions of kqxl write the same workbooks: every cell, its style and the styles.

    .venv/bin/python benchmarks/check_identical.py --old OLD_CHECKOUT [--new CHECKOUT] [--rows N]

``OLD_CHECKOUT`` is a directory holding another version's ``kqxl`` package (for example
``git archive COMMIT | tar -x -C /tmp/old``). The inputs: the demo team (the master and each rep
workbook, built by ``kqxl.demo.build_team``), the templates in ``workbooks/`` and the workbook of
``bench_recompute.py`` (``--rows`` customers and projects; 0 leaves it out). Each input is
recomputed twice by each version, as the ``kqxl`` command (``recompute IN --out OUT``, then
``recompute OUT`` in place, where little or nothing changes), and after each step the two files
are compared: every sheet's cell values as ``read_workbook`` reads them, each cell's style
index and type attribute, the styles part, and the command's ``--json`` output. With
``--engine N`` the engine's whole result (``model_dump``) over ``bench_engine.py``'s generated
book of N customers and N projects (with its logs) is compared too. Exit status 1 and the first
differences are printed when anything differs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TODAY = "2026-06-01"
# the workbook id a first recompute gives is random: the same one for both versions
_MAIN = (
    "import random, secrets, sys; secrets.randbelow = random.Random(7).randrange; "
    "sys.argv[0] = 'kqxl'; from kqxl.cli import main; main()"
)
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>)")
_ATTR = re.compile(rb"""\b(r|s|t)\s*=\s*["']([^"']*)["']""")


def run(code: Path, args: list[str], cwd: Path) -> dict[str, object]:
    """``kqxl ARGS --json`` with the package in ``code``; its JSON output, less timings/paths."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.run(
        [sys.executable, "-c", _MAIN, *args, "--json"],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{code}: kqxl {' '.join(args)} failed: {proc.stderr.decode()[-2000:]}")
    out = json.loads(proc.stdout)
    return _scrub(out, str(cwd))


def _scrub(value: object, where: str) -> object:
    if isinstance(value, dict):
        return {k: _scrub(v, where) for k, v in value.items() if k not in ("seconds", "backup")}
    if isinstance(value, list):
        return [_scrub(v, where) for v in value]
    if isinstance(value, str):
        return value.replace(where, "<dir>")
    return value


def cell_attrs(path: Path) -> dict[str, dict[bytes, tuple[bytes, bytes]]]:
    """Each worksheet part → cell reference → (s, t) as written."""
    out: dict[str, dict[bytes, tuple[bytes, bytes]]] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
                continue
            cells: dict[bytes, tuple[bytes, bytes]] = {}
            for m in _CELL.finditer(zf.read(name)):
                attrs = dict(_ATTR.findall(m.group(1)))
                cells[attrs.get(b"r", b"?")] = (attrs.get(b"s", b"0"), attrs.get(b"t", b"n"))
            out[name] = cells
    return out


def styles_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/styles.xml") if "xl/styles.xml" in zf.namelist() else b""


def compare(old: Path, new: Path, label: str) -> list[str]:
    from kqxl.book import read_workbook

    problems: list[str] = []
    a, b = read_workbook(old), read_workbook(new)
    if list(a.sheets) != list(b.sheets):
        problems.append(f"{label}: sheets {list(a.sheets)} vs {list(b.sheets)}")
    for name, grid in a.sheets.items():
        other = b.sheets.get(name)
        if other is None:
            continue
        rows = max(len(grid.rows), len(other.rows))
        for i in range(rows):
            x = grid.rows[i] if i < len(grid.rows) else []
            y = other.rows[i] if i < len(other.rows) else []
            for j in range(max(len(x), len(y))):
                u = x[j] if j < len(x) else None
                v = y[j] if j < len(y) else None
                if u != v or type(u) is not type(v):
                    problems.append(
                        f"{label}: {name} row {grid.first_row + i} col {j}: {u!r} vs {v!r}"
                    )
                    break
            if len(problems) > 20:
                return problems
    ca, cb = cell_attrs(old), cell_attrs(new)
    for part, cells in ca.items():
        if cells != cb.get(part):
            diff = [
                k
                for k in sorted(set(cells) | set(cb.get(part, {})))
                if cells.get(k) != cb.get(part, {}).get(k)
            ]
            problems.append(f"{label}: {part} cell styles differ at {len(diff)} cells: {diff[:5]}")
    if styles_of(old) != styles_of(new):
        problems.append(f"{label}: styles.xml differs")
    return problems


def inputs(work: Path, rows: int) -> list[Path]:
    sys.path.insert(0, str(HERE))
    from kqxl.demo import build_team
    from kqxl.rules import load_rules

    found = build_team(work / "demo", load_rules(None))
    for template in sorted((HERE / "workbooks").glob("*.xlsx")):
        copy = work / "templates" / template.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(template, copy)
        found.append(copy)
    if rows:
        sys.path.insert(0, str(HERE / "benchmarks"))
        from bench_recompute import workbook

        found.append(workbook(rows))
    return found


# evaluate bench_engine.py's book with the kqxl first on sys.path; print the result's digest
_ENGINE = """
import datetime as dt, hashlib, sys
sys.path.append({bench!r})
import bench_engine as B
from kqxl.cells import WorkbookGrid
from kqxl.cli import quiet_gc
from kqxl.engine import evaluate
from kqxl.rules import load_rules
from kqxl.schema import COMPLAINTS, SCHEMA, SELF_ASSESSMENT, VISITS
n = {rows}
rules = load_rules()
customers = B.generate(SCHEMA.customers, n, seed=1, rules=rules)
types = [row[2] for row in customers.rows[2:]]
names = [row[1] for row in customers.rows[2:]]
clients = [nm for nm, t in zip(names, types) if t == "甲方"]
contractors = [nm for nm, t in zip(names, types) if t == "总包"]
projects = B.generate(SCHEMA.projects, n, seed=2, links=(clients, contractors))
logs = {{
    VISITS: B._log(SCHEMA.sheet(VISITS), n, names, seed=3),
    COMPLAINTS: B._log(SCHEMA.sheet(COMPLAINTS), n // 100, names, seed=4),
    SELF_ASSESSMENT: B._log(SCHEMA.sheet(SELF_ASSESSMENT), n // 100, None, seed=5),
}}
book = WorkbookGrid("bench.xlsx", {{"客户": customers, "项目": projects, **logs}})
with quiet_gc():
    result = evaluate(book, rules, dt.date(2024, 6, 1))
print(len(result.findings), hashlib.sha256(result.model_dump_json().encode()).hexdigest())
"""


def engine_digest(code: Path, rows: int) -> str:
    script = _ENGINE.format(bench=str(HERE / "benchmarks"), rows=rows)
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, check=False, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"{code}: the engine run failed: {proc.stderr[-2000:]}")
    return proc.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="the other version's checkout")
    parser.add_argument(
        "--new", type=Path, default=HERE, help="the version to check (default: this checkout)"
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--engine", type=int, default=0, help="also compare the engine's result")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kqxl-identical-"))
    problems: list[str] = []
    if args.engine:
        old, new = (engine_digest(c.resolve(), args.engine) for c in (args.old, args.new))
        print(f"engine, {args.engine:,} rows per sheet: {'same' if old == new else 'DIFFERENT'}")
        if old != new:
            problems.append(f"engine result: {old} vs {new}")
    try:
        for src in inputs(work, args.rows):
            outs = {}
            for label, code in (("old", args.old.resolve()), ("new", args.new.resolve())):
                folder = work / label / src.parent.name
                folder.mkdir(parents=True, exist_ok=True)
                out = folder / src.name
                first = run(
                    code, ["recompute", str(src), "--out", str(out), "--today", TODAY], folder
                )
                shutil.copy(out, folder / f"first-{src.name}")
                second = run(code, ["recompute", str(out), "--today", TODAY], folder)
                outs[label] = (out, first, second)
            (old, f1, s1), (new, f2, s2) = outs["old"], outs["new"]
            problems += compare(
                old.with_name(f"first-{src.name}"),
                new.with_name(f"first-{src.name}"),
                f"{src.parent.name}/{src.name} (first)",
            )
            name = f"{src.parent.name}/{src.name}"
            if _scrub(f1, str(work / "old")) != _scrub(f2, str(work / "new")):
                problems.append(f"{name}: first recompute's --json output differs")
            if _scrub(s1, str(work / "old")) != _scrub(s2, str(work / "new")):
                problems.append(f"{name}: second recompute's --json output differs")
            found = compare(old, new, name)
            problems += found
            print(f"{name}: {'same' if not found else 'DIFFERENT'}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for line in problems[:40]:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
