"""The command line as a user runs it: exit codes, exact output, files on disk."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kqxl.api import recompute_workbook, validate_workbook, validate_workbooks
from kqxl.book import read_workbook
from kqxl.book.template import template_columns
from kqxl.cells import column_letter
from kqxl.cli import cli
from kqxl.demo import TODAY
from kqxl.rules import describe_rules, load_rules
from kqxl.schema import SCHEMA, schema_as_dict

# The computed columns of 客户, where the templates put them (after every input column).
# Where the shipped templates put 校验 and 客情等级 (existing workbooks keep their own order).
_LAID_OUT = [c.header for c in template_columns(SCHEMA.customers)]
CHECKS = column_letter(_LAID_OUT.index("校验") + 1)
GRADE = column_letter(_LAID_OUT.index("客情等级") + 1)

TODAY_ARG = ["--today", TODAY.isoformat()]


@pytest.fixture()
def rep_book(team_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "客户跟进表-张伟.xlsx"
    shutil.copy(team_dir / target.name, target)
    return target


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


# ---- schema and rules -------------------------------------------------------------------


def test_schema_json_is_the_library_result() -> None:
    code, out, _ = run("schema", "--json")
    assert code == 0
    assert json.loads(out) == schema_as_dict(SCHEMA)


def test_schema_lists_every_header() -> None:
    code, out, _ = run("schema")
    assert code == 0
    for sheet in SCHEMA.sheets:
        assert f"# {sheet.name} — " in out
        for col in sheet.columns:
            assert col.header in out


def test_rules_check_default_prints_levels_in_chinese() -> None:
    code, out, _ = run("rules", "check")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "【甲方】"
    assert lines[1] == "  I级 — 全部满足"
    assert "    · 有客户联系方式：联系电话 非空" in lines
    assert "【成交热度】" in lines
    assert lines[-1] == "规则有效：内置默认规则"


def test_rules_check_json_is_the_library_result() -> None:
    code, out, _ = run("rules", "check", "--json")
    assert code == 0
    assert json.loads(out) == [
        line.model_dump(mode="json") for line in describe_rules(load_rules(None))
    ]


def test_bad_rules_file_is_one_line_with_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "规则.toml"
    default = (Path(__file__).parents[1] / "kqxl" / "rules" / "default.toml").read_text("utf-8")
    lines = default.splitlines()
    target = next(i for i, line in enumerate(lines) if "when = '拜访次数 >= 3" in line)
    lines[target] = lines[target].replace("拜访次数 >= 3", "拜访次数 >=")
    bad.write_text("\n".join(lines), "utf-8")
    code, out, err = run("rules", "check", bad)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"kqxl: {bad}：第 {target + 1} 行")


def test_missing_rules_file_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run("rules", "check", tmp_path / "none.toml")
    assert code == 2
    assert "none.toml" in err and err.count("\n") == 1


# ---- init ---------------------------------------------------------------------------------


def test_init_creates_templates_and_refuses_to_overwrite(tmp_path: Path) -> None:
    code, out, _ = run("init", tmp_path)
    assert code == 0
    assert out.splitlines() == [
        f"已创建 {tmp_path / '团队总表.xlsx'}",
        f"已创建 {tmp_path / '客户跟进表.xlsx'}",
    ]
    before = (tmp_path / "团队总表.xlsx").read_bytes()
    code, out, err = run("init", tmp_path)
    assert code == 2
    assert "--force" in err and err.count("\n") == 1
    assert (tmp_path / "团队总表.xlsx").read_bytes() == before


# ---- validate -----------------------------------------------------------------------------


def test_validate_prints_findings_and_summary(rep_book: Path) -> None:
    code, out, _ = run("validate", rep_book, *TODAY_ARG)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{rep_book.name}:客户!U4: “拜访次数”应为整数，实际为“五次”。"
    assert (
        lines[1]
        == f"{rep_book.name}:项目!K5: “项目金额”是错误值 #N/A：请修正公式或改为直接填写的值。"
    )
    # a value read leniently is a notice after the problems, not counted as one
    assert lines[2] == (
        f"{rep_book.name}:客户!V5: 提示：“最近拜访日期”的“2026年11月3日”已按 2026-11-03 读取；"
        "它在 Excel 中仍是文本（求和、数据透视表不计入），可用 kqxl recompute --tidy 改写为日期。"
    )
    assert lines[3] == (
        f"{rep_book.name}：客户 11 行，项目 5 行，发现 2 个问题。另有 1 条提示（不算问题）。"
    )
    assert lines[4].startswith("客情等级：")
    assert lines[4] == "客情等级：未评级 2，I级 2，II级 2，III级 2，IV级 2，不适用 1"
    assert lines[5] == "成交热度：0% 1，30% 1，50% 1，70% 1，90% 1"


def test_validate_json_is_the_library_result(rep_book: Path) -> None:
    code, out, _ = run("validate", rep_book, "--json", *TODAY_ARG)
    assert code == 1
    expected = validate_workbooks([rep_book], today=TODAY).model_dump(mode="json")
    assert json.loads(out) == expected
    [entry] = expected["files"]
    assert entry["ok"] and entry["error"] is None
    assert entry["result"] == validate_workbook(rep_book, today=TODAY).model_dump(mode="json")
    # Reasons are values: level, rank, label, whether it held, how many of how many needed.
    rows = entry["result"]["rows"]["客户"]
    graded = [c for c in rows if c["values"]["grade_level"] == 2]
    assert graded[0]["values"]["grade_reasons"][0] == {
        "level": "I级",
        "rank": 1,
        "label": graded[0]["values"]["grade_reasons"][0]["label"],
        "held": True,
        "need": 5,
        "of": 5,
    }
    gaps = graded[0]["values"]["grade_gaps"]
    assert gaps and {(g["level"], g["rank"], g["held"]) for g in gaps} == {("III级", 3, False)}


def test_validate_clean_workbook_exits_0(tmp_path: Path) -> None:
    run("init", tmp_path)
    code, out, _ = run("validate", tmp_path / "客户跟进表.xlsx")
    assert code == 0
    assert "客户 0 行，项目 0 行，发现 0 个问题" in out


def test_validate_does_not_write(rep_book: Path) -> None:
    before = rep_book.read_bytes()
    run("validate", rep_book)
    assert rep_book.read_bytes() == before
    assert not (rep_book.parent / ".kqxl" / "backups").exists()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("text.xlsx", b"just some text", "不是 xlsx/xlsm 工作簿"),
        ("empty.xlsx", b"", "文件为空"),
        ("old.xls", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504, "不是 xlsx/xlsm 工作簿"),
    ],
)
def test_unreadable_files_give_one_line_exit_2(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    for command in ("validate", "recompute"):
        code, out, err = run(command, path)
        assert code == 2
        assert out == ""
        assert err.startswith(f"kqxl: {path}") or err.startswith(f"kqxl: {name}")
        assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_truncated_and_missing_workbooks(rep_book: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "截断.xlsx"
    truncated.write_bytes(rep_book.read_bytes()[:4000])
    code, _, err = run("validate", truncated)
    assert code == 2 and "已损坏" in err and err.count("\n") == 1
    code, _, err = run("validate", tmp_path / "没有.xlsx")
    assert code == 2 and "文件不存在" in err and err.count("\n") == 1
    code, out, _ = run("validate", truncated, tmp_path / "没有.xlsx", "--json")
    assert code == 2
    assert [(f["ok"], f["error"]["code"]) for f in json.loads(out)["files"]] == [
        (False, "damaged"),
        (False, "not_found"),
    ]


def test_workbook_without_the_sheets_is_a_finding(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "其他.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active["A1"] = "hello"
    wb.save(path)
    code, out, _ = run("validate", path)
    assert code == 1
    # one finding that says what the workbook is missing, not one per sheet
    assert f"{path.name}:客户: 工作簿中没有“客户”和“项目”工作表（只有 Sheet1）" in out
    assert "发现 1 个问题。" in out


# ---- recompute ----------------------------------------------------------------------------


def _computed(path: Path) -> dict[str, list[object]]:
    book = read_workbook(path)
    sheet = book.sheets["客户"]
    headers = sheet.rows[1]
    col = {h: i for i, h in enumerate(headers)}
    grades = [row[col["客情等级"]] for row in sheet.rows[2:] if any(v is not None for v in row)]
    projects = book.sheets["项目"]
    pcol = {h: i for i, h in enumerate(projects.rows[1])}
    heats = [row[pcol["成交热度"]] for row in projects.rows[2:] if any(v is not None for v in row)]
    return {"grades": grades, "heats": heats}


def test_recompute_in_place_fills_computed_columns_with_backup(rep_book: Path) -> None:
    original = rep_book.read_bytes()
    before = members(rep_book)
    code, out, _ = run("recompute", rep_book, *TODAY_ARG)
    assert code == 1  # the sample rep workbook holds two mistakes
    assert f"已写入 {rep_book}（" in out
    backups = list((rep_book.parent / ".kqxl" / "backups").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == original
    result = validate_workbook(rep_book, today=TODAY)
    computed = _computed(rep_book)
    assert computed["grades"] == [c["grade"] for c in result.customers]
    assert computed["heats"] == [p["heat"] for p in result.projects]
    assert sorted(computed["heats"]) == [0, 0.3, 0.5, 0.7, 0.9]
    after = members(rep_book)
    # Only the data sheets (客户, 项目 and the logs; and styles, for the highlight) and kqxl's
    # own 设置 sheet (the workbook id and key counters of the first recompute; after the data
    # sheets, 说明 and 规则) and 看板 (the rep's figures, last) may change.
    changed = {name for name in before if before[name] != after.get(name)}
    assert changed <= {
        *(f"xl/worksheets/sheet{i}.xml" for i in range(1, len(SCHEMA.sheets) + 1)),
        f"xl/worksheets/sheet{len(SCHEMA.sheets) + 3}.xml",
        f"xl/worksheets/sheet{len(SCHEMA.sheets) + 4}.xml",
        "xl/styles.xml",
    }
    assert set(after) == set(before)


def test_recompute_twice_changes_nothing_the_second_time(rep_book: Path) -> None:
    recompute_workbook(rep_book, today=TODAY)
    first = members(rep_book)
    recompute_workbook(rep_book, today=TODAY)
    assert members(rep_book) == first


def test_recompute_out_leaves_source_untouched(rep_book: Path, tmp_path: Path) -> None:
    before = rep_book.read_bytes()
    out = tmp_path / "结果.xlsx"
    code, stdout, _ = run("recompute", rep_book, "--out", out, *TODAY_ARG)
    assert code == 1
    assert rep_book.read_bytes() == before
    assert f"已写入 {out}" in stdout
    assert "IV级" in _computed(out)["grades"]


def test_recompute_refuses_a_workbook_open_in_excel(rep_book: Path) -> None:
    owner = rep_book.parent / f"~${rep_book.name}"
    name = "张伟"
    raw = bytes([len(name.encode("gbk"))]) + name.encode("gbk")
    owner.write_bytes(
        raw.ljust(0x36, b" ")
        + len(name).to_bytes(2, "little")
        + name.encode("utf-16-le")
        + b"\0" * 20
    )
    before = rep_book.read_bytes()
    code, _out, err = run("recompute", rep_book)
    assert code == 2
    assert "张伟" in err and "Excel" in err and err.count("\n") == 1
    # the command-line hint is the CLI's; the library's message does not mention --force
    assert err.endswith("请关闭后重试。锁文件已失效（Excel/WPS 已关闭）时可加 --force。\n")
    assert rep_book.read_bytes() == before


def test_recompute_marks_invalid_cells_and_clears_the_mark_once_fixed(rep_book: Path) -> None:
    import openpyxl

    recompute_workbook(rep_book, today=TODAY)
    wb = openpyxl.load_workbook(rep_book)
    # The mark is kqxl's conditional format reading 校验, never a change of the cell's
    # own style (LibreOffice shows it: tests/test_recompute_writes.py).
    [rule] = [
        rule
        for cf in wb["客户"].conditional_formatting
        for rule in cf.rules
        if "ADDRESS(ROW(),COLUMN(),4)" in rule.formula[0] and f"${CHECKS}3" in rule.formula[0]
    ]
    assert rule.dxf.fill.bgColor.rgb == "FFFFC7CE"
    assert wb["客户"]["U4"].style_id == wb["客户"]["U5"].style_id
    assert wb["客户"][f"{CHECKS}4"].value == "U4：“拜访次数”应为整数，实际为“五次”。"
    # The rep fixes the cell (here through the patch writer, as Excel would save it).
    from kqxl.book import CellChange, patch_workbook

    patch_workbook(rep_book, [CellChange("客户", 4, 21, 7)], backup=False)
    recompute_workbook(rep_book, today=TODAY)
    wb = openpyxl.load_workbook(rep_book)
    assert wb["客户"]["U4"].fill.fgColor.rgb == wb["客户"]["U5"].fill.fgColor.rgb
    assert wb["客户"][f"{CHECKS}4"].value is None


@pytest.mark.parametrize("segment", [None, 4096])
def test_recompute_result_opens_in_libreoffice(
    rep_book: Path, libreoffice, monkeypatch: pytest.MonkeyPatch, segment: int | None
) -> None:
    import zipfile

    from kqxl.book import zipcopy

    if segment is not None:  # every sheet deflated in many segments: one stream all the same
        monkeypatch.setattr(zipcopy, "SEGMENT", segment)
    recompute_workbook(rep_book, today=TODAY)
    with zipfile.ZipFile(rep_book) as zf:
        assert zf.testzip() is None
        biggest = max(i.file_size for i in zf.infolist() if "worksheets/" in i.filename)
        assert segment is None or biggest > 8 * segment
    result = validate_workbook(rep_book, today=TODAY)
    # 客情等级 and 成交热度 stand in C, right after the frozen key and name.
    [info] = libreoffice([rep_book], ranges={"客户": "C3:C13", "项目": "C3:C7"})
    assert info["ok"], info["error"]
    sheets = {s["name"]: s for s in info["sheets"]}
    grades = [sheets["客户"]["cells"][f"C{r}"]["value"] for r in range(3, 14)]
    assert grades == [c["grade"] for c in result.customers]
    heats = [sheets["项目"]["cells"][f"C{r}"]["value"] for r in range(3, 8)]
    assert heats == pytest.approx([p["heat"] for p in result.projects])


def test_demo_runs_and_prints_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kqxl.demo import run_demo

    assert run_demo(tmp_path / "demo", today=dt.date(2026, 11, 23)) == 0
    out = capsys.readouterr().out
    assert "团队总表概况" in out
    for level in ("90%", "70%", "50%", "30%", "0%"):
        assert f"    {level:>4}  " in out
    for label in ("未评级", "I级", "II级", "III级", "IV级"):
        assert label in out
    # Every finding of the master is listed (there are fewer than the demo lists at most).
    master = validate_workbook(tmp_path / "demo" / "团队总表.xlsx", today=dt.date(2026, 11, 23))
    assert len(master.findings) > 0
    for f in master.findings:
        assert f"    {f.sheet}!{f.column or ''}{f.row or ''}  {f.message}\n" in out
    assert "另有" not in out
    # Everything the demo prints is Chinese (file names and cell references aside).
    english = re.findall(r"\b[a-z]{4,}\b", re.sub(r"kqxl \w+|\S*/\S*|\S+\.xlsx|--\w+", "", out))
    assert english == [], english
    # With more findings than it lists, the demo says how many more and how to see them all.
    from kqxl.demo import LISTED_FINDINGS, _print_summary

    many = master.model_copy(update={"findings": master.findings * 3})
    _print_summary(many, load_rules(None), Path("团队总表.xlsx"))
    more = len([f for f in many.findings if f.level != "notice"]) - LISTED_FINDINGS
    assert (
        f"    ……另有 {more} 个问题未列出；全部问题：kqxl validate 团队总表.xlsx\n"
        in capsys.readouterr().out
    )
    assert sorted(p.name for p in (tmp_path / "demo").glob("*.xlsx")) == sorted(
        [
            "团队总表.xlsx",
            "客户跟进表-张伟.xlsx",
            "客户跟进表-李娜.xlsx",
            "客户跟进表-王强.xlsx",
            "客户跟进表-刘洋.xlsx",
        ]
    )


# ---- batches ------------------------------------------------------------------------------


def test_a_batch_goes_on_past_a_bad_file(team_dir: Path, tmp_path: Path) -> None:
    good = [tmp_path / "客户跟进表-张伟.xlsx", tmp_path / "客户跟进表-刘洋.xlsx"]
    for path in good:
        shutil.copy(team_dir / path.name, path)
    bomb = tmp_path / "坏文件.xlsx"
    bomb.write_bytes(b"PK\x03\x04 not really a zip")
    files = [good[0], bomb, good[1]]
    code, out, err = run("recompute", *files, *TODAY_ARG)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"kqxl: {bomb}")
    for path in good:
        assert f"已写入 {path}（" in out
        assert "IV级" in _computed(path)["grades"]
    code, out, err = run("validate", *files, "--json", *TODAY_ARG)
    assert code == 2
    dumped = json.loads(out)
    assert dumped == validate_workbooks(files, today=TODAY).model_dump(mode="json")
    assert [(d["file"], d["ok"]) for d in dumped["files"]] == [
        (str(good[0]), True),
        (str(bomb), False),
        (str(good[1]), True),
    ]
    error = dumped["files"][1]["error"]
    assert error["code"] == "damaged" and error["data"]["path"] == str(bomb)
    assert dumped["files"][1]["result"] is None
    assert err.count("\n") == 1 and err.startswith(f"kqxl: {bomb}")


def test_a_batch_of_good_files_exits_with_the_worst_result(team_dir: Path, tmp_path: Path) -> None:
    clean = tmp_path / "空白.xlsx"
    run("init", tmp_path)
    shutil.copy(tmp_path / "客户跟进表.xlsx", clean)
    assert run("validate", clean)[0] == 0
    shutil.copy(team_dir / "客户跟进表-张伟.xlsx", tmp_path / "张伟.xlsx")
    assert run("validate", clean, tmp_path / "张伟.xlsx")[0] == 1


def test_out_takes_a_single_file(rep_book: Path, tmp_path: Path) -> None:
    code, out, err = run("recompute", rep_book, rep_book, "--out", tmp_path / "x.xlsx")
    assert code == 2 and out == ""
    assert err == "kqxl: --out 只能与一个文件一起使用（给了 2 个文件）。\n"
    assert not (tmp_path / "x.xlsx").exists()


def test_a_bad_today_is_one_chinese_line(rep_book: Path) -> None:
    code, out, err = run("validate", rep_book, "--today", "明天")
    assert code == 2 and out == ""
    assert err == "kqxl: --today 的值“明天”不是日期，应如 2026-05-03。\n"


def test_recompute_json_is_the_library_result(rep_book: Path, tmp_path: Path) -> None:
    # Recomputed once first: two copies of a workbook without an id would draw different
    # workbook ids and so different keys.
    recompute_workbook(rep_book, today=TODAY, backup=False)
    copy = tmp_path / "副本.xlsx"
    shutil.copy(rep_book, copy)
    code, out, _ = run("recompute", rep_book, "--json", "--no-backup", *TODAY_ARG)
    assert code == 1
    expected = recompute_workbook(copy, today=TODAY, backup=False).model_dump(mode="json")
    [got] = json.loads(out)["files"]
    assert got["file"] == str(rep_book) and got["ok"] and got["error"] is None
    got = got["result"]
    # the same result but for the file it names (the copy was computed as another file)
    assert got["result"]["file"] == str(rep_book) and expected["result"]["file"] == str(copy)
    assert got["result"] == {**expected["result"], "file": str(rep_book)}
    assert got["cells_changed"] == expected["cells_changed"] and got["backup"] is None


def test_a_folder_or_unreadable_file_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "不是文件.xlsx"
    folder.mkdir()
    code, out, err = run("validate", folder)
    assert code == 2 and out == ""
    assert err.startswith(f"kqxl: {folder}：这是一个文件夹，不是工作簿") and err.count("\n") == 1
