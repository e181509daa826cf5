"""The workbooks ``xlwings quickstart`` makes keep their VBA project and ribbon when patched.

On Linux the xlwings CLI copies its template workbooks (an .xlsm with the VBA project; with
``--addin --ribbon`` an .xlam with a customUI ribbon part) without needing Excel.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser
from test_patch import assert_others_identical

from kqxl.book import CellChange, patch_workbook, read_workbook

XLWINGS = Path(sys.executable).with_name("xlwings")


def quickstart(tmp_path: Path, name: str, *flags: str) -> Path:
    done = subprocess.run(
        [str(XLWINGS), "quickstart", name, *flags],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    books = sorted((tmp_path / name).glob(f"{name}.xl*"))
    assert len(books) == 1, list((tmp_path / name).iterdir())
    return books[0]


def vba_modules(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {stream: code for _f, stream, _n, code in parser.extract_macros()}
    finally:
        parser.close()


@pytest.mark.parametrize(
    ("flags", "suffix"), [(("--standalone",), ".xlsm"), (("--addin", "--ribbon"), ".xlam")]
)
def test_quickstart_workbook_keeps_vba_and_ribbon(
    tmp_path: Path, flags: tuple[str, ...], suffix: str
) -> None:
    book = quickstart(tmp_path, "kqxl_demo", *flags)
    assert book.suffix == suffix
    original = tmp_path / f"original{suffix}"
    original.write_bytes(book.read_bytes())
    modules = vba_modules(original)
    sheet = next(iter(read_workbook(book).sheets))

    report = patch_workbook(
        book, [CellChange(sheet, 2, 2, "kqxl 写入"), CellChange(sheet, 3, 2, 42, highlight=True)]
    )
    assert report.backup is not None and report.backup.read_bytes() == original.read_bytes()
    assert read_workbook(book).sheets[sheet].value(2, 2) == "kqxl 写入"

    assert_others_identical(original, book, report.parts)
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(book) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        assert a.read("_rels/.rels") == b.read("_rels/.rels")
        assert a.read("[Content_Types].xml") == b.read("[Content_Types].xml")
        ribbon = [n for n in a.namelist() if n.lower().startswith("customui/")]
        if "--ribbon" in flags:
            assert ribbon and b"ui/extensibility" in a.read("_rels/.rels")
        for name in ribbon:
            assert a.read(name) == b.read(name)
        assert "vbaProject" in b.read("xl/_rels/workbook.xml.rels").decode()
    assert set(report.parts) <= {f"xl/worksheets/sheet{i}.xml" for i in range(1, 9)} | {
        "xl/styles.xml"
    }
    assert vba_modules(book) == modules


def test_recompute_on_a_macro_workbook_keeps_its_vba(tmp_path: Path) -> None:
    """A rep's .xlsm with VBA: 客户/项目 sheets added, then `kqxl recompute` in place."""
    from click.testing import CliRunner

    from kqxl.book import SheetContent
    from kqxl.cli import cli
    from kqxl.schema import SCHEMA

    book = quickstart(tmp_path, "rep_macros", "--standalone")
    modules = vba_modules(book)
    customers = SCHEMA.customers
    row = {h: None for h in customers.headers}
    row.update(
        {
            "客户名称": "江城置业有限公司",
            "客户类型": "甲方",
            "负责人": "张伟",
            "联系电话": "139",
            "拜访次数": 3,
            "已送资料": "是",
            "已介绍产品": "是",
            "不排斥业务员": "是",
            "印象较深": "是",
        }
    )
    project = dict.fromkeys(SCHEMA.projects.headers)
    project.update(
        {
            "项目名称": "江城一期",
            "负责人": "张伟",
            "甲方": "江城置业有限公司",
            "项目阶段": "签约",
            "项目金额": 1000,
            "已签总包合同": "是",
        }
    )
    patch_workbook(
        book,
        [],
        sheets=[
            SheetContent("客户", [list(customers.headers), list(row.values())]),
            SheetContent("项目", [list(SCHEMA.projects.headers), list(project.values())]),
        ],
        backup=False,
    )
    before = tmp_path / "before.xlsm"
    before.write_bytes(book.read_bytes())

    result = CliRunner().invoke(cli, ["recompute", str(book)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    grid = read_workbook(book)
    assert grid.sheets["客户"].value(2, customers.headers.index("客情等级") + 1) == "I级"
    heat_col = SCHEMA.projects.headers.index("成交热度") + 1
    assert grid.sheets["项目"].value(2, heat_col) == 0.9
    with zipfile.ZipFile(before) as a, zipfile.ZipFile(book) as b:
        assert a.read("xl/vbaProject.bin") == b.read("xl/vbaProject.bin")
        # Every part is still there; the first recompute adds kqxl's own 规则 and 设置 sheets.
        added = [n for n in b.namelist() if n not in a.namelist()]
        assert [n for n in b.namelist() if n not in added] == a.namelist()
        assert len(added) == 2 and all(n.startswith("xl/worksheets/sheet") for n in added)
    assert [*read_workbook(book).sheets][-2:] == ["规则", "设置"]
    assert vba_modules(book) == modules
