"""Large-sheet benchmark: ``validate`` and ``recompute`` of a 1,000,000-row 客户 sheet, for an
older checkout of kqxl and this one, side by side in one run.

    git worktree add /tmp/kqxl-old main          # the code to compare against
    .venv/bin/python benchmarks/bench_large.py --old /tmp/kqxl-old [--rows 1000000] [--together]
        [--fill 0.3]

The workbook is kqxl's own rep template (``write_template``) whose 客户 sheet gets N generated
rows (Chinese names in shared strings, types and reps, dates in date-styled cells, visit counts,
amounts, 是/否 checklist boxes, 30% of the optional input cells filled, about one cell in
500 wrong); it is cached in the system temp folder. Each job runs in its own process with that
checkout first on ``sys.path``; the time covers the library call only (not the interpreter
start or imports), the memory is the process's peak resident set (``ru_maxrss``).
``recompute`` writes to a new file (``out=``) and reports its unzipped size. The jobs
``cli-validate`` and ``cli-recompute`` (``--jobs cli-validate,cli-recompute``) run the command a
person types instead (``kqxl validate FILE``, ``kqxl recompute FILE --out …``), its lines printed
to nowhere: the command pauses the collector for both checkouts. The jobs run with
``KQXL_MAX_UNZIPPED_MIB=4096`` unless it is set (the 1,000,000-row recompute writes more than
1 GiB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from kqxl.cells import column_letter as _letter

HERE = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 6, 1)
PATTERNS = 997  # distinct row shapes; the row number (and the name) make every row unique
NS = "http://schemas.openxmlformats.org"
REPS = ["张三", "李四", "王五", "赵六"]
# Share of the optional input cells filled. 35% until the template gained the columns of the
# SPEC §5 systems; with them a 1,000,000-row sheet at 35% is 1,148 MiB unzipped, past the
# default cap of 1 GiB that the old code cannot raise. At 30% it is 1,006 MiB, under it, and
# the sheet still fills more than a quarter of its area (one cell in 3.8), so the new reader
# hands it to calamine as the old one does; at 25% (877 MiB, one cell in 4.4) it takes the
# streaming parser meant for sparse sheets, a different comparison (--fill 0.25).
FILL = 0.3
# The recompute of a 1,000,000-row sheet writes about twice its input (877 MiB in, 1,780 MiB
# out at 25%: the computed columns and their reasons); the new code refuses to write a workbook
# over its cap unless it is raised. The old code has no such check and ignores the variable.
CAP_MIB = "4096"


def generate(path: Path, rows: int, fill: float = FILL) -> None:
    """The rep template with ``rows`` customer rows, written by a small streaming writer;
    ``fill`` is the share of optional input cells that hold a value."""
    sys.path.insert(0, str(HERE))
    from kqxl.book import read_workbook
    from kqxl.book.package import open_package
    from kqxl.book.safety import Limits, check_file
    from kqxl.book.template import write_template
    from kqxl.rules import load_rules
    from kqxl.schema import SCHEMA, ColumnType

    template = path.with_name("template.xlsx")
    write_template(template, "rep", load_rules(None), rep_name="张三")
    sheet = SCHEMA.customers
    grid = read_workbook(template, sheets=[sheet.name]).sheets[sheet.name]
    header_row, columns = 0, {}
    for i, line in enumerate(grid.rows):
        found = {v: grid.first_col + j for j, v in enumerate(line) if isinstance(v, str)}
        if sheet.column("customer_name").header in found:
            header_row = grid.first_row + i
            columns = {c.key: found[c.header] for c in sheet.columns if c.header in found}
            break
    with check_file(template, Limits()) as zf:
        package = open_package(template, zf)
        part = package.sheet(sheet.name).part
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    assert part is not None and header_row
    xml = members[part].decode()
    styles = {}
    for m in re.finditer(r"<col\b[^>]*>", xml):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(0)))
        if "style" in attrs:
            for c in range(int(attrs["min"]), int(attrs["max"]) + 1):
                styles[c] = attrs["style"]

    first, last = header_row + 1, header_row + rows
    # Shared strings: index r holds the name of the customer in row r, so one placeholder
    # ("§") stands for both the row number and the name's index.
    common: list[str] = []

    def sst(text: str) -> int:
        if text not in common:
            common.append(text)
        return last + 1 + common.index(text)

    rng = random.Random(11)
    by_key = {c.key: c for c in sheet.columns}

    def cell(key: str, col: int) -> str:
        c = by_key[key]
        ref = f"{_letter(col)}§"
        s = f' s="{styles[col]}"' if col in styles else ""
        bad = rng.random() < 0.002
        if key == "customer_name":
            return f'<c r="{ref}"{s} t="s"><v>§</v></c>'
        if c.is_computed or key == "customer_id" or (not c.required and rng.random() >= fill):
            return ""
        if key == "owner_rep":
            return f'<c r="{ref}"{s} t="s"><v>{sst(rng.choice(REPS))}</v></c>'
        if c.type is ColumnType.CHOICE:
            choice = rng.choice(list(c.choices)) if not bad else "不知道"
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

    patterns = []
    for _ in range(PATTERNS):
        cells = "".join(
            cell(key, col) for key, col in sorted(columns.items(), key=lambda kv: kv[1])
        )
        patterns.append(f'<row r="§">{cells}</row>'.split("§"))

    head, tail = xml.split("</sheetData>", 1)
    head = re.sub(
        r'<dimension ref="[^"]*"',
        f'<dimension ref="A1:{_letter(max(columns.values()))}{last}"',
        head,
    )
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        for name, data in members.items():
            if name == part:
                with out.open(name, "w") as fh:
                    fh.write(head.encode())
                    batch = []
                    for r in range(first, last + 1):
                        batch.append(str(r).join(patterns[r % PATTERNS]))
                        if len(batch) == 2000:
                            fh.write("".join(batch).encode())
                            batch = []
                    fh.write("".join(batch).encode())
                    fh.write(("</sheetData>" + tail).encode())
            elif name == "[Content_Types].xml":
                out.writestr(
                    name,
                    data.decode().replace(
                        "</Types>",
                        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
                        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                    ),
                )
            elif name == "xl/_rels/workbook.xml.rels":
                out.writestr(
                    name,
                    data.decode().replace(
                        "</Relationships>",
                        f'<Relationship Id="rIdKqxlBench" Type="{NS}/officeDocument/2006/'
                        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
                    ),
                )
            else:
                out.writestr(name, data)
        write_shared_strings(out, last, common)
    tmp.replace(path)
    template.unlink()


def write_shared_strings(out: zipfile.ZipFile, last: int, common: list[str]) -> None:
    """sharedStrings.xml of a generated workbook: the customer names 0..``last`` (streamed in
    blocks), then the ``common`` texts (their indices follow the names)."""
    with out.open("xl/sharedStrings.xml", "w") as fh:
        prolog = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        fh.write(f'{prolog}<sst xmlns="{NS}/spreadsheetml/2006/main">'.encode())
        for start in range(0, last + 1, 10000):
            fh.write(
                "".join(
                    f"<si><t>客户{r:07d}有限公司</t></si>"
                    for r in range(start, min(start + 10000, last + 1))
                ).encode()
            )
        fh.write("".join(f"<si><t>{escape(s)}</t></si>" for s in common).encode())
        fh.write(b"</sst>")


# --- the jobs, each in its own process -------------------------------------------------------


def run_job(job: str, src: Path, work: Path) -> dict[str, object]:
    """Do one job with the kqxl found first on sys.path; seconds and a summary."""
    from kqxl.api import recompute_workbook, validate_workbook

    t = time.perf_counter()
    if job == "validate":
        result = validate_workbook(src, today=TODAY)
        seconds = time.perf_counter() - t
        return {"seconds": seconds, "rows": len(result.customers), "findings": len(result.findings)}
    if job == "recompute":
        out = work / "out.xlsx"
        done = recompute_workbook(src, out=out, today=TODAY)
        seconds = time.perf_counter() - t
        with zipfile.ZipFile(out) as zf:  # what the next read of kqxl's output must unzip
            unzipped = sum(info.file_size for info in zf.infolist())
        out.unlink()
        return {
            "seconds": seconds,
            "rows": len(done.result.customers),
            "findings": len(done.result.findings),
            "out_unzipped_mib": round(unzipped / (1 << 20)),
        }
    if job in ("cli-validate", "cli-recompute"):
        # as a person runs it: the command itself, its lines printed (here to nowhere)
        import contextlib
        import io

        from kqxl.cli import cli

        command = [job[4:], str(src), "--today", TODAY.isoformat()]
        if job == "cli-recompute":
            command += ["--out", str(work / "out.xlsx")]
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            try:
                code = cli.main(command, standalone_mode=False)
            except SystemExit as done:  # exit 1: problems found
                code = done.code
        seconds = time.perf_counter() - t
        return {"seconds": seconds, "exit": code, "lines": printed.getvalue().count("\n")}
    raise SystemExit(f"unknown job {job}")


def start(checkout: Path, job: str, src: Path, work: Path) -> subprocess.Popen[str]:
    """Start one job of ``checkout`` in a fresh process (run from ``work``, so that the
    checkout, not an installed kqxl, is imported)."""
    env = {"KQXL_MAX_UNZIPPED_MIB": CAP_MIB, **os.environ, "PYTHONPATH": str(checkout)}
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", job, str(src), str(work)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=work,
        env=env,
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, object]:
    out, err = proc.communicate()
    if proc.returncode != 0:
        return {"error": err.strip().splitlines()[-1] if err.strip() else "failed"}
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--fill", type=float, default=FILL, help="share of optional input cells filled"
    )
    parser.add_argument("--old", type=Path, help="a checkout of the code to compare against")
    parser.add_argument("--jobs", default="validate,recompute")
    parser.add_argument("--together", action="store_true", help="run old and new at once")
    parser.add_argument("--child", nargs=3, metavar=("JOB", "SRC", "WORK"))
    args = parser.parse_args()
    if args.child:
        job, src, work = args.child
        figures = run_job(job, Path(src), Path(work))
        import kqxl

        figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures["kqxl"] = str(Path(kqxl.__file__).resolve().parents[1])
        print(json.dumps(figures))
        return 0

    cache = Path(tempfile.gettempdir()) / "kqxl-bench"
    cache.mkdir(exist_ok=True)
    src = cache / f"客户_{args.rows}_rows_fill{args.fill:g}.xlsx"
    if not src.exists():
        t = time.perf_counter()
        generate(src, args.rows, args.fill)
        print(f"generated {src} in {time.perf_counter() - t:.1f} s")
    print(f"workbook: {args.rows:,} rows in 客户, {src.stat().st_size / (1 << 20):.1f} MiB")
    checkouts = [("new", HERE)] + ([("old", args.old.resolve())] if args.old else [])
    results: dict[tuple[str, str], dict[str, object]] = {}
    for job in args.jobs.split(","):
        # old and new run one after the other, or (--together) side by side so that a busy
        # machine slows both alike
        runs = []
        for label, checkout in checkouts:
            work = Path(tempfile.mkdtemp(prefix=f"kqxl-large-{label}-"))
            runs.append((label, start(checkout, job, src, work)))
            if not args.together:
                label, proc = runs.pop()
                results[label, job] = finish(proc)
                print(f"  {label:<4}{job:<10}{json.dumps(results[label, job])}", flush=True)
        for label, proc in runs:
            results[label, job] = finish(proc)
            print(f"  {label:<4}{job:<10}{json.dumps(results[label, job])}", flush=True)
    print()
    print(
        f"{'job':<10}"
        + "".join(f"{label + ' s':>10}{label + ' MiB':>10}" for label, _ in checkouts)
    )
    for job in args.jobs.split(","):
        line = f"{job:<10}"
        for label, _ in checkouts:
            f = results[label, job]
            if "error" in f:
                line += f"{'failed':>20}"
            else:
                line += f"{f['seconds']:>10.1f}{f['peak_mib']:>10.0f}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
