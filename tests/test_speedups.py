"""kqxl's loops in C (``kqxl/_speedups.c``) do what their Python versions do.

Each caller uses the C part when it was built, else its Python version. The byte scan must give
the same :class:`~kqxl.book.reader.SheetScan` for any bytes: generated windows of cells,
references and markers that are right, odd or hostile, the demo team's workbooks and (slow)
the Excel corpus. The row normaliser must leave any row as the Python loop leaves it, sharing
the same texts; the transpose, the findings made at once, their sort keys and the sieve of
changed cells must give what their Python versions give. Without the module (no compiler at
install) these tests skip, except in CI, where the module must be there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import math
import os
import unicodedata
import zipfile
from collections.abc import Callable
from itertools import islice, zip_longest
from pathlib import Path

import pytest
from conftest import require_corpus
from hypothesis import given, settings
from hypothesis import strategies as st
from test_far_cells import _scan

import kqxl.book.reader as reader
import kqxl.engine.columns as columns
import kqxl.engine.convert as convert
import kqxl.engine.results as results
import kqxl.engine.systems.links as links
import kqxl.engine.validate as validate
from kqxl.book.package import open_package
from kqxl.book.safety import Limits, check_file
from kqxl.cells import CellError
from kqxl.demo import build_team
from kqxl.errors import WorkbookError
from kqxl.rules import load_rules
from kqxl.schema import ColumnType

needs_c = pytest.mark.skipif(
    reader._speedups is None and not os.environ.get("CI"),
    reason="kqxl._speedups was not built here (no C compiler at install)",
)


def test_the_c_part_is_built_in_ci() -> None:
    if not os.environ.get("CI"):
        pytest.skip("checked in CI, where a C compiler is always at hand")
    assert reader._speedups is not None, "setup.py's extension must build where CI runs"
    assert validate._speedups is reader._speedups


def _fields(scan: reader.SheetScan) -> dict[str, object]:
    out = dataclasses.asdict(scan)
    for key in ("max_row", "max_col"):  # the C scan counts no further than 10**18
        out[key] = min(out[key], reader._BIG)
    return out


def _both(windows: list[bytes], prefix: bytes, start: tuple[int, int] = (0, 0)) -> None:
    c, py = reader.SheetScan(*start), reader.SheetScan(*start)
    for window in windows:
        reader._scan_window_c(window, prefix, c)
        reader._scan_window_py(window, prefix, py)
        assert _fields(c) == _fields(py), window


_LETTERS = st.text("ABCXYZabxz", min_size=0, max_size=5)
_DIGITS = st.text("0123456789", min_size=0, max_size=9)
_REF = st.builds(lambda a, d, q: f"{a}{d}{q}", _LETTERS, _DIGITS, st.sampled_from(['"', "", "x"]))
_TAG = st.one_of(
    st.builds(lambda r: f'<c r="{r}><v>1</v></c>', _REF),
    st.builds(lambda r: f'<c r="{r} t="e"><v>#N/A</v></c>', _REF),
    st.builds(lambda r: f'<row r="{r}">', _DIGITS),
    st.sampled_from(
        [
            "</row>",
            "<c>",
            "<c/>",
            '<c t="n" r="A1">',
            "<col/>",
            "<cols>",
            "<cfRule>",
            "<customSheetView/>",
            "<cellWatch/>",
            "<f>1+1</f>",
            "<f t='shared' si='0'/>",
            "<f>",
            "</f>",
            "</f></c>",
            "/></c>",
            "</c>",
            "<v/>",
            "<v />",
            "<v></v>",
            "<v>2</v>",
            "t='e'",
            't="e"',
            '<x:c r="A1">',
            "<x:f>1</x:f></x:c>",
            "<x:v/>",
            "a:c>",
            "a:c ",
            "<is><t>注:c </t></is>",
            "</sheetData>",
        ]
    ),
)


@needs_c
@settings(max_examples=400, deadline=None)
@given(
    tags=st.lists(_TAG, max_size=40),
    cuts=st.lists(st.integers(0, 40), max_size=4),
    prefix=st.sampled_from([b"", b"x:"]),
    start=st.tuples(st.integers(0, 200), st.integers(0, 60)),
)
def test_generated_windows_scan_alike(
    tags: list[str], cuts: list[int], prefix: bytes, start: tuple[int, int]
) -> None:
    # windows end just before a "<", as scan_sheet cuts them
    cut = sorted({k for k in cuts if 0 < k < len(tags)})
    pieces = [tags[i:j] for i, j in zip([0, *cut], [*cut, len(tags)], strict=True)]
    _both(["".join(p).encode() for p in pieces if p], prefix, start)


@needs_c
@pytest.mark.parametrize(
    "window",
    [
        b'<row r="1"><c r="A1"><v>1</v></c><c r="C1"/></row><row r="9"><c r="AB3"/></row>',
        b'<row r="1"><c r="XFD1048576"><v>1</v></c></row>',
        b'<row r="1"><c r="A99999999999999999999999"><v>1</v></c></row>',
        b'<row r="1"><c r="ABCDEFGHIJKLMNOPQ1"><v>1</v></c></row>',
        b'<row r="1"><c r="A0001048577"><v>1</v></c></row>',
        b'<row r="1"><c r="xfd1048576"><v>1</v></c></row>',
        b'<row r="1"><c r="A1" t="e"><f>1/0</f><v/></c></row>',
        b"",
        b"<c",
        b'<c r="',
        b'<c r="A',
        b'<c r="A1',
    ],
)
def test_hostile_and_cut_windows_scan_alike(window: bytes) -> None:
    _both([window], b"")
    _both([window], b"", (100_000, 30))


def test_a_namespace_prefix_too_long_for_c_is_scanned_in_python(tmp_path: Path) -> None:
    p = "p" * 40
    cells = f'<{p}:row r="1"><{p}:c r="XFD1048576"><{p}:v>1</{p}:v></{p}:c></{p}:row>'
    scan = _scan(tmp_path, cells, p)  # no error from the C part
    assert (scan.cells, scan.max_row, scan.max_col) == (1, 1_048_576, 16_384)
    assert not scan.dense


def _worksheet_parts(path: Path) -> list[str]:
    with check_file(path, Limits()) as zf:
        return [s.part for s in open_package(path, zf).sheets if s.part]


def _scan_both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    parts = _worksheet_parts(path)
    with zipfile.ZipFile(path) as zf:
        for part in parts:
            c = reader.scan_sheet(path, zf, part)
            with monkeypatch.context() as m:
                m.setattr(reader, "_speedups", None)
                py = reader.scan_sheet(path, zf, part)
            assert _fields(c) == _fields(py), (path.name, part)
    return len(parts)


@needs_c
def test_the_demo_team_scans_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_team(tmp_path / "team", load_rules(None))
    assert sum(_scan_both_ways(p, monkeypatch) for p in (tmp_path / "team").glob("*.xlsx")) > 10


@needs_c
@pytest.mark.slow
def test_the_excel_corpus_scans_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    compared = 0
    for path in sorted(require_corpus().glob("*.xlsx")):
        try:
            compared += _scan_both_ways(path, monkeypatch)
        except WorkbookError:
            continue  # the corpus holds a few files kqxl refuses on purpose
    assert compared > 900


_CELL = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", "是", "否", "张三", "甲方", "很长的一段文字内容"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 3.5, 1e300, -2.0, 45000.0]),
    st.integers(),
    st.booleans(),
    st.none(),
    st.just(dt.date(2024, 5, 3)),
)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@needs_c
@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.lists(_CELL, max_size=12), max_size=6), cap=st.integers(0, 6))
def test_rows_normalise_alike(rows: list[list[object]], cap: int) -> None:
    short_c: dict[str, str] = {}
    short_py: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as m:
        m.setattr(reader, "_SHARED_TEXT_MAX", cap)  # the table fills up
        for row in rows:
            c = reader._speedups.normalise_row(list(row), short_c, reader._SHARED_TEXT_LEN, cap)
            py = reader._normalised_py(list(row), short_py)
            assert len(c) == len(py) and all(map(_same, c, py)), (row, c, py)
            # a short text is the one object the table keeps, as in Python
            assert [x is short_c.get(x) for x in c if type(x) is str] == [
                x is short_py.get(x) for x in py if type(x) is str
            ]
    assert short_c == short_py


@needs_c
def test_the_normaliser_shares_texts_and_makes_whole_numbers_ints() -> None:
    short: dict[str, str] = {}
    first = reader._normalised(["是", "", 3.0, 2.5, "很长很长很长很长的文字", None], short)
    again = reader._normalised(["".join(["是"]), 7.0], short)
    assert first == ["是", None, 3, 2.5, "很长很长很长很长的文字", None]
    assert type(first[2]) is int and type(again[1]) is int
    assert again[0] is first[0]  # the same object: one per distinct short text
    assert list(short) == ["是"]


@needs_c
@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.one_of(st.lists(_CELL, max_size=7), st.lists(_CELL, max_size=7).map(tuple)),
        max_size=8,
    ),
    width=st.integers(0, 9),
)
def test_rows_turn_into_the_same_columns(rows: list[list[object]], width: int) -> None:
    want = list(islice(zip_longest(*rows, fillvalue=None), width))
    assert reader._speedups.columns(rows, width) == want


@needs_c
def test_the_demo_team_validates_alike_with_and_without_c(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kqxl.api import validate_workbook

    build_team(tmp_path / "team", load_rules(None))
    for path in sorted((tmp_path / "team").glob("*.xlsx")):
        with_c = validate_workbook(path, today=dt.date(2026, 6, 1)).model_dump()
        with monkeypatch.context() as m:
            _without_c(m)
            without = validate_workbook(path, today=dt.date(2026, 6, 1)).model_dump()
        assert with_c == without, path.name


@needs_c
@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(
        st.tuples(st.integers(1, 10**6), st.one_of(st.none(), st.text(max_size=4)), st.booleans()),
        max_size=30,
    )
)
def test_findings_made_at_once_equal_those_made_one_by_one(
    cells: list[tuple[int, str | None, bool]],
) -> None:
    import kqxl.engine.results as results

    codes = ["lenient_value" if yes else "choice_synonym" for _, _, yes in cells]
    rows = [r for r, _, _ in cells]
    values = [v for _, v, _ in cells]
    typed = ["是" if yes else "甲方" for _, _, yes in cells]

    def made() -> list[results.Finding]:
        return results.ColumnFindings("客户", "AD", "了解产品").notices(
            codes, rows, values, typed, "是否"
        )

    with_c = made()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(results, "_speedups", None)
        one_by_one = made()
    assert with_c == one_by_one
    assert [f.model_dump() for f in with_c] == [f.model_dump() for f in one_by_one]
    assert all(
        type(f) is results.Finding and f.model_fields_set == set(results.Finding.model_fields)
        for f in with_c
    )


@needs_c
def test_findings_made_at_once_refuse_columns_of_different_lengths() -> None:
    import kqxl.engine.results as results

    template = {"code": "c", "level": "notice", "sheet": "客户", "row": None, "column": "A"}
    template |= {"header": "h", "value": None, "message": "m"}
    with pytest.raises(ValueError):
        results._new_findings(template, ("row", "value"), ([1, 2], ["a"]))


@needs_c
@settings(max_examples=300, deadline=None)
@given(
    places=st.lists(
        st.tuples(
            st.sampled_from(["客户", "项目", "跟进记录", "说明", "其他"]),
            st.one_of(st.none(), st.integers(1, 1_048_576), st.integers(1, 10**12)),
            st.one_of(st.none(), st.just(""), st.text("ABZabz", min_size=1, max_size=3)),
        ),
        max_size=40,
    )
)
def test_findings_sort_alike_with_and_without_c(
    places: list[tuple[str, int | None, str | None]],
) -> None:
    from kqxl.engine.results import Finding
    from kqxl.schema import SCHEMA

    findings = [
        Finding(code="x", level="notice", sheet=s, row=r, column=c, message=str(i))
        for i, (s, r, c) in enumerate(places)
    ]
    ev = importlib.import_module("kqxl.engine.evaluate")  # the package exports evaluate()
    order = {s.name: i for i, s in enumerate(SCHEMA.sheets)}
    assert reader._speedups.finding_keys(findings, order, len(order)) == ev._keys(findings, order)


class _Placed:
    """A finding's place on an object without an instance dict (read by getattr)."""

    __slots__ = ("column", "row", "sheet")

    def __init__(self, sheet: str, row: int | None, column: str | None) -> None:
        self.sheet, self.row, self.column = sheet, row, column


