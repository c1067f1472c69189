"""Statements run on asyncpg directly (db/driver.py): only those it can run exactly as SQLAlchemy would."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import create_async_engine

from talent_training.accounts.tables import ApiKey
from talent_training.db.driver import compile_for_driver
from talent_training.realized_trainings.tables import RealizedTraining


@pytest.fixture
def asyncpg_dialect() -> Dialect:
    return create_async_engine("postgresql+asyncpg://nobody@127.0.0.1/nothing").dialect


def test_a_column_that_needs_converting_is_refused(asyncpg_dialect: Dialect) -> None:
    # created_at is a UTCDateTime: SQLAlchemy re-attaches the zone, asyncpg alone would not.
    with pytest.raises(TypeError, match="created_at"):
        compile_for_driver(select(ApiKey.created_at), asyncpg_dialect)


def test_rows_are_read_by_name_and_constants_are_bound(asyncpg_dialect: Dialect) -> None:
    statement = select(RealizedTraining.id, RealizedTraining.owner_id).where(
        RealizedTraining.owner_id == 7, RealizedTraining.has_attended.is_(True)
    )
    compiled = compile_for_driver(statement, asyncpg_dialect)
    assert compiled.row(1, 7).owner_id == 7
    assert compiled.arguments({}) == [7]
