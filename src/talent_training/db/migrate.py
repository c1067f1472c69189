"""Applying Alembic migrations, on SQLite and PostgreSQL alike.

Migrations are the one place that uses SQLAlchemy's own engine (Alembic needs it); it is opened for the
migration and closed after, so a serving process never holds it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, column, event, select, table
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from talent_training.db.database import Tx, is_sqlite
from talent_training.db.sqlite import BUSY_TIMEOUT_S, ensure_directory
from talent_training.db.statements import Query

# The migrations sit beside every table's definition, above the resources (talent_training/schema.py).
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Any constant will do, as long as every talent-training process uses the same one.
MIGRATION_LOCK_ID = 0x7A1E_7700


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migration_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url, poolclass=NullPool)
    if is_sqlite(url):
        ensure_directory(url)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # BEGIN is ours to send (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            # Concurrent migrators queue for the write lock; each then finds the schema at head.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Replicas starting together queue here; each then finds the schema at head and does nothing.
        # The lock is the transaction's, so it is released by the commit (or by a crash).
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
    command.upgrade(alembic_config(connection), "head")


async def upgrade(database_url: str) -> None:
    """Bring the schema to head; safe when many processes or replicas do it at once."""
    engine = migration_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
    finally:
        await engine.dispose()


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


_SCHEMA_REVISION = Query(select(column("version_num")).select_from(table("alembic_version")))


async def schema_revision(tx: Tx) -> str | None:
    revision: str | None = await tx.value(_SCHEMA_REVISION)
    return revision


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(database_url: str) -> str | None:
    engine = migration_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current)
    finally:
        await engine.dispose()