@needs_c
def test_finding_keys_read_places_with_or_without_an_instance_dict() -> None:
    from kqxl.engine.results import Finding

    places = [("项目", 3, "B"), ("客户", None, None), ("客户", 7, "AA"), ("其他", 2, "")]
    findings = [
        Finding(code="x", level="notice", sheet=s, row=r, column=c, message="")
        for s, r, c in places
    ]
    order = {"客户": 0, "项目": 1}
    keys = reader._speedups.finding_keys(findings, order, 2)
    assert reader._speedups.finding_keys([_Placed(*p) for p in places], order, 2) == keys
    assert sorted(range(4), key=keys.__getitem__) == [1, 2, 0, 3]


_HELD = st.one_of(
    st.none(),
    st.just(""),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.booleans(),
    st.sampled_from(["I级", "是", "30%", " "]),
    st.just(dt.date(2024, 5, 3)),
)


@needs_c
@settings(max_examples=400, deadline=None)
@given(
    rows=st.lists(st.lists(_HELD, max_size=4), max_size=12),
    new=st.lists(_HELD, min_size=12, max_size=12),
    j=st.integers(-1, 4),
)
def test_changed_cells_are_found_alike_with_and_without_c(
    rows: list[list[object]], new: list[object], j: int
) -> None:
    import kqxl.api as api

    new = new[: len(rows)]
    widths = (min(map(len, rows), default=0), max(map(len, rows), default=0))
    with_c = api._changed_rows(rows, widths, j, new)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(api, "_speedups", None)
        without = api._changed_rows(rows, widths, j, new)  # type: ignore[arg-type]
    assert with_c == without


