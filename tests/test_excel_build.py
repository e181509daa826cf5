"""The add-in build: kqxl.xlam and the .xlsm templates hold every module of macros/ and the ribbon.

Read back with two independent readers (olevba and pyopenvba); the ribbon part checked
against the package relationships and the customUI namespace; LibreOffice opens the templates
and, with a stand-in ``RunPython`` in place of xlwings' module, runs each button macro and
records the Python call it passes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from libreoffice import UNO_PYTHON
from lxml import etree
from oletools.olevba import VBA_Parser
from pyopenvba import ExcelFile

from kqxl.book import read_workbook
from kqxl.book.template import build_template
from kqxl.cli import cli
from kqxl.excel.build import (
    ADDIN_NAME,
    CUSTOM_UI_NS,
    CUSTOM_UI_PART,
    CUSTOM_UI_TYPE,
    MACROS_DIR,
    SHEET_BUTTONS,
    TEMPLATES,
    AddinBuild,
    MacroSources,
    build_addin,
    read_macros,
    vba_string,
    write_addin,
    write_macro_template,
    xlwings_modules,
)
from kqxl.rules import load_rules
from kqxl.texts import ADDIN, LABELS

REPO = Path(__file__).resolve().parent.parent
HANDLERS = {
    "KqValidate": "validate",
    "KqRecompute": "recompute",
    "KqTidy": "tidy",
    "KqSync": "sync",
    "KqRemind": "remind",
}
STAND_IN = (
    'Attribute VB_Name = "xlwings"\r\n'
    "Public KqCalls As String\r\n"
    "\r\n"
    "Public Function RunPython(PythonCommand As String)\r\n"
    '    KqCalls = KqCalls & PythonCommand & "|"\r\n'
    "End Function\r\n"
    "\r\n"
    "Public Function KqTakeCalls() As String\r\n"
    "    KqTakeCalls = KqCalls\r\n"
    '    KqCalls = ""\r\n'
    "End Function\r\n"
)


# Office passes each ribbon callback an IRibbonControl (the control's Id and Tag); in
# LibreOffice, a class module of that name stands in for it.
RIBBON_CONTROL = (
    "VERSION 1.0 CLASS\r\n"
    "BEGIN\r\n"
    "  MultiUse = -1  'True\r\n"
    "END\r\n"
    'Attribute VB_Name = "IRibbonControl"\r\n'
    "Attribute VB_GlobalNameSpace = False\r\n"
    "Attribute VB_Creatable = False\r\n"
    "Attribute VB_PredeclaredId = False\r\n"
    "Attribute VB_Exposed = False\r\n"
    "Option Explicit\r\n"
    "Public Id As String\r\n"
    "Public Tag As String\r\n"
)


def ribbon_probe(custom_ui: str) -> str:
    """A module that does what Office does with the ribbon XML: ``KqClick_<id>`` calls a
    button's onAction callback with a stand-in control carrying the button's id;
    ``KqTabShown`` asks the tab's getVisible callback and records its answer as a call."""
    root = ElementTree.fromstring(custom_ui.encode("utf-8"))
    ns = {"ui": CUSTOM_UI_NS}
    tab = root.find("ui:ribbon/ui:tabs/ui:tab", ns)
    assert tab is not None
    lines = ['Attribute VB_Name = "KqProbe"', "Option Explicit"]
    for button in tab.findall("ui:group/ui:button", ns):
        lines += [
            f"Public Sub KqClick_{button.attrib['id']}()",
            "    Dim Control As New IRibbonControl",
            f'    Control.Id = "{button.attrib["id"]}"',
            f"    {button.attrib['onAction']} Control",
            "End Sub",
        ]
    lines += [
        "Public Sub KqTabShown()",
        "    Dim Control As New IRibbonControl",
        "    Dim Shown As Variant",
        f'    Control.Id = "{tab.attrib["id"]}"',
        f"    {tab.attrib['getVisible']} Control, Shown",
        '    xlwings.KqCalls = xlwings.KqCalls & "visible=" & CStr(Shown) & "|"',
        "End Sub",
    ]
    return "\r\n".join(lines) + "\r\n"


