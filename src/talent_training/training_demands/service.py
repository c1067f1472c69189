"""The rules of training demands (../shared/workflow.md), one function per transition.

A transition is allowed from the states the contract lists and from no other: anything else is 409, with
the demand's current state in the detail. Each runs in the request's transaction; a refusal writes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NoReturn

from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.db.base import utcnow
from talent_training.db.database import Tx
from talent_training.db.errors import UniqueViolation
from talent_training.kit.actor import Actor
from talent_training.kit.paging import Page, PageRequest, Sort
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.training_demands import repository
from talent_training.training_demands.repository import Filters
from talent_training.training_demands.schemas import (
    LEVELS,
    RANKS,
    DemandCreate,
    DemandState,
    DemandStatus,
    Presence,
    PrioritizationLevel,
)

RESOURCE = "training-demand"


async def get(tx: Tx, account_id: int, demand_id: int) -> Any:
    row = await repository.get(tx, account_id, demand_id)
    if row is None:
        raise NotFound(f"Training demand {demand_id}")
    return row


async def search(tx: Tx, account_id: int, filters: Filters, sort: Sort, page: PageRequest) -> Page[Any]:
    return await repository.search(tx, account_id, filters, sort, page)


async def owners(tx: Tx, account_id: int, demand_ids: list[int]) -> dict[int, int]:
    """Whose each demand is, in one statement (the console's bulk actions check a manager's team with it)."""
    return await repository.owners(tx, account_id, demand_ids)


async def create(tx: Tx, actor: Actor, data: DemandCreate) -> Any:
    """A new demand is `Requested`, pending approval; its owner and author are employees of the directory,
    its training is Ready. The author is the owner unless said otherwise."""
    account_id = actor.account_id
    author_id = data.authorId if data.authorId is not None else data.ownerId
    values = {
        "account_id": account_id,
        "owner_id": data.ownerId,
        "author_id": author_id,
        "training_id": data.trainingId,
        "reason": data.reason,
        "now": utcnow(),
    }
    demand_id = await repository.create(tx, values)
    if demand_id is None:  # nothing written: say which reference is wrong
        if not await repository.employee_exists(tx, account_id, data.ownerId):
            raise RuleViolation("ownerId", f"employee {data.ownerId} does not exist in the directory")
        if not await repository.employee_exists(tx, account_id, author_id):
            raise RuleViolation("authorId", f"employee {author_id} does not exist in the directory")
        state = await repository.training_state(tx, account_id, data.trainingId)
        if state is None:
            raise RuleViolation("trainingId", f"training {data.trainingId} does not exist")
        raise RuleViolation("trainingId", f"training {data.trainingId} is {state}: it must be Ready")
    fields = {
        "ownerId": data.ownerId,
        "authorId": author_id,
        "trainingId": data.trainingId,
        "reason": data.reason,
        "state": DemandState.REQUESTED,
        "status": DemandStatus.PENDING_APPROVAL,
    }
    await audit.record(tx, actor, RESOURCE, demand_id, Action.CREATE, audit.created(fields))
    return await get(tx, account_id, demand_id)


async def prioritize(tx: Tx, actor: Actor, demand_id: int, level: PrioritizationLevel) -> Any:
    """Allowed while `Requested` or `Registered`. The level it already has changes nothing, not even when it
    was last modified (as every write that changes nothing)."""
    demand = await _locked(tx, actor.account_id, demand_id)
    _allowed(demand, "prioritised", (DemandState.REQUESTED, DemandState.REGISTERED))
    if demand.prioritization_rank == RANKS[level]:
        return await get(tx, actor.account_id, demand_id)
    await repository.prioritize(tx, {**_this(actor, demand_id), "rank": RANKS[level], "now": utcnow()})
    before = {"prioritization.level": LEVELS.get(demand.prioritization_rank)}
    return await _changed(tx, actor, demand_id, before, {"prioritization.level": level})


async def accept(tx: Tx, actor: Actor, demand_id: int, plan_id: int) -> Any:
    """Into a plan: allowed while `Requested` and pending approval; then it awaits registration."""
    demand = await _locked(tx, actor.account_id, demand_id)
    _allowed(demand, "accepted", (DemandState.REQUESTED,), DemandStatus.PENDING_APPROVAL)
    if not await repository.plan_exists(tx, actor.account_id, plan_id):
        raise RuleViolation("planId", f"plan {plan_id} does not exist")
    await repository.accept(tx, {**_this(actor, demand_id), "plan_id": plan_id, "now": utcnow()})
    before = {"status": demand.status, "planId": demand.plan_id}
    return await _changed(
        tx, actor, demand_id, before, {"status": DemandStatus.PENDING_REGISTRATION, "planId": plan_id}
    )


async def refuse(tx: Tx, actor: Actor, demand_id: int, reason: str) -> Any:
    """Allowed while `Requested`; `Invalid` is final."""
    demand = await _locked(tx, actor.account_id, demand_id)
    _allowed(demand, "refused", (DemandState.REQUESTED,))
    await repository.refuse(tx, {**_this(actor, demand_id), "reason": reason, "now": utcnow()})
    before = {"state": demand.state, "status": demand.status, "refusalReason": demand.refusal_reason}
    after = {"state": DemandState.INVALID, "status": DemandStatus.REFUSED, "refusalReason": reason}
    return await _changed(tx, actor, demand_id, before, after)


async def register(tx: Tx, actor: Actor, demand_id: int, session_id: int, today: date) -> Any:
    """On an Open, Running or Finished session of the demand's training with a seat left; a demand pending
    approval is accepted into the session's plan on the way. Not when its attendance could never be
    recorded (409), since an employee has one realized training per training and last day: the employee
    already holds one of this training ending that day, or is already registered on a session of this
    training ending that day (this one, by another demand, or another). The database has the last word on
    the second: two such registrations at once make one unique-index violation."""
    account_id = actor.account_id
    demand = await _locked(tx, account_id, demand_id)
    owner, training = demand.owner_id, demand.training_id
    _allowed(demand, "registered", (DemandState.REQUESTED,))
    seat = await repository.take_seat(tx, account_id, session_id, training)
    if seat is None:
        await _explain_no_seat(tx, account_id, session_id, training)
    ends_on = seat.end_on.isoformat()
    if await repository.has_record(tx, account_id, owner, training, seat.end_on):
        raise Conflict(
            f"Employee {owner} already has a realized training of this training ending on {ends_on}: their "
            f"attendance at session {session_id} could not be recorded.",
            "sessionId",
        )
    other = await repository.registered_that_day(tx, account_id, owner, training, seat.end_on)
    if other == session_id:
        raise Conflict(
            f"Employee {owner} is already registered on session {session_id} by another demand.", "sessionId"
        )
    if other is not None:
        raise Conflict(
            f"Employee {owner} is already registered on session {other} of this training, which also ends on "
            f"{ends_on}: only one of the two attendances could be recorded.",
            "sessionId",
        )
    params = {**_this(actor, demand_id), "session_id": session_id, "plan_id": seat.plan_id}
    try:
        await repository.register(tx, {**params, "ends_on": seat.end_on, "today": today, "now": utcnow()})
    except UniqueViolation:  # by a registration that committed while this one ran
        raise Conflict(
            f"Employee {owner} was registered meanwhile on a session of this training ending on {ends_on}: "
            "only one of the two attendances could be recorded.",
            "sessionId",
        ) from None
    before = {
        "state": demand.state,
        "status": demand.status,
        "sessionId": demand.session_id,
        "planId": demand.plan_id,
        "registeredOn": demand.registered_on,
    }
    after = {
        "state": DemandState.REGISTERED,
        "status": DemandStatus.REGISTERED,
        "sessionId": session_id,
        "planId": seat.plan_id,
        "registeredOn": today,
    }
    return await _changed(tx, actor, demand_id, before, after)


async def unregister(tx: Tx, actor: Actor, demand_id: int) -> Any:
    """Back to `Requested`, pending registration, its seat freed; not from a Closed session."""
    account_id = actor.account_id
    demand = await _locked(tx, account_id, demand_id)
    _allowed(demand, "unregistered", (DemandState.REGISTERED,))
    if not await repository.free_seats(tx, account_id, demand.session_id, 1):
        raise Conflict(f"Session {demand.session_id} is Closed: its registrations can no longer change.")
    await repository.unregister(tx, {**_this(actor, demand_id), "now": utcnow()})
    before = {
        "state": demand.state,
        "status": demand.status,
        "sessionId": demand.session_id,
        "registeredOn": demand.registered_on,
    }
    after = {
        "state": DemandState.REQUESTED,
        "status": DemandStatus.PENDING_REGISTRATION,
        "sessionId": None,
        "registeredOn": None,
    }
    return await _changed(tx, actor, demand_id, before, after)


async def take_attendance(
    tx: Tx, actor: Actor, session_id: int, presences: list[Presence], today: date
) -> list[Any]:
    """All or nothing: for each demand registered on the session, a realized training (`hasAttended` as
    sent); an attended demand is `Realized`, an absent one back to `Requested` (pending registration, free to
    be registered on another session). Once the session is over, and not after it is Closed."""
    account_id = actor.account_id
    _may_take_attendance(await repository.session(tx, account_id, session_id), session_id, today)
    seen: dict[int, int] = {}
    for n, presence in enumerate(presences):
        if presence.demandId in seen:
            raise RuleViolation(f"items.{n}.demandId", f"demand {presence.demandId} is listed twice")
        seen[presence.demandId] = n
    demands = {row.id: row for row in await repository.lock_many(tx, account_id, sorted(seen))}
    for demand_id, n in seen.items():
        demand = demands.get(demand_id)
        if demand is None:
            raise RuleViolation(f"items.{n}.demandId", f"training demand {demand_id} does not exist")
        if demand.state != DemandState.REGISTERED:
            raise Conflict(
                f"Training demand {demand_id} is {demand.state} ({demand.status}): only a demand registered "
                "on the session can be confirmed.",
                f"items.{n}.demandId",
            )
        if demand.session_id != session_id:
            raise RuleViolation(
                f"items.{n}.demandId",
                f"training demand {demand_id} is registered on session {demand.session_id}, not {session_id}",
            )
    # Read again under its lock: a patch of its dates may have been committed meanwhile.
    session = _may_take_attendance(
        await repository.session(tx, account_id, session_id, lock=True), session_id, today
    )
    if clash := await repository.recorded_already(tx, account_id, sorted(seen), session.end_on):
        raise Conflict(
            f"Employee {clash.owner_id} already has realized training {clash.record_id} of this training "
            f"ending on {session.end_on.isoformat()}: the attendance of training demand {clash.id} cannot be "
            "recorded. Nothing was recorded; unregister the demand and send the sheet again.",
            f"items.{seen[clash.id]}.demandId",
        )
    attended = [p.demandId for p in presences if p.hasAttended]
    absent = [p.demandId for p in presences if not p.hasAttended]
    now = utcnow()
    try:
        recorded = await repository.record_attendance(tx, account_id, sorted(attended), True, now)
        recorded += await repository.record_attendance(tx, account_id, sorted(absent), False, now)
    except UniqueViolation:
        raise Conflict(
            "An employee of this session already has a realized training of this training ending on "
            f"{session.end_on.isoformat()}: nothing was recorded."
        ) from None
    await repository.confirm(tx, account_id, session_id, len(attended), len(absent))
    rows = await repository.recorded(tx, account_id, recorded)
    # One event for the whole sheet: who was there, and the records it made.
    sheet = [
        {"demandId": row.training_demand_id, "hasAttended": row.has_attended, "realizedTrainingId": row.id}
        for row in rows
    ]
    await audit.record(tx, actor, "session", session_id, Action.UPDATE, {"attendance": [None, sheet]})
    return rows


def _may_take_attendance(session: Any | None, session_id: int, today: date) -> Any:
    if session is None:
        raise NotFound(f"Session {session_id}")
    if session.status == "Closed":
        raise Conflict(f"Session {session_id} is Closed: its attendance can no longer change.")
    if session.end_on > today:
        raise Conflict(
            f"Session {session_id} ends on {session.end_on.isoformat()}: attendance is taken once it is over."
        )
    return session


def _this(actor: Actor, demand_id: int) -> dict[str, Any]:
    return {"account_id": actor.account_id, "id": demand_id}


async def _locked(tx: Tx, account_id: int, demand_id: int) -> Any:
    """The demand, its row locked until the transaction ends: its transitions apply one after the other, each
    judging the state the previous one left. A demand is locked before its session, on every path."""
    demand = await repository.lock(tx, account_id, demand_id)
    if demand is None:
        raise NotFound(f"Training demand {demand_id}")
    return demand


def _allowed(
    demand: Any, done: str, states: tuple[DemandState, ...], status: DemandStatus | None = None
) -> None:
    if demand.state not in states or (status is not None and demand.status != status):
        raise Conflict(
            f"Training demand {demand.id} is {demand.state} ({demand.status}): it cannot be {done}."
        )


async def _changed(
    tx: Tx, actor: Actor, demand_id: int, before: dict[str, Any], after: dict[str, Any]
) -> Any:
    if changes := audit.changed(before, after):
        await audit.record(tx, actor, RESOURCE, demand_id, Action.UPDATE, changes)
    return await get(tx, actor.account_id, demand_id)


async def _explain_no_seat(tx: Tx, account_id: int, session_id: int, training_id: int) -> NoReturn:
    session = await repository.session(tx, account_id, session_id)
    if session is None:
        raise RuleViolation("sessionId", f"session {session_id} does not exist")
    if session.training_id != training_id:
        raise RuleViolation(
            "sessionId",
            f"session {session_id} is a session of training {session.training_id}, not {training_id}",
        )
    if session.status != "Open":
        raise Conflict(
            f"Session {session_id} is {session.status}: registrations need an open session.", "sessionId"
        )
    raise Conflict(f"Session {session_id} is full ({session.capacity} seats).", "sessionId")
