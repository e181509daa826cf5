"""The ``kqxl`` command line: parse options, call one library function, print its result.

Exit codes, in one place: 0 ok, 1 findings (invalid rows), 2 problem (usage, I/O, bad file).
A problem is one Chinese line on stderr: the library's message plus, for some error codes, how
to fix it on the command line (``kqxl.texts.HINTS``). A bug of kqxl's own is reported as an
internal error (one line; ``KQXL_DEBUG=1`` shows the traceback), never as a bad workbook.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kqxl import __version__
from kqxl.errors import KqxlError, OptionError, WorkbookError, describe_os_error
from kqxl.texts import CLI, HINTS, text

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


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No garbage collection during a batch of evaluations (the process ends after it).

    Evaluating a workbook allocates millions of small objects that all stay alive until the
    result is printed; collecting in the middle only costs time. Re-enabling alone would make
    the next allocation scan every one of them as "young" (~0.3 s per 200,000 rows); moving
    them to the oldest generation first (freeze, then unfreeze) leaves them to the next full
    collection, as if they had aged normally. The library never switches the collector: an
    add-in runs the engine inside Excel's long-lived Python process.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


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
    help="A rules file (TOML) to use instead of the rules stored in the workbook (or the "
    "shipped default); recompute and init store it in the workbook.",
)
today_option = click.option(
    "--today", "today", metavar="YYYY-MM-DD", help="Evaluate as of this date (default: today)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


class KqxlGroup(click.Group):
    """Turns every expected failure into one line on stderr and exit 2 — never a traceback."""

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


@click.group(cls=KqxlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kqxl")
def cli() -> None:
    """kqxl — 客情关系管理 for Excel workbooks.

    Validate customer (客户) and project (项目) sheets, grade each counterpart
    (客情关系等级 I–IV), compute each project's deal heat (成交热度) with its reasons,
    and write the results back without touching what kqxl does not own.
    """


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@rules_option
@click.option("--force", is_flag=True, help="Overwrite existing template files.")
@click.option("--rep", "rep", metavar="NAME", help="Create NAME's workbook from --master.")
@click.option(
    "--master",
    "master",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The master a --rep workbook syncs with (its rows, rules and id).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the --rep workbook (default: 客户跟进表-NAME.xlsx beside the master).",
)
def init(
    directory: Path,
    rules_path: Path | None,
    force: bool,
    rep: str | None,
    master: Path | None,
    out: Path | None,
) -> None:
    """Create the master (团队总表.xlsx) and rep (客户跟进表.xlsx) templates in DIRECTORY.

    With --rep NAME --master MASTER: create NAME's workbook holding the master's rows whose
    负责人 is NAME, the master's rules, and a 设置 sheet binding it to that master.
    """
    if rep is not None or master is not None:
        if rep is None or master is None:
            raise click.UsageError("--rep and --master go together.")
        from kqxl.sync.rep import init_rep

        click.echo(init_rep(master, rep, out=out, force=force).message())
        return
    from kqxl.book.template import init_folder
    from kqxl.rules import load_rules

    for path in init_folder(directory, load_rules(rules_path), force=force):
        click.echo(text(CLI, "created", path=path))


@cli.command()
@json_option
def schema(as_json: bool) -> None:
    """Print the sheets and their columns (key, header, type, owner, choices)."""
    from kqxl.schema import SCHEMA, schema_as_dict

    if as_json:
        _echo_json(schema_as_dict(SCHEMA))
        return
    for sheet in SCHEMA.sheets:
        click.echo(f"# {sheet.name} — {sheet.description}")
        for col in sheet.columns:
            flags = [col.type.value, col.owner.value]
            if col.required:
                flags.append("required")
            choices = (
                f"  [{'/'.join(col.choices)}]" if col.choices and col.type.value != "bool" else ""
            )
            click.echo(
                f"  {col.group.value}  {col.header:<10}\t{col.key:<22}{', '.join(flags)}{choices}"
            )
        click.echo()


@cli.group()
def rules() -> None:
    """Check and show rules files."""


@rules.command("export")
@click.argument(
    "workbook", required=False, type=click.Path(dir_okay=False, exists=False, path_type=Path)
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rules to this file (UTF-8) instead of printing them.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def rules_export(workbook: Path | None, output: Path | None, force: bool) -> None:
    """Write the rules in effect (WORKBOOK's, else the shipped default) as an editable TOML file.

    \b
    Example:
      kqxl rules export 团队总表.xlsx -o 规则.toml
      kqxl rules check 规则.toml
      kqxl recompute 团队总表.xlsx --rules 规则.toml
    """
    from kqxl.api import export_rules

    done = export_rules(workbook)
    if output is None:
        click.echo(done.toml, nl=False)
        return
    if output.exists() and not force:
        raise WorkbookError.from_key("exists", paths=output)
    output.write_text(done.toml, encoding="utf-8")
    click.echo(text(CLI, "rules_exported", path=output, rules=done.rules.describe()))


@rules.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@json_option
def rules_check(file: Path | None, as_json: bool) -> None:
    """Validate a rules FILE (default: the shipped rules) and print its levels in plain Chinese."""
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
    help="Compute formulas saved without a value (e.g. by openpyxl) through LibreOffice, on a "
    "copy; the file itself is never opened by LibreOffice.",
)


@cli.command()
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
    """Check every row of FILES and print findings, grades and heats (writes nothing).

    With several files, one that cannot be read is reported and the others are still checked.
    """
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


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this new file instead of updating FILE in place (one FILE only).",
)
@rules_option
@today_option
@click.option("--force", is_flag=True, help="Write even if a stale Excel owner file (~$) is there.")
@click.option("--no-backup", is_flag=True, help="Do not keep a backup in .kqxl/backups/.")
@click.option(
    "--keep-backups",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="How many backups of each workbook to keep.",
)
@recalc_option
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
    as_json: bool,
) -> None:
    """Fill the computed columns (等级, 依据, 差距, 热度, 加权金额, 校验) of FILES.

    Only cells kqxl owns are written; each original is backed up and replaced atomically.
    With several files, one that cannot be read or written is reported and the rest go on.
    """
    from kqxl.api import recompute_workbooks

    def show(file: Path, done: Any) -> None:
        _print_result(file, done.result)
        _print_stored(done)
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


def _grade_order(row: Any) -> tuple[bool, int]:
    level = row["grade_level"]
    return (level is None, level or 0)


def _print_result(file: Path, result: Any) -> None:
    for f in result.findings:
        where = f.sheet + (f"!{f.column or ''}{f.row}" if f.row is not None else "")
        click.echo(f"{file.name}:{where}: {f.message}")
    # Ordered as the levels go (未评级, I级 … IV级, 不适用; 0% … 90%), not alphabetically.
    customers, projects = result.customers, result.projects
    grades = Counter(c["grade"] for c in sorted(customers, key=_grade_order))
    heats = Counter(f"{heat:.0%}" for heat in sorted(float(p["heat"]) for p in projects))
    click.echo(
        text(
            CLI,
            "summary",
            file=file.name,
            customers=len(customers),
            projects=len(projects),
            findings=len(result.findings),
        )
    )
    if grades:
        click.echo(text(CLI, "grades", counts="，".join(f"{k} {v}" for k, v in grades.items())))
    if heats:
        click.echo(text(CLI, "heats", counts="，".join(f"{k} {v}" for k, v in heats.items())))
    if result.rules is not None:
        click.echo(
            text(CLI, "rules_in_effect", rules=result.rules.describe(), where=result.rules.where())
        )


# --- team sync ------------------------------------------------------------------------------

master_option = click.option(
    "--master",
    "master",
    default="团队总表.xlsx",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The master workbook whose journal to read.",
)


@cli.command()
@click.argument("master", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("reps", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print what a sync would do; write nothing.")
@today_option
@json_option
def sync(
    master: Path, reps: tuple[Path, ...], dry_run: bool, today: str | None, as_json: bool
) -> None:
    """Sync MASTER with rep workbooks (files or folders; default: MASTER's folder).

    One line per workbook (收到/送出/冲突, or 跳过 and why), then conflicts and notes. Exit 1
    when there are conflicts or skipped workbooks, 2 on a problem.
    """
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


@cli.command()
@click.argument("key")
@master_option
@json_option
def history(key: str, master: Path, as_json: bool) -> None:
    """Print the story of row KEY (客户编号/项目编号) from the master's sync journal."""
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


@cli.command()
@click.argument("sync_id", type=int)
@master_option
@json_option
def undo(sync_id: int, master: Path, as_json: bool) -> None:
    """Restore every file sync SYNC_ID wrote, byte for byte, and mark it undone.

    Refused when one of those files changed since, or a later sync wrote files.
    """
    from kqxl.sync.undo import undo_sync

    done = undo_sync(master, sync_id)
    if as_json:
        _echo_json(done.model_dump(mode="json"))
    else:
        click.echo(done.message())


def main() -> None:
    """Entry point of the ``kqxl`` command."""
    cli(prog_name="kqxl")


if __name__ == "__main__":
    main()
