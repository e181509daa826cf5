"""What kqxl keeps in a workbook, through the command line as a user runs it: keys assigned on
recompute, the 设置 sheet, and the rules that live with the workbook (规则 sheet, --rules,
``rules export``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from kqxl.api import recompute_workbook, validate_workbook
from kqxl.book import CellChange, patch_workbook, read_workbook
from kqxl.book.settings import SETTINGS_SHEET, read_settings
from kqxl.book.template import template_columns, write_template
from kqxl.cli import cli
from kqxl.demo import TODAY, sample_team
from kqxl.keys import parse_key
from kqxl.rules import default_rules_text, load_rules
from kqxl.rules.io import rules_fingerprint
from kqxl.rules.sheet import RULES_SHEET
from kqxl.schema import SCHEMA

TODAY_ARG = ["--today", TODAY.isoformat()]
KEY_COL = {s.name: s.headers.index(s.column(s.key_column).header) + 1 for s in SCHEMA.sheets}
NAME_COL = {s.name: s.headers.index(s.column(s.name_column).header) + 1 for s in SCHEMA.sheets}


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture()
def rep_book(tmp_path: Path) -> Path:
    customers, projects = sample_team()["张伟"]
    return write_template(
        tmp_path / "客户跟进表-张伟.xlsx",
        "rep",
        load_rules(None),
        rep_name="张伟",
        customers=customers,
        projects=projects,
    )


@pytest.fixture()
def strict_rules(tmp_path: Path) -> Path:
    """The default rules, renamed, with a 总包 needing many more visits for I级 (so grades and
    heats differ from the default's on the sample rows)."""
    text = default_rules_text()
    text = text.replace('name = "默认规则：客情关系等级 / 成交热度"', 'name = "严格规则"', 1)
    assert "拜访次数 >= 5" in text
    text = text.replace("拜访次数 >= 5", "拜访次数 >= 50")
    path = tmp_path / "严格规则.toml"
    path.write_text(text, "utf-8")
    return path


def keys_by_name(path: Path) -> dict[str, dict[str, object]]:
    """Sheet → row name → key cell, as the workbook holds them."""
    book = read_workbook(path)
    out: dict[str, dict[str, object]] = {}
    for sheet in SCHEMA.sheets:
        grid = book.sheets[sheet.name]
        last = grid.first_row + len(grid.rows) - 1
        out[sheet.name] = {
            str(grid.value(r, NAME_COL[sheet.name])): grid.value(r, KEY_COL[sheet.name])
            for r in range(3, last + 1)
            if grid.value(r, NAME_COL[sheet.name]) is not None
        }
    return out


def settings_of(path: Path) -> Any:
    book = read_workbook(path)
    return read_settings(book.sheets.get(SETTINGS_SHEET), str(path))


def only(out: str) -> dict[str, Any]:
    """The result of the one file of a ``--json`` batch."""
    [entry] = json.loads(out)["files"]
    assert entry["ok"], entry["error"]
    result: dict[str, Any] = entry["result"]
    return result


def validated(path: Path, *args: str | Path) -> dict[str, Any]:
    """``kqxl validate PATH --json`` (plus ``args``): the file's result."""
    return only(run("validate", path, "--json", *args, *TODAY_ARG)[1])


def outcomes(result: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    return (
        [
            (c["name"], c["values"]["grade"], c["values"]["grade_reasons"])
            for c in result["rows"]["客户"]
        ],
        [
            (p["name"], p["values"]["heat"], p["values"]["heat_reasons"])
            for p in result["rows"]["项目"]
        ],
    )


# ---- keys -----------------------------------------------------------------------------------


def test_recompute_assigns_keys_once_and_says_so(rep_book: Path) -> None:
    code, out, _ = run("recompute", rep_book, *TODAY_ARG)
    assert code == 1  # the sample rows hold two mistakes
    settings = settings_of(rep_book)
    wid = settings.workbook_id
    assert f"已分配编号：客户 11 个，项目 5 个（工作簿编号 {wid}）" in out.splitlines()
    keys = keys_by_name(rep_book)
    assert [*keys["客户"].values()] == [f"KH-{wid}-{n:04d}" for n in range(1, 12)]
    assert [*keys["项目"].values()] == [f"XM-{wid}-{n:04d}" for n in range(1, 6)]
    assert dict(settings.counters) == {"KH": 11, "XM": 5}
    # The result shows the keys the workbook now holds.
    done = recompute_workbook(rep_book, today=TODAY, backup=False)
    assert [c.key for c in done.result.customers] == [*keys["客户"].values()]
    assert done.keys_assigned == {} and done.workbook_id == wid

    before = members(rep_book)
    code, out, _ = run("recompute", rep_book, *TODAY_ARG, "--no-backup")
    assert "已分配编号" not in out
    assert members(rep_book) == before  # recompute twice: nothing changes the second time


def test_existing_and_hand_typed_keys_are_never_changed(rep_book: Path) -> None:
    patch_workbook(
        rep_book,
        [
            CellChange("客户", 3, 1, "手写-001"),
            CellChange("客户", 4, 1, "KH-ABCDEF-0042"),  # another workbook's key, copied over
        ],
        backup=False,
    )
    done = recompute_workbook(rep_book, today=TODAY, backup=False)
    keys = [*keys_by_name(rep_book)["客户"].values()]
    assert keys[:2] == ["手写-001", "KH-ABCDEF-0042"]
    wid = done.workbook_id
    assert keys[2:] == [f"KH-{wid}-{n:04d}" for n in range(1, 10)]
    assert done.keys_assigned == {"客户": 9, "项目": 5}


def test_a_deleted_last_row_does_not_give_its_number_again(rep_book: Path) -> None:
    recompute_workbook(rep_book, today=TODAY, backup=False)
    wid = settings_of(rep_book).workbook_id
    # The rep deletes the last customer (row 13) and adds a new one in its place.
    layout = SCHEMA.customers
    changes = [CellChange("客户", 13, c, None) for c in range(1, len(layout.columns) + 1)]
    changes += [
        CellChange("客户", 13, NAME_COL["客户"], "新客户有限公司"),
        CellChange("客户", 13, layout.headers.index("客户类型") + 1, "甲方"),
        CellChange("客户", 13, layout.headers.index("负责人") + 1, "张伟"),
    ]
    patch_workbook(rep_book, changes, backup=False)
    recompute_workbook(rep_book, today=TODAY, backup=False)
    assert keys_by_name(rep_book)["客户"]["新客户有限公司"] == f"KH-{wid}-0012"


def test_copies_of_one_template_draw_different_workbook_ids(tmp_path: Path) -> None:
    code, _, _ = run("init", tmp_path)
    assert code == 0
    ids = set()
    for n in range(3):
        copy = tmp_path / f"业务员{n}.xlsx"
        shutil.copy(tmp_path / "客户跟进表.xlsx", copy)
        ids.add(recompute_workbook(copy, backup=False).workbook_id)
    assert len(ids) == 3


def test_a_workbook_without_kqxl_sheets_gets_settings_and_rules(tmp_path: Path) -> None:
    path = tmp_path / "自制.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    ws.append(["客户编号", "客户名称", "客户类型", "负责人", "客情等级"])
    ws.append([None, "甲公司", "甲方", "张三"])
    ws.append(["C-7", "乙公司", "总包", "张三"])
    wb.create_sheet("项目").append(["项目编号", "项目名称", "负责人", "甲方", "项目阶段"])
    wb.save(path)
    done = recompute_workbook(path, backup=False)
    assert done.keys_assigned == {"客户": 1} and done.rules_stored
    after = openpyxl.load_workbook(path)
    assert after.sheetnames == ["客户", "项目", RULES_SHEET, SETTINGS_SHEET]
    assert after["客户"]["A2"].value == f"KH-{done.workbook_id}-0001"
    assert after["客户"]["A3"].value == "C-7"
    assert validate_workbook(path).rules.source == "workbook"  # type: ignore[union-attr]


def test_a_workbook_without_the_data_sheets_gets_no_kqxl_sheets(tmp_path: Path) -> None:
    path = tmp_path / "别的表.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "报价"
    ws.append(["产品", "单价"])
    wb.save(path)
    done = recompute_workbook(path, backup=False)
    assert done.workbook_id is None and not done.rules_stored
    assert openpyxl.load_workbook(path).sheetnames == ["报价"]


def test_a_settings_sheet_of_the_reps_own_stops_recompute_in_one_line(rep_book: Path) -> None:
    wb = openpyxl.load_workbook(rep_book)
    del wb[SETTINGS_SHEET]
    wb.create_sheet(SETTINGS_SHEET)["A1"] = "打印设置：A4 横向"
    wb.save(rep_book)
    before = rep_book.read_bytes()
    code, out, err = run("recompute", rep_book)
    assert code == 2 and out == ""
    assert err == (
        f"kqxl: {rep_book}：已有一个不是 kqxl 生成的工作表“设置”，kqxl 需要用这个名称保存"
        "kqxl 设置。请把该工作表改名后重试。\n"
    )
    assert rep_book.read_bytes() == before
    assert run("validate", rep_book)[0] == 1  # reading does not need it


# ---- rules that live with the workbook --------------------------------------------------------


def test_recompute_with_rules_then_without_keeps_those_rules(
    rep_book: Path, strict_rules: Path
) -> None:
    _, default_out, _ = run("validate", rep_book, "--json", *TODAY_ARG)
    code, out, _ = run("recompute", rep_book, "--rules", strict_rules, *TODAY_ARG)
    assert code == 1
    strict = load_rules(strict_rules)
    described = f"严格规则（版本 1，指纹 {rules_fingerprint(strict)}）"
    assert f"规则已存入工作簿：{described}" in out.splitlines()
    assert f"规则：{described}；来源：规则文件 {strict_rules}。" in out.splitlines()
    with_rules = validated(rep_book)
    assert outcomes(with_rules) != outcomes(only(default_out))  # the rules matter here
    first = members(rep_book)

    code, out, _ = run("recompute", rep_book, *TODAY_ARG, "--no-backup")
    assert code == 1
    assert f"规则：{described}；来源：工作簿中保存的规则。" in out.splitlines()
    assert "规则已存入工作簿" not in out
    assert members(rep_book) == first  # the heats did not flip back
    plain = validated(rep_book)
    assert outcomes(plain) == outcomes(with_rules)
    assert plain["rules"] == {
        "name": "严格规则",
        "version": 1,
        "fingerprint": rules_fingerprint(strict),
        "source": "workbook",
        "path": None,
    }
    # 说明, 规则 and 设置 all name the rules now in effect.
    wb = openpyxl.load_workbook(rep_book)
    assert wb["说明"]["A2"].value == f"模板版本 1，由 kqxl 生成；当前规则：{described}。"
    assert wb[RULES_SHEET]["A1"].value == f"当前生效的规则：{described}"
    assert settings_of(rep_book).rules_fingerprint == rules_fingerprint(strict)


def test_init_with_rules_then_validate_uses_them(tmp_path: Path, strict_rules: Path) -> None:
    folder = tmp_path / "team"
    assert run("init", folder, "--rules", strict_rules)[0] == 0
    book = folder / "客户跟进表.xlsx"
    # Fill the template with the sample rows the way a rep would, keeping kqxl's sheets.
    rows = sample_team()["张伟"][0]
    headers = {c.key: i for i, c in enumerate(template_columns(SCHEMA.customers), start=1)}
    patch_workbook(
        book,
        [
            CellChange("客户", r, headers[key], value)
            for r, row in enumerate(rows, start=3)
            for key, value in row.items()
        ],
        backup=False,
    )
    code, out, _ = run("validate", book, *TODAY_ARG)
    assert code == 1
    strict = load_rules(strict_rules)
    assert out.splitlines()[-1] == (
        f"规则：严格规则（版本 1，指纹 {rules_fingerprint(strict)}）；来源：工作簿中保存的规则。"
    )
    plain = validated(book)
    given = validated(book, "--rules", strict_rules)
    assert outcomes(plain) == outcomes(given)
    default = validate_workbook(book, rules=load_rules(None), today=TODAY).model_dump(mode="json")
    assert outcomes(plain) != outcomes(default)


def test_rules_export_round_trips(rep_book: Path, strict_rules: Path, tmp_path: Path) -> None:
    run("recompute", rep_book, "--rules", strict_rules, *TODAY_ARG, "--no-backup")
    exported = tmp_path / "导出.toml"
    code, out, _ = run("rules", "export", rep_book, "-o", exported)
    strict = load_rules(strict_rules)
    described = f"严格规则（版本 1，指纹 {rules_fingerprint(strict)}）"
    assert (code, out) == (0, f"已导出规则到 {exported}：{described}\n")
    assert exported.read_text("utf-8").startswith(
        f"# kqxl 规则：{described}；来源：{rep_book} 中保存的规则。\n"
    )
    code, out, _ = run("rules", "check", exported)
    assert code == 0 and out.splitlines()[-1] == f"规则有效：{exported}"
    assert load_rules(exported) == strict
    from_workbook = validated(rep_book)
    from_file = validated(rep_book, "--rules", exported)
    assert outcomes(from_file) == outcomes(from_workbook)
    assert from_file["rules"]["fingerprint"] == from_workbook["rules"]["fingerprint"]
    # Storing the exported file again changes nothing: same rules, same fingerprint.
    before = members(rep_book)
    done = recompute_workbook(rep_book, rules=exported, today=TODAY, backup=False)
    assert not done.rules_stored and members(rep_book) == before

    code, _, err = run("rules", "export", rep_book, "-o", exported)
    assert code == 2 and "--force" in err and err.count("\n") == 1
    assert run("rules", "export", rep_book, "-o", exported, "--force")[0] == 0


def test_rules_export_without_a_workbook_is_the_commented_default() -> None:
    code, out, _ = run("rules", "export")
    assert code == 0
    assert out.endswith(default_rules_text())
    assert out.startswith("# kqxl 规则：默认规则：客情关系等级 / 成交热度（版本 1，指纹 ")
    assert out.splitlines()[0].endswith("；来源：内置默认规则。")


def _block_rows(path: Path) -> dict[str, int]:
    """The row of each line of the 规则 sheet's TOML block, by its text."""
    ws = openpyxl.load_workbook(path)[RULES_SHEET]
    return {str(c.value): c.row for c in ws["A"] if c.value is not None}


def test_an_edited_rules_block_is_one_line_naming_workbook_sheet_and_row(rep_book: Path) -> None:
    rows = _block_rows(rep_book)
    line = next(t for t in rows if "拜访次数 >= 3" in t)
    patch_workbook(
        rep_book,
        [CellChange(RULES_SHEET, rows[line], 1, line.replace(">= 3", ">= 2"))],
        backup=False,
    )
    end = next(r for t, r in rows.items() if t.startswith("【kqxl 规则原文结束】"))
    code, out, err = run("validate", rep_book)
    assert code == 2 and out == ""
    assert err == (
        f"kqxl: {rep_book}：工作表“规则”第 {end} 行：规则原文与结束行记录的指纹不符（被手工改动过，"
        "或只复制了一部分）。请用规则文件重新存入规则。规则文件可用 kqxl rules export 导出"
        "（不带工作簿即为内置默认规则），再用 kqxl recompute 工作簿 --rules 规则文件 存入。\n"
    )
    # --rules still works on it, and stores a clean sheet again.
    assert run("recompute", rep_book, "--rules", "/dev/null")[0] == 2  # not a rules file
    exported = rep_book.with_suffix(".toml")
    exported.write_text(default_rules_text(), "utf-8")
    assert run("recompute", rep_book, "--rules", exported, "--no-backup")[0] == 1
    assert run("validate", rep_book)[0] == 1


def test_a_broken_rules_line_names_its_row(rep_book: Path) -> None:
    rows = _block_rows(rep_book)
    line = next(t for t in rows if "拜访次数 >= 3" in t)
    patch_workbook(
        rep_book,
        [CellChange(RULES_SHEET, rows[line], 1, line.replace(">= 3", ">="))],
        backup=False,
    )
    code, _, err = run("validate", rep_book)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"kqxl: {rep_book}（工作表“规则”）：第 {rows[line]} 行，")


def test_a_cut_short_rules_block_is_one_line(rep_book: Path) -> None:
    rows = _block_rows(rep_book)
    end = next(r for t, r in rows.items() if t.startswith("【kqxl 规则原文结束】"))
    begin = next(r for t, r in rows.items() if t.startswith("【kqxl 规则原文】"))
    patch_workbook(rep_book, [CellChange(RULES_SHEET, end, 1, None)], backup=False)
    code, _, err = run("validate", rep_book)
    assert code == 2
    assert err.startswith(f"kqxl: {rep_book}：工作表“规则”第 {begin} 行：规则原文不完整")


def test_a_rules_sheet_of_the_reps_own_is_left_alone(rep_book: Path, strict_rules: Path) -> None:
    wb = openpyxl.load_workbook(rep_book)
    del wb[RULES_SHEET]
    wb.create_sheet(RULES_SHEET)["A1"] = "本组的拜访规矩：每周至少两次"
    wb.save(rep_book)
    assert validate_workbook(rep_book).rules.source == "default"  # type: ignore[union-attr]
    recompute_workbook(rep_book, today=TODAY, backup=False)
    assert (
        openpyxl.load_workbook(rep_book)[RULES_SHEET]["A1"].value == "本组的拜访规矩：每周至少两次"
    )
    code, _, err = run("recompute", rep_book, "--rules", strict_rules)
    assert code == 2 and "不是 kqxl 生成的工作表“规则”" in err and err.count("\n") == 1


def test_a_gbk_rules_file_is_named_with_the_fix(rep_book: Path, tmp_path: Path) -> None:
    gbk = tmp_path / "规则-gbk.toml"
    gbk.write_bytes(default_rules_text().encode("gbk"))
    for args in (("rules", "check", gbk), ("validate", rep_book, "--rules", gbk)):
        code, out, err = run(*args)
        assert code == 2 and out == ""
        assert err == (
            f"kqxl: {gbk}：该文件是 GBK 编码，请另存为 UTF-8"
            "（记事本：文件 → 另存为 → 编码选“UTF-8”）后重试。\n"
        )


# ---- LibreOffice: keys survive re-sorting and a save in another program ------------------------


def _save_in_libreoffice(path: Path, work: Path) -> Path:
    """Open ``path`` in LibreOffice and save it as xlsx again; the saved file."""
    out = work / "lo"
    out.mkdir()
    profile = (work / "profile").as_uri()
    env = {**os.environ, "HOME": str(work)}
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=600,  # a hung soffice must not hang the suite
    )
    return out / path.name


