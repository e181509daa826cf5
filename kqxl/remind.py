"""``kqxl remind``: the care calendar of workbooks, as a list, a 提醒 sheet and an ``.ics`` file.

>>> done = remind_workbooks(["张三.xlsx"], days=30, today=dt.date(2026, 12, 1))  # doctest: +SKIP
>>> [r.todo for r in done.files[0].result.reminders]                            # doctest: +SKIP
['给王经理送生日祝福', '元旦问候，安排节礼']
>>> write_ics(done, "提醒.ics")                                                  # doctest: +SKIP

Each workbook's reminders are computed by the pure :func:`kqxl.engine.care.care_reminders`
from its 客户 sheet; the 提醒 sheet is a kqxl-owned sheet, replaced as a whole on each run
through the same path as 规则 and 设置 (nothing else in the workbook is touched).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from icalendar import Calendar, Event
from pydantic import BaseModel

from kqxl.api import BatchResult, FileOutcome
from kqxl.book.patch import SheetContent
from kqxl.book.port import Workbook, WorkbookEdit, open_workbook
from kqxl.cells import SheetGrid, column_letter
from kqxl.engine.care import Reminder, ReminderList, WorkCalendar, care_reminders
from kqxl.engine.validate import validate_sheet
from kqxl.errors import KqxlError, OptionError, WorkbookError, describe_os_error
from kqxl.schema import CUSTOMERS, SCHEMA
from kqxl.texts import CARE, text
from kqxl.workdays import work_calendar

__all__ = [
    "CARE_SHEET",
    "RemindResult",
    "care_sheet",
    "ics_bytes",
    "remind_workbook",
    "remind_workbooks",
    "workbook_paths",
    "write_ics",
]

CARE_SHEET = "提醒"
CARE_WIDTHS = {1: 12, 2: 6, 3: 12, 4: 10, 5: 16, 6: 24, 7: 10, 8: 10, 9: 30, 10: 30}
_TITLE_PREFIX = CARE["sheet_title"].split("（", 1)[0]
DEFAULT_DAYS = 30


class RemindResult(BaseModel):
    """One workbook's reminders, and whether its 提醒 sheet was written."""

    file: str
    reminders: ReminderList
    sheet_written: bool = False


def workbook_paths(paths: Iterable[str | Path]) -> list[Path]:
    """``paths`` with each folder replaced by the ``.xlsx`` workbooks in it (not the ``~$``
    owner files Excel leaves), sorted by name."""
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() == ".xlsx" and not p.name.startswith("~$")
            )
            if not found:
                raise WorkbookError.from_key("no_workbooks", path=path)
            out.extend(found)
        else:
            out.append(path)
    return out


def is_care_sheet(grid: SheetGrid) -> bool:
    """Whether ``grid`` is a 提醒 sheet kqxl wrote."""
    title = grid.value(1, 1)
    return isinstance(title, str) and title.startswith(_TITLE_PREFIX + "（")


def care_sheet(reminders: ReminderList) -> SheetContent:
    """The 提醒 sheet for ``reminders``: a title row, a header row, one row per reminder."""
    days = (reminders.end - reminders.start).days
    rows: list[list[object]] = [
        [text(CARE, "sheet_title", today=reminders.start.isoformat(), days=days)],
        list(text(CARE, "sheet_headers").split("|")),
    ]
    weekdays = text(CARE, "weekdays")
    for r in reminders.reminders:
        rows.append(
            [
                r.remind_on,
                weekdays[r.remind_on.weekday()],
                r.date,
                r.kind_label,
                r.occasion,
                r.customer,
                r.contact or None,
                r.rep or None,
                r.todo,
                r.detail or None,
            ]
        )
    if not reminders.reminders:
        rows.append([text(CARE, "sheet_empty", days=days)])
    return SheetContent(CARE_SHEET, rows, column_widths=dict(CARE_WIDTHS), header_rows=2)  # type: ignore[arg-type]


