"""Many rows in (`Tx.copy`) and out (`Tx.stream`), on both databases: what imports and exports stand on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import bindparam, func, select

from talent_training.app import TalentTraining
from talent_training.catalog.tables import Provider
from talent_training.db.base import utcnow
from talent_training.db.statements import Query

_PROVIDERS = Query(
    select(Provider.id, Provider.name)
    .where(Provider.account_id == bindparam("account_id"))
    .order_by(Provider.id)
)
_COUNT = Query(
    select(func.count()).select_from(Provider).where(Provider.account_id == bindparam("account_id"))
)
COLUMNS = ("account_id", "name", "website_href", "created_at")


def providers(count: int, prefix: str = "Provider") -> Iterator[tuple[object, ...]]:
    now = utcnow()
    for n in range(count):
        yield (1, f"{prefix} {n:05}", None, now)


async def test_copied_rows_are_part_of_the_transaction(committed_app: TalentTraining) -> None:
    database = committed_app.database
    async with database.transaction() as tx:
        await tx.copy(Provider.__table__, COLUMNS, providers(2500))
        assert await tx.value(_COUNT, {"account_id": 1}) == 2500  # seen by the transaction's own statements

    with pytest.raises(RuntimeError, match="undone"):
        async with database.transaction() as tx:
            await tx.copy(Provider.__table__, COLUMNS, providers(10, "Undone"))
            raise RuntimeError("undone")

    async with database.read() as tx:
        assert await tx.value(_COUNT, {"account_id": 1}) == 2500


async def test_a_stream_yields_every_row_in_batches_of_the_size_asked(committed_app: TalentTraining) -> None:
    database = committed_app.database
    async with database.transaction() as tx:
        await tx.copy(Provider.__table__, COLUMNS, providers(2500))

    async with database.read() as tx:
        batches = [batch async for batch in tx.stream(_PROVIDERS, {"account_id": 1}, batch=1000)]

    assert [len(batch) for batch in batches] == [1000, 1000, 500]
    names = [row.name for batch in batches for row in batch]
    assert names == [f"Provider {n:05}" for n in range(2500)]


async def test_a_stream_reads_one_snapshot_while_others_write(committed_app: TalentTraining) -> None:
    database = committed_app.database
    async with database.transaction() as tx:
        await tx.copy(Provider.__table__, COLUMNS, providers(300))

    seen = 0
    async with database.read() as tx:
        async for batch in tx.stream(_PROVIDERS, {"account_id": 1}, batch=100):
            seen += len(batch)
            if seen == 100:  # written after the stream began: not part of what it reads
                async with database.transaction() as other:
                    await other.copy(Provider.__table__, COLUMNS, [(1, "Late", None, utcnow())])

    assert seen == 300
    async with database.read() as tx:
        assert await tx.value(_COUNT, {"account_id": 1}) == 301


async def test_copy_is_refused_outside_a_transaction(committed_app: TalentTraining) -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        async with committed_app.database.read() as tx:
            await tx.copy(Provider.__table__, COLUMNS, [])


async def test_copied_values_read_back_as_a_statement_would_have_stored_them(
    committed_app: TalentTraining,
) -> None:
    """SQLite keeps datetimes as text, in SQLAlchemy's format: a copied one must compare and read back like
    one an INSERT wrote, or `since` filters and ordering on it go wrong."""
    database = committed_app.database
    written = utcnow().replace(microsecond=123456)
    _CREATED = Query(
        select(Provider.created_at).where(
            Provider.account_id == bindparam("account_id"), Provider.created_at == bindparam("at")
        )
    )
    async with database.transaction() as tx:
        await tx.copy(Provider.__table__, COLUMNS, [(1, "Copied", None, written)])

    async with database.read() as tx:
        assert await tx.value(_CREATED, {"account_id": 1, "at": written}) == written