@pytest.mark.libreoffice
def test_keys_survive_resorting_and_a_save_in_libreoffice(rep_book: Path, tmp_path: Path) -> None:
    recompute_workbook(rep_book, today=TODAY, backup=False)
    wid = settings_of(rep_book).workbook_id
    first = keys_by_name(rep_book)

    # The rep sorts the customers by name (descending), deletes the last-numbered one and adds
    # a new one at the top — in a program that is not kqxl.
    wb = openpyxl.load_workbook(rep_book)
    ws = wb["客户"]
    width = len(SCHEMA.customers.columns)
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_col=width)]
    data = [r for r in data if any(v is not None for v in r)]
    last = max(data, key=lambda r: parse_key(r[0]).number)  # type: ignore[union-attr]
    data.remove(last)
    data.sort(key=lambda r: str(r[1]), reverse=True)
    new = [None] * width
    at = {c.header: i for i, c in enumerate(template_columns(SCHEMA.customers))}
    new[at["客户名称"]], new[at["客户类型"]], new[at["负责人"]] = (
        "新开发客户有限公司",
        "甲方",
        "张伟",
    )
    data.insert(0, new)
    for r in range(3, ws.max_row + 1):
        for c in range(1, width + 1):
            ws.cell(r, c).value = None
    for r, values in enumerate(data, start=3):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
    wb.save(rep_book)
    saved = _save_in_libreoffice(rep_book, tmp_path)

    recompute_workbook(saved, today=TODAY, backup=False)
    second = keys_by_name(saved)
    kept = {name: key for name, key in first["客户"].items() if name != str(last[1])}
    assert {n: second["客户"][n] for n in kept} == kept  # every key moved with its row
    assert second["客户"]["新开发客户有限公司"] == f"KH-{wid}-0012"  # 0011 is not reused
    assert second["项目"] == first["项目"]
    assert settings_of(saved).workbook_id == wid
    assert validate_workbook(saved, today=TODAY).rules.source == "workbook"  # type: ignore[union-attr]

    again = members(saved)
    recompute_workbook(saved, today=TODAY, backup=False)
    assert members(saved) == again
    assert keys_by_name(saved) == second


@pytest.mark.libreoffice
def test_libreoffice_reads_the_rules_and_settings_kqxl_wrote(
    rep_book: Path, strict_rules: Path, libreoffice: Any
) -> None:
    done = recompute_workbook(rep_book, rules=strict_rules, today=TODAY, backup=False)
    assert done.rules_stored
    [info] = libreoffice([rep_book], ranges={RULES_SHEET: "A1:A1", SETTINGS_SHEET: "A4:B4"})
    assert info["ok"], info["error"]
    names = [s["name"] for s in info["sheets"]]
    assert names == [*(s.name for s in SCHEMA.sheets), "说明", RULES_SHEET, SETTINGS_SHEET, "看板"]
    sheets = {s["name"]: s for s in info["sheets"]}
    fingerprint = rules_fingerprint(load_rules(strict_rules))
    title = sheets[RULES_SHEET]["cells"]["A1"]["value"]
    assert title == f"当前生效的规则：严格规则（版本 1，指纹 {fingerprint}）"
    cells = sheets[SETTINGS_SHEET]["cells"]
    assert (cells["A4"]["value"], cells["B4"]["value"]) == ("工作簿编号", done.workbook_id)
