"""Plans and sessions: the rules of the workflow contract (shared/workflow.md, "Plans and sessions").

A session's `status` is stored `Draft`, `Open` or `Closed`; an open session reads `Open`, `Running` or
`Finished` by its dates (`displayed_status`, the one place that says so; the list's `statuses` filter says the
same in SQL, planning/repository.py)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any, NamedTuple

from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.catalog.schemas import TrainingState
from talent_training.db.base import utcnow
from talent_training.db.database import Tx
from talent_training.db.errors import UniqueViolation
from talent_training.kit.actor import Actor
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.kit.types import hours_to_hundredths, hundredths_to_json
from talent_training.planning import repository
from talent_training.planning.repository import SessionFilters
from talent_training.planning.schemas import PlanCreate, SessionCreate, SessionPatch, SessionStatus

# Fields a merge patch may set to null (they are optional); any other null is 400.
_NULLABLE = frozenset({"capacity"})
_NULLABLE_LOCATION = frozenset({"address", "remoteUrl"})
_LOCATION_COLUMNS = {
    "isOnSite": "is_on_site",
    "isRemote": "is_remote",
    "address": "address",
    "remoteUrl": "remote_url",
}


def displayed_status(stored: str, start_on: date, end_on: date, today: date) -> str:
    """What a session's `status` reads: `Draft` and `Closed` as stored; an `Open` session is `Open` before
    `startOn`, `Running` from `startOn` to `endOn` inclusive and `Finished` after `endOn`, `today` being the
    date in the service's time zone (kit/clock.py)."""
    if stored != SessionStatus.OPEN:
        return stored
    if today < start_on:
        return SessionStatus.OPEN.value
    if today <= end_on:
        return SessionStatus.RUNNING.value
    return SessionStatus.FINISHED.value


class SessionRow(NamedTuple):
    """A session as the session statements read it (planning/views.py writes it); `status` as displayed once
    it leaves this module."""

    id: int
    training_id: int
    training_title: str
    training_level: str
    plan_id: int
    start_on: date
    end_on: date
    duration_hundredths: int
    capacity: int | None
    is_on_site: bool
    is_remote: bool
    address: str | None
    remote_url: str | None
    status: str
    registered_count: int


def _as_displayed(row: Any, today: date) -> Any:
    return row._replace(status=displayed_status(row.status, row.start_on, row.end_on, today))


# Plans -----------------------------------------------------------------------------------------------------


async def create_plan(tx: Tx, actor: Actor, data: PlanCreate) -> Any:
    """A plan spans `startOn` to `endOn` (inclusive, a single day allowed). Names need not be unique."""
    if data.endOn < data.startOn:
        raise RuleViolation("endOn", f"must not be before startOn ({data.startOn.isoformat()})")
    row = await repository.insert_plan(tx, actor.account_id, data.name, data.startOn, data.endOn, utcnow())
    fields = {"name": data.name, "startOn": data.startOn, "endOn": data.endOn}
    await audit.record(tx, actor, "plan", row.id, Action.CREATE, audit.created(fields))
    return row


async def get_plan(tx: Tx, account_id: int, plan_id: int) -> Any:
    row = await repository.get_plan(tx, account_id, plan_id)
    if row is None:
        raise NotFound(f"Plan {plan_id}")
    return row


async def list_plans(tx: Tx, account_id: int, request: PageRequest) -> Page[Any]:
    return await repository.list_plans(tx, account_id, request)


# Sessions --------------------------------------------------------------------------------------------------


# What a session's realized trainings copy from it (training_demands/service.py `take_attendance`).
_IN_THE_RECORDS = (
    ("trainingId", "training_id"),
    ("startOn", "start_on"),
    ("endOn", "end_on"),
    ("durationInHours", "duration_hundredths"),
)


def _audited(values: dict[str, Any]) -> dict[str, Any]:
    """A session's writable fields as the API names them, for the audit trail."""
    location: dict[str, Any] = {"isOnSite": values["is_on_site"], "isRemote": values["is_remote"]}
    if values["address"] is not None:
        location["address"] = values["address"]
    if values["remote_url"] is not None:
        location["remoteUrl"] = values["remote_url"]
    return {
        "trainingId": values["training_id"],
        "planId": values["plan_id"],
        "startOn": values["start_on"],
        "endOn": values["end_on"],
        "durationInHours": hundredths_to_json(values["duration_hundredths"]),
        "capacity": values["capacity"],
        "location": location,
        "status": values["status"],
    }


async def _training_must_be_ready(tx: Tx, account_id: int, training_id: int) -> None:
    state = await repository.training_state(tx, account_id, training_id)
    if state is None:
        raise RuleViolation("trainingId", f"training {training_id} does not exist")
    if state != TrainingState.READY:
        raise RuleViolation("trainingId", f"training {training_id} is {state}: it must be Ready")


