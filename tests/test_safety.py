"""Hostile and broken files, owner files, locks, and a writer killed at random points."""

from __future__ import annotations

import io
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES
from filelock import FileLock
from test_patch import make_book, rewrite_member

from kqxl.book import CellChange, Limits, patch_workbook, read_workbook, safety
from kqxl.book.safety import parse_owner
from kqxl.errors import HostileFileError, WorkbookError, WorkbookLockedError

REPO = Path(__file__).resolve().parents[1]


def both(path: Path, tmp_path: Path, limits: Limits = Limits()) -> list[WorkbookError]:  # noqa: B008
    """The errors of reading and of patching ``path`` (each must raise)."""
    errors = []
    with pytest.raises(WorkbookError) as read_err:
        read_workbook(path, limits=limits)
    errors.append(read_err.value)
    with pytest.raises(WorkbookError) as patch_err:
        patch_workbook(
            path, [CellChange("客户", 2, 2, "x")], out=tmp_path / "out.xlsx", limits=limits
        )
    errors.append(patch_err.value)
    assert not (tmp_path / "out.xlsx").exists()
    for err in errors:
        assert str(path) in str(err) and "\n" not in str(err)
        assert err.data["path"] == str(path)
    assert errors[0].code == errors[1].code  # reading and writing see the same fault
    return errors


