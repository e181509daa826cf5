"""Open workbooks in LibreOffice over UNO and print what LibreOffice sees, as JSON.

Run by the *system* Python (the one that can ``import uno``), never imported by the tests:

    /usr/bin/python3 tests/lo_probe.py < job.json > result.json

The job (stdin) is ``{"files": [...], "ranges": {sheet: "A1:C3,E1"} | null, "recalc": bool,
"read_only": bool, "timeout": seconds per file, "max_rows": int, "max_cols": int}``; an entry
of ``files`` is a path or a dict with ``path`` and any of ``ranges``, ``recalc``,
``read_only``, ``timeout`` overriding the job defaults. One soffice serves the whole job; a
file that hangs longer than ``timeout`` kills it, is reported as an error, and a fresh soffice
carries on with the next file. The result (stdout) is a JSON list, one entry per file, in job
order; its format is documented in ``tests/libreoffice.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]
from com.sun.star.uno import Exception as UnoException  # type: ignore[import-not-found]
from com.sun.star.uno import RuntimeException as UnoRuntimeException  # type: ignore[import-not-found]

SOFFICE = os.environ.get("KQXL_SOFFICE") or shutil.which("soffice") or "soffice"
START_TIMEOUT = 60.0
# Errors that a dead or wedged soffice raises on the client side of the bridge.
BRIDGE_ERRORS: tuple[type[BaseException], ...] = (UnoException, UnoRuntimeException, OSError)

CONDITION_ENTRY_TYPES = {0: "CONDITION", 1: "COLORSCALE", 2: "DATABAR", 3: "ICONSET", 4: "DATE"}
COLOR_SCALE_ENTRY_TYPES = {
    0: "MIN",
    1: "MAX",
    2: "PERCENTILE",
    3: "VALUE",
    4: "PERCENT",
    5: "FORMULA",
}
CONDITION_OPERATORS = (
    "EQUAL",
    "LESS",
    "GREATER",
    "LESS_EQUAL",
    "GREATER_EQUAL",
    "NOT_EQUAL",
    "BETWEEN",
    "NOT_BETWEEN",
    "DUPLICATE",
    "UNIQUE",
    "TOP_N_ELEMENTS",
    "BOTTOM_N_ELEMENTS",
    "TOP_N_PERCENT",
    "BOTTOM_N_PERCENT",
    "ABOVE_AVERAGE",
    "BELOW_AVERAGE",
    "ABOVE_EQUAL_AVERAGE",
    "BELOW_EQUAL_AVERAGE",
    "ERROR",
    "NO_ERROR",
    "BEGINS_WITH",
    "ENDS_WITH",
    "CONTAINS",
    "NOT_CONTAINS",
    "EXPRESSION",
)
# com.sun.star.util.NumberFormat flags (DATETIME is DATE | TIME)
NUMBER_FORMAT_TYPES = {
    1: "DEFINED",
    2: "DATE",
    4: "TIME",
    8: "CURRENCY",
    16: "NUMBER",
    32: "SCIENTIFIC",
    64: "FRACTION",
    128: "PERCENT",
    256: "TEXT",
    1024: "LOGICAL",
}
CELL_TYPES = {"EMPTY", "VALUE", "TEXT", "FORMULA"}
_ADDRESS = re.compile(r"^\$?([A-Z]+)\$?(\d+)$")
_LIST_ITEM = re.compile(r'"((?:[^"]|"")*)"')


def _prop(name: str, value: object) -> Any:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def _col_letter(col: int) -> str:
    """0 → ``A`` (UNO columns are 0-based)."""
    col += 1
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _hex(color: int) -> str:
    return f"{color & 0xFFFFFF:06X}" if color is not None and color >= 0 else ""


def _strip_sheet(addresses: str) -> str:
    """``客户.C3:C2000,客户.E3`` → ``C3:C2000,E3`` (the sheet is known from context)."""
    return ",".join(
        part.rsplit(".", 1)[-1].replace("$", "") for part in addresses.split(",") if part
    )


class Office:
    """One headless soffice with a private profile, reached over a named pipe."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="kqxl-lo-profile-")
        self.proc: subprocess.Popen[bytes] | None = None
        self.desktop: Any = None
        self.pipe = ""

    def start(self) -> None:
        self.pipe = f"kqxl_{uuid.uuid4().hex[:12]}"
        self.proc = subprocess.Popen(
            [
                SOFFICE,
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nolockcheck",
                f"-env:UserInstallation={uno.systemPathToFileUrl(self.profile)}",
                f"--accept=pipe,name={self.pipe};urp;",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            process_group=0,  # its own process group, so kill() reaches soffice.bin too (3.11+)
        )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"soffice did not start (exit code {self.proc.poll()})"
                    ) from None
                time.sleep(0.1)
        self.desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx
        )

    def kill(self) -> None:
        """Kill soffice hard (a file hung it); the bridge calls blocked on it then fail."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.desktop = None

    def stop(self) -> None:
        """Terminate soffice cleanly, hard if it does not go within a few seconds."""
        if self.proc is not None and self.proc.poll() is None and self.desktop is not None:
            try:
                self.desktop.terminate()
                self.proc.wait(15)
            except (*BRIDGE_ERRORS, subprocess.TimeoutExpired):
                pass
        self.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def _parse_list(formula: str) -> list[str] | None:
    """LibreOffice shows an inline list as ``"是";"否"``; a range reference gives ``None``."""
    items = _LIST_ITEM.findall(formula)
    if not items or _LIST_ITEM.sub("", formula).replace(";", "").replace(",", "").strip():
        return None
    return [i.replace('""', '"') for i in items]


def _formats(sheet: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Data validations and cell protection, from the sheet's unique-format ranges.

    LibreOffice keeps validation and protection as cell attributes; grouping the whole sheet by
    attributes is one call and avoids touching cells one by one.
    """
    validations: dict[tuple[Any, ...], dict[str, Any]] = {}
    protection: dict[tuple[bool, bool, bool], list[str]] = {}
    groups = sheet.getUniqueCellFormatRanges()
    for i in range(groups.getCount()):
        group = groups.getByIndex(i)
        where = _strip_sheet(group.getRangeAddressesAsString())
        v = group.getPropertyValue("Validation")
        vtype = v.Type.value
        if vtype != "ANY":
            f1, f2 = v.getFormula1(), v.getFormula2()
            key = (
                vtype,
                f1,
                f2,
                v.ErrorMessage,
                v.ShowErrorMessage,
                v.ShowList,
                v.IgnoreBlankCells,
            )
            entry = validations.setdefault(
                key,
                {
                    "type": vtype,
                    "formula1": f1,
                    "formula2": f2,
                    "list": _parse_list(f1) if vtype == "LIST" else None,
                    "operator": v.getOperator().value,
                    "allow_blank": bool(v.IgnoreBlankCells),
                    "show_list": int(v.ShowList),
                    "show_error": bool(v.ShowErrorMessage),
                    "error_title": v.ErrorTitle,
                    "error_message": v.ErrorMessage,
                    "error_style": v.ErrorAlertStyle.value,
                    "show_input": bool(v.ShowInputMessage),
                    "input_title": v.InputTitle,
                    "input_message": v.InputMessage,
                    "ranges": [],
                },
            )
            entry["ranges"].extend(where.split(","))
        cp = group.getPropertyValue("CellProtection")
        protection.setdefault(
            (bool(cp.IsLocked), bool(cp.IsFormulaHidden), bool(cp.IsHidden)), []
        ).extend(where.split(","))
    return (
        [{**e, "ranges": ",".join(e["ranges"])} for e in validations.values()],
        [
            {"locked": k[0], "formula_hidden": k[1], "hidden": k[2], "ranges": ",".join(r)}
            for k, r in protection.items()
        ],
    )


