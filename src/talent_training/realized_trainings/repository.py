"""Realized-training statements: one joined SELECT serves get, list and the nested `training`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Integer, String, and_, bindparam, insert, select, true
from sqlalchemy.sql.elements import ColumnElement

from talent_training.catalog.schemas import TrainingState
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.base import UTCDateTime
from talent_training.db.database import Tx
from talent_training.db.expressions import any_of
from talent_training.db.paging import Paged, SortColumn, paginate
from talent_training.db.statements import Query
from talent_training.directory.repository import Team, team_conditions, team_params, team_shape
from talent_training.kit.paging import Page, PageRequest, Sort
from talent_training.realized_trainings.tables import RealizedTraining

ACCOUNT = bindparam("account_id", type_=Integer)
TRAINING = bindparam("training_id", type_=Integer)


@dataclass(frozen=True, slots=True)
class Filters:
    owner_ids: list[int] | None = None
    training_ids: list[int] | None = None
    has_attended: bool | None = None
    ends_before: date | None = None
    ends_after: date | None = None
    team: Team | None = None  # only the records of a manager's team (the console's managers)


# A realized training with what its nested `training` shows, in one query.
_ITS_TRAINING = and_(
    Training.account_id == RealizedTraining.account_id, Training.id == RealizedTraining.training_id
)
_ITS_PROVIDER = and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
_WITH_TRAINING = (
    select(
        RealizedTraining.id,
        RealizedTraining.owner_id,
        RealizedTraining.training_id,
        RealizedTraining.session_starts_on,
        RealizedTraining.session_ends_on,
        RealizedTraining.duration_hundredths,
        RealizedTraining.has_attended,
        RealizedTraining.training_demand_id,
        RealizedTraining.session_id,
        RealizedTraining.cost_hundredths,
        RealizedTraining.cost_currency,
        RealizedTraining.expires_on,
        Training.title,
        Training.category_id,
        Training.level,
        Provider.website_href,
    )
    .join(Training, _ITS_TRAINING)
    .outerjoin(Provider, _ITS_PROVIDER)
)
_GET = Query(
    _WITH_TRAINING.where(RealizedTraining.account_id == ACCOUNT, RealizedTraining.id == bindparam("id"))
)


async def get(tx: Tx, account_id: int, realized_training_id: int) -> Any | None:
    return await tx.one(_GET, {"account_id": account_id, "id": realized_training_id})


_BY_IDS = Query(
    _WITH_TRAINING.where(RealizedTraining.account_id == ACCOUNT, any_of(RealizedTraining.id, "ids")).order_by(
        RealizedTraining.id
    )
)


async def by_ids(tx: Tx, account_id: int, ids: list[int]) -> list[Any]:
    """Those records (e.g. just recorded by an attendance sheet), in id order."""
    return await tx.all(_BY_IDS, {"account_id": account_id, "ids": ids})


def shape(filters: Filters) -> tuple[bool, bool, bool, bool, bool, int]:
    """Which filters are given (not their values): one statement per shape, built once."""
    return (
        filters.owner_ids is not None,
        filters.training_ids is not None,
        filters.has_attended is not None,
        filters.ends_before is not None,
        filters.ends_after is not None,
        team_shape(filters.team),
    )


def conditions(
    owners: bool,
    trainings: bool,
    attended: bool,
    before: bool,
    after: bool,
    team: int = 0,
    sessions: bool = False,
) -> list[ColumnElement[bool]]:
    """The filters of the list, its export and the v1 list, whose values `params` gives, in one order."""
    found = [RealizedTraining.account_id == ACCOUNT]
    if owners:
        found.append(any_of(RealizedTraining.owner_id, "owner_ids"))
    found += team_conditions(RealizedTraining.owner_id, team)
    if trainings:
        found.append(any_of(RealizedTraining.training_id, "training_ids"))
    if sessions:
        found.append(any_of(RealizedTraining.session_id, "session_ids"))
    if attended:
        found.append(RealizedTraining.has_attended == bindparam("has_attended", type_=Boolean))
    if before:
        found.append(RealizedTraining.session_ends_on < bindparam("ends_before", type_=Date))
    if after:
        found.append(RealizedTraining.session_ends_on > bindparam("ends_after", type_=Date))
    return found


def params(account_id: int, filters: Filters) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "owner_ids": filters.owner_ids,
        "training_ids": filters.training_ids,
        "has_attended": filters.has_attended,
        "ends_before": filters.ends_before,
        "ends_after": filters.ends_after,
        **team_params(filters.team),
    }


@cache
def _search(*shape: Any) -> Paged:
    where = conditions(*shape)
    return Paged(
        _WITH_TRAINING.where(*where), RealizedTraining.id, base=select(RealizedTraining.id).where(*where)
    )


async def search(tx: Tx, account_id: int, filters: Filters, request: PageRequest) -> Page[Any]:
    return await paginate(tx, _search(*shape(filters)), params(account_id, filters), request)


# Lucca's deprecated v1 list -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class V1Filters:
    owner_ids: list[int] | None = None
    session_ids: list[int] | None = None
    has_attended: bool | None = None
    ends_after: date | None = None
    team: Team | None = None  # as Filters'


V1_SORTS = ("id", "sessionEndOn")

# The v1 list's flat item, its training, category and provider read in the same statement.
_V1_ITEM = (
    select(
        RealizedTraining.id,
        RealizedTraining.has_attended,
        RealizedTraining.training_id,
        Training.title,
        Category.code.label("category_code"),
        Training.provider_id,
        Provider.name.label("provider_name"),
        Provider.website_href,
        RealizedTraining.session_starts_on,
        RealizedTraining.session_ends_on,
        RealizedTraining.duration_hundredths,
        RealizedTraining.training_demand_id,
        RealizedTraining.owner_id,
    )
    .join(Training, _ITS_TRAINING)
    .outerjoin(Provider, _ITS_PROVIDER)
    .outerjoin(
        Category, and_(Category.account_id == Training.account_id, Category.id == Training.category_id)
    )
)
_BY_END_DATE = SortColumn(RealizedTraining.session_ends_on, date.toordinal, date.fromordinal)


@cache
def _v1_list(owners: bool, sessions: bool, attended: bool, after: bool, team: int, sort: Sort) -> Paged:
    where = conditions(owners, False, attended, False, after, team, sessions)
    return Paged(
        _V1_ITEM.where(*where),
        RealizedTraining.id,
        base=select(RealizedTraining.id).where(*where),
        sort=_BY_END_DATE if sort.field == "sessionEndOn" else None,
        descending=sort.descending,
        name="" if sort == Sort() else sort.name,  # by id: the cursors of every other list
    )


async def v1_list(tx: Tx, account_id: int, filters: V1Filters, sort: Sort, request: PageRequest) -> Page[Any]:
    paged = _v1_list(
        filters.owner_ids is not None,
        filters.session_ids is not None,
        filters.has_attended is not None,
        filters.ends_after is not None,
        team_shape(filters.team),
        sort,
    )
    params = {
        "account_id": account_id,
        "owner_ids": filters.owner_ids,
        "session_ids": filters.session_ids,
        "has_attended": filters.has_attended,
        "ends_after": filters.ends_after,
        **team_params(filters.team),
    }
    return await paginate(tx, paged, params, request)


def _of_training(column: Any, label: str) -> Any:
    """A column of the record's training (or its provider), read in the statement that records it.

    Subqueries of one table each, no join: SQLite's RETURNING names columns without their table."""
    training = and_(Training.account_id == ACCOUNT, Training.id == TRAINING)
    if column.table is Provider.__table__:
        provider_id = select(Training.provider_id).where(training).scalar_subquery()
        query = select(column).where(Provider.account_id == ACCOUNT, Provider.id == provider_id)
    else:
        query = select(column).where(training)
    return query.scalar_subquery().label(label)


