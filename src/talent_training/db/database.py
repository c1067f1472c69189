"""One `Database` per process: engines and sessions for a SQLAlchemy URL.

Reads and writes get separate session factories. On SQLite, writes take the write lock up front
(`BEGIN IMMEDIATE`) through a single pooled connection, so concurrent writers queue instead of failing
with "database is locked" half-way through a transaction; reads run in parallel thanks to WAL.
On PostgreSQL reads and writes share one SQLAlchemy pool, and the hottest statements run on asyncpg from a
second pool (`query_one` / `execute_one`, db/driver.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.base import Executable

from talent_training.db.driver import PostgresDriver
from talent_training.db.errors import mark_dead_connections

SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_directory(url: str | URL) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine, begin: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def create_engine_for(
    url: str, *, pool_size: int, max_overflow: int, timeout: float = 5, begin: str = "BEGIN"
) -> AsyncEngine:
    if is_sqlite(url):
        ensure_sqlite_directory(url)
        engine = create_async_engine(
            url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=timeout
        )
        _configure_sqlite(engine, begin)
        return engine
    # No pre-ping (a round trip on every checkout): a connection that died with a database restart fails
    # its request with a 503, which makes SQLAlchemy discard every pooled connection (mark_dead_connections),
    # and the next request connects afresh. The timeouts turn an unreachable server into a prompt 503.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=timeout,
        connect_args={"timeout": timeout},
    )
    event.listen(engine.sync_engine, "handle_error", mark_dead_connections)
    return engine


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 10, timeout: float = 5) -> None:
        self.url = url
        self.is_sqlite = is_sqlite(url)
        self._read_engine = create_engine_for(
            url, pool_size=pool_size, max_overflow=max_overflow, timeout=timeout
        )
        if self.is_sqlite:
            # Writers queue for the one write connection: allow them the SQLite busy timeout, not the pool's.
            self._write_engine = create_engine_for(
                url,
                pool_size=1,
                max_overflow=0,
                timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                begin="BEGIN IMMEDIATE",
            )
        else:
            self._write_engine = self._read_engine
            # Reads need no transaction on PostgreSQL: each statement sees a consistent snapshot, and
            # skipping BEGIN/COMMIT saves two round trips per request (they share the write pool).
            self._read_engine = self._write_engine.execution_options(isolation_level="AUTOCOMMIT")
        self._driver = (
            None
            if self.is_sqlite
            else PostgresDriver(
                self._write_engine.url, self._write_engine.dialect, pool_size=pool_size, timeout=timeout
            )
        )
        self._read_sessions = async_sessionmaker(self._read_engine, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(self._write_engine, expire_on_commit=False)
        self.cache: dict[str, Any] = {}

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._read_sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back entirely when it raises."""
        async with self._write_sessions() as session, session.begin():
            yield session

    # Core-only work (no ORM objects) runs on a plain connection: the ORM session's bookkeeping costs more
    # than the query itself on the hottest paths (key check, realized trainings).
    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        async with self._read_engine.connect() as connection:
            if self.is_sqlite:  # one snapshot for the request's statements (PostgreSQL reads autocommit)
                async with connection.begin():
                    yield connection
            else:
                yield connection

    @asynccontextmanager
    async def write_transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back entirely when it raises."""
        async with self._write_engine.begin() as connection:
            yield connection

    # The hottest statements (key check, GET by id, recording a realized training) skip SQLAlchemy's
    # execution layer on PostgreSQL: see db/driver.py. Each is one statement, so it needs no transaction.
    async def query_one(self, statement: Executable, params: Mapping[str, Any]) -> Any | None:
        """The first row of a read statement built once at import, or None."""
        if self._driver is not None:
            return await self._driver.fetch_one(statement, params)
        async with self.read_connection() as connection:
            return (await connection.execute(statement, params)).first()

    async def execute_one(self, statement: Executable, params: Mapping[str, Any]) -> Any | None:
        """A write in one statement, atomic on its own, and the first row it returns, or None."""
        if self._driver is not None:
            return await self._driver.fetch_one(statement, params)
        async with self.write_transaction() as connection:
            return (await connection.execute(statement, params)).first()

    async def connections_lost(self) -> None:
        """A connection was found dead: the server restarted or killed it, and every pooled connection of
        both pools is suspect. Each is replaced before its next use: one request pays, not one per pool.
        Connections in use finish what they are doing first."""
        if self._driver is not None:
            await self._driver.expire()
            # What SQLAlchemy does itself on a disconnect (Pool._invalidate): connections made before now are
            # replaced at their next checkout. No public call does it without abandoning those in use.
            self._write_engine.pool._invalidate(None)  # type: ignore[arg-type]

    async def dispose(self) -> None:
        if self._driver is not None:
            await self._driver.close()
        await self._write_engine.dispose()
        if self.is_sqlite:
            await self._read_engine.dispose()
