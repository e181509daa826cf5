"""Run macros of a workbook in LibreOffice over UNO and print what each one left, as JSON.

Run by the *system* Python (the one that can ``import uno``), never imported by the tests:

    /usr/bin/python3 tests/lo_macros.py < job.json > result.json

The job (stdin) is ``{"file": path, "macros": ["Module.Sub", ...], "result": "Module.Func"}``
and optionally ``"open_first": [path, ...]``, workbooks loaded (hidden) before the file and
kept open while its macros run: the file is loaded hidden with macros allowed, each macro runs
in turn, and after each one the ``result`` function (a stand-in the test put into the
workbook) is called. Then every shape on
every sheet that runs a macro when clicked is "clicked": the script its OnClick event names is
invoked, and ``result`` called after it. Output::

    {"modules": ["KqButtons", ...],          # the Basic modules LibreOffice imported
     "runs": [{"macro": str, "result": str | None, "error": str | None}, ...],
     "buttons": [{"sheet": str, "text": str, "script": str, "result": str | None,
                  "error": str | None}, ...],
     "error": str | None}
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import uno  # type: ignore[import-not-found]
from lo_probe import BRIDGE_ERRORS, Office, _prop


def _script(doc: Any, name: str) -> Any:
    uri = f"vnd.sun.star.script:VBAProject.{name}?language=Basic&location=document"
    return doc.getScriptProvider().getScript(uri)


def _click(doc: Any, job: dict[str, Any]) -> list[dict[str, Any]]:
    provider = doc.getScriptProvider()
    buttons = []
    for i in range(doc.Sheets.getCount()):
        sheet = doc.Sheets.getByIndex(i)
        page = sheet.DrawPage
        for j in range(page.getCount()):
            shape = page.getByIndex(j)
            events = shape.getEvents()
            if not events.hasByName("OnClick"):
                continue
            bound = {p.Name: p.Value for p in events.getByName("OnClick")}
            script = bound.get("Script") or ""
            if not script:
                continue
            entry: dict[str, Any] = {
                "sheet": sheet.Name,
                "text": shape.String,
                "script": script,
                "result": None,
                "error": None,
            }
            try:
                provider.getScript(script).invoke((), (), ())
                entry["result"] = _script(doc, job["result"]).invoke((), (), ())[0]
            except BRIDGE_ERRORS as exc:
                entry["error"] = f"{type(exc).__name__}: {exc}"
            buttons.append(entry)
    return buttons


def _as(path: str, props: tuple[Any, ...]) -> tuple[Any, ...]:
    """Load properties for ``path``: an add-in (.xlam), which LibreOffice does not detect by
    itself, is loaded with the filter of a macro-enabled workbook (the same package)."""
    if path.lower().endswith(".xlam"):
        return (*props, _prop("FilterName", "Calc MS Excel 2007 VBA XML"))
    return props


def run(job: dict[str, Any]) -> dict[str, Any]:
    office = Office()
    office.start()
    try:
        props = (
            _prop("Hidden", True),
            _prop("MacroExecutionMode", 4),  # ALWAYS_EXECUTE_NO_WARN
            _prop("UpdateDocMode", 0),
        )
        for other in job.get("open_first", []):
            other_url = uno.systemPathToFileUrl(os.path.abspath(other))
            loaded = office.desktop.loadComponentFromURL(other_url, "_blank", 0, _as(other, props))
            if loaded is None:
                return {"modules": [], "runs": [], "buttons": [], "error": f"not loaded: {other}"}
        url = uno.systemPathToFileUrl(os.path.abspath(job["file"]))
        doc = office.desktop.loadComponentFromURL(url, "_blank", 0, _as(job["file"], props))
        if doc is None:
            return {
                "modules": [],
                "runs": [],
                "buttons": [],
                "error": "LibreOffice could not load the file",
            }
        try:
            libraries = doc.BasicLibraries
            modules: list[str] = []
            if libraries.hasByName("VBAProject"):
                libraries.loadLibrary("VBAProject")
                modules = sorted(libraries.getByName("VBAProject").getElementNames())
            runs = []
            for macro in job["macros"]:
                entry: dict[str, Any] = {"macro": macro, "result": None, "error": None}
                try:
                    _script(doc, macro).invoke((), (), ())
                    value = _script(doc, job["result"]).invoke((), (), ())[0]
                    entry["result"] = value
                except BRIDGE_ERRORS as exc:
                    entry["error"] = f"{type(exc).__name__}: {exc}"
                runs.append(entry)
            return {"modules": modules, "runs": runs, "buttons": _click(doc, job), "error": None}
        finally:
            doc.close(True)
    finally:
        office.stop()


def main() -> int:
    print(json.dumps(run(json.load(sys.stdin)), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
