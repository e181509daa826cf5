"""File safety: limits against hostile files, owner files of Excel/WPS, locks, stamps, backups
and the atomic save.

Nothing here evaluates anything found in a file. XML that kqxl parses as a tree goes through
defusedxml (no DTDs, no entities); every XML member is also checked for a DTD before any other
reader (calamine, the streaming patcher) sees it, because a DTD may only stand in the prolog.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import hashlib
import math
import os
import queue
import re
import secrets
import shutil
import stat
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from filelock import FileLock, Timeout

from kqxl.book.zipcopy import inflate_member
from kqxl.cells import FileStamp
from kqxl.errors import (
    HostileFileError,
    KqxlError,
    OptionError,
    WorkbookChangedError,
    WorkbookError,
    WorkbookLockedError,
    describe_os_error,
)
from kqxl.texts import READING, text

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Streams of an encrypted OOXML package (MS-OFFCRYPTO); CFB directory names are UTF-16LE.
_ENCRYPTION_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_PROLOG_PEEK = 64 * 1024

E = TypeVar("E", bound=KqxlError)


# The cap on a workbook's total unzipped size: 1 GiB unless the user sets this variable (MiB)
# for workbooks known to be good (a team master near Excel's 1,048,576 rows passes 1 GiB). The
# other caps (ratio per part, number of parts, no DTD) stay whatever the cap; kqxl never puts in
# place a workbook over the cap in effect, which it would then refuse to read.
MAX_UNZIPPED_ENV = "KQXL_MAX_UNZIPPED_MIB"
DEFAULT_MAX_UNZIPPED = 1 << 30
_MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """Safety caps applied before a workbook is read or written.

    ``max_uncompressed`` (bytes) caps the total unzipped size of a workbook read, and of one
    written; None means :data:`MAX_UNZIPPED_ENV` if set, else 1 GiB (see
    :meth:`unzipped_cap`). ``max_ratio`` applies to members larger than ``ratio_min_size``
    (small parts compress well legitimately). An owner file (``~$name.xlsx``) older than
    ``owner_stale_hours`` is treated as stale, and ignored only when the caller passes
    ``force=True``.
    """

    max_uncompressed: int | None = None
    max_ratio: float = 200.0
    ratio_min_size: int = 1 << 20
    max_members: int = 10_000
    owner_stale_hours: float = 12.0
    lock_timeout: float = 10.0

    def unzipped_cap(self) -> int:
        """The cap on the total unzipped size in bytes: ``max_uncompressed`` if given, else
        the environment's :data:`MAX_UNZIPPED_ENV` (MiB, read now), else 1 GiB.

        A value of the variable that is no positive number raises OptionError (``bad_option``).
        """
        if self.max_uncompressed is not None:
            return self.max_uncompressed
        raw = os.environ.get(MAX_UNZIPPED_ENV, "").strip()
        if not raw:
            return DEFAULT_MAX_UNZIPPED
        try:
            mib = float(raw)
        except ValueError:
            mib = math.nan
        if not (math.isfinite(mib) and mib > 0):
            raise OptionError.from_key("bad_unzipped_cap", env=MAX_UNZIPPED_ENV, value=raw)
        return max(1, int(mib * _MIB))


def _mib(size: int) -> str:
    """``size`` bytes in MiB as the messages show it: 1148, 0.4."""
    mib = size / _MIB
    return f"{mib:.0f}" if mib >= 10 else f"{mib:.2g}"


# A recompute of a workbook whose computed columns are still empty writes about twice its
# size (1,000,000 rows: 877 MiB in, 1,780 MiB out): the value suggested for a workbook refused
# on reading leaves that much room, so that raising the cap once is enough.
_RECOMPUTE_GROWTH = 2


def _over_cap(key: str, exc: type[E], path: Path, total: int, cap: int, room: int = 1) -> E:
    """``key`` (``too_large_total`` or ``output_too_large``) for ``total`` bytes over ``cap``,
    with a value of :data:`MAX_UNZIPPED_ENV` (whole GiB, in MiB) that lets ``room`` times
    ``total`` through."""
    return fail(
        exc,
        key,
        path=path,
        size=_mib(total),
        limit=_mib(cap),
        detail=f"解压后 {_mib(total)} MiB（上限 {_mib(cap)} MiB）",
        env=MAX_UNZIPPED_ENV,
        suggest=math.ceil(room * total / (1 << 30)) * 1024,
    )


def fail(exc: type[E], key: str, **values: object) -> E:
    """An error of class ``exc`` with the catalogue line ``key`` as its message, the code that
    :data:`kqxl.errors.CODES` gives ``key``, and ``values`` as its data."""
    return exc.from_key(key, **values)


class PartError(ValueError):
    """A part is not what Excel writes; the message is a short Chinese reason."""


def describe_error(exc: BaseException) -> str:
    """A short Chinese reason for a failure inside a part (library messages are English)."""
    if isinstance(exc, ParseError):
        line, column = exc.position
        return f"XML 格式错误，第 {line} 行第 {column} 列"
    if isinstance(exc, UnicodeError):
        return "文字编码不是有效的 UTF-8"
    if isinstance(exc, zipfile.BadZipFile | zlib.error | EOFError):
        return "压缩数据损坏或不完整"
    if isinstance(exc, NotImplementedError):
        return "使用了不支持的压缩或加密方式"
    if isinstance(exc, OSError):
        return describe_os_error(exc)
    if isinstance(exc, PartError):
        return str(exc)
    return "内容不符合 Excel 的格式"


# --- opening a package -------------------------------------------------------------------


def check_file(path: Path, limits: Limits) -> zipfile.ZipFile:
    """Open ``path`` as a zip after every safety check; the caller closes it.

    Raises WorkbookError (file_not_found, unreadable, empty_file, encrypted, not_xlsx, corrupt),
    HostileFileError (too_large, hostile_xml), or OptionError for a bad
    :data:`MAX_UNZIPPED_ENV`.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise fail(WorkbookError, "file_not_found", path=path) from None
    except OSError as exc:  # a folder, no permission, a file locked by another program
        raise unreadable(path, exc) from None
    if not head:
        raise fail(WorkbookError, "empty_file", path=path)
    if head.startswith(CFB_MAGIC[:4]):
        if _is_encrypted_cfb(path):
            raise fail(WorkbookError, "encrypted", path=path)
        raise fail(WorkbookError, "not_xlsx", path=path, detail="旧版 .xls 或其他 OLE 复合文档")
    if not head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        raise fail(WorkbookError, "not_xlsx", path=path, detail="不是 zip 格式")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise fail(WorkbookError, "corrupt", path=path, detail=describe_error(exc)) from None
    try:
        check_members(path, zf, limits)
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            # an xlsx renamed to .xls (or saved without its extension): the content is right,
            # the name makes Excel and the readers take it for another format
            raise fail(WorkbookError, "wrong_extension", path=path, suffix=path.suffix or "（无）")
    except BaseException:
        zf.close()
        raise
    return zf


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xlam")


