"""SQLite on aiosqlite: the embedded default, with the same `Tx` as PostgreSQL.

Reads run in parallel on a small pool of connections (WAL lets readers and one writer work at once). Writes
go through one connection per process, in turn, so that concurrent writers queue here instead of failing
with "database is locked" half-way through a transaction; other processes are waited for by SQLite's busy
timeout. A writing transaction starts with `BEGIN IMMEDIATE`, taking the write lock before it reads.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import Dialect, make_url

from talent_training.db.database import Connection
from talent_training.db.errors import Busy, Unavailable, translate_sqlite
from talent_training.db.statements import Compiled

BUSY_TIMEOUT_S = 10


def database_path(url: str) -> str:
    path = make_url(url).database or ""
    if path in ("", ":memory:") or path.startswith("file:"):
        raise ValueError("talent-training needs an SQLite database file (sqlite+aiosqlite:///path.db)")
    return path


def ensure_directory(url: str) -> None:
    Path(database_path(url)).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


async def open_connection(path: str) -> aiosqlite.Connection:
    # isolation_level=None: the driver never opens transactions by itself; BEGIN is ours to send.
    connection = aiosqlite.connect(path, isolation_level=None)
    try:
        await connection
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}",
            "PRAGMA synchronous=NORMAL",
        ):
            await connection.execute(pragma)
    except BaseException as error:
        # Failed or cancelled half-way (a file that is not a database, a runner stopped at shutdown): the
        # connection and its thread are closed here, not left to the garbage collector.
        connection.stop()
        if isinstance(error, sqlite3.Error):
            raise Unavailable(f"{type(error).__name__}: {error}") from error
        raise
    return connection


class SqliteConnection:
    __slots__ = ("broken", "raw")

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw
        self.broken = False

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any) -> None:
        """The driver's errors in our words (db/errors.py)."""
        if isinstance(error, Exception):
            translated = translate_sqlite(error)
            if translated is not error:
                raise translated from error

    async def fetch_one(self, compiled: Compiled, arguments: list[Any]) -> Sequence[Any] | None:
        rows = await self.fetch_all(compiled, arguments)
        return rows[0] if rows else None

    async def fetch_all(self, compiled: Compiled, arguments: list[Any]) -> list[Sequence[Any]]:
        with self:
            # Every row is stepped through: a RETURNING write completes only then.
            return list(await self.raw.execute_fetchall(compiled.sql, arguments))

    async def execute(self, compiled: Compiled, arguments: list[Any]) -> int:
        with self:
            cursor = await self.raw.execute(compiled.sql, arguments)
            changed = cursor.rowcount
            await cursor.close()
        return max(changed, 0)

    async def run(self, sql: str) -> None:
        with self:
            await self.raw.execute(sql)

    async def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" for _ in columns)
        with self:
            # Names come from our code, never from a request.
            await self.raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)  # noqa: S608

    async def stream(
        self, compiled: Compiled, arguments: list[Any], batch: int
    ) -> AsyncIterator[list[Sequence[Any]]]:
        with self:
            # One statement: SQLite reads it from one snapshot (WAL) until its last row.
            cursor = await self.raw.execute(compiled.sql, arguments)
            try:
                while records := await cursor.fetchmany(batch):
                    yield list(records)
            finally:
                await cursor.close()


class SqlitePool:
    begin_sql = "BEGIN IMMEDIATE"
    nested = False

    def __init__(self, url: str, *, size: int, timeout: float) -> None:
        self.dialect: Dialect = aiosqlite_dialect()
        self._path = database_path(url)
        ensure_directory(url)
        self._timeout = timeout
        self._readers = asyncio.Semaphore(size)
        self._idle: list[SqliteConnection] = []
        self._writer: SqliteConnection | None = None
        self._writing = asyncio.Lock()
        self._closing: set[asyncio.Task[None]] = set()
        self.in_use = 0
        self.waiting = 0

    def spare(self) -> bool:
        return not self._readers.locked()

    async def acquire(self, *, write: bool) -> SqliteConnection:
        self.waiting += 1
        try:
            # Writers wait as long as SQLite's own busy timeout: they queue, they are not turned away.
            async with asyncio.timeout(BUSY_TIMEOUT_S if write else self._timeout):
                await (self._writing.acquire() if write else self._readers.acquire())
        except TimeoutError:
            raise Busy("no database connection free in time") from None
        finally:
            self.waiting -= 1
        try:
            if write:
                connection = self._writer or SqliteConnection(await open_connection(self._path))
                self._writer = connection
            else:
                connection = (
                    self._idle.pop() if self._idle else SqliteConnection(await open_connection(self._path))
                )
        except BaseException:
            (self._writing.release if write else self._readers.release)()
            raise
        self.in_use += 1
        return connection

    async def release(self, connection: Connection, *, write: bool) -> None:
        assert isinstance(connection, SqliteConnection)
        self.in_use -= 1
        try:
            if connection.broken:
                if write:
                    self._writer = None
                # Closed in the background: its thread may still be waiting on a lock for a statement that
                # was cancelled, and the request that gave it up must not wait for it to be answered.
                closing = asyncio.get_running_loop().create_task(connection.raw.close())
                self._closing.add(closing)
                closing.add_done_callback(self._closing.discard)
            elif not write:
                self._idle.append(connection)
        finally:
            (self._writing.release if write else self._readers.release)()

    async def close(self) -> None:
        await asyncio.gather(*self._closing, return_exceptions=True)
        connections = [*self._idle, *([self._writer] if self._writer else [])]
        self._idle, self._writer = [], None
        for connection in connections:
            await connection.raw.close()
