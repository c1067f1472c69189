"""Directory statements. Every one is scoped by account here, so isolation is structural.

Records are written by `PUT` with the HR system's ids: a write locks the record's row (absent: nothing to
lock), then inserts it if it is new (`ON CONFLICT DO NOTHING` on the key, so that a concurrent `PUT` of the
same new id waits for the first and then finds the row) or updates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, String, and_, bindparam, exists, or_, select, update
from sqlalchemy.dialects.postgresql import insert as insert_or_ignore
from sqlalchemy.sql.elements import ColumnElement

from talent_training.accounts.tables import Account
from talent_training.db.base import UTCDateTime
from talent_training.db.database import Tx
from talent_training.db.expressions import any_of
from talent_training.db.paging import Paged, paginate
from talent_training.db.statements import Query
from talent_training.directory.tables import Department, Employee, Establishment
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.text import fold, like_contains

ACCOUNT = bindparam("account_id", type_=Integer)
ID = bindparam("id", type_=Integer)
NOW = bindparam("now", type_=UTCDateTime)

# Departments and establishments -----------------------------------------------------------------------------

UnitModel = type[Department] | type[Establishment]


@dataclass(frozen=True, slots=True)
class _UnitStatements:
    get: Query
    lock: Query
    insert: Query
    update: Query
    list: Paged


def _unit_statements(model: UnitModel) -> _UnitStatements:
    columns = (model.id, model.name)
    this = and_(model.account_id == ACCOUNT, model.id == ID)
    name = bindparam("name", type_=String)
    return _UnitStatements(
        get=Query(select(*columns).where(this)),
        # FOR NO KEY UPDATE on PostgreSQL: concurrent writes of the unit wait, an employee naming it does not.
        lock=Query(select(*columns).where(this).with_for_update(key_share=True)),
        insert=Query(
            insert_or_ignore(model)
            .values(account_id=ACCOUNT, id=ID, name=name, created_at=NOW, updated_at=NOW)
            .on_conflict_do_nothing()  # any conflict: see _NEW_EMPLOYEE
            .returning(model.id)
        ),
        update=Query(update(model).where(this).values(name=name, updated_at=NOW)),
        list=Paged(select(*columns).where(model.account_id == ACCOUNT), model.id),
    )


_UNITS: dict[str, _UnitStatements] = {
    "department": _unit_statements(Department),
    "establishment": _unit_statements(Establishment),
}


async def get_unit(tx: Tx, kind: str, account_id: int, unit_id: int) -> Any | None:
    """A department or an establishment (`kind`): its id and name, or None."""
    return await tx.one(_UNITS[kind].get, {"account_id": account_id, "id": unit_id})


async def lock_unit(tx: Tx, kind: str, account_id: int, unit_id: int) -> Any | None:
    """The unit's row, locked until the transaction ends (SQLite serialises writes already), or None."""
    return await tx.one(_UNITS[kind].lock, {"account_id": account_id, "id": unit_id})


async def insert_unit(tx: Tx, kind: str, values: dict[str, Any]) -> bool:
    """Whether the unit was inserted: False when a row of that id exists (created meanwhile by a concurrent
    `PUT`). `UniqueViolation` when another unit of the account has that name."""
    return await tx.one(_UNITS[kind].insert, values) is not None


async def update_unit(tx: Tx, kind: str, values: dict[str, Any]) -> None:
    """`UniqueViolation` when another unit of the account has that name."""
    await tx.execute(_UNITS[kind].update, values)


async def list_units(tx: Tx, kind: str, account_id: int, request: PageRequest) -> Page[Any]:
    return await paginate(tx, _UNITS[kind].list, {"account_id": account_id}, request)


# Employees --------------------------------------------------------------------------------------------------

_MANAGER = Employee.__table__.alias("manager")
_ITS_MANAGER = and_(_MANAGER.c.account_id == Employee.account_id, _MANAGER.c.id == Employee.manager_id)
# An employee with what the answer shows of its manager, in one statement.
_EMPLOYEE = (
    Employee.id,
    Employee.login,
    Employee.first_name,
    Employee.last_name,
    Employee.email,
    Employee.department_id,
    Employee.establishment_id,
    Employee.manager_id,
    _MANAGER.c.first_name.label("manager_first_name"),
    _MANAGER.c.last_name.label("manager_last_name"),
    Employee.hired_on,
    Employee.left_on,
)
_WITH_MANAGER = select(*_EMPLOYEE).select_from(Employee.__table__.outerjoin(_MANAGER, _ITS_MANAGER))
_THIS_EMPLOYEE = and_(Employee.account_id == ACCOUNT, Employee.id == ID)
_GET_EMPLOYEE = Query(_WITH_MANAGER.where(_THIS_EMPLOYEE))


