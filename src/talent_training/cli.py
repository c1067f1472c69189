"""The `talent-training` command: serve, migrate, backup, restore, api-key create|list|revoke|rotate,
user create|list|reset-password|sign-out-everywhere, import, export.

Flags override the `TALENT_TRAINING_*` environment variables; both end up in `Settings`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from talent_training.accounts.service import (
    LABEL_MAX,
    IssuedKey,
    Role,
    database_is_new,
    issue_api_key,
    list_api_keys,
)
from talent_training.bulk.export_cli import export_app
from talent_training.bulk.import_cli import import_app
from talent_training.command_line import DatabaseUrl, err, in_transaction, settings_or_exit, with_database
from talent_training.db import backup as backups
from talent_training.db.database import Tx
from talent_training.db.migrate import upgrade
from talent_training.kit.actor import command_line
from talent_training.settings import Settings
from talent_training.users.cli import say_how_to_create_the_first_user, user_app

T = TypeVar("T")
# prometheus_client's multiprocess folder (web/metrics.py), named here so that serving imports no metrics
# code before it is set.
_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_WORKER_SETTINGS = {"database_url", "timezone", "host", "port", "access_log"}
KEY_LINE = "API key: "

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
api_key = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys.")
app.add_typer(api_key, name="api-key")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(user_app, name="user")


@app.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Apply every pending database migration."""
    settings = settings_or_exit(database_url=database_url)
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
    """Apply migrations, make sure a key exists, and serve the API and the console."""
    import uvicorn

    from talent_training.web.logs import install_request_ids, logging_config

    # The supervisor of several workers logs too (started, a worker died): its records need the request id
    # the text format prints, or each one is a "--- Logging error ---" traceback instead.
    install_request_ids()
    settings = settings_or_exit(
        host=host,
        port=port,
        workers=workers,
        database_url=database_url,
        timezone=timezone,
        access_log=access_log,
    )
    if migrate_first:
        asyncio.run(upgrade(settings.database_url))
    _first_key(settings)
    say_how_to_create_the_first_user(settings)
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
        http="talent_training.web.server:LimitedHttpToolsProtocol",
        proxy_headers=True,
        access_log=False,  # ours replaces uvicorn's (web/observe.py)
        log_config=logging_config(settings.log_format),
        timeout_graceful_shutdown=30,
        # A new worker answers the supervisor's health check only once it has imported this module (about a
        # second of CPU): on a busy host that took more than uvicorn's 5 s, and starting workers were killed
        # as hung, over and over. The price: a worker that dies while a check waits on it is replaced only
        # once the check gives up (tests/faults/test_faults.py).
        timeout_worker_healthcheck=15,
    )


