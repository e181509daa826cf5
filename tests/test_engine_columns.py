"""Columns converted on first read: the same findings and results as converting every column."""

from __future__ import annotations

import datetime as dt
import random
import sys
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kqxl.cells import CellError, CellValue, SheetGrid, WorkbookGrid
from kqxl.engine import evaluate, validate_sheet
from kqxl.engine.columns import LazyColumns, SlotColumns, text_errors
from kqxl.engine.convert import Bad, choice_map, convert_bool, convert_choice, convert_text
from kqxl.rules import load_rules
from kqxl.schema import SCHEMA, ColumnType

validate_module = sys.modules["kqxl.engine.validate"]

TEXTS = st.sampled_from(
    ["", " ", "甲公司", "  带空格  ", "#N/A", " #REF! ", "#", "a#b", "#VALUE!x", "#DIV/0!", "无"]
)
CELLS = st.one_of(
    TEXTS,
    st.none(),
    st.sampled_from([0, False, True, 3, 2.5, CellError("#N/A"), dt.date(2024, 5, 3)]),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(TEXTS, st.none()), max_size=30))
def test_text_errors_of_text_and_blanks_are_convert_texts(raw: list[str | None]) -> None:
    assert text_errors(raw) == convert_text(raw)[1]


@settings(max_examples=100, deadline=None)
@given(st.lists(CELLS, max_size=30))
@example([False, " #REF! "])  # convert_text reports such a cell stripped
def test_text_errors_either_agrees_or_asks_for_conversion(raw: list[CellValue]) -> None:
    found = text_errors(raw)
    if found is not None:
        assert found == convert_text(raw)[1]
    if any(v.__class__ is CellError or v is True or v == 3 for v in raw):
        assert found is None  # not text: converted as before


CHOICE_CELLS = st.sampled_from([None, "", " ", "甲方", " 甲 方 ", "总包", "业主", "#REF!", "其他"])
# a number among them (1 == 1.0 == True): converted cell by cell
ODD_CELLS = st.sampled_from([1, 1.0, True, 2, CellError("#N/A"), dt.date(2024, 5, 3)])


def _one_by_one(convert: Any, cells: list[CellValue]) -> tuple[list[Any], list[Bad]]:
    each = [convert([v]) for v in cells]  # a single cell is never converted by distinct value
    return [out[0] for out, _ in each], [
        Bad(i, bad.code, bad.raw) for i, (_, bads) in enumerate(each) for bad in bads
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(CHOICE_CELLS, max_size=400), st.lists(ODD_CELLS, max_size=2))
def test_choices_converted_once_per_distinct_value_are_those_of_each_cell(
    cells: list[CellValue], odd: list[CellValue]
) -> None:
    choices = choice_map(["甲方", "总包"])
    choices["业主"] = "甲方"

    def convert(column: list[CellValue]) -> tuple[list[Any], list[Bad]]:
        return convert_choice(column, choices)

    for column in (cells, [*cells, *odd]):
        assert convert(column) == _one_by_one(convert, column)


YES_NO_CELLS = st.sampled_from(
    [None, "", " ", "是", "否", " 是 ", "√", "Y", "n", 1, 0, True, False, 1.0, 2, "也许", "#N/A"]
)


@settings(max_examples=100, deadline=None)
@given(st.lists(YES_NO_CELLS, max_size=60))
def test_yes_no_notices_are_those_of_each_cell(cells: list[CellValue]) -> None:
    out, _ = convert_bool(cells)
    notes, _ = validate_module._read_leniently(cells, list(out), ColumnType.BOOL, "x", None)
    plain = {None, "", "是", "否"}
    expected = [
        i
        for i, v in enumerate(cells)
        if out[i] is not None and v not in plain and not (isinstance(v, str) and v.strip() in plain)
    ]
    assert notes.at == expected
    assert notes.typed == ["是" if out[i] else "否" for i in expected]


def test_lazy_columns_behave_as_the_dict_they_replace() -> None:
    calls: list[str] = []

    def later(key: str, column: list[Any]) -> Any:
        def make() -> list[Any]:
            calls.append(key)
            return column

        return make

    eager = {"a": [1], "b": ["x"], "c": [None], "d": ["y"]}
    lazy = LazyColumns(
        {"a": [1], "c": [None]},
        {"b": later("b", ["x"]), "d": later("d", ["y"])},
        ["a", "b", "c", "d"],
    )
    assert "b" in lazy and "z" not in lazy and len(lazy) == 4
    assert calls == []  # asking is not reading
    assert lazy["d"] == ["y"] and calls == ["d"]
    assert lazy.get("b") == ["x"] and lazy.get("z", 5) == 5 and calls == ["d", "b"]
    with pytest.raises(KeyError):
        lazy["z"]
    assert list(lazy) == list(eager)  # the schema's order, not the order of reading
    assert lazy == eager and dict(lazy) == eager and {**lazy} == eager
    assert calls == ["d", "b"]  # each converted once


