"""Catalog rules, as the Lucca docs state them (notes §3) plus our extensions' rules."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NamedTuple

from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.catalog import repository
from talent_training.catalog.schemas import (
    CategoryCreate,
    CategoryPatch,
    ProviderCreate,
    ProviderPatch,
    TrainingCreate,
    TrainingPatch,
    TrainingState,
)
from talent_training.db.base import utcnow
from talent_training.db.database import Tx
from talent_training.db.errors import UniqueViolation
from talent_training.kit.actor import Actor
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.kit.text import fold

# Fields a merge patch may set to null; the others are required on every training.
_NULLABLE = frozenset({"providerId", "categoryId"})
_COLUMNS = {
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


class TrainingRow(NamedTuple):
    """A training as the training statements read it (catalog/views.py writes it)."""

    id: int
    state: str
    type: str
    title: str
    subtitle: str
    description: str
    level: str
    is_certifying: bool
    is_mandatory: bool
    provider_id: int | None
    provider_name: str | None
    provider_website_href: str | None
    category_id: int | None
    category_name: str | None
    category_translations: dict[str, str | None] | None


async def create_provider(tx: Tx, actor: Actor, data: ProviderCreate) -> Any:
    """A provider's name is unique within the account (409), by a database constraint."""
    try:
        row = await repository.insert_provider(tx, actor.account_id, data.name, data.websiteHref, utcnow())
    except UniqueViolation:
        raise Conflict(f"A provider named {data.name!r} already exists.", "name") from None
    fields = {"name": data.name, "websiteHref": data.websiteHref}
    await audit.record(tx, actor, "provider", row.id, Action.CREATE, audit.created(fields))
    return row


def _not_null(patch: ProviderPatch | CategoryPatch) -> None:
    if "name" in patch.model_fields_set and patch.name is None:
        raise RuleViolation("name", "may not be null")


async def update_provider(tx: Tx, actor: Actor, provider_id: int, patch: ProviderPatch) -> Any:
    """Merge patch of a provider, by the rules of its creation: its name unique within the account (409)."""
    _not_null(patch)
    current = await repository.lock_provider(tx, actor.account_id, provider_id)
    if current is None:
        raise NotFound(f"Provider {provider_id}")
    sent = patch.model_fields_set
    name = patch.name if patch.name is not None else current.name
    href = patch.websiteHref if "websiteHref" in sent else current.website_href
    try:
        row = await repository.update_provider(tx, actor.account_id, provider_id, name, href)
    except UniqueViolation:
        raise Conflict(f"A provider named {name!r} already exists.", "name") from None
    before = {"name": current.name, "websiteHref": current.website_href}
    if changes := audit.changed(before, {"name": name, "websiteHref": href}):
        await audit.record(tx, actor, "provider", provider_id, Action.UPDATE, changes)
    return row


async def get_provider(tx: Tx, account_id: int, provider_id: int) -> Any:
    row = await repository.get_provider(tx, account_id, provider_id)
    if row is None:
        raise NotFound(f"Provider {provider_id}")
    return row


async def list_providers(tx: Tx, account_id: int, request: PageRequest) -> Page[Any]:
    return await repository.list_providers(tx, account_id, request)


async def create_category(tx: Tx, actor: Actor, data: CategoryCreate) -> Any:
    """A category's name is unique within the account (409), by a database constraint."""
    try:
        row = await repository.insert_category(
            tx, actor.account_id, data.name, data.translations(), data.code, utcnow()
        )
    except UniqueViolation:
        raise Conflict(f"A category named {data.name!r} already exists.", "name") from None
    fields = {"name": data.name, "t9n": {"name": data.translations()}, "code": data.code}
    await audit.record(tx, actor, "category", row.id, Action.CREATE, audit.created(fields))
    return row


async def update_category(tx: Tx, actor: Actor, category_id: int, patch: CategoryPatch) -> Any:
    """Merge patch of a category, by the rules of its creation: its name unique within the account (409)."""
    _not_null(patch)
    current = await repository.lock_category(tx, actor.account_id, category_id)
    if current is None:
        raise NotFound(f"Category {category_id}")
    name = patch.name if patch.name is not None else current.name
    code = patch.code if "code" in patch.model_fields_set else current.code
    translations = patch.translated(current.name_translations or {})
    try:
        row = await repository.update_category(tx, actor.account_id, category_id, name, translations, code)
    except UniqueViolation:
        raise Conflict(f"A category named {name!r} already exists.", "name") from None
    before = {
        "name": current.name,
        "t9n": {"name": dict(current.name_translations or {})},
        "code": current.code,
    }
    after = {"name": name, "t9n": {"name": translations}, "code": code}
    if changes := audit.changed(before, after):
        await audit.record(tx, actor, "category", category_id, Action.UPDATE, changes)
    return row


