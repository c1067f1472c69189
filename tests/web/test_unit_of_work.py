"""The request's unit of work: blocks of one request join one transaction, and it is all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import bindparam, insert, select

from talent_training.accounts.tables import Account
from talent_training.app import TalentTraining
from talent_training.db.base import UTCDateTime, utcnow
from talent_training.db.statements import Query
from talent_training.web.request import RequestBlock

_NEW_ACCOUNT = Query(
    insert(Account)
    .values(name=bindparam("name"), created_at=bindparam("now", type_=UTCDateTime))
    .returning(Account.id)
)
_ACCOUNT = Query(select(Account.id).where(Account.name == bindparam("name")))


async def exists(app: TalentTraining, name: str) -> bool:
    async with app.database.read() as tx:
        return await tx.one(_ACCOUNT, {"name": name}) is not None


async def test_an_endpoints_write_joins_an_outer_writer_and_is_undone_with_it(
    committed_app: TalentTraining,
) -> None:
    """An endpoint's write, inside a step that writes after it (an idempotency record), commits or rolls
    back with the step's write: it does not run on its own."""
    scope: dict[str, Any] = {}
    database = committed_app.database
    with pytest.raises(ZeroDivisionError):
        async with RequestBlock(scope, database, write=True) as outer:  # the step
            async with RequestBlock(scope, database, write=True) as inner:  # the endpoint joins
                assert inner is outer
                await inner.one(_NEW_ACCOUNT, {"name": "endpoint's", "now": utcnow()})
            await outer.one(_NEW_ACCOUNT, {"name": "step's", "now": utcnow()})
            1 / 0  # noqa: B018 -- the step fails after both writes
    assert not await exists(committed_app, "endpoint's")
    assert not await exists(committed_app, "step's")


async def test_a_read_inside_the_request_transaction_sees_what_it_wrote(
    committed_app: TalentTraining,
) -> None:
    scope: dict[str, Any] = {}
    database = committed_app.database
    async with RequestBlock(scope, database, write=True) as tx:
        await tx.one(_NEW_ACCOUNT, {"name": "uncommitted", "now": utcnow()})
        async with RequestBlock(scope, database, write=False) as reading:
            assert reading is tx
            assert await reading.one(_ACCOUNT, {"name": "uncommitted"}) is not None
    assert await exists(committed_app, "uncommitted")


async def test_a_savepoint_needs_a_transaction(app: TalentTraining) -> None:
    async with app.database.read() as tx:
        with pytest.raises(RuntimeError, match="part of a transaction"):
            async with tx.savepoint():
                pass
