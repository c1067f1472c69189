"""Catalog statements. Every one is scoped by account here, so isolation is structural.

Statements are module-level (or one per list shape, from a cached builder): see db/statements.py.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, exists, insert, literal, or_, select, update

from talent_training.catalog.schemas import TrainingState
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.base import UTCDateTime
from talent_training.db.database import Tx
from talent_training.db.expressions import any_of
from talent_training.db.paging import Paged, paginate
from talent_training.db.statements import Query
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.text import fold, like_contains

ACCOUNT = bindparam("account_id", type_=Integer)
ID = bindparam("id", type_=Integer)
NOW = bindparam("now", type_=UTCDateTime)

# Providers -------------------------------------------------------------------------------------------------

_PROVIDER = (Provider.id, Provider.name, Provider.website_href)
_GET_PROVIDER = Query(select(*_PROVIDER).where(Provider.account_id == ACCOUNT, Provider.id == ID))
_PROVIDERS = Paged(select(*_PROVIDER).where(Provider.account_id == ACCOUNT), Provider.id)
_NEW_PROVIDER = Query(
    insert(Provider)
    .values(
        account_id=ACCOUNT, name=bindparam("name"), website_href=bindparam("website_href"), created_at=NOW
    )
    .returning(*_PROVIDER)
)


async def get_provider(tx: Tx, account_id: int, provider_id: int) -> Any | None:
    return await tx.one(_GET_PROVIDER, {"account_id": account_id, "id": provider_id})


async def list_providers(tx: Tx, account_id: int, request: PageRequest) -> Page[Any]:
    return await paginate(tx, _PROVIDERS, {"account_id": account_id}, request)


async def insert_provider(tx: Tx, account_id: int, name: str, website_href: str | None, now: datetime) -> Any:
    """The new provider; `UniqueViolation` when the account has one of that name."""
    values = {"account_id": account_id, "name": name, "website_href": website_href, "now": now}
    return await tx.one(_NEW_PROVIDER, values)


_LOCK_PROVIDER = Query(
    select(*_PROVIDER).where(Provider.account_id == ACCOUNT, Provider.id == ID).with_for_update()
)
_UPDATE_PROVIDER = Query(
    update(Provider)
    .where(Provider.account_id == ACCOUNT, Provider.id == ID)
    .values(name=bindparam("name", type_=String), website_href=bindparam("website_href", type_=String))
    .returning(*_PROVIDER)
)


async def lock_provider(tx: Tx, account_id: int, provider_id: int) -> Any | None:
    """The provider, locked until the transaction ends (concurrent updates apply one after the other)."""
    return await tx.one(_LOCK_PROVIDER, {"account_id": account_id, "id": provider_id})


async def update_provider(
    tx: Tx, account_id: int, provider_id: int, name: str, website_href: str | None
) -> Any:
    """The provider as saved; `UniqueViolation` when another provider of the account has that name."""
    values = {"account_id": account_id, "id": provider_id, "name": name, "website_href": website_href}
    return await tx.one(_UPDATE_PROVIDER, values)


# Categories ------------------------------------------------------------------------------------------------

_CATEGORY = (Category.id, Category.name, Category.name_translations, Category.code)
_GET_CATEGORY = Query(select(*_CATEGORY).where(Category.account_id == ACCOUNT, Category.id == ID))
_CATEGORIES = Paged(select(*_CATEGORY).where(Category.account_id == ACCOUNT), Category.id)
_NEW_CATEGORY = Query(
    insert(Category)
    .values(
        account_id=ACCOUNT,
        name=bindparam("name"),
        name_translations=bindparam("translations"),
        code=bindparam("code", type_=String),
        created_at=NOW,
    )
    .returning(*_CATEGORY)
)


async def get_category(tx: Tx, account_id: int, category_id: int) -> Any | None:
    return await tx.one(_GET_CATEGORY, {"account_id": account_id, "id": category_id})


async def list_categories(tx: Tx, account_id: int, request: PageRequest) -> Page[Any]:
    return await paginate(tx, _CATEGORIES, {"account_id": account_id}, request)


async def insert_category(
    tx: Tx,
    account_id: int,
    name: str,
    translations: dict[str, str | None],
    code: str | None,
    now: datetime,
) -> Any:
    """The new category; `UniqueViolation` when the account has one of that name."""
    values = {
        "account_id": account_id,
        "name": name,
        "translations": translations,
        "code": code,
        "now": now,
    }
    return await tx.one(_NEW_CATEGORY, values)


_LOCK_CATEGORY = Query(
    select(*_CATEGORY).where(Category.account_id == ACCOUNT, Category.id == ID).with_for_update()
)
_UPDATE_CATEGORY = Query(
    update(Category)
    .where(Category.account_id == ACCOUNT, Category.id == ID)
    .values(
        name=bindparam("name", type_=String),
        name_translations=bindparam("translations", type_=Category.name_translations.type),
        code=bindparam("code", type_=String),
    )
    .returning(*_CATEGORY)
)


async def lock_category(tx: Tx, account_id: int, category_id: int) -> Any | None:
    """The category, locked until the transaction ends (concurrent updates apply one after the other)."""
    return await tx.one(_LOCK_CATEGORY, {"account_id": account_id, "id": category_id})


async def update_category(
    tx: Tx,
    account_id: int,
    category_id: int,
    name: str,
    translations: dict[str, str | None],
    code: str | None,
) -> Any:
    """The category as saved; `UniqueViolation` when another category of the account has that name."""
    values = {
        "account_id": account_id,
        "id": category_id,
        "name": name,
        "translations": translations,
        "code": code,
    }
    return await tx.one(_UPDATE_CATEGORY, values)


# Trainings -------------------------------------------------------------------------------------------------

# A training with its provider and category, in one query; their columns are prefixed by what they are.
_TRAINING = (
    Training.id,
    Training.state,
    Training.type,
    Training.title,
    Training.subtitle,
    Training.description,
    Training.level,
    Training.is_certifying,
    Training.is_mandatory,
    Training.provider_id,
    Provider.name.label("provider_name"),
    Provider.website_href.label("provider_website_href"),
    Training.category_id,
    Category.name.label("category_name"),
    Category.name_translations.label("category_translations"),
)
_WITH_ENTRIES = (
    select(*_TRAINING)
    .outerjoin(
        Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
    )
    .outerjoin(
        Category, and_(Category.account_id == Training.account_id, Category.id == Training.category_id)
    )
)
_GET_TRAINING = Query(_WITH_ENTRIES.where(Training.account_id == ACCOUNT, Training.id == ID))


async def get_training(tx: Tx, account_id: int, training_id: int) -> Any | None:
    return await tx.one(_GET_TRAINING, {"account_id": account_id, "id": training_id})


@cache
def _trainings(
    search: bool, providers: bool, categories: bool, ids: bool, states: tuple[TrainingState, ...]
) -> Paged:
    conditions = [Training.account_id == ACCOUNT]
    if states:  # two values at most: written into the statement, one shape per combination
        conditions.append(or_(*(Training.state == literal(state.value) for state in states)))
    if search:
        conditions.append(Training.search_text.like(bindparam("search", type_=String), escape="\\"))
    if providers:
        conditions.append(any_of(Training.provider_id, "provider_ids"))
    if categories:
        conditions.append(any_of(Training.category_id, "category_ids"))
    if ids:
        conditions.append(any_of(Training.id, "ids"))
    return Paged(_WITH_ENTRIES.where(*conditions), Training.id, base=select(Training.id).where(*conditions))


async def list_trainings(
    tx: Tx,
    account_id: int,
    request: PageRequest,
    *,
    search: str | None = None,
    provider_ids: list[int] | None = None,
    category_ids: list[int] | None = None,
    ids: list[int] | None = None,
    states: tuple[TrainingState, ...] = (),
) -> Page[Any]:
    """Every state unless `states` names some (in any order: one statement per set)."""
    params = {
        "account_id": account_id,
        "search": like_contains(fold(search)) if search else None,
        "provider_ids": provider_ids,
        "category_ids": category_ids,
        "ids": ids,
    }
    paged = _trainings(
        bool(search),
        provider_ids is not None,
        category_ids is not None,
        ids is not None,
        tuple(member for member in TrainingState if member in states),
    )
    return await paginate(tx, paged, params, request)


_PROVIDER_ID = bindparam("provider_id", type_=Integer)
_CATEGORY_ID = bindparam("category_id", type_=Integer)
_TRAINING_VALUES = {
    "account_id": ACCOUNT,
    "state": bindparam("state", type_=String),
    "type": bindparam("type", type_=String),
    "title": bindparam("title", type_=String),
    "subtitle": bindparam("subtitle", type_=String),
    "description": bindparam("description", type_=String),
    "level": bindparam("level", type_=String),
    "is_certifying": bindparam("is_certifying", type_=Training.is_certifying.type),
    "is_mandatory": bindparam("is_mandatory", type_=Training.is_mandatory.type),
    "provider_id": _PROVIDER_ID,
    "category_id": _CATEGORY_ID,
    "search_text": bindparam("search_text", type_=String),
}


def _entry_exists(model: type[Provider] | type[Category], entry_id: Any) -> Any:
    return or_(entry_id.is_(None), exists().where(model.account_id == ACCOUNT, model.id == entry_id))


def _entry_column(column: Any, model: type[Provider] | type[Category], entry_id: Any, label: str) -> Any:
    return (
        select(column).where(model.account_id == ACCOUNT, model.id == entry_id).scalar_subquery().label(label)
    )


# Inserted only if its provider and category exist in the account, answering with what the answer shows of
# them, in one statement (a round trip is most of a POST's cost).
_NEW_TRAINING = Query(
    insert(Training)
    .from_select(
        [*_TRAINING_VALUES, "created_at", "updated_at"],
        select(*_TRAINING_VALUES.values(), NOW, NOW).where(  # type: ignore[call-overload]
            _entry_exists(Provider, _PROVIDER_ID), _entry_exists(Category, _CATEGORY_ID)
        ),
    )
    .returning(
        Training.id,
        _entry_column(Provider.name, Provider, _PROVIDER_ID, "provider_name"),
        _entry_column(Provider.website_href, Provider, _PROVIDER_ID, "provider_website_href"),
        _entry_column(Category.name, Category, _CATEGORY_ID, "category_name"),
        _entry_column(Category.name_translations, Category, _CATEGORY_ID, "category_translations"),
    )
)


async def insert_training(tx: Tx, values: dict[str, Any]) -> Any | None:
    """The new training's id and its provider's and category's names, or None when either does not exist."""
    return await tx.one(_NEW_TRAINING, values)


_LOCK_TRAINING = Query(
    select(*Training.__table__.c).where(Training.account_id == ACCOUNT, Training.id == ID).with_for_update()
)
_UPDATE_TRAINING = Query(
    update(Training)
    .where(Training.account_id == ACCOUNT, Training.id == ID)
    .values({**{k: v for k, v in _TRAINING_VALUES.items() if k != "account_id"}, "updated_at": NOW})
)


async def lock_training(tx: Tx, account_id: int, training_id: int) -> Any | None:
    """The training's row, locked until the transaction ends, so that concurrent updates apply one after the
    other (`search_text` is derived from the whole row). SQLite's writes are serialised already."""
    return await tx.one(_LOCK_TRAINING, {"account_id": account_id, "id": training_id})


async def update_training(tx: Tx, values: dict[str, Any]) -> None:
    await tx.execute(_UPDATE_TRAINING, values)
