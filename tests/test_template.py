"""The templates: structure read back with openpyxl, then what LibreOffice sees over UNO."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import sheet_of
from openpyxl.worksheet.worksheet import Worksheet

from kqxl.book.settings import SETTINGS_SHEET, Settings, read_settings
from kqxl.book.template import (
    CJK_FONT,
    DATA_ROW_HEIGHT,
    FIRST_DATA_ROW,
    HEADLINE_KEYS,
    LAST_FORMATTED_ROW,
    MASTER_FILE,
    PRINT_WIDTH_PER_PAGE,
    REP_FILE,
    build_template,
    init_folder,
    pages_across,
    template_columns,
    write_template,
)
from kqxl.cells import CellError, SheetGrid, column_letter
from kqxl.errors import KqxlError, SchemaError
from kqxl.rules import Rules, describe_rules, load_rules
from kqxl.rules.io import rules_fingerprint
from kqxl.rules.sheet import read_rules_sheet
from kqxl.schema import SCHEMA, TEMPLATE_VERSION, ColumnType, Group, Sheet
from kqxl.texts import LABELS

Inspect = Callable[..., list[dict[str, Any]]]
GRADE_HEADERS = {"客情等级", "甲方等级", "总包等级"}


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(None)


@pytest.fixture(scope="module")
def rep_path(rules: Rules, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tpl")
    return write_template(folder / REP_FILE, "rep", rules, rep_name="张三")


@pytest.fixture(scope="module")
def rep(rep_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(rep_path)


def _headers(sheet: Sheet) -> tuple[str, ...]:
    """The headers in the order the templates lay them out."""
    return tuple(c.header for c in template_columns(sheet))


def _ws(wb: openpyxl.Workbook, sheet: Sheet) -> Worksheet:
    ws = wb[sheet.name]
    assert isinstance(ws, Worksheet)
    return ws


def _validation_for(ws: Worksheet, letter: str) -> Any:
    found = [
        dv
        for dv in ws.data_validations.dataValidation
        if f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_FORMATTED_ROW}" in str(dv.sqref).split()
    ]
    assert len(found) == 1, f"{ws.title}!{letter}: {len(found)} validations"
    return found[0]


# ------------------------------------------------------------------ openpyxl: structure


def test_sheets_and_document_properties(rep: openpyxl.Workbook) -> None:
    assert rep.sheetnames == [
        "客户",
        "项目",
        "跟进记录",
        "投诉",
        "自评",
        LABELS["sheet_readme"],
        LABELS["sheet_rules"],
        SETTINGS_SHEET,
        "看板",  # the rep's small 看板, filled by recompute
    ]
    props = {p.name: p.value for p in rep.custom_doc_props.props}
    assert props == {"kqxl.template": "rep", "kqxl.version": TEMPLATE_VERSION}
    assert rep.properties.title == "客户跟进表（张三）"


@pytest.mark.parametrize("sheet", SCHEMA.sheets, ids=lambda s: s.name)
def test_headers_groups_and_widths_come_from_the_schema(
    rep: openpyxl.Workbook, sheet: Sheet
) -> None:
    ws = _ws(rep, sheet)
    assert tuple(c.value for c in ws[2][: len(sheet.columns)]) == _headers(sheet)
    assert ws.cell(2, len(sheet.columns) + 1).value is None
    merged = {str(m) for m in ws.merged_cells.ranges}
    first = 1
    for i, col in enumerate(template_columns(sheet), start=1):
        assert ws.column_dimensions[column_letter(i)].width >= round(col.width, 1)
        if i < len(sheet.columns) and template_columns(sheet)[i].group is col.group:
            continue  # the group goes on
        title = ws.cell(1, first).value
        assert isinstance(title, str) and title.startswith(col.group.value)
        if i > first:
            assert f"{column_letter(first)}1:{column_letter(i)}1" in merged
        first = i + 1
    computed_titles = [
        str(ws.cell(1, i).value)
        for i, c in enumerate(template_columns(sheet), start=1)
        if c.group is Group.COMPUTED and ws.cell(1, i).value
    ]
    # the results beside the name and the long texts at the end: two runs, the hint over one
    # (a log sheet has no headline result beside its name: one run)
    headline = any(c.key in HEADLINE_KEYS for c in sheet.columns)
    assert len(computed_titles) == (2 if headline else 1)
    assert all(t.startswith("计算结果") for t in computed_titles)
    # the hint needs room: a log's lone 校验 column shows the group's name only
    assert any(LABELS["group_row_hint"] in t for t in computed_titles) or not headline
    assert ws.freeze_panes == "C3"
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A2:")
    assert ws.print_title_rows == "$1:$2"


WITH_CHOICES = [s for s in SCHEMA.sheets if any(c.choices for c in s.columns)]
WITH_SCALES = [
    s
    for s in SCHEMA.sheets
    if any(c.header in GRADE_HEADERS or c.type is ColumnType.PERCENT for c in s.columns)
]


def test_sheets_without_dropdowns_or_scales_are_only_the_self_assessment() -> None:
    # the parametrized checks below leave out only the sheets that have nothing to check
    assert {s.name for s in SCHEMA.sheets} - {s.name for s in WITH_CHOICES} == {"自评"}
    assert {s.name for s in WITH_SCALES} == {"客户", "项目"}


@pytest.mark.parametrize("sheet", WITH_CHOICES, ids=lambda s: s.name)
def test_every_choice_and_bool_column_has_a_dropdown(rep: openpyxl.Workbook, sheet: Sheet) -> None:
    ws = _ws(rep, sheet)
    with_choices = [(i, c) for i, c in enumerate(template_columns(sheet), start=1) if c.choices]
    assert any(c.type is ColumnType.BOOL for _, c in with_choices)
    for i, col in with_choices:
        dv = _validation_for(ws, column_letter(i))
        assert dv.type == "list"
        assert dv.formula1 == '"' + ",".join(col.choices) + '"'
        assert dv.showErrorMessage and col.header in dv.error and dv.errorTitle
        assert not dv.showDropDown  # the attribute is inverted: False shows the arrow
    assert len(ws.data_validations.dataValidation) == len(with_choices)


@pytest.mark.parametrize("sheet", SCHEMA.sheets, ids=lambda s: s.name)
def test_formats_fonts_and_locking(rep: openpyxl.Workbook, sheet: Sheet) -> None:
    ws = _ws(rep, sheet)
    expected_formats = {
        ColumnType.DATE: "yyyy-mm-dd",
        ColumnType.MONEY: "#,##0.00",
        ColumnType.INTEGER: "0",
        ColumnType.PERCENT: "0%",
    }
    for i, col in enumerate(template_columns(sheet), start=1):
        dim = ws.column_dimensions[column_letter(i)]
        if col.type in expected_formats:
            assert dim.number_format == expected_formats[col.type], col.header
        assert dim.protection.locked is col.is_computed, col.header
        # Every column names its CJK font; nothing is slanted.
        assert dim.font.name == CJK_FONT and not dim.font.i, col.header
        assert ws.cell(2, i).font.name == CJK_FONT and not ws.cell(2, i).font.i
        if col.is_computed:
            assert dim.fill.fgColor.rgb.endswith("EDEDED")
        assert ws.cell(2, i).protection.locked  # headers stay locked
    # Not protected: a rep deletes a duplicate row, sorts and inserts columns as anywhere else.
    assert not ws.protection.sheet
    assert rep._fonts[0].name == CJK_FONT  # the workbook's default font, for cells never styled


@pytest.mark.parametrize("sheet", SCHEMA.sheets, ids=lambda s: s.name)
def test_protect_keeps_the_earlier_protection(rules: Rules, sheet: Sheet) -> None:
    ws = _ws(build_template("rep", rules, protect=True), sheet)
    p = ws.protection
    assert p.sheet and not p.password
    # False means "allowed while protected" (the attribute names the protection, not the right).
    assert (p.sort, p.autoFilter, p.insertRows, p.deleteRows, p.formatColumns) == (
        False,
        False,
        False,
        False,
        False,
    )
    assert p.formatCells and p.insertColumns and p.deleteColumns


@pytest.mark.parametrize(
    ("sheet", "first"),
    [
        (SCHEMA.customers, ("客户编号", "客户名称", "客情等级")),
        (SCHEMA.projects, ("项目编号", "项目名称", "成交热度", "加权金额")),
    ],
    ids=lambda v: v.name if isinstance(v, Sheet) else "",
)
def test_short_results_stand_beside_the_name_long_texts_wrap_at_the_end(
    rep: openpyxl.Workbook, sheet: Sheet, first: tuple[str, ...]
) -> None:
    ws = _ws(rep, sheet)
    headers = [c.value for c in ws[2] if c.value is not None]
    assert tuple(headers[: len(first)]) == first
    assert ws.freeze_panes == "C3"  # key and name frozen, the results right after them
    # The results beside the name are grouped as computed, in their own titled run.
    assert str(ws.cell(1, 3).value).startswith("计算结果")
    long = [h for h in headers if h in ("等级依据", "升级差距", "热度依据", "升温差距", "校验")]
    assert headers[-len(long) :] == long and headers[-1] == "校验"
    for h in long:
        letter = column_letter(headers.index(h) + 1)
        alignment = ws.column_dimensions[letter].alignment
        assert alignment.wrap_text and alignment.vertical == "top", h
    # A two-line row: wrapped text is clipped there instead of spilling into 校验.
    assert ws.sheet_format.defaultRowHeight == DATA_ROW_HEIGHT and ws.sheet_format.customHeight


def test_templates_print_landscape_at_a_readable_scale(rules: Rules) -> None:
    rep = build_template("rep", rules)  # fresh: other tests look at cells of the shared one
    data = {sheet.name: sheet for sheet in SCHEMA.sheets}
    for ws in rep.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        # the 看板 is one page; every other sheet as many pages down as its rows need
        assert ws.page_setup.fitToHeight == (ws.title == "看板"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        if ws.title not in data:
            assert ws.page_setup.fitToWidth == 1, ws.title
    for sheet in SCHEMA.sheets:
        ws = _ws(rep, sheet)
        assert ws.print_title_rows == "$1:$2"
        # as many pages across as keep the scale readable, key and name on each of them
        width = sum(column_width(ws, i) for i in range(1, len(sheet.columns) + 1))
        across = ws.page_setup.fitToWidth
        assert across == pages_across(width) and width / across <= PRINT_WIDTH_PER_PAGE
        assert (ws.print_title_cols == "$A:$B") == (across > 1), sheet.name
        # No print area to keep in step with the rows; the used range ends with the data.
        assert not ws.print_area
        assert ws.max_row == 2 and ws.max_column == len(sheet.columns)
    assert _ws(rep, SCHEMA.customers).page_setup.fitToWidth > 1  # 85 columns: not on one page


def test_conditional_formats_on_grades_heat_and_checks(
    rep: openpyxl.Workbook, rules: Rules
) -> None:
    checked = []
    for sheet in SCHEMA.sheets:
        ws = _ws(rep, sheet)
        by_range = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
        for i, col in enumerate(template_columns(sheet), start=1):
            letter = column_letter(i)
            area = f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_FORMATTED_ROW}"
            if col.header in GRADE_HEADERS:
                formulas = [r.formula[0] for r in by_range[area]]
                labels = [*rules.labels.grades, rules.labels.not_applicable]
                assert formulas == [f'"{label}"' for label in labels]
                checked.append(col.header)
            elif col.type is ColumnType.PERCENT:
                [scale] = by_range[area]
                assert scale.type == "colorScale" and len(scale.colorScale.color) == 3
                checked.append(col.header)
        checks = column_letter(_headers(sheet).index("校验") + 1)
        [tint] = by_range[f"A3:B{LAST_FORMATTED_ROW} {checks}3:{checks}{LAST_FORMATTED_ROW}"]
        assert tint.formula == [f"LEN(TRIM(${checks}3))>0"]
    assert set(checked) == GRADE_HEADERS | {"成交热度"}  # every branch above was taken


def test_readme_lists_every_column_and_names_the_rules(
    rep: openpyxl.Workbook, rules: Rules
) -> None:
    ws = rep[LABELS["sheet_readme"]]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    listed = {(r[0], r[2]) for r in rows}
    for sheet in SCHEMA.sheets:
        for col in sheet.columns:
            assert (sheet.name, col.header) in listed, col.header
    row_of = {(r[0], r[2]): r for r in rows}
    stage = row_of[("项目", "项目阶段")]
    assert stage[3] == "商业细节" and stage[5] == "是" and "投标" in stage[7] and stage[8]
    # The rules are listed in the 规则 sheet only (one place to keep in step); 说明 names them.
    fingerprint = rules_fingerprint(rules)
    assert ws["A2"].value == (
        f"模板版本 {TEMPLATE_VERSION}，由 kqxl 生成；当前规则：{rules.name}"
        f"（版本 {rules.version}，指纹 {fingerprint}）。"
    )
    assert any(isinstance(r[0], str) and "“规则”工作表" in r[0] for r in rows)


def test_rules_sheet_lists_every_rule_and_holds_them_restorably(
    rep: openpyxl.Workbook, rules: Rules
) -> None:
    ws = rep[LABELS["sheet_rules"]]
    expected = [
        (x.section, x.level, x.require or None, x.label, x.expression or None)
        for x in describe_rules(rules)
    ]
    table = [r[:5] for r in ws.iter_rows(min_row=6, max_row=5 + len(expected), values_only=True)]
    assert table == expected
    sections = {r[0] for r in table}
    assert {"甲方", "总包", "成交热度"} <= sections
    grid = SheetGrid(ws.title, [list(r) for r in ws.iter_rows(values_only=True)])
    stored = read_rules_sheet(grid, "x.xlsx")
    assert stored is not None and stored.rules == rules
    assert stored.fingerprint == rules_fingerprint(rules)
    assert f"指纹 {stored.fingerprint}" in str(ws["A1"].value)


def test_settings_sheet_has_no_workbook_id_yet(rep: openpyxl.Workbook, rules: Rules) -> None:
    ws = rep[SETTINGS_SHEET]
    grid = SheetGrid(ws.title, [list(r) for r in ws.iter_rows(values_only=True)])
    assert read_settings(grid, "x.xlsx") == Settings(
        workbook_id=None,  # every copy of a template draws its own on the first recompute
        counters={"KH": 0, "XM": 0},
        template_kind="rep",
        template_version=TEMPLATE_VERSION,
        rules_fingerprint=rules_fingerprint(rules),
    )


def test_master_template(rules: Rules) -> None:
    wb = build_template("master", rules)
    assert wb.properties.title == "团队总表"
    assert {p.name: p.value for p in wb.custom_doc_props.props}["kqxl.template"] == "master"
    assert wb.sheetnames[:2] == ["客户", "项目"]
    readme = [c.value for c in wb[LABELS["sheet_readme"]]["A"] if c.value]
    assert any("团队总表" in str(v) for v in readme)


def test_rows_are_written_typed(rules: Rules) -> None:
    wb = build_template(
        "master",
        rules,
        customers=[
            {
                "customer_id": "C0001",
                "customer_name": "武汉城建置业",
                "customer_type": "甲方",
                "visit_count": 4,
                "last_visit": dt.date(2026, 10, 3),
                "order_amount": 1200.5,
                "sent_materials": True,
                "introduced": False,
                "contact_phone": "=HYPERLINK(1)",
                "grade": "I级",
            },
            {"customer_name": "某总包", "customer_type": "总包", "order_amount": CellError("#N/A")},
        ],
        projects=[
            {
                "project_name": "光谷二期",
                "client": "武汉城建置业",
                "stage": "投标",
                "heat": 0.5,
                "amount": 100.0,
            }
        ],
    )
    ws = _ws(wb, SCHEMA.customers)
    col = {c.key: i for i, c in enumerate(template_columns(SCHEMA.customers), start=1)}
    assert ws.cell(3, col["customer_name"]).value == "武汉城建置业"
    assert ws.cell(3, col["sent_materials"]).value == "是"
    assert ws.cell(3, col["introduced"]).value == "否"
    assert ws.cell(3, col["last_visit"]).number_format == "yyyy-mm-dd"
    assert ws.cell(3, col["order_amount"]).number_format == "#,##0.00"
    assert ws.cell(3, col["contact_phone"]).data_type == "s"  # stays text, not a formula
    assert ws.cell(4, col["order_amount"]).data_type == "e"
    assert ws.cell(3, col["grade"]).protection.locked
    assert not ws.cell(3, col["customer_name"]).protection.locked
    pws = _ws(wb, SCHEMA.projects)
    heat = _headers(SCHEMA.projects).index("成交热度") + 1
    assert pws.cell(3, heat).value == 0.5 and pws.cell(3, heat).number_format == "0%"
    with pytest.raises(SchemaError) as err:
        build_template("rep", rules, customers=[{"no_such_column": 1}])
    assert err.value.code == "unknown_keys" and err.value.data["keys"] == "no_such_column"


def test_init_folder_refuses_to_overwrite(rules: Rules, tmp_dir: Path) -> None:
    paths = init_folder(tmp_dir / "team", rules)
    assert [p.name for p in paths] == [MASTER_FILE, REP_FILE]
    before = [p.read_bytes() for p in paths]
    with pytest.raises(KqxlError) as err:
        init_folder(tmp_dir / "team", rules)
    # the library says what is wrong; `--force` is command-line advice, added by the CLI
    assert err.value.code == "exists" and "--force" not in str(err.value)
    assert err.value.data["paths"] == f"{paths[0]}、{paths[1]}"
    assert [p.read_bytes() for p in paths] == before
    assert init_folder(tmp_dir / "team", rules, force=True) == paths
    assert sorted(p.name for p in (tmp_dir / "team").iterdir()) == sorted([MASTER_FILE, REP_FILE])


# ------------------------------------------------------------------ LibreOffice over UNO


@pytest.fixture(scope="module")
def lo_result(rep_path: Path) -> dict[str, Any]:
    from conftest import require_libreoffice
    from libreoffice import lo_inspect

    require_libreoffice()
    customers, projects = SCHEMA.customers, SCHEMA.projects
    grade = column_letter(_headers(customers).index("客情等级") + 1)
    heat = column_letter(_headers(projects).index("成交热度") + 1)
    [result] = lo_inspect(
        [rep_path],
        ranges={
            "客户": f"A1:B3,{grade}3:{grade}3,{grade}2000:{grade}2000",
            "项目": f"A3:B3,{heat}3:{heat}3",
        },
    )
    assert result["ok"], result["error"]
    return result


def _covers(ranges: str, letter: str, first: int, last: int) -> bool:
    """Whether comma-separated blocks cover column ``letter`` rows first..last."""
    rows: set[int] = set()
    for block in ranges.split(","):
        a, _, b = block.partition(":")
        b = b or a
        ca, ra = a.rstrip("0123456789"), int(a[len(a.rstrip("0123456789")) :])
        cb, rb = b.rstrip("0123456789"), int(b[len(b.rstrip("0123456789")) :])
        if ca == cb == letter:
            rows.update(range(ra, rb + 1))
    return set(range(first, last + 1)) <= rows


@pytest.mark.libreoffice
@pytest.mark.parametrize("sheet", WITH_CHOICES, ids=lambda s: s.name)
def test_libreoffice_sees_dropdowns(lo_result: dict[str, Any], sheet: Sheet) -> None:
    lo = sheet_of(lo_result, sheet.name)
    assert any(col.choices for col in sheet.columns)  # else the loop below checks nothing
    for i, col in enumerate(template_columns(sheet), start=1):
        if not col.choices:
            continue
        letter = column_letter(i)
        [dv] = [
            v
            for v in lo["validations"]
            if _covers(v["ranges"], letter, FIRST_DATA_ROW, LAST_FORMATTED_ROW)
        ]
        assert dv["type"] == "LIST" and dv["list"] == list(col.choices), col.header
        assert dv["show_error"] and col.header in dv["error_message"]
        assert dv["show_list"] != 0  # the dropdown arrow is shown


@pytest.mark.libreoffice
@pytest.mark.parametrize("sheet", WITH_SCALES, ids=lambda s: s.name)
def test_libreoffice_sees_conditional_formats(
    lo_result: dict[str, Any], sheet: Sheet, rules: Rules
) -> None:
    cfs = {
        cf["ranges"]: cf["entries"] for cf in sheet_of(lo_result, sheet.name)["conditional_formats"]
    }
    checked = 0
    for i, col in enumerate(template_columns(sheet), start=1):
        letter = column_letter(i)
        area = f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_FORMATTED_ROW}"
        if col.header in GRADE_HEADERS:
            entries = cfs[area]
            assert [e["formula1"] for e in entries] == [
                f'"{label}"' for label in (*rules.labels.grades, rules.labels.not_applicable)
            ]
            fills = [e["back_color"] for e in entries[: len(rules.labels.grades)]]
            assert len(set(fills)) == len(fills)  # every grade its own colour
            checked += 1
        elif col.type is ColumnType.PERCENT:
            [scale] = cfs[area]
            assert scale["type"] == "COLORSCALE" and len(scale["scale"]) == 3
            checked += 1
    assert checked >= 1  # each sheet has a grade or heat column to look at


@pytest.mark.libreoffice
def test_libreoffice_sees_no_protection_and_the_locks(lo_result: dict[str, Any]) -> None:
    customers = sheet_of(lo_result, "客户")
    projects = sheet_of(lo_result, "项目")
    assert not customers["protected"] and not projects["protected"]
    assert customers["frozen"]["cell"] == "C3"
    cells, pcells = customers["cells"], projects["cells"]
    grade = column_letter(_headers(SCHEMA.customers).index("客情等级") + 1)
    heat = column_letter(_headers(SCHEMA.projects).index("成交热度") + 1)
    assert cells["A2"]["locked"] and cells["A2"]["value"] == "客户编号"
    assert cells["A1"]["merged"].startswith("A1:")
    assert not cells["A3"]["locked"] and not cells["B3"]["locked"]
    assert cells[f"{grade}3"]["locked"] and cells[f"{grade}2000"]["locked"]
    assert not pcells["A3"]["locked"] and pcells[f"{heat}3"]["locked"]
    assert not sheet_of(lo_result, LABELS["sheet_readme"])["protected"]


@pytest.mark.parametrize(("name", "kind"), [(REP_FILE, "rep"), (MASTER_FILE, "master")])
def test_committed_templates_are_current(repo_root: Path, name: str, kind: str) -> None:
    """workbooks/ holds what the code builds today (regenerate with ``make templates``)."""
    wb = openpyxl.load_workbook(repo_root / "workbooks" / name)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"kqxl.template": kind, "kqxl.version": TEMPLATE_VERSION}
    for sheet in SCHEMA.sheets:
        ws = _ws(wb, sheet)
        assert tuple(c.value for c in ws[2][: len(sheet.columns)]) == _headers(sheet)
        assert ws.max_column == len(sheet.columns)
    fresh = build_template(kind, load_rules(None))
    assert wb.sheetnames == fresh.sheetnames
    for ws, new in zip(wb.worksheets, fresh.worksheets, strict=True):
        assert _values(ws) == _values(new), ws.title
        assert _formats(ws) == _formats(new), ws.title


def _values(ws: Worksheet) -> list[tuple[object, ...]]:
    # An empty string is not saved: in a built workbook it is "", read back it is None.
    return [tuple(None if v == "" else v for v in row) for row in ws.iter_rows(values_only=True)]


def _formats(ws: Worksheet) -> tuple[list[str], list[tuple[str, str | None]]]:
    conditional = sorted(str(cf.sqref) for cf in ws.conditional_formatting)
    validations = sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation)
    return conditional, validations


@pytest.mark.libreoffice
def test_libreoffice_opens_the_committed_templates(repo_root: Path, libreoffice: Inspect) -> None:
    paths = [repo_root / "workbooks" / REP_FILE, repo_root / "workbooks" / MASTER_FILE]
    for path, result in zip(paths, libreoffice(paths), strict=True):
        assert result["ok"], (path.name, result["error"])
        names = [s["name"] for s in result["sheets"]]
        assert names == [
            "客户",
            "项目",
            "跟进记录",
            "投诉",
            "自评",
            LABELS["sheet_readme"],
            LABELS["sheet_rules"],
            SETTINGS_SHEET,
            "看板",  # the master's per rep, the rep's own
        ]
        for sheet in result["sheets"][:2]:
            assert sheet["validations"] and sheet["conditional_formats"]
            assert not sheet["protected"]


def column_width(ws: Worksheet, col: int) -> float:
    return float(ws.column_dimensions[column_letter(col)].width)
