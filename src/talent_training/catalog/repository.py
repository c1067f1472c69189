"""Catalog queries. Every query is scoped by account here, so isolation is structural."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.paging import AnyRow, AnySelect, paginate
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.text import fold, like_contains

# Providers and categories are both named entries of an account's catalog, read the same way.
Entry = TypeVar("Entry", Provider, Category)


async def get_entry(
    session: AsyncSession, model: type[Entry], account_id: int, entry_id: int
) -> Entry | None:
    found = await session.execute(select(model).where(model.account_id == account_id, model.id == entry_id))
    return found.scalar_one_or_none()


async def list_entries(
    session: AsyncSession, model: type[Entry], account_id: int, request: PageRequest
) -> Page[AnyRow]:
    query = select(model).where(model.account_id == account_id)
    return await paginate(session, query, model.id, request, lambda row: int(row[0].id))


def _trainings(account_id: int) -> AnySelect:
    """Trainings with their provider and category, in one query."""
    return (
        select(Training, Provider, Category)
        .outerjoin(
            Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
        )
        .outerjoin(
            Category, and_(Category.account_id == Training.account_id, Category.id == Training.category_id)
        )
        .where(Training.account_id == account_id)
    )


async def get_training(session: AsyncSession, account_id: int, training_id: int) -> AnyRow | None:
    found = await session.execute(_trainings(account_id).where(Training.id == training_id))
    return found.first()


async def lock_training(session: AsyncSession, account_id: int, training_id: int) -> Training | None:
    """The training, locked until the transaction ends, so that concurrent updates apply one after the
    other (`search_text` is derived from the whole row). SQLite's writes are serialised already."""
    found = await session.execute(
        select(Training)
        .where(Training.account_id == account_id, Training.id == training_id)
        .with_for_update()
    )
    return found.scalar_one_or_none()


async def list_trainings(
    session: AsyncSession,
    account_id: int,
    request: PageRequest,
    *,
    search: str | None = None,
    provider_ids: list[int] | None = None,
    category_ids: list[int] | None = None,
    ids: list[int] | None = None,
) -> Page[AnyRow]:
    query = _trainings(account_id)
    if search:
        query = query.where(Training.search_text.like(like_contains(fold(search)), escape="\\"))
    if provider_ids:
        query = query.where(Training.provider_id.in_(provider_ids))
    if category_ids:
        query = query.where(Training.category_id.in_(category_ids))
    if ids:
        query = query.where(Training.id.in_(ids))
    return await paginate(session, query, Training.id, request, lambda row: row[0].id)
