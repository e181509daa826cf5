"""The LibreOffice harness itself: it must see what LibreOffice sees, and survive bad files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import sheet_of
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

Inspect = Callable[..., list[dict[str, Any]]]


def _sample(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    ws["A1"] = 21
    ws["B1"] = "=A1*2"
    ws["C1"] = "是"
    dv = DataValidation(
        type="list",
        formula1='"是,否"',
        allow_blank=True,
        showErrorMessage=True,
        error="请选择是或否",
    )
    ws.add_data_validation(dv)
    dv.add("C3:C100")
    ws.conditional_formatting.add(
        "D3:D100",
        ColorScaleRule(
            start_type="num",
            start_value=0,
            start_color="FFFFFF",
            end_type="num",
            end_value=1,
            end_color="FF0000",
        ),
    )
    ws.conditional_formatting.add(
        "E3:E100",
        CellIsRule(
            operator="equal", formula=['"I级"'], fill=PatternFill("solid", fgColor="FFC7CE")
        ),
    )
    ws["C3"].protection = Protection(locked=False)
    ws.merge_cells("A5:B5")
    ws.freeze_panes = "C3"
    ws.protection.sheet = True
    wb.create_sheet("项目")["A1"] = "x"
    wb.save(path)
    return path


@pytest.mark.libreoffice
def test_recalculates_and_reports_everything(libreoffice: Inspect, tmp_dir: Path) -> None:
    path = _sample(tmp_dir / "sample.xlsx")
    # openpyxl writes no cached result, so 42 can only come from LibreOffice computing it.
    [result] = libreoffice([path], ranges={"客户": "A1:C5"}, recalc=True)
    assert result["ok"], result["error"]
    assert [s["name"] for s in result["sheets"]] == ["客户", "项目"]
    sheet = sheet_of(result, "客户")
    b1 = sheet["cells"]["B1"]
    assert (b1["type"], b1["formula"], b1["value"], b1["error"]) == ("FORMULA", "=A1*2", 42.0, None)
    assert sheet["cells"]["A1"] == {
        "type": "VALUE",
        "value": 21.0,
        "formula": None,
        "shown": "21",
        "format": "General",
        "format_kinds": ["NUMBER"],
        "locked": True,
    }
    assert sheet["cells"]["C1"]["value"] == "是"
    assert sheet["cells"]["C3"]["locked"] is False
    assert sheet["cells"]["A5"]["merged"] == "A5:B5"
    assert sheet["protected"] is True
    assert sheet["frozen"] == {"col": 2, "row": 2, "cell": "C3"}
    [dv] = sheet["validations"]
    assert dv["type"] == "LIST" and dv["list"] == ["是", "否"]
    assert dv["error_message"] == "请选择是或否" and dv["show_error"]
    assert set(dv["ranges"].split(",")) == {"C3", "C4:C100"}
    cfs = {cf["ranges"]: cf["entries"] for cf in sheet["conditional_formats"]}
    assert cfs["D3:D100"][0]["type"] == "COLORSCALE"
    assert [s["color"] for s in cfs["D3:D100"][0]["scale"]] == ["FFFFFF", "FF0000"]
    assert cfs["E3:E100"][0]["formula1"] == '"I级"'
    assert cfs["E3:E100"][0]["back_color"] == "FFC7CE"
    assert sheet_of(result, "项目")["protected"] is False


@pytest.mark.libreoffice
def test_without_recalc_and_without_ranges(libreoffice: Inspect, tmp_dir: Path) -> None:
    path = _sample(tmp_dir / "sample.xlsx")
    [result] = libreoffice([path])
    cells = sheet_of(result, "客户")["cells"]
    assert set(cells) == {"A1", "B1", "C1"}  # the used range, empty cells left out
    assert "locked" not in cells["A1"]


@pytest.mark.libreoffice
def test_bad_files_are_entries_not_crashes(libreoffice: Inspect, tmp_dir: Path) -> None:
    good = _sample(tmp_dir / "good.xlsx")
    garbage = tmp_dir / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    missing = tmp_dir / "missing.xlsx"
    results = libreoffice([garbage, missing, good])
    assert [r["ok"] for r in results] == [False, False, True]
    assert all(r["error"] for r in results[:2])
    assert [r["path"] for r in results] == [str(garbage), str(missing), str(good)]


@pytest.mark.libreoffice
def test_a_hanging_file_restarts_office_and_the_run_goes_on(tmp_dir: Path) -> None:
    import json
    import subprocess

    from libreoffice import PROBE, UNO_PYTHON

    good = _sample(tmp_dir / "good.xlsx")
    # A per-file limit far below what loading takes stands in for a file that hangs soffice.
    job = {"files": [{"path": str(good), "timeout": 0.01}, str(good)], "recalc": True}
    done = subprocess.run(
        [UNO_PYTHON, str(PROBE)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    first, second = json.loads(done.stdout)
    assert not first["ok"] and first["error"].startswith("timeout")
    assert second["ok"]
    assert sheet_of(second, "客户")["cells"]["B1"]["value"] == 42.0


def test_text_that_looks_like_a_formula_is_text(tmp_path: Path, libreoffice) -> None:
    """A text cell "=1+1" is TEXT to LibreOffice; a real formula "=1+1" is FORMULA showing 2."""
    from kqxl.book import CellChange, patch_workbook

    path = tmp_path / "text.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(path)
    patch_workbook(path, [CellChange("Sheet", 2, 1, "=1+1")], backup=False)
    [info] = libreoffice([path], ranges={"Sheet": "A1:A2"})
    cells = info["sheets"][0]["cells"]
    assert cells["A1"]["type"] == "FORMULA" and cells["A1"]["value"] == 2
    assert cells["A2"] == {**cells["A2"], "type": "TEXT", "value": "=1+1", "formula": None}