# --- broken and foreign files --------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "空.xlsx"
    path.write_bytes(b"")
    assert all(e.code == "empty" and "文件为空" in str(e) for e in both(path, tmp_path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="文件不存在") as err:
        read_workbook(tmp_path / "没有.xlsx")
    assert err.value.code == "not_found"


def test_truncated_zip(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    assert all(e.code == "damaged" and "已损坏" in str(e) for e in both(cut, tmp_path))


def test_text_file_and_plain_zip_are_not_workbooks(tmp_path: Path) -> None:
    txt = tmp_path / "a.xlsx"
    txt.write_text("客户编号,客户名称\n", encoding="utf-8")
    assert all(e.code == "not_xlsx" for e in both(txt, tmp_path))
    plain = tmp_path / "b.xlsx"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("readme.txt", "hi")
    assert all(e.code == "not_xlsx" for e in both(plain, tmp_path))


def test_xls_compound_file_is_not_xlsx(tmp_path: Path) -> None:
    xls = tmp_path / "old.xls"
    xls.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 504
        + "Workbook".encode("utf-16-le")
        + b"\0" * 1024
    )
    assert all(e.code == "not_xlsx" and "不是 xlsx" in str(e) for e in both(xls, tmp_path))


def test_encrypted_workbook(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    src = make_book(tmp_path / "plain.xlsx")
    encrypted = tmp_path / "密码.xlsx"
    with src.open("rb") as fh:
        buffer = io.BytesIO()
        OOXMLFile(fh).encrypt("secret", buffer)
    encrypted.write_bytes(buffer.getvalue())
    assert encrypted.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert all(e.code == "encrypted" for e in both(encrypted, tmp_path))


# --- hostile files -------------------------------------------------------------------------


def test_zip_bomb_ratio(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    with zipfile.ZipFile(src, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/bomb.bin", b"\0" * (8 << 20))  # 8 MiB of zeros: ~1000:1
    errors = both(src, tmp_path)
    assert all(isinstance(e, HostileFileError) and e.code == "too_large" for e in errors)
    assert all("压缩比" in str(e.data["detail"]) for e in errors)


def test_uncompressed_size_and_member_caps(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    small = Limits(max_uncompressed=10_000)
    assert all(e.code == "too_large" and "MiB" in str(e) for e in both(src, tmp_path, small))
    few = Limits(max_members=3)
    assert all(e.code == "too_large" and "个部件" in str(e) for e in both(src, tmp_path, few))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment first does not hide it -->
<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>"""


@pytest.mark.parametrize(
    "payload", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"]
)
@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/worksheets/sheet2.xml"]
)
def test_dtd_in_any_part_is_refused(tmp_path: Path, payload: bytes, part: str) -> None:
    src = make_book(tmp_path / "a.xlsx")
    rewrite_member(src, part, lambda _d: payload)
    errors = both(src, tmp_path)
    assert all(isinstance(e, HostileFileError) and e.code == "hostile" for e in errors)
    assert all(e.data["part"] == part for e in errors)


def test_nothing_in_a_file_is_evaluated(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    canary = tmp_path / "canary"
    rewrite_member(
        src,
        "xl/worksheets/sheet1.xml",
        lambda d: d.replace(
            b"</sheetData>",
            b'<row r="9"><c r="A9"><f>CALL("kernel32","WinExec","JC","touch '
            + str(canary).encode()
            + b'",0)</f><v>0</v></c></row></sheetData>',
        ),
    )
    patch_workbook(src, [CellChange("客户", 9, 2, "x")], out=tmp_path / "b.xlsx")
    read_workbook(tmp_path / "b.xlsx")
    assert not canary.exists()


# --- owner files and locks -----------------------------------------------------------------


def excel_owner_file(name: str, *, length_prefix: bool) -> bytes:
    """An owner file as Excel writes it (name in ANSI, then in UTF-16LE around 0x36)."""
    ansi = name.encode("gbk")
    data = bytes([len(name)]) + ansi
    data = data.ljust(0x36, b" ")
    if length_prefix:
        data += len(name).to_bytes(2, "little")
    return (data + name.encode("utf-16-le")).ljust(165, b" ")


@pytest.mark.parametrize("length_prefix", [True, False])
@pytest.mark.parametrize("owner", ["张三", "Li Si", "王小明明明"])
def test_owner_name_is_read(owner: str, length_prefix: bool) -> None:
    assert parse_owner(excel_owner_file(owner, length_prefix=length_prefix)) == owner


def test_owner_file_garbage_gives_unknown() -> None:
    assert parse_owner(b"") == "未知用户"
    assert parse_owner(b"\x05\x00\x01") == "未知用户"


def test_fresh_owner_file_refuses_even_with_force(tmp_path: Path) -> None:
    src = make_book(tmp_path / "张三.xlsx")
    (tmp_path / "~$张三.xlsx").write_bytes(excel_owner_file("张三", length_prefix=True))
    before = src.read_bytes()
    for force in (False, True):
        with pytest.raises(WorkbookLockedError) as err:
            patch_workbook(src, [CellChange("客户", 2, 2, "x")], force=force)
        assert err.value.code == "locked" and "--force" not in str(err.value)
        assert err.value.data["owner"] == "张三" and err.value.data["lock"] == "~$张三.xlsx"
        assert "张三" in str(err.value) and "~$张三.xlsx" in str(err.value)
        assert "分钟" in str(err.value)
    assert src.read_bytes() == before
    read_workbook(src)  # reading an open workbook is fine


def test_stale_owner_file_needs_force(tmp_path: Path) -> None:
    src = make_book(tmp_path / "李四.xlsx")
    owner = tmp_path / "~$李四.xlsx"
    owner.write_bytes(excel_owner_file("李四", length_prefix=False))
    old = time.time() - 13 * 3600
    os.utime(owner, (old, old))
    with pytest.raises(WorkbookLockedError, match="13 小时"):
        patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    patch_workbook(src, [CellChange("客户", 2, 2, "x")], force=True)
    assert read_workbook(src).sheets["客户"].value(2, 2) == "x"
    # the age that counts as stale is a setting
    os.utime(owner, (time.time() - 600, time.time() - 600))
    patch_workbook(
        src, [CellChange("客户", 2, 2, "y")], force=True, limits=Limits(owner_stale_hours=0.1)
    )


def test_libreoffice_lock_file(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    (tmp_path / ".~lock.a.xlsx#").write_text(
        "王五,wangwu,host,23.11.2026 10:00,file:///x;", encoding="utf-8"
    )
    with pytest.raises(WorkbookLockedError, match="王五") as err:
        patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    assert err.value.code == "locked"


def test_another_kqxl_writer_holds_the_lock(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    (tmp_path / ".kqxl").mkdir()
    with (
        FileLock(str(tmp_path / ".kqxl" / "a.xlsx.lock")),
        pytest.raises(WorkbookLockedError, match="另一个 kqxl") as err,
    ):
        patch_workbook(src, [CellChange("客户", 2, 2, "x")], limits=Limits(lock_timeout=0.2))
    assert err.value.code == "busy"


# --- killed writer ---------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from kqxl.book import CellChange, patch_workbook
    path = sys.argv[1]
    i = 0
    print("ready", flush=True)
    while True:
        i += 1
        patch_workbook(path, [CellChange("客户", r, 2, f"第{i}次") for r in range(2, 4000, 7)],
                       keep_backups=3)
        print(i, flush=True)
""")


def test_sigkill_leaves_the_original_intact(tmp_path: Path) -> None:
    def build(wb: object) -> None:
        ws = wb["客户"]  # type: ignore[index]
        for i in range(6, 4000):
            ws.append([f"K{i:05d}", f"客户{i}", i, None, "备注" * 5])

    src = make_book(tmp_path / "大.xlsx", build)
    rng = random.Random(20261123)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    kills = 0
    written = 0
    per_write = 0.5  # seconds one write takes here; measured below (a loaded machine is slower)
    for n in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(src)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        started = time.monotonic()
        if n % 2 == 0:  # every other run lets one write finish before the kill
            assert proc.stdout.readline().strip() == b"1"
            per_write = time.monotonic() - started
        # then kill it at a random point of a write, whatever the machine's speed
        time.sleep(rng.uniform(0.0, 1.5) * per_write)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
        proc.stdout.close()
        assert proc.stderr is not None
        proc.stderr.close()
        grid = read_workbook(src).sheets["客户"]  # the file is always a complete workbook
        value = grid.value(2, 2)
        assert value == "客户1" or str(value).startswith("第")
        written += str(value).startswith("第")
        assert grid.value(3999, 1) == "K03999"
        workbooks = [p.name for p in tmp_path.iterdir() if p.suffix in (".xlsx", ".xlsm")]
        assert workbooks == ["大.xlsx"]  # a temp file never looks like a workbook
        with zipfile.ZipFile(src) as zf:
            assert zf.testzip() is None
    assert kills >= 10 and written >= 6  # killed mid-run, after some writes had finished
    patch_workbook(src, [CellChange("客户", 2, 2, "最后")])
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # strays cleaned
    assert read_workbook(src).sheets["客户"].value(2, 2) == "最后"


def test_damaged_parts_give_one_line_errors_never_tracebacks(tmp_path: Path) -> None:
    files = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".xlsx", ".xlsm"))
    assert len(files) >= 5
    rng = random.Random(3)
    refused = {"read": 0, "patch": 0}
    for n in range(60):
        source = rng.choice(files)
        with zipfile.ZipFile(source) as zf:
            items = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
        idx = rng.randrange(len(items))
        name, data = items[idx]
        mode = rng.choice(["truncate", "garbage", "drop"])
        if mode == "drop":
            items.pop(idx)
        elif mode == "truncate":
            items[idx] = (name, data[: rng.randrange(max(1, len(data)))])
        else:
            at = rng.randrange(max(1, len(data)))
            items[idx] = (name, data[:at] + rng.randbytes(8) + data[at:])
        broken = tmp_path / f"broken{n}{source.suffix}"
        with zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as zf:
            for item, content in items:
                zf.writestr(item, content)
        sheet = next(iter(read_workbook(source).sheets))
        for job in ("read", "patch"):
            try:
                if job == "read":
                    read_workbook(broken)
                else:
                    out = tmp_path / f"out{n}{source.suffix}"
                    patch_workbook(broken, [CellChange(sheet, 300, 1, "x")], out=out)
            except WorkbookError as exc:
                # a fault of the file, never a bug of kqxl's dressed up as one (those propagate)
                assert exc.code in {"damaged", "not_xlsx", "sheet_not_found", "hostile"}, exc
                assert str(broken) in str(exc) and "\n" not in str(exc)
                refused[job] += 1
    # Enough of the damage lands in parts kqxl reads for the refusals to be tested at all.
    assert refused["read"] >= 15 and refused["patch"] >= 15, refused


def test_odd_bytes_in_a_lock_file_keep_the_message_on_one_line(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    lock = tmp_path / ".~lock.a.xlsx#"
    lock.write_bytes(b"\xff\xfe\n\r\x00evil\nname,user,host,date;")
    with pytest.raises(WorkbookLockedError) as err:
        patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    assert "\n" not in str(err.value) and "\r" not in str(err.value)


def test_an_os_error_is_described_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a read-only folder (root ignores permissions, so the refusal is simulated)
    src = make_book(tmp_path / "a.xlsx")
    before = src.read_bytes()

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    if safety.exchange_names is not None:  # the folder refuses a swap of two names too
        monkeypatch.setattr(safety, "exchange_names", refuse)
    with pytest.raises(WorkbookError) as err:
        patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    assert err.value.code == "write_failed" and err.value.data["detail"].startswith("没有权限")
    assert "没有权限" in str(err.value) and "Permission" not in str(err.value)
    assert src.read_bytes() == before


_NAMES = re.compile(r"[\w./\[\]-]+\.(?:xml|rels)|<\w+>|XML|UTF-8|Excel|kqxl|cellXfs|fills")


# Which jobs must refuse each damage. Reading needs no styles, and takes a sheet without
# <sheetData> as empty; patching copies the bytes of cells it does not change, so a bad byte
# inside an untouched cell passes through. Every refusal is in Chinese.
@pytest.mark.parametrize(
    ("part", "damage", "refused_by"),
    [
        ("xl/workbook.xml", lambda d: d[: len(d) // 2], {"read", "patch"}),  # XML cut short
        ("xl/_rels/workbook.xml.rels", lambda d: d + b"\xff<", {"read", "patch"}),  # not XML
        (
            "xl/worksheets/sheet1.xml",
            lambda d: d.replace(b"K001", b"K\xff\xfe1"),  # bad UTF-8
            {"read"},
        ),
        (
            "xl/worksheets/sheet1.xml",
            lambda d: re.sub(rb"<sheetData>.*</sheetData>", b"", d),
            {"patch"},
        ),
        ("xl/worksheets/sheet1.xml", lambda d: d[: d.index(b"</sheetData>")], {"read", "patch"}),
        (
            "xl/styles.xml",  # cut short (one without cellXfs is valid: test_styles_parts.py)
            lambda d: d[: d.index(b"</cellXfs>")],
            {"read", "patch"},
        ),
    ],
    ids=["truncated-xml", "bad-rels", "bad-utf8", "no-sheetdata", "cut-sheetdata", "cut-styles"],
)
def test_damage_is_described_in_chinese(
    tmp_path: Path, part: str, damage: Callable[[bytes], bytes], refused_by: set[str]
) -> None:
    src = make_book(tmp_path / "a.xlsx")
    with zipfile.ZipFile(src) as zf:
        original = zf.read(part)
    assert damage(original) != original  # the damage applies to this file
    rewrite_member(src, part, damage)
    for job in ("read", "patch"):
        try:
            if job == "read":
                read_workbook(src)
            else:
                patch_workbook(src, [CellChange("客户", 2, 2, "x")], out=tmp_path / "b.xlsx")
        except WorkbookError as exc:
            assert job in refused_by, f"{job} refused: {exc}"
            rest = _NAMES.sub("", str(exc).replace(str(src), ""))
            assert not re.search(r"[A-Za-z]{3,}", rest), str(exc)
            assert exc.code == "damaged", str(exc)
        else:
            assert job not in refused_by, f"{job} did not refuse the damaged {part}"


def test_a_backup_folder_that_cannot_be_made_stops_the_write(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    before = src.read_bytes()
    (tmp_path / ".kqxl").mkdir()
    (tmp_path / ".kqxl" / "backups").write_text("a file where the folder should be")
    with pytest.raises(WorkbookError, match="无法创建备份") as err:
        patch_workbook(src, [CellChange("客户", 2, 2, "x")])
    assert err.value.code == "write_failed"
    assert not re.search(r"[A-Za-z]{4,}", str(err.value).replace(str(src), ""))
    assert src.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ---- chunks inflated one step ahead, in a worker thread ------------------------------------


def test_chunks_ahead_gives_every_chunk_in_order() -> None:
    from kqxl.book.safety import chunks_ahead

    chunks = [bytes([i]) * (i + 1) for i in range(50)]
    assert list(chunks_ahead(iter(chunks), depth=2)) == chunks


def test_chunks_ahead_raises_what_the_producer_raises() -> None:
    from kqxl.book.safety import chunks_ahead

    def broken() -> object:
        yield b"a"
        raise WorkbookError("坏了", code="corrupt")

    got = []
    with pytest.raises(WorkbookError):
        for chunk in chunks_ahead(broken()):  # type: ignore[arg-type]
            got.append(chunk)
    assert got == [b"a"]


def test_chunks_ahead_stops_and_closes_the_producer_when_the_caller_stops() -> None:
    import threading

    from kqxl.book.safety import chunks_ahead

    closed = threading.Event()

    def endless() -> object:
        try:
            while True:
                yield b"x" * 10
        finally:
            closed.set()

    ahead = chunks_ahead(endless(), depth=2)  # type: ignore[arg-type]
    assert next(ahead) == b"x" * 10
    ahead.close()  # the caller stops early: the worker ends, the producer is closed
    assert closed.wait(5)
    assert not [t for t in threading.enumerate() if t.name == "kqxl-inflate"]