async def get_employee(tx: Tx, account_id: int, employee_id: int) -> Any | None:
    return await tx.one(_GET_EMPLOYEE, {"account_id": account_id, "id": employee_id})


@dataclass(frozen=True, slots=True)
class EmployeeFilters:
    ids: list[int] | None = None
    department_ids: list[int] | None = None
    establishment_ids: list[int] | None = None
    manager_ids: list[int] | None = None
    search: str | None = None  # as typed: folded and escaped here


def employee_shape(filters: EmployeeFilters) -> tuple[bool, bool, bool, bool, bool]:
    """Which filters are given (not their values): one statement per shape, built once."""
    return (
        filters.ids is not None,
        filters.department_ids is not None,
        filters.establishment_ids is not None,
        filters.manager_ids is not None,
        bool(filters.search),
    )


def employee_conditions(
    ids: bool, departments: bool, establishments: bool, managers: bool, search: bool
) -> list[ColumnElement[bool]]:
    """The filters of the employee list and its export, whose values `employee_params` gives."""
    found = [Employee.account_id == ACCOUNT]
    if ids:
        found.append(any_of(Employee.id, "ids"))
    if departments:
        found.append(any_of(Employee.department_id, "department_ids"))
    if establishments:
        found.append(any_of(Employee.establishment_id, "establishment_ids"))
    if managers:
        found.append(any_of(Employee.manager_id, "manager_ids"))
    if search:
        found.append(Employee.search_text.like(bindparam("search", type_=String), escape="\\"))
    return found


def employee_params(account_id: int, filters: EmployeeFilters) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "ids": filters.ids,
        "department_ids": filters.department_ids,
        "establishment_ids": filters.establishment_ids,
        "manager_ids": filters.manager_ids,
        "search": like_contains(fold(filters.search)) if filters.search else None,
    }


@cache
def _employees(*shape: bool) -> Paged:
    where = employee_conditions(*shape)
    return Paged(_WITH_MANAGER.where(*where), Employee.id, base=select(Employee.id).where(*where))


async def list_employees(
    tx: Tx, account_id: int, filters: EmployeeFilters, request: PageRequest
) -> Page[Any]:
    paged = _employees(*employee_shape(filters))
    return await paginate(tx, paged, employee_params(account_id, filters), request)


# Manager changes are serialised per account on PostgreSQL: two concurrent PUTs that each pass the cycle
# check alone (A's manager B, B's manager A) must not both commit. FOR NO KEY UPDATE, so that the rows that
# reference the account (every insert checks its foreign key with FOR KEY SHARE) are not held up.
_LOCK_ACCOUNT = Query(select(Account.id).where(Account.id == ACCOUNT).with_for_update(key_share=True))


async def lock_manager_changes(tx: Tx, account_id: int) -> None:
    """Until the transaction ends, no other transaction of the account changes a manager. SQLite serialises
    every write already (BEGIN IMMEDIATE): nothing to do there."""
    if tx.dialect.name == "postgresql":
        await tx.one(_LOCK_ACCOUNT, {"account_id": account_id})


_LOCK_EMPLOYEE = Query(
    select(
        Employee.login,
        Employee.first_name,
        Employee.last_name,
        Employee.email,
        Employee.department_id,
        Employee.establishment_id,
        Employee.manager_id,
        Employee.hired_on,
        Employee.left_on,
    )
    .where(_THIS_EMPLOYEE)
    .with_for_update(key_share=True)
)


async def lock_employee(tx: Tx, account_id: int, employee_id: int) -> Any | None:
    """The employee's row, locked until the transaction ends (FOR NO KEY UPDATE: an employee being
    rewritten may still be named as a manager meanwhile), or None."""
    return await tx.one(_LOCK_EMPLOYEE, {"account_id": account_id, "id": employee_id})


_DEPARTMENT_ID = bindparam("department_id", type_=Integer)
_ESTABLISHMENT_ID = bindparam("establishment_id", type_=Integer)
_MANAGER_ID = bindparam("manager_id", type_=Integer)
_NAMED_MANAGER = and_(Employee.account_id == ACCOUNT, Employee.id == _MANAGER_ID)
# The named manager, its manager, and so on up: the chain of command above the new manager.
_above = Employee.__table__.alias("above")
_chain = select(Employee.id, Employee.manager_id).where(_NAMED_MANAGER).cte("chain", recursive=True)
_chain = _chain.union(
    select(_above.c.id, _above.c.manager_id).where(
        _above.c.account_id == ACCOUNT, _above.c.id == _chain.c.manager_id
    )
)
# What an employee's references say, in one statement: whether its department and establishment exist in
# the account, its manager's names (None: no such employee), and whether the employee is already above its
# new manager (then naming that manager would close a loop).
_REFERENCES = Query(
    select(
        or_(
            _DEPARTMENT_ID.is_(None),
            exists().where(Department.account_id == ACCOUNT, Department.id == _DEPARTMENT_ID),
        ).label("department_found"),
        or_(
            _ESTABLISHMENT_ID.is_(None),
            exists().where(Establishment.account_id == ACCOUNT, Establishment.id == _ESTABLISHMENT_ID),
        ).label("establishment_found"),
        select(Employee.first_name).where(_NAMED_MANAGER).scalar_subquery().label("manager_first_name"),
        select(Employee.last_name).where(_NAMED_MANAGER).scalar_subquery().label("manager_last_name"),
        exists().where(_chain.c.id == ID).label("above_manager"),
    )
)