def _conditional_formats(doc: Any, sheet: Any) -> list[dict[str, Any]]:
    styles = doc.StyleFamilies.getByName("CellStyles")
    out = []
    for cf in sheet.ConditionalFormats.getConditionalFormats():
        entries = []
        for i in range(cf.getCount()):
            e = cf.getByIndex(i)
            etype = CONDITION_ENTRY_TYPES.get(e.Type, str(e.Type))
            entry: dict[str, Any] = {"type": etype}
            if etype == "CONDITION":
                op = e.getPropertyValue("Operator")
                entry["operator"] = (
                    CONDITION_OPERATORS[op] if 0 <= op < len(CONDITION_OPERATORS) else op
                )
                entry["formula1"] = e.getPropertyValue("Formula1")
                entry["formula2"] = e.getPropertyValue("Formula2")
                style = e.getPropertyValue("StyleName")
                entry["style"] = style
                if style and styles.hasByName(style):
                    st = styles.getByName(style)
                    entry["back_color"] = _hex(st.CellBackColor)
                    entry["char_color"] = _hex(st.CharColor)
            elif etype == "COLORSCALE":
                entry["scale"] = [
                    {
                        "type": COLOR_SCALE_ENTRY_TYPES.get(s.getType(), s.getType()),
                        "formula": s.getFormula(),
                        "color": _hex(s.getColor()),
                    }
                    for s in e.getPropertyValue("ColorScaleEntries")
                ]
            entries.append(entry)
        out.append(
            {"ranges": _strip_sheet(cf.Range.getRangeAddressesAsString()), "entries": entries}
        )
    return out


