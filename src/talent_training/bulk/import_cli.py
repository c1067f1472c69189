"""`talent-training import realized-trainings|employees FILE`: every row recorded, or none.

Exit status: 0 when the rows were recorded (or a dry run found nothing wrong), 1 when the file was refused
(its problems listed) or the database could not be used, 2 for a usage error (an unknown option value, a
missing file, an unknown account).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from talent_training.accounts.service import existing_account
from talent_training.command_line import USAGE, DatabaseUrl, err, settings_or_exit
from talent_training.db.database import Database
from talent_training.db.errors import Busy, Unavailable
from talent_training.directory.importing import import_employees
from talent_training.imports import FileFormat, FileOptions, ImportReport
from talent_training.imports.decoding import encoding_name
from talent_training.imports.reading import SEPARATORS
from talent_training.kit.actor import command_line
from talent_training.kit.clock import today
from talent_training.realized_trainings.importing import import_realized_trainings

import_app = typer.Typer(
    no_args_is_help=True, help="Import realized trainings or employees from CSV or XLSX."
)

PLAIN_EVERY = 100_000  # rows between two progress lines when the output is not a terminal
SHOWN_PROBLEMS = 1000  # as many as a report keeps

# The options both imports take.
FileArgument = Annotated[
    Path,
    typer.Argument(
        help="A CSV or XLSX file, its first row the column names",
        exists=True,
        dir_okay=False,
        readable=True,
        show_default=False,
    ),
]
AccountOption = Annotated[str, typer.Option("--account", help="The account the rows belong to")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Check every row, against the database too; write nothing")
]


def _encoding(value: str | None) -> str | None:
    if value is not None:
        try:
            encoding_name(value)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
    return value


def _separator(value: str | None) -> str | None:
    if value is not None and value not in SEPARATORS:
        raise typer.BadParameter("must be ',' or ';'")
    return value


EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="CSV encoding, e.g. utf-8, cp1252 [detected: UTF-8, with or without BOM, else Windows-1252]",
        callback=_encoding,
        show_default=False,
    ),
]
SeparatorOption = Annotated[
    str | None,
    typer.Option(
        "--separator",
        help="CSV separator, ',' or ';' [detected from the header row]",
        callback=_separator,
        show_default=False,
    ),
]
FormatOption = Annotated[
    FileFormat | None,
    typer.Option("--format", help="csv or xlsx [detected from the content]", show_default=False),
]


@import_app.command("realized-trainings")
def realized_trainings(
    file: FileArgument,
    account: AccountOption = "default",
    dry_run: DryRunOption = False,
    create_missing: Annotated[
        bool,
        typer.Option(
            "--create-missing",
            help="Create the trainings, providers and categories the file names and the catalog lacks",
        ),
    ] = False,
    encoding: EncodingOption = None,
    separator: SeparatorOption = None,
    file_format: FormatOption = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Import realized trainings from Lucca's template (English or French headers), all rows or none."""
    options = FileOptions(file_format, encoding, separator)
    _import(
        import_realized_trainings,
        file,
        account,
        options,
        database_url,
        dry_run,
        create_missing=create_missing,
    )


