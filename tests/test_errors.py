"""Errors as values: codes and data, the documented table, CLI hints, internal errors that are
never reported as damaged workbooks, and one --json shape for one or many files."""

from __future__ import annotations

import json
import pickle
import re
import string
from pathlib import Path

import pytest
from click.testing import CliRunner

import kqxl.errors as errors_module
from kqxl.api import recompute_workbooks, validate_workbooks
from kqxl.book import CellChange, patch_workbook, read_workbook
from kqxl.book.template import REP_FILE, init_folder
from kqxl.cli import cli
from kqxl.errors import CODES, DETAIL_KEYS, KqxlError, RulesError, WorkbookError
from kqxl.rules import load_rules
from kqxl.texts import ERRORS, HINTS

REPO = Path(__file__).resolve().parents[1]
TODAY = ["--today", "2026-11-23"]


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    """A rep workbook as ``kqxl init`` makes it."""
    init_folder(tmp_path / "team", load_rules(None))
    return tmp_path / "team" / REP_FILE


# --- the catalogue, the codes and the documented table ------------------------------------


def _documented() -> dict[str, str]:
    """code → class, from the table under "## Errors" in docs/API.md."""
    doc = (REPO / "docs" / "API.md").read_text("utf-8")
    section = doc[doc.index("\n## Errors") :]
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, re.M)
    assert rows, "the error table is missing"
    return {code: cls.strip() for code, cls in rows}


def test_every_catalogue_key_has_a_code_or_is_a_detail() -> None:
    assert set(CODES) <= set(ERRORS)
    assert not set(CODES) & DETAIL_KEYS
    assert set(ERRORS) == set(CODES) | DETAIL_KEYS
    # a line that names the file is an error of its own, not a detail: it needs a code
    assert not [key for key in DETAIL_KEYS if ERRORS[key].startswith("{path}")]


def test_the_table_lists_every_code_and_only_those() -> None:
    documented = _documented()
    assert set(documented) == set(CODES.values())
    for code, cls in documented.items():
        name = cls.strip("`")
        if not name.startswith("—"):  # the CLI's own: os_error, internal
            assert issubclass(getattr(errors_module, name), KqxlError), code


def test_class_defaults_and_hints_are_known_codes() -> None:
    codes = set(CODES.values())
    for obj in vars(errors_module).values():
        if isinstance(obj, type) and issubclass(obj, KqxlError) and obj is not KqxlError:
            assert obj.code in codes, obj
    assert set(HINTS) <= codes


def test_every_error_is_raised_with_a_code() -> None:
    """kqxl raises its errors through ``fail(cls, key, …)`` or ``cls.from_key(key, …)``, so
    that each carries the code of its catalogue key: never ``SomeError(text(...))``."""
    names = "|".join(
        name
        for name, obj in vars(errors_module).items()
        if isinstance(obj, type) and issubclass(obj, KqxlError)
    )
    direct = re.compile(rf"\b(?:{names})\(")
    offenders = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for path in sorted((REPO / "kqxl").rglob("*.py"))
        if path.name != "errors.py"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if direct.search(line)
    ]
    assert not offenders, offenders


def test_library_messages_give_no_command_line_advice() -> None:
    for key in CODES:
        message = ERRORS[key]
        assert "--" not in message or key in ("out_single", "bad_date"), key
        assert not re.search(r"kqxl (init|recompute|validate|rules|sync)", message), key


def test_data_holds_the_placeholders_as_plain_values(tmp_path: Path) -> None:
    missing = tmp_path / "没有.xlsx"
    with pytest.raises(WorkbookError) as err:
        read_workbook(missing)
    exc = err.value
    assert exc.code == "not_found" and exc.data == {"path": str(missing)}
    fields = {f for _, f, _, _ in string.Formatter().parse(ERRORS["file_not_found"]) if f}
    assert set(exc.data) == fields
    info = exc.info()
    assert (info.code, info.message, info.data) == (exc.code, str(exc), exc.data)
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is WorkbookError and (copy.code, copy.data) == (exc.code, exc.data)
    assert str(copy) == str(exc) and isinstance(copy, OSError)