def _format_of(doc: Any, cell: Any) -> tuple[str, list[str]]:
    """The number format a cell shows its value in: its code and its kinds (``PERCENT``...)."""
    fmt = doc.getNumberFormats().getByKey(cell.getPropertyValue("NumberFormat"))
    flags = int(fmt.getPropertyValue("Type"))
    kinds = [name for bit, name in NUMBER_FORMAT_TYPES.items() if flags & bit]
    return str(fmt.getPropertyValue("FormatString")), kinds


def _cells(
    sheet: Any, address: str, *, keep_empty: bool, detail: bool, doc: Any = None
) -> dict[str, Any]:
    """Values of one block: two bulk calls; per-cell calls only for formulas and ``detail``."""
    rng = sheet.getCellRangeByName(address)
    ra = rng.getRangeAddress()
    data, formulas = rng.getDataArray(), rng.getFormulaArray()
    out: dict[str, Any] = {}
    for i, (drow, frow) in enumerate(zip(data, formulas, strict=False)):
        for j, (value, formula) in enumerate(zip(drow, frow, strict=False)):
            row, col = ra.StartRow + i, ra.StartColumn + j
            is_formula = isinstance(formula, str) and formula.startswith("=") and len(formula) > 1
            if is_formula:
                # getFormula() of a text cell that begins with "=" is that text too: ask the cell.
                probe = sheet.getCellByPosition(col, row)
                is_formula = probe.getType().value == "FORMULA"
            if is_formula:
                ctype = "FORMULA"
            elif isinstance(value, float):
                ctype = "VALUE"
            elif value == "" and formula == "":
                ctype = "EMPTY"
            else:
                ctype = "TEXT"
            if ctype == "EMPTY" and not keep_empty:
                continue
            cell_info: dict[str, Any] = {
                "type": ctype,
                "value": None if ctype == "EMPTY" else value,
                "formula": formula if is_formula else None,
            }
            if is_formula or detail:
                cell = sheet.getCellByPosition(col, row)
                if is_formula:
                    err = cell.getError()
                    cell_info["error"] = err or None
                    cell_info["text"] = cell.getString()
                if detail:
                    cell_info["shown"] = cell.getString()
                    if doc is not None:
                        cell_info["format"], cell_info["format_kinds"] = _format_of(doc, cell)
                    cell_info["locked"] = bool(cell.getPropertyValue("CellProtection").IsLocked)
                    cursor = sheet.createCursorByRange(cell)
                    cursor.collapseToMergedArea()
                    ca = cursor.getRangeAddress()
                    if (ca.EndRow, ca.EndColumn) != (ca.StartRow, ca.StartColumn):
                        cell_info["merged"] = (
                            f"{_col_letter(ca.StartColumn)}{ca.StartRow + 1}:"
                            f"{_col_letter(ca.EndColumn)}{ca.EndRow + 1}"
                        )
            out[f"{_col_letter(col)}{row + 1}"] = cell_info
    return out


