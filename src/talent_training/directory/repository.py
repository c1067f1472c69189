"""Directory statements. Every one is scoped by account here, so isolation is structural.

Records are written by `PUT` with the HR system's ids: a write locks the record's row (absent: nothing to
lock), then inserts it if it is new (`ON CONFLICT DO NOTHING` on the key, so that a concurrent `PUT` of the
same new id waits for the first and then finds the row) or updates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    insert,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as insert_or_ignore
from sqlalchemy.sql.elements import ColumnElement

from talent_training.accounts.tables import Account
from talent_training.db.base import UTCDateTime
from talent_training.db.database import Tx
from talent_training.db.expressions import any_of
from talent_training.db.paging import Paged, paginate
from talent_training.db.statements import Query
from talent_training.directory.tables import Department, Employee, EmployeeChain, Establishment
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
    team: Team | None = None  # only the employees of a manager's team


def employee_shape(filters: EmployeeFilters) -> tuple[bool, bool, bool, bool, bool, int]:
    """Which filters are given (not their values): one statement per shape, built once."""
    return (
        filters.ids is not None,
        filters.department_ids is not None,
        filters.establishment_ids is not None,
        filters.manager_ids is not None,
        bool(filters.search),
        team_shape(filters.team),
    )


def employee_conditions(
    ids: bool, departments: bool, establishments: bool, managers: bool, search: bool, team: int
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
    found += team_conditions(Employee.id, team)
    return found


def employee_params(account_id: int, filters: EmployeeFilters) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "ids": filters.ids,
        "department_ids": filters.department_ids,
        "establishment_ids": filters.establishment_ids,
        "manager_ids": filters.manager_ids,
        "search": like_contains(fold(filters.search)) if filters.search else None,
        **team_params(filters.team),
    }


@cache
def _employees(*shape: Any) -> Paged:
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


_MANAGER_OF = Query(select(Employee.manager_id).where(_THIS_EMPLOYEE))


async def manager_of(tx: Tx, account_id: int, employee_id: int) -> Any | None:
    """The employee's row with its `manager_id` only, read without a lock, or None."""
    return await tx.one(_MANAGER_OF, {"account_id": account_id, "id": employee_id})


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


# The chains of command (tables.py `EmployeeChain`): a row per employee and each manager above them. A write
# that changes a manager rewrites the rows of the employee and everyone below them, under the account's lock
# of manager changes (`lock_manager_changes`), so that two moves never interleave.
_chains = EmployeeChain.__table__
_EMPLOYEE_ID = bindparam("employee_id", type_=Integer)
_TEAM_OF = bindparam("team_of", type_=Integer)


def _managers_above(employee: Any) -> Any:
    return select(_chains.c.manager_id).where(
        _chains.c.account_id == ACCOUNT, _chains.c.employee_id == employee
    )


def _team_below(manager: Any) -> Any:
    return select(_chains.c.employee_id).where(
        _chains.c.account_id == ACCOUNT, _chains.c.manager_id == manager
    )


# A team of up to SMALL_TEAM people is passed to a list as its ids, which the database reads through the
# owner's index; a larger one as its manager, joined to the chains (a semi-join), since PostgreSQL searches a
# long id array element by element for each row under a generic plan (a company's head: 50,000 ids, 1.5 s),
# while a small team joined would have it walk a whole list in order for the few rows of the team.
SMALL_TEAM = 500


@dataclass(frozen=True, slots=True)
class Team:
    """A manager's team, as a list filter holds a list to it: everyone below `manager_id`, at any depth."""

    manager_id: int
    ids: list[int] | None  # its ids when it has at most SMALL_TEAM people, else None: joined


def team_shape(team: Team | None) -> int:
    """0: no team filter; 1: the team's ids; 2: the team joined from the chains."""
    return 0 if team is None else 1 if team.ids is not None else 2


def team_conditions(column: Any, shape: int) -> list[ColumnElement[bool]]:
    """`column`, an employee id, is in the team (`team_params` gives its values)."""
    if shape == 0:
        return []
    if shape == 1:
        return [any_of(column, "team_ids")]
    below: ColumnElement[bool] = column.in_(_team_below(_TEAM_OF))
    return [below]


def team_checked(column: Any) -> ColumnElement[bool]:
    """`column`, an employee id, is in the team of `team_of`, as a test of each row rather than a join: on
    PostgreSQL a hashed subplan, the team read once into a hash table that every row is looked up in. A
    statement that reads a whole range of rows anyway (a year's, for the reports) costs the same whatever the
    team's size, and no plan can go wrong on a misjudged team size (`IS TRUE` keeps the planner from turning
    the test into a join, which it would order by its estimate of the team's size, 26 people under a generic
    plan whatever the manager: a 50,000-person team then took 230 ms instead of 65)."""
    checked: ColumnElement[bool] = column.in_(_team_below(_TEAM_OF)).is_(true())
    return checked


