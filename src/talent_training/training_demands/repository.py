"""Training-demand statements. One joined SELECT answers get and list with everything Lucca's item shows
(training, provider, author, owner and their manager, plan, session). A transition locks the demand's row
(`lock`), then writes with an UPDATE that still names the state it leaves: of two racing transitions the
second waits for the first and finds the state it left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    exists,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from talent_training.catalog.schemas import TrainingState
from talent_training.catalog.tables import Provider, Training
from talent_training.db.base import UTCDateTime
from talent_training.db.database import Tx
from talent_training.db.expressions import any_of
from talent_training.db.paging import Paged, SortColumn, paginate
from talent_training.db.statements import Query
from talent_training.directory.repository import Team, team_conditions, team_params, team_shape
from talent_training.directory.tables import Employee
from talent_training.kit.paging import Page, PageRequest, Sort
from talent_training.planning.tables import Plan, TrainingSession
from talent_training.realized_trainings import repository as realized_repository
from talent_training.realized_trainings.tables import RealizedTraining
from talent_training.training_demands.schemas import DemandState, DemandStatus
from talent_training.training_demands.tables import TrainingDemand

ACCOUNT = bindparam("account_id", type_=Integer)
ID = bindparam("id", type_=Integer)
NOW = bindparam("now", type_=UTCDateTime)
SESSION = bindparam("session_id", type_=Integer)
TRAINING = bindparam("training_id", type_=Integer)
ENDS_ON = bindparam("ends_on", type_=Date)

Owner = aliased(Employee, name="owner")
Author = aliased(Employee, name="author")
Manager = aliased(Employee, name="manager")
Session = TrainingSession

_ROW = (
    TrainingDemand.id,
    TrainingDemand.owner_id,
    TrainingDemand.author_id,
    TrainingDemand.training_id,
    TrainingDemand.reason,
    TrainingDemand.state,
    TrainingDemand.status,
    TrainingDemand.plan_id,
    TrainingDemand.session_id,
    TrainingDemand.registered_on,
    TrainingDemand.prioritization_rank,
    TrainingDemand.prioritized_at,
    TrainingDemand.refusal_reason,
    TrainingDemand.created_at,
    Training.title.label("training_title"),
    Training.level.label("training_level"),
    Provider.id.label("provider_id"),
    Provider.name.label("provider_name"),
    Provider.website_href.label("provider_url"),
    Author.first_name.label("author_first_name"),
    Author.last_name.label("author_last_name"),
    Owner.first_name.label("owner_first_name"),
    Owner.last_name.label("owner_last_name"),
    Owner.department_id.label("owner_department_id"),
    Owner.establishment_id.label("owner_establishment_id"),
    Owner.manager_id.label("owner_manager_id"),
    Manager.first_name.label("manager_first_name"),
    Manager.last_name.label("manager_last_name"),
    Plan.name.label("plan_name"),
    Plan.start_on.label("plan_start_on"),
    Session.duration_hundredths.label("session_duration_hundredths"),
    Session.start_on.label("session_start_on"),
    Session.end_on.label("session_end_on"),
    Session.is_on_site.label("session_is_on_site"),
    Session.is_remote.label("session_is_remote"),
    Session.address.label("session_address"),
    Session.remote_url.label("session_remote_url"),
)


def _of_account(model: Any, column: Any) -> Any:
    return and_(model.account_id == TrainingDemand.account_id, model.id == column)


_WITH_ALL = (
    select(*_ROW)
    .join(Training, _of_account(Training, TrainingDemand.training_id))
    .outerjoin(
        Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
    )
    .join(Owner, _of_account(Owner, TrainingDemand.owner_id))
    .join(Author, _of_account(Author, TrainingDemand.author_id))
    .outerjoin(Manager, and_(Manager.account_id == Owner.account_id, Manager.id == Owner.manager_id))
    .outerjoin(Plan, _of_account(Plan, TrainingDemand.plan_id))
    .outerjoin(Session, _of_account(Session, TrainingDemand.session_id))
)
_GET = Query(_WITH_ALL.where(TrainingDemand.account_id == ACCOUNT, TrainingDemand.id == ID))


async def get(tx: Tx, account_id: int, demand_id: int) -> Any | None:
    return await tx.one(_GET, {"account_id": account_id, "id": demand_id})


# Lists ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    owner_ids: list[int] | None = None
    session_ids: list[int] | None = None
    training_ids: list[int] | None = None
    states: tuple[DemandState, ...] = ()
    department_ids: list[int] | None = None
    establishment_ids: list[int] | None = None
    ranks: list[int] | None = None
    is_session_planned: bool | None = None
    team: Team | None = None  # only the demands of a manager's team (the console's managers)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# The sorts of the list and its export besides the id, which then follows the sort's column, in its direction.
SORTS = {
    "createdAt": SortColumn(
        TrainingDemand.created_at,
        lambda at: (at - _EPOCH) // _MICROSECOND,
        lambda micros: _EPOCH + micros * _MICROSECOND,
    ),
    "prioritization.level": SortColumn(TrainingDemand.prioritization_rank, int, int),
}
SORTABLE = ("id", *SORTS)

# Which filters are given (not their values), as `conditions` takes them: one statement per shape.
Shape = tuple[bool, bool, bool, tuple[DemandState, ...], int, int, bool, bool | None, int]


def _how_many(ids: list[int] | None) -> int:
    return 0 if ids is None else min(len(ids), 2)


def shape(filters: Filters) -> Shape:
    return (
        filters.owner_ids is not None,
        filters.session_ids is not None,
        filters.training_ids is not None,
        tuple(sorted(set(filters.states))),
        _how_many(filters.department_ids),
        _how_many(filters.establishment_ids),
        filters.ranks is not None,
        filters.is_session_planned,
        team_shape(filters.team),
    )


def _one_or_any(column: Any, name: str, count: int) -> list[ColumnElement[bool]]:
    if count == 0:
        return []
    if count == 1:
        return [column == bindparam(f"{name}_one", type_=Integer)]
    return [any_of(column, name)]


def conditions(
    owners: bool,
    sessions: bool,
    trainings: bool,
    states: tuple[DemandState, ...],
    departments: int,  # 0: no filter, 1: one, 2: several
    establishments: int,
    ranks: bool,
    planned: bool | None,
    team: int,  # 0: no filter, 1: the team's ids, 2: joined (directory's team_shape)
) -> list[ColumnElement[bool]]:
    """The filters of the list and its export, whose values `params` gives."""
    found: list[ColumnElement[bool]] = [TrainingDemand.account_id == ACCOUNT]
    if owners:
        found.append(any_of(TrainingDemand.owner_id, "owner_ids"))
    found += team_conditions(TrainingDemand.owner_id, team)
    if sessions:
        found.append(any_of(TrainingDemand.session_id, "session_ids"))
    if trainings:
        found.append(any_of(TrainingDemand.training_id, "training_ids"))
    if states:  # a handful of values: written into the statement, one shape per combination
        found.append(or_(*(TrainingDemand.state == literal(state.value) for state in states)))
    # The owner's current department, copied onto the demand (tables.py). One department (a manager's list)
    # is an equality, so that PostgreSQL reads it from (department, rank, id) in the list's order; an array,
    # even of one, leaves the planner to guess the department's size and walk the whole rank index instead
    # (73 ms rather than 1 ms for a small department at a million demands: docs/benchmarks.md).
    found += _one_or_any(TrainingDemand.owner_department_id, "department_ids", departments)
    found += _one_or_any(TrainingDemand.owner_establishment_id, "establishment_ids", establishments)
    if ranks:
        found.append(any_of(TrainingDemand.prioritization_rank, "ranks"))
    if planned is not None:
        found.append(
            TrainingDemand.session_id.is_not(None) if planned else TrainingDemand.session_id.is_(None)
        )
    return found


def params(account_id: int, filters: Filters) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "owner_ids": filters.owner_ids,
        "session_ids": filters.session_ids,
        "training_ids": filters.training_ids,
        "department_ids": filters.department_ids,
        "department_ids_one": filters.department_ids[0] if filters.department_ids else None,
        "establishment_ids": filters.establishment_ids,
        "establishment_ids_one": filters.establishment_ids[0] if filters.establishment_ids else None,
        "ranks": filters.ranks,
        **team_params(filters.team),
    }


@cache
def _search(
    owners: bool,
    sessions: bool,
    trainings: bool,
    states: tuple[DemandState, ...],
    departments: int,
    establishments: int,
    ranks: bool,
    planned: bool | None,
    team: int,
    sort: Sort,
) -> Paged:
    where = conditions(owners, sessions, trainings, states, departments, establishments, ranks, planned, team)
    within = None
    if departments == 1 and sort.field != "id":  # led by (department, sort, id), as its index is
        within = (TrainingDemand.owner_department_id, bindparam("department_ids_one", type_=Integer))
    return Paged(
        _WITH_ALL.where(*where),
        TrainingDemand.id,
        base=select(TrainingDemand.id).where(*where),
        sort=SORTS.get(sort.field),
        descending=sort.descending,
        name="" if sort == Sort() else sort.name,
        within=within,
    )


async def search(tx: Tx, account_id: int, filters: Filters, sort: Sort, request: PageRequest) -> Page[Any]:
    return await paginate(tx, _search(*shape(filters), sort), params(account_id, filters), request)


# Creation -------------------------------------------------------------------------------------------------

_AUTHOR = bindparam("author_id", type_=Integer)
# Inserted only if the owner and the author are employees of the account and the training is Ready, with the
# owner's department and establishment; the owner's row is share-locked so that a move committed meanwhile
# is either seen here or applied to this demand by the trigger (migration 0004).
_CREATE = Query(
    insert(TrainingDemand)
    .from_select(
        [
            TrainingDemand.account_id, TrainingDemand.owner_id, TrainingDemand.author_id,
            TrainingDemand.training_id, TrainingDemand.reason, TrainingDemand.state, TrainingDemand.status,
            TrainingDemand.plan_id, TrainingDemand.session_id, TrainingDemand.registered_on,
            TrainingDemand.prioritization_rank, TrainingDemand.prioritized_at, TrainingDemand.refusal_reason,
            TrainingDemand.owner_department_id, TrainingDemand.owner_establishment_id,
            TrainingDemand.created_at, TrainingDemand.updated_at,
        ],
        select(
            Employee.account_id, Employee.id, _AUTHOR, Training.id, bindparam("reason", type_=String),
            literal(DemandState.REQUESTED.value), literal(DemandStatus.PENDING_APPROVAL.value),
            null(), null(), null(), literal(0), null(), null(),
            Employee.department_id, Employee.establishment_id, NOW, NOW,
        )
        .where(
            Employee.account_id == ACCOUNT,
            Employee.id == bindparam("owner_id", type_=Integer),
            Training.account_id == ACCOUNT,
            Training.id == TRAINING,
            Training.state == TrainingState.READY.value,
            exists().where(Author.account_id == ACCOUNT, Author.id == _AUTHOR),
        )
        .with_for_update(read=True, of=Employee),
    )
    .returning(TrainingDemand.id)
)  # fmt: skip
_EMPLOYEE_EXISTS = Query(select(Employee.id).where(Employee.account_id == ACCOUNT, Employee.id == ID))
_TRAINING_STATE = Query(select(Training.state).where(Training.account_id == ACCOUNT, Training.id == ID))
_PLAN_EXISTS = Query(select(Plan.id).where(Plan.account_id == ACCOUNT, Plan.id == ID))


async def create(tx: Tx, values: dict[str, Any]) -> int | None:
    """The new demand's id, or None when a reference is missing (see the lookups below)."""
    new_id: int | None = await tx.value(_CREATE, values)
    return new_id