def _lo_macros(job: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [UNO_PYTHON, str(Path(__file__).with_name("lo_macros.py"))],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["error"] is None, result
    return result


def _as_loadable_addin(path: Path, target: Path) -> Path:
    """A copy of a built add-in that LibreOffice opens: it does not import a package whose
    main part is declared as an add-in, so the copy declares the same parts a macro-enabled
    workbook (nothing else differs); the name stays that of the add-in."""
    addin = b"application/vnd.ms-excel.addin.macroEnabled.main+xml"
    workbook = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                assert addin in data
                data = data.replace(addin, workbook)
            dst.writestr(info.filename, data)
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> AddinBuild:
    return build_addin(tmp_path_factory.mktemp("addin"))


def _code(source: str) -> str:
    """A module's code as the readers give it: no attribute/class header, LF, no blank tail."""
    lines = source.replace("\r\n", "\n").split("\n")
    body = [
        line
        for line in lines
        if not line.startswith("Attribute VB_")
        and line not in {"VERSION 1.0 CLASS", "BEGIN", "END"}
        and not line.startswith("  MultiUse")
    ]
    return "\n".join(body).strip("\n")


def _olevba(path: Path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        return {stream.split("/")[-1]: code for _f, stream, _n, code in parser.extract_macros()}
    finally:
        parser.close()


def _pyopenvba(path: Path) -> dict[str, str]:
    with ExcelFile(path) as book:
        return book.vba_modules()


def _decode_vba_string(expression: str) -> str:
    """The string a ``vba_string`` expression evaluates to (its three kinds of operand)."""
    out = []
    for part in expression.split(" & "):
        if part == "vbLf":
            out.append("\n")
        elif part.startswith("ChrW("):
            out.append(chr(int(part[5:-1])))
        else:
            assert part.startswith('"') and part.endswith('"'), part
            out.append(part[1:-1].replace('""', '"'))
    return "".join(out)


XS = "{http://www.w3.org/2001/XMLSchema}"
CUSTOM_UI_XSD = Path(__file__).with_name("data") / "customUI.xsd"
CUSTOM_UI_XSD_SHA256 = "9ca6bc902e250b709f31a5dd546b936164650dc5ccbd75dbc5034e6869f5d829"


def _customui_schema() -> etree.XMLSchema:
    """Microsoft's customUI schema (tests/data/README.md), its repeated attribute declarations
    dropped as libxml2 needs (the language it accepts is the same)."""
    tree = etree.parse(str(CUSTOM_UI_XSD))
    root = tree.getroot()
    groups = {g.get("name"): g for g in root.findall(f"{XS}attributeGroup")}
    types = {t.get("name"): t for t in root.findall(f"{XS}complexType")}

    def brought(holder: etree._Element) -> list[etree._Element]:
        out = list(holder.findall(f"{XS}attribute"))
        for ref in holder.findall(f"{XS}attributeGroup"):
            out += brought(groups[ref.get("ref")])
        return out

    def names(type_name: str | None) -> set[str | None]:
        found = types.get(type_name or "")
        if found is None:
            return set()
        out = {a.get("name") for a in brought(found)}
        for derived in found.iter(f"{XS}extension", f"{XS}restriction"):
            if derived.tag == f"{XS}extension":
                out |= {a.get("name") for a in brought(derived)}
            out |= names(derived.get("base"))
        return out

    for ext in root.iter(f"{XS}extension"):
        base = names(ext.get("base"))
        for ref in ext.findall(f"{XS}attributeGroup"):
            attributes = brought(groups[ref.get("ref")])
            if base & {a.get("name") for a in attributes}:
                at = ext.index(ref)
                ext.remove(ref)
                for a in reversed([a for a in attributes if a.get("name") not in base]):
                    ext.insert(at, copy.deepcopy(a))
        for a in ext.findall(f"{XS}attribute"):
            if a.get("name") in base:
                ext.remove(a)
    return etree.XMLSchema(tree)


# ---- the sources --------------------------------------------------------------------------


def test_the_button_macros_call_exactly_the_five_handlers() -> None:
    sources = read_macros()
    buttons = sources.modules["KqButtons"]
    assert 'RunPython "import kqxl.excel.buttons as b; b." & Handler & "()"' in buttons
    calls = dict(re.findall(r'Public Sub (Kq\w+)\(\)\r\n    KqRun "(\w+)"', buttons))
    assert calls == HANDLERS
    ribbon = sources.modules["KqRibbon"]
    callbacks = dict(
        re.findall(r"Public Sub (KqOn\w+)\(control As IRibbonControl\)\r\n    (Kq\w+)\r\n", ribbon)
    )
    assert callbacks == {f"KqOn{name[2:]}": name for name in HANDLERS}


def test_the_tab_is_shown_by_a_callback_that_knows_the_addin() -> None:
    """One 客情 tab: the tab's getVisible callback (KqRibbon.KqTabVisible) shows it in the
    add-in always, and in a template only while kqxl.xlam is not open (run in LibreOffice
    below); the file name it looks for is the add-in's."""
    sources = read_macros()
    root = ElementTree.fromstring(sources.custom_ui.encode("utf-8"))
    tab = root.find(f"{{{CUSTOM_UI_NS}}}ribbon/{{{CUSTOM_UI_NS}}}tabs/{{{CUSTOM_UI_NS}}}tab")
    assert tab is not None and tab.attrib["getVisible"] == "KqTabVisible"
    assert "visible" not in tab.attrib  # getVisible and visible exclude each other
    ribbon = sources.modules["KqRibbon"]
    assert "Public Sub KqTabVisible(control As IRibbonControl, ByRef visible)\r\n" in ribbon
    assert re.findall(r'"(\w+\.xlam)"', ribbon) == [ADDIN_NAME, ADDIN_NAME]


def test_sources_are_ascii_and_every_placeholder_is_filled() -> None:
    sources = read_macros()
    for name, source in sources.modules.items():
        assert source.isascii(), name
        assert "{{" not in source and "\r\n" in source and "\n" not in source.replace("\r\n", "")
    assert "{{" not in sources.custom_ui
    raw = (MACROS_DIR / "KqButtons.bas").read_text(encoding="utf-8")
    assert "{{no_python}}" in raw and "{{title}}" in raw
    assert vba_string(ADDIN["no_python"]) in sources.modules["KqButtons"]


@pytest.mark.parametrize("value", [ADDIN["no_python"], "", 'a "quoted" 词\nnext', "重算 ok"])
def test_vba_string_gives_back_the_text(value: str) -> None:
    expression = vba_string(value)
    assert expression.isascii()
    assert _decode_vba_string(expression) == value


def test_a_missing_macros_folder_is_a_chinese_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["addin", "build", str(tmp_path), "--macros", "没有"])
    assert result.exit_code == 2
    assert result.stderr.startswith("kqxl: 没有：找不到宏源文件（customUI.xml 和 .bas 文件）。")
    assert not any(tmp_path.iterdir())


# ---- the built files ------------------------------------------------------------------------


def test_the_build_writes_the_addin_and_both_templates(built: AddinBuild) -> None:
    names = [f.path.name for f in built.files]
    assert names == [ADDIN_NAME, *TEMPLATES.values()]
    folder = built.files[0].path.parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)  # no temporary file left
    for file in built.files:
        assert file.ribbon
        assert file.modules[0] == "ThisWorkbook"
        assert file.modules[-4:] == ["xlwings", "Dictionary", "KqButtons", "KqRibbon"]


