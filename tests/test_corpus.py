"""Fidelity on real Excel files: patch every workbook of the corpus and prove that nothing else
changed, that the values read back exactly, and that LibreOffice opens the result and shows them.

The same check runs on the few Excel-saved workbooks in ``tests/fixtures/`` in the fast suite.
The corpus-wide run is marked ``slow``; without the corpus it skips, and fails under ``CI``.
Run ``python tests/test_corpus.py`` to rewrite ``docs/CORPUS.md`` with the current result.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, FIXTURES, require_corpus

from kqxl.book import CellChange, patch_workbook, read_workbook
from kqxl.book.sheetxml import excel_serial
from kqxl.cells import CellValue, column_letter
from kqxl.errors import WorkbookError

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "docs" / "CORPUS.md"


@dataclass
class Outcome:
    """The result for one corpus file."""

    name: str
    out: Path | None = None
    sheet: str = ""
    changes: list[CellChange] = field(default_factory=list)
    refused: str = ""  # a clear refusal (WorkbookError) with its message
    damage: str = ""  # anything else: a defect


def corpus_files(folder: Path = CORPUS) -> list[Path]:
    """The workbooks in ``folder`` (the .bin/.txt files beside them in the corpus are not)."""
    return sorted(p for p in folder.iterdir() if p.suffix in (".xlsx", ".xlsm"))


def plan_changes(
    sheet: str, grid_rows: list[list[CellValue]], first_row: int, first_col: int
) -> list[CellChange]:
    """Two appended rows of every kind of value, and one existing cell overwritten."""
    last = first_row + len(grid_rows) - 1 if grid_rows else 0
    n = last + 1
    changes = [
        CellChange(sheet, n, 1, "=cmd|' /c calc'!A1"),
        CellChange(sheet, n, 2, 12345.5),
        CellChange(sheet, n, 3, dt.date(2024, 5, 3)),
        CellChange(sheet, n, 4, True),
        CellChange(sheet, n, 5, "客户 甲"),
        CellChange(sheet, n + 1, 1, "@SUM(1)"),
        CellChange(sheet, n + 1, 2, -7),
        CellChange(sheet, n + 1, 3, "+1"),
        CellChange(sheet, n + 1, 4, '=HYPERLINK("http://x")', highlight=True),
    ]
    for i, row in enumerate(grid_rows):
        for j, value in enumerate(row):
            if value is not None:
                changes.append(
                    CellChange(sheet, first_row + i, first_col + j, "-x 改", highlight=True)
                )
                return changes
    return changes


def patch_one(src: Path, out_dir: Path) -> Outcome:
    """Patch one workbook into ``out_dir`` and check it with kqxl's own reader."""
    outcome = Outcome(src.name)
    try:
        book = read_workbook(src)
        if not book.sheets:
            outcome.refused = "no worksheet"
            return outcome
        sheet, grid = next(iter(book.sheets.items()))
        outcome.sheet = sheet
        outcome.changes = plan_changes(sheet, grid.rows, grid.first_row, grid.first_col)
        out = out_dir / src.name
        report = patch_workbook(src, outcome.changes, out=out)
    except WorkbookError as exc:
        outcome.refused = str(exc)
        return outcome
    outcome.out = out
    problems = compare_members(src, out, set(report.parts))
    back = read_workbook(out, sheets=[sheet]).sheets[sheet]
    for ch in outcome.changes:
        got = back.value(ch.row, ch.col)
        if got != ch.value or type(got) is not type(ch.value):
            problems.append(f"{column_letter(ch.col)}{ch.row}: {got!r} != {ch.value!r}")
    outcome.damage = "; ".join(problems)
    return outcome


