"""The rules of Lucca's realized trainings (notes §4), in the order the docs give them."""

from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError

from talent_training.catalog.schemas import TrainingState
from talent_training.db.database import Database
from talent_training.db.errors import is_unique_violation
from talent_training.db.paging import AnyRow
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.kit.types import hours_to_hundredths
from talent_training.realized_trainings import repository
from talent_training.realized_trainings.repository import Filters
from talent_training.realized_trainings.schemas import RealizedTrainingCreate
from talent_training.realized_trainings.tables import RealizedTraining


async def record(database: Database, account_id: int, data: RealizedTrainingCreate, today: date) -> AnyRow:
    # "sessionEndsOn must be in the past": a session that ended today may be recorded today
    # (docs/decisions.md).
    if data.sessionEndsOn > today:
        raise RuleViolation("sessionEndsOn", f"must not be after today ({today.isoformat()})")
    if data.sessionStartsOn > data.sessionEndsOn:
        raise RuleViolation("sessionStartsOn", "must not be after sessionEndsOn")
    async with database.writing() as session:
        state = await repository.training_state(session, account_id, data.trainingId)
        if state is None:
            raise RuleViolation("trainingId", f"training {data.trainingId} does not exist")
        if state != TrainingState.READY:
            raise RuleViolation("trainingId", f"training {data.trainingId} is {state}: it must be Ready")
        realized = RealizedTraining(
            account_id=account_id,
            owner_id=data.ownerId,
            training_id=data.trainingId,
            session_starts_on=data.sessionStartsOn,
            session_ends_on=data.sessionEndsOn,
            duration_hundredths=hours_to_hundredths(data.durationInHours),
            has_attended=True,
        )
        try:
            await repository.insert(session, realized)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise Conflict(
                    f"Employee {data.ownerId} already has a realized training of training {data.trainingId} "
                    f"ending on {data.sessionEndsOn.isoformat()}.",
                    "sessionEndsOn",
                ) from None
            raise
        row = await repository.get(session, account_id, realized.id)
    assert row is not None, "a record written in this transaction is readable in it"
    return row


async def get(database: Database, account_id: int, realized_training_id: int) -> AnyRow:
    async with database.reading() as session:
        row = await repository.get(session, account_id, realized_training_id)
    if row is None:
        raise NotFound(f"Realized training {realized_training_id}")
    return row


async def search(database: Database, account_id: int, filters: Filters, request: PageRequest) -> Page[AnyRow]:
    async with database.reading() as session:
        return await repository.search(session, account_id, filters, request)
