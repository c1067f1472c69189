"""The rules of Lucca's realized trainings (notes §4), in the order the docs give them."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.db.base import utcnow
from talent_training.db.database import Tx
from talent_training.db.errors import UniqueViolation
from talent_training.kit.actor import Actor
from talent_training.kit.paging import Page, PageRequest, Sort
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.kit.types import hours_to_hundredths, hundredths_to_json
from talent_training.realized_trainings import repository
from talent_training.realized_trainings.repository import Filters, V1Filters
from talent_training.realized_trainings.schemas import RealizedTrainingCreate


class RecordedRow(NamedTuple):
    """A just-recorded realized training, shaped like the rows the statements read (same names)."""

    id: int
    owner_id: int
    training_id: int
    session_starts_on: date
    session_ends_on: date
    duration_hundredths: int
    has_attended: bool
    training_demand_id: int | None
    session_id: int | None
    cost_hundredths: int | None
    cost_currency: str | None
    expires_on: date | None
    title: str
    category_id: int | None
    level: str
    website_href: str | None


async def record(tx: Tx, actor: Actor, data: RealizedTrainingCreate, today: date) -> RecordedRow:
    # "sessionEndsOn must be in the past": a session that ended today may be recorded today
    # (docs/decisions.md).
    if data.sessionEndsOn > today:
        raise RuleViolation("sessionEndsOn", f"must not be after today ({today.isoformat()})")
    if data.sessionStartsOn > data.sessionEndsOn:
        raise RuleViolation("sessionStartsOn", "must not be after sessionEndsOn")
    # What the training gave cannot lapse before the training ended (the same day may: a one-day validity).
    if data.expiresOn is not None and data.expiresOn < data.sessionEndsOn:
        ends_on = data.sessionEndsOn.isoformat()
        raise RuleViolation("expiresOn", f"must not be before sessionEndsOn ({ends_on})")
    hundredths = hours_to_hundredths(data.durationInHours)
    cost = data.cost
    cost_hundredths = None if cost is None else cost.hundredths
    currency = None if cost is None else cost.currency
    account_id = actor.account_id
    values = {
        "account_id": account_id,
        "owner_id": data.ownerId,
        "training_id": data.trainingId,
        "session_starts_on": data.sessionStartsOn,
        "session_ends_on": data.sessionEndsOn,
        "duration_hundredths": hundredths,
        "cost_hundredths": cost_hundredths,
        "cost_currency": currency,
        "expires_on": data.expiresOn,
        "now": utcnow(),
    }
    try:
        recorded = await repository.record(tx, values)
    except UniqueViolation:
        raise Conflict(
            f"Employee {data.ownerId} already has a realized training of training {data.trainingId} "
            f"ending on {data.sessionEndsOn.isoformat()}.",
            "sessionEndsOn",
        ) from None
    if recorded is None:  # nothing written: say why
        state = await repository.training_state(tx, account_id, data.trainingId)
        if state is None:
            raise RuleViolation("trainingId", f"training {data.trainingId} does not exist")
        raise RuleViolation("trainingId", f"training {data.trainingId} is {state}: it must be Ready")
    fields = {
        "ownerId": data.ownerId,
        "trainingId": data.trainingId,
        "sessionStartsOn": data.sessionStartsOn,
        "sessionEndsOn": data.sessionEndsOn,
        "durationInHours": hundredths_to_json(hundredths),
        "hasAttended": True,
    }
    if cost_hundredths is not None:
        fields["cost"] = {"amount": hundredths_to_json(cost_hundredths), "currency": currency}
    if data.expiresOn is not None:
        fields["expiresOn"] = data.expiresOn
    await audit.record(tx, actor, "realized-training", recorded.id, Action.CREATE, audit.created(fields))
    # Everything the answer shows is known here: no need to read the new row back.
    return RecordedRow(
        recorded.id, data.ownerId, data.trainingId, data.sessionStartsOn, data.sessionEndsOn,
        hundredths, True, None, None, cost_hundredths, currency, data.expiresOn,
        recorded.title, recorded.category_id, recorded.level, recorded.website_href,
    )  # fmt: skip


async def get(tx: Tx, account_id: int, realized_training_id: int) -> Any:
    row = await repository.get(tx, account_id, realized_training_id)
    if row is None:
        raise NotFound(f"Realized training {realized_training_id}")
    return row


async def search(tx: Tx, account_id: int, filters: Filters, request: PageRequest) -> Page[Any]:
    return await repository.search(tx, account_id, filters, request)


async def v1_list(tx: Tx, account_id: int, filters: V1Filters, sort: Sort, request: PageRequest) -> Page[Any]:
    """Lucca's deprecated v1 list: the same records, flat, sortable by id or by last day of the session."""
    return await repository.v1_list(tx, account_id, filters, sort, request)