def test_slot_columns_fetch_only_what_is_read() -> None:
    read: list[str] = []
    lazy = LazyColumns({}, {k: (lambda k=k: read.append(k) or [k]) for k in "abc"}, "abc")
    cols = SlotColumns(lazy, ["a", "b", "c"], [["derived"]])
    assert len(cols) == 4
    assert cols[1] == ["b"] and cols[-1] == ["derived"] and read == ["b"]
    assert cols[0:2] == [["a"], ["b"]] and read == ["b", "a"]


def test_an_unread_text_column_is_not_converted() -> None:
    sheet = SCHEMA.customers
    rows: list[list[CellValue]] = [[c.header for c in sheet.columns if not c.is_computed]]
    at = {c.key: i for i, c in enumerate(c for c in sheet.columns if not c.is_computed)}
    for i in range(3):
        row: list[CellValue] = [None] * len(rows[0])
        row[at["customer_name"]] = f"客户{i}"
        row[at["interests"]] = f"  爱好{i} "
        row[at["manager_note"]] = " #N/A " if i == 1 else "备注"
        rows.append(row)
    data = validate_sheet(SheetGrid(sheet.name, rows), sheet)
    assert isinstance(data.values, LazyColumns)
    assert "interests" in data.values._deferred  # only searched for error values
    errors = [(f.code, f.row, f.header) for f in data.findings if f.code == "error_value"]
    assert errors == [("error_value", 3, "经理批注")]
    assert data.values["interests"] == ["爱好0", "爱好1", "爱好2"]
    assert data.values["manager_note"] == ["备注", None, "备注"]


def _generated_book(n: int, seed: int) -> WorkbookGrid:
    """Both sheets with every column filled from a mix of good, odd and bad values."""
    rng = random.Random(seed)
    odd: dict[ColumnType, list[CellValue]] = {
        ColumnType.TEXT: ["文本", "  带空格 ", "", "#N/A", " #REF! ", "a#b", 12, 3.5, True],
        ColumnType.INTEGER: [3, "5次", "很多", 2.0, -1, CellError("#N/A")],
        ColumnType.MONEY: [1200.0, "1.2万", "一百万", -5, 0],
        ColumnType.PERCENT: [0.5, "50%", "x"],
        ColumnType.DATE: [dt.datetime(2024, 5, 3), "2024.5.3", "下周三", 45000.0],
        ColumnType.BOOL: ["是", "否", "√", "Y", "也许", 1, None],
    }
    sheets = {}
    for sheet in SCHEMA.sheets:
        cols = [c for c in sheet.columns if not c.is_computed]
        rows: list[list[CellValue]] = [[c.header for c in cols]]
        for i in range(n):
            row: list[CellValue] = []
            for c in cols:
                if c.key == sheet.name_column:
                    row.append(f"{sheet.name}{i % (n - 3)}")  # a few duplicates
                elif c.type is ColumnType.CHOICE:
                    row.append(rng.choice([*c.choices, None, "别的"]))
                elif rng.random() < 0.5:
                    row.append(None)
                elif c.type is ColumnType.TEXT and rng.random() < 0.9:
                    row.append(f"{c.header}{rng.randint(0, 50)}")  # most text columns: text
                else:
                    row.append(rng.choice(odd[c.type]))
            rows.append(row)
        sheets[sheet.name] = SheetGrid(sheet.name, rows)
    return WorkbookGrid("generated.xlsx", sheets)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_results_are_those_of_converting_every_column(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Differential: the engine as it was (every text column converted up front) and as it is."""
    book, rules, today = _generated_book(300, seed), load_rules(), dt.date(2024, 6, 1)
    lazy = evaluate(book, rules, today)
    monkeypatch.setattr(validate_module, "text_errors", lambda raw: None)
    eager = evaluate(book, rules, today)
    assert lazy.findings  # the generated sheets hold bad cells of every kind
    assert lazy.model_dump() == eager.model_dump()
