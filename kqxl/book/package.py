"""The structure of an xlsx package: where the workbook, its sheets and styles live.

Only small parts are parsed here (workbook.xml, relationships, content types), always through
:func:`kqxl.book.safety.parse_xml` (defusedxml).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from kqxl.book.safety import fail, parse_xml, read_member
from kqxl.errors import WorkbookError

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_MAIN_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
REL_OFFICE_DOC = "/officeDocument"
REL_STYLES = "/styles"
REL_CALC_CHAIN = "/calcChain"
REL_TABLE = "/table"


def local(tag: str) -> str:
    """``{ns}name`` → ``name``."""
    return tag.rsplit("}", 1)[-1]


@dataclass(slots=True)
class Relationship:
    """One relationship of a part."""

    rid: str
    type: str
    target: str  # resolved to a package path (no leading slash) unless external
    external: bool = False


@dataclass(slots=True)
class SheetInfo:
    """A sheet listed in workbook.xml."""

    name: str
    sheet_id: str
    rid: str
    part: str | None  # None for a chartsheet / dialog sheet or a dangling relationship
    kind: str  # "worksheet", "chartsheet", ...
    state: str = "visible"
    # workbook.xml gives the sheet no r:id; ``rid`` is the one relationship of a sheet type
    # that no other sheet names (empty if there is none, or several: then ``part`` is None)
    rid_missing: bool = False


@dataclass(slots=True)
class Package:
    """The parts of one workbook that kqxl needs to know about."""

    path: Path
    workbook_part: str
    sheets: list[SheetInfo]
    date1904: bool
    styles_part: str | None = None
    calc_chain_part: str | None = None
    strict: bool = False  # Strict OOXML namespaces (ISO 29500 strict) rather than transitional

    @property
    def rids_complete(self) -> bool:
        """Whether every sheet names a relationship that exists (a reader that resolves
        sheets only through r:id, such as calamine, refuses the whole file otherwise)."""
        return all(s.kind != "missing" and not s.rid_missing for s in self.sheets)

    def sheet(self, name: str) -> SheetInfo:
        """The worksheet called ``name`` (Excel compares sheet names case-insensitively)."""
        for info in self.sheets:
            if info.name == name:
                return info
        for info in self.sheets:
            if info.name.casefold() == name.casefold():
                return info
        raise fail(WorkbookError, "sheet_not_found", path=self.path, sheet=name)


def rels_path(part: str) -> str:
    """``xl/workbook.xml`` → ``xl/_rels/workbook.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(base_part: str, target: str) -> str:
    """A relationship target relative to ``base_part`` as a package path."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def read_rels(path: Path, zf: zipfile.ZipFile, part: str) -> list[Relationship]:
    """The relationships of ``part`` (empty if it has none)."""
    name = rels_path(part)
    try:
        zf.getinfo(name)
    except KeyError:
        return []
    root = parse_xml(path, name, read_member(path, zf, name))
    rels = []
    for el in root:
        if local(el.tag) != "Relationship":
            continue
        external = el.get("TargetMode") == "External"
        target = el.get("Target", "")
        rels.append(
            Relationship(
                rid=el.get("Id", ""),
                type=el.get("Type", ""),
                target=target if external else resolve(part, target),
                external=external,
            )
        )
    return rels


def _by_type(rels: list[Relationship], suffix: str) -> Relationship | None:
    for rel in rels:
        if rel.type.endswith(suffix) and not rel.external:
            return rel
    return None


def open_package(path: Path, zf: zipfile.ZipFile) -> Package:
    """Read workbook.xml and its relationships."""
    root_rels = read_rels(path, zf, "")
    office = _by_type(root_rels, REL_OFFICE_DOC)
    workbook_part = office.target if office else "xl/workbook.xml"
    root = parse_xml(path, workbook_part, read_member(path, zf, workbook_part))
    rels = read_rels(path, zf, workbook_part)
    by_id = {r.rid: r for r in rels}
    date1904 = False
    sheets: list[SheetInfo] = []
    for el in root:
        tag = local(el.tag)
        if tag == "workbookPr":
            date1904 = el.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheets":
            for sheet in el:
                if local(sheet.tag) != "sheet":
                    continue
                rid = _rid(sheet)
                rel = by_id.get(rid)
                kind = rel.type.rsplit("/", 1)[-1] if rel else "missing"
                sheets.append(
                    SheetInfo(
                        name=sheet.get("name", ""),
                        sheet_id=sheet.get("sheetId", ""),
                        rid=rid,
                        part=rel.target if rel and not rel.external else None,
                        kind=kind,
                        state=sheet.get("state", "visible"),
                    )
                )
    _pair_missing_rids(sheets, rels)
    styles = _by_type(rels, REL_STYLES)
    chain = _by_type(rels, REL_CALC_CHAIN)
    return Package(
        path=path,
        workbook_part=workbook_part,
        sheets=sheets,
        date1904=date1904,
        styles_part=styles.target if styles else None,
        calc_chain_part=chain.target if chain else None,
        strict=root.tag.startswith(f"{{{NS_MAIN_STRICT}}}"),
    )


_SHEET_REL_KINDS = frozenset(
    {"worksheet", "chartsheet", "dialogsheet", "xlMacrosheet", "xlIntlMacrosheet"}
)


def _pair_missing_rids(sheets: list[SheetInfo], rels: list[Relationship]) -> None:
    """Give a ``<sheet>`` without r:id the relationship it lost, where that is certain.

    LibreOffice opens such a workbook with the sheet empty; Excel repairs it. When exactly one
    sheet lacks its r:id and exactly one sheet relationship is named by no sheet, that
    relationship is the sheet's: kqxl reads it and, on writing, puts the r:id back. With
    several of either nothing is guessed: the sheets stay without content (``part`` None).
    """
    lost = [s for s in sheets if not s.rid]
    for sheet in lost:
        sheet.rid_missing = True
    if len(lost) != 1:
        return
    named = {s.rid for s in sheets if s.rid}
    orphans = [
        r
        for r in rels
        if r.rid not in named and not r.external and r.type.rsplit("/", 1)[-1] in _SHEET_REL_KINDS
    ]
    if len(orphans) == 1:
        rel = orphans[0]
        lost[0].rid, lost[0].part = rel.rid, rel.target
        lost[0].kind = rel.type.rsplit("/", 1)[-1]


def _rid(el: Element) -> str:
    for ns in (NS_REL, NS_REL_STRICT):
        value = el.get(f"{{{ns}}}id")
        if value:
            return value
    return ""


_SHEETS_BLOCK = re.compile(rb"<(?:\w+:)?sheets\b[^>]*>(.*?)</(?:\w+:)?sheets>", re.S)
_SHEET_START = re.compile(rb"<(?:\w+:)?sheet(?=[\s/>])([^>]*?)(/?)>")


def restore_rids(xml: bytes, package: Package) -> bytes:
    """workbook.xml with the r:id put back on each sheet whose relationship
    :func:`open_package` found for it (the same bytes when there is none)."""
    todo = {i: s.rid for i, s in enumerate(package.sheets) if s.rid_missing and s.rid}
    block = _SHEETS_BLOCK.search(xml)
    if not todo or block is None:
        return xml
    ns = (NS_REL_STRICT if package.strict else NS_REL).encode()
    declared = re.search(rb'xmlns:(\w+)="' + re.escape(ns) + rb'"', xml[: block.start()])
    # the sheet element may declare the prefix itself where the root does not
    prefix = declared.group(1) if declared else b"r"
    bind = b"" if declared else b' xmlns:r="' + ns + b'"'
    out = []
    pos = block.start(1)
    for i, m in enumerate(_SHEET_START.finditer(xml, block.start(1), block.end(1))):
        if i in todo:
            # one the sheet element declares itself (as openpyxl writes with lxml) is used as is
            own = re.search(rb'xmlns:(\w+)="' + re.escape(ns) + rb'"', m.group(1))
            use, add = (own.group(1), b"") if own else (prefix, bind)
            at = m.start(2)
            out.append(xml[pos:at].rstrip(b" ") if m.group(2) else xml[pos:at])
            out.append(add + b" " + use + b':id="' + todo[i].encode() + b'"')
            if m.group(2):
                out.append(b"/")
            pos = m.end() - 1
    out.append(xml[pos:])
    return xml[: block.start(1)] + b"".join(out)
