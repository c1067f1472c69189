"""What every `talent-training` command shares: its settings (a bad one named, exit code 2), the
`--database-url` option, the error console, and a unit of work of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from pydantic_settings.exceptions import SettingsError
from rich.console import Console

from talent_training.db.database import Database, Tx
from talent_training.db.errors import Busy, Unavailable
from talent_training.settings import Settings

T = TypeVar("T")

USAGE = 2  # the exit code of a command given something it cannot use (typer's own, for a bad option)
err = Console(stderr=True, soft_wrap=True)  # a log line is not cut at 80 columns

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL [env TALENT_TRAINING_DATABASE_URL]", show_default=False
    ),
]


def settings_or_exit(**overrides: Any) -> Settings:
    """The settings, the command's options (those given) over the environment; a bad one named, exit 2."""
    try:
        return Settings(**{name: value for name, value in overrides.items() if value is not None})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            setting = "_".join(str(part) for part in error["loc"]).upper()
            name = f"TALENT_TRAINING_{setting}" if setting else "settings"
            err.print(f"Invalid {name}: {error['msg']}")
        raise typer.Exit(code=USAGE) from None
    except SettingsError as exc:  # a value that is not even of its shape, e.g. a list that is not JSON
        err.print(f"Invalid settings: {exc} (lists are JSON: '[\"https://hr.example\"]')")
        raise typer.Exit(code=USAGE) from None


async def _on_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    database = Database.connect(settings.database_url, pool_size=1)
    try:
        return await work(database)
    finally:
        await database.dispose()


def unit_of_work(settings: Settings, work: Callable[[Tx], Awaitable[T]], *, write: bool = True) -> T:
    """`work` in one unit of work of its own: a transaction, committed when it returns and rolled back if it
    raises; a read with `write=False`."""

    async def run(database: Database) -> T:
        async with database.transaction() if write else database.read() as tx:
            return await work(tx)

    return asyncio.run(_on_database(settings, run))


@contextmanager
def _unavailable_said() -> Iterator[None]:
    try:
        yield
    except (Busy, Unavailable) as error:  # nothing was changed: say so, not with a traceback
        err.print(f"The database could not be used ({error}); nothing was changed. Try again.")
        raise typer.Exit(code=1) from None


def in_transaction(settings: Settings, work: Callable[[Tx], Awaitable[T]], *, write: bool = True) -> T:
    """`unit_of_work`, the database unavailable or busy said to the user (exit code 1)."""
    with _unavailable_said():
        return unit_of_work(settings, work, write=write)


def with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """`work` given a database of its own (for work of several transactions), the database unavailable or
    busy said to the user (exit code 1)."""
    with _unavailable_said():
        return asyncio.run(_on_database(settings, work))
