"""Recompute benchmark: a rep workbook of N customers and N projects, as whole processes.

    .venv/bin/python benchmarks/bench_recompute.py [--rows 100000] [--repeat 5]

It builds (once, cached in the system temp folder) kqxl's rep template whose 客户 and 项目
sheets get N generated rows each (the generator of ``bench_large.py`` for both sheets: names
in shared strings, choices, dates in date-styled cells, counts, amounts, 是/否 boxes, about one
cell in 500 wrong; projects name existing 甲方 and 总包 customers). Then, alternating, each
run of each job in a fresh process — the ``kqxl`` command a user types:

* ``validate``: ``kqxl validate W``;
* ``recompute 1``: ``kqxl recompute W`` on a fresh copy of the generated workbook;
* ``recompute 2``: ``kqxl recompute W`` again on its result, where nothing changes; it must
  write no file (the benchmark checks that the file and its backups stay as they were).

Printed: each job's median, min and max wall seconds and peak resident memory (of the child
process, ``ru_maxrss``), and the ratios the issue asks for (recompute / validate). The command
to make the workbook alone is ``--make``; ``--print-path`` prints where it is.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench_large import write_shared_strings

from kqxl.cells import column_letter as _letter

HERE = Path(__file__).resolve().parents[1]
PATTERNS = 997  # distinct row shapes; the row number makes every row unique
NS = "http://schemas.openxmlformats.org"
REPS = ["张三", "李四", "王五", "赵六"]
TODAY = "2026-06-01"


def generate(path: Path, rows: int) -> None:
    """The rep template with ``rows`` customers and ``rows`` projects (streamed into the zip)."""
    sys.path.insert(0, str(HERE))
    from kqxl.book import read_workbook
    from kqxl.book.package import open_package
    from kqxl.book.safety import Limits, check_file
    from kqxl.book.template import write_template
    from kqxl.rules import load_rules
    from kqxl.schema import SCHEMA, ColumnType, Sheet

    template = path.with_name("template-recompute.xlsx")
    write_template(template, "rep", load_rules(None), rep_name="张三")
    with check_file(template, Limits()) as zf:
        package = open_package(template, zf)
        parts = {s.name: package.sheet(s.name).part for s in SCHEMA.sheets}
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    grids = read_workbook(template, sheets=[s.name for s in SCHEMA.sheets]).sheets

    def layout(sheet: Sheet, name_key: str) -> tuple[int, dict[str, int], dict[int, str]]:
        grid = grids[sheet.name]
        for i, line in enumerate(grid.rows):
            found = {v: grid.first_col + j for j, v in enumerate(line) if isinstance(v, str)}
            if sheet.column(name_key).header in found:
                columns = {c.key: found[c.header] for c in sheet.columns if c.header in found}
                xml = members[str(parts[sheet.name])].decode()
                styles = {}
                for m in re.finditer(r"<col\b[^>]*>", xml):
                    attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(0)))
                    if "style" in attrs:
                        for c in range(int(attrs["min"]), int(attrs["max"]) + 1):
                            styles[c] = attrs["style"]
                return grid.first_row + i, columns, styles
        raise SystemExit(f"no header row in {sheet.name}")

    c_header, c_columns, c_styles = layout(SCHEMA.customers, "customer_name")
    p_header, p_columns, p_styles = layout(SCHEMA.projects, "project_name")
    c_first, c_last = c_header + 1, c_header + rows
    p_first, p_last = p_header + 1, p_header + rows
    # Shared strings: index r holds the name of the customer in row r, so one placeholder ("§")
    # stands for both the row number and the name's index. Other texts follow.
    common: list[str] = []

    def sst(text: str) -> int:
        if text not in common:
            common.append(text)
        return c_last + 1 + common.index(text)

    rng = random.Random(11)
    customer_types: list[str] = []  # the type of each customer row pattern

    def cell(sheet: Sheet, styles: dict[int, str], key: str, col: int) -> str:
        c = sheet.column(key)
        ref = f"{_letter(col)}§"
        s = f' s="{styles[col]}"' if col in styles else ""
        bad = rng.random() < 0.002
        if key == "customer_name":
            return f'<c r="{ref}"{s} t="s"><v>§</v></c>'
        if key == "project_name":
            return f'<c r="{ref}"{s} t="inlineStr"><is><t>项目§号</t></is></c>'
        if key in ("client", "contractor"):
            wanted = "甲方" if key == "client" else "总包"
            if key == "contractor" and rng.random() < 0.4:
                return ""
            # customer row c_first + i has row pattern i (and its name is shared string
            # c_first + i): name one of the wanted type
            hits = [i for i, t in enumerate(customer_types) if t == wanted and i < rows]
            index = c_first + (rng.choice(hits) if hits else 0)
            return f'<c r="{ref}"{s} t="s"><v>{index}</v></c>'
        optional = not c.required and rng.random() < 0.65
        if c.is_computed or key in ("customer_id", "project_id") or optional:
            return ""
        if key == "owner_rep":
            return f'<c r="{ref}"{s} t="s"><v>{sst(rng.choice(REPS))}</v></c>'
        if c.type is ColumnType.CHOICE:
            choice = rng.choice(list(c.choices)) if not bad else "不知道"
            if key == "customer_type":
                customer_types.append(choice)
            return f'<c r="{ref}"{s} t="s"><v>{sst(choice)}</v></c>'
        if c.type is ColumnType.BOOL:
            return f'<c r="{ref}"{s} t="s"><v>{sst(rng.choice(["是", "否", "是", "√"]))}</v></c>'
        if c.type is ColumnType.DATE:
            if bad:
                return f'<c r="{ref}"{s} t="s"><v>{sst("下周三")}</v></c>'
            return f'<c r="{ref}"{s}><v>{44000 + rng.randrange(2500)}</v></c>'
        if c.type is ColumnType.INTEGER:
            return f'<c r="{ref}"{s}><v>{rng.randrange(30)}</v></c>'
        if c.type is ColumnType.MONEY:
            return f'<c r="{ref}"{s}><v>{rng.randrange(100, 10**7) / 100}</v></c>'
        text = rng.choice(["北京", "上海", "广州", "深圳"]) + rng.choice(["建设", "设计", "置业"])
        return f'<c r="{ref}"{s} t="s"><v>{sst(text)}</v></c>'

    def patterns(sheet: Sheet, columns: dict[str, int], styles: dict[int, str]) -> list[list[str]]:
        out = []
        for _ in range(PATTERNS):
            cells = "".join(
                cell(sheet, styles, key, col)
                for key, col in sorted(columns.items(), key=lambda kv: kv[1])
            )
            out.append(f'<row r="§">{cells}</row>'.split("§"))
        return out

    customer_rows = patterns(SCHEMA.customers, c_columns, c_styles)
    project_rows = patterns(SCHEMA.projects, p_columns, p_styles)
    jobs = {
        str(parts["客户"]): (c_first, c_last, customer_rows, max(c_columns.values())),
        str(parts["项目"]): (p_first, p_last, project_rows, max(p_columns.values())),
    }
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        for name, data in members.items():
            if name in jobs:
                first, last, shapes, width = jobs[name]
                head, tail = data.decode().split("</sheetData>", 1)
                head = re.sub(
                    r'<dimension ref="[^"]*"', f'<dimension ref="A1:{_letter(width)}{last}"', head
                )
                with out.open(name, "w") as fh:
                    fh.write(head.encode())
                    batch = []
                    for r in range(first, last + 1):
                        batch.append(str(r).join(shapes[(r - first) % PATTERNS]))
                        if len(batch) == 2000:
                            fh.write("".join(batch).encode())
                            batch = []
                    fh.write("".join(batch).encode())
                    fh.write(("</sheetData>" + tail).encode())
            elif name == "[Content_Types].xml" and b"sharedStrings" not in data:
                out.writestr(
                    name,
                    data.decode().replace(
                        "</Types>",
                        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                    ),
                )
            elif name == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in data:
                out.writestr(
                    name,
                    data.decode().replace(
                        "</Relationships>",
                        f'<Relationship Id="rIdKqxlBench" Type="{NS}/officeDocument/2006/'
                        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                    ),
                )
            elif name != "xl/sharedStrings.xml":
                out.writestr(name, data)
        write_shared_strings(out, c_last, common)
    tmp.replace(path)
    template.unlink()


def workbook(rows: int) -> Path:
    """The cached generated workbook of ``rows`` customers and projects."""
    cache = Path(tempfile.gettempdir()) / "kqxl-bench"
    cache.mkdir(exist_ok=True)
    path = cache / f"客户项目_{rows}_rows.xlsx"
    if not path.exists():
        t = time.perf_counter()
        generate(path, rows)
        print(f"generated {path} in {time.perf_counter() - t:.1f} s", flush=True)
    return path


def kqxl_command() -> list[str]:
    exe = Path(sys.executable).with_name("kqxl")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "kqxl.cli"]


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one whole process (its own ``ru_maxrss``)."""
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t
    if proc.returncode not in (0, 1):  # 1: the workbook holds findings
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--make", action="store_true", help="only make the workbook")
    parser.add_argument("--print-path", action="store_true", help="print the workbook's path")
    args = parser.parse_args()
    src = workbook(args.rows)
    if args.print_path or args.make:
        print(src)
        return 0
    size = src.stat().st_size / (1 << 20)
    print(f"workbook: {args.rows:,} customers + {args.rows:,} projects, {size:.1f} MiB")
    kqxl = kqxl_command()
    work = Path(tempfile.mkdtemp(prefix="kqxl-recompute-"))
    fresh, done = work / "fresh.xlsx", work / "done.xlsx"
    figures: dict[str, list[tuple[float, float]]] = {
        "validate": [],
        "recompute 1": [],
        "recompute 2": [],
    }
    today = ["--today", TODAY]
    for i in range(args.repeat):
        figures["validate"].append(timed([*kqxl, "validate", str(src), *today], work))
        shutil.copy(src, fresh)
        figures["recompute 1"].append(timed([*kqxl, "recompute", str(fresh), *today], work))
        if i == 0:
            shutil.copy(fresh, done)
        shutil.rmtree(work / ".kqxl", ignore_errors=True)
        before = (done.read_bytes(), done.stat().st_mtime_ns)
        figures["recompute 2"].append(timed([*kqxl, "recompute", str(done), *today], work))
        backups = work / ".kqxl" / "backups"
        written = backups.exists() and any(backups.iterdir())
        if written or (done.read_bytes(), done.stat().st_mtime_ns) != before:
            raise SystemExit("the second recompute wrote a file although nothing changed")
        print(
            f"  run {i + 1}: "
            + ", ".join(
                f"{job} {runs[-1][0]:.1f} s / {runs[-1][1]:.0f} MiB"
                for job, runs in figures.items()
            ),
            flush=True,
        )
    print()
    print(f"{'job':<14}{'median s':>10}{'min':>8}{'max':>8}{'peak MiB':>10}")
    medians = {}
    for job, runs in figures.items():
        secs = [s for s, _ in runs]
        peak = statistics.median(m for _, m in runs)
        medians[job] = (statistics.median(secs), peak)
        print(f"{job:<14}{medians[job][0]:>10.2f}{min(secs):>8.2f}{max(secs):>8.2f}{peak:>10.0f}")
    v_s, v_m = medians["validate"]
    print()
    print(f"recompute 1 / validate: {medians['recompute 1'][0] / v_s:.2f}× time (aim ≤ 2×)")
    print(f"recompute 2 / validate: {medians['recompute 2'][0] / v_s:.2f}× time (aim ≤ 1.2×)")
    print(f"recompute 1 peak / validate peak: {medians['recompute 1'][1] / v_m:.2f}× (aim ≤ 1.5×)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
