"""The ``kqxl`` command line: parse options, call one library function, print its result.

Exit codes, in one place: 0 ok, 1 findings (invalid rows), 2 problem (usage, I/O, bad file).
A problem is one Chinese line on stderr: the library's message plus, for some error codes, how
to fix it on the command line (``kqxl.texts.HINTS``). A bug of kqxl's own is reported as an
internal error (one line; ``KQXL_DEBUG=1`` shows the traceback), never as a bad workbook.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, compress
from operator import and_, attrgetter, not_
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kqxl import __version__
from kqxl.clihelp import ChineseGroup
from kqxl.collector import quiet_gc
from kqxl.errors import KqxlError, OptionError, WorkbookError, describe_os_error
from kqxl.texts import ADDIN, CLI, CLICK, HELP, HINTS, LABELS, SCHEMA_TEXTS, TEMPLATE, text

if TYPE_CHECKING:
    from kqxl.api import BatchResult, FileOutcome

EXIT_OK, EXIT_FINDINGS, EXIT_PROBLEM = 0, 1, 2


class Problem(click.ClickException):
    """A job that could not be done: one line on stderr, exit 2. ``code`` is the error code."""

    exit_code = EXIT_PROBLEM

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code

    @classmethod
    def of(cls, exc: KqxlError) -> Problem:
        """The line for ``exc``: its message, and the command-line hint for its code."""
        return cls(with_hint(exc.message, exc.code), exc.code)

    def show(self, file: Any = None) -> None:
        click.echo(f"kqxl: {self.format_message()}", err=True)


def with_hint(message: str, code: str) -> str:
    """``message`` followed by how to fix it on the command line, if there is a hint for it."""
    hint = HINTS.get(code)
    if not hint:
        return message
    return f"{message}{'' if message.endswith(('。', '？', '！')) else '。'}{hint}"


def _debug() -> bool:
    return os.environ.get("KQXL_DEBUG", "") not in ("", "0")


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _today(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise OptionError.from_key("bad_date", option="--today", value=value) from exc


rules_option = click.option(
    "--rules",
    "rules_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=HELP["opt_rules"],
)
today_option = click.option("--today", "today", metavar="YYYY-MM-DD", help=HELP["opt_today"])
json_option = click.option("--json", "as_json", is_flag=True, help=HELP["opt_json"])


class KqxlGroup(ChineseGroup):
    """Turns every expected failure into one line on stderr and exit 2 — never a traceback.

    Its commands and subgroups read in Chinese (:class:`kqxl.clihelp.ChineseGroup`): a new
    command gets that by being declared with ``@cli.command(help=HELP[...])``.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KqxlError as exc:
            raise Problem.of(exc) from exc
        except BrokenPipeError:
            # The reader went away (``kqxl … | head``): nothing left to say.
            sys.stderr.close()
            raise SystemExit(EXIT_OK) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            # an OSError the library did not wrap (the system's own text is English)
            if _debug():
                raise
            raise Problem.of(
                KqxlError.from_key(
                    "os_error", path=exc.filename or "kqxl", detail=describe_os_error(exc)
                )
            ) from exc
        except Exception as exc:  # the one place where a bug of kqxl's own is reported
            if _debug():
                raise
            raise Problem.of(KqxlError.from_key("internal", kind=type(exc).__name__)) from exc