def unreadable(path: Path, exc: OSError) -> WorkbookError:
    """The error for a file that cannot be opened: a folder says so and names the workbooks in
    it; anything else (no permission, an I/O error) is ``unreadable`` with the reason."""
    if path.is_dir():
        return fail(WorkbookError, "is_folder", path=path, files=_workbooks_in(path))
    return fail(WorkbookError, "unreadable", path=path, detail=describe_os_error(exc))


def _workbooks_in(folder: Path, shown: int = 3) -> str:
    """The first few workbooks in ``folder``, for the message that names what to give instead."""
    try:
        names = sorted(
            p.name
            for p in folder.iterdir()
            if p.suffix.lower() in WORKBOOK_SUFFIXES and not p.name.startswith("~$") and p.is_file()
        )
    except OSError:
        names = []
    if not names:
        return text(READING, "is_folder_empty")
    more = text(READING, "is_folder_more", n=len(names) - shown) if len(names) > shown else ""
    return text(READING, "is_folder_files", files="、".join(names[:shown]), more=more)


def _is_encrypted_cfb(path: Path) -> bool:
    # The directory entries of a compound file hold the stream names in UTF-16LE; a scan of the
    # file for those names needs no OLE parser and cannot be fooled into executing anything.
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            window = tail + chunk
            if any(name in window for name in _ENCRYPTION_STREAMS):
                return True
            tail = window[-64:]
    return False


