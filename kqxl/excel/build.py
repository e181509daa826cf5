"""Build the Excel add-in and the macro-enabled templates from ``macros/``, on any system.

``macros/`` is the only source of every macro: its ``.bas`` modules (the five buttons and the
ribbon callbacks) and ``customUI.xml`` (the 客情 ribbon tab). A build renders their ``{{key}}``
placeholders from :data:`kqxl.texts.ADDIN` and writes, with pyopenvba (no Excel needed):

- ``kqxl.xlam`` — the ribbon add-in: xlwings' add-in module (it acts on the active workbook),
  xlwings' ``Dictionary`` class (for macOS), the ``macros/`` modules and the ribbon;
- ``团队总表.xlsm`` and ``客户跟进表.xlsm`` — the templates of ``kqxl init`` with a VBA project:
  xlwings' standalone module (it acts on the workbook itself), ``Dictionary``, the ``macros/``
  modules, the same ribbon tab, and the five buttons as shapes on the 说明 sheet (row 3), so a
  template works without the add-in installed.

VBA modules are stored in the project's code page (1252 here), so their Chinese words are
written as ``ChrW(...)`` expressions and the ``.bas`` sources themselves stay ASCII.

>>> build_addin("workbooks")                                          # doctest: +SKIP
AddinBuild(files=[BuiltFile(path=PosixPath('workbooks/kqxl.xlam'), ...), ...])
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

from pydantic import BaseModel

from kqxl.book.template import TemplateKind
from kqxl.errors import KqxlError
from kqxl.texts import ADDIN, LABELS, text

#: Where ``macros/`` lives in a source checkout (the default of :func:`build_addin`).
MACROS_DIR = Path(__file__).resolve().parents[2] / "macros"
ADDIN_NAME = "kqxl.xlam"
#: Template kind → file name of the macro-enabled template.
TEMPLATES: dict[TemplateKind, str] = {"master": "团队总表.xlsm", "rep": "客户跟进表.xlsm"}
CUSTOM_UI_PART = "customUI/customUI.xml"
#: The relationship type of an Office 2007 ribbon part (``customUI.xml``, 2006/01 namespace).
CUSTOM_UI_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
CUSTOM_UI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_DRAWING_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
_DRAWING_CONTENT = "application/vnd.openxmlformats-officedocument.drawing+xml"
_BUTTONS_PART = "xl/drawings/kqxlButtons.xml"
#: The button macros of macros/KqButtons.bas and the catalogue key of each label, in order.
SHEET_BUTTONS: dict[str, str] = {
    "KqValidate": "validate",
    "KqRecompute": "recompute",
    "KqTidy": "tidy",
    "KqSync": "sync",
    "KqRemind": "remind",
}
# The 说明 sheet's frozen rows 1-3 (title, rules line, an empty row) get fixed heights so that
# the buttons, placed absolutely, sit in row 3. Points; 1 pt = 12,700 EMU.
_ROW_HEIGHTS = (26.0, 18.0, 30.0)
_EMU_PT = 12_700
# After these elements of a worksheet comes <drawing> (CT_Worksheet's sequence).
_AFTER_DRAWING = (
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_VB_NAME = re.compile(r'^Attribute VB_Name = "([^"]+)"', re.MULTILINE)


class BuiltFile(BaseModel):
    """One file the build wrote and the VBA modules it holds, in project order."""

    path: Path
    modules: list[str]
    ribbon: bool


class AddinBuild(BaseModel):
    """What :func:`build_addin` wrote."""

    files: list[BuiltFile]

    def message(self) -> str:
        """One Chinese line per file."""
        return "\n".join(
            text(ADDIN, "built", path=f.path, modules=len(f.modules)) for f in self.files
        )


class MacroSources(BaseModel):
    """``macros/`` rendered: VBA module name → source (CRLF, ASCII), and the ribbon XML."""

    modules: dict[str, str]
    custom_ui: str


def vba_string(value: str) -> str:
    """``value`` as a VBA string expression that survives any code page.

    >>> vba_string("重算 ok")
    'ChrW(37325) & ChrW(31639) & " ok"'
    """
    parts: list[str] = []
    plain = ""
    for char in value:
        if char == "\n":
            if plain:
                parts.append(f'"{plain}"')
                plain = ""
            parts.append("vbLf")
        elif " " <= char <= "~":
            plain += '""' if char == '"' else char
        else:
            if plain:
                parts.append(f'"{plain}"')
                plain = ""
            parts.append(f"ChrW({ord(char)})")
    if plain or not parts:
        parts.append(f'"{plain}"')
    return " & ".join(parts)


def _render(source: str, quote: str, catalogue: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in catalogue:
            raise KeyError(f"macros: no text {key!r} in kqxl.texts.ADDIN")
        value = catalogue[key]
        return vba_string(value) if quote == "vba" else escape(value, {'"': "&quot;"})

    return _PLACEHOLDER.sub(one, source)


def _crlf(source: str) -> str:
    return source.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def read_macros(macros_dir: str | os.PathLike[str] = MACROS_DIR) -> MacroSources:
    """Read and render ``macros/``: every ``*.bas`` (by its ``VB_Name``) and ``customUI.xml``."""
    folder = Path(macros_dir)
    ribbon = folder / "customUI.xml"
    if not folder.is_dir() or not ribbon.is_file():
        raise KqxlError.from_key("addin_no_macros", path=folder)
    modules: dict[str, str] = {}
    for path in sorted(folder.glob("*.bas")):
        source = _render(path.read_text(encoding="utf-8"), "vba", ADDIN)
        if not source.isascii():
            raise ValueError(f"{path.name}: VBA sources must be ASCII (use {{{{key}}}} texts)")
        found = _VB_NAME.search(source)
        if found is None:
            raise ValueError(f"{path.name}: no Attribute VB_Name line")
        modules[found.group(1)] = _crlf(source)
    custom_ui = _render(ribbon.read_text(encoding="utf-8"), "xml", ADDIN)
    return MacroSources(modules=modules, custom_ui=custom_ui)


def _xlwings_dir() -> Path:
    try:
        import xlwings
    except ImportError:
        raise KqxlError.from_key("addin_needs", package="xlwings") from None
    return Path(xlwings.__file__).parent


def xlwings_modules(*, addin: bool) -> dict[str, str]:
    """xlwings' own VBA: its module (``RunPython``) and the ``Dictionary`` class it needs on macOS.

    ``addin``: the custom add-in variant, which runs Python for the *active* workbook, reading
    its settings from ``xlwings.conf`` like the xlwings add-in does; otherwise the standalone
    module of a workbook that carries its own macros.
    """
    where = _xlwings_dir()
    module = where / ("xlwings_custom_addin.bas" if addin else "xlwings.bas")
    dictionary = where / "addin" / "Dictionary.cls"
    if not module.is_file() or not dictionary.is_file():
        raise KqxlError.from_key("addin_needs", package="xlwings")
    source = module.read_text(encoding="utf-8")
    if addin:
        # The custom add-in template names its config "myaddin"; kqxl shares xlwings' own.
        source = source.replace(
            'PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xlwings"'
        )
    return {"xlwings": _crlf(source), "Dictionary": _crlf(dictionary.read_text(encoding="utf-8"))}


def _add_modules(path: Path, modules: Mapping[str, str], *, new_project: bool) -> list[str]:
    try:
        from pyopenvba import ExcelFile, VBAModuleKind
    except ImportError:
        raise KqxlError.from_key("addin_needs", package="pyopenvba") from None
    with ExcelFile(path) as book:
        project = book.add_vba_project() if new_project else book.vba_project()
        for name in list(project.module_names()):
            if name == "Module1":  # the blank add-in's empty module
                project.delete_module(name)
        for name, source in modules.items():
            kind = VBAModuleKind.other if source.startswith("VERSION") else VBAModuleKind.standard
            project.add_module(name, source, kind=kind)
        book.save()
        return list(book.vba_project().module_names())


def _with_ribbon(package: bytes, custom_ui: str) -> bytes:
    """``package`` with the ribbon part, related from ``_rels/.rels`` as Office relates it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "_rels/.rels":
                rels = data.decode("utf-8")
                taken = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
                rid = f"rId{max(taken, default=0) + 1}"
                rel = (
                    f'<Relationship Id="{rid}" Type="{CUSTOM_UI_TYPE}" Target="{CUSTOM_UI_PART}"/>'
                )
                data = rels.replace("</Relationships>", rel + "</Relationships>", 1).encode()
            dst.writestr(_entry(info.filename), data)
        dst.writestr(_entry(CUSTOM_UI_PART), custom_ui.encode("utf-8"))
    return out.getvalue()


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry without the build's clock in it, so that a rebuild of the same sources
    gives the same bytes where the parts are the same."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _macro_enabled(xlsx: bytes) -> bytes:
    """An openpyxl-written ``.xlsx`` package declared as a macro-enabled workbook."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(_XLSX_MAIN.encode(), _XLSM_MAIN.encode())
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _finish(temp: Path, target: Path, custom_ui: str) -> None:
    temp.write_bytes(_with_ribbon(temp.read_bytes(), custom_ui))
    os.replace(temp, target)


def buttons_drawing() -> str:
    """A drawing of the five button shapes, each running its macro when clicked (row 3)."""
    ns_xdr = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
    ns_a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    top = int((_ROW_HEIGHTS[0] + _ROW_HEIGHTS[1] + 3) * _EMU_PT)
    width, height, gap = 1_000_000, int((_ROW_HEIGHTS[2] - 6) * _EMU_PT), 120_000
    shapes = []
    for n, (macro, key) in enumerate(SHEET_BUTTONS.items()):
        x = 60_000 + n * (width + gap)
        label = escape(ADDIN[key])
        tip = escape(ADDIN[f"{key}_tip"], {'"': "&quot;"})
        shapes.append(
            f'<xdr:absoluteAnchor><xdr:pos x="{x}" y="{top}"/>'
            f'<xdr:ext cx="{width}" cy="{height}"/>'
            f'<xdr:sp macro="[0]!{macro}" textlink="">'
            f'<xdr:nvSpPr><xdr:cNvPr id="{n + 2}" name="kqxl {macro}" descr="{tip}"/>'
            "<xdr:cNvSpPr/></xdr:nvSpPr>"
            f'<xdr:spPr><a:xfrm><a:off x="{x}" y="{top}"/><a:ext cx="{width}" cy="{height}"/>'
            '</a:xfrm><a:prstGeom prst="roundRect"><a:avLst/></a:prstGeom>'
            '<a:solidFill><a:srgbClr val="2F5597"/></a:solidFill><a:ln><a:noFill/></a:ln>'
            "</xdr:spPr>"
            '<xdr:txBody><a:bodyPr vertOverflow="clip" horzOverflow="clip" rtlCol="0" '
            'anchor="ctr"/><a:lstStyle/><a:p><a:pPr algn="ctr"/><a:r>'
            '<a:rPr lang="zh-CN" sz="1100" b="1"><a:solidFill><a:srgbClr val="FFFFFF"/>'
            f"</a:solidFill></a:rPr><a:t>{label}</a:t></a:r></a:p></xdr:txBody></xdr:sp>"
            "<xdr:clientData/></xdr:absoluteAnchor>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<xdr:wsDr xmlns:xdr="{ns_xdr}" xmlns:a="{ns_a}">{"".join(shapes)}</xdr:wsDr>'
    )


def _sheet_part(parts: Mapping[str, bytes], sheet: str) -> str:
    """The part of the sheet called ``sheet`` (by the workbook's relationships)."""
    workbook = parts["xl/workbook.xml"].decode("utf-8")
    found = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="(\w+)"', workbook)
    assert found is not None, sheet
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    for element in re.findall(r"<Relationship [^>]*/>", rels):
        if f'Id="{found.group(1)}"' in element:
            target = re.search(r'Target="([^"]+)"', element)
            assert target is not None
            name = target.group(1)
            return name.lstrip("/") if name.startswith("/") else f"xl/{name}"
    raise KeyError(sheet)


def _with_sheet_buttons(package: bytes, sheet: str) -> bytes:
    """``package`` with the button drawing on ``sheet``: the drawing part, its relationship
    from the sheet, the sheet's ``<drawing>`` element and the part's content type."""
    with zipfile.ZipFile(io.BytesIO(package)) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    part = _sheet_part(parts, sheet)
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels"
    rels = parts.get(rels_name, b"").decode("utf-8") or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    )
    taken = {int(n) for n in re.findall(r'Id="rId(\d+)"', rels)}
    rid = f"rId{max(taken, default=0) + 1}"
    rel = f'<Relationship Id="{rid}" Type="{_DRAWING_TYPE}" Target="/{_BUTTONS_PART}"/>'
    parts[rels_name] = rels.replace("</Relationships>", rel + "</Relationships>", 1).encode()
    xml = parts[part].decode("utf-8")
    root = re.search(r"<worksheet\b[^>]*>", xml)
    assert root is not None
    if "xmlns:r=" not in root.group():
        tag = root.group()[:-1] + (
            ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        )
        xml = xml[: root.start()] + tag + xml[root.end() :]
    later = [xml.find(f"<{t}") for t in _AFTER_DRAWING if f"<{t}" in xml]
    at = min(later) if later else xml.rindex("</worksheet>")
    parts[part] = (xml[:at] + f'<drawing r:id="{rid}"/>' + xml[at:]).encode("utf-8")
    parts[_BUTTONS_PART] = buttons_drawing().encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    override = f'<Override PartName="/{_BUTTONS_PART}" ContentType="{_DRAWING_CONTENT}"/>'
    parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>", 1).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for part_name, data in parts.items():
            dst.writestr(_entry(part_name), data)
    return out.getvalue()