# Inserted only if the training exists in the account and is Ready, read from the same snapshot as the
# answer's nested `training`, in one statement (a round trip is most of a POST's cost).
_RECORD = Query(
    insert(RealizedTraining)
    .from_select(
        [
            RealizedTraining.account_id, RealizedTraining.owner_id, RealizedTraining.training_id,
            RealizedTraining.session_starts_on, RealizedTraining.session_ends_on,
            RealizedTraining.duration_hundredths, RealizedTraining.has_attended, RealizedTraining.created_at,
            RealizedTraining.cost_hundredths, RealizedTraining.cost_currency, RealizedTraining.expires_on,
        ],
        select(
            Training.account_id,
            bindparam("owner_id", type_=Integer),
            Training.id,
            bindparam("session_starts_on", type_=Date),
            bindparam("session_ends_on", type_=Date),
            bindparam("duration_hundredths", type_=Integer),
            true(),  # hasAttended: a recorded training was attended (docs/decisions.md)
            bindparam("now", type_=UTCDateTime),
            bindparam("cost_hundredths", type_=BigInteger),
            bindparam("cost_currency", type_=String),
            bindparam("expires_on", type_=Date),
        ).where(
            Training.account_id == ACCOUNT,
            Training.id == TRAINING,
            Training.state == TrainingState.READY.value,
        ),
    )
    .returning(
        RealizedTraining.id,
        _of_training(Training.title, "title"),
        _of_training(Training.category_id, "category_id"),
        _of_training(Training.level, "level"),
        _of_training(Provider.website_href, "website_href"),
    )
)  # fmt: skip
_TRAINING_STATE = Query(select(Training.state).where(Training.account_id == ACCOUNT, Training.id == TRAINING))


async def record(tx: Tx, values: dict[str, Any]) -> Any | None:
    """The new record's id and its training's title, category, level and provider URL; None when nothing was
    recorded (see `training_state`). `UniqueViolation` for a second record of the same session."""
    return await tx.one(_RECORD, values)


async def training_state(tx: Tx, account_id: int, training_id: int) -> str | None:
    state: str | None = await tx.value(
        _TRAINING_STATE, {"account_id": account_id, "training_id": training_id}
    )
    return state
