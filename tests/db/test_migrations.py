"""The migrations build exactly the schema the code describes, with the account leading every key."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from talent_training.db.models import metadata

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
