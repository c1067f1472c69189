"""Realized trainings as a CSV or XLSX file, in the import's columns (imports/columns.py), so that an export
re-imports unchanged: every record the list's filters select, in the list's order (id), read in batches
from one snapshot (`Tx.stream`), whatever their number."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import cache
from typing import Any

from sqlalchemy import and_, select

from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.database import Database
from talent_training.db.statements import Query
from talent_training.directory.tables import Employee
from talent_training.imports.columns import REALIZED_TRAININGS
from talent_training.imports.reading import FileFormat
from talent_training.imports.writing import Cell, Field, export
from talent_training.realized_trainings import repository
from talent_training.realized_trainings.repository import Filters
from talent_training.realized_trainings.tables import RealizedTraining

# Each import column (by key) and what fills it. A column the import learns is a KeyError here, at start-up:
# the export follows the import's format or does not load.
_SOURCES: dict[str, tuple[Cell, Any]] = {
    "login": (Cell.TEXT, Employee.login),  # none when the owner is not (or no longer) in the directory
    "ownerId": (Cell.INTEGER, RealizedTraining.owner_id),
    "trainingTitle": (Cell.TEXT, Training.title),
    "trainingId": (Cell.INTEGER, RealizedTraining.training_id),
    "type": (Cell.TEXT, Training.type),
    "providerName": (Cell.TEXT, Provider.name),
    "providerUrl": (Cell.TEXT, Provider.website_href),
    "sessionStartsOn": (Cell.DATE, RealizedTraining.session_starts_on),
    "sessionEndsOn": (Cell.DATE, RealizedTraining.session_ends_on),
    "durationInHours": (Cell.HUNDREDTHS, RealizedTraining.duration_hundredths),
    "isCertifying": (Cell.BOOLEAN, Training.is_certifying),
    "category": (Cell.TEXT, Category.name),
    "level": (Cell.TEXT, Training.level),
    "cost": (Cell.HUNDREDTHS, RealizedTraining.cost_hundredths),
    "currency": (Cell.TEXT, RealizedTraining.cost_currency),
    "expiresOn": (Cell.DATE, RealizedTraining.expires_on),
    "hasAttended": (Cell.BOOLEAN, RealizedTraining.has_attended),
}
FIELDS = tuple(Field(column.english, _SOURCES[column.key][0]) for column in REALIZED_TRAININGS)
_ROWS = (
    select(*(_SOURCES[column.key][1].label(column.key) for column in REALIZED_TRAININGS))
    .select_from(RealizedTraining)
    .join(
        Training,
        and_(Training.account_id == RealizedTraining.account_id, Training.id == RealizedTraining.training_id),
    )
    .outerjoin(
        Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
    )
    .outerjoin(
        Category, and_(Category.account_id == Training.account_id, Category.id == Training.category_id)
    )
    .outerjoin(
        Employee,
        and_(Employee.account_id == RealizedTraining.account_id, Employee.id == RealizedTraining.owner_id),
    )
)


@cache
def _rows(*shape: bool) -> Query:
    # The list's filters, on the same columns and indexes.
    return Query(_ROWS.where(*repository.conditions(*shape)).order_by(RealizedTraining.id))


def export_realized_trainings(
    database: Database, account_id: int, filters: Filters, file_format: FileFormat
) -> AsyncGenerator[bytes, None]:
    """The file's bytes, chunk by chunk (imports/writing.py `export`)."""
    query = _rows(*repository.shape(filters))
    params = repository.params(account_id, filters)
    return export(database, query, params, FIELDS, file_format, title="Realized trainings")