def _inspect_sheet(
    doc: Any, sheet: Any, ranges: str | None, max_rows: int, max_cols: int, controller: Any
) -> dict[str, Any]:
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.getRangeAddress()
    used = f"A1:{_col_letter(end.EndColumn)}{end.EndRow + 1}"
    info: dict[str, Any] = {
        "name": sheet.Name,
        "protected": bool(sheet.isProtected()),
        "used_range": used,
        "visible": bool(sheet.IsVisible),
    }
    if ranges:
        cells: dict[str, Any] = {}
        for part in ranges.split(","):
            cells.update(_cells(sheet, part.strip(), keep_empty=True, detail=True, doc=doc))
        info["cells"] = cells
    else:
        capped = (
            f"A1:{_col_letter(min(end.EndColumn, max_cols - 1))}{min(end.EndRow + 1, max_rows)}"
        )
        info["cells"] = _cells(sheet, capped, keep_empty=False, detail=False)
        info["truncated"] = end.EndRow + 1 > max_rows or end.EndColumn + 1 > max_cols
    info["validations"], info["protection"] = _formats(sheet)
    info["conditional_formats"] = _conditional_formats(doc, sheet)
    info["frozen"] = None
    if controller is not None:
        controller.setActiveSheet(sheet)
        if controller.hasFrozenPanes():
            col, row = controller.getSplitColumn(), controller.getSplitRow()
            info["frozen"] = {"col": col, "row": row, "cell": f"{_col_letter(col)}{row + 1}"}
    return info


def inspect(
    office: Office,
    path: str,
    ranges: dict[str, str] | None,
    recalc: bool,
    read_only: bool,
    max_rows: int,
    max_cols: int,
) -> dict[str, Any]:
    """Load one file hidden, with macros off, and describe it."""
    url = uno.systemPathToFileUrl(os.path.abspath(path))
    props = (
        _prop("Hidden", True),
        _prop("ReadOnly", read_only),
        _prop("MacroExecutionMode", 0),  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
        _prop("UpdateDocMode", 0),
    )  # NO_UPDATE: never fetch external links
    doc = office.desktop.loadComponentFromURL(url, "_blank", 0, props)
    if doc is None:
        return {
            "path": path,
            "ok": False,
            "error": "LibreOffice could not load the file",
            "sheets": [],
        }
    try:
        if not doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            return {"path": path, "ok": False, "error": "not a spreadsheet", "sheets": []}
        if recalc:
            doc.calculateAll()
        controller = doc.getCurrentController()
        sheets = doc.Sheets
        out = []
        for i in range(sheets.getCount()):
            sheet = sheets.getByIndex(i)
            out.append(
                _inspect_sheet(
                    doc, sheet, (ranges or {}).get(sheet.Name), max_rows, max_cols, controller
                )
            )
        return {"path": path, "ok": True, "error": None, "sheets": out}
    finally:
        with contextlib.suppress(BRIDGE_ERRORS):
            doc.close(True)


def run(job: dict[str, Any]) -> list[dict[str, Any]]:
    timeout = float(job.get("timeout", 60))
    results: list[dict[str, Any]] = []
    office = Office()
    office.start()
    try:
        for spec in job["files"]:
            spec = {"path": spec} if isinstance(spec, str) else spec
            path = spec["path"]
            started = time.monotonic()
            fired = threading.Event()

            def on_timeout(fired: threading.Event = fired) -> None:
                fired.set()
                office.kill()

            limit = float(spec.get("timeout", timeout))
            timer = threading.Timer(limit, on_timeout)
            timer.start()
            try:
                if office.desktop is None:
                    office.start()
                result = inspect(
                    office,
                    path,
                    spec.get("ranges", job.get("ranges")),
                    bool(spec.get("recalc", job.get("recalc", False))),
                    bool(spec.get("read_only", job.get("read_only", True))),
                    int(job.get("max_rows", 200)),
                    int(job.get("max_cols", 64)),
                )
            except BRIDGE_ERRORS as exc:
                # IllegalArgumentException (cannot open), DisposedException (we killed it), ...
                msg = (
                    f"timeout after {limit:g}s"
                    if fired.is_set()
                    else f"{type(exc).__name__}: {exc}"
                )
                result = {"path": path, "ok": False, "error": msg, "sheets": []}
                if fired.is_set() or not _alive(office):
                    office.kill()
            finally:
                timer.cancel()
            result["seconds"] = round(time.monotonic() - started, 3)
            results.append(result)
    finally:
        office.stop()
    return results


def _alive(office: Office) -> bool:
    try:
        return (
            office.desktop is not None
            and office.proc is not None
            and office.proc.poll() is None
            and office.desktop.getComponents() is not None
        )
    except BRIDGE_ERRORS:
        return False


def main() -> int:
    job = json.load(sys.stdin)
    results = run(job)
    json.dump(results, sys.stdout, ensure_ascii=False, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