async def get_category(tx: Tx, account_id: int, category_id: int) -> Any:
    row = await repository.get_category(tx, account_id, category_id)
    if row is None:
        raise NotFound(f"Category {category_id}")
    return row


async def list_categories(tx: Tx, account_id: int, request: PageRequest) -> Page[Any]:
    return await repository.list_categories(tx, account_id, request)


async def _check_references(
    tx: Tx, account_id: int, provider_id: int | None, category_id: int | None
) -> None:
    """A training may only point at a provider and a category of its own account."""
    if provider_id is not None and await repository.get_provider(tx, account_id, provider_id) is None:
        raise RuleViolation("providerId", f"provider {provider_id} does not exist")
    if category_id is not None and await repository.get_category(tx, account_id, category_id) is None:
        raise RuleViolation("categoryId", f"category {category_id} does not exist")


def _search_text(values: dict[str, Any]) -> str:
    return fold("\n".join((values["title"], values["subtitle"], values["description"])))


async def create_training(tx: Tx, actor: Actor, data: TrainingCreate) -> TrainingRow:
    """A new training is `Ready`: it can be referenced by realized trainings straight away."""
    account_id = actor.account_id
    values: dict[str, Any] = {
        "account_id": account_id,
        "state": TrainingState.READY.value,
        "type": data.type.value,
        "title": data.title,
        "subtitle": data.subtitle,
        "description": data.description,
        "level": data.level.value,
        "is_certifying": data.isCertifying,
        "is_mandatory": data.isMandatory,
        "provider_id": data.providerId,
        "category_id": data.categoryId,
        "now": utcnow(),
    }
    values["search_text"] = _search_text(values)
    created = await repository.insert_training(tx, values)
    if created is None:  # nothing written: say which reference is missing
        await _check_references(tx, account_id, data.providerId, data.categoryId)
        raise Conflict("The training's provider or category changed while it was being created.")
    fields = {field: values[column] for field, column in _COLUMNS.items()}
    await audit.record(tx, actor, "training", created.id, Action.CREATE, audit.created(fields))
    return TrainingRow(
        created.id, values["state"], values["type"], values["title"], values["subtitle"],
        values["description"], values["level"], values["is_certifying"], values["is_mandatory"],
        data.providerId, created.provider_name, created.provider_website_href,
        data.categoryId, created.category_name, created.category_translations,
    )  # fmt: skip


async def get_training(tx: Tx, account_id: int, training_id: int) -> Any:
    row = await repository.get_training(tx, account_id, training_id)
    if row is None:
        raise NotFound(f"Training {training_id}")
    return row


async def update_training(tx: Tx, actor: Actor, training_id: int, patch: TrainingPatch) -> Any:
    """Merge patch of any writable field; `state` archives (`Archived`) or restores (`Ready`)."""
    account_id = actor.account_id
    sent = patch.model_fields_set
    for field in sorted(sent - _NULLABLE):
        if getattr(patch, field) is None:
            raise RuleViolation(field, "may not be null")
    current = await repository.lock_training(tx, account_id, training_id)
    if current is None:
        raise NotFound(f"Training {training_id}")
    await _check_references(
        tx,
        account_id,
        patch.providerId if "providerId" in sent else None,
        patch.categoryId if "categoryId" in sent else None,
    )
    values = {column: getattr(current, column) for column in _COLUMNS.values()}
    before = {field: values[column] for field, column in _COLUMNS.items()}
    for field, column in _COLUMNS.items():
        if field in sent:
            value = getattr(patch, field)
            values[column] = value.value if isinstance(value, StrEnum) else value
    values["search_text"] = _search_text(values)
    await repository.update_training(
        tx, {**values, "account_id": account_id, "id": training_id, "now": utcnow()}
    )
    after = {field: values[column] for field, column in _COLUMNS.items()}
    if changes := audit.changed(before, after):
        await audit.record(tx, actor, "training", training_id, Action.UPDATE, changes)
    return await get_training(tx, account_id, training_id)


async def list_trainings(
    tx: Tx,
    account_id: int,
    request: PageRequest,
    *,
    search: str | None,
    provider_ids: list[int] | None,
    category_ids: list[int] | None,
    ids: list[int] | None,
    states: tuple[TrainingState, ...] = (),
) -> Page[Any]:
    """Every state unless `states` names some."""
    return await repository.list_trainings(
        tx,
        account_id,
        request,
        search=search,
        provider_ids=provider_ids,
        category_ids=category_ids,
        ids=ids,
        states=states,
    )