@needs_c
def test_rows_the_c_transpose_does_not_take_are_turned_in_python() -> None:
    from collections import UserList

    from kqxl.cells import SheetGrid
    from kqxl.engine import validate_sheet
    from kqxl.schema import SCHEMA

    sheet = SCHEMA.customers
    headers = [c.header for c in sheet.columns if not c.is_computed]
    row = ["甲公司" if h == "客户名称" else None for h in headers]
    plain = validate_sheet(SheetGrid("客户", [headers, list(row)]), sheet)
    odd = validate_sheet(SheetGrid("客户", [headers, UserList(row)]), sheet)  # type: ignore[list-item]
    assert odd.values["customer_name"] == plain.values["customer_name"] == ["甲公司"]
    assert [f.model_dump() for f in odd.findings] == [f.model_dump() for f in plain.findings]


# --- the row merge of a first recompute (sheetxml.SheetRewriter: new_cells, rewrite_rows) ---

_STYLES = (
    b'<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="0.0%"/></numFmts>'
    b'<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    b"</styleSheet>"
)
_CELL_FORMS = [
    '<c r="{ref}"><v>1</v></c>',
    '<c r="{ref}" s="1"/>',
    '<c r="{ref}" s="2" t="inlineStr"><is><t>旧</t></is></c>',
    '<c r="{ref}"><f>1+1</f><v>2</v></c>',
    '<c r="{ref}"><f t="shared" si="0" ref="{ref}:{ref}">1+1</f><v>2</v></c>',
    '<c r="{ref}"><f t="array" ref="{ref}:{ref}">1+1</f><v>2</v></c>',
    "<c><v>3</v></c>",  # no reference: the cell after the one before
    '<c s="1" r="{ref}"><v>4</v></c>',  # r not first
    '<c r="{ref}" t="e"><v>#N/A</v></c>',
]
_ROW_FORMS = [
    '<row r="{r}"{spans}>{cells}</row>',
    '<row r="{r}"{spans}>{cells}</row>',
    '<row r="{r}"{spans}>{cells}</row>',
    "<row{spans}>{cells}</row>",  # no number: the one after the row before
    '<row spans="1:2" r="{r}">{cells}</row>',
    "<row r='{r}'{spans}>{cells}</row>",
    '<row r="{r}"{spans}/>',
    '<row r="{r}"{spans}>{cells}<extLst/></row>',
    '<row r="{r}"{spans}>{cells}</row>\n  ',
]
_SPANS = ["", "", ' spans="2:4"', " spans='1:3'", ' spans="x"', ' x14ac:dyDescent="0.25"']
_NEW_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["I级", "<&>", " 前后空格 ", "多\n行", "", "KH-0001"]),
    st.text(max_size=6),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
)


