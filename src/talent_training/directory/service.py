"""Directory rules (workflow contract, "Directory"): records keep the HR system's ids and are written with
`PUT`, create or replace, so that a nightly sync can send everything again and change nothing.

A replacement that changes nothing writes nothing and records no audit event (as a PATCH that changes
nothing); a creation records every field, a replacement the fields it changed.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.db.base import utcnow
from talent_training.db.database import Tx
from talent_training.db.errors import ReferenceViolation, UniqueViolation
from talent_training.directory import repository
from talent_training.directory.repository import EmployeeFilters, Team
from talent_training.directory.schemas import EmployeePut, UnitPut
from talent_training.kit.actor import Actor
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.kit.text import fold

DEPARTMENT = "department"
ESTABLISHMENT = "establishment"


class Written(NamedTuple):
    """A record as a `PUT` left it, and whether the `PUT` created it (201) or replaced it (200)."""

    row: Any
    created: bool


class UnitRow(NamedTuple):
    id: int
    name: str


# Departments and establishments (`kind`: DEPARTMENT or ESTABLISHMENT, also their audit resource type) -------


async def put_unit(tx: Tx, actor: Actor, kind: str, unit_id: int, data: UnitPut) -> Written:
    """Create or replace; the name is unique within the account (409 on `name`)."""
    account_id = actor.account_id
    values = {"account_id": account_id, "id": unit_id, "name": data.name, "now": utcnow()}
    try:
        current = await repository.lock_unit(tx, kind, account_id, unit_id)
        if current is None:
            if await repository.insert_unit(tx, kind, values):
                await audit.record(
                    tx, actor, kind, unit_id, Action.CREATE, audit.created({"name": data.name})
                )
                return Written(UnitRow(unit_id, data.name), created=True)
            # Created meanwhile by a concurrent PUT of the same id, now committed (replace it), or the name
            # is taken.
            current = await repository.lock_unit(tx, kind, account_id, unit_id)
            if current is None:
                raise UniqueViolation("name", None)
        if changes := audit.changed({"name": current.name}, {"name": data.name}):
            await repository.update_unit(tx, kind, values)
            await audit.record(tx, actor, kind, unit_id, Action.UPDATE, changes)
    except UniqueViolation:
        raise Conflict(f"Another {kind} of the account is named {data.name!r}.", "name") from None
    return Written(UnitRow(unit_id, data.name), created=False)


async def get_unit(tx: Tx, kind: str, account_id: int, unit_id: int) -> Any:
    row = await repository.get_unit(tx, kind, account_id, unit_id)
    if row is None:
        raise NotFound(f"{kind.capitalize()} {unit_id}")
    return row


async def list_units(tx: Tx, kind: str, account_id: int, request: PageRequest) -> Page[Any]:
    return await repository.list_units(tx, kind, account_id, request)


# Employees --------------------------------------------------------------------------------------------------


class EmployeeRow(NamedTuple):
    """An employee as the employee statements read it (directory/views.py writes it)."""

    id: int
    login: str
    first_name: str
    last_name: str
    email: str | None
    department_id: int | None
    establishment_id: int | None
    manager_id: int | None
    manager_first_name: str | None
    manager_last_name: str | None
    hired_on: date | None
    left_on: date | None


# The API's names of an employee's fields, and their columns (also the fields of its audit events).
EMPLOYEE_COLUMNS = {
    "login": "login",
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "departmentId": "department_id",
    "establishmentId": "establishment_id",
    "managerId": "manager_id",
    "hiredOn": "hired_on",
    "leftOn": "left_on",
}


def search_text(login: str, first_name: str, last_name: str, email: str | None) -> str:
    """What `search` looks in: the names both ways round ("Jane Doe" and "Doe Jane" are both found), the
    login and the email, folded (case and accents)."""
    names = f"{first_name} {last_name}\n{last_name} {first_name}"
    return fold("\n".join((names, login, email or "")))


# The rules an employee's own fields must keep, shared by PUT and the import (directory/importing.py).


def check_dates(hired_on: date | None, left_on: date | None) -> None:
    if hired_on is not None and left_on is not None and left_on < hired_on:
        raise RuleViolation("leftOn", f"must be on or after hiredOn ({hired_on.isoformat()})")


def check_not_own_manager(employee_id: int, manager_id: int | None) -> None:
    if manager_id == employee_id:
        raise RuleViolation("managerId", "an employee may not be their own manager")


def _login_taken(login: str) -> Conflict:
    return Conflict(f"Another employee of the account has the login {login!r}.", "login")


async def put_employee(tx: Tx, actor: Actor, employee_id: int, data: EmployeePut) -> Written:
    """Create or replace the whole employee: a field left out is absent afterwards.

    Its department, establishment and manager must exist in the account (400 on the field); its login is
    unique within the account (409 on `login`); `leftOn` is not before `hiredOn`. Nobody is their own manager,
    directly or through others (400 on `managerId`): a sync writes managers first."""
    account_id = actor.account_id
    check_dates(data.hiredOn, data.leftOn)
    check_not_own_manager(employee_id, data.managerId)

    # A new manager may close a loop with another change of manager running meanwhile, and the chains of
    # command are rewritten from what they were: one change of manager at a time, under the account's lock.
    # That lock comes before the employee's row, the order an import takes them in (the other order could
    # deadlock with one), so whether the manager changes is first read unlocked.
    seen = await repository.manager_of(tx, account_id, employee_id)
    changes_manager = (seen.manager_id if seen is not None else None) != data.managerId
    if changes_manager:
        await repository.lock_manager_changes(tx, account_id)
    current = await repository.lock_employee(tx, account_id, employee_id)
    if not changes_manager and (current.manager_id if current is not None else None) != data.managerId:
        await repository.lock_manager_changes(tx, account_id)  # changed meanwhile by another PUT: rare
    found = await repository.references(
        tx, account_id, employee_id, data.departmentId, data.establishmentId, data.managerId
    )
    if not found.department_found:
        raise RuleViolation("departmentId", f"department {data.departmentId} does not exist")
    if not found.establishment_found:
        raise RuleViolation("establishmentId", f"establishment {data.establishmentId} does not exist")
    if data.managerId is not None:
        if found.manager_first_name is None:
            raise RuleViolation("managerId", f"employee {data.managerId} does not exist")
        if found.above_manager:
            raise RuleViolation(
                "managerId",
                f"employee {employee_id} already manages employee {data.managerId}, directly or through"
                " others: a manager may not be managed by their own report (no cycles)",
            )

    after = {field: getattr(data, field) for field in EMPLOYEE_COLUMNS}
    values = {column: after[field] for field, column in EMPLOYEE_COLUMNS.items()}
    values |= {
        "account_id": account_id,
        "id": employee_id,
        "search_text": search_text(data.login, data.firstName, data.lastName, data.email),
        "now": utcnow(),
    }
    created = moved = False
    try:
        if current is None:
            created = await repository.insert_employee(tx, values)
            if not created:  # created meanwhile by a concurrent PUT of the same id, or the login is taken
                current = await repository.lock_employee(tx, account_id, employee_id)
                if current is None:
                    raise _login_taken(data.login)
        if created:
            await audit.record(tx, actor, "employee", employee_id, Action.CREATE, audit.created(after))
            moved = data.managerId is not None
        else:
            before = {field: getattr(current, column) for field, column in EMPLOYEE_COLUMNS.items()}
            if changes := audit.changed(before, after):
                await repository.update_employee(tx, values)
                await audit.record(tx, actor, "employee", employee_id, Action.UPDATE, changes)
                moved = "managerId" in changes
    except UniqueViolation:
        raise _login_taken(data.login) from None
    except ReferenceViolation:  # records are never deleted: only if one were, between the check and now
        raise Conflict("The employee's department, establishment or manager changed meanwhile.") from None
    if moved:
        await repository.move_in_chains(tx, account_id, employee_id, data.managerId)
    row = EmployeeRow(
        employee_id, data.login, data.firstName, data.lastName, data.email,
        data.departmentId, data.establishmentId,
        data.managerId, found.manager_first_name, found.manager_last_name,
        data.hiredOn, data.leftOn,
    )  # fmt: skip
    return Written(row, created)


async def get_employee(tx: Tx, account_id: int, employee_id: int) -> Any:
    row = await repository.get_employee(tx, account_id, employee_id)
    if row is None:
        raise NotFound(f"Employee {employee_id}")
    return row


async def list_employees(
    tx: Tx, account_id: int, filters: EmployeeFilters, request: PageRequest
) -> Page[Any]:
    return await repository.list_employees(tx, account_id, filters, request)


async def team_of(tx: Tx, account_id: int, manager_id: int) -> list[int]:
    """Who a manager manages: every employee below them in the directory, at any depth."""
    return await repository.team_of(tx, account_id, manager_id)


async def team(tx: Tx, account_id: int, manager_id: int) -> Team:
    """A manager's team as the lists' `team` filter takes it."""
    return await repository.team(tx, account_id, manager_id)


async def in_team(tx: Tx, account_id: int, manager_id: int, employee_id: int) -> bool:
    """Whether the employee is below the manager in the directory, at any depth."""
    return await repository.in_team(tx, account_id, manager_id, employee_id)
