"""Fresh databases for tests: a migrated template per run, one cheap copy per test.

SQLite copies the template file. PostgreSQL clones a template database (`CREATE DATABASE ... TEMPLATE`),
under random names so that parallel runs on one server do not meet, and drops it after the test.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import anyio
import asyncpg
from sqlalchemy.engine import make_url

from talent_training.db.migrate import upgrade


class SQLiteDatabases:
    name = "sqlite"

    def __init__(self, workdir: Path) -> None:
        self.template = workdir / "template.db"
        anyio.run(upgrade, self.url(self.template))

    @staticmethod
    def url(path: Path) -> str:
        return f"sqlite+aiosqlite:///{path}"

    def create(self, directory: Path) -> str:
        path = directory / "talent-training.db"
        shutil.copyfile(self.template, path)
        return self.url(path)

    def create_empty(self, directory: Path) -> str:
        return self.url(directory / "empty.db")

    def drop(self, url: str) -> None:
        """The file goes with the test's temporary directory."""

    def close(self) -> None:
        """The template goes with the session's temporary directory."""


class PostgresDatabases:
    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self.server = make_url(server_url).set(drivername="postgresql+asyncpg")
        self.template = f"tt_template_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{self.template}"')
        anyio.run(upgrade, self.url(self.template))

    def url(self, database: str) -> str:
        return self.server.set(database=database).render_as_string(hide_password=False)

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
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