@st.composite
def _sheets(draw: st.DrawFn) -> tuple[bytes, list[object], bool, int | None, int]:
    from kqxl.book.sheetxml import Change
    from kqxl.cells import column_letter

    pfx = draw(st.sampled_from(["", "x:"]))
    numbers = sorted(draw(st.sets(st.integers(1, 40), max_size=12)))
    rows = []
    for r in numbers:
        cols = sorted(draw(st.sets(st.integers(1, 12), max_size=5)))
        forms = [
            draw(st.sampled_from(_CELL_FORMS[:3] if draw(st.booleans()) else _CELL_FORMS))
            for _ in cols
        ]
        cells = "".join(
            f.format(ref=f"{column_letter(c)}{r}") for f, c in zip(forms, cols, strict=True)
        )
        row = draw(st.sampled_from(_ROW_FORMS)).format(
            r=r, spans=draw(st.sampled_from(_SPANS)), cells=cells
        )
        rows.append(row)
    body = "".join(rows)
    cols_xml = '<cols><col min="1" max="14" style="1"/></cols>' if draw(st.booleans()) else ""
    xml = f"<worksheet>{cols_xml}<sheetData>{body}</sheetData><mergeCells/></worksheet>"
    if pfx:
        xml = xml.replace("</", "</x:").replace("<", "<x:").replace("<x:/x:", "</x:")
    # changes: a recompute's new columns on most rows (some rows new), a few other cells
    targets = sorted(set(numbers) | draw(st.sets(st.integers(1, 45), max_size=4)))
    new_cols = draw(st.sets(st.integers(1, 14), min_size=1, max_size=4))
    changes: list[object] = []
    for r in targets:
        for c in sorted(new_cols):
            if draw(st.integers(0, 9)):
                changes.append(Change(r, c, draw(_NEW_VALUES), None))
    if draw(st.integers(0, 9)) == 0 and changes:
        first = changes[0]
        changes.append(Change(first.row, first.col, "标记", True))  # type: ignore[attr-defined]
    verify = draw(st.sampled_from([None, 3]))
    return xml.encode(), changes, draw(st.booleans()), verify, draw(st.integers(1, 300))