@pytest.mark.parametrize("reader", [_olevba, _pyopenvba], ids=["olevba", "pyopenvba"])
def test_every_module_of_macros_reads_back(built: AddinBuild, reader: object) -> None:
    sources = read_macros()
    for file in built.files:
        addin = file.path.suffix == ".xlam"
        expected = {**xlwings_modules(addin=addin), **sources.modules}
        found = reader(file.path)  # type: ignore[operator]
        for name, source in expected.items():
            assert name in found, (file.path.name, name)
            assert _code(found[name]) == _code(source), (file.path.name, name)


def test_the_addin_runs_python_for_the_active_workbook(built: AddinBuild) -> None:
    addin, template = built.files[0].path, built.files[1].path
    addin_module = _pyopenvba(addin)["xlwings"]
    assert 'PROJECT_NAME As String = "xlwings"' in addin_module
    assert "Set wb = ActiveWorkbook" in addin_module
    assert '"BOOK_CALLER", ThisWorkbook' in _pyopenvba(template)["xlwings"]


def test_the_packages_declare_macros_and_the_ribbon(built: AddinBuild) -> None:
    sources = read_macros()
    for file in built.files:
        with zipfile.ZipFile(file.path) as package:
            assert package.testzip() is None
            types = package.read("[Content_Types].xml").decode()
            main = (
                "application/vnd.ms-excel.addin.macroEnabled.main+xml"
                if file.path.suffix == ".xlam"
                else "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
            )
            assert f'PartName="/xl/workbook.xml" ContentType="{main}"' in types
            assert "vbaProject.bin" in package.read("xl/_rels/workbook.xml.rels").decode()
            rels = ElementTree.fromstring(package.read("_rels/.rels"))
            ribbon = [r.attrib for r in rels if r.attrib["Type"] == CUSTOM_UI_TYPE]
            assert [r["Target"] for r in ribbon] == [CUSTOM_UI_PART]
            assert len({r.attrib["Id"] for r in rels}) == len(rels)
            assert package.read(CUSTOM_UI_PART).decode("utf-8") == sources.custom_ui