def test_rules_errors_carry_codes(tmp_path: Path) -> None:
    with pytest.raises(RulesError) as err:
        load_rules(tmp_path / "没有.toml")
    assert err.value.code == "rules_not_found"
    bad = tmp_path / "坏.toml"
    bad.write_text("[labels\n", "utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(bad)
    assert err.value.code == "rules_invalid" and err.value.data["line"] == 1
    code, out, stderr = run("rules", "check", bad)
    assert code == 2 and out == ""
    assert stderr.endswith("。改好后可用 kqxl rules check 检查。\n") and stderr.count("\n") == 1


# --- a bug of kqxl's own is internal, never a damaged workbook ------------------------------


def _boom(*_args: object, **_kwargs: object) -> None:
    raise KeyError("injected")


def _value_boom(*_args: object, **_kwargs: object) -> None:
    raise ValueError("injected")


WRITER_STEPS = [
    ("kqxl.book.patch._edit_workbook", _boom),  # an edit step after the sheets
    ("kqxl.book.sheetxml.SheetRewriter.run", _boom),  # inside the sheet rewrite itself
    ("kqxl.book.zipcopy.ZipCopier.copy_raw", _value_boom),  # copying is kqxl's own work
    ("kqxl.book.patch._verify_cells", _boom),  # reading back what kqxl wrote
]


@pytest.mark.parametrize(("target", "fault"), WRITER_STEPS, ids=lambda v: str(v).split(".")[-1])
def test_a_fault_in_the_writer_is_not_a_damaged_workbook(
    book: Path, monkeypatch: pytest.MonkeyPatch, target: str, fault: object
) -> None:
    before = book.read_bytes()
    monkeypatch.setattr(target, fault)
    with pytest.raises((KeyError, ValueError)) as err:
        patch_workbook(book, [CellChange("客户", 3, 2, "x")])
    assert not isinstance(err.value, KqxlError)
    assert book.read_bytes() == before
    assert not [p for p in book.parent.iterdir() if p.name.endswith(".tmp")]

    code, out, stderr = run("recompute", book, *TODAY)
    assert code == 2 and out == ""
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith("kqxl: kqxl 内部错误（") and "KQXL_DEBUG=1" in stderr
    assert "已损坏" not in stderr and "backups" not in stderr
    assert type(err.value).__name__ in stderr
    assert book.read_bytes() == before


@pytest.mark.parametrize(
    "target", ["kqxl.book.reader._read_sheet", "kqxl.book.reader._error_cells"]
)
def test_a_fault_in_the_reader_is_not_a_damaged_workbook(
    book: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.setattr(target, _boom)
    with pytest.raises(KeyError):
        read_workbook(book)
    code, out, stderr = run("validate", book, "--json", *TODAY)
    assert code == 2 and out == ""  # a bug stops the job: it is no outcome of the file
    assert stderr.startswith("kqxl: kqxl 内部错误（KeyError）") and stderr.count("\n") == 1
    assert "已损坏" not in stderr


def test_kqxl_debug_shows_the_traceback(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kqxl.book.reader._read_sheet", _boom)
    monkeypatch.setenv("KQXL_DEBUG", "1")
    with pytest.raises(KeyError, match="injected"):
        run("validate", book)


def test_an_os_error_the_library_did_not_wrap_is_one_chinese_line(
    book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(book))

    monkeypatch.setattr("kqxl.book.port.read_workbook", refuse)  # the jobs read through the port
    code, _, stderr = run("validate", book)
    assert code == 2
    assert (
        stderr
        == f"kqxl: {book}：系统错误（没有权限，请检查文件夹是否只读或文件是否被其他程序占用）。\n"
    )


def test_damage_in_a_part_is_still_damaged(book: Path, tmp_path: Path) -> None:
    """The narrowed excepts still turn the file's own faults into ``damaged``."""
    import zipfile

    broken = tmp_path / "坏.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b"</sheetData>")]  # cut short
            dst.writestr(info, data)
    with pytest.raises(WorkbookError) as err:
        patch_workbook(broken, [CellChange("客户", 3, 2, "x")], out=tmp_path / "o.xlsx")
    assert err.value.code == "damaged"
    code, _, stderr = run("recompute", broken, "--out", tmp_path / "o.xlsx", *TODAY)
    assert code == 2 and "已损坏" in stderr and stderr.endswith(f"{HINTS['damaged']}\n")


# --- one --json shape for one or many files ------------------------------------------------


def test_json_has_one_shape_for_one_and_many_files(book: Path, tmp_path: Path) -> None:
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    code, out, _ = run("validate", book, "--json", *TODAY)
    assert code == 0
    one = json.loads(out)
    code, out, stderr = run("validate", book, bad, "--json", *TODAY)
    assert code == 2
    many = json.loads(out)
    assert set(one) == set(many) == {"files"}
    assert set(one["files"][0]) == set(many["files"][0]) == set(many["files"][1])
    assert one["files"][0] == many["files"][0]
    failed = many["files"][1]
    assert failed["ok"] is False and failed["result"] is None
    assert failed["error"]["code"] == "not_xlsx" and failed["error"]["data"]["path"] == str(bad)
    assert stderr.startswith(f"kqxl: {bad}：不是 xlsx") and stderr.count("\n") == 1
    # a single failing file has the same shape, and the same one line on stderr
    code, out, stderr = run("validate", bad, "--json", *TODAY)
    assert code == 2 and json.loads(out) == {"files": [failed]}


def test_cli_json_is_the_library_batch(book: Path, tmp_path: Path) -> None:
    import datetime as dt

    bad = tmp_path / "空.xlsx"
    bad.write_bytes(b"")
    day = dt.date(2026, 11, 23)
    code, out, _ = run("validate", book, bad, "--json", *TODAY)
    assert code == 2
    assert json.loads(out) == validate_workbooks([book, bad], today=day).model_dump(mode="json")
    copy = tmp_path / "副本.xlsx"
    copy.write_bytes(book.read_bytes())
    code, out, _ = run("recompute", copy, bad, "--json", "--no-backup", *TODAY)
    assert code == 2
    got = json.loads(out)
    again = recompute_workbooks([copy, bad], today=day, backup=False).model_dump(mode="json")
    # a second recompute changes no cell and writes nothing: only cells_changed and
    # unchanged differ
    assert again["files"][0]["result"]["unchanged"] is True
    for key in ("cells_changed", "unchanged"):
        got["files"][0]["result"][key] = again["files"][0]["result"][key]
    assert got == again
    assert [f["error"] and f["error"]["code"] for f in got["files"]] == [None, "empty"]


def test_out_with_several_files_is_an_option_error(book: Path, tmp_path: Path) -> None:
    from kqxl.errors import OptionError

    with pytest.raises(OptionError) as err:
        recompute_workbooks([book, book], out=tmp_path / "o.xlsx")
    assert err.value.code == "bad_option" and err.value.data == {"count": 2}


def test_a_size_kqxl_cannot_write_is_not_damage(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # zip64 (a member over 4 GiB) is kqxl's limit, not the file's fault: shrink the limit
    monkeypatch.setattr("kqxl.book.zipcopy._MAX32", 64)
    with pytest.raises(WorkbookError) as err:
        patch_workbook(book, [CellChange("客户", 3, 2, "x")], out=tmp_path / "o.xlsx")
    assert err.value.code == "write_failed" and "4 GiB" in str(err.value)
    assert not (tmp_path / "o.xlsx").exists()
