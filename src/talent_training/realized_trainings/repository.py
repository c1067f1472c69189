"""Realized-training queries: one joined SELECT serves get, list and the nested `training`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import CTE, Date, DateTime, Integer, Subquery, and_, bindparam, insert, select, true
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import ReturningInsert

from talent_training.catalog.schemas import TrainingState
from talent_training.catalog.tables import Provider, Training
from talent_training.db.database import Database
from talent_training.db.paging import AnyRow, AnySelect, paginate
from talent_training.kit.paging import Page, PageRequest
from talent_training.realized_trainings.tables import RealizedTraining as RT


class RecordedRow(NamedTuple):
    """A just-recorded realized training, shaped like the rows of `WITH_TRAINING` (same names)."""

    id: int
    owner_id: int
    training_id: int
    session_starts_on: date
    session_ends_on: date
    duration_hundredths: int
    has_attended: bool
    training_demand_id: int | None
    session_id: int | None
    title: str
    category_id: int | None
    level: str
    website_href: str | None


@dataclass(frozen=True, slots=True)
class Filters:
    owner_ids: list[int] | None = None
    training_ids: list[int] | None = None
    has_attended: bool | None = None
    ends_before: date | None = None
    ends_after: date | None = None


# Built once: composing SQLAlchemy expressions costs more than running the query on the hot path.
WITH_TRAINING: AnySelect = (
    select(
        RT.id,
        RT.owner_id,
        RT.training_id,
        RT.session_starts_on,
        RT.session_ends_on,
        RT.duration_hundredths,
        RT.has_attended,
        RT.training_demand_id,
        RT.session_id,
        Training.title,
        Training.category_id,
        Training.level,
        Provider.website_href,
    )
    .join(Training, and_(Training.account_id == RT.account_id, Training.id == RT.training_id))
    .outerjoin(
        Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
    )
)
_GET = WITH_TRAINING.where(RT.account_id == bindparam("account_id"), RT.id == bindparam("id"))


async def get(database: Database, account_id: int, realized_training_id: int) -> Any | None:
    return await database.query_one(_GET, {"account_id": account_id, "id": realized_training_id})


async def search(
    connection: AsyncConnection, account_id: int, filters: Filters, request: PageRequest
) -> Page[AnyRow]:
    conditions = [RT.account_id == account_id]
    if filters.owner_ids:
        conditions.append(RT.owner_id.in_(filters.owner_ids))
    if filters.training_ids:
        conditions.append(RT.training_id.in_(filters.training_ids))
    if filters.has_attended is not None:
        conditions.append(RT.has_attended.is_(filters.has_attended))
    if filters.ends_before is not None:
        conditions.append(RT.session_ends_on < filters.ends_before)
    if filters.ends_after is not None:
        conditions.append(RT.session_ends_on > filters.ends_after)
    return await paginate(
        connection,
        WITH_TRAINING.where(*conditions),
        RT.id,
        request,
        lambda row: int(row.id),
        base=select(RT.id).where(*conditions),
    )


_TRAINING_FOR_RECORD = (
    select(
        Training.account_id,
        Training.id,
        Training.state,
        Training.title,
        Training.category_id,
        Training.level,
        Provider.website_href,
    )
    .outerjoin(
        Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
    )
    .where(Training.account_id == bindparam("account_id"), Training.id == bindparam("training_id"))
)
_RECORDED = (
    RT.account_id, RT.owner_id, RT.training_id, RT.session_starts_on, RT.session_ends_on,
    RT.duration_hundredths, RT.has_attended, RT.created_at,
)  # fmt: skip


def _insert_if_ready(training: Subquery | CTE) -> ReturningInsert[int]:
    """The new record, inserted from a row of _TRAINING_FOR_RECORD only if that training is Ready."""
    return (
        insert(RT)
        .from_select(
            _RECORDED,
            select(
                training.c.account_id,
                bindparam("owner_id", type_=Integer),
                training.c.id,
                bindparam("session_starts_on", type_=Date),
                bindparam("session_ends_on", type_=Date),
                bindparam("duration_hundredths", type_=Integer),
                true(),  # hasAttended: a recorded training was attended (docs/decisions.md)
                bindparam("created_at", type_=DateTime(timezone=True)),
            ).where(training.c.state == TrainingState.READY.value),
        )
        .returning(RT.id)
    )


# On PostgreSQL one statement reads the training and inserts from that same snapshot: a round trip is
# most of a POST's cost (docs/benchmarks.md).
_training = _TRAINING_FOR_RECORD.cte("training")
_inserted = _insert_if_ready(_training).cte("inserted")
_RECORD_IN_ONE = select(
    _training.c.state,
    _training.c.title,
    _training.c.category_id,
    _training.c.level,
    _training.c.website_href,
    _inserted.c.id.label("new_id"),
).select_from(_training.outerjoin(_inserted, true()))
# SQLite has no INSERT inside WITH: the same two steps run in one transaction.
_INSERT_IF_READY = _insert_if_ready(_TRAINING_FOR_RECORD.subquery("training"))


async def record(database: Database, values: dict[str, object]) -> tuple[Any | None, int | None]:
    """(the training the new record points at, the new record's id): (None, None) when there is no such
    training, (training, None) when it is not Ready. Atomic, and one round trip on PostgreSQL."""
    if not database.is_sqlite:
        row = await database.execute_one(_RECORD_IN_ONE, values)
        return (None, None) if row is None else (row, row.new_id)
    async with database.write_transaction() as connection:
        training = (await connection.execute(_TRAINING_FOR_RECORD, values)).first()
        if training is None or training.state != TrainingState.READY:
            return training, None
        return training, (await connection.execute(_INSERT_IF_READY, values)).scalar_one()