async def employee_exists(tx: Tx, account_id: int, employee_id: int) -> bool:
    return await tx.one(_EMPLOYEE_EXISTS, {"account_id": account_id, "id": employee_id}) is not None


async def training_state(tx: Tx, account_id: int, training_id: int) -> str | None:
    state: str | None = await tx.value(_TRAINING_STATE, {"account_id": account_id, "id": training_id})
    return state


_OWNERS = Query(
    select(TrainingDemand.id, TrainingDemand.owner_id).where(
        TrainingDemand.account_id == ACCOUNT, any_of(TrainingDemand.id, "ids")
    )
)


async def owners(tx: Tx, account_id: int, demand_ids: list[int]) -> dict[int, int]:
    """The owner of each listed demand of the account (a demand that is not there is left out)."""
    rows = await tx.all(_OWNERS, {"account_id": account_id, "ids": demand_ids})
    return {row.id: row.owner_id for row in rows}


async def plan_exists(tx: Tx, account_id: int, plan_id: int) -> bool:
    return await tx.one(_PLAN_EXISTS, {"account_id": account_id, "id": plan_id}) is not None


# Transitions ----------------------------------------------------------------------------------------------

_THIS = and_(TrainingDemand.account_id == ACCOUNT, TrainingDemand.id == ID)
_LOCK = Query(
    select(
        TrainingDemand.id,
        TrainingDemand.owner_id,
        TrainingDemand.training_id,
        TrainingDemand.state,
        TrainingDemand.status,
        TrainingDemand.plan_id,
        TrainingDemand.session_id,
        TrainingDemand.registered_on,
        TrainingDemand.prioritization_rank,
        TrainingDemand.refusal_reason,
    )
    .where(_THIS)
    .with_for_update()
)
_PRIORITIZE = Query(
    update(TrainingDemand)
    .where(
        _THIS,
        or_(
            TrainingDemand.state == DemandState.REQUESTED.value,
            TrainingDemand.state == DemandState.REGISTERED.value,
        ),
    )
    .values(prioritization_rank=bindparam("rank", type_=Integer), prioritized_at=NOW, updated_at=NOW)
    .returning(TrainingDemand.id)
)
_ACCEPT = Query(
    update(TrainingDemand)
    .where(
        _THIS,
        TrainingDemand.state == DemandState.REQUESTED.value,
        TrainingDemand.status == DemandStatus.PENDING_APPROVAL.value,
    )
    .values(
        status=DemandStatus.PENDING_REGISTRATION.value,
        plan_id=bindparam("plan_id", type_=Integer),
        updated_at=NOW,
    )
    .returning(TrainingDemand.id)
)
_REFUSE = Query(
    update(TrainingDemand)
    .where(_THIS, TrainingDemand.state == DemandState.REQUESTED.value)
    .values(
        state=DemandState.INVALID.value,
        status=DemandStatus.REFUSED.value,
        refusal_reason=bindparam("reason", type_=String),
        updated_at=NOW,
    )
    .returning(TrainingDemand.id)
)
_REGISTER = Query(
    update(TrainingDemand)
    .where(_THIS, TrainingDemand.state == DemandState.REQUESTED.value)
    .values(
        state=DemandState.REGISTERED.value,
        status=DemandStatus.REGISTERED.value,
        session_id=SESSION,
        session_ends_on=ENDS_ON,
        plan_id=bindparam("plan_id", type_=Integer),
        registered_on=bindparam("today", type_=Date),
        updated_at=NOW,
    )
    .returning(TrainingDemand.id)
)
_UNREGISTER = Query(
    update(TrainingDemand)
    .where(_THIS, TrainingDemand.state == DemandState.REGISTERED.value)
    .values(
        state=DemandState.REQUESTED.value,
        status=DemandStatus.PENDING_REGISTRATION.value,
        session_id=null(),
        session_ends_on=null(),
        registered_on=null(),
        updated_at=NOW,
    )
    .returning(TrainingDemand.id)
)


