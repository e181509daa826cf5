"""``kqxl init --rep NAME --master MASTER``: a rep's workbook bound to its master.

The new workbook holds the master's rows whose 负责人 is the rep (keys kept), the master's
rules, and a 设置 sheet naming the rep and the master's workbook id (``sync.rep``,
``sync.master``) so that a sync knows whose rows it holds and refuses another master, and the
team's value class lines (:mod:`kqxl.sync.team`); it is recomputed once written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kqxl.book.patch import SheetContent
from kqxl.book.port import FileWorkbook, WorkbookEdit
from kqxl.book.reader import read_workbook
from kqxl.book.safety import fail
from kqxl.book.settings import (
    SETTINGS_HEADER_ROW,
    SETTINGS_SHEET,
    SETTINGS_WIDTHS,
    Settings,
    settings_rows,
)
from kqxl.book.template import write_template
from kqxl.errors import WorkbookError
from kqxl.rules.io import rules_fingerprint
from kqxl.rules.sheet import RULES_SHEET
from kqxl.schema import SCHEMA, TEMPLATE_VERSION, Schema
from kqxl.stored import rules_in_effect
from kqxl.sync.apply import MASTER_CODE, REP_CODE, read_side
from kqxl.sync.merge import owner_name, synced_sheets
from kqxl.sync.team import team_lines, with_lines
from kqxl.texts import SYNC, text

SYNC_LABELS = {
    REP_CODE: (SYNC["setting_rep"], SYNC["setting_rep_note"]),
    MASTER_CODE: (SYNC["setting_master"], SYNC["setting_master_note"]),
}


@dataclass(frozen=True, slots=True)
class RepWorkbook:
    path: str
    rep: str
    customers: int
    projects: int
    master_id: str

    def message(self) -> str:
        return text(
            SYNC,
            "rep_created",
            path=self.path,
            rep=self.rep,
            customers=self.customers,
            projects=self.projects,
        )


def sync_rows(rep: str, master_id: str) -> tuple[tuple[str, str, str, str], ...]:
    """The 设置 rows that bind a rep workbook to its rep and master."""
    return tuple(
        (SYNC_LABELS[code][0], value, SYNC_LABELS[code][1], code)
        for code, value in ((REP_CODE, rep), (MASTER_CODE, master_id))
    )


def init_rep(
    master: str | Path,
    rep: str,
    *,
    out: str | Path | None = None,
    force: bool = False,
    schema: Schema = SCHEMA,
) -> RepWorkbook:
    """Write the workbook of ``rep`` (default ``客户跟进表-<rep>.xlsx`` beside the master).

    A master whose rows have no key yet is recomputed first (keys are what a sync matches).
    """
    from kqxl.api import recompute_workbook

    master_path = Path(master)
    name = owner_name(rep)
    if not name:
        raise fail(WorkbookError, "file_not_found", path=rep)
    target = Path(out) if out is not None else master_path.parent / f"客户跟进表-{name}.xlsx"
    if target.exists() and not force:
        raise fail(WorkbookError, "exists", paths=target)
    side = read_side(master_path, "master", schema) if master_path.is_file() else None
    if side is None:
        raise fail(WorkbookError, "file_not_found", path=master_path)
    if side.keyless or side.settings is None or side.settings.workbook_id is None:
        recompute_workbook(master_path, schema=schema)
        side = read_side(master_path, "master", schema)
    assert side.settings is not None and side.settings.workbook_id is not None
    grid = read_workbook(master_path, sheets=[RULES_SHEET], missing_ok=True)
    rules = rules_in_effect(grid, None).rules
    picked = {
        sheet.name: [
            dict(fields)
            for key, fields in sorted(
                side.sheets[sheet.name].table.items(),
                key=lambda kv: side.sheets[sheet.name].rows[kv[0]],
            )
            if owner_name(fields.get("owner_rep")) == name
        ]
        for sheet in synced_sheets(schema)
    }
    write_template(
        target,
        "rep",
        rules,
        rep_name=name,
        customers=picked[schema.customers.name],
        projects=picked[schema.projects.name],
    )
    settings = with_lines(
        Settings(
            template_kind="rep",
            template_version=TEMPLATE_VERSION,
            rules_fingerprint=rules_fingerprint(rules),
            other_rows=sync_rows(name, side.settings.workbook_id),
        ),
        team_lines(side.sheets[schema.customers.name].table, rules),
    )
    FileWorkbook(target, backup=False).write(
        WorkbookEdit(
            sheets=[
                SheetContent(
                    SETTINGS_SHEET,
                    settings_rows(settings),
                    column_widths=SETTINGS_WIDTHS,
                    header_rows=SETTINGS_HEADER_ROW,
                )
            ]
        )
    )
    # computed columns and the 看板 filled as a recompute fills them (value classes by the
    # team's lines), so the rep opens a complete workbook
    recompute_workbook(target, backup=False, schema=schema)
    return RepWorkbook(
        str(target),
        name,
        len(picked[schema.customers.name]),
        len(picked[schema.projects.name]),
        side.settings.workbook_id,
    )