@click.group(
    cls=KqxlGroup,
    help=HELP["kqxl"],
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(
    __version__,
    prog_name="kqxl",
    help=HELP["version"],
    message=CLICK["%(prog)s, version %(version)s"],
)
def cli() -> None:
    pass


@cli.command(help=HELP["init"])
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@rules_option
@click.option("--force", is_flag=True, help=HELP["init_force"])
@click.option("--protect", is_flag=True, help=HELP["init_protect"])
@click.option("--rep", "rep", metavar="姓名", help=HELP["init_rep"])
@click.option(
    "--master",
    "master",
    type=click.Path(dir_okay=False, path_type=Path),
    help=HELP["init_master"],
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=HELP["init_out"],
)
def init(
    directory: Path,
    rules_path: Path | None,
    force: bool,
    protect: bool,
    rep: str | None,
    master: Path | None,
    out: Path | None,
) -> None:
    # With --rep NAME --master MASTER: NAME's workbook holding the master's rows whose 负责人
    # is NAME, the master's rules, and a 设置 sheet binding it to that master.
    if rep is not None or master is not None:
        if rep is None or master is None:
            raise click.UsageError(text(CLI, "rep_needs_master"))
        from kqxl.sync.rep import init_rep

        click.echo(init_rep(master, rep, out=out, force=force).message())
        return
    from kqxl.book.template import init_folder
    from kqxl.rules import load_rules

    for path in init_folder(directory, load_rules(rules_path), force=force, protect=protect):
        click.echo(text(CLI, "created", path=path))


@cli.command(help=HELP["schema"])
@json_option
def schema(as_json: bool) -> None:
    from kqxl.schema import SCHEMA, schema_as_dict

    if as_json:
        _echo_json(schema_as_dict(SCHEMA))
        return
    for sheet in SCHEMA.sheets:
        click.echo(text(SCHEMA_TEXTS, "sheet", sheet=sheet.name, description=sheet.description))
        for col in sheet.columns:
            flags = [TEMPLATE[f"type_{col.type.value}"], TEMPLATE[f"owner_{col.owner.value}"]]
            if col.required:
                flags.append(SCHEMA_TEXTS["required"])
            choices = (
                f"  [{'/'.join(col.choices)}]" if col.choices and col.type.value != "bool" else ""
            )
            click.echo(
                f"  {col.group.value}  {col.header:<10}\t{col.key:<22}{'，'.join(flags)}{choices}"
            )
        click.echo()


@cli.group(help=HELP["rules"])
def rules() -> None:
    pass


@rules.command("export", help=HELP["rules_export"])
@click.argument(
    "workbook", required=False, type=click.Path(dir_okay=False, exists=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=HELP["rules_export_output"],
)
@click.option("--force", is_flag=True, help=HELP["rules_export_force"])
def rules_export(workbook: Path | None, output: Path | None, force: bool) -> None:
    from kqxl.api import export_rules

    done = export_rules(workbook)
    if output is None:
        click.echo(done.toml, nl=False)
        return
    if output.exists() and not force:
        raise WorkbookError.from_key("exists", paths=output)
    output.write_text(done.toml, encoding="utf-8")
    click.echo(text(CLI, "rules_exported", path=output, rules=done.rules.describe()))


@rules.command("check", help=HELP["rules_check"])
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@json_option
def rules_check(file: Path | None, as_json: bool) -> None:
    from kqxl.rules import describe_rules, load_rules

    lines = describe_rules(load_rules(file))
    if as_json:
        _echo_json([line.model_dump(mode="json") for line in lines])
        return
    heading = None
    for line in lines:
        if (line.section, line.level) != heading:
            if heading is None or line.section != heading[0]:
                click.echo(f"【{line.section}】")
            heading = (line.section, line.level)
            require = f" — {line.require}" if line.require else ""
            click.echo(f"  {line.level}{require}")
        if line.expression:
            click.echo(f"    · {line.label}：{line.expression}")
        else:
            click.echo(f"    · {line.label}")
    click.echo(text(CLI, "rules_ok", path=file or text(CLI, "default_rules")))


def _reporter(
    as_json: bool, show: Callable[[Path, Any], None]
) -> Callable[[FileOutcome[Any]], None]:
    """Print each file of a batch as it is done: a failure as one line on stderr (the batch
    goes on), a result in text unless ``--json``."""

    def on_file(outcome: FileOutcome[Any]) -> None:
        if outcome.error is not None:
            line = with_hint(outcome.error.message, outcome.error.code)
            click.echo(f"kqxl: {line}", err=True)
        elif not as_json:
            show(Path(outcome.file), outcome.result)

    return on_file


def _finish(batch: BatchResult[Any], as_json: bool, findings: bool) -> None:
    """Print the batch as JSON if asked; exit with the worst of all files
    (2 problem > 1 findings > 0 ok)."""
    if as_json:
        _echo_json(batch.model_dump(mode="json"))
    sys.exit(EXIT_PROBLEM if batch.failed else EXIT_FINDINGS if findings else EXIT_OK)


recalc_option = click.option(
    "--recalc",
    is_flag=True,
    help=HELP["opt_recalc"],
)


@cli.command(help=HELP["validate"])
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@rules_option
@today_option
@recalc_option
@json_option
def validate(
    files: tuple[Path, ...],
    rules_path: Path | None,
    today: str | None,
    recalc: bool,
    as_json: bool,
) -> None:
    from kqxl.api import validate_workbooks

    day = _today(today)
    with quiet_gc():
        batch = validate_workbooks(
            files,
            rules=rules_path,
            today=day,
            recalc=recalc,
            on_file=_reporter(as_json, _print_result),
        )
    _finish(batch, as_json, any(r.has_errors for r in batch.results))


@cli.command(help=HELP["recompute"])
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help=HELP["recompute_out"],
)
@rules_option
@today_option
@click.option("--force", is_flag=True, help=HELP["recompute_force"])
@click.option("--no-backup", is_flag=True, help=HELP["recompute_no_backup"])
@click.option(
    "--keep-backups",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help=HELP["recompute_keep_backups"],
)
@recalc_option
@click.option(
    "--tidy",
    is_flag=True,
    help=HELP["recompute_tidy"],
)
@json_option
def recompute(
    files: tuple[Path, ...],
    out: Path | None,
    rules_path: Path | None,
    today: str | None,
    force: bool,
    no_backup: bool,
    keep_backups: int,
    recalc: bool,
    tidy: bool,
    as_json: bool,
) -> None:
    from kqxl.api import recompute_workbooks

    def show(file: Path, done: Any) -> None:
        _print_result(file, done.result)
        _print_stored(done)
        if done.board is not None:
            from kqxl.board import board_lines

            for line in board_lines(done.board):
                click.echo(line)
        if done.cells_tidied:
            click.echo(text(CLI, "tidied", cells=done.cells_tidied))
        if done.unchanged:
            click.echo(text(CLI, "unchanged", path=done.written_to))
            return
        click.echo(text(CLI, "written", path=done.written_to, cells=done.cells_changed))
        if done.backup:
            click.echo(text(CLI, "backup", path=done.backup))

    day = _today(today)
    with quiet_gc():
        batch = recompute_workbooks(
            files,
            out=out,
            rules=rules_path,
            today=day,
            force=force,
            backup=not no_backup,
            keep_backups=keep_backups,
            recalc=recalc,
            tidy=tidy,
            on_file=_reporter(as_json, show),
        )
    _finish(batch, as_json, any(done.result.has_errors for done in batch.results))


def _print_stored(done: Any) -> None:
    if done.keys_assigned:
        counts = "，".join(
            text(CLI, "keys_count", sheet=sheet, n=n) for sheet, n in done.keys_assigned.items()
        )
        click.echo(text(CLI, "keys_assigned", counts=counts, workbook_id=done.workbook_id))
    if done.rules_stored and done.result.rules is not None:
        click.echo(text(CLI, "rules_stored", rules=done.result.rules.describe()))


def _level_order(level: Any) -> tuple[bool, int]:
    return (level is None, level or 0)


# A notice repeated down a column (5,000 "√" read as 是) is one line naming its first cells.
NOTICE_CELLS_SHOWN = 3
_NOTICE_KEY = attrgetter("sheet", "column", "message")
_ROW, _LEVEL = attrgetter("row"), attrgetter("level")


def _finding_lines(file: Path, findings: Iterable[Any]) -> Iterator[str]:
    for f in findings:
        where = f.sheet + (f"!{f.column or ''}{f.row}" if f.row is not None else "")
        quiet = LABELS["notice_prefix"] if f.level == "notice" else ""
        yield f"{file.name}:{where}: {quiet}{f.message}"


def _notice_lines(file: Path, notices: list[Any]) -> Iterator[str]:
    """Each notice as a line, except that the same notice in more than
    :data:`NOTICE_CELLS_SHOWN` cells of one column is one line where it first occurs (``--json``
    keeps every cell).

    A sheet of 1,000,000 rows may hold millions of notices: they are keyed, counted and sorted
    out by ``map`` and ``compress`` (in C); Python steps only through the lines printed and
    the first cells of each repeated notice."""
    keys = list(map(_NOTICE_KEY, notices))
    counts = Counter(keys)
    many = {k for k, n in counts.items() if n > NOTICE_CELLS_SHOWN and k[1]}
    if not many:
        yield from _finding_lines(file, notices)
        return
    # a repeated notice's cells with a row; any other notice is a line of its own
    grouped = list(map(and_, map(many.__contains__, keys), map(bool, map(_ROW, notices))))
    at = list(compress(range(len(notices)), grouped))
    first: dict[tuple[str, str, str], list[str]] = {}
    shown_at: list[int] = []
    full = 0
    for i in at:  # until every repeated notice has its first cells
        key = keys[i]
        refs = first.get(key)
        if refs is None:
            refs = first[key] = []
            shown_at.append(i)  # its line goes where it first occurs
        if len(refs) < NOTICE_CELLS_SHOWN:
            refs.append(f"{notices[i].column}{notices[i].row}")
            full += len(refs) == NOTICE_CELLS_SHOWN
            if full == len(many):
                break
    alone = compress(range(len(notices)), map(not_, grouped))
    for i in sorted(chain(alone, shown_at)):
        f, key = notices[i], keys[i]
        if key in first and grouped[i]:
            cells = text(CLI, "notice_cells", refs="、".join(first[key]), n=counts[key])
            yield f"{file.name}:{f.sheet}!{cells}: {LABELS['notice_prefix']}{f.message}"
        else:
            yield from _finding_lines(file, [f])


def _print_result(file: Path, result: Any) -> None:
    from kqxl.schema import CUSTOMERS, PROJECTS

    # Problems first, then the notices (values read leniently …), quieter and not counted.
    quiet = list(map("notice".__eq__, map(_LEVEL, result.findings)))  # in C: millions
    problems = list(compress(result.findings, map(not_, quiet)))
    notices = list(compress(result.findings, quiet))
    lines: list[str] = []
    for line in chain(_finding_lines(file, problems), _notice_lines(file, notices)):
        lines.append(line)
        if len(lines) == 2000:  # one write per 2,000 lines
            click.echo("\n".join(lines))
            lines = []
    if lines:
        click.echo("\n".join(lines))
    # Ordered as the levels go (未评级, I级 … IV级, 不适用; 0% … 90%), not alphabetically.
    # Read column-wise: no row result is built. Each label counted, then put in level order.
    customers, projects = result.customers, result.projects
    labels = result.column(CUSTOMERS, "grade")
    level_of = dict(zip(labels, result.column(CUSTOMERS, "grade_level"), strict=True))
    counted = Counter(labels)
    grades = {g: counted[g] for g in sorted(counted, key=lambda g: _level_order(level_of[g]))}
    heats: Counter[str] = Counter()
    for heat, n in Counter(sorted(float(h) for h in result.column(PROJECTS, "heat"))).items():
        heats[f"{heat:.0%}"] += n
    click.echo(
        text(
            CLI,
            "summary",
            file=file.name,
            customers=len(customers),
            projects=len(projects),
            findings=len(problems),
        )
        + (text(CLI, "summary_notices", notices=len(notices)) if notices else "")
    )
    if grades:
        click.echo(text(CLI, "grades", counts="，".join(f"{k} {v}" for k, v in grades.items())))
    if heats:
        click.echo(text(CLI, "heats", counts="，".join(f"{k} {v}" for k, v in heats.items())))
    if result.rules is not None:
        click.echo(
            text(CLI, "rules_in_effect", rules=result.rules.describe(), where=result.rules.where())
        )


# --- kqxl remind: the care calendar -------------------------------------------------------


@cli.command(help=HELP["remind"])
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(min=0, max=3660),
    help=HELP["remind_days"],
)
@click.option("--rep", metavar="姓名", help=HELP["remind_rep"])
@click.option(
    "--ics",
    "ics_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=HELP["remind_ics"],
)
@today_option
@click.option(
    "--holidays",
    "holiday_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=HELP["remind_holidays"],
)
@click.option("--no-sheet", is_flag=True, help=HELP["remind_no_sheet"])
@click.option("--force", is_flag=True, help=HELP["remind_force"])
@json_option
def remind(
    files: tuple[Path, ...],
    days: int,
    rep: str | None,
    ics_path: Path | None,
    today: str | None,
    holiday_files: tuple[Path, ...],
    no_sheet: bool,
    force: bool,
    as_json: bool,
) -> None:
    # The care reminders of the workbooks (or folders) for the next days (help: HELP["remind"]).
    from kqxl.remind import remind_workbooks, write_ics
    from kqxl.texts import CARE

    weekdays = text(CARE, "weekdays")

    def show(file: Path, done: Any) -> None:
        found = done.reminders
        for f in found.findings:
            click.echo(
                text(
                    CARE,
                    "list_finding",
                    file=file.name,
                    sheet=f.sheet,
                    cell=f.cell or f.row,
                    message=f.message,
                )
            )
        for message in found.notices:
            click.echo(text(CARE, "list_notice", message=message))
        click.echo(
            text(
                CARE,
                "list_header",
                file=file.name,
                start=found.start,
                end=found.end,
                n=len(found.reminders),
            )
        )
        for r in found.reminders:
            detail = text(CARE, "list_detail", detail=r.detail) if r.detail else ""
            click.echo(
                text(
                    CARE,
                    "list_line",
                    remind_on=r.remind_on,
                    weekday=weekdays[r.remind_on.weekday()],
                    kind=r.kind_label,
                    customer=r.customer,
                    todo=r.todo,
                    detail=detail,
                )
            )
        if done.sheet_written:
            click.echo(text(CARE, "sheet_written", path=done.file))

    batch = remind_workbooks(
        files,
        today=_today(today),
        days=days,
        rep=rep,
        holidays=holiday_files,
        write_sheet=not no_sheet,
        force=force,
        on_file=_reporter(as_json, show),
    )
    if ics_path is not None:
        n = write_ics(batch, ics_path)
        if not as_json:
            click.echo(text(CARE, "ics_written", path=ics_path, n=n))
    _finish(batch, as_json, any(done.reminders.findings for done in batch.results))


