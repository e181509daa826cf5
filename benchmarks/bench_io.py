"""Workbook I/O benchmark: read and update-one-column on a 100,000-row × 30-column workbook.

    .venv/bin/python benchmarks/bench_io.py [--rows 100000] [--repeat 3] [--skip-openpyxl]

Prints, in one run: read time (kqxl vs calamine alone vs openpyxl read-only) and the time to
update one column (kqxl patch vs openpyxl load + save vs unzip + re-zip), each with the peak
memory of the process that did it. Every method runs in its own subprocess so that the peak
resident memory (``ru_maxrss``) is that method's own; the time covers only the job, not the
interpreter start or imports. The workbook is generated once (Chinese text in shared strings,
dates, amounts, Y/N flags, a styled header, a data validation and a conditional format) and
cached in the system temp folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from kqxl.cells import column_letter as _letter

COLUMNS = 30
KINDS = [
    "id",
    "name",
    "city",
    "industry",
    "owner",
    "date",
    "amount",
    "flag",
    "amount",
    "date",
    "flag",
    "text",
    "int",
    "amount",
    "flag",
    "city",
    "date",
    "amount",
    "flag",
    "text",
    "int",
    "amount",
    "flag",
    "date",
    "amount",
    "text",
    "flag",
    "amount",
    "int",
    "note",
]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "重庆"]
INDUSTRIES = ["制造", "建筑", "医疗", "教育", "金融", "零售", "能源", "交通"]
OWNERS = ["张三", "李四", "王五", "赵六", "钱七", "孙八"]
UPDATE_COLUMN = 30  # the 备注 column gets a new text in every row


def generate(path: Path, rows: int) -> None:
    """Write the benchmark workbook with a small streaming writer (seconds, not minutes)."""
    rng = random.Random(7)
    strings: dict[str, int] = {}

    def sst(text: str) -> int:
        if text not in strings:
            strings[text] = len(strings)
        return strings[text]

    base = dt.date(2020, 1, 1).toordinal() - dt.date(1899, 12, 30).toordinal()

    def sheet() -> Iterator[str]:
        last = f"{_letter(COLUMNS)}{rows + 1}"
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
            'http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<dimension ref="A1:{last}"/><sheetViews><sheetView workbookViewId="0"><pane '
            'ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><sheetData>'
        )
        head = "".join(
            f'<c r="{_letter(c)}1" s="1" t="s"><v>{sst(f"列{c}_{k}")}</v></c>'
            for c, k in enumerate(KINDS, 1)
        )
        yield f'<row r="1" spans="1:{COLUMNS}">{head}</row>'
        for r in range(2, rows + 2):
            cells = []
            for c, kind in enumerate(KINDS, 1):
                ref = f"{_letter(c)}{r}"
                if kind == "id":
                    cells.append(f'<c r="{ref}" t="s"><v>{sst(f"K{r:06d}")}</v></c>')
                elif kind == "name":
                    cells.append(f'<c r="{ref}" t="s"><v>{sst(f"客户{r}有限公司")}</v></c>')
                elif kind in ("city", "industry", "owner"):
                    pool = {"city": CITIES, "industry": INDUSTRIES, "owner": OWNERS}[kind]
                    cells.append(f'<c r="{ref}" t="s"><v>{sst(rng.choice(pool))}</v></c>')
                elif kind == "date":
                    cells.append(f'<c r="{ref}" s="2"><v>{base + rng.randrange(2000)}</v></c>')
                elif kind == "amount":
                    cells.append(f'<c r="{ref}" s="3"><v>{rng.randrange(100, 10**7) / 100}</v></c>')
                elif kind == "int":
                    cells.append(f'<c r="{ref}"><v>{rng.randrange(1000)}</v></c>')
                elif kind == "flag":
                    cells.append(f'<c r="{ref}" t="s"><v>{sst(rng.choice("YN"))}</v></c>')
                elif kind == "text":
                    cells.append(
                        f'<c r="{ref}" t="s"><v>{sst(rng.choice(CITIES) + "项目")}</v></c>'
                    )
                else:
                    cells.append(f'<c r="{ref}" t="s"><v>{sst(f"备注{r % 5000}")}</v></c>')
            yield f'<row r="{r}" spans="1:{COLUMNS}">{"".join(cells)}</row>'
        yield (
            f'</sheetData><autoFilter ref="A1:{last}"/><conditionalFormatting sqref='
            f'"G2:G{rows + 1}"><cfRule type="cellIs" dxfId="0" priority="1" operator='
            '"greaterThan"><formula>50000</formula></cfRule></conditionalFormatting>'
            f'<dataValidations count="1"><dataValidation type="list" allowBlank="1" '
            f'sqref="H2:H{rows + 1}"><formula1>"Y,N"</formula1></dataValidation>'
            '</dataValidations><pageMargins left="0.7" right="0.7" top="0.75" '
            'bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        )

    ns = "http://schemas.openxmlformats.org"
    tmp = path.with_suffix(".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr(
            "[Content_Types].xml",
            (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{ns}/'
                'package/2006/content-types"><Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
                'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName='
                '"/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                'spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                'sharedStrings+xml"/></Types>'
            ),
        )
        zf.writestr(
            "_rels/.rels",
            (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
                f'{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/'
                'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                "</Relationships>"
            ),
        )
        zf.writestr(
            "xl/workbook.xml",
            (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{ns}/'
                f'spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">'
                '<sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets><definedNames>'
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">客户!$A$1:'
                f"${_letter(COLUMNS)}${rows + 1}</definedName></definedNames></workbook>"
            ),
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
                f'{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/'
                'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                f'<Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/styles" '
                f'Target="styles.xml"/><Relationship Id="rId3" Type="{ns}/officeDocument/2006/'
                'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
            ),
        )
        zf.writestr(
            "xl/styles.xml",
            (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{ns}/'
                'spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode='
                '"yyyy-mm-dd"/></numFmts><fonts count="2"><font><sz val="11"/><name val="等线"/>'
                '</font><font><b/><sz val="11"/><name val="等线"/></font></fonts><fills count="2">'
                '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType='
                '"gray125"/></fill></fills><borders count="1"><border><left/><right/><top/>'
                '<bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" '
                'fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf '
                'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" '
                'fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="164" '
                'fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId='
                '"4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
                '</cellStyles><dxfs count="1"><dxf><font><color rgb="FF9C0006"/></font></dxf>'
                "</dxfs></styleSheet>"
            ),
        )
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            batch: list[str] = []
            for piece in sheet():
                batch.append(piece)
                if len(batch) >= 500:
                    fh.write("".join(batch).encode())
                    batch = []
            fh.write("".join(batch).encode())
        with zf.open("xl/sharedStrings.xml", "w") as fh:
            fh.write(
                (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="'
                    f'{ns}/spreadsheetml/2006/main" uniqueCount="{len(strings)}">'
                ).encode()
            )
            fh.write("".join(f"<si><t>{escape(s)}</t></si>" for s in strings).encode())
            fh.write(b"</sst>")
    tmp.replace(path)


# --- the methods, each run in its own process ------------------------------------------


def run_method(method: str, src: Path, work: Path) -> float:
    """Do one job and return its seconds (imports happen before the clock starts)."""
    if method == "read-kqxl":
        from kqxl.book import read_workbook

        t = time.perf_counter()
        book = read_workbook(src)
        assert len(book.sheets["客户"].rows) > 1
        return time.perf_counter() - t
    if method == "read-calamine":
        import python_calamine

        t = time.perf_counter()
        wb = python_calamine.CalamineWorkbook.from_path(str(src))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=True)
        assert len(rows) > 1
        return time.perf_counter() - t
    if method == "read-openpyxl":
        import openpyxl

        t = time.perf_counter()
        wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
        n = sum(1 for _ in wb["客户"].iter_rows(values_only=True))
        wb.close()
        assert n > 1
        return time.perf_counter() - t
    rows = _row_count(src)
    out = work / f"{method}.xlsx"
    out.unlink(missing_ok=True)  # kqxl refuses to overwrite an existing --out file
    if method == "update-kqxl":
        from kqxl.book import CellChange, patch_workbook

        t = time.perf_counter()
        changes = [CellChange("客户", r, UPDATE_COLUMN, f"已更新{r}") for r in range(2, rows + 1)]
        patch_workbook(src, changes, out=out)
        return time.perf_counter() - t
    if method == "update-openpyxl":
        import openpyxl

        t = time.perf_counter()
        wb = openpyxl.load_workbook(src)
        ws = wb["客户"]
        for r in range(2, rows + 1):
            ws.cell(r, UPDATE_COLUMN, f"已更新{r}")
        wb.save(out)
        return time.perf_counter() - t
    if method == "update-rezip":
        t = time.perf_counter()
        with (
            zipfile.ZipFile(src) as zin,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zout,
        ):
            for info in zin.infolist():
                with zin.open(info) as fin, zout.open(info.filename, "w") as fout:
                    while chunk := fin.read(1 << 20):
                        fout.write(chunk)
        return time.perf_counter() - t
    raise SystemExit(f"unknown method {method}")


def _row_count(src: Path) -> int:
    with zipfile.ZipFile(src) as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        head = fh.read(2048).decode("utf-8", "replace")
    ref = head.split('<dimension ref="', 1)[1].split('"', 1)[0]
    return int("".join(ch for ch in ref.split(":")[1] if ch.isdigit()))


def measure(method: str, src: Path, work: Path) -> tuple[float, float]:
    """(seconds, peak MiB) of one method, in a fresh process."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", method, str(src), str(work)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{method} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["seconds"], result["peak_mib"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-openpyxl", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("METHOD", "SRC", "WORK"))
    args = parser.parse_args()
    if args.child:
        method, src, work = args.child
        seconds = run_method(method, Path(src), Path(work))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(json.dumps({"seconds": seconds, "peak_mib": peak}))
        return 0

    cache = Path(tempfile.gettempdir()) / "kqxl-bench"
    cache.mkdir(exist_ok=True)
    src = cache / f"客户_{args.rows}x{COLUMNS}.xlsx"
    if not src.exists():
        t = time.perf_counter()
        generate(src, args.rows)
        print(f"generated {src} in {time.perf_counter() - t:.1f} s")
    size = src.stat().st_size / (1 << 20)
    print(f"workbook: {args.rows:,} rows × {COLUMNS} columns, {size:.1f} MiB")
    work = Path(tempfile.mkdtemp(prefix="kqxl-bench-"))
    figures: dict[str, tuple[float, float]] = {}
    for method in (
        "read-kqxl",
        "read-calamine",
        "read-openpyxl",
        "update-kqxl",
        "update-rezip",
        "update-openpyxl",
    ):
        if args.skip_openpyxl and method.endswith("openpyxl"):
            continue
        repeat = 1 if method.endswith("openpyxl") else args.repeat
        runs = [measure(method, src, work) for _ in range(repeat)]
        figures[method] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
        print(
            f"  {method:<16} {figures[method][0]:7.2f} s   peak {figures[method][1]:7.0f} MiB"
            f"   ({repeat} run{'s' if repeat > 1 else ''})",
            flush=True,
        )
    print()
    kr, cr = figures["read-kqxl"][0], figures["read-calamine"][0]
    print(f"read:   kqxl / calamine = {kr / cr:.2f}×  (aim ≤ 2×)")
    if "read-openpyxl" in figures:
        print(f"        openpyxl read-only / kqxl = {figures['read-openpyxl'][0] / kr:.1f}×")
    ku, zu = figures["update-kqxl"][0], figures["update-rezip"][0]
    print(f"update: kqxl / unzip+rezip = {ku / zu:.2f}×  (aim ≤ 3×)")
    if "update-openpyxl" in figures:
        print(
            f"        openpyxl load+save / kqxl = {figures['update-openpyxl'][0] / ku:.1f}×  "
            "(aim ≥ 10×)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