def _rewrite(
    xml: bytes, changes: list[object], with_styles: bool, verify: int | None, cut: int
) -> tuple[object, ...]:
    from kqxl.book.sheetxml import SheetRewriter
    from kqxl.book.styles import StyleBook

    styles = StyleBook(_STYLES) if with_styles else None
    rewriter = SheetRewriter(
        changes,  # type: ignore[arg-type]
        styles=styles,
        date1904=False,
        verify_rows=verify,
    )
    chunks = iter([xml[i : i + cut] for i in range(0, len(xml), cut)])
    try:
        out = b"".join(rewriter.run(chunks))
    except ValueError as exc:  # refused as the Python merge refuses it
        return (type(exc).__name__, str(exc))
    res = rewriter.result
    return (
        out,
        res.expected,
        res.old_last_row,
        res.new_last_row,
        res.appended_rows,
        res.appended_cols,
        res.formulas_removed,
        styles.render() if styles is not None else None,
    )


@needs_c
@settings(max_examples=500, deadline=None)
@given(case=_sheets())
def test_rows_rewritten_in_c_are_those_python_rewrites(
    case: tuple[bytes, list[object], bool, int | None, int],
) -> None:
    import kqxl.book.sheetxml as sheetxml

    with_c = _rewrite(*case)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(sheetxml, "_speedups", None)
        without = _rewrite(*case)
    assert with_c == without


def _sheets_of(path: Path) -> dict[str, bytes]:
    import re

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")}
    found = next((m for v in parts.values() if (m := re.search(rb"KH-([0-9A-Z]{6})-", v))), None)
    if found is None:
        return parts
    return {n: v.replace(found.group(1), b"<id>") for n, v in parts.items()}  # random per book


@needs_c
def test_the_demo_team_is_recomputed_alike_with_and_without_c(tmp_path: Path) -> None:
    import shutil

    import kqxl.book.sheetxml as sheetxml
    from kqxl.api import recompute_workbook

    paths = build_team(tmp_path / "team", load_rules(None))
    for path in paths:
        written = []
        for name, c in (("c", sheetxml._speedups), ("py", None)):
            copy = tmp_path / name / path.name
            copy.parent.mkdir(exist_ok=True)
            shutil.copy(path, copy)
            with pytest.MonkeyPatch.context() as m:
                m.setattr(sheetxml, "_speedups", c)
                recompute_workbook(copy, today=dt.date(2026, 6, 1), backup=False)
            written.append(_sheets_of(copy))
        assert written[0] == written[1], path.name
        assert len(written[0]) >= 3


@needs_c
def test_rows_the_c_loop_cannot_take_do_not_cost_a_c_call_each() -> None:
    import kqxl.book.sheetxml as sheetxml
    from kqxl.book.sheetxml import Change, SheetRewriter

    real = sheetxml._speedups
    calls = []

    class Counting:
        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def rewrite_rows(self, *args: object) -> tuple[bytes, int]:
            calls.append(1)
            return real.rewrite_rows(*args)  # type: ignore[union-attr, arg-type]

    rows = range(1, 5001)
    body = "".join(
        f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="B{r}"><v>2</v></c></row>' for r in rows
    )
    xml = f"<worksheet><sheetData>{body}</sheetData></worksheet>".encode()
    changes = [Change(r, 2, f"新{r}", None) for r in rows]  # every row replaces its B cell
    with pytest.MonkeyPatch.context() as m:
        m.setattr(sheetxml, "_speedups", Counting())
        out = b"".join(SheetRewriter(changes, styles=None, date1904=False).run(iter([xml])))
    assert len(calls) < 40  # tried again after 1, 2, 4 … rows, not before every row
    assert out.count("新".encode()) == 5000