def check_members(path: Path, zf: zipfile.ZipFile, limits: Limits) -> None:
    """Caps on members, sizes and ratios; no DTD in any XML member; an OOXML workbook at all."""
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise fail(
            HostileFileError,
            "too_large",
            path=path,
            detail=f"包含 {len(infos)} 个部件（上限 {limits.max_members}）",
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise fail(WorkbookError, "encrypted", path=path)
        if info.file_size > limits.ratio_min_size and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise fail(
                HostileFileError,
                "too_large",
                path=path,
                detail=f"部件 {info.filename} 压缩比 "
                f"{info.file_size // max(info.compress_size, 1)}:1"
                f"（上限 {limits.max_ratio:g}:1）",
            )
    cap = limits.unzipped_cap()
    if total > cap:
        raise _over_cap("too_large_total", HostileFileError, path, total, cap, _RECOMPUTE_GROWTH)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names:
        raise fail(WorkbookError, "not_xlsx", path=path, detail="缺少 [Content_Types].xml")
    for info in infos:
        if info.filename.lower().endswith(_XML_SUFFIXES):
            check_prolog(path, zf, info)


def check_written_size(path: Path, written: Path, limits: Limits) -> None:
    """Refuse (``output_too_large``) to put ``written``, the new package of ``path``, in place
    when its unzipped size is over the cap in effect: kqxl would refuse to read it next time
    (a recompute adds computed cells to a workbook that was just under the cap)."""
    with zipfile.ZipFile(written) as zf:
        total = sum(info.file_size for info in zf.infolist())
    cap = limits.unzipped_cap()
    if total > cap:
        raise _over_cap("output_too_large", WorkbookError, path, total, cap)


def check_prolog(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Reject a DTD (the door to billion-laughs and external entities) in one XML member."""
    try:
        with zf.open(info) as fh:
            head = fh.read(_PROLOG_PEEK)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise fail(
            WorkbookError, "corrupt", path=path, detail=f"{info.filename}：{describe_error(exc)}"
        ) from None
    except OSError as exc:  # the disk or the network share, not the file's content
        raise unreadable(path, exc) from None
    if _prolog_has_dtd(head):
        raise fail(
            HostileFileError, "hostile_xml", path=path, part=info.filename, detail="DTD/实体声明"
        )


_PROLOG_SKIP = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _prolog_has_dtd(head: bytes) -> bool:
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 XML: decode what we have (Excel never writes it, but a hostile file might).
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    pos = 0
    while m := _PROLOG_SKIP.match(head, pos):
        if m.end() == pos:
            break
        pos = m.end()
    rest = head[pos:].lstrip()
    return rest[:9].upper() == b"<!DOCTYPE" or b"<!ENTITY" in rest[:4096]


def parse_xml(path: Path, part: str, data: bytes) -> Element:
    """Parse a small XML part as a tree, through defusedxml only."""
    try:
        return safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise fail(
            HostileFileError, "hostile_xml", path=path, part=part, detail=type(exc).__name__
        ) from None
    except ParseError as exc:
        raise fail(
            WorkbookError, "corrupt", path=path, detail=f"{part}：{describe_error(exc)}"
        ) from None


def member_chunks(path: Path, zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The bytes of one member in chunks of 1–4 MiB, with zip errors turned into ``corrupt``.

    A deflated or stored member is inflated by zlib-ng, faster than ``zipfile``'s zlib
    (:func:`~kqxl.book.zipcopy.inflate_member`), and checked against its CRC and size;
    ``zipfile`` reads any other (encrypted, another method)."""
    info = zf.NameToInfo.get(name)
    # a plain member of a zip opened from a file (not a buffer)
    if info is not None and zf.filename and not info.flag_bits & 1 and info.compress_type in (0, 8):
        try:
            with open(zf.filename, "rb") as raw:
                yield from inflate_member(raw, info)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise fail(
                WorkbookError, "corrupt", path=path, detail=f"{name}：{describe_error(exc)}"
            ) from None
        except OSError as exc:
            raise unreadable(path, exc) from None
        return
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(1 << 20):
                yield chunk
    except KeyError:
        raise fail(WorkbookError, "corrupt", path=path, detail=f"缺少部件 {name}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise fail(
            WorkbookError, "corrupt", path=path, detail=f"{name}：{describe_error(exc)}"
        ) from None
    except OSError as exc:
        raise unreadable(path, exc) from None


def chunks_ahead(chunks: Iterator[bytes], depth: int = 4) -> Iterator[bytes]:
    """``chunks``, produced by a worker thread up to ``depth`` chunks ahead of the caller.

    For a consumer that works outside the GIL (the C byte scan) on what a producer makes
    outside the GIL (zlib-ng's inflate): on two cores the two overlap. What the producer
    raises is raised here; a caller that stops early stops the worker (and closes
    ``chunks``) before this generator returns."""
    done = object()
    pending: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(done)
        except BaseException as exc:  # handed to the caller, raised there
            put(_Raised(exc))
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="kqxl-inflate", daemon=True)
    worker.start()
    try:
        while (item := pending.get()) is not done:
            if isinstance(item, _Raised):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


@dataclass(frozen=True, slots=True)
class _Raised:
    exc: BaseException


def read_member(path: Path, zf: zipfile.ZipFile, name: str) -> bytes:
    """The bytes of one member, with zip errors turned into ``corrupt``."""
    return b"".join(member_chunks(path, zf, name))


# --- stamps ----------------------------------------------------------------------------------


def file_stamp(path: Path) -> FileStamp:
    """Size, mtime and SHA-256 of a file as it is now."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            st = os.fstat(fh.fileno())
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except FileNotFoundError:
        raise fail(WorkbookError, "file_not_found", path=path) from None
    except OSError as exc:
        raise unreadable(path, exc) from None
    return FileStamp(size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=digest.hexdigest())


def check_stamp(path: Path, expect: FileStamp | None, now: FileStamp | None = None) -> None:
    """Raise WorkbookChangedError if the file's content (``now``, else read afresh) differs
    from ``expect``."""
    if expect is None:
        return
    now = now or file_stamp(path)
    if now.size == expect.size and now.sha256 == expect.sha256:
        return  # a touch without a change in content is not a change
    when = dt.datetime.fromtimestamp(now.mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")
    raise fail(
        WorkbookChangedError,
        "changed_on_disk",
        path=path,
        detail=f"修改时间 {when}，大小 {expect.size} → {now.size} 字节",
    )


# --- owner files of Excel / WPS / LibreOffice ------------------------------------------------


@dataclass(frozen=True, slots=True)
class OwnerFile:
    """An ``~$`` owner file: who has the workbook open, and since when."""

    path: Path
    owner: str
    age_seconds: float


def owner_files(path: Path) -> list[OwnerFile]:
    """Owner files that say ``path`` is open in Excel, WPS or LibreOffice."""
    candidates = [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]
    found = []
    for lock in candidates:
        try:
            st = lock.stat()
            data = lock.read_bytes()[:4096]
        except OSError:
            continue
        owner = _libreoffice_owner(data) if lock.name.startswith(".~lock.") else parse_owner(data)
        found.append(OwnerFile(lock, owner, max(0.0, time.time() - st.st_mtime)))
    return found


def parse_owner(data: bytes) -> str:
    """The user name in an Excel/WPS owner file, or ``未知用户``.

    Excel writes: byte 0 = length n, then n bytes of the name in the ANSI code page (padded
    with spaces), and around 0x36 the name again in UTF-16LE — some writers put a 2-byte
    length at 0x36 and the name at 0x38. The UTF-16 copy survives any code page, so it wins
    when it is plausible; with an ASCII ANSI name, it must agree with it.
    """
    if not data:
        return "未知用户"
    n = data[0]
    raw = data[1 : 1 + n]
    ascii_name = raw.decode("ascii").strip() if raw.isascii() and raw.strip() else None
    starts = [0x36, 0x37, 0x38]
    if len(data) >= 0x38 and int.from_bytes(data[0x36:0x38], "little") == n:
        starts.insert(0, 0x38)
    plausible = []
    for start in starts:
        if not n or len(data) < start + 2 * n:
            continue
        try:
            name = data[start : start + 2 * n].decode("utf-16-le").strip()
        except UnicodeDecodeError:
            continue
        if name and name.isprintable() and (ascii_name is None or name == ascii_name):
            plausible.append(name)
    for name in plausible:  # prefer the copy that matches the ANSI bytes in a known code page
        if any(_encodes_to(name, codec, raw.strip()) for codec in ("gbk", "cp1252", "utf-8")):
            return name
    if plausible:
        return plausible[0]
    for codec in ("utf-8", "gbk", "cp1252"):
        try:
            name = raw.decode(codec).strip()
        except UnicodeDecodeError:
            continue
        if name and name.isprintable():
            return name
    return "未知用户"


def _encodes_to(name: str, codec: str, raw: bytes) -> bool:
    try:
        return name.encode(codec) == raw
    except UnicodeEncodeError:
        return False


def _libreoffice_owner(data: bytes) -> str:
    # ".~lock.NAME#": "full name,user,host,date,profile"; odd bytes must not break the
    # one-line message the name goes into
    text = data.decode("utf-8", errors="replace").replace("\ufffd", "")
    first = ["".join(ch for ch in field if ch.isprintable()) for field in text.split(",")[:2]]
    return next((name.strip() for name in first if name.strip()), "未知用户")


def describe_age(seconds: float) -> str:
    """3 分钟, 2 小时, 1 天."""
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} 分钟"
    if seconds < 86400:
        return f"{int(seconds // 3600)} 小时"
    return f"{int(seconds // 86400)} 天"


def check_owner(path: Path, *, force: bool, limits: Limits) -> None:
    """Refuse a workbook open in Excel/WPS; a stale owner file is ignored only with ``force``."""
    for owner in owner_files(path):
        stale = owner.age_seconds > limits.owner_stale_hours * 3600
        if stale and force:
            continue
        raise fail(
            WorkbookLockedError,
            "locked",
            path=path,
            owner=owner.owner,
            lock=owner.path.name,
            age=describe_age(owner.age_seconds),
        )


# --- lock, temp file, backup, replace --------------------------------------------------------


def kqxl_dir(path: Path) -> Path:
    """The ``.kqxl`` folder beside a workbook."""
    return path.parent / ".kqxl"


def real_path(path: Path) -> Path:
    """``path``, or the file a symbolic link at ``path`` points to (links followed to the end).

    A write goes to the file the user sees through the link, never over the link itself; the
    lock and the backups go beside that file.
    """
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def fit_name(name: str, room: int) -> str:
    """``name`` if it takes at most ``room`` bytes (UTF-8), else its start and a hash of it all.

    Derived names (temp file, lock, backup) add a few bytes to the user's file name; a name
    near the file system's limit is shortened, and the hash keeps two long names that share a
    start apart.
    """
    if len(name.encode()) <= room:
        return name
    tag = "~" + hashlib.sha256(name.encode()).hexdigest()[:10]
    head = name.encode()[: max(room - len(tag), 1)].decode(errors="ignore")
    return head + tag


_TEMP_TAIL = len(".kqxl-00000000.tmp")
_BACKUP_TAIL = len(".20240101-120000-000000")


def _temp_prefix(target: Path) -> str:
    return fit_name("." + target.name, _name_max(target.parent) - _TEMP_TAIL)


def temp_name(target: Path) -> Path:
    """A hidden temp file beside ``target``; its suffix is never that of a workbook."""
    return target.with_name(f"{_temp_prefix(target)}.kqxl-{secrets.token_hex(4)}.tmp")


def lock_name(path: Path) -> str:
    """The name of the write lock of ``path`` in its ``.kqxl`` folder."""
    return fit_name(path.name, _name_max(path.parent) - len(".lock")) + ".lock"


def backup_stem(path: Path) -> str:
    """The stem of the backups of ``path`` (its own stem unless that is too long)."""
    room = _name_max(path.parent) - _BACKUP_TAIL - len(path.suffix.encode())
    return fit_name(path.stem, room)


def writable(path: Path) -> bool:
    """Whether kqxl may write ``path``: the user may (``os.access``) and it has a write bit.

    The mode bits are honoured even for a user whom the system lets write anything (root): a
    file or folder without any write bit was made read-only on purpose.
    """
    try:
        st = path.stat()
    except OSError:
        return True  # nothing there yet: the write itself will say what is wrong
    return bool(st.st_mode & 0o222) and os.access(path, os.W_OK)


def check_writable(path: Path) -> None:
    """Refuse (``read_only``) a workbook that kqxl may not write in place."""
    if not writable(path):
        raise fail(WorkbookError, "read_only", path=path)


def _folder_refused(path: Path, folder: Path, exc: OSError | None) -> WorkbookError:
    detail = describe_os_error(exc) if exc is not None else "文件夹是只读的"
    return fail(WorkbookError, "kqxl_dir_not_writable", path=path, folder=folder, detail=detail)


@contextlib.contextmanager
def write_lock(path: Path, limits: Limits) -> Iterator[None]:
    """Hold ``.kqxl/<name>.lock`` so that two kqxl processes never write one file at once."""
    folder = kqxl_dir(path)
    try:
        folder.mkdir(exist_ok=True)
    except PermissionError as exc:
        raise _folder_refused(path, folder, exc) from None
    except OSError as exc:
        raise fail(
            WorkbookError, "write_failed", path=path, detail=describe_os_error(exc)
        ) from None
    if not writable(folder):
        raise _folder_refused(path, folder, None)
    lock = FileLock(str(folder / lock_name(path)), timeout=limits.lock_timeout)
    try:
        lock.acquire()
    except Timeout:
        raise fail(WorkbookLockedError, "busy", path=path) from None
    except PermissionError as exc:
        raise _folder_refused(path, folder, exc) from None
    except OSError as exc:
        raise fail(
            WorkbookError, "write_failed", path=path, detail=describe_os_error(exc)
        ) from None
    try:
        yield
    finally:
        lock.release()


def remove_stale_temps(target: Path) -> None:
    """Temp files left by a killed writer (called while holding the write lock)."""
    for stray in target.parent.glob(f"{glob_escape(_temp_prefix(target))}.kqxl-*.tmp"):
        with contextlib.suppress(OSError):
            stray.unlink()


def remove_quietly(path: Path) -> None:
    """Delete ``path`` if it is there; never raise (used on the way out of a failure)."""
    with contextlib.suppress(OSError):
        path.unlink()


def glob_escape(name: str) -> str:
    """Escape glob metacharacters in a file name."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def fsync_file(path: Path) -> None:
    """Flush a written file to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _backup_path(path: Path) -> Path:
    folder = kqxl_dir(path) / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return folder / f"{backup_stem(path)}.{stamp}{path.suffix}"


def make_backup(path: Path, keep: int) -> Path:
    """Keep the current file as ``.kqxl/backups/<stem>.<timestamp><suffix>``; prune old ones.

    A hard link costs nothing and keeps the original bytes after ``os.replace`` swaps the
    name to the new file; where links are impossible the file is copied.
    """
    try:
        backup = _backup_path(path)
        try:
            os.link(path, backup)
        except OSError:
            shutil.copy2(path, backup)
    except OSError as exc:
        raise fail(
            WorkbookError,
            "write_failed",
            path=path,
            detail=f"无法创建备份：{describe_os_error(exc)}",
        ) from None
    prune_backups(path, keep)
    return backup


def backups_of(path: Path) -> list[Path]:
    """Backups of ``path``, oldest first (the timestamp sorts as text)."""
    folder = kqxl_dir(path) / "backups"
    pattern = re.compile(
        re.escape(backup_stem(path)) + r"\.\d{8}-\d{6}-\d{6}" + re.escape(path.suffix) + "$"
    )
    try:
        return sorted(p for p in folder.iterdir() if pattern.match(p.name))
    except OSError:
        return []


def prune_backups(path: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` backups of ``path``."""
    old = backups_of(path)
    for stale in old[: max(0, len(old) - max(keep, 1))]:
        with contextlib.suppress(OSError):
            stale.unlink()


def _copy_metadata(temp: Path, st: os.stat_result) -> None:
    # the new file takes the place of the old one: same permissions, and the same owner where
    # the user may give it (root, or a group the user belongs to); its mtime is the write's
    with contextlib.suppress(OSError):
        os.chmod(temp, stat.S_IMODE(st.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):
            os.chown(temp, st.st_uid, st.st_gid)


def replace_file(temp: Path, target: Path, mode_from: Path | None) -> None:
    """Atomically put ``temp`` in place of ``target`` (keeping the original's permissions)."""
    if mode_from is not None:
        with contextlib.suppress(OSError):
            _copy_metadata(temp, mode_from.stat())
    os.replace(temp, target)
    fsync_dir(target.parent)


def _swap_by_exchange(
    temp: Path, target: Path, aside: Path, st: os.stat_result, read: FileStamp
) -> bool:
    """:func:`swap_in` by exchanging the two names in one step; False (nothing done) where
    the system or the file system cannot, or hard links are impossible."""
    if exchange_names is None:
        return False
    try:
        os.link(target, aside)  # the backup: the original under a second name
    except OSError:
        return False
    linked = aside.stat()
    if (linked.st_dev, linked.st_ino) != (st.st_dev, st.st_ino):
        remove_quietly(aside)  # another program saved since the last check
        check_stamp(target, read)
        raise fail(WorkbookChangedError, "changed_on_disk", path=target, detail="另一程序刚刚保存")
    if not exchange_names(temp, target):
        remove_quietly(aside)
        return False
    took = temp.stat()  # what the exchange took from the name
    if (took.st_dev, took.st_ino) != (st.st_dev, st.st_ino):
        exchange_names(temp, target)  # theirs goes back, in one step; the original stays aside
        check_stamp(target, read)
        raise fail(WorkbookChangedError, "changed_on_disk", path=target, detail="另一程序刚刚保存")
    return True


def _renameat2() -> Callable[..., int] | None:
    if sys.platform != "linux":
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):  # an older C library
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange_names(a: Path, b: Path) -> bool:
    """Swap the files named ``a`` and ``b`` in one step (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``); False where the file system does not support it."""
    assert _RENAMEAT2 is not None
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


# None where names cannot be exchanged in one step (not Linux, an old C library)
exchange_names: Callable[[Path, Path], bool] | None = (
    _exchange_names if _RENAMEAT2 is not None else None
)


def swap_in(temp: Path, target: Path, read: FileStamp, keep: int | None) -> Path | None:
    """Put ``temp`` in place of ``target``, which must still be the file stamped ``read``.

    The original is first renamed into ``.kqxl/backups`` (one atomic step that takes whatever
    is at the name *now*) and compared with ``read``; the new file is then hard-linked to the
    name, which fails rather than overwrite a file another program saved meanwhile. Either
    way another program's save is never lost: it is put back, or kept in place, and the write
    stops with ``changed_on_disk``. With ``keep`` the original stays as a backup (the newest
    ``keep`` are kept) and its path is returned; with ``None`` it is deleted.

    Where hard links are impossible (some network shares), the new file replaces the name
    with ``os.replace`` after a last check that nothing appeared there.

    Where the system can swap two names in one step (Linux), the name is never empty: the
    original is linked into the backups, the new file and the name are swapped, and what the
    swap took from the name must be the original, or it is swapped back (another program's
    save stays). A crash at any point leaves a whole workbook under the name.
    """
    st = target.stat()
    if (st.st_size, st.st_mtime_ns) != (read.size, read.mtime_ns):
        check_stamp(target, read)  # a touch without a change in content is no change
    _copy_metadata(temp, st)
    try:
        aside = _backup_path(target)
    except OSError as exc:
        raise fail(
            WorkbookError,
            "write_failed",
            path=target,
            detail=f"无法创建备份：{describe_os_error(exc)}",
        ) from None
    if not _swap_by_exchange(temp, target, aside, st, read):
        _swap_by_renames(temp, target, aside, st, read)
    remove_quietly(temp)  # a second name of the new file, or (exchanged) of the original
    fsync_dir(target.parent)
    if keep is None:
        remove_quietly(aside)
        return None
    prune_backups(target, keep)
    return aside


def _swap_by_renames(
    temp: Path, target: Path, aside: Path, st: os.stat_result, read: FileStamp
) -> None:
    """:func:`swap_in` by moving the original aside and linking the new file to the name."""
    # From here until the link below the name is empty: only stat calls in between (no
    # hashing), so the window is microseconds. The content was compared just before; the
    # file moved aside must be that same file (same inode), or another program saved since.
    os.replace(target, aside)
    moved = aside.stat()
    if (moved.st_dev, moved.st_ino) != (st.st_dev, st.st_ino):
        try:
            os.link(aside, target)  # theirs goes back; it never left the disk
        except OSError:
            if not target.exists():
                os.replace(aside, target)
            raise
        remove_quietly(aside)
        check_stamp(target, read)
        raise fail(WorkbookChangedError, "changed_on_disk", path=target, detail="另一程序刚刚保存")
    try:
        os.link(temp, target)
    except FileExistsError:
        # another program saved under the name after the original was moved aside: theirs
        # stays; the original (as read) stays as a backup
        check_stamp(target, read)
        raise
    except OSError:
        if target.exists():
            check_stamp(target, read)
        os.replace(temp, target)