async def _plan_must_exist(tx: Tx, account_id: int, plan_id: int) -> None:
    if await repository.get_plan(tx, account_id, plan_id) is None:
        raise RuleViolation("planId", f"plan {plan_id} does not exist")


async def create_session(tx: Tx, actor: Actor, data: SessionCreate) -> SessionRow:
    """A new session is a `Draft` of a `Ready` training, in a plan of the account, with nobody registered."""
    if data.endOn < data.startOn:
        raise RuleViolation("endOn", f"must not be before startOn ({data.startOn.isoformat()})")
    account_id = actor.account_id
    location = data.location
    values: dict[str, Any] = {
        "account_id": account_id,
        "training_id": data.trainingId,
        "plan_id": data.planId,
        "start_on": data.startOn,
        "end_on": data.endOn,
        "duration_hundredths": hours_to_hundredths(data.durationInHours),
        "capacity": data.capacity,
        "is_on_site": location.isOnSite if location else False,
        "is_remote": location.isRemote if location else False,
        "address": location.address if location else None,
        "remote_url": location.remoteUrl if location else None,
        "status": SessionStatus.DRAFT.value,
        "registered_count": 0,
        "now": utcnow(),
    }
    created = await repository.insert_session(tx, values)
    if created is None:  # nothing written: say which reference is wrong
        await _training_must_be_ready(tx, account_id, data.trainingId)
        await _plan_must_exist(tx, account_id, data.planId)
        raise Conflict("The session's training or plan changed while it was being created.")
    await audit.record(tx, actor, "session", created.id, Action.CREATE, audit.created(_audited(values)))
    return SessionRow(
        created.id, data.trainingId, created.training_title, created.training_level, data.planId,
        data.startOn, data.endOn, values["duration_hundredths"], data.capacity, values["is_on_site"],
        values["is_remote"], values["address"], values["remote_url"], values["status"], 0,
    )  # fmt: skip


async def get_session(tx: Tx, account_id: int, session_id: int, today: date) -> Any:
    row = await repository.get_session(tx, account_id, session_id)
    if row is None:
        raise NotFound(f"Session {session_id}")
    return _as_displayed(row, today)


async def list_sessions(
    tx: Tx, account_id: int, filters: SessionFilters, today: date, request: PageRequest
) -> Page[Any]:
    page = await repository.list_sessions(tx, account_id, filters, today, request)
    return dataclasses.replace(page, items=[_as_displayed(row, today) for row in page.items])


def _refuse_nulls(patch: SessionPatch) -> None:
    sent = patch.model_fields_set
    for field in sorted(sent - _NULLABLE):
        if getattr(patch, field) is None:
            raise RuleViolation(field, "may not be null")
    if patch.location is not None:
        for field in sorted(patch.location.model_fields_set - _NULLABLE_LOCATION):
            if getattr(patch.location, field) is None:
                raise RuleViolation(f"location.{field}", "may not be null")


def _merged(current: Any, patch: SessionPatch) -> dict[str, Any]:
    """The session's writable columns once the patch is applied (absent fields unchanged)."""
    sent = patch.model_fields_set
    values = {
        "training_id": current.training_id,
        "plan_id": current.plan_id,
        "start_on": current.start_on,
        "end_on": current.end_on,
        "duration_hundredths": current.duration_hundredths,
        "capacity": current.capacity,
        "is_on_site": current.is_on_site,
        "is_remote": current.is_remote,
        "address": current.address,
        "remote_url": current.remote_url,
        "status": current.status,
    }
    simple = {"trainingId": "training_id", "planId": "plan_id", "startOn": "start_on", "endOn": "end_on"}
    for field, column in simple.items():
        if field in sent:
            values[column] = getattr(patch, field)
    if "durationInHours" in sent and patch.durationInHours is not None:
        values["duration_hundredths"] = hours_to_hundredths(patch.durationInHours)
    if "capacity" in sent:
        values["capacity"] = patch.capacity
    if patch.location is not None:
        for field, column in _LOCATION_COLUMNS.items():
            if field in patch.location.model_fields_set:
                values[column] = getattr(patch.location, field)
    if patch.status is not None:
        values["status"] = patch.status.value
    return values