def test_the_ribbon_is_customui_with_five_buttons_on_the_callbacks() -> None:
    sources = read_macros()
    root = ElementTree.fromstring(sources.custom_ui.encode("utf-8"))
    ns = {"ui": CUSTOM_UI_NS}
    assert root.tag == f"{{{CUSTOM_UI_NS}}}customUI"
    tabs = root.findall("ui:ribbon/ui:tabs/ui:tab", ns)
    assert [t.attrib["label"] for t in tabs] == [ADDIN["tab"]]
    buttons = tabs[0].findall("ui:group/ui:button", ns)
    assert [b.attrib["label"] for b in buttons] == [ADDIN[h] for h in HANDLERS.values()]
    assert [b.attrib["screentip"] for b in buttons] == [
        ADDIN[f"{h}_tip"] for h in HANDLERS.values()
    ]
    assert [b.attrib["onAction"] for b in buttons] == [f"KqOn{n[2:]}" for n in HANDLERS]
    assert all(b.attrib.get("imageMso") for b in buttons)
    ids = [e.attrib["id"] for e in root.iter() if "id" in e.attrib]
    assert len(ids) == len(set(ids)) == 1 + 2 + 5
    # customUI attribute limits: labels up to 1024 characters, ids NCName-like
    assert all(re.fullmatch(r"[A-Za-z_][\w.-]*", i) for i in ids)
    assert all(len(v) <= 1024 for e in root.iter() for v in e.attrib.values())


def test_the_schema_is_microsofts_as_committed() -> None:
    digest = hashlib.sha256(CUSTOM_UI_XSD.read_bytes()).hexdigest()
    assert digest == CUSTOM_UI_XSD_SHA256  # tests/data/README.md names where it comes from
    root = etree.parse(str(CUSTOM_UI_XSD)).getroot()
    assert root.get("targetNamespace") == CUSTOM_UI_NS


def test_the_ribbon_is_valid_against_the_customui_schema(built: AddinBuild) -> None:
    schema = _customui_schema()
    ribbons = {"macros/customUI.xml": read_macros().custom_ui}
    for file in built.files:
        with zipfile.ZipFile(file.path) as package:
            ribbons[file.path.name] = package.read(CUSTOM_UI_PART).decode("utf-8")
    for name, ribbon in ribbons.items():
        valid = schema.validate(etree.fromstring(ribbon.encode("utf-8")))
        assert valid, (name, [str(e) for e in schema.error_log])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('size="large"', 'size="huge"'),  # not one of the sizes
        ('onAction="KqOnValidate"', 'onAction="KqOnValidate" colour="red"'),  # no such attribute
        ('<group id="kqxlCheck"', '<group id="kqxl Check"'),  # an id is an NCName
        ("<tabs>", '<tabs><button id="kqxlStray"/>'),  # a button belongs in a group
    ],
)
def test_the_schema_rejects_a_broken_ribbon(old: str, new: str) -> None:
    ribbon = read_macros().custom_ui
    assert old in ribbon
    broken = etree.fromstring(ribbon.replace(old, new, 1).encode("utf-8"))
    assert not _customui_schema().validate(broken)


