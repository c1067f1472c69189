"""Realized-training queries: one joined SELECT serves get, list and the nested `training`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Date, DateTime, Integer, and_, bindparam, insert, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

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
    select(Training.state, Training.title, Training.category_id, Training.level, Provider.website_href)
    .outerjoin(
        Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
    )
    .where(Training.account_id == bindparam("account_id"), Training.id == bindparam("id"))
)
_RECORDED = (
    RT.account_id, RT.owner_id, RT.training_id, RT.session_starts_on, RT.session_ends_on,
    RT.duration_hundredths, RT.has_attended, RT.created_at,
)  # fmt: skip
_INSERT_IF_READY = (
    insert(RT)
    .from_select(
        _RECORDED,
        select(
            Training.account_id,
            bindparam("owner_id", type_=Integer),
            Training.id,
            bindparam("session_starts_on", type_=Date),
            bindparam("session_ends_on", type_=Date),
            bindparam("duration_hundredths", type_=Integer),
            true(),  # hasAttended: a recorded training was attended (docs/decisions.md)
            bindparam("created_at", type_=DateTime(timezone=True)),
        ).where(
            Training.account_id == bindparam("account_id"),
            Training.id == bindparam("training_id"),
            Training.state == TrainingState.READY.value,
        ),
    )
    .returning(RT.id)
)


async def training_for_record(database: Database, account_id: int, training_id: int) -> Any | None:
    """The training a new record points at: its state, and what the record's `training` shows of it."""
    return await database.query_one(_TRAINING_FOR_RECORD, {"account_id": account_id, "id": training_id})


async def insert_if_ready(database: Database, values: dict[str, object]) -> int | None:
    """The new record's id; None if its training is not Ready at that very moment. One statement: a training
    archived meanwhile cannot gain a record, and no transaction is needed around it."""
    inserted = await database.execute_one(_INSERT_IF_READY, values)
    return None if inserted is None else int(inserted.id)