async def lock(tx: Tx, account_id: int, demand_id: int) -> Any | None:
    """The demand's state, its row locked until the transaction ends (its transitions wait for each other;
    a registration locks the demand, then the session, as every path does, so none waits on the other)."""
    return await tx.one(_LOCK, {"account_id": account_id, "id": demand_id})


async def prioritize(tx: Tx, params: dict[str, Any]) -> bool:
    return await tx.one(_PRIORITIZE, params) is not None


async def accept(tx: Tx, params: dict[str, Any]) -> bool:
    return await tx.one(_ACCEPT, params) is not None


async def refuse(tx: Tx, params: dict[str, Any]) -> bool:
    return await tx.one(_REFUSE, params) is not None


async def register(tx: Tx, params: dict[str, Any]) -> bool:
    return await tx.one(_REGISTER, params) is not None


async def unregister(tx: Tx, params: dict[str, Any]) -> bool:
    return await tx.one(_UNREGISTER, params) is not None


# Sessions' seats ------------------------------------------------------------------------------------------

_THAT_SESSION = and_(Session.account_id == ACCOUNT, Session.id == SESSION)
# The last seat goes to exactly one of concurrent registrations: the count and the check are one UPDATE.
_TAKE_SEAT = Query(
    update(Session)
    .where(
        _THAT_SESSION,
        Session.status == "Open",
        Session.training_id == TRAINING,
        or_(Session.capacity.is_(None), Session.registered_count < Session.capacity),
    )
    .values(registered_count=Session.registered_count + 1)
    .returning(Session.plan_id, Session.end_on)
)
_FREE_SEATS = Query(
    update(Session)
    .where(_THAT_SESSION, Session.status != "Closed")
    .values(registered_count=Session.registered_count - bindparam("seats", type_=Integer))
    .returning(Session.id)
)
# Attendance taken: the absent give their seats back, the present are counted as confirmed.
_CONFIRM = Query(
    update(Session)
    .where(_THAT_SESSION)
    .values(
        registered_count=Session.registered_count - bindparam("absent", type_=Integer),
        confirmed_count=Session.confirmed_count + bindparam("present", type_=Integer),
        recorded_count=Session.recorded_count
        + bindparam("present", type_=Integer)
        + bindparam("absent", type_=Integer),
    )
)
_SESSION_FACTS = (
    Session.id,
    Session.status,
    Session.training_id,
    Session.plan_id,
    Session.capacity,
    Session.registered_count,
    Session.start_on,
    Session.end_on,
)
_SESSION = Query(select(*_SESSION_FACTS).where(_THAT_SESSION))
_LOCK_SESSION = Query(select(*_SESSION_FACTS).where(_THAT_SESSION).with_for_update())


