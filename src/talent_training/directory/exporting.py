"""Employees as a CSV or XLSX file, in the import's columns (imports/columns.py), so that an export re-imports
unchanged: every employee the list's filters select, in the list's order (id), read in batches from one
snapshot (`Tx.stream`), whatever their number."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, select

from talent_training.db.database import Database
from talent_training.db.expressions import any_of
from talent_training.db.statements import Query
from talent_training.directory.repository import EmployeeFilters
from talent_training.directory.tables import Department, Employee, Establishment
from talent_training.imports.columns import EMPLOYEES
from talent_training.imports.reading import FileFormat
from talent_training.imports.writing import Cell, Field, write
from talent_training.kit.text import fold, like_contains

ACCOUNT = bindparam("account_id", type_=Integer)
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
def _rows(ids: bool, departments: bool, establishments: bool, managers: bool, search: bool) -> Query:
    # The list's filters (repository._employees), on the same columns and indexes.
    conditions = [Employee.account_id == ACCOUNT]
    if ids:
        conditions.append(any_of(Employee.id, "ids"))
    if departments:
        conditions.append(any_of(Employee.department_id, "department_ids"))
    if establishments:
        conditions.append(any_of(Employee.establishment_id, "establishment_ids"))
    if managers:
        conditions.append(any_of(Employee.manager_id, "manager_ids"))
    if search:
        conditions.append(Employee.search_text.like(bindparam("search", type_=String), escape="\\"))
    return Query(_ROWS.where(*conditions).order_by(Employee.id))


async def export_employees(
    database: Database, account_id: int, filters: EmployeeFilters, file_format: FileFormat
) -> AsyncGenerator[bytes, None]:
    """The file's bytes, chunk by chunk; the first once the first rows are read (a database failure comes
    before anything is written)."""
    query = _rows(
        filters.ids is not None,
        filters.department_ids is not None,
        filters.establishment_ids is not None,
        filters.manager_ids is not None,
        bool(filters.search),
    )
    params = {
        "account_id": account_id,
        "ids": filters.ids,
        "department_ids": filters.department_ids,
        "establishment_ids": filters.establishment_ids,
        "manager_ids": filters.manager_ids,
        "search": like_contains(fold(filters.search)) if filters.search else None,
    }
    async with database.read() as tx:
        chunks = write(FIELDS, tx.stream(query, params), file_format, title="Employees")
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                yield chunk
