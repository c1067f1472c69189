"""Backups of the whole database while it serves, and their restoration.

- SQLite: the online backup API (`sqlite3.Connection.backup`), which copies a consistent snapshot while
  others read and write (a plain `cp` can miss what the write-ahead log holds), into a file of its own (no
  write-ahead log beside it). Restoring checks the backup whole first (integrity, a talent-training schema),
  then copies it back the same way, in one write transaction under SQLite's own locks: all or nothing.
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot, taken while the service writes) and
  `pg_restore --clean --if-exists --single-transaction` (all or nothing). The client programs must be at
  least as new as the server: the first found on PATH that is, else the newest of
  /usr/lib/postgresql/*/bin (Debian's `postgresql-client-NN`). A password travels in their environment
  (PGPASSWORD), never on their command line, which every user of the machine can read.

Restoring replaces everything in the target database: stop serving it first, or restore into a new database
and point the service at it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import quote

import asyncpg
from sqlalchemy.engine import URL, make_url

from talent_training.db.database import is_sqlite
from talent_training.db.postgres import connect_arguments
from talent_training.db.sqlite import BUSY_TIMEOUT_S, database_path

# Where Debian and Ubuntu install each major version's programs: /usr/lib/postgresql/<major>/bin.
PG_LIB = Path("/usr/lib/postgresql")
# The programs' URL options that are SQLAlchemy's or asyncpg's, not libpq's.
_NOT_LIBPQ = {"prepared_statement_cache_size", "ssl", "password"}
_CONNECT_TIMEOUT_S = 10


class BackupError(Exception):
    """The backup or the restoration could not be made; nothing was changed where it says so."""


async def backup(url: str, file: Path) -> None:
    """A consistent copy of the whole database into `file` (created or replaced, never left half-written)."""
    if not await asyncio.to_thread(file.parent.is_dir):
        raise BackupError(f"cannot write {file}: there is no directory {file.parent}")
    partial = file.with_name(file.name + ".partial")
    try:
        if is_sqlite(url):
            await asyncio.to_thread(_sqlite_backup, _sqlite_path(url), file, partial)
        else:
            program = await _pg_program(url, "pg_dump")
            arguments = ("--format=custom", "--no-owner", f"--file={partial}")
            await asyncio.to_thread(_run, url, "backup failed", program, *arguments)
        partial.replace(file)  # a backup is whole or absent
    except OSError as error:
        raise BackupError(f"cannot write {file}: {error.strerror or error}") from error
    finally:
        partial.unlink(missing_ok=True)


async def restore(url: str, file: Path) -> None:
    """Replace the database's content by the backup's, all or nothing."""
    if not await asyncio.to_thread(file.is_file):
        raise BackupError(f"no backup at {file}")
    if is_sqlite(url):
        await asyncio.to_thread(_sqlite_restore, file, _sqlite_path(url))
        return
    program = await _pg_program(url, "pg_restore")
    arguments = ("--clean", "--if-exists", "--no-owner", "--single-transaction", str(file))
    failure = f"restoring {file} failed, nothing changed"  # one transaction, rolled back
    await asyncio.to_thread(_run, url, failure, program, *arguments)


# SQLite


def _sqlite_path(url: str) -> str:
    try:
        return database_path(url)
    except ValueError as error:
        raise BackupError(str(error)) from None


def _read_only(path: Path | str) -> sqlite3.Connection:
    """`path`, never created nor written."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)


def _sqlite_backup(source: str, file: Path, partial: Path) -> None:
    if not Path(source).is_file():
        raise BackupError(f"no database at {source}")
    if file.exists() and file.resolve() == Path(source).resolve():
        raise BackupError(f"{file} is the database itself")
    for leftover in ("", "-journal", "-wal", "-shm"):  # of an attempt cut short: not to be replayed
        partial.with_name(partial.name + leftover).unlink(missing_ok=True)
    try:
        reading = _read_only(source)
        try:
            writing = sqlite3.connect(partial)
            try:
                reading.backup(writing)  # in one step: one read transaction, one snapshot
                # One self-contained file: no write-ahead log to go with it, nor to be mistaken for its own.
                writing.execute("PRAGMA journal_mode=DELETE")
            finally:
                writing.close()
        finally:
            reading.close()
    except sqlite3.Error as error:
        raise BackupError(f"backup of {source} failed: {error}") from error


def _sqlite_restore(file: Path, target: str) -> None:
    if Path(target).exists() and Path(target).resolve() == file.resolve():
        raise BackupError(f"{file} is the database itself")
    try:
        reading = _read_only(file)
    except sqlite3.Error as error:
        raise BackupError(f"{file} is not an SQLite backup: {error}") from error
    try:
        _check_sqlite_backup(reading, file)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            writing = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)
            try:
                reading.backup(writing)  # one write transaction on the target: all or nothing
            finally:
                writing.close()
        except sqlite3.Error as error:
            raise BackupError(f"restoring {file} into {target} failed, nothing changed: {error}") from error
    finally:
        reading.close()


