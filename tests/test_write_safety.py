"""Writing in place where the file system is not plain: links, permissions, long names, a
``.kqxl`` folder that cannot be written, another program saving at the same moment."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_patch import make_book

from kqxl.book import CellChange, patch_workbook, read_workbook, safety
from kqxl.cli import cli
from kqxl.errors import WorkbookChangedError, WorkbookError


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def cell(path: Path, row: int = 2, col: int = 2) -> object:
    return read_workbook(path).sheets["客户"].rows[row - 1][col - 1]


def test_a_link_is_followed_and_the_target_written(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = make_book(tmp_path / "real" / "客户.xlsx")
    desk = tmp_path / "desk"
    desk.mkdir()
    link = desk / "客户.xlsx"
    link.symlink_to(Path("..") / "real" / "客户.xlsx")
    report = patch_workbook(link, [CellChange("客户", 2, 2, "新名字")])
    assert link.is_symlink() and os.readlink(link) == str(Path("..") / "real" / "客户.xlsx")
    assert cell(real) == "新名字"
    assert report.path == real.resolve()
    assert report.backup is not None and report.backup.parent == real.parent / ".kqxl" / "backups"
    assert not (desk / ".kqxl").exists()


def test_cli_recompute_through_a_link_names_the_target(tmp_path: Path, team_dir: Path) -> None:
    (tmp_path / "team").mkdir()
    shutil.copy(team_dir / "客户跟进表-张伟.xlsx", tmp_path / "team")
    real = tmp_path / "team" / "客户跟进表-张伟.xlsx"
    link = tmp_path / "张伟.xlsx"
    link.symlink_to(real)
    before = real.read_bytes()
    _code, out, _err = run("recompute", link, "--today", "2024-06-30")
    assert link.is_symlink()
    assert real.read_bytes() != before
    assert f"已写入 {real.resolve()}（" in out


def test_a_read_only_workbook_is_refused(tmp_path: Path) -> None:
    # Tests run as root, who may write anything: kqxl honours the mode bits themselves (a file
    # with no write bit is read-only, as Windows' read-only flag is) besides os.access.
    src = make_book(tmp_path / "a.xlsx")
    src.chmod(0o444)
    before = src.read_bytes()
    code, _out, err = run("recompute", src, "--today", "2024-06-30")
    assert code != 0
    assert "只读" in err and str(src) in err and "Traceback" not in err
    with pytest.raises(WorkbookError) as exc:
        patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    assert exc.value.code == "read_only" and "\n" not in str(exc.value)
    assert src.read_bytes() == before
    assert stat.S_IMODE(src.stat().st_mode) == 0o444


def test_a_replace_keeps_mode_and_owner(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    src.chmod(0o640)
    os.chown(src, 1234, 2345)
    patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    st = src.stat()
    assert cell(src) == "x"
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert (st.st_uid, st.st_gid) == (1234, 2345)


@pytest.mark.parametrize("extra", [0, 10, 22, 30])
def test_long_file_names(tmp_path: Path, extra: int) -> None:
    # 255 bytes is the limit of a name on common file systems; derived names must fit too
    stem = "客" * ((250 - extra) // 3)
    src = make_book(tmp_path / f"{stem}.xlsx")
    assert len(src.name.encode()) <= 255
    _code, out, err = run("recompute", src, "--today", "2024-06-30")
    assert "Traceback" not in err and "too long" not in err and ".tmp" not in err + out
    patch_workbook(src, [CellChange("客户", 2, 2, "长名字")])
    patch_workbook(src, [CellChange("客户", 2, 2, "又一次")])
    assert cell(src) == "又一次"
    backups = safety.backups_of(src)
    assert len(backups) >= 2 and all(len(b.name.encode()) <= 255 for b in backups)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_long_names_that_share_a_start_get_their_own_derived_names(tmp_path: Path) -> None:
    a = tmp_path / ("客" * 82 + "甲.xlsx")
    b = tmp_path / ("客" * 82 + "乙.xlsx")
    assert safety.lock_name(a) != safety.lock_name(b)
    assert safety.backup_stem(a) != safety.backup_stem(b)
    for path in (a, b):
        make_book(path)
        patch_workbook(path, [CellChange("客户", 2, 2, path.stem[-1])])
    assert len(safety.backups_of(a)) == 1 and len(safety.backups_of(b)) == 1


def test_a_name_too_long_for_the_folder_is_a_chinese_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_book(tmp_path / "a.xlsx")

    def too_long(*_args: object, **_kw: object) -> None:
        raise OSError(36, "File name too long", str(tmp_path / ".a.xlsx.kqxl-0.tmp"))

    monkeypatch.setattr(safety, "fsync_file", too_long)
    monkeypatch.setattr("kqxl.book.patch.fsync_file", too_long)
    with pytest.raises(WorkbookError) as err:
        patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    assert err.value.code == "write_failed" and "路径太长" in str(err.value)
    assert str(src) in str(err.value) and ".tmp" not in str(err.value)


def test_kqxl_folder_not_writable(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    folder = tmp_path / ".kqxl"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, _out, err = run("recompute", src, "--today", "2024-06-30")
        assert code != 0 and "Permission" not in err and "Traceback" not in err
        assert str(folder) in err and "写" in err
        with pytest.raises(WorkbookError) as exc:
            patch_workbook(src, [CellChange("客户", 2, 2, "x")])
        assert exc.value.code == "kqxl_dir_not_writable"
        message = str(exc.value).replace(str(src), "").replace(str(folder), "")
        assert not re.search(r"[A-Za-z]{4,}", message.replace("kqxl", ""))
    finally:
        folder.chmod(0o755)


def test_a_save_by_another_program_during_the_replace_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # another program saves atomically right after kqxl's last check and before its rename
    src = make_book(tmp_path / "a.xlsx")
    theirs = make_book(tmp_path / "theirs.xlsx", lambda wb: wb["客户"].__setitem__("B2", "他们的"))
    real_check = safety.check_stamp
    calls = []

    def check_then_save(path: Path, *args: object, **kw: object) -> None:
        real_check(path, *args, **kw)  # type: ignore[arg-type]
        calls.append(path)
        if len(calls) == 2:  # the last check before the replace
            os.replace(theirs, src)

    monkeypatch.setattr("kqxl.book.patch.check_stamp", check_then_save)
    with pytest.raises(WorkbookChangedError) as err:
        patch_workbook(src, [CellChange("客户", 2, 2, "我们的")])
    assert err.value.code == "changed"
    assert cell(src) == "他们的"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") and "kqxl-" in p.name]


needs_exchange = pytest.mark.skipif(
    safety.exchange_names is None, reason="names are swapped in one step only on Linux"
)


@needs_exchange
def test_the_name_is_never_empty_during_the_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_book(tmp_path / "a.xlsx")
    seen: list[bool] = []
    for name in ("replace", "link", "rename", "unlink"):
        real = getattr(os, name)

        def watched(*args: object, _real: object = real, **kw: object) -> object:
            out = _real(*args, **kw)  # type: ignore[operator]
            seen.append(src.exists())
            return out

        monkeypatch.setattr(os, name, watched)
    real_exchange = safety.exchange_names
    assert real_exchange is not None

    def exchange(a: Path, b: Path) -> bool:
        done = real_exchange(a, b)
        seen.append(src.exists())
        return done

    monkeypatch.setattr(safety, "exchange_names", exchange)
    patch_workbook(src, [CellChange("客户", 2, 2, "新")])
    assert seen and all(seen)
    assert cell(src) == "新"
    backups = list((tmp_path / ".kqxl" / "backups").iterdir())
    assert len(backups) == 1 and cell(backups[0]) != "新"  # the original, as a backup
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@needs_exchange
def test_a_save_just_before_the_swap_goes_back_under_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = make_book(tmp_path / "a.xlsx")
    theirs = make_book(tmp_path / "theirs.xlsx", lambda wb: wb["客户"].__setitem__("B2", "他们的"))
    real_exchange = safety.exchange_names
    assert real_exchange is not None
    calls: list[tuple[Path, Path]] = []

    def save_then_exchange(a: Path, b: Path) -> bool:
        if not calls:
            os.replace(theirs, src)  # another program saves after the backup was linked
        calls.append((a, b))
        return real_exchange(a, b)

    monkeypatch.setattr(safety, "exchange_names", save_then_exchange)
    with pytest.raises(WorkbookChangedError):
        patch_workbook(src, [CellChange("客户", 2, 2, "我们的")])
    assert len(calls) == 2  # swapped, then swapped back
    assert cell(src) == "他们的"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