async def update_session(tx: Tx, actor: Actor, session_id: int, patch: SessionPatch, today: date) -> Any:
    """Merge patch of the create fields, and `status`: `Open` publishes a draft, `Draft` takes an open session
    back while nobody is registered, `Closed` ends an ended session's life. A closed session is read-only.

    The rules are judged on the session as the patch would leave it, under a lock of its row: a registration
    (which counts itself in `registered_count`) cannot slip between the checks and the update."""
    _refuse_nulls(patch)
    account_id = actor.account_id
    if "endOn" in patch.model_fields_set:  # the trigger will write the registrations: lock them first
        await repository.lock_registrations(tx, account_id, session_id)
    current = await repository.lock_session(tx, account_id, session_id)
    if current is None:
        raise NotFound(f"Session {session_id}")
    if current.status == SessionStatus.CLOSED:
        raise Conflict(f"Session {session_id} is Closed: a closed session can no longer be changed.")
    values = _merged(current, patch)
    registered = current.registered_count
    if current.recorded_count:  # realized trainings carry these: they no longer change
        for field, column in _IN_THE_RECORDS:
            if values[column] != getattr(current, column):
                raise Conflict(
                    f"Session {session_id} has its attendance recorded: its {field} is in the realized "
                    "trainings it produced and can no longer change.",
                    field,
                )

    if values["end_on"] < values["start_on"]:
        if "endOn" in patch.model_fields_set or "startOn" not in patch.model_fields_set:
            raise RuleViolation("endOn", f"must not be before startOn ({values['start_on'].isoformat()})")
        raise RuleViolation("startOn", f"must not be after endOn ({values['end_on'].isoformat()})")
    if values["training_id"] != current.training_id:
        if registered:
            raise Conflict(
                f"Session {session_id} has {registered} registered: its training can no longer change.",
                "trainingId",
            )
        await _training_must_be_ready(tx, account_id, values["training_id"])
    if values["plan_id"] != current.plan_id:
        if registered:
            raise Conflict(
                f"Session {session_id} has {registered} registered: its plan can no longer change.", "planId"
            )
        await _plan_must_exist(tx, account_id, values["plan_id"])
    if (
        "capacity" in patch.model_fields_set
        and values["capacity"] is not None
        and values["capacity"] < registered
    ):
        raise Conflict(
            f"Session {session_id} has {registered} registered: its capacity may not be less.", "capacity"
        )
    if values["status"] != current.status:
        shown = displayed_status(current.status, current.start_on, current.end_on, today)
        awaiting = registered - current.confirmed_count
        _check_transition(
            session_id,
            shown,
            values,
            today,
            registered=registered,
            awaiting=awaiting,
            recorded=current.recorded_count,
        )
        if values["status"] == SessionStatus.OPEN:  # published: its training must still be offered
            await _training_must_be_ready(tx, account_id, values["training_id"])

    before, after = _audited(current._asdict()), _audited(values)
    if changes := audit.changed(before, after):
        try:
            await repository.update_session(
                tx, {**values, "account_id": account_id, "id": session_id, "now": utcnow()}
            )
        except UniqueViolation:
            # Raised by the trigger that moves the registrations' last day with the session's (migration
            # 0010): the only unique rule a session's update reaches.
            raise Conflict(
                f"An employee registered on session {session_id} is also registered on another session of "
                "this training, or already holds a realized training of it, ending on "
                f"{values['end_on'].isoformat()}: their attendance could not be recorded. Unregister them "
                "first, or choose another day.",
                "endOn",
            ) from None
        await audit.record(tx, actor, "session", session_id, Action.UPDATE, changes)
    return await get_session(tx, account_id, session_id, today)


def _check_transition(
    session_id: int,
    shown: str,
    values: dict[str, Any],
    today: date,
    *,
    registered: int,
    awaiting: int,
    recorded: int,
) -> None:
    """Draft -> Open publishes; Open -> Draft unpublishes while nobody is registered and no attendance was
    taken; Draft or Open -> Closed once the session has ended (`endOn <= today`)."""
    target = values["status"]
    if target == SessionStatus.DRAFT and recorded:
        raise Conflict(
            f"Session {session_id} has its attendance recorded ({recorded} realized trainings): it happened, "
            "and can no longer go back to Draft.",
            "status",
        )
    if target == SessionStatus.DRAFT and registered:
        raise Conflict(
            f"Session {session_id} is {shown} with {registered} registered: unregister them before taking it "
            "back to Draft.",
            "status",
        )
    if target == SessionStatus.CLOSED and awaiting:
        raise Conflict(
            f"Session {session_id} has {awaiting} registered demand(s) awaiting attendance: take attendance "
            "(or unregister them) before closing it, or they would stay registered for good.",
            "status",
        )
    if target == SessionStatus.CLOSED and values["end_on"] > today:
        raise Conflict(
            f"Session {session_id} ends on {values['end_on'].isoformat()}: it can be closed once it has "
            f"ended (today is {today.isoformat()}).",
            "status",
        )
