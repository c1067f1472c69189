"""`talent-training export realized-trainings|employees|training-demands [filters] [-o FILE]`.

The same file as the list's over HTTP with `Accept: text/csv` (docs/exports.md): the list's filters, under
the same names' rules (an id list is repeated or comma-separated, a date is YYYY-MM-DD), every matching
record, of one account. CSV goes to stdout unless `-o` names a file; XLSX needs `-o`. A file is written
under a temporary name and renamed once complete: an export that fails leaves none behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import sys
import tempfile
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from talent_training.accounts.service import existing_account
from talent_training.command_line import USAGE, DatabaseUrl, err, settings_or_exit
from talent_training.db.database import Database
from talent_training.db.errors import Busy, Unavailable
from talent_training.directory.exporting import export_employees
from talent_training.directory.repository import EmployeeFilters
from talent_training.imports.reading import FileFormat
from talent_training.kit.paging import parse_sort
from talent_training.kit.problems import DomainError, RuleViolation
from talent_training.kit.types import parse_choice_list, parse_id_list, parse_query_date
from talent_training.realized_trainings.exporting import export_realized_trainings
from talent_training.realized_trainings.repository import Filters as RealizedFilters
from talent_training.training_demands.exporting import export_training_demands
from talent_training.training_demands.repository import SORTABLE
from talent_training.training_demands.repository import Filters as DemandFilters
from talent_training.training_demands.schemas import RANKS, DemandState, PrioritizationLevel

export_app = typer.Typer(
    no_args_is_help=True, help="Export realized trainings, employees or training demands."
)
T = TypeVar("T")
Export = Callable[[Database, int], AsyncGenerator[bytes, None]]


class Format(enum.StrEnum):
    CSV = FileFormat.CSV.value
    XLSX = FileFormat.XLSX.value


def _ids(help: str) -> Any:
    return typer.Option(
        help=f"{help} (repeated, or comma-separated)", show_default=False, metavar="ID[,ID...]"
    )


def _day(help: str) -> Any:
    return typer.Option(help=f"{help} (YYYY-MM-DD, strictly)", show_default=False, metavar="YYYY-MM-DD")


AccountName = Annotated[str, typer.Option("--account", help="The account whose records are exported")]
FormatOption = Annotated[Format, typer.Option("--format", help="csv (UTF-8 with BOM) or xlsx")]
Output = Annotated[
    Path | None,
    typer.Option(
        "-o", "--output", help="The file to write [CSV: stdout]", dir_okay=False, show_default=False
    ),
]


def _parsed(parse: Callable[[], T]) -> T:
    """The filters, as the list's parsers read them: a bad one is refused the same way, naming its option."""
    try:
        return parse()
    except RuleViolation as error:
        raise typer.BadParameter(error.detail) from None


