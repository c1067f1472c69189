"""Plan and session statements. Every one is scoped by account here, so isolation is structural.

Statements are module-level, or one per list shape from a cached builder (see db/statements.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    column,
    insert,
    or_,
    select,
    table,
    update,
)

from talent_training.catalog.schemas import TrainingState
from talent_training.catalog.tables import Training
from talent_training.db.base import UTCDateTime
from talent_training.db.database import Tx
from talent_training.db.expressions import any_of
from talent_training.db.paging import Paged, paginate
from talent_training.db.statements import Query
from talent_training.kit.paging import Page, PageRequest
from talent_training.planning.schemas import SessionStatus
from talent_training.planning.tables import Plan, TrainingSession

ACCOUNT = bindparam("account_id", type_=Integer)
ID = bindparam("id", type_=Integer)
NOW = bindparam("now", type_=UTCDateTime)
TODAY = bindparam("today", type_=Date)
TRAINING = bindparam("training_id", type_=Integer)
PLAN = bindparam("plan_id", type_=Integer)

# Plans -----------------------------------------------------------------------------------------------------

_PLAN = (Plan.id, Plan.name, Plan.start_on, Plan.end_on)
_GET_PLAN = Query(select(*_PLAN).where(Plan.account_id == ACCOUNT, Plan.id == ID))
_PLANS = Paged(select(*_PLAN).where(Plan.account_id == ACCOUNT), Plan.id)
_NEW_PLAN = Query(
    insert(Plan)
    .values(
        account_id=ACCOUNT,
        name=bindparam("name", type_=String),
        start_on=bindparam("start_on", type_=Date),
        end_on=bindparam("end_on", type_=Date),
        created_at=NOW,
    )
    .returning(*_PLAN)
)


async def get_plan(tx: Tx, account_id: int, plan_id: int) -> Any | None:
    return await tx.one(_GET_PLAN, {"account_id": account_id, "id": plan_id})


async def list_plans(tx: Tx, account_id: int, request: PageRequest) -> Page[Any]:
    return await paginate(tx, _PLANS, {"account_id": account_id}, request)


async def insert_plan(tx: Tx, account_id: int, name: str, start_on: date, end_on: date, now: datetime) -> Any:
    values = {"account_id": account_id, "name": name, "start_on": start_on, "end_on": end_on, "now": now}
    return await tx.one(_NEW_PLAN, values)


# Sessions --------------------------------------------------------------------------------------------------

# A session with what its nested `training` shows, in one query (planning/service.py `SessionRow`).
_SESSION = (
    TrainingSession.id,
    TrainingSession.training_id,
    Training.title.label("training_title"),
    Training.level.label("training_level"),
    TrainingSession.plan_id,
    TrainingSession.start_on,
    TrainingSession.end_on,
    TrainingSession.duration_hundredths,
    TrainingSession.capacity,
    TrainingSession.is_on_site,
    TrainingSession.is_remote,
    TrainingSession.address,
    TrainingSession.remote_url,
    TrainingSession.status,
    TrainingSession.registered_count,
)
_WITH_TRAINING = select(*_SESSION).join(
    Training,
    and_(Training.account_id == TrainingSession.account_id, Training.id == TrainingSession.training_id),
)
_GET_SESSION = Query(_WITH_TRAINING.where(TrainingSession.account_id == ACCOUNT, TrainingSession.id == ID))


async def get_session(tx: Tx, account_id: int, session_id: int) -> Any | None:
    return await tx.one(_GET_SESSION, {"account_id": account_id, "id": session_id})


@dataclass(frozen=True, slots=True)
class SessionFilters:
    training_ids: list[int] | None = None
    plan_ids: list[int] | None = None
    statuses: tuple[SessionStatus, ...] | None = None  # in the enum's order: one list shape per set
    # Sessions with at least one day from `first` to `last` (inclusive): the console's month calendar. The API
    # has no such filter (nothing sets it there).
    overlapping: tuple[date, date] | None = None


# What each status reads, in SQL: an open session's by its dates against today (a bound parameter), so that
# a filtered list pages and counts in the database like any other.
def _stored_is(status: SessionStatus) -> Any:
    return TrainingSession.status == status.value


_READS: dict[SessionStatus, Any] = {
    SessionStatus.DRAFT: _stored_is(SessionStatus.DRAFT),
    SessionStatus.OPEN: and_(_stored_is(SessionStatus.OPEN), TrainingSession.start_on > TODAY),
    SessionStatus.RUNNING: and_(
        _stored_is(SessionStatus.OPEN),
        TrainingSession.start_on <= TODAY,
        TrainingSession.end_on >= TODAY,
    ),
    SessionStatus.FINISHED: and_(_stored_is(SessionStatus.OPEN), TrainingSession.end_on < TODAY),
    SessionStatus.CLOSED: _stored_is(SessionStatus.CLOSED),
}


@cache
def _sessions(
    trainings: bool, plans: bool, statuses: tuple[SessionStatus, ...] | None, overlapping: bool = False
) -> Paged:
    conditions = [TrainingSession.account_id == ACCOUNT]
    if trainings:
        conditions.append(any_of(TrainingSession.training_id, "training_ids"))
    if plans:
        conditions.append(any_of(TrainingSession.plan_id, "plan_ids"))
    if statuses is not None:
        conditions.append(or_(*(_READS[status] for status in statuses)))
    if overlapping:
        conditions.append(TrainingSession.start_on <= bindparam("last", type_=Date))
        conditions.append(TrainingSession.end_on >= bindparam("first", type_=Date))
    return Paged(
        _WITH_TRAINING.where(*conditions),
        TrainingSession.id,
        base=select(TrainingSession.id).where(*conditions),
    )


async def list_sessions(
    tx: Tx, account_id: int, filters: SessionFilters, today: date, request: PageRequest
) -> Page[Any]:
    paged = _sessions(
        filters.training_ids is not None,
        filters.plan_ids is not None,
        filters.statuses,
        filters.overlapping is not None,
    )
    first, last = filters.overlapping or (None, None)
    params = {
        "account_id": account_id,
        "training_ids": filters.training_ids,
        "plan_ids": filters.plan_ids,
        "today": today,
        "first": first,
        "last": last,
    }
    return await paginate(tx, paged, params, request)


_SESSION_VALUES: dict[str, Any] = {
    "start_on": bindparam("start_on", type_=Date),
    "end_on": bindparam("end_on", type_=Date),
    "duration_hundredths": bindparam("duration_hundredths", type_=Integer),
    "capacity": bindparam("capacity", type_=Integer),
    "is_on_site": bindparam("is_on_site", type_=Boolean),
    "is_remote": bindparam("is_remote", type_=Boolean),
    "address": bindparam("address", type_=String),
    "remote_url": bindparam("remote_url", type_=String),
    "status": bindparam("status", type_=String),
}


def _of_training(column: Any, label: str) -> Any:
    """A column of the session's training, read in the statement that writes the session (a subquery: SQLite's
    RETURNING names columns without their table)."""
    return (
        select(column)
        .where(Training.account_id == ACCOUNT, Training.id == TRAINING)
        .scalar_subquery()
        .label(label)
    )


# Inserted only if its training exists in the account and is Ready and its plan exists in the account, read
# from the same snapshot as the answer's nested `training`, in one statement.
_NEW_SESSION = Query(
    insert(TrainingSession)
    .from_select(
        ["account_id", "training_id", "plan_id", *_SESSION_VALUES, "registered_count", "created_at",
         "updated_at"],
        select(
            Training.account_id, Training.id, Plan.id, *_SESSION_VALUES.values(),
            bindparam("registered_count", type_=Integer), NOW, NOW,
        ).where(
            Training.account_id == ACCOUNT,
            Training.id == TRAINING,
            Training.state == TrainingState.READY.value,
            Plan.account_id == ACCOUNT,
            Plan.id == PLAN,
        ),
    )
    .returning(
        TrainingSession.id,
        _of_training(Training.title, "training_title"),
        _of_training(Training.level, "training_level"),
    )
)  # fmt: skip


async def insert_session(tx: Tx, values: dict[str, Any]) -> Any | None:
    """The new session's id and its training's title and level; None when nothing was written (the training
    is missing or not Ready, or the plan is missing: see `training_state` and `get_plan`)."""
    return await tx.one(_NEW_SESSION, values)


_TRAINING_STATE = Query(select(Training.state).where(Training.account_id == ACCOUNT, Training.id == TRAINING))


async def training_state(tx: Tx, account_id: int, training_id: int) -> str | None:
    state: str | None = await tx.value(
        _TRAINING_STATE, {"account_id": account_id, "training_id": training_id}
    )
    return state


_LOCK_SESSION = Query(
    select(*TrainingSession.__table__.c)
    .where(TrainingSession.account_id == ACCOUNT, TrainingSession.id == ID)
    .with_for_update()
)
_UPDATE_SESSION = Query(
    update(TrainingSession)
    .where(TrainingSession.account_id == ACCOUNT, TrainingSession.id == ID)
    .values({"training_id": TRAINING, "plan_id": PLAN, **_SESSION_VALUES, "updated_at": NOW})
)


# The demands registered on a session, as the trigger that moves their last day with the session's writes them
# (migration 0010). training_demands is a resource above this one: only the columns this lock needs are named.
_REGISTRATIONS = table(
    "training_demands", column("account_id"), column("session_id"), column("state"), column("id")
)
_LOCK_REGISTRATIONS = Query(
    select(_REGISTRATIONS.c.id)
    .where(
        _REGISTRATIONS.c.account_id == ACCOUNT,
        _REGISTRATIONS.c.session_id == ID,
        _REGISTRATIONS.c.state == "Registered",
    )
    .order_by(_REGISTRATIONS.c.id)
    .with_for_update()
)


async def lock_registrations(tx: Tx, account_id: int, session_id: int) -> None:
    """Lock the demands registered on the session, in id order, before the session itself: the order every
    path that changes both takes (a demand, then its session), which moving the session's last day would
    otherwise reverse through the trigger, deadlocking with an unregistration or a sheet."""
    await tx.all(_LOCK_REGISTRATIONS, {"account_id": account_id, "id": session_id})


async def lock_session(tx: Tx, account_id: int, session_id: int) -> Any | None:
    """The session's row, locked until the transaction ends: a registration (which counts itself in
    `registered_count`) waits for this transaction, and this one reads the count as it stands. SQLite's
    writes are serialised already."""
    return await tx.one(_LOCK_SESSION, {"account_id": account_id, "id": session_id})


async def update_session(tx: Tx, values: dict[str, Any]) -> None:
    await tx.execute(_UPDATE_SESSION, values)
