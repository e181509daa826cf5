"""The worksheet functions return the engine's values; a table in one call equals row by row.

Tables come from the sample team's master, through the recording stand-in for an xlwings book
(ranges with their positions, as Excel passes them with ``@xw.arg(..., "range")``), and as
plain lists (the functions called as Python).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from fake_xlwings import FakeBook, FakeRange, FakeSheet

from kqxl.api import JOINER, REF_SEPARATOR
from kqxl.cells import Percent, SheetGrid, WorkbookGrid
from kqxl.engine import evaluate, explanation_text
from kqxl.excel import udfs
from kqxl.excel.book import from_excel
from kqxl.rules import load_rules
from kqxl.texts import EXCEL, LABELS

HEADER_ROW = 2  # row 1 of the template holds the column groups


@pytest.fixture
def book(team_dir: Path, tmp_path: Path) -> FakeBook:
    target = tmp_path / "团队总表.xlsx"
    shutil.copy(team_dir / target.name, target)
    return FakeBook(target)


def _table(sheet: FakeSheet) -> FakeRange:
    used = sheet.used_range
    return sheet.range((HEADER_ROW, 1), (used.last_row, used.last_column))


def _plain(rng: FakeRange) -> list[list[Any]]:
    return [list(r) for r in rng.options(ndim=2).value]


def _engine(rows: list[list[Any]], sheet: str, customers: list[list[Any]] | None = None) -> Any:
    """The engine's result for the table alone (a list of rows: its header is row 1)."""
    grids = {sheet: SheetGrid(sheet, [[from_excel(v) for v in r] for r in rows])}
    if customers is not None:
        grids["客户"] = SheetGrid("客户", [[from_excel(v) for v in r] for r in customers])
    return evaluate(WorkbookGrid("", grids), load_rules(None), dt.date.today())


def _column(result: Any, sheet: str, n: int, read: Any) -> list[Any]:
    by_row = {r.row: r for r in result.sheet(sheet)}
    return [read(by_row[r]) if r in by_row else "" for r in range(2, 2 + n)]


def _checks(result: Any, sheet: str, n: int) -> list[str]:
    out = []
    for r in range(2, 2 + n):
        items = [
            (LABELS["notice_prefix"] if f.level == "notice" else "")
            + (f"{f.column}{f.row}{REF_SEPARATOR}{f.message}" if f.column else f.message)
            for f in result.findings
            if f.sheet == sheet and f.row == r
        ]
        out.append(JOINER.join(items))
    return out


def _flat(spilled: list[list[Any]]) -> list[Any]:
    assert all(len(r) == 1 for r in spilled)
    return [r[0] for r in spilled]


def test_grade_why_next_check_are_the_engines_every_level_blank_and_finding(
    book: FakeBook,
) -> None:
    sheet = book.sheets["客户"]
    rows = _plain(_table(sheet))
    # a blank row and a row with a bad value among the sample's
    width = len(rows[0])
    bad = list(rows[1])
    bad[rows[0].index("客户类型")] = "乙方"
    rows = [*rows, [None] * width, bad]
    n = len(rows) - 1
    result = _engine(rows, "客户")
    grades = _flat(udfs.KQ_GRADE(rows))
    assert grades == _column(result, "客户", n, lambda r: r["grade"])
    assert {"未评级", "I级", "II级", "III级", "IV级"} <= set(grades)  # every level
    assert grades[-2] == ""  # the blank row
    why = _flat(udfs.KQ_WHY(rows))
    assert why == _column(result, "客户", n, lambda r: explanation_text(r["grade_reasons"]) or "")
    gaps = _flat(udfs.KQ_NEXT(rows))
    assert gaps == _column(
        result, "客户", n, lambda r: explanation_text(r["grade_gaps"], LABELS["all_met"]) or ""
    )
    assert LABELS["all_met"] in gaps and any(g.startswith("I级：") for g in gaps)
    checks = _flat(udfs.KQ_CHECK(rows))
    assert checks == _checks(result, "客户", n)
    assert checks[-1].startswith("B") or "乙方" in checks[-1]  # the finding of the bad row
    assert checks[-2] == ""