def _recompute_like(xml: bytes) -> tuple[bytes, list[object]]:
    """The sheet with a column style for columns 40–45 (as kqxl's template gives its computed
    columns), and the changes a first recompute makes there: new cells in every row, texts,
    numbers and blanks."""
    import re

    from kqxl.book.sheetxml import Change, iter_rows

    m = re.search(rb"<(\w+:)?cols>", xml)
    if m is not None:
        col = b"<" + (m.group(1) or b"") + b'col min="40" max="45" style="0"/>'
        xml = xml[: m.end()] + col + xml[m.end() :]
    else:
        m = re.search(rb"<(\w+:)?sheetData\b", xml)
        if m is None:
            return xml, []
        p = m.group(1) or b""
        cols = b"<" + p + b"cols><" + p + b'col min="40" max="45" style="0"/></' + p + b"cols>"
        xml = xml[: m.start()] + cols + xml[m.start() :]
    rows = [r for r, _ in iter_rows([xml])]
    out: list[object] = []
    for k, r in enumerate(rows[:20_000]):
        out += [
            Change(r, 40, f"客户{k}", None),
            Change(r, 41, k * 1.5 if k % 4 else None, None),
        ]
        if k % 5 == 0:
            out.append(Change(r, 45, f"甲{k % 7}", None))
    return xml, out


@needs_c
@pytest.mark.slow
def test_the_excel_corpus_is_rewritten_alike_with_and_without_c() -> None:
    import kqxl.book.sheetxml as sheetxml
    from kqxl.book.sheetxml import SheetRewriter
    from kqxl.book.styles import StyleBook

    compared = 0
    for path in sorted(require_corpus().glob("*.xlsx")):
        try:
            parts = _worksheet_parts(path)
        except WorkbookError:
            continue  # the corpus holds a few files kqxl refuses on purpose
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            styles_xml = zf.read("xl/styles.xml") if "xl/styles.xml" in names else None
            for part in parts:
                if part not in names or zf.getinfo(part).file_size > 8 << 20:
                    continue
                xml, changes = _recompute_like(zf.read(part))
                got = []
                for c in (sheetxml._speedups, None):
                    rewriter = SheetRewriter(
                        changes,  # type: ignore[arg-type]
                        styles=StyleBook(styles_xml) if styles_xml else None,
                        date1904=False,
                        verify_rows=256,
                    )
                    with pytest.MonkeyPatch.context() as m:
                        m.setattr(sheetxml, "_speedups", c)
                        try:
                            out = b"".join(rewriter.run(iter([xml[:70_000], xml[70_000:]])))
                            got.append((out, rewriter.result.expected))
                        except ValueError as exc:
                            got.append((type(exc).__name__, str(exc)))
                assert got[0] == got[1], (path.name, part)
                compared += 1
    assert compared > 900


# --- A column's cells (kqxl.engine.convert, validate, columns) --------------------------------


class _Text(str):
    """A str subclass (some readers give them): never taken for plain text."""


_NAME = st.text(
    st.sampled_from(list("abcXYZ019-_.&()（）【】 \u3000甲乙丙丁有限公司ＡＢｃ１ﾊﾞ①\u0301")),
    max_size=8,
)

_ODD_CELL = st.one_of(
    st.none(),
    st.sampled_from(
        ["", " ", "是", " 否 ", "√", "Y", "x", "#N/A", " #REF! ", "a#b", "##", "无", "-", "暂无"]
    ),
    st.sampled_from(
        ["1,200", "¥1.2万", "3次", "(1,200)", "３０", "2024.5.3", "2024年5月3日", "45000"]
    ),
    st.text(max_size=6),
    st.text(" \t\u3000ab#甲乙ＡＢ１", max_size=5),
    st.integers(-3, 3),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-0.0, 0.0, 1.5, 45000.0, 1e308]),
    st.booleans(),
    st.dates(dt.date(1890, 1, 1), dt.date(2110, 12, 31)),
    st.datetimes(dt.datetime(1899, 12, 31), dt.datetime(2101, 1, 1)),
    st.sampled_from(
        [
            dt.datetime(2100, 12, 31, 23, 59, 59),
            dt.datetime(2100, 12, 31, 23, 59, 59, 1),
            dt.datetime(1900, 1, 1),
            dt.datetime(1899, 12, 31, 23, 59, 59, 999999),
            dt.date(2100, 12, 31),
            dt.date(2101, 1, 1),
            dt.time(12, 30),
        ]
    ),
    st.builds(CellError, st.sampled_from(["#N/A", "#DIV/0!", "#REF!"])),
    st.builds(_Text, st.sampled_from(["是", " a ", "#N/A", ""])),
)