# --- team sync ------------------------------------------------------------------------------

master_option = click.option(
    "--master",
    "master",
    default="团队总表.xlsx",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=HELP["opt_master"],
)


@cli.command(help=HELP["sync"])
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("reps", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help=HELP["sync_dry_run"])
@today_option
@json_option
def sync(
    master: Path, reps: tuple[Path, ...], dry_run: bool, today: str | None, as_json: bool
) -> None:
    # MASTER with rep workbooks (files or folders; default: MASTER's folder): one line per
    # workbook, then conflicts and notes; exit 1 on conflicts or skipped workbooks.
    from kqxl.api import sync_team
    from kqxl.sync.apply import find_workbooks, report_lines
    from kqxl.texts import SYNC

    day = _today(today)
    show_bar = not as_json and sys.stderr.isatty()
    total = len(find_workbooks(master, reps)) if show_bar else 0
    if show_bar:
        with click.progressbar(length=total, file=sys.stderr, label=SYNC["progress"]) as bar:
            report = sync_team(
                master, reps, dry_run=dry_run, today=day, on_read=lambda _p: bar.update(1)
            )
    else:
        report = sync_team(master, reps, dry_run=dry_run, today=day)
    if as_json:
        _echo_json(report.model_dump(mode="json"))
    else:
        for line in report_lines(report):
            click.echo(line)
    if report.needs_attention:
        raise SystemExit(EXIT_FINDINGS)


