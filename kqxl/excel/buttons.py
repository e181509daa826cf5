"""The handlers of the 客情 ribbon's buttons: 校验, 重算, 整理, 同步, 提醒.

Each button's macro runs ``RunPython "import kqxl.excel.buttons as b; b.recompute()"``; the
handler takes the calling book (``xw.Book.caller()``, or the book given), runs the same
library function as the matching command (``kqxl validate``, ``kqxl recompute``,
``kqxl recompute --tidy``, ``kqxl sync``, ``kqxl remind``) through
:class:`~kqxl.excel.book.XlwingsWorkbook`, and tells the result in a message box. A problem
is a Chinese message box from the error's code and message (:mod:`kqxl.errors`), never a
traceback in a cell; the handler returns the library's result (None when it failed).

>>> import kqxl.excel.buttons as b                              # doctest: +SKIP
>>> b.recompute()          # in Excel, from the 重算 button     # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from kqxl.api import RecomputeResult, recompute_workbook, validate_workbook
from kqxl.book.reader import read_workbook
from kqxl.book.settings import SETTINGS_SHEET, read_settings
from kqxl.engine import BookResult
from kqxl.errors import KqxlError, WorkbookError
from kqxl.excel.book import XlwingsWorkbook
from kqxl.remind import DEFAULT_DAYS, RemindResult, remind_workbook
from kqxl.sync.apply import MASTER_CODE, SyncReport, sync_team
from kqxl.texts import EXCEL, text

__all__ = ["MAX_LINES", "recompute", "remind", "sync", "tidy", "validate"]

# How many findings a message box lists before "… 另有 N 条".
MAX_LINES = 10

T = TypeVar("T")


def _caller(book: Any | None) -> Any:
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def _alert(book: Any, message: str) -> None:
    book.app.alert(message, title=EXCEL["title"])


def _run(book: Any | None, job: Callable[[Any], T], say: Callable[[T], str]) -> T | None:
    """Run ``job`` on the calling book; a message box tells its result or its problem."""
    try:
        live = _caller(book)
    except Exception:
        raise SystemExit(EXCEL["no_book"]) from None
    try:
        done = job(live)
    except KqxlError as exc:
        _alert(
            live,
            text(EXCEL, "failed", message=exc.message) + text(EXCEL, "failed_code", code=exc.code),
        )
        return None
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        _alert(live, text(EXCEL, "internal", detail=detail))
        return None
    _alert(live, say(done))
    return done


def _counts(result: BookResult) -> dict[str, int]:
    notices = sum(1 for f in result.findings if f.level == "notice")
    return {"errors": len(result.findings) - notices, "notices": notices}


def _listed(result: BookResult) -> list[str]:
    lines = [f.message for f in result.findings[:MAX_LINES]]
    if len(result.findings) > MAX_LINES:
        lines.append(text(EXCEL, "more", n=len(result.findings) - MAX_LINES))
    return lines


def _say_validate(result: BookResult) -> str:
    if not result.findings:
        return EXCEL["validate_ok"]
    return "\n".join([text(EXCEL, "validate_found", **_counts(result)), *_listed(result)])


def _say_recompute(done: RecomputeResult) -> str:
    key = "recompute_unchanged" if done.unchanged else "recompute_done"
    return text(EXCEL, key, cells=done.cells_changed, **_counts(done.result))


def _say_tidy(done: RecomputeResult) -> str:
    return text(EXCEL, "tidy_done", tidied=done.cells_tidied, cells=done.cells_changed)


def validate(book: Any | None = None, *, today: dt.date | None = None) -> BookResult | None:
    """校验: the findings of the workbook (as ``kqxl validate``); writes nothing."""
    return _run(book, lambda b: validate_workbook(XlwingsWorkbook(b), today=today), _say_validate)


def recompute(book: Any | None = None, *, today: dt.date | None = None) -> RecomputeResult | None:
    """重算: grades, heat, every system's columns and 校验 (as ``kqxl recompute``)."""
    return _run(book, lambda b: recompute_workbook(XlwingsWorkbook(b), today=today), _say_recompute)