def _without_c(m: pytest.MonkeyPatch) -> None:
    """Every module that uses the C part, as it runs where it was not built."""
    evaluating = importlib.import_module("kqxl.engine.evaluate")  # the package exports evaluate()
    for module in (reader, validate, convert, columns, links, results, evaluating):
        m.setattr(module, "_speedups", None)


def _outcome(call: Callable[[], object]) -> object:
    try:
        return ("value", _plain(call()))
    except Exception as error:  # an exception must be the same one
        return ("raised", type(error))


def _plain(value: object) -> object:
    """Values compared with their types (1 is not 1.0 is not True), NaN equal to NaN."""
    if isinstance(value, (list, tuple)):
        return [type(value), *map(_plain, value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value), *map(_plain, dataclasses.astuple(value))]
    if isinstance(value, float) and math.isnan(value):
        return (float, "nan")
    return (type(value), value)


@needs_c
@settings(max_examples=600, deadline=None)
@given(
    cells=st.lists(_ODD_CELL, max_size=40),
    ctype=st.sampled_from(list(ColumnType)),
    date1904=st.booleans(),
    repeat=st.integers(1, 3),
)
def test_columns_convert_alike_with_and_without_c(
    cells: list[object], ctype: ColumnType, date1904: bool, repeat: int
) -> None:
    """Each converter, the lenient reading after it, the error search of text columns, the
    blank cells and the cells' texts give the same values, bad cells and notices (or raise the
    same error) either way."""
    raw = tuple(cells * repeat)  # a column is a tuple; repeats reach the by-value paths
    choices = convert.choice_map(["甲方", "总包", "是"])

    def run() -> object:
        out, bads = convert.convert_column(raw, ctype, choices, date1904)
        key = "contact_phone" if ctype is ColumnType.TEXT else "x"
        notes, more = validate._read_leniently(raw, out, ctype, key, choices)
        blanks = convert.blank_positions(raw)
        texts = validate._texts_at(raw, range(len(raw)))
        flagged = convert.convert_bool_flagged(raw, validate._LenientYesNo())
        assert flagged[2] == notes.at or ctype is not ColumnType.BOOL
        errors = columns.text_errors(raw)
        # told which cells the conversion did not read as they stood, as validation is
        others: list[int] = []
        told = convert.convert_column(raw, ctype, choices, date1904, others)
        told_notes = validate._read_leniently(raw, told[0], ctype, key, choices, None, others)
        assert _plain((told, told_notes)) == _plain(((out, bads), (notes, more)))
        return out, bads, dataclasses.astuple(notes), more, errors, blanks, texts, flagged

    with_c = _outcome(run)
    with pytest.MonkeyPatch.context() as m:
        _without_c(m)
        without = _outcome(run)
    assert with_c == without


@needs_c
@settings(max_examples=400, deadline=None)
@given(names=st.lists(st.one_of(st.none(), st.text(max_size=8), _NAME), max_size=30))
def test_names_are_keyed_alike_with_and_without_c(names: list[str | None]) -> None:
    with_c = convert.name_keys(names)
    with pytest.MonkeyPatch.context() as m:
        _without_c(m)
        without = convert.name_keys(names)
    assert _plain(with_c) == _plain(without)