async def take_seat(tx: Tx, account_id: int, session_id: int, training_id: int) -> Any | None:
    """The session's plan and last day once a seat is taken; None when it is not open, of another training,
    or full."""
    params = {"account_id": account_id, "session_id": session_id, "training_id": training_id}
    return await tx.one(_TAKE_SEAT, params)


OWNER = bindparam("owner_id", type_=Integer)
_RECORD_EXISTS = Query(
    select(RealizedTraining.id).where(
        RealizedTraining.account_id == ACCOUNT,
        RealizedTraining.owner_id == OWNER,
        RealizedTraining.training_id == TRAINING,
        RealizedTraining.session_ends_on == ENDS_ON,
    )
)
# Read from the sessions' days rather than the demands' copy, which a registration older than migration 0010
# may lack (tables.py): the copy is for the unique index, which settles registrations made at once.
_REGISTERED_THAT_DAY = Query(
    select(TrainingDemand.session_id)
    .join(Session, _of_account(Session, TrainingDemand.session_id))
    .where(
        TrainingDemand.account_id == ACCOUNT,
        TrainingDemand.owner_id == OWNER,
        TrainingDemand.training_id == TRAINING,
        TrainingDemand.state == DemandState.REGISTERED.value,
        Session.end_on == ENDS_ON,
    )
    .order_by(TrainingDemand.session_id)
    .limit(1)
)