@import_app.command("employees")
def employees(
    file: FileArgument,
    account: AccountOption = "default",
    dry_run: DryRunOption = False,
    encoding: EncodingOption = None,
    separator: SeparatorOption = None,
    file_format: FormatOption = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create or replace employees (by id) from a file, all rows or none."""
    options = FileOptions(file_format, encoding, separator)
    _import(import_employees, file, account, options, database_url, dry_run)


def _import(
    importer: Callable[..., Awaitable[ImportReport]],
    file: Path,
    account: str,
    options: FileOptions,
    database_url: str | None,
    dry_run: bool,
    **own: Any,
) -> None:
    """Run `importer` (`import_realized_trainings`, `import_employees`) on `file`, with its `own` options, and
    say what it did."""
    settings = settings_or_exit(database_url=database_url)
    out = Console(soft_wrap=True, highlight=False)  # a summary line is not cut at 80 columns
    shown = TerminalProgress(out) if out.is_terminal else PlainProgress(out)

    async def run() -> ImportReport | None:
        database = Database.connect(settings.database_url, pool_size=2)
        try:
            async with database.read() as tx:
                account_id = await existing_account(tx, account)
            if account_id is None:
                return None
            return await importer(
                database,
                command_line(account_id),
                file,
                options=options,
                dry_run=dry_run,
                progress=shown,
                today=today(settings.zone),
                **own,
            )
        finally:
            await database.dispose()

    started = time.monotonic()
    try:
        with shown:
            report = asyncio.run(run())
    except (Busy, Unavailable) as error:  # nothing was written: the transaction never committed
        err.print(f"The database could not be used ({error}); nothing was recorded. Try again.")
        raise typer.Exit(code=1) from None
    if report is None:
        err.print(f"No account named {account!r} (api-key create --account makes one).")
        raise typer.Exit(code=USAGE)
    print_report(out, report, time.monotonic() - started)
    raise typer.Exit(code=0 if report.accepted else 1)


def print_report(out: Console, report: ImportReport, seconds: float) -> None:
    """The summary line, then the problems (the first 1,000) in a table."""
    created = ", ".join(f"{kind}: {count:,}" for kind, count in report.created.items() if count)
    created = f" ({created})" if created else ""
    rows = _count(report.rows, "row")
    if report.accepted and report.dry_run:
        out.print(f"Dry run: {rows} checked in {seconds:.1f} s, nothing wrong{created}; nothing recorded.")
        return
    if report.accepted:
        out.print(f"{_count(report.recorded, 'row')} recorded in {seconds:.1f} s{created}.")
        return
    problems = report.problems
    duplicates = f", {problems.duplicates:,} of them duplicates" if problems.duplicates else ""
    out.print(f"Refused: {_count(problems.total, 'problem')}{duplicates}, nothing recorded ({rows} read).")
    table = Table("row", "column", "value", "message", show_lines=False)
    for problem in list(problems)[:SHOWN_PROBLEMS]:
        table.add_row(
            "file" if problem.row is None else str(problem.row),
            Text(problem.column or ""),
            Text(problem.value or ""),
            Text(problem.message),
        )
    width = None if out.is_terminal else max(out.width, 200)  # a log is read whole, not wrapped at 80
    out.print(table, width=width)
    if problems.truncated:
        out.print(f"The first {len(problems.kept):,} of {problems.total:,} problems are shown.")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


# Progress --------------------------------------------------------------------------------------------------


class PlainProgress:
    """A line when a stage begins, and every 100,000 rows read (and the last): output read later (a log, a
    pipe)."""

    def __init__(self, out: Console) -> None:
        self.out = out
        self.stage = ""
        self.next = PLAIN_EVERY
        self.started = time.monotonic()
        self.last: tuple[int, float | None] | None = None  # read, not yet printed
        self.printed = -1

    def update(self, stage: str, rows: int, fraction: float | None = None) -> None:
        if stage != self.stage:
            self._flush()
            self.stage, self.next = stage, PLAIN_EVERY
            self.started = time.monotonic()
            self.out.print(f"{stage}…", highlight=False)
        if stage != "reading":
            return
        self.last = (rows, fraction)
        if rows >= self.next:
            self.next = (rows // PLAIN_EVERY + 1) * PLAIN_EVERY
            self._flush()

    def _flush(self) -> None:
        if self.last is None or self.last[0] == self.printed:
            return
        (rows, fraction), self.last = self.last, None
        self.printed = rows
        elapsed = max(time.monotonic() - self.started, 1e-6)
        share = "" if fraction is None else f" ({fraction:.0%} of the file)"
        self.out.print(f"reading: {rows:,} rows{share}, {rows / elapsed:,.0f} rows/s", highlight=False)

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *_: object) -> None:
        self._flush()


class _Rows(ProgressColumn):
    """Rows done, and while reading how many a second."""

    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.elapsed or 0
        reading = task.description.strip() == "reading"
        speed = f", {rows / elapsed:,.0f} rows/s" if reading and elapsed > 0.5 else ""
        return Text(f"{rows:,} rows{speed}")


class TerminalProgress:
    """A bar per stage on a terminal: rows, rows per second, and the time left from the share of the file
    read (none when the file's size is unknown)."""

    SCALE = 1000

    def __init__(self, out: Console) -> None:
        self.bar = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            TaskProgressColumn(),
            _Rows(),
            TimeRemainingColumn(),
            console=out,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def update(self, stage: str, rows: int, fraction: float | None = None) -> None:
        task = self.tasks.get(stage)
        if task is None:
            for previous in self.tasks.values():  # a stage begins when the one before is done
                self._done(previous)
            task = self.tasks[stage] = self.bar.add_task(stage, total=None, rows=0)
        if fraction is None:
            self.bar.update(task, rows=rows)
        else:
            self.bar.update(task, rows=rows, total=self.SCALE, completed=fraction * self.SCALE)

    def __enter__(self) -> TerminalProgress:
        self.bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        for task in self.tasks.values():
            self._done(task)
        self.bar.stop()

    def _done(self, task: Any) -> None:
        self.bar.update(task, completed=self.SCALE, total=self.SCALE)
        self.bar.stop_task(task)  # its time, and so its rate, stop there