def compare_members(src: Path, out: Path, rewritten: set[str]) -> list[str]:
    """Every member not reported as rewritten: same name, order, bytes, compressed bytes.

    A reported part may also be gone (an emptied calcChain.xml is removed: Excel calls an empty
    one damage); nothing unreported may disappear.
    """
    problems = []
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        names_b = b.namelist()
        kept = set(names_b)
        names_a = [n for n in a.namelist() if n in kept or n not in rewritten]
        if names_b[: len(names_a)] != names_a:
            problems.append("member names or order changed")
        if set(names_b[len(names_a) :]) - rewritten:
            problems.append("unexpected new members")
        for info in a.infolist():
            if info.filename in rewritten:
                continue
            other = b.getinfo(info.filename)
            if a.read(info) != b.read(other):
                problems.append(f"{info.filename} differs")
            elif (info.CRC, info.compress_size, info.compress_type) != (
                other.CRC,
                other.compress_size,
                other.compress_type,
            ):
                problems.append(f"{info.filename} recompressed")
    return problems


def lo_expected(value: CellValue, date1904: bool) -> tuple[str, Any]:
    """What LibreOffice's probe shows for a value kqxl wrote."""
    if isinstance(value, bool):
        return "FORMULA", 1.0 if value else 0.0  # LibreOffice keeps booleans as =TRUE()
    if isinstance(value, int | float):
        return "VALUE", float(value)
    if isinstance(value, dt.date):
        return "VALUE", excel_serial(value, date1904)
    return "TEXT", value


def lo_check(results: list[dict[str, Any]], outcomes: list[Outcome]) -> list[str]:
    """Problems seen by LibreOffice, one line per file."""
    problems = []
    by_path = {r["path"]: r for r in results}
    for outcome in outcomes:
        result = by_path[str(outcome.out)]
        if not result["ok"]:
            problems.append(f"{outcome.name}: LibreOffice: {result['error']}")
            continue
        sheet = next((s for s in result["sheets"] if s["name"] == outcome.sheet), None)
        if sheet is None:
            problems.append(f"{outcome.name}: LibreOffice lost sheet {outcome.sheet}")
            continue
        date1904 = read_workbook(outcome.out, sheets=[outcome.sheet]).date1904  # type: ignore[arg-type]
        for ch in outcome.changes:
            ref = f"{column_letter(ch.col)}{ch.row}"
            cell = sheet["cells"].get(ref)
            kind, value = lo_expected(ch.value, date1904)  # type: ignore[arg-type]
            if cell is None or cell["type"] != kind or cell["value"] != value:
                problems.append(
                    f"{outcome.name}: LibreOffice shows {ref} as {cell!r}, "
                    f"expected {kind} {value!r}"
                )
    return problems


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    folder = require_corpus()
    out_dir = tmp_path_factory.mktemp("corpus")
    return [patch_one(src, out_dir) for src in corpus_files(folder)]


@pytest.fixture(scope="module")
def fixtures_run(tmp_path_factory: pytest.TempPathFactory) -> list[Outcome]:
    out_dir = tmp_path_factory.mktemp("fixtures")
    return [patch_one(src, out_dir) for src in corpus_files(FIXTURES)]


def test_every_fixture_is_patched_with_every_other_part_kept(fixtures_run: list[Outcome]) -> None:
    assert len(fixtures_run) >= 5
    for outcome in fixtures_run:
        assert outcome.out is not None, f"{outcome.name} refused: {outcome.refused}"
        assert not outcome.damage, f"{outcome.name}: {outcome.damage}"
        # two new rows, and the first non-empty cell overwritten (image01's sheet has none)
        assert len(outcome.changes) == (9 if outcome.name == "image01.xlsx" else 10)


@pytest.mark.libreoffice
def test_libreoffice_opens_every_patched_fixture(
    fixtures_run: list[Outcome], libreoffice: Any
) -> None:
    patched = [o for o in fixtures_run if o.out and not o.damage]
    assert len(patched) == len(fixtures_run)
    results = libreoffice([o.out for o in patched], max_rows=200, max_cols=64, timeout=60)
    assert lo_check(results, patched) == []


