"""The `talent-training` command: serve, migrate, api-key create|list|revoke.

Flags override the `TALENT_TRAINING_*` environment variables; both end up in `Settings`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from talent_training.accounts.service import (
    LABEL_MAX,
    Role,
    has_active_key,
    issue_api_key,
    list_api_keys,
)
from talent_training.db.database import Database, Tx
from talent_training.db.migrate import upgrade
from talent_training.settings import Settings

T = TypeVar("T")
# prometheus_client's multiprocess folder (web/metrics.py), named here so that serving imports no metrics
# code before it is set.
_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_WORKER_SETTINGS = {"database_url", "timezone", "host", "port", "access_log"}

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
api_key = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys.")
app.add_typer(api_key, name="api-key")
err = Console(stderr=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL [env TALENT_TRAINING_DATABASE_URL]", show_default=False
    ),
]


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{name: value for name, value in overrides.items() if value is not None})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            setting = "_".join(str(part) for part in error["loc"]).upper()
            err.print(f"Invalid setting TALENT_TRAINING_{setting}: {error['msg']}")
        raise typer.Exit(code=2) from None


def _in_transaction(settings: Settings, work: Callable[[Tx], Awaitable[T]]) -> T:
    """`work` in one transaction of its own: committed when it returns, rolled back if it raises."""

    async def run() -> T:
        database = Database.connect(settings.database_url, pool_size=1)
        try:
            async with database.transaction() as tx:
                return await work(tx)
        finally:
            await database.dispose()

    return asyncio.run(run())


@app.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Apply every pending database migration."""
    settings = _settings(database_url=database_url)
    asyncio.run(upgrade(settings.database_url))
    err.print(f"Database is up to date: {_safe(settings.database_url)}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface [env TALENT_TRAINING_HOST, 127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env TALENT_TRAINING_PORT, 8000]")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes [env TALENT_TRAINING_WORKERS, 1]")] = None,
    database_url: DatabaseUrl = None,
    timezone: Annotated[
        str | None, typer.Option(help='Zone of "today" [env TALENT_TRAINING_TIMEZONE, UTC]')
    ] = None,
    migrate_first: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply migrations first")
    ] = True,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log", help="Log each request [env TALENT_TRAINING_ACCESS_LOG, on]"
        ),
    ] = None,
) -> None:
    """Apply migrations, make sure a key exists, and serve the API."""
    import uvicorn

    from talent_training.web.logs import logging_config

    settings = _settings(
        host=host,
        port=port,
        workers=workers,
        database_url=database_url,
        timezone=timezone,
        access_log=access_log,
    )
    if migrate_first:
        asyncio.run(upgrade(settings.database_url))
    if not _in_transaction(settings, has_active_key):
        issued = _in_transaction(
            settings, lambda tx: issue_api_key(tx, name="initial", role=Role.WRITE, account="default")
        )
        print(
            f"No API key existed: created write key {issued.id} in account 'default'. It is shown only now:"
        )
        print(f"API key: {issued.token}", flush=True)
    # Workers (and the one in this process) build their own Settings from the environment: everything
    # decided here goes there, the metrics decision included (it depends on the interface served).
    decided = {**settings.model_dump(include=_WORKER_SETTINGS), "metrics": settings.metrics_enabled}
    for name, value in decided.items():
        os.environ[f"TALENT_TRAINING_{name.upper()}"] = str(value)
    if settings.metrics_enabled and not os.environ.get(_METRICS_DIR):
        # Each worker writes its figures there and a scrape adds them up (web/metrics.py). Set before
        # anything imports prometheus_client, which reads it once; emptied at each start, since files
        # of processes gone would be added up too (a worker killed by a signal leaves its own).
        directory = Path(tempfile.gettempdir()) / f"talent-training-metrics-{settings.port}"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(mode=0o700)
        os.environ[_METRICS_DIR] = str(directory)
    err.print(f"Serving on http://{settings.host}:{settings.port} ({settings.workers} worker(s))")
    uvicorn.run(
        "talent_training.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        proxy_headers=True,
        access_log=False,  # ours replaces uvicorn's (web/observe.py)
        log_config=logging_config(settings.log_format),
        timeout_graceful_shutdown=30,
    )


def _label(value: str) -> str:
    if not 1 <= len(value) <= LABEL_MAX or not value.strip():
        raise typer.BadParameter(f"must be 1 to {LABEL_MAX} characters, not blank")
    return value


@api_key.command("create")
def create_key(
    name: Annotated[
        str, typer.Argument(help="What the key is for, e.g. the integrating tool", callback=_label)
    ],
    role: Annotated[Role, typer.Option(help="read: GET only; write: everything")] = Role.READ,
    account: Annotated[str, typer.Option(help="Account (created if new)", callback=_label)] = "default",
    database_url: DatabaseUrl = None,
) -> None:
    """Create a key; the key itself is printed alone on the last line, only this once."""
    settings = _settings(database_url=database_url)
    issued = _in_transaction(settings, lambda tx: issue_api_key(tx, name=name, role=role, account=account))
    print(f"Created {issued.role.value} key {issued.id} in account {issued.account!r}. Store it now:")
    print(issued.token)


@api_key.command("list")
def list_keys(database_url: DatabaseUrl = None) -> None:
    """List keys (never their secrets)."""
    keys = _in_transaction(_settings(database_url=database_url), list_api_keys)
    table = Table("id", "name", "account", "role", "prefix", "created", "revoked")
    for key in keys:
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else ""
        created = key.created_at.isoformat(timespec="seconds")
        table.add_row(str(key.id), key.name, key.account, key.role.value, key.prefix, created, revoked)
    Console(width=160).print(table)


@api_key.command("revoke")
def revoke_key(
    key: Annotated[str, typer.Argument(help="The key's id or prefix (see api-key list)")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a key: it is refused from the next request on, by every serving process."""
    from talent_training.accounts.auth import revoke_everywhere

    settings = _settings(database_url=database_url)

    async def revoke() -> str | None:
        database = Database.connect(settings.database_url, pool_size=1)
        try:
            return await revoke_everywhere(database, key)
        finally:
            await database.dispose()

    if asyncio.run(revoke()) is None:
        err.print(f"No active key {key!r}.")
        raise typer.Exit(code=1)
    print(f"Revoked key {key}.")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    app()
