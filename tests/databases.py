"""The databases the tests run on: one migrated database per test worker, and a way to use it that leaves
nothing behind.

Most tests talk to an application whose every statement runs on one connection, inside a transaction the
test rolls back at its end (`BoundPool`): no database to create per test, and tests in parallel workers
(pytest-xdist) never meet. Tests that need what only committed data shows (other connections or processes,
concurrency, the CLI, a real server, migrations) get a fresh copy of the migrated template instead
(`create`): a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL, under random names.
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path
from typing import Any

import anyio
import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect
from sqlalchemy.engine import Dialect, make_url

from talent_training.db.database import Connection
from talent_training.db.migrate import upgrade
from talent_training.db.postgres import PostgresConnection, codecs, connect_arguments
from talent_training.db.sqlite import SqliteConnection, open_connection


class BoundPool:
    """Every statement of an application on one connection, inside a transaction that `rollback` undoes.

    Each block of the application is a savepoint in it. Blocks of concurrent requests take turns (a request
    may nest its own blocks), so concurrent requests in such a test are serialised: tests of real
    concurrency use a committed database."""

    nested = True
    begin_sql = "SAVEPOINT"  # unused: nested pools begin every block with a savepoint of its own
    waiting = 0

    def __init__(self, connection: PostgresConnection | SqliteConnection, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect
        self._turn = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None
        self._depth = 0

    @property
    def in_use(self) -> int:
        return 1 if self._depth else 0

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    def spare(self) -> bool:
        return False  # one connection, shared by every block

    async def acquire(self, *, write: bool) -> Connection:
        task = asyncio.current_task()
        if self._holder is not task:
            await self._turn.acquire()
            self._holder = task
        self._depth += 1
        return self._connection

    async def release(self, connection: Connection, *, write: bool) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._holder = None
            self._turn.release()

    async def close(self) -> None:
        """The application is done with it; `rollback` ends it."""

    async def mark(self) -> None:
        """Remember the data as it is now; `reset` goes back to it (e.g. between fuzzing scenarios)."""
        await self._run("SAVEPOINT test_mark")

    async def reset(self) -> None:
        await self._run("ROLLBACK TO SAVEPOINT test_mark")
        await self._run("RELEASE SAVEPOINT test_mark")

    async def _run(self, sql: str) -> None:
        connection = await self.acquire(write=True)
        try:
            await self._connection.run(sql)
        finally:
            await self.release(connection, write=True)

    async def rollback(self) -> None:
        await self._connection.run("ROLLBACK")
        await self._connection.raw.close()


class SQLiteDatabases:
    name = "sqlite"

    def __init__(self, workdir: Path) -> None:
        self.template = workdir / "template.db"
        self.work = workdir / "work.db"
        anyio.run(upgrade, self.url(self.template))
        shutil.copyfile(self.template, self.work)

    @staticmethod
    def url(path: Path) -> str:
        return f"sqlite+aiosqlite:///{path}"

    @property
    def work_url(self) -> str:
        return self.url(self.work)

    async def bound_pool(self) -> BoundPool:
        connection = await open_connection(str(self.work))
        await connection.execute("BEGIN")
        return BoundPool(SqliteConnection(connection), aiosqlite_dialect())

    def create(self, directory: Path) -> str:
        path = directory / "talent-training.db"
        shutil.copyfile(self.template, path)
        return self.url(path)

    def create_empty(self, directory: Path) -> str:
        return self.url(directory / "empty.db")

    def drop(self, url: str) -> None:
        """The file goes with the test's temporary directory."""

    def close(self) -> None:
        """The files go with the session's temporary directory."""


class PostgresDatabases:
    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self.server = make_url(server_url).set(drivername="postgresql+asyncpg")
        suffix = uuid.uuid4().hex[:12]
        self.template = f"tt_template_{suffix}"
        self.work = f"tt_work_{suffix}"
        self._admin(f'CREATE DATABASE "{self.template}"')
        anyio.run(upgrade, self.url(self.template))
        self._admin(f'CREATE DATABASE "{self.work}" TEMPLATE "{self.template}"')

    def url(self, database: str) -> str:
        return self.server.set(database=database).render_as_string(hide_password=False)

    @property
    def work_url(self) -> str:
        return self.url(self.work)

    def _admin(self, *statements: str) -> None:
        dsn = self.server.set(drivername="postgresql").render_as_string(hide_password=False)

        async def run() -> None:
            connection = await asyncpg.connect(dsn)
            try:
                for statement in statements:
                    await connection.execute(statement)
            finally:
                await connection.close()

        anyio.run(run)

    async def bound_pool(self) -> BoundPool:
        connection = await asyncpg.connect(**connect_arguments(self.work_url, timeout=10))
        await codecs(connection)
        await connection.execute("BEGIN")
        return BoundPool(PostgresConnection(connection), asyncpg_dialect())

    def create(self, directory: Path) -> str:
        database = f"tt_test_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{database}" TEMPLATE "{self.template}"')
        return self.url(database)

    def create_empty(self, directory: Path) -> str:
        database = f"tt_test_{uuid.uuid4().hex[:16]}"
        self._admin(f'CREATE DATABASE "{database}"')
        return self.url(database)

    def drop(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.work}" WITH (FORCE)',
            f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
        )