@cli.command(help=HELP["history"])
@click.argument("key")
@master_option
@json_option
def history(key: str, master: Path, as_json: bool) -> None:
    from kqxl.sync.undo import row_history
    from kqxl.texts import SYNC

    story = row_history(master, key)
    if as_json:
        _echo_json(story.model_dump(mode="json"))
        return
    if not story.lines:
        click.echo(SYNC["history_none"].format(key=key))
    for line in story.lines:
        click.echo(line.message())


@cli.command(help=HELP["undo"])
@click.argument("sync_id", type=int)
@master_option
@json_option
def undo(sync_id: int, master: Path, as_json: bool) -> None:
    from kqxl.sync.undo import undo_sync

    done = undo_sync(master, sync_id)
    if as_json:
        _echo_json(done.model_dump(mode="json"))
    else:
        click.echo(done.message())


@cli.group(help=ADDIN["help_addin"])
def addin() -> None:
    pass


@addin.command("build", help=ADDIN["help_build"])
@click.argument("directory", default="workbooks", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--macros",
    "macros_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=ADDIN["help_macros"],
)
@json_option
def addin_build(directory: Path, macros_dir: Path | None, as_json: bool) -> None:
    from kqxl.excel.build import MACROS_DIR, build_addin

    done = build_addin(directory, macros_dir=macros_dir or MACROS_DIR)
    if as_json:
        _echo_json(done.model_dump(mode="json"))
    else:
        click.echo(done.message())


def main() -> None:
    """Entry point of the ``kqxl`` command."""
    cli(prog_name="kqxl")


if __name__ == "__main__":
    main()