def test_the_names_c_keys_itself_are_keyed_as_python_keys_them() -> None:
    """The characters kqxl._speedups.name_keys keys without Python: printable ASCII and the
    CJK unified ideographs. NFKC leaves each alone, casefold changes only the capitals (to
    their lower case), none is white space, and none can follow another in a composition (so
    no string of them is changed by NFKC either)."""
    own = [chr(c) for c in range(0x21, 0x7F)]
    own += [chr(c) for c in range(0x4E00, 0xA000)]
    seconds = set()
    for c in range(0x110000):
        parts = unicodedata.decomposition(chr(c)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    for ch in own:
        assert unicodedata.normalize("NFKC", ch) == ch, ch
        assert ch.casefold() == (ch.lower() if "A" <= ch <= "Z" else ch), ch
        assert not ch.isspace() and ch.split() == [ch], ch
        assert unicodedata.combining(ch) == 0 and ch not in seconds, ch
    text = "".join(own)
    assert unicodedata.normalize("NFKC", text) == text
    assert convert.name_keys([text, "abc", "甲乙", "Abc", "KH-001甲", " 甲 ", ""]) == [
        text.casefold(),
        "abc",
        "甲乙",
        "abc",
        "kh-001甲",
        "甲",
        None,
    ]


@needs_c
def test_plain_cells_in_c_are_what_python_makes_of_them() -> None:
    """The cases the C part settles itself, at their edges."""
    c = convert._speedups
    bounds = (
        dt.date(1900, 1, 1),
        dt.date(2100, 12, 31),
        convert._FIRST_MOMENT,
        convert._LAST_MOMENT,
    )
    other = lambda v: ("python", v)  # noqa: E731
    assert c.convert_cells([1.5, 0.0, -0.0, 3, 0, -1, math.inf, None, True], 0, other, ()) == [
        1.5,
        0.0,
        -0.0,
        3.0,
        0.0,
        ("python", -1),
        ("python", math.inf),
        None,
        ("python", True),
    ]
    others: list[int] = [7]  # appended to, in order
    c.convert_cells([1.5, -1, None, "1.2万", 2], 0, other, (), others)
    assert others == [7, 1, 3]
    late = dt.datetime(2100, 12, 31, 23, 59, 59)
    got = c.convert_cells(
        [late, late + dt.timedelta(microseconds=1), dt.date(1899, 12, 31), "2024-5-3"],
        2,
        other,
        bounds,
    )
    assert got == [
        dt.date(2100, 12, 31),
        ("python", late + dt.timedelta(microseconds=1)),
        ("python", dt.date(1899, 12, 31)),
        ("python", "2024-5-3"),
    ]
    assert type(got[0]) is dt.date
    aware = dt.datetime(2024, 5, 3, tzinfo=dt.timezone.utc)
    with pytest.raises(TypeError):  # as the comprehension's comparison raises
        c.convert_cells([aware], 2, other, bounds)
    assert c.convert_cells([" a ", "", "b", "\u3000", None], 3, other, ()) == [
        "a",
        None,
        "b",
        None,
        None,
    ]
    assert c.text_marks(["a", None, "", 0, "#N/A", "b#"], "#") is None  # a 0 with a "#"
    assert c.text_marks(["a", None, "", 0, False], "#") == []
    assert c.text_marks(["a", 1], "#") is None  # "\0".join would fail
    assert c.where([1, 2, 3, 2], {2}) == [1, 3]
    marker = object()
    assert c.where_is([None, marker, 0, marker, None], marker) == [1, 3]
    assert c.where_is((None, 0, "", None), None) == [0, 3]
    assert c.where_type([1, "a", None], frozenset({str}), True) == [1]


@needs_c
def test_look_up_flags_only_cells_not_blank() -> None:
    """A cell the table reads as blank is never flagged: its flag is not even looked up."""
    c = convert._speedups
    table = {None: None, "": None, "是": True, "√": True, "x": "?"}
    flags = {"是": False, "√": True, "x": True}  # no flag for a blank: a KeyError if asked
    assert c.look_up([None, "√", "", "是", "x"], table, flags) == (
        [None, True, None, True, "?"],
        [1, 4],
    )
    assert c.look_up(["√"], table) == [True]


def test_a_date_cell_past_the_last_moment_is_no_lenient_notice() -> None:
    """A datetime 1 µs into 2101's eve is not plain (past the last moment), so the conversion
    hands it to Python, which reads its date (2100-12-31). It is a date cell all the same: no
    notice, whether validation is told of the cells handed over or scans for them."""
    raw = (dt.datetime(2100, 12, 31, 23, 59, 59, 1), dt.datetime(2100, 12, 31, 23, 59, 59, 1))
    others: list[int] = []
    out, bads = convert.convert_column(raw, ColumnType.DATE, None, False, others)
    assert out == [dt.date(2100, 12, 31)] * 2 and bads == []
    for told in (others, None):
        notes, more = validate._read_leniently(raw, out, ColumnType.DATE, "x", None, None, told)
        assert notes.at == [] and more == []