def test_the_templates_carry_the_five_buttons_on_the_readme_sheet(built: AddinBuild) -> None:
    assert SHEET_BUTTONS == HANDLERS
    for file in built.files[1:]:
        with zipfile.ZipFile(file.path) as package:
            names = package.namelist()
            drawing = ElementTree.fromstring(package.read("xl/drawings/kqxlButtons.xml"))
            types = package.read("[Content_Types].xml").decode()
            rels = {
                n: package.read(n).decode() for n in names if n.startswith("xl/worksheets/_rels/")
            }
            sheets_with = [n for n, text in rels.items() if "/xl/drawings/kqxlButtons.xml" in text]
        assert '<Override PartName="/xl/drawings/kqxlButtons.xml"' in types
        assert len(sheets_with) == 1
        xdr = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
        shapes = drawing.findall(f"{xdr}absoluteAnchor/{xdr}sp")
        assert [sp.attrib["macro"] for sp in shapes] == [f"[0]!{name}" for name in HANDLERS]
        texts = ["".join(sp.itertext()) for sp in shapes]
        assert texts == [ADDIN[handler] for handler in HANDLERS.values()]


def test_the_templates_hold_what_kqxl_init_writes(built: AddinBuild, tmp_path: Path) -> None:
    rules = load_rules(None)
    for kind, name in TEMPLATES.items():
        plain = tmp_path / f"{kind}.xlsx"
        build_template(kind, rules).save(plain)
        macro = next(f.path for f in built.files if f.path.name == name)
        want, got = read_workbook(plain), read_workbook(macro)
        assert list(got.sheets) == list(want.sheets)
        for sheet in want.sheets:
            assert got.sheets[sheet].rows == want.sheets[sheet].rows, (name, sheet)