def write_addin(
    target: str | os.PathLike[str],
    sources: MacroSources,
    runtime: Mapping[str, str] | None = None,
) -> BuiltFile:
    """Write the ribbon add-in to ``target``: ``runtime`` (default: xlwings' add-in module and
    ``Dictionary``) then the ``macros/`` modules, and the ribbon."""
    from pyopenvba import ExcelFile

    path = Path(target)
    temp = path.with_name(f".{path.stem}.tmp.xlam")
    ExcelFile.create_new(temp).close()
    modules = {**(runtime or xlwings_modules(addin=True)), **sources.modules}
    names = _add_modules(temp, modules, new_project=False)
    _finish(temp, path, sources.custom_ui)
    return BuiltFile(path=path, modules=names, ribbon=True)


def write_macro_template(
    target: str | os.PathLike[str],
    kind: TemplateKind,
    sources: MacroSources,
    runtime: Mapping[str, str] | None = None,
) -> BuiltFile:
    """Write the ``kind`` template (``rep`` / ``master``, as ``kqxl init`` builds it) as a
    macro-enabled workbook: ``runtime`` (default: xlwings' standalone module and
    ``Dictionary``), the ``macros/`` modules and the ribbon."""
    from kqxl.book.template import build_template
    from kqxl.rules import load_rules

    path = Path(target)
    temp = path.with_name(f".{path.stem}.tmp.xlsm")
    book = build_template(kind, load_rules(None))
    readme = book[LABELS["sheet_readme"]]
    for row, points in enumerate(_ROW_HEIGHTS, start=1):
        readme.row_dimensions[row].height = points
    data = io.BytesIO()
    book.save(data)
    package = _with_sheet_buttons(data.getvalue(), LABELS["sheet_readme"])
    temp.write_bytes(_macro_enabled(package))
    modules = {**(runtime or xlwings_modules(addin=False)), **sources.modules}
    names = _add_modules(temp, modules, new_project=True)
    _finish(temp, path, sources.custom_ui)
    return BuiltFile(path=path, modules=names, ribbon=True)


def build_addin(
    out_dir: str | os.PathLike[str] = "workbooks",
    *,
    macros_dir: str | os.PathLike[str] = MACROS_DIR,
) -> AddinBuild:
    """Write ``kqxl.xlam`` and the two ``.xlsm`` templates into ``out_dir`` (see module doc).

    Each file is written beside its target under a temporary name, then renamed over it.
    """
    sources = read_macros(macros_dir)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    built = [write_addin(folder / ADDIN_NAME, sources)]
    built += [
        write_macro_template(folder / name, kind, sources) for kind, name in TEMPLATES.items()
    ]
    return AddinBuild(files=built)
