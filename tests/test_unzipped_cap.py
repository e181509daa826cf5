"""The cap on a workbook's unzipped size, through the CLI: a workbook over it is refused with the
environment variable that raises it; kqxl never writes a workbook over it (the recompute of a
workbook just under the cap would otherwise give a file the next command refuses); the other
zip-bomb caps hold whatever the variable says. Small caps stand in for the 1 GiB default."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kqxl.book import CellChange, Limits, patch_workbook, read_workbook, safety
from kqxl.book.safety import MAX_UNZIPPED_ENV, file_stamp
from kqxl.cli import cli
from kqxl.errors import HostileFileError, WorkbookError

SOURCE = "客户跟进表-刘洋.xlsx"
TODAY = ("--today", "2026-11-30")  # later than the demo's recompute: computed cells change


def run(*args: str | Path, cap: str | None = None) -> tuple[int, str, str]:
    env = {MAX_UNZIPPED_ENV: cap} if cap is not None else {MAX_UNZIPPED_ENV: ""}
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def unzipped(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(info.file_size for info in zf.infolist())


def mib(size: int) -> str:
    """A cap in MiB, as the variable is set, that ``size`` bytes just exceed."""
    return f"{(size - 1) / (1 << 20):.6f}"


@pytest.fixture
def book(team_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(team_dir / SOURCE, tmp_path / "张三.xlsx"))


def test_a_workbook_over_the_cap_is_refused_with_the_variable_that_raises_it(book: Path) -> None:
    size = unzipped(book)
    code, out, err = run("validate", book, *TODAY, cap=mib(size))
    assert code == 2 and out == ""
    shown = f"{size / (1 << 20):.2g}"
    assert err == (
        f"kqxl: {book}：解压后 {shown} MiB（上限 {shown} MiB），超过安全上限，可能是压缩炸弹，"
        f"已拒绝处理。如确认文件来源可靠（如很大的团队总表），请设置环境变量 "
        f"{MAX_UNZIPPED_ENV}=1024（单位 MiB）后重试。\n"
    )
    code, out, err = run("validate", book, *TODAY, "--json", cap=mib(size))
    assert code == 2 and '"too_large"' in out + err
    # raised as the message says, the same workbook is read
    code, out, err = run("validate", book, *TODAY, cap="1024")
    assert code in (0, 1) and err == "", err
    code, out, err = run("validate", book, *TODAY, cap=mib(size + 2))
    assert code in (0, 1) and err == "", err


def test_a_recompute_never_writes_a_workbook_over_the_cap(book: Path) -> None:
    before = file_stamp(book)
    out_file = book.with_name("out.xlsx")
    code, out, err = run("recompute", book, *TODAY, "--out", out_file)
    assert code in (0, 1), err
    grown = unzipped(out_file)
    assert grown > unzipped(book)  # the computed cells of a later day take more room
    cap = mib(grown)  # the input is under it, the recompute's output just over it
    assert float(cap) * (1 << 20) > unzipped(book)
    code, out, err = run("recompute", book, *TODAY, cap=cap)
    assert code == 2 and out == ""
    assert err == (
        f"kqxl: {book}：写入后的工作簿解压后将有 {grown / (1 << 20):.2g} MiB，超过读取上限 "
        f"{grown / (1 << 20):.2g} MiB，kqxl 以后会拒绝读取它，因此没有写入，原文件未改动。"
        f"如确认无误，请设置环境变量 {MAX_UNZIPPED_ENV}=1024（单位 MiB）后重试。\n"
    )
    assert file_stamp(book).sha256 == before.sha256
    assert not (book.parent / ".kqxl" / "backups").exists() or not any(
        (book.parent / ".kqxl" / "backups").iterdir()
    )
    assert [p.name for p in book.parent.iterdir() if p.name.endswith(".tmp")] == []
    # with the cap raised, the recompute writes, and its output is read under that cap
    raised = mib(grown + 16)  # (MiB to 6 places: a byte or two either way)
    code, out, err = run("recompute", book, *TODAY, cap=raised)
    assert code in (0, 1) and err == "", err
    assert unzipped(book) == grown
    code, out, err = run("validate", book, *TODAY, cap=raised)
    assert code in (0, 1) and err == "", err


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf", "1e999"])
def test_a_bad_value_of_the_variable_is_one_line(book: Path, value: str) -> None:
    code, out, err = run("validate", book, *TODAY, cap=value)
    assert code == 2 and out == ""
    assert err == (
        f"kqxl: 环境变量 {MAX_UNZIPPED_ENV} 的值“{value}”无效：应为以 MiB 计的正数，如 2048。"
        "请改正或删除它后重试。\n"
    )


def test_the_other_caps_hold_whatever_the_variable_says(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = Path(shutil.copy(book, tmp_path / "plain.xlsx"))
    with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/bomb.bin", b"\0" * (8 << 20))  # ~1000:1
    code, out, err = run("validate", book, *TODAY, cap="1000000")
    assert code == 2 and out == ""
    assert "压缩比" in err and MAX_UNZIPPED_ENV not in err
    monkeypatch.setenv(MAX_UNZIPPED_ENV, "1000000")
    with pytest.raises(HostileFileError) as refused:
        read_workbook(book)
    assert refused.value.code == "too_large"
    # a cap given in the code wins over the variable, for reading and for writing
    monkeypatch.setenv(MAX_UNZIPPED_ENV, "0.001")
    with pytest.raises(HostileFileError):
        read_workbook(plain)
    limits = Limits(max_uncompressed=1 << 30)
    assert read_workbook(plain, sheets=["客户"], limits=limits).sheets
    patch_workbook(plain, [CellChange("客户", 3, 2, "x")], out=tmp_path / "o.xlsx", limits=limits)


def test_the_value_suggested_leaves_room_for_the_recompute() -> None:
    # a 1,000,000-row master just over the default cap: its recompute about doubles it
    read = safety._over_cap(
        "too_large_total", HostileFileError, Path("总表.xlsx"), 1148 << 20, 1 << 30, 2
    )
    assert (
        read.data["suggest"] == 3072
        and read.data["size"] == "1148"
        and read.data["limit"] == "1024"
    )
    assert "KQXL_MAX_UNZIPPED_MIB=3072" in str(read)
    # the output of a write is what the next read must take, no more
    wrote = safety._over_cap(
        "output_too_large", WorkbookError, Path("总表.xlsx"), 1780 << 20, 1 << 30
    )
    assert wrote.data["suggest"] == 2048 and wrote.code == "output_too_large"