def test_cli_builds_and_json_is_the_library_result(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["addin", "build", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    modules = {ADDIN_NAME: 6, "团队总表.xlsm": 14, "客户跟进表.xlsm": 14}  # a module per sheet
    assert result.stdout == "".join(
        f"已生成：{tmp_path / 'a' / name}（{n} 个宏模块）\n" for name, n in modules.items()
    )
    again = CliRunner().invoke(cli, ["addin", "build", str(tmp_path / "a"), "--json"])
    assert again.exit_code == 0
    done = json.loads(again.stdout)
    library = build_addin(tmp_path / "b").model_dump(mode="json")
    for entry in (done, library):
        for file in entry["files"]:
            file["path"] = Path(file["path"]).name
    assert done == library
    assert [f["path"] for f in done["files"]] == list(modules)


def test_the_shipped_workbooks_are_built_from_the_current_macros() -> None:
    """`make addin` was run after the last change to macros/ or the texts."""
    sources = read_macros()
    for name in [ADDIN_NAME, *TEMPLATES.values()]:
        shipped = _pyopenvba(REPO / "workbooks" / name)
        for module, source in sources.modules.items():
            assert _code(shipped[module]) == _code(source), (name, module)
        with zipfile.ZipFile(REPO / "workbooks" / name) as package:
            assert package.read(CUSTOM_UI_PART).decode("utf-8") == sources.custom_ui


# ---- LibreOffice ----------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_opens_the_templates(built: AddinBuild, libreoffice: object) -> None:
    paths = [f.path for f in built.files if f.path.suffix == ".xlsm"]
    seen = libreoffice(paths)  # type: ignore[operator]
    for path, result in zip(paths, seen, strict=True):
        assert result["ok"], result["error"]
        assert [s["name"] for s in result["sheets"]] == list(read_workbook(path).sheets)


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["rep", "master"])
def test_each_button_macro_passes_its_python_call(tmp_path: Path, kind: str) -> None:
    path = write_macro_template(
        tmp_path / f"{kind}.xlsm", kind, read_macros(), {"xlwings": STAND_IN}
    ).path
    job = {
        "file": str(path),
        "macros": [f"KqButtons.{name}" for name in HANDLERS],
        "result": "xlwings.KqTakeCalls",
    }
    result = _lo_macros(job)
    assert {"KqButtons", "KqRibbon", "xlwings"} <= set(result["modules"])
    assert result["runs"] == [
        {
            "macro": f"KqButtons.{name}",
            "result": f"import kqxl.excel.buttons as b; b.{handler}()|",
            "error": None,
        }
        for name, handler in HANDLERS.items()
    ]
    # the buttons on the 说明 sheet: clicking each runs its macro, which passes its call
    assert result["buttons"] == [
        {
            "sheet": LABELS["sheet_readme"],
            "text": ADDIN[handler],
            "script": f"vnd.sun.star.script:VBAProject.KqButtons.{name}"
            "?language=Basic&location=document",
            "result": f"import kqxl.excel.buttons as b; b.{handler}()|",
            "error": None,
        }
        for name, handler in HANDLERS.items()
    ]


def _probed(folder: Path, sources: MacroSources) -> tuple[Path, Path]:
    """A rep template and the add-in, built with the stand-in RunPython, the stand-in control
    and the probe module beside the macros/ modules."""
    runtime = {
        "xlwings": STAND_IN,
        "IRibbonControl": RIBBON_CONTROL,
        "KqProbe": ribbon_probe(sources.custom_ui),
    }
    template = write_macro_template(folder / "rep.xlsm", "rep", sources, runtime).path
    addin = write_addin(folder / "built" / ADDIN_NAME, sources, runtime).path
    return template, _as_loadable_addin(addin, folder / "open" / ADDIN_NAME)


def _button_ids() -> list[str]:
    root = ElementTree.fromstring(read_macros().custom_ui.encode("utf-8"))
    return [b.attrib["id"] for b in root.iter(f"{{{CUSTOM_UI_NS}}}button")]


@pytest.mark.libreoffice
def test_each_ribbon_callback_passes_its_python_call_and_the_tab_shows_once(
    tmp_path: Path,
) -> None:
    """Each button of the tab, clicked as Office clicks it (its onAction callback called with
    a control), passes its handler's call to RunPython, in the templates and in the add-in.
    The tab's getVisible callback shows a template's tab only while kqxl.xlam is not open,
    and the add-in's own tab always."""
    sources = read_macros()
    template, addin = _probed(tmp_path, sources)
    other = tmp_path / "other" / "客户跟进表-张伟.xlsm"
    other.parent.mkdir()
    other.write_bytes(template.read_bytes())
    clicks = [f"KqProbe.KqClick_{i}" for i in _button_ids()]
    calls = [f"import kqxl.excel.buttons as b; b.{h}()|" for h in HANDLERS.values()]
    expected_runs = [
        {"macro": m, "result": c, "error": None} for m, c in zip(clicks, calls, strict=True)
    ]
    shown = "KqProbe.KqTabShown"

    def runs(file: Path, *open_first: Path) -> list[object]:
        job = {
            "file": str(file),
            "open_first": [str(p) for p in open_first],
            "macros": [*clicks, shown],
            "result": "xlwings.KqTakeCalls",
        }
        return list(_lo_macros(job)["runs"])

    # a template beside another workbook: its tab shows
    visible = {"macro": shown, "result": "visible=True|", "error": None}
    assert runs(template, other) == [*expected_runs, visible]
    # the add-in: its tab always shows, its buttons pass the same calls
    assert runs(addin) == [*expected_runs, visible]
    # a template while the add-in is open: its tab hides (the add-in's is the one tab)
    assert runs(template, addin)[-1] == {**visible, "result": "visible=False|"}