async def references(
    tx: Tx,
    account_id: int,
    employee_id: int,
    department_id: int | None,
    establishment_id: int | None,
    manager_id: int | None,
) -> Any:
    """`department_found`, `establishment_found` (True when None), `manager_first_name`,
    `manager_last_name` (None when there is no such manager) and `above_manager`."""
    params = {
        "account_id": account_id,
        "id": employee_id,
        "department_id": department_id,
        "establishment_id": establishment_id,
        "manager_id": manager_id,
    }
    return await tx.one(_REFERENCES, params)


_EMPLOYEE_VALUES = {
    "login": bindparam("login", type_=String),
    "first_name": bindparam("first_name", type_=String),
    "last_name": bindparam("last_name", type_=String),
    "email": bindparam("email", type_=String),
    "department_id": _DEPARTMENT_ID,
    "establishment_id": _ESTABLISHMENT_ID,
    "manager_id": _MANAGER_ID,
    "hired_on": bindparam("hired_on", type_=Date),
    "left_on": bindparam("left_on", type_=Date),
    "search_text": bindparam("search_text", type_=String),
    "updated_at": NOW,
}
_NEW_EMPLOYEE = Query(
    insert_or_ignore(Employee)
    .values(account_id=ACCOUNT, id=ID, created_at=NOW, **_EMPLOYEE_VALUES)
    # Any conflict, not just the id's: with the id alone as its target, PostgreSQL raises on the login's
    # unique index when a concurrent PUT is inserting the same employee (same id, same login), since only
    # the target's index waits for the other transaction to end.
    .on_conflict_do_nothing()
    .returning(Employee.id)
)
_UPDATE_EMPLOYEE = Query(update(Employee).where(_THIS_EMPLOYEE).values(_EMPLOYEE_VALUES))


async def insert_employee(tx: Tx, values: dict[str, Any]) -> bool:
    """Whether the employee was inserted: False when a row of that id exists (created meanwhile by a
    concurrent `PUT`), or when another employee of the account has that login."""
    return await tx.one(_NEW_EMPLOYEE, values) is not None


async def update_employee(tx: Tx, values: dict[str, Any]) -> None:
    """`UniqueViolation` when another employee of the account has that login."""
    await tx.execute(_UPDATE_EMPLOYEE, values)


# A manager's team: the employees they manage, directly or through the managers below them (a recursive
# walk down the directory's `manager_id`; `ix_employees_manager` keeps each step an index read).
_below = Employee.__table__.alias("below")
_team = (
    select(Employee.id)
    .where(Employee.account_id == ACCOUNT, Employee.manager_id == ID)
    .cte("team", recursive=True)
)
_team = _team.union(
    select(_below.c.id).where(_below.c.account_id == ACCOUNT, _below.c.manager_id == _team.c.id)
)
_TEAM = Query(select(_team.c.id).order_by(_team.c.id))


async def team_of(tx: Tx, account_id: int, manager_id: int) -> list[int]:
    """The ids of the employees under the manager, at any depth (not the manager's own)."""
    return [row.id for row in await tx.all(_TEAM, {"account_id": account_id, "id": manager_id})]


# Whether one employee is in a manager's team: a walk up from the employee (a chain of command is a few
# levels deep), rather than down the manager's whole team (50,000 people for the head of the company).
_EMPLOYEE_ID = bindparam("employee_id", type_=Integer)
_up = Employee.__table__.alias("up")
_managers = (
    select(Employee.manager_id)
    .where(Employee.account_id == ACCOUNT, Employee.id == _EMPLOYEE_ID)
    .cte("managers", recursive=True)
)
_managers = _managers.union(
    select(_up.c.manager_id).where(_up.c.account_id == ACCOUNT, _up.c.id == _managers.c.manager_id)
)
_IN_TEAM = Query(select(exists().where(_managers.c.manager_id == ID).label("found")))


async def in_team(tx: Tx, account_id: int, manager_id: int, employee_id: int) -> bool:
    """Whether the employee is under the manager, at any depth."""
    row = await tx.one(_IN_TEAM, {"account_id": account_id, "id": manager_id, "employee_id": employee_id})
    return bool(row.found)