def _first_key(settings: Settings) -> None:
    """A database where no key was ever created gets a write key, once: shown on the terminal when serve
    runs on one, else written to a file only its owner may read (stdout is a log in any real deployment).
    A database whose keys were all revoked gets none: that is its owner's decision."""

    async def create(tx: Tx) -> IssuedKey | None:
        if not await database_is_new(tx):
            return None
        return await issue_api_key(tx, name="initial", role=Role.WRITE, account="default", by=_who())

    issued = in_transaction(settings, create)
    if issued is None:
        return
    if sys.stdout.isatty():
        print(
            f"No API key existed: created write key {issued.id} in account 'default'. It is shown only now:"
        )
        print(f"{KEY_LINE}{issued.token}", flush=True)
        return
    path = Path(settings.initial_key_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(issued.token + "\n")
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    err.print(
        f"No API key existed: created write key {issued.id} in account 'default', written to {path} "
        "(readable by its owner only). Read it, keep it somewhere safe, and delete the file."
    )


def _who() -> str:
    return command_line(0).name


def _duration(value: str | None) -> timedelta | None:
    """`90d`, `12h`, `30m`: a duration; None for None."""
    if value is None:
        return None
    units = {"d": "days", "h": "hours", "m": "minutes"}
    number, unit = value[:-1], value[-1:].lower()
    per_day = {"d": 1, "h": 24, "m": 24 * 60}
    if unit not in units or not number.isdigit() or not 0 < int(number) <= 36500 * per_day[unit]:
        raise typer.BadParameter("must be a number of days, hours or minutes, e.g. 90d, 12h, 30m")
    return timedelta(**{units[unit]: int(number)})


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
    expires_in: Annotated[
        str | None, typer.Option("--expires-in", help="Refused after this long: 90d, 12h, 30m [never]")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a key; the key itself is printed alone on the last line, only this once."""
    lifetime = _duration(expires_in)
    settings = settings_or_exit(database_url=database_url)
    issued = in_transaction(
        settings,
        lambda tx: issue_api_key(tx, name=name, role=role, account=account, expires_in=lifetime, by=_who()),
    )
    until = f", valid until {issued.expires_at.isoformat(timespec='seconds')}" if issued.expires_at else ""
    print(f"Created {issued.role.value} key {issued.id} in account {issued.account!r}{until}. Store it now:")
    print(issued.token)


@api_key.command("list")
def list_keys(database_url: DatabaseUrl = None) -> None:
    """List keys (never their secrets)."""
    keys = in_transaction(settings_or_exit(database_url=database_url), list_api_keys)
    table = Table("id", "name", "account", "role", "prefix", "created", "expires", "last used", "revoked")
    for key in keys:
        moments = (key.created_at, key.expires_at, key.last_used_at, key.revoked_at)
        when = [moment.isoformat(timespec="minutes") if moment else "" for moment in moments]
        table.add_row(str(key.id), key.name, key.account, key.role.value, key.prefix, *when)
    Console(width=200).print(table)


@api_key.command("revoke")
def revoke_key(
    key: Annotated[str, typer.Argument(help="The key's id or prefix (see api-key list)")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a key: it is refused from the next request on, by every serving process."""
    from talent_training.accounts.auth import revoke_everywhere

    settings = settings_or_exit(database_url=database_url)
    if with_database(settings, lambda database: revoke_everywhere(database, key, by=_who())) is None:
        err.print(f"No active key {key!r}.")
        raise typer.Exit(code=1)
    print(f"Revoked key {key}.")


@api_key.command("rotate")
def rotate_key(
    key: Annotated[str, typer.Argument(help="The key's id or prefix (see api-key list)")],
    grace: Annotated[
        str | None, typer.Option(help="Keep the old key working this long: 1h, 2d [revoked at once]")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Replace a key by a new one (same name, role and account); the new key alone on the last line."""
    overlap = _duration(grace)
    settings = settings_or_exit(database_url=database_url)
    from talent_training.accounts.auth import rotate_everywhere

    rotated = with_database(
        settings, lambda database: rotate_everywhere(database, key, by=_who(), grace=overlap)
    )
    if rotated is None:
        err.print(f"No active key {key!r}.")
        raise typer.Exit(code=1)
    issued = rotated.issued
    old = "keeps working for " + grace if grace else "is revoked"
    print(f"Rotated key {key}: it {old}; the new key {issued.id} is shown only now:")
    print(issued.token)


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the backup (replaced if it exists)")],
    database_url: DatabaseUrl = None,
) -> None:
    """Copy the whole database, consistently, while it serves."""
    settings = settings_or_exit(database_url=database_url)
    try:
        asyncio.run(backups.backup(settings.database_url, file))
    except backups.BackupError as error:
        err.print(str(error))
        raise typer.Exit(code=1) from None
    err.print(f"Backed up {_safe(settings.database_url)} to {file}")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by talent-training backup")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before replacing the data")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Replace everything in the database by a backup's content, all or nothing. Stop serving it first."""
    settings = settings_or_exit(database_url=database_url)
    if not yes and not sys.stdin.isatty():
        # No one to ask: refuse at once rather than wait on an input that may never come.
        err.print("Not restoring without --yes: there is no terminal to confirm on.")
        raise typer.Exit(code=1)
    if not yes and not typer.confirm(f"Replace everything in {_safe(settings.database_url)} by {file}?"):
        raise typer.Exit(code=1)
    try:
        asyncio.run(backups.restore(settings.database_url, file))
    except backups.BackupError as error:
        err.print(str(error))
        raise typer.Exit(code=1) from None
    err.print(f"Restored {file} into {_safe(settings.database_url)}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    app()
