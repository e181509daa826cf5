"""Change sets kept compactly: the recompute plan column-wise, the writer's per sheet."""

from __future__ import annotations

import pytest

from kqxl.api import CellColumns
from kqxl.book import CellChange
from kqxl.book.sheetxml import KEEP, Change, SheetChanges, SheetRewriter, sample_rows


def test_cell_columns_read_as_the_cell_changes_they_hold() -> None:
    plan = CellColumns([CellChange("设置", 1, 2, "x")])
    rows, values = plan.column("客户", 7)
    rows += [4, 5, 9]
    values += ["A级", None, 3]
    plan.extend([CellChange("看板", 2, 2, 1.5, highlight=True)])
    plan.extend(CellColumns())  # an empty plan adds nothing
    expected = [
        CellChange("设置", 1, 2, "x"),
        CellChange("客户", 4, 7, "A级"),
        CellChange("客户", 5, 7, None),
        CellChange("客户", 9, 7, 3),
        CellChange("看板", 2, 2, 1.5, True),
    ]
    assert list(plan) == expected
    assert len(plan) == 5
    assert [plan[i] for i in range(5)] == expected
    assert plan[-1] == expected[-1] and plan[1:3] == expected[1:3]
    with pytest.raises(IndexError):
        plan[5]


def test_sheet_changes_keep_values_and_marks_as_changes_did() -> None:
    changes = SheetChanges(
        [
            Change(3, 2, "a", None),
            Change(3, 2, KEEP, True),  # a mark on a cell that gets a value keeps the value
            Change(4, 1, "b", True),
            Change(4, 1, "c", None),  # the last change of a cell wins, mark and all
            Change(5, 5, KEEP, False),  # a mark alone
            Change(6, 1, "d", True),
            Change(6, 1, KEEP, None),  # KEEP without a mark changes nothing
        ]
    )
    assert changes.of_row(3) == {2: Change(3, 2, "a", True)}
    assert changes.of_row(4) == {1: Change(4, 1, "c", None)}
    assert changes.of_row(5) == {5: Change(5, 5, KEEP, False)}
    assert changes.of_row(6) == {1: Change(6, 1, "d", True)}
    assert changes.of_row(7) is None
    assert len(changes) == 4 and changes


def test_the_rewriter_keeps_what_it_wrote_only_for_the_rows_verification_reads() -> None:
    rows = list(range(2, 1002))
    changes = [Change(r, 1, f"v{r}", None) for r in rows]
    body = "".join(f'<row r="{r}"><c r="B{r}"><v>1</v></c></row>' for r in rows)
    xml = f"<worksheet><sheetData>{body}</sheetData></worksheet>".encode()
    rewriter = SheetRewriter(changes, styles=None, date1904=False, verify_rows=10)
    b"".join(rewriter.run(iter([xml])))
    kept = sorted({r for r, _c in rewriter.result.expected})
    assert kept == sorted(sample_rows(rows, 10) or ())
    assert len(kept) == 10 and kept[0] == 2 and kept[-1] == 1001
    assert rewriter.result.cells_changed == 1000
    everything = SheetRewriter(changes, styles=None, date1904=False)
    b"".join(everything.run(iter([xml])))
    assert len(everything.result.expected) == 1000