@pytest.mark.slow
def test_every_file_is_patched_or_refused_with_a_reason(corpus_run: list[Outcome]) -> None:
    damaged = [f"{o.name}: {o.damage}" for o in corpus_run if o.damage]
    passed = [o for o in corpus_run if o.out and not o.damage]
    refused = [f"{o.name}: {o.refused}" for o in corpus_run if o.refused]
    print(
        f"\ncorpus: {len(passed)} of {len(corpus_run)} patched and read back exactly; "
        f"{len(refused)} refused"
    )
    for line in refused:
        print("  refused", line)
    assert not damaged, "\n".join(damaged)
    assert len(corpus_run) >= 900
    assert len(passed) + len(refused) == len(corpus_run)
    assert len(passed) >= 0.95 * len(corpus_run)


@pytest.mark.slow
@pytest.mark.libreoffice
def test_libreoffice_opens_every_patched_file(corpus_run: list[Outcome], libreoffice: Any) -> None:
    patched = [o for o in corpus_run if o.out and not o.damage]
    results = libreoffice([o.out for o in patched], max_rows=20_000, max_cols=64, timeout=60)
    problems = lo_check(results, patched)
    print(
        f"\nLibreOffice: {len(patched) - len(problems)} of {len(patched)} open with the "
        f"patched values"
    )
    assert not problems, "\n".join(problems[:50])


def write_report() -> int:
    """Run the corpus (with LibreOffice when present) and rewrite docs/CORPUS.md."""
    import tempfile

    from libreoffice import lo_available, lo_inspect

    if not CORPUS.is_dir():
        print(f"Excel corpus not found at {CORPUS} (set KQXL_CORPUS to its folder)")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = [patch_one(src, Path(tmp)) for src in corpus_files()]
        patched = [o for o in outcomes if o.out and not o.damage]
        lo_problems: list[str] = []
        lo_line = "LibreOffice not available: not checked."
        if lo_available():
            results = lo_inspect(
                [o.out for o in patched],
                max_rows=20_000,  # type: ignore[misc]
                max_cols=64,
                timeout=60,
            )
            lo_problems = lo_check(results, patched)
            lo_line = (
                f"LibreOffice 25.2 (one headless process over UNO) opened "
                f"{len(patched) - len(lo_problems)} of {len(patched)} patched files and "
                f"showed every patched value."
            )
    refused = [o for o in outcomes if o.refused]
    damaged = [o for o in outcomes if o.damage]
    lines = [
        "# Corpus result: patching real Excel files",
        "",
        f"`tests/test_corpus.py` walks `../shared/corpus/excel/` ({len(outcomes)} workbooks "
        "saved by Excel: charts, images, text boxes, comments, tables, conditional formats, "
        "data validations, buttons, VBA). In each file's first worksheet it appends two rows "
        "(text starting with `=`, `@`, `+`, a number, a date, a boolean, Chinese text, one "
        "cell highlighted) and overwrites the first non-empty cell with `-x 改` + highlight. "
        "It then checks that every other zip member is byte-identical (uncompressed and "
        "compressed bytes, names and order), that `read_workbook` reads every patched value "
        "back exactly, and that LibreOffice opens the file and shows the same values.",
        "",
        "Regenerate with `.venv/bin/python tests/test_corpus.py`.",
        "",
        "| result | files |",
        "|---|---|",
        f"| patched, other parts identical, values read back exactly | {len(patched)} |",
        f"| refused with a reason | {len(refused)} |",
        f"| damaged | {len(damaged)} |",
        "",
        lo_line,
        "",
    ]
    if lo_problems:
        lines += ["LibreOffice problems:", ""] + [f"- {p}" for p in lo_problems] + [""]
    if refused:
        lines += ["Refused:", ""] + [f"- `{o.name}`: {o.refused}" for o in refused] + [""]
    else:
        lines += ["No file was refused.", ""]
    if damaged:
        lines += ["Damaged (defects):", ""] + [f"- `{o.name}`: {o.damage}" for o in damaged]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 1 if damaged or lo_problems else 0


if __name__ == "__main__":
    raise SystemExit(write_report())