def remind_workbook(
    book: Workbook | str | Path,
    *,
    today: dt.date,
    days: int = DEFAULT_DAYS,
    rep: str | None = None,
    calendar: WorkCalendar | None = None,
    write_sheet: bool = True,
    force: bool = False,
    backup: bool = True,
) -> RemindResult:
    """The reminders of one workbook from ``today`` to ``today + days`` (only ``rep``'s
    customers when given), and its 提醒 sheet written unless ``write_sheet`` is false.

    Raises :class:`~kqxl.errors.WorkbookError` (``not_kqxl_sheet``) when a sheet named 提醒
    exists that kqxl did not write: it is never overwritten.
    """
    if days < 0:
        raise OptionError.from_key("bad_days", value=days)
    port = open_workbook(book, force=force, backup=backup)
    grid = port.read([CUSTOMERS, CARE_SHEET])
    data = validate_sheet(grid.sheets.get(CUSTOMERS), SCHEMA.customers, date1904=grid.date1904)
    found = care_reminders(
        data.values,
        data.rows,
        today,
        days,
        calendar if calendar is not None else work_calendar(),
        rep=rep,
        sheet=CUSTOMERS,
    )
    lunar_col = data.layout.columns.get("contact_lunar_birthday") if data.layout else None
    if lunar_col is not None:
        for finding in found.findings:
            finding.cell = f"{column_letter(lunar_col)}{finding.row}"
    written = False
    if write_sheet and data.layout is not None:
        existing = grid.sheets.get(CARE_SHEET)
        if existing is not None and not is_care_sheet(existing):
            raise WorkbookError.from_key("care_sheet_taken", path=port.name)
        port.write(WorkbookEdit(sheets=[care_sheet(found)]))
        written = True
    return RemindResult(file=port.name, reminders=found, sheet_written=written)


def remind_workbooks(
    paths: Iterable[str | Path],
    *,
    today: dt.date,
    days: int = DEFAULT_DAYS,
    rep: str | None = None,
    holidays: Sequence[str | Path] = (),
    write_sheet: bool = True,
    force: bool = False,
    backup: bool = True,
    on_file: Callable[[FileOutcome[RemindResult]], None] | None = None,
) -> BatchResult[RemindResult]:
    """:func:`remind_workbook` for each workbook of ``paths`` (a folder stands for the
    ``.xlsx`` in it). ``holidays``: 调休 data files for years kqxl does not know yet; a bad
    one raises :class:`~kqxl.errors.OptionError` before any workbook is read."""
    calendar = work_calendar(Path(p) for p in holidays)
    outcomes: list[FileOutcome[RemindResult]] = []
    for path in workbook_paths(paths):
        try:
            done = remind_workbook(
                path,
                today=today,
                days=days,
                rep=rep,
                calendar=calendar,
                write_sheet=write_sheet,
                force=force,
                backup=backup,
            )
            outcome = FileOutcome[RemindResult](file=str(path), ok=True, result=done)
        except KqxlError as exc:
            outcome = FileOutcome[RemindResult](file=str(path), ok=False, error=exc.info())
        if on_file is not None:
            on_file(outcome)
        outcomes.append(outcome)
    return BatchResult[RemindResult](files=outcomes)


def _uid(file: str, r: Reminder) -> str:
    """Stable across runs: importing the file again updates events instead of doubling them."""
    seed = "|".join(
        (Path(file).name, r.kind, r.customer_key or r.customer, r.occasion, str(r.date))
    )
    return hashlib.sha1(seed.encode("utf-8")).hexdigest()[:24] + "@kqxl"


def ics_bytes(batch: BatchResult[RemindResult], stamp: dt.datetime) -> bytes:
    """An iCalendar file with one all-day event per reminder, on its reminder day.

    ``stamp`` is the DTSTAMP of every event (when the file was made; no clock is read here).
    """
    cal = Calendar()
    cal.add("prodid", "-//kqxl//客情维护提醒//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", text(CARE, "ics_calendar"))
    for done in batch.results:
        for r in done.reminders.reminders:
            event = Event()
            event.add("uid", _uid(done.file, r))
            event.add("dtstamp", stamp)
            event.add("dtstart", r.remind_on)
            event.add("dtend", r.remind_on + dt.timedelta(days=1))
            event.add(
                "summary",
                text(
                    CARE, "ics_summary", kind=r.kind_label, customer=r.customer, occasion=r.occasion
                ),
            )
            detail = f"\n说明：{r.detail}" if r.detail else ""
            event.add(
                "description",
                text(
                    CARE,
                    "ics_description",
                    todo=r.todo,
                    customer=r.customer,
                    contact=r.contact or "—",
                    rep=r.rep or "—",
                    date=r.date.isoformat(),
                    detail=detail,
                ),
            )
            event.add("categories", [r.kind_label])
            event.add("transp", "TRANSPARENT")
            cal.add_component(event)
    return cal.to_ical()


def write_ics(
    batch: BatchResult[RemindResult], path: str | os.PathLike[str], stamp: dt.datetime | None = None
) -> int:
    """Write :func:`ics_bytes` to ``path`` atomically; returns the number of events."""
    when = stamp or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    target = Path(path)
    temp = target.with_name(f".{target.name}.kqxl-tmp")
    try:
        temp.write_bytes(ics_bytes(batch, when))
        os.replace(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise KqxlError.from_key("os_error", path=target, detail=describe_os_error(exc)) from exc
    return sum(len(done.reminders.reminders) for done in batch.results)
