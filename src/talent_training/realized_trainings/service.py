"""The rules of Lucca's realized trainings (notes §4), in the order the docs give them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from talent_training.db.base import utcnow
from talent_training.db.database import Database
from talent_training.db.errors import is_unique_violation
from talent_training.db.paging import AnyRow
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.kit.types import hours_to_hundredths
from talent_training.realized_trainings import repository
from talent_training.realized_trainings.repository import Filters, RecordedRow
from talent_training.realized_trainings.schemas import RealizedTrainingCreate


async def record(
    database: Database, account_id: int, data: RealizedTrainingCreate, today: date
) -> RecordedRow:
    # "sessionEndsOn must be in the past": a session that ended today may be recorded today
    # (docs/decisions.md).
    if data.sessionEndsOn > today:
        raise RuleViolation("sessionEndsOn", f"must not be after today ({today.isoformat()})")
    if data.sessionStartsOn > data.sessionEndsOn:
        raise RuleViolation("sessionStartsOn", "must not be after sessionEndsOn")
    hundredths = hours_to_hundredths(data.durationInHours)
    values = {
        "account_id": account_id,
        "owner_id": data.ownerId,
        "training_id": data.trainingId,
        "session_starts_on": data.sessionStartsOn,
        "session_ends_on": data.sessionEndsOn,
        "duration_hundredths": hundredths,
        "created_at": utcnow(),
    }
    try:
        training, new_id = await repository.record(database, values)
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(
                f"Employee {data.ownerId} already has a realized training of training {data.trainingId} "
                f"ending on {data.sessionEndsOn.isoformat()}.",
                "sessionEndsOn",
            ) from None
        raise
    if training is None:
        raise RuleViolation("trainingId", f"training {data.trainingId} does not exist")
    if new_id is None:
        raise RuleViolation("trainingId", f"training {data.trainingId} is {training.state}: it must be Ready")
    # Everything the answer shows is known here: no need to read the new row back.
    return RecordedRow(
        new_id, data.ownerId, data.trainingId, data.sessionStartsOn, data.sessionEndsOn,
        hundredths, True, None, None,
        training.title, training.category_id, training.level, training.website_href,
    )  # fmt: skip


async def get(database: Database, account_id: int, realized_training_id: int) -> Any:
    row = await repository.get(database, account_id, realized_training_id)
    if row is None:
        raise NotFound(f"Realized training {realized_training_id}")
    return row


async def search(database: Database, account_id: int, filters: Filters, request: PageRequest) -> Page[AnyRow]:
    async with database.read_connection() as connection:
        return await repository.search(connection, account_id, filters, request)
