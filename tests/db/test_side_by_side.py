"""Reads side by side (`Tx.at_once`) and settings for one read (`Tx.tuned`), on a real pool of each database:
what the reports rely on to read a year in two statements at once, each planned and given memory as it needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Integer, String, column, text

from talent_training.db.database import Database, Tx
from talent_training.db.statements import Query


def _raw(sql: str, **columns: Any) -> Query:
    return Query(text(sql).columns(*(column(name, kind) for name, kind in columns.items())))  # type: ignore[arg-type]


ONE = _raw("SELECT 1 AS n", n=Integer)
TWO = _raw("SELECT 2 AS n", n=Integer)
WORK_MEM = _raw("SELECT current_setting('work_mem') AS value", value=String)
SLEEP = _raw("SELECT 1 AS n FROM (SELECT pg_sleep(30)) AS slept", n=Integer)


@pytest.fixture
async def database(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    size = getattr(request, "param", 4)
    opened = Database.connect(database_url, pool_size=size)
    yield opened
    await opened.dispose()


def _postgres(database: Database) -> bool:
    return database.dialect.name == "postgresql"


async def test_reads_run_side_by_side_each_on_a_connection_of_its_own(database: Database) -> None:
    first, second = asyncio.Event(), asyncio.Event()
    seen: list[int] = []

    async def meeting(tx: Tx, here: asyncio.Event, there: asyncio.Event, query: Query) -> int:
        """A read that holds its connection until the other one holds its own: it can only end if both run
        at once (one after the other, it would wait forever, and the test's own limit fails it)."""
        await tx.value(ONE)
        here.set()
        await there.wait()
        seen.append(database.pool.in_use)
        value: int = await tx.value(query)
        return value

    async with database.read() as tx:
        found = await asyncio.wait_for(
            tx.at_once(
                lambda tx: meeting(tx, first, second, ONE),
                lambda tx: meeting(tx, second, first, TWO),
            ),
            timeout=10,
        )

    assert found == [1, 2]  # in the order asked, whichever ended first
    assert seen == [2, 2]
    assert database.pool.in_use == 0  # the side connection went back


async def _two_reads(database: Database, tx: Tx) -> tuple[list[int], list[int]]:
    """ONE and TWO read through `at_once`; what they found, and the connections in use as each ended."""
    seen: list[int] = []

    async def read(tx: Tx, query: Query) -> int:
        value: int = await tx.value(query)
        seen.append(database.pool.in_use)
        return value

    found = await asyncio.wait_for(tx.at_once(lambda tx: read(tx, ONE), lambda tx: read(tx, TWO)), timeout=10)
    return found, seen


@pytest.mark.parametrize("database", [1], indirect=True)
async def test_without_a_connection_to_spare_they_run_one_after_the_other(database: Database) -> None:
    async with database.read() as tx:
        found, seen = await _two_reads(database, tx)

    assert found == [1, 2]
    assert seen == [1, 1]  # never waiting for a second connection while holding the first


async def test_in_a_transaction_they_run_one_after_the_other_in_it(database: Database) -> None:
    async with database.transaction() as tx:
        found, seen = await _two_reads(database, tx)

    assert found == [1, 2]
    assert seen == [1, 1]  # on the transaction's connection: what it wrote, they see


async def test_a_read_that_fails_ends_the_others_and_gives_back_their_connections(database: Database) -> None:
    # Its error comes out as it is, as one after the other would raise it (not in a group): a database that
    # is busy or down is a 503 whichever read found it.
    started = asyncio.Event()
    ended: list[str] = []

    async def waits(tx: Tx) -> int:
        await tx.value(ONE)
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            ended.append("cancelled")
        return 1

    async def fails(tx: Tx) -> int:
        await started.wait()
        raise LookupError("no such thing") from KeyError("why")

    async with database.read() as tx:
        with pytest.raises(LookupError, match="no such thing") as failed:
            await asyncio.wait_for(tx.at_once(waits, fails), timeout=10)

    assert isinstance(failed.value.__cause__, KeyError)  # cause and all
    assert ended == ["cancelled"]
    assert database.pool.in_use == 0


# In a read block (whose statements otherwise stand alone), and in a transaction, where they go back to the
# defaults when the block ends; on one connection (a pool of one): set, then undone.
@pytest.mark.parametrize("database", [1], indirect=True)
@pytest.mark.parametrize("block", ["read", "transaction"])
async def test_settings_hold_for_the_block_alone(database: Database, block: str) -> None:
    query = WORK_MEM if _postgres(database) else ONE
    async with database.read() if block == "read" else database.transaction() as tx:
        before = await tx.value(query)
        async with tx.tuned({"work_mem": "32MB"}):
            inside = await tx.value(query)
        after = await tx.value(query)

    if _postgres(database):
        assert before != "32MB"
        assert (inside, after) == ("32MB", before)
    else:
        assert (inside, after) == (1, 1)  # SQLite has no such settings: the statements run as they are


@pytest.mark.parametrize("database", [1], indirect=True)
async def test_settings_are_undone_when_a_read_is_cancelled(database: Database) -> None:
    if not _postgres(database):
        async with database.read() as tx, tx.tuned({"work_mem": "32MB"}):
            assert await tx.value(ONE) == 1
        return

    async def tuned_and_sleeping() -> None:
        async with database.read() as tx, tx.tuned({"work_mem": "32MB"}):
            await tx.value(SLEEP)

    async with database.read() as tx:
        before = await tx.value(WORK_MEM)
    sleeping = asyncio.create_task(tuned_and_sleeping())
    await asyncio.sleep(0.5)  # the statement is running (a request's time limit ends it thus)
    sleeping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sleeping

    async with database.read() as tx:  # the same connection, the pool's only one
        assert await tx.value(WORK_MEM) == before
