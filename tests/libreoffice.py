"""Ask a real LibreOffice what it sees in a workbook (over UNO, not by re-reading with openpyxl).

The UNO bridge only imports under the system Python, so :func:`lo_inspect` runs
``tests/lo_probe.py`` with ``/usr/bin/python3`` (or ``$KQXL_UNO_PYTHON``) as a subprocess. One
headless soffice with a private profile serves the whole call; files are loaded hidden,
read-only, with macros never executed. A file LibreOffice cannot open gives an error entry;
a file that hangs longer than ``timeout`` kills that soffice, gets an error entry, and a fresh
soffice goes on with the next file.

Speed: ~0.06 s per file over 50 files of the Excel corpus in one call (plus ~1.5 s to start
soffice), with the default caps (200 rows × 64 columns of values per sheet); the whole corpus
(1,002 files) took 55 s, i.e. 0.055 s per file, only its 9 non-spreadsheet files as errors.

Result: one dict per path, in order::

    {
      "path": str,                 # as given
      "ok": bool,                  # False: "error" says why, "sheets" is []
      "error": str | None,         # "timeout after 60s", "LibreOffice could not load the file", ...
      "seconds": float,            # time spent on this file
      "sheets": [{                 # in tab order
        "name": str,
        "visible": bool,
        "protected": bool,         # XProtectable.isProtected()
        "used_range": "A1:F20",    # up to the last cell with content
        "truncated": bool,         # only without a requested range: the cap cut the used range
        "frozen": {"col": 2, "row": 2, "cell": "C3"} | None,   # first unfrozen cell
        "cells": {                 # requested range (all cells) or capped used range (non-empty)
          "B1": {
            "type": "EMPTY" | "VALUE" | "TEXT" | "FORMULA",
            "value": float | str | None,   # number, text or formula result
            "formula": "=A1*2" | None,
            "error": int | None,   # formulas only: LibreOffice error code (e.g. 502), None if fine
            "text": str,           # formulas only: the shown text of the result
            "shown": str,          # requested ranges only: the text the cell displays
            "format": "0%",        # requested ranges only: the number format's code ...
            "format_kinds": ["NUMBER", "PERCENT"],  # ... and its kinds (DATE, TIME, TEXT,
                                   # LOGICAL, CURRENCY, SCIENTIFIC, FRACTION, DEFINED)
            "locked": bool,        # requested ranges only: CellProtection.IsLocked
            "merged": "A1:D1",     # requested ranges only, when the cell lies in a merged block
          }, ...},
        "validations": [{          # every data validation on the sheet (type ANY left out)
          "type": "LIST" | "WHOLE" | "DECIMAL" | "DATE" | "TIME" | "TEXT_LEN" | "CUSTOM",
          "formula1": str, "formula2": str, "operator": str,
          "list": ["是", "否"] | None,  # LIST with inline values; None for a range reference
          "allow_blank": bool, "show_list": int, "show_error": bool, "error_style": "STOP" | ...,
          "error_title": str, "error_message": str,
          "show_input": bool, "input_title": str, "input_message": str,
          "ranges": "C3,C4:C2000",  # where it applies, without sheet name and $
        }, ...],
        "protection": [{"locked": bool, "hidden": bool, "formula_hidden": bool,
                        "ranges": "A1:F2,G1:XFD1048576"}, ...],   # the whole sheet, by attribute
        "conditional_formats": [{
          "ranges": "D3:D2000",
          "entries": [
            {"type": "CONDITION", "operator": "EQUAL" | "EXPRESSION" | ..., "formula1": str,
             "formula2": str, "style": str, "back_color": "FF0000", "char_color": ""},
            {"type": "COLORSCALE", "scale": [{"type": "MIN" | "VALUE" | ..., "formula": str,
                                              "color": "F8696B"}, ...]},
            {"type": "DATABAR" | "ICONSET" | "DATE"},
          ]}, ...],
      }, ...],
    }

Ranges are given per sheet name, comma-separated blocks: ``{"客户": "A1:C5,F1:F3"}``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

PROBE = Path(__file__).with_name("lo_probe.py")
UNO_PYTHON = os.environ.get("KQXL_UNO_PYTHON", "/usr/bin/python3")
STARTUP_ALLOWANCE = 90.0


class LibreOfficeError(RuntimeError):
    """The probe itself failed (not one file: that gives an error entry)."""


def lo_available() -> bool:
    """True when soffice is on PATH and the system Python can import ``uno``."""
    if shutil.which("soffice") is None or not Path(UNO_PYTHON).exists():
        return False
    try:
        done = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def lo_inspect(
    paths: list[Path],
    *,
    ranges: dict[str, str] | None = None,
    recalc: bool = False,
    timeout: float = 60.0,
    max_rows: int = 200,
    max_cols: int = 64,
    read_only: bool = True,
) -> list[dict[str, Any]]:
    """Open each path in one LibreOffice and return what it sees (format: module docstring).

    ``ranges`` maps sheet name → ``"A1:C5"`` (cells reported with lock and merge state);
    sheets without one report their used range capped at ``max_rows`` × ``max_cols``.
    ``recalc`` runs ``calculateAll()`` before reading. ``timeout`` is per file.
    """
    job = {
        "files": [str(p) for p in paths],
        "ranges": ranges,
        "recalc": recalc,
        "timeout": timeout,
        "max_rows": max_rows,
        "max_cols": max_cols,
        "read_only": read_only,
    }
    # A fresh soffice per timed-out file may be needed, so allow one startup per file on top.
    overall = STARTUP_ALLOWANCE + len(paths) * timeout * 2
    try:
        done = subprocess.run(
            [UNO_PYTHON, str(PROBE)],
            input=json.dumps(job, ensure_ascii=False),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=overall,
        )
    except subprocess.TimeoutExpired as exc:
        raise LibreOfficeError(f"the LibreOffice probe did not finish within {overall:g}s") from exc
    if done.returncode != 0:
        raise LibreOfficeError(
            f"the LibreOffice probe failed ({done.returncode}):\n{done.stderr[-4000:]}"
        )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def sheet_of(result: dict[str, Any], name: str) -> dict[str, Any]:
    """The sheet called ``name`` in one file's result."""
    for sheet in result["sheets"]:
        if sheet["name"] == name:
            return sheet
    raise KeyError(
        f"{result['path']}: no sheet {name!r} (has {[s['name'] for s in result['sheets']]})"
    )
