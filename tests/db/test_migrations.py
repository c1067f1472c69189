"""The migrations build exactly the schema the code describes, with the account leading every key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from talent_training.db.migrate import current_revision, head_revision
from talent_training.schema import metadata
from tests.databases import PostgresDatabases, SQLiteDatabases

# api_keys are found by their prefix before any account is known; service_secrets belong to no account.
ACCOUNT_SCOPED = ("providers", "categories", "trainings", "realized_trainings")


async def inspect(database_url: str, work: Any) -> Any:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    differences = await inspect(
        database_url, lambda conn: compare_metadata(MigrationContext.configure(conn), metadata)
    )
    assert differences == []


async def test_account_id_leads_every_index_and_unique_constraint(database_url: str) -> None:
    def keys(connection: sa.Connection) -> list[tuple[str, list[str]]]:
        inspector = sa.inspect(connection)
        found = []
        for table in ACCOUNT_SCOPED:
            found += [(ix["name"], ix["column_names"]) for ix in inspector.get_indexes(table)]
            found += [(uq["name"], uq["column_names"]) for uq in inspector.get_unique_constraints(table)]
        return found

    found = await inspect(database_url, keys)
    assert len(found) >= 10
    for name, columns in found:
        assert columns[0] == "account_id", name


async def test_a_fresh_database_has_the_default_account(database_url: str) -> None:
    names = await inspect(
        database_url, lambda conn: conn.execute(sa.text("SELECT name FROM accounts")).scalars().all()
    )
    assert names == ["default"]


def test_many_processes_migrating_at_once_all_succeed(
    databases: SQLiteDatabases | PostgresDatabases, tmp_path: Path
) -> None:
    url = databases.create_empty(tmp_path)
    env = {**os.environ, "TALENT_TRAINING_DATABASE_URL": url}
    executable = str(Path(sys.executable).parent / "talent-training")
    try:
        migrators = [
            subprocess.Popen(
                [executable, "migrate"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            for _ in range(6)
        ]
        errors = [process.communicate(timeout=120)[1] for process in migrators]

        assert [process.returncode for process in migrators] == [0] * 6, errors
        assert anyio.run(current_revision, url) == head_revision()
        names = anyio.run(
            inspect, url, lambda conn: conn.execute(sa.text("SELECT name FROM accounts")).scalars().all()
        )
        assert names == ["default"]
    finally:
        databases.drop(url)