async def has_record(tx: Tx, account_id: int, owner_id: int, training_id: int, ends_on: date) -> bool:
    """Whether the employee has a realized training of the training ending that day (Lucca's unique rule)."""
    params = {"account_id": account_id, "owner_id": owner_id, "training_id": training_id, "ends_on": ends_on}
    return await tx.one(_RECORD_EXISTS, params) is not None


async def registered_that_day(
    tx: Tx, account_id: int, owner_id: int, training_id: int, ends_on: date
) -> int | None:
    """The session of the training ending that day the employee is already registered on, if any."""
    params = {"account_id": account_id, "owner_id": owner_id, "training_id": training_id, "ends_on": ends_on}
    session_id: int | None = await tx.value(_REGISTERED_THAT_DAY, params)
    return session_id


async def free_seats(tx: Tx, account_id: int, session_id: int, seats: int) -> bool:
    """False when the session is Closed (read-only)."""
    params = {"account_id": account_id, "session_id": session_id, "seats": seats}
    return await tx.one(_FREE_SEATS, params) is not None


async def confirm(tx: Tx, account_id: int, session_id: int, present: int, absent: int) -> None:
    params = {"account_id": account_id, "session_id": session_id, "present": present, "absent": absent}
    await tx.execute(_CONFIRM, params)


async def session(tx: Tx, account_id: int, session_id: int, *, lock: bool = False) -> Any | None:
    query = _LOCK_SESSION if lock else _SESSION
    return await tx.one(query, {"account_id": account_id, "session_id": session_id})


# Attendance -----------------------------------------------------------------------------------------------

