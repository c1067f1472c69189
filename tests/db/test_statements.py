"""Statements compiled once per dialect, and units of work, on both databases."""

from __future__ import annotations

import gc
import itertools
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, insert, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect

from talent_training.accounts.tables import Account
from talent_training.app import TalentTraining
from talent_training.catalog import repository as catalog
from talent_training.catalog.schemas import TrainingState
from talent_training.catalog.tables import Provider
from talent_training.db.base import UTCDateTime, utcnow
from talent_training.db.errors import UniqueViolation
from talent_training.db.paging import Paged
from talent_training.db.statements import Query
from talent_training.kit.paging import Sort
from talent_training.realized_trainings import repository as realized
from talent_training.reports import repository as reports

DIALECTS = [asyncpg_dialect(), aiosqlite_dialect()]

_NEW_ACCOUNT = Query(
    insert(Account)
    .values(name=bindparam("name"), created_at=bindparam("now", type_=UTCDateTime))
    .returning(Account.id)
)
_ACCOUNT = Query(
    select(Account.id, Account.name, Account.created_at).where(Account.name == bindparam("name"))
)


def every_statement() -> list[Query]:
    """Every statement of the code base: module constants, and each shape of every cached list builder."""
    for shape in itertools.product([False, True], repeat=5):
        for team in (0, 1, 2):  # a manager's team: none, its ids, joined
            realized._search(*shape, team)
    for shape in itertools.product([False, True], repeat=4):
        for team, sort in itertools.product((0, 1, 2), (Sort(), Sort("sessionEndOn", True))):
            realized._v1_list(*shape, team, sort)
    states = [
        (),
        (TrainingState.READY,),
        (TrainingState.ARCHIVED,),
        (TrainingState.READY, TrainingState.ARCHIVED),
    ]
    for shape in itertools.product([False, True], repeat=4):
        for chosen in states:
            catalog._trainings(*shape, chosen)
    for team in (False, True):
        reports._sums(team)
        reports._grouping_sums(team)
        reports._staff(team)
    queries = [o for o in gc.get_objects() if isinstance(o, Query)]
    for paged in (o for o in gc.get_objects() if isinstance(o, Paged)):
        queries += [paged.first, paged.after, paged.before, paged.count, paged.any_before, paged.any_after]
    return queries


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_every_statement_compiles_to_one_text_per_dialect(dialect: Any) -> None:
    queries = every_statement()
    assert len(queries) > 100
    for query in queries:
        compiled = query.compiled(dialect)
        assert "POSTCOMPILE" not in compiled.sql
        assert query.compiled(dialect) is compiled  # once


def test_what_the_drivers_could_not_run_faithfully_is_refused() -> None:
    expanding = Query(select(Provider.id).where(Provider.id.in_(bindparam("ids", expanding=True))))
    with_default = Table(
        "t", MetaData(), Column("id", Integer, primary_key=True), Column("at", Integer, default=1)
    )
    defaulted = Query(insert(with_default).values(id=bindparam("id")).returning(with_default.c.id))
    same_names = Query(select(Provider.id, Account.id))
    for query, message in (
        (expanding, "expanding"),
        (defaulted, "NULL by default"),
        (same_names, "distinct"),
    ):
        for dialect in DIALECTS:
            with pytest.raises(TypeError, match=message):
                query.compiled(dialect)


async def test_a_transaction_is_all_or_nothing(app: TalentTraining) -> None:
    with pytest.raises(ZeroDivisionError):
        async with app.database.transaction() as tx:
            await tx.one(_NEW_ACCOUNT, {"name": "kept?", "now": utcnow()})
            1 / 0  # noqa: B018
    async with app.database.read() as tx:
        assert await tx.one(_ACCOUNT, {"name": "kept?"}) is None


async def test_a_savepoint_undoes_its_part_only(app: TalentTraining) -> None:
    async with app.database.transaction() as tx:
        await tx.one(_NEW_ACCOUNT, {"name": "kept", "now": utcnow()})
        with pytest.raises(UniqueViolation):
            async with tx.savepoint():
                await tx.one(_NEW_ACCOUNT, {"name": "kept", "now": utcnow()})
        await tx.one(_NEW_ACCOUNT, {"name": "also kept", "now": utcnow()})
    async with app.database.read() as tx:
        assert (await tx.one(_ACCOUNT, {"name": "kept"})) is not None
        assert (await tx.one(_ACCOUNT, {"name": "also kept"})).created_at.tzinfo is not None


_IDS = Query(select(bindparam("n", type_=Integer).label("n")))


async def test_a_read_takes_no_connection_until_its_first_statement(committed_app: TalentTraining) -> None:
    pool: Any = committed_app.database.pool
    async with committed_app.database.read():
        assert pool.in_use == 0
    async with committed_app.database.read() as tx:
        assert await tx.value(_IDS, {"n": 7}) == 7
        assert pool.in_use == 1
    assert pool.in_use == 0


def test_result_columns_the_rows_could_not_carry_are_refused() -> None:
    from sqlalchemy import Numeric, cast, literal

    keyword = Query(select(Provider.id.label("class")))
    private = Query(select(Provider.id.label("_hidden")))
    numeric = Query(select(cast(literal(1), Numeric(10, 2)).label("amount")))
    for query, message in ((keyword, "plain name"), (private, "plain name"), (numeric, "reads as is")):
        with pytest.raises(TypeError, match=message):
            query.compiled(asyncpg_dialect())