def tidy(book: Any | None = None, *, today: dt.date | None = None) -> RecomputeResult | None:
    """整理: recompute, and leniently read input cells rewritten as typed values
    (as ``kqxl recompute --tidy``)."""
    return _run(
        book, lambda b: recompute_workbook(XlwingsWorkbook(b), today=today, tidy=True), _say_tidy
    )


def remind(
    book: Any | None = None, *, today: dt.date | None = None, days: int = DEFAULT_DAYS
) -> RemindResult | None:
    """提醒: the care reminders of the next ``days`` days, written to the 提醒 sheet
    (as ``kqxl remind``)."""

    def say(done: RemindResult) -> str:
        n = len(done.reminders.reminders)
        return text(EXCEL, "remind_done" if n else "remind_none", days=days, n=n)

    return _run(
        book,
        lambda b: remind_workbook(XlwingsWorkbook(b), today=today or dt.date.today(), days=days),
        say,
    )


def sync(book: Any | None = None, *, today: dt.date | None = None) -> SyncReport | None:
    """同步: this workbook with its master (as ``kqxl sync``), through the sync library.

    The master is the book itself when its 设置 says so, else the workbook beside it whose id
    the 设置 names as the master. The book is saved first (the sync's undo copy is its file);
    the sync then reads it and writes what it receives into it through
    :class:`~kqxl.excel.book.XlwingsWorkbook` (Excel holds its file) and saves it again, while
    the other workbooks are synced as files.
    """

    mine = ""  # the book's file, as the report names it

    def job(live: Any) -> SyncReport:
        nonlocal mine
        path = Path(str(live.fullname))
        mine = str(path)
        if not path.is_file():
            raise WorkbookError.from_key(
                "book_not_saved", book=live.name, button=EXCEL["button_sync"]
            )
        live.save()
        master, reps = _master_of(live, path)
        return sync_team(master, reps, today=today, open_books={path: XlwingsWorkbook(live)})

    return _run(book, job, lambda report: _say_sync(report, mine))


def _master_of(live: Any, path: Path) -> tuple[Path, list[Path]]:
    grid = XlwingsWorkbook(live).read([SETTINGS_SHEET])
    settings = read_settings(grid.sheets.get(SETTINGS_SHEET), str(path))
    if settings is not None and settings.template_kind == "master":
        return path, []
    wanted = None
    for row in settings.other_rows if settings is not None else ():
        if len(row) >= 4 and row[3] == MASTER_CODE and row[1] is not None:
            wanted = str(row[1]).strip()
    if wanted:
        for candidate in _beside(path):
            try:
                found = read_workbook(candidate, sheets=[SETTINGS_SHEET], missing_ok=True)
                other = read_settings(found.sheets.get(SETTINGS_SHEET), str(candidate))
            except KqxlError:  # not a workbook kqxl can read: not the master
                continue
            if other is not None and other.workbook_id == wanted:
                return candidate, [path]
    raise WorkbookError.from_key("master_not_found", book=path.name)


def _beside(path: Path) -> Iterable[Path]:
    for p in sorted(path.parent.iterdir()):
        if p != path and p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith("~$"):
            yield p


def _say_sync(report: SyncReport, mine: str) -> str:
    lines = [
        text(
            EXCEL,
            "sync_done",
            received=sum(f.received for f in report.files),
            sent=sum(f.sent for f in report.files),
            conflicts=len(report.conflicts),
        )
    ]
    lines += [
        text(EXCEL, "sync_skipped", file=Path(f.file).name, reason=f.skipped)
        for f in report.skipped
    ]
    if any(f.written and f.file == mine for f in report.files):
        lines.append(EXCEL["sync_written"])
    return "\n".join(lines)
