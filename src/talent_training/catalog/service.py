"""Catalog rules, as the Lucca docs state them (notes §3) plus our extensions' rules."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from talent_training.catalog import repository
from talent_training.catalog.repository import Entry
from talent_training.catalog.schemas import (
    CategoryCreate,
    ProviderCreate,
    TrainingCreate,
    TrainingPatch,
    TrainingState,
)
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.database import Database
from talent_training.db.errors import is_unique_violation
from talent_training.db.paging import AnyRow
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.kit.text import fold

# Fields a merge patch may set to null; the others are required on every training.
_NULLABLE = frozenset({"providerId", "categoryId"})


NOUNS = {Provider: "provider", Category: "category"}


def new_provider(account_id: int, data: ProviderCreate) -> Provider:
    return Provider(account_id=account_id, name=data.name, website_href=data.websiteHref)


def new_category(account_id: int, data: CategoryCreate) -> Category:
    return Category(account_id=account_id, name=data.name, name_translations=data.translations())


async def create_entry(database: Database, entry: Entry) -> Entry:
    """Providers and categories: a name is unique within the account (409), by a database constraint."""
    async with database.writing() as session:
        session.add(entry)
        try:
            await session.flush()
        except IntegrityError as exc:
            if is_unique_violation(exc):
                noun = NOUNS[type(entry)]
                raise Conflict(f"A {noun} named {entry.name!r} already exists.", "name") from None
            raise
        return entry


async def get_entry(database: Database, model: type[Entry], account_id: int, entry_id: int) -> Entry:
    async with database.reading() as session:
        entry = await repository.get_entry(session, model, account_id, entry_id)
    if entry is None:
        raise NotFound(f"{NOUNS[model].capitalize()} {entry_id}")
    return entry


async def list_entries(
    database: Database, model: type[Entry], account_id: int, request: PageRequest
) -> Page[AnyRow]:
    async with database.reading() as session:
        return await repository.list_entries(session, model, account_id, request)


async def _check_references(
    session: AsyncSession, account_id: int, provider_id: int | None, category_id: int | None
) -> None:
    """A training may only point at a provider and a category of its own account."""
    if (
        provider_id is not None
        and await repository.get_entry(session, Provider, account_id, provider_id) is None
    ):
        raise RuleViolation("providerId", f"provider {provider_id} does not exist")
    if (
        category_id is not None
        and await repository.get_entry(session, Category, account_id, category_id) is None
    ):
        raise RuleViolation("categoryId", f"category {category_id} does not exist")


def _search_text(training: Training) -> str:
    return fold("\n".join((training.title, training.subtitle, training.description)))


async def create_training(database: Database, account_id: int, data: TrainingCreate) -> AnyRow:
    """A new training is `Ready`: it can be referenced by realized trainings straight away."""
    async with database.writing() as session:
        await _check_references(session, account_id, data.providerId, data.categoryId)
        training = Training(
            account_id=account_id,
            state=TrainingState.READY.value,
            type=data.type.value,
            title=data.title,
            subtitle=data.subtitle,
            description=data.description,
            level=data.level.value,
            is_certifying=data.isCertifying,
            is_mandatory=data.isMandatory,
            provider_id=data.providerId,
            category_id=data.categoryId,
        )
        training.search_text = _search_text(training)
        session.add(training)
        await session.flush()
        return await _reload(session, account_id, training.id)


async def _reload(session: AsyncSession, account_id: int, training_id: int) -> AnyRow:
    row = await repository.get_training(session, account_id, training_id)
    assert row is not None, "a training written in this transaction is readable in it"
    return row


async def get_training(database: Database, account_id: int, training_id: int) -> AnyRow:
    async with database.reading() as session:
        row = await repository.get_training(session, account_id, training_id)
    if row is None:
        raise NotFound(f"Training {training_id}")
    return row


async def update_training(
    database: Database, account_id: int, training_id: int, patch: TrainingPatch
) -> AnyRow:
    """Merge patch of any writable field; `state` archives (`Archived`) or restores (`Ready`)."""
    sent = patch.model_fields_set
    for field in sorted(sent - _NULLABLE):
        if getattr(patch, field) is None:
            raise RuleViolation(field, "may not be null")
    async with database.writing() as session:
        training = await repository.lock_training(session, account_id, training_id)
        if training is None:
            raise NotFound(f"Training {training_id}")
        await _check_references(
            session,
            account_id,
            patch.providerId if "providerId" in sent else None,
            patch.categoryId if "categoryId" in sent else None,
        )
        columns = {
            "title": "title",
            "subtitle": "subtitle",
            "description": "description",
            "isCertifying": "is_certifying",
            "isMandatory": "is_mandatory",
            "providerId": "provider_id",
            "categoryId": "category_id",
            "level": "level",
            "type": "type",
            "state": "state",
        }
        for field, column in columns.items():
            if field in sent:
                value = getattr(patch, field)
                setattr(training, column, value.value if isinstance(value, StrEnum) else value)
        training.search_text = _search_text(training)
        await session.flush()
        return await _reload(session, account_id, training_id)


async def list_trainings(
    database: Database,
    account_id: int,
    request: PageRequest,
    *,
    search: str | None,
    provider_ids: list[int] | None,
    category_ids: list[int] | None,
    ids: list[int] | None,
) -> Page[AnyRow]:
    async with database.reading() as session:
        return await repository.list_trainings(
            session,
            account_id,
            request,
            search=search,
            provider_ids=provider_ids,
            category_ids=category_ids,
            ids=ids,
        )
