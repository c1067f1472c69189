"""Applying Alembic migrations, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from talent_training.db.database import Database, create_engine_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


# Any constant will do, as long as every talent-training process uses the same one.
MIGRATION_LOCK_ID = 0x7A1E_7700


def _upgrade(connection: Connection) -> None:
    # On SQLite the engine's BEGIN IMMEDIATE already serialises concurrent migrators.
    if connection.dialect.name == "postgresql":
        # Replicas starting together queue here; each then finds the schema at head and does nothing.
        # The lock is the transaction's, so it is released by the commit (or by a crash).
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
    command.upgrade(alembic_config(connection), "head")


async def upgrade(database_url: str) -> None:
    """Bring the schema to head; safe when many processes or replicas do it at once."""
    engine = create_engine_for(database_url, pool_size=1, max_overflow=0, begin="BEGIN IMMEDIATE")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade)
    finally:
        await engine.dispose()


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def schema_revision(database: Database) -> str | None:
    async with database.reading() as session:
        connection = await session.connection()
        return await connection.run_sync(_current)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(database_url: str) -> str | None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current)
    finally:
        await engine.dispose()
