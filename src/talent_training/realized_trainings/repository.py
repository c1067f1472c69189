"""Realized-training queries: one joined SELECT serves get, list and the nested `training`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from talent_training.catalog.tables import Provider, Training
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


async def get(connection: AsyncConnection, account_id: int, realized_training_id: int) -> AnyRow | None:
    return (await connection.execute(_GET, {"account_id": account_id, "id": realized_training_id})).first()


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
_INSERT = insert(RT).returning(RT.id)


async def training_for_record(
    connection: AsyncConnection, account_id: int, training_id: int
) -> AnyRow | None:
    """The training a new record points at: its state, and what the record's `training` shows of it."""
    found = await connection.execute(_TRAINING_FOR_RECORD, {"account_id": account_id, "id": training_id})
    return found.first()


async def insert_record(connection: AsyncConnection, values: dict[str, object]) -> int:
    return int((await connection.execute(_INSERT, values)).scalar_one())