def test_heat_is_the_engines_with_the_customers_grades(book: FakeBook) -> None:
    projects = _plain(_table(book.sheets["项目"]))
    customers = _plain(_table(book.sheets["客户"]))
    n = len(projects) - 1
    result = _engine(projects, "项目", customers)
    heat = _flat(udfs.KQ_HEAT(projects, None, customers))
    assert heat == _column(result, "项目", n, lambda r: Percent(r["heat"]))
    assert all(isinstance(h, Percent) for h in heat) and len(set(heat)) >= 3
    why = _flat(udfs.KQ_WHY(projects, None, customers))
    assert why == _column(result, "项目", n, lambda r: explanation_text(r["heat_reasons"]) or "")
    # without the customers no grade is known: a different, lower heat somewhere
    assert _flat(udfs.KQ_HEAT(projects)) != heat


@pytest.mark.parametrize("name", ["KQ_GRADE", "KQ_WHY", "KQ_NEXT", "KQ_CHECK"])
def test_whole_table_equals_row_by_row_on_live_ranges(book: FakeBook, name: str) -> None:
    udf = getattr(udfs, name)
    sheet = book.sheets["客户"]
    table = _table(sheet)
    whole = _flat(udf(table))
    header = sheet.range((HEADER_ROW, 1), (HEADER_ROW, table.last_column))
    one_by_one = [
        udf(header, sheet.range((r, 1), (r, table.last_column)))
        for r in range(HEADER_ROW + 1, table.last_row + 1)
    ]
    if name != "KQ_CHECK":
        assert whole == one_by_one
        return
    # a row alone cannot repeat another: only the whole table finds duplicates
    differ = [i for i, (a, b) in enumerate(zip(whole, one_by_one, strict=True)) if a != b]
    for i in differ:
        alone = JOINER.join(p for p in whole[i].split(JOINER) if "重复" not in p)
        assert "重复" in whole[i] and one_by_one[i] == alone
    assert len(differ) < len(whole) // 4
    # findings name the cells where they are on the sheet (the sample's 拜访次数 五次 in U4)
    assert any(c.startswith("U4" + REF_SEPARATOR) for c in whole)


def test_heat_of_a_live_range_reads_the_books_customers(book: FakeBook) -> None:
    table = _table(book.sheets["项目"])
    customers = _table(book.sheets["客户"])
    assert udfs.KQ_HEAT(table) == udfs.KQ_HEAT(table, None, customers)


def test_rules_are_parsed_once_per_book_and_content(
    book: FakeBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    udfs.RULES_CACHE.clear()
    parsed: list[str] = []
    real = udfs.read_rules_sheet

    def counting(grid: Any, path: str) -> Any:
        parsed.append(path)
        return real(grid, path)

    monkeypatch.setattr(udfs, "read_rules_sheet", counting)
    table = _table(book.sheets["客户"])
    first = udfs.KQ_GRADE(table)
    assert udfs.KQ_GRADE(table) == first
    assert len(parsed) == 1  # the second recalculation found the rules in the cache
    # the 规则 sheet changes: parsed again, and the grades follow the new rules
    rules = book.sheets["规则"]
    for key, value in list(rules.cells.items()):
        if key[1] == 1 and isinstance(value, str) and "拜访次数 >= 3" in value:
            rules.cells[key] = value.replace("拜访次数 >= 3", "拜访次数 >= 300")
    changed = udfs.KQ_GRADE(table)
    assert len(parsed) == 2 and changed != first


def test_a_broken_rules_sheet_is_a_message_in_the_cell(book: FakeBook) -> None:
    udfs.RULES_CACHE.clear()
    rules = book.sheets["规则"]
    for key, value in list(rules.cells.items()):
        if key[1] == 1 and isinstance(value, str) and ">= 3" in value:
            rules.cells[key] = value.replace(">= 3", ">=>= 3")
    out = udfs.KQ_GRADE(_table(book.sheets["客户"]))
    assert isinstance(out, str) and "规则" in out


def test_the_function_wizard_texts_are_chinese_from_the_catalogue() -> None:
    assert udfs.KQ_GRADE.__doc__ == EXCEL["udf_grade"]
    assert udfs.KQ_CHECK.__doc__ == EXCEL["udf_check"]
    assert udfs.KQ_HEAT_OLD.__doc__ == EXCEL["udf_heat"] + EXCEL["udf_legacy"]
    assert udfs.KQ_GRADE.__name__ == "KQ_GRADE"


def test_legacy_twins_give_the_same_values(book: FakeBook) -> None:
    table = _table(book.sheets["客户"])
    assert udfs.KQ_GRADE_OLD(table) == udfs.KQ_GRADE(table)
    assert udfs.KQ_CHECK_OLD(table) == udfs.KQ_CHECK(table)


def test_core_does_not_import_xlwings() -> None:
    import subprocess
    import sys

    code = "import sys, kqxl, kqxl.api, kqxl.cli; print('xlwings' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
