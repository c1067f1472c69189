"""Backups of the whole database while it serves, and their restoration.

- SQLite: the online backup API (`sqlite3.Connection.backup`), which copies a consistent snapshot while
  others read and write (a plain `cp` can miss what the write-ahead log holds). Restoring copies the backup
  back the same way, page by page, under SQLite's own locks.
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, taken while the service writes) and
  `pg_restore --clean --if-exists --single-transaction` (all or nothing). The client programs must be at
  least as new as the server; Debian's `postgresql-client` provides them.

Restoring replaces everything in the target database: stop serving it first, or restore into a new database
and point the service at it.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from talent_training.db.database import is_sqlite
from talent_training.db.sqlite import BUSY_TIMEOUT_S, database_path


class BackupError(Exception):
    """The backup or the restoration could not be made; nothing was changed where it says so."""


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client programs (postgresql-client)"
        )
    return found


def _run(*command: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {completed.stderr.strip()}")


def _sqlite_copy(source: str, target: str) -> None:
    with sqlite3.connect(source, timeout=BUSY_TIMEOUT_S) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    writing.close()
    reading.close()


async def backup(url: str, file: Path) -> None:
    """A consistent copy of the whole database into `file` (created or replaced)."""
    if is_sqlite(url):
        source = database_path(url)
        if not await asyncio.to_thread(Path(source).exists):
            raise BackupError(f"no database at {source}")
        partial = file.with_name(file.name + ".partial")
        partial.unlink(missing_ok=True)
        await asyncio.to_thread(_sqlite_copy, source, str(partial))
        partial.replace(file)  # a backup is whole or absent
        return
    partial = file.with_name(file.name + ".partial")
    await asyncio.to_thread(
        _run, _program("pg_dump"), "--format=custom", f"--file={partial}", "--no-owner", _libpq_url(url)
    )
    partial.replace(file)


async def restore(url: str, file: Path) -> None:
    """Replace the database's content by the backup's, all or nothing."""
    if not await asyncio.to_thread(file.is_file):
        raise BackupError(f"no backup at {file}")
    if is_sqlite(url):
        target = database_path(url)
        try:
            with sqlite3.connect(file) as check:
                check.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{file} is not an SQLite backup: {error}") from error
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(_sqlite_copy, str(file), target)
        return
    await asyncio.to_thread(
        _run,
        _program("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        f"--dbname={_libpq_url(url)}",
        str(file),
    )
