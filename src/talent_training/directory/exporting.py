"""Employees as a CSV or XLSX file, in the import's columns (imports/columns.py), so that an export re-imports
unchanged: every employee the list's filters select, in the list's order (id), read in batches from one
snapshot (`Tx.stream`), whatever their number."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from functools import cache
from typing import Any

from sqlalchemy import and_, select

from talent_training.db.database import Database
from talent_training.db.statements import Query
from talent_training.directory import repository
from talent_training.directory.repository import EmployeeFilters
from talent_training.directory.tables import Department, Employee, Establishment
from talent_training.imports.columns import EMPLOYEES
from talent_training.imports.reading import FileFormat
from talent_training.imports.writing import Cell, Field, export

_MANAGER = Employee.__table__.alias("manager")

# Each import column (by key) and what fills it; a column the import learns is a KeyError here, at start-up.
_SOURCES: dict[str, tuple[Cell, Any]] = {
    "id": (Cell.INTEGER, Employee.id),
    "login": (Cell.TEXT, Employee.login),
    "firstName": (Cell.TEXT, Employee.first_name),
    "lastName": (Cell.TEXT, Employee.last_name),
    "email": (Cell.TEXT, Employee.email),
    "department": (Cell.TEXT, Department.name),
    "establishment": (Cell.TEXT, Establishment.name),
    "managerLogin": (Cell.TEXT, _MANAGER.c.login),
    "hiredOn": (Cell.DATE, Employee.hired_on),
    "leftOn": (Cell.DATE, Employee.left_on),
}
FIELDS = tuple(Field(column.english, _SOURCES[column.key][0]) for column in EMPLOYEES)
_ROWS = select(*(_SOURCES[column.key][1].label(column.key) for column in EMPLOYEES)).select_from(
    Employee.__table__.outerjoin(
        Department,
        and_(Department.account_id == Employee.account_id, Department.id == Employee.department_id),
    )
    .outerjoin(
        Establishment,
        and_(Establishment.account_id == Employee.account_id, Establishment.id == Employee.establishment_id),
    )
    .outerjoin(
        _MANAGER, and_(_MANAGER.c.account_id == Employee.account_id, _MANAGER.c.id == Employee.manager_id)
    )
)


@cache
def _rows(*shape: bool) -> Query:
    # The list's filters, on the same columns and indexes.
    return Query(_ROWS.where(*repository.employee_conditions(*shape)).order_by(Employee.id))


def export_employees(
    database: Database, account_id: int, filters: EmployeeFilters, file_format: FileFormat
) -> AsyncGenerator[bytes, None]:
    """The file's bytes, chunk by chunk (imports/writing.py `export`)."""
    query = _rows(*repository.employee_shape(filters))
    params = repository.employee_params(account_id, filters)
    return export(database, query, params, FIELDS, file_format, title="Employees")