def team_params(team: Team | None) -> dict[str, Any]:
    return {
        "team_ids": None if team is None else team.ids,
        "team_of": None if team is None else team.manager_id,
    }


_TEAM = Query(_team_below(ID).order_by(_chains.c.employee_id))
_TEAM_UP_TO = Query(_team_below(ID).order_by(_chains.c.employee_id).limit(bindparam("limit", type_=Integer)))
_IN_TEAM = Query(
    select(
        exists()
        .where(
            _chains.c.account_id == ACCOUNT, _chains.c.manager_id == ID, _chains.c.employee_id == _EMPLOYEE_ID
        )
        .label("found")
    )
)


async def team_of(tx: Tx, account_id: int, manager_id: int) -> list[int]:
    """The ids of the employees under the manager, at any depth (not the manager's own)."""
    return [row.employee_id for row in await tx.all(_TEAM, {"account_id": account_id, "id": manager_id})]


async def team(tx: Tx, account_id: int, manager_id: int) -> Team:
    """The manager's team as list filters take it: its ids if it is small, else its manager only."""
    params = {"account_id": account_id, "id": manager_id, "limit": SMALL_TEAM + 1}
    ids = [row.employee_id for row in await tx.all(_TEAM_UP_TO, params)]
    return Team(manager_id, ids if len(ids) <= SMALL_TEAM else None)


async def in_team(tx: Tx, account_id: int, manager_id: int, employee_id: int) -> bool:
    """Whether the employee is under the manager, at any depth."""
    row = await tx.one(_IN_TEAM, {"account_id": account_id, "id": manager_id, "employee_id": employee_id})
    return bool(row.found)


# The employee and everyone below them (one key range each) leave the chains of their former managers...
_moved = union_all(select(cast(_EMPLOYEE_ID, Integer).label("id")), _team_below(_EMPLOYEE_ID))
_LEAVE_CHAINS = Query(
    delete(EmployeeChain).where(
        _chains.c.account_id == ACCOUNT,
        _chains.c.employee_id.in_(_moved),
        _chains.c.manager_id.in_(_managers_above(_EMPLOYEE_ID)),
    )
)
# ... and join those of the new manager and of everyone above the new manager.
_up = union_all(select(cast(_MANAGER_ID, Integer).label("id")), _managers_above(_MANAGER_ID)).subquery("up")
_down = _moved.subquery("down")
_JOIN_CHAINS = Query(
    insert(EmployeeChain).from_select(
        ["account_id", "manager_id", "employee_id"],
        select(cast(ACCOUNT, Integer), _up.c.id, _down.c.id).select_from(_up.join(_down, true())),
    )
)


async def move_in_chains(tx: Tx, account_id: int, employee_id: int, manager_id: int | None) -> None:
    """The employee's manager is now `manager_id` (None: nobody): the chains of the employee and of everyone
    below them follow. Under the account's lock of manager changes, taken here if the caller has not already:
    the rows are rewritten from what they are, so two moves must not interleave."""
    await lock_manager_changes(tx, account_id)
    params = {"account_id": account_id, "employee_id": employee_id, "manager_id": manager_id}
    await tx.execute(_LEAVE_CHAINS, params)
    if manager_id is not None:
        await tx.execute(_JOIN_CHAINS, params)


_above_employee = Employee.__table__.alias("above_employee")
# Every chain of the account from its directory, for writes that change many managers at once (an import).
_rebuilt = (
    select(Employee.manager_id, Employee.id.label("employee_id"))
    .where(Employee.account_id == ACCOUNT, Employee.manager_id.is_not(None))
    .cte("rebuilt", recursive=True)
)
_rebuilt = _rebuilt.union(
    select(_above_employee.c.manager_id, _rebuilt.c.employee_id).where(
        _above_employee.c.account_id == ACCOUNT,
        _above_employee.c.id == _rebuilt.c.manager_id,
        _above_employee.c.manager_id.is_not(None),
    )
)
_FORGET_CHAINS = Query(delete(EmployeeChain).where(_chains.c.account_id == ACCOUNT))
_REBUILD_CHAINS = Query(
    insert(EmployeeChain).from_select(
        ["account_id", "manager_id", "employee_id"],
        select(cast(ACCOUNT, Integer), _rebuilt.c.manager_id, _rebuilt.c.employee_id),
    )
)


async def rebuild_chains(tx: Tx, account_id: int) -> None:
    """The account's chains of command, all rewritten from its directory (under the manager changes' lock)."""
    await lock_manager_changes(tx, account_id)
    await tx.execute(_FORGET_CHAINS, {"account_id": account_id})
    await tx.execute(_REBUILD_CHAINS, {"account_id": account_id})
