"""Training demands as a CSV or XLSX file: every demand the list's filters select, in the list's order (its
`sort`, then the id), read in batches from one snapshot (`Tx.stream`), whatever their number.

There is no import of demands: the columns mirror the API's item, flattened. A field the item has at its
top level keeps its API name (`id`, `state`, `createdAt`), and so does every id (`ownerId`, `sessionId`); a
nested one gets a plain English header (`Employee login`, `Training title`, `Session start date`).
docs/exports.md lists them.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import cache
from typing import Any

from sqlalchemy import and_, case, literal, select
from sqlalchemy.orm import aliased

from talent_training.catalog.tables import Provider, Training
from talent_training.db.database import Database
from talent_training.db.statements import Query
from talent_training.directory.tables import Employee
from talent_training.imports.reading import FileFormat
from talent_training.imports.writing import Cell, Field, export
from talent_training.kit.paging import Sort
from talent_training.planning.tables import Plan, TrainingSession
from talent_training.training_demands import repository
from talent_training.training_demands.repository import Filters
from talent_training.training_demands.schemas import LEVELS
from talent_training.training_demands.tables import TrainingDemand

Owner = aliased(Employee, name="owner")


def _of_account(model: Any, column: Any) -> Any:
    return and_(model.account_id == TrainingDemand.account_id, model.id == column)


# As views.training_demand says it: the author is the owner, else the owner's manager now, else HR.
_AUTHOR_TYPE = case(
    (TrainingDemand.author_id == TrainingDemand.owner_id, literal("Owner")),
    (TrainingDemand.author_id == Owner.manager_id, literal("Manager")),
    else_=literal("Administrator"),
)
_PRIORITY = case(
    *((TrainingDemand.prioritization_rank == rank, literal(level.value)) for rank, level in LEVELS.items())
)
# Only a prioritised demand shows when it was: the API's item omits `prioritization` until then.
_PRIORITIZED_AT = case((TrainingDemand.prioritization_rank > 0, TrainingDemand.prioritized_at))

COLUMNS: tuple[tuple[str, Cell, Any], ...] = (
    ("id", Cell.INTEGER, TrainingDemand.id),
    ("ownerId", Cell.INTEGER, TrainingDemand.owner_id),
    ("Employee login", Cell.TEXT, Owner.login),
    ("Employee first name", Cell.TEXT, Owner.first_name),
    ("Employee last name", Cell.TEXT, Owner.last_name),
    ("departmentId", Cell.INTEGER, TrainingDemand.owner_department_id),
    ("establishmentId", Cell.INTEGER, TrainingDemand.owner_establishment_id),
    ("authorId", Cell.INTEGER, TrainingDemand.author_id),
    ("Author type", Cell.TEXT, _AUTHOR_TYPE),
    ("trainingId", Cell.INTEGER, TrainingDemand.training_id),
    ("Training title", Cell.TEXT, Training.title),
    ("Level", Cell.TEXT, Training.level),
    ("Provider name", Cell.TEXT, Provider.name),
    ("state", Cell.TEXT, TrainingDemand.state),
    ("status", Cell.TEXT, TrainingDemand.status),
    ("Priority", Cell.TEXT, _PRIORITY),
    ("Prioritized at", Cell.MOMENT, _PRIORITIZED_AT),
    ("reason", Cell.TEXT, TrainingDemand.reason),
    ("refusalReason", Cell.TEXT, TrainingDemand.refusal_reason),
    ("planId", Cell.INTEGER, TrainingDemand.plan_id),
    ("Plan name", Cell.TEXT, Plan.name),
    ("sessionId", Cell.INTEGER, TrainingDemand.session_id),
    ("Session start date", Cell.DATE, TrainingSession.start_on),
    ("Session end date", Cell.DATE, TrainingSession.end_on),
    ("Duration (hours)", Cell.HUNDREDTHS, TrainingSession.duration_hundredths),
    ("registeredOn", Cell.DATE, TrainingDemand.registered_on),
    ("createdAt", Cell.MOMENT, TrainingDemand.created_at),
)
FIELDS = tuple(Field(header, cell) for header, cell, _ in COLUMNS)
_ROWS = (
    select(*(source.label(f"c{index}") for index, (_, _, source) in enumerate(COLUMNS)))
    .select_from(TrainingDemand)
    .join(Owner, _of_account(Owner, TrainingDemand.owner_id))
    .join(Training, _of_account(Training, TrainingDemand.training_id))
    .outerjoin(
        Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
    )
    .outerjoin(Plan, _of_account(Plan, TrainingDemand.plan_id))
    .outerjoin(TrainingSession, _of_account(TrainingSession, TrainingDemand.session_id))
)


@cache
def _rows(shape: repository.Shape, sort: Sort) -> Query:
    # The list's filters and order, on the same columns and indexes.
    sorted_by = repository.SORTS.get(sort.field)
    order = [TrainingDemand.id] if sorted_by is None else [sorted_by.column, TrainingDemand.id]
    return Query(
        _ROWS.where(*repository.conditions(*shape)).order_by(
            *(column.desc() if sort.descending else column for column in order)
        )
    )


def export_training_demands(
    database: Database, account_id: int, filters: Filters, file_format: FileFormat, sort: Sort = Sort()
) -> AsyncGenerator[bytes, None]:
    """The file's bytes, chunk by chunk (imports/writing.py `export`)."""
    query = _rows(repository.shape(filters), sort)
    params = repository.params(account_id, filters)
    return export(database, query, params, FIELDS, file_format, title="Training demands")