def _check_sqlite_backup(reading: sqlite3.Connection, file: Path) -> None:
    """A whole, readable talent-training database, or BackupError (before the target is touched)."""
    try:
        # A file cut short may still look whole to SQLite (the missing end read as zeros): its size says.
        (pages,) = reading.execute("PRAGMA page_count").fetchone()
        (page_size,) = reading.execute("PRAGMA page_size").fetchone()
        if file.stat().st_size != pages * page_size:
            raise BackupError(f"{file} is damaged: it is not as long as its header says (cut short?)")
        problems = [row[0] for row in reading.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise BackupError(f"{file} is damaged: {'; '.join(problems[:3])}")
        has_version = reading.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if not has_version or not reading.execute("SELECT 1 FROM alembic_version").fetchone():
            raise BackupError(f"{file} is not a talent-training backup (it has no schema version)")
    except sqlite3.Error as error:
        raise BackupError(f"{file} is not an SQLite backup: {error}") from error


# PostgreSQL


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The connection as the client programs take it: a URL without its password, and their environment
    (with the password, if any, as PGPASSWORD)."""
    parsed = make_url(url)
    query = {name: value for name, value in parsed.query.items() if name not in _NOT_LIBPQ}
    ssl = parsed.query.get("ssl")
    if isinstance(ssl, str) and "sslmode" not in query:
        query["sslmode"] = ssl  # asyncpg's name for the same values
    password = parsed.password or parsed.query.get("password")
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=query,
    )
    environment = {
        **os.environ,
        "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", str(_CONNECT_TIMEOUT_S)),
        "PGAPPNAME": "talent-training-backup",
    }
    if isinstance(password, str):
        environment["PGPASSWORD"] = password
    return plain.render_as_string(hide_password=False), environment


def _run(url: str, failure: str, program: str, *arguments: str) -> None:
    dbname, environment = _libpq(url)
    # --no-password: a missing password is an error, never a prompt waiting on a terminal.
    command = [program, *arguments, "--no-password", f"--dbname={dbname}"]
    completed = subprocess.run(  # noqa: S603
        command, env=environment, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        said = completed.stderr.strip().replace(f"{Path(program).name}: ", "")
        raise BackupError(f"{failure} ({Path(program).name}): {said or f'exit code {completed.returncode}'}")


async def _pg_program(url: str, name: str) -> str:
    """The first of `name` on PATH, then in /usr/lib/postgresql/*/bin from the newest, at least as new as
    the server."""
    candidates = await asyncio.to_thread(_candidates, name)
    if not candidates:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client programs (postgresql-client), "
            "as new as the server or newer"
        )
    server = await _server_version(url)
    found = []
    for program in candidates:
        version = await asyncio.to_thread(_program_version, program)
        if version is not None and version >= server:
            return program
        found.append(f"{program} ({_shown(version) if version else 'version unknown'})")
    raise BackupError(
        f"{name} must be as new as the server (PostgreSQL {_shown(server)}) or newer; found only "
        f"{', '.join(found)}. Install postgresql-client-{_shown(server)} (or newer) or put it first on PATH."
    )


def _candidates(name: str) -> list[str]:
    programs: list[str] = []
    on_path = shutil.which(name)
    if on_path:
        programs.append(on_path)
    installed = []
    for path in PG_LIB.glob(f"*/bin/{name}"):
        version = _directory_version(path.parent.parent.name)
        if version is not None and os.access(path, os.X_OK) and str(path) not in programs:
            installed.append((version, str(path)))
    programs.extend(path for _, path in sorted(installed, reverse=True))
    return programs


def _directory_version(name: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?", name)
    return _major(int(match[1]), int(match[2] or 0)) if match else None


def _program_version(program: str) -> tuple[int, int] | None:
    """`pg_dump (PostgreSQL) 15.20 (Debian ...)`: (15, 0); `9.6.24`: (9, 6)."""
    try:
        completed = subprocess.run(  # noqa: S603
            [program, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?", completed.stdout)
    return _major(int(match[1]), int(match[2] or 0)) if match else None


def _major(first: int, second: int) -> tuple[int, int]:
    """The major version: 15 from 15.x, but 9.6 from 9.6.x (before 10, majors had two numbers)."""
    return (first, 0) if first >= 10 else (first, second)


def _shown(version: tuple[int, int]) -> str:
    return str(version[0]) if version[0] >= 10 else f"{version[0]}.{version[1]}"


async def _server_version(url: str) -> tuple[int, int]:
    try:
        connection = await asyncpg.connect(**connect_arguments(url, timeout=_CONNECT_TIMEOUT_S))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
        raise BackupError(f"cannot connect to the database: {error}") from error
    try:
        version = connection.get_server_version()
    finally:
        await connection.close()
    return _major(version.major, version.minor)