@export_app.command("realized-trainings")
def realized_trainings(
    owner_id: Annotated[list[str] | None, _ids("Only these employees' records")] = None,
    training_id: Annotated[list[str] | None, _ids("Only these trainings' records")] = None,
    attended: Annotated[
        bool | None,
        typer.Option(
            "--attended/--not-attended", help="Only those attended, or not [both]", show_default=False
        ),
    ] = None,
    ends_after: Annotated[str | None, _day("Only those ending after this day")] = None,
    ends_before: Annotated[str | None, _day("Only those ending before this day")] = None,
    account: AccountName = "default",
    file_format: FormatOption = Format.CSV,
    output: Output = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Realized trainings in the import's columns; filters as the list's (the end dates are strict)."""
    filters = _parsed(
        lambda: RealizedFilters(
            owner_ids=parse_id_list("--owner-id", owner_id),
            training_ids=parse_id_list("--training-id", training_id),
            has_attended=attended,
            ends_before=parse_query_date("--ends-before", ends_before),
            ends_after=parse_query_date("--ends-after", ends_after),
        )
    )
    fmt = FileFormat(file_format.value)
    _export(
        lambda database, account_id: export_realized_trainings(database, account_id, filters, fmt),
        account,
        fmt,
        output,
        database_url,
    )


@export_app.command("employees")
def employees(
    id: Annotated[list[str] | None, _ids("Only these employees")] = None,
    department_id: Annotated[list[str] | None, _ids("Only employees of these departments")] = None,
    establishment_id: Annotated[list[str] | None, _ids("Only employees of these establishments")] = None,
    manager_id: Annotated[list[str] | None, _ids("Only these managers' direct reports")] = None,
    search: Annotated[
        str | None,
        typer.Option(help="In names, login or email, ignoring case and accents", show_default=False),
    ] = None,
    account: AccountName = "default",
    file_format: FormatOption = Format.CSV,
    output: Output = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Employees in the import's columns; filters as the list's."""
    if search is not None and len(search) > 250:
        raise typer.BadParameter("--search: must be at most 250 characters")
    filters = _parsed(
        lambda: EmployeeFilters(
            ids=parse_id_list("--id", id),
            department_ids=parse_id_list("--department-id", department_id),
            establishment_ids=parse_id_list("--establishment-id", establishment_id),
            manager_ids=parse_id_list("--manager-id", manager_id),
            search=search,
        )
    )
    fmt = FileFormat(file_format.value)
    _export(
        lambda database, account_id: export_employees(database, account_id, filters, fmt),
        account,
        fmt,
        output,
        database_url,
    )


@export_app.command("training-demands")
def training_demands(
    owner_id: Annotated[list[str] | None, _ids("Only these employees' demands")] = None,
    session_id: Annotated[list[str] | None, _ids("Only demands registered on these sessions")] = None,
    training_id: Annotated[list[str] | None, _ids("Only demands of these trainings")] = None,
    state: Annotated[
        list[str] | None,
        typer.Option(
            help="Requested, Registered, Realized, Invalid (repeated, or comma-separated)", show_default=False
        ),
    ] = None,
    department_id: Annotated[list[str] | None, _ids("Only demands of these departments' employees")] = None,
    establishment_id: Annotated[
        list[str] | None, _ids("Only demands of these establishments' employees")
    ] = None,
    priority: Annotated[
        list[str] | None,
        typer.Option(help="Low, Medium, High (repeated, or comma-separated)", show_default=False),
    ] = None,
    session_planned: Annotated[
        bool | None,
        typer.Option(
            "--session-planned/--no-session-planned", help="With a session, or without", show_default=False
        ),
    ] = None,
    sort: Annotated[
        str, typer.Option(help="id, createdAt or prioritization.level; '-' before it for descending")
    ] = "id",
    account: AccountName = "default",
    file_format: FormatOption = Format.CSV,
    output: Output = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Training demands, the API's item flattened (docs/exports.md); filters and sort as the list's."""

    def parse() -> DemandFilters:
        levels = parse_choice_list("--priority", priority, PrioritizationLevel)
        return DemandFilters(
            owner_ids=parse_id_list("--owner-id", owner_id),
            session_ids=parse_id_list("--session-id", session_id),
            training_ids=parse_id_list("--training-id", training_id),
            states=parse_choice_list("--state", state, DemandState) or (),
            department_ids=parse_id_list("--department-id", department_id),
            establishment_ids=parse_id_list("--establishment-id", establishment_id),
            ranks=None if levels is None else [RANKS[level] for level in levels],
            is_session_planned=session_planned,
        )

    filters = _parsed(parse)
    order = _parsed(lambda: parse_sort(sort, SORTABLE))
    fmt = FileFormat(file_format.value)
    _export(
        lambda database, account_id: export_training_demands(database, account_id, filters, fmt, order),
        account,
        fmt,
        output,
        database_url,
    )


class _NoAccount(Exception):
    pass


def _export(
    export: Export, account: str, file_format: FileFormat, output: Path | None, database_url: str | None
) -> None:
    if file_format is FileFormat.XLSX and output is None:
        raise typer.BadParameter("an XLSX export is written to a file: name it with -o FILE")
    url = settings_or_exit(database_url=database_url).database_url

    async def run() -> None:
        database = Database.connect(url, pool_size=1)
        try:
            async with database.read() as tx:
                account_id = await existing_account(tx, account)
            if account_id is None:
                raise _NoAccount()
            chunks = export(database, account_id)
            async with contextlib.aclosing(chunks):
                if output is None:
                    await _to_stdout(chunks)
                else:
                    await _to_file(chunks, output)
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except _NoAccount:
        err.print(f"No account named {account!r} (api-key create --account makes one).")
        raise typer.Exit(code=USAGE) from None
    except (Busy, Unavailable) as error:
        err.print(f"The database could not be used ({error}); nothing was exported. Try again.")
        raise typer.Exit(code=1) from None
    except DomainError as error:  # e.g. more rows than an XLSX sheet holds
        err.print(error.detail)
        raise typer.Exit(code=1) from None
    if output is not None:
        err.print(f"Exported to {output}")


async def _to_stdout(chunks: AsyncGenerator[bytes, None]) -> None:
    stdout = sys.stdout.buffer
    try:
        async for chunk in chunks:
            stdout.write(chunk)
        stdout.flush()
    except BrokenPipeError:  # the reader stopped (`| head`): nothing more to say, to no one
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(code=1) from None


async def _to_file(chunks: AsyncGenerator[bytes, None], output: Path) -> None:
    """Written beside `output` under a temporary name, renamed once complete: a failed export leaves no
    file, nor half of one under the expected name."""
    descriptor, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as file:
            async for chunk in chunks:
                file.write(chunk)
        os.replace(partial, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