_LISTED = and_(TrainingDemand.account_id == ACCOUNT, any_of(TrainingDemand.id, "ids"))
# In id order, as every path locks several demands, so that two attendances never wait on each other.
_LOCK_MANY = Query(
    select(TrainingDemand.id, TrainingDemand.state, TrainingDemand.status, TrainingDemand.session_id)
    .where(_LISTED)
    .order_by(TrainingDemand.id)
    .with_for_update()
)
# The realized trainings of the listed demands, from their session, in one statement per answer (present or
# absent): a 500-person session is two statements, not 500.
_RECORD = Query(
    insert(RealizedTraining)
    .from_select(
        [
            RealizedTraining.account_id, RealizedTraining.owner_id, RealizedTraining.training_id,
            RealizedTraining.session_starts_on, RealizedTraining.session_ends_on,
            RealizedTraining.duration_hundredths, RealizedTraining.has_attended,
            RealizedTraining.training_demand_id, RealizedTraining.session_id, RealizedTraining.created_at,
        ],
        select(
            TrainingDemand.account_id, TrainingDemand.owner_id, Session.training_id, Session.start_on,
            Session.end_on, Session.duration_hundredths, bindparam("has_attended", type_=Boolean),
            TrainingDemand.id, Session.id, NOW,
        )
        .join(Session, _of_account(Session, TrainingDemand.session_id))
        .where(_LISTED)
        .order_by(TrainingDemand.id),
    )
    .returning(RealizedTraining.id)
)  # fmt: skip
_REALIZE = Query(
    update(TrainingDemand)
    .where(_LISTED)
    .values(
        state=DemandState.REALIZED.value,
        status=DemandStatus.REALIZED.value,
        session_ends_on=null(),
        updated_at=NOW,
    )
)
_BACK_TO_REQUESTED = Query(
    update(TrainingDemand)
    .where(_LISTED)
    .values(
        state=DemandState.REQUESTED.value,
        status=DemandStatus.PENDING_REGISTRATION.value,
        session_id=null(),
        session_ends_on=null(),
        registered_on=null(),
        updated_at=NOW,
    )
)


# The first listed demand whose owner already holds a realized training of the session's training ending on
# its last day (made through the API, or an import, after the registration): its attendance can't be recorded.
_RECORDED_ALREADY = Query(
    select(TrainingDemand.id, TrainingDemand.owner_id, RealizedTraining.id.label("record_id"))
    .join(
        RealizedTraining,
        and_(
            RealizedTraining.account_id == TrainingDemand.account_id,
            RealizedTraining.owner_id == TrainingDemand.owner_id,
            RealizedTraining.training_id == TrainingDemand.training_id,
            RealizedTraining.session_ends_on == ENDS_ON,
        ),
    )
    .where(_LISTED)
    .order_by(TrainingDemand.id)
    .limit(1)
)


async def recorded_already(tx: Tx, account_id: int, demand_ids: list[int], ends_on: date) -> Any | None:
    """(id, owner_id, record_id) of the first demand whose attendance would repeat an existing record."""
    return await tx.one(_RECORDED_ALREADY, {"account_id": account_id, "ids": demand_ids, "ends_on": ends_on})


async def lock_many(tx: Tx, account_id: int, demand_ids: list[int]) -> list[Any]:
    return await tx.all(_LOCK_MANY, {"account_id": account_id, "ids": demand_ids})


async def record_attendance(
    tx: Tx, account_id: int, demand_ids: list[int], has_attended: bool, now: datetime
) -> list[int]:
    """Realized trainings for the demands (registered on a session), and the demands moved on: Realized when
    attended, back to Requested (off the session) when absent. The new records' ids."""
    if not demand_ids:
        return []
    params = {"account_id": account_id, "ids": demand_ids, "has_attended": has_attended, "now": now}
    recorded = [row.id for row in await tx.all(_RECORD, params)]
    await tx.execute(_REALIZE if has_attended else _BACK_TO_REQUESTED, params)
    return recorded


async def recorded(tx: Tx, account_id: int, ids: list[int]) -> list[Any]:
    """Realized trainings as the v2 API shows them (realized_trainings/views.py), in demand order."""
    rows = await realized_repository.by_ids(tx, account_id, ids)
    return sorted(rows, key=lambda row: row.training_demand_id)
