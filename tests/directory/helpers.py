"""Bodies and writers for the directory's tests: departments, establishments and employees, by HR id."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from talent_training.accounts.service import existing_account
from talent_training.app import TalentTraining
from talent_training.directory import service as directory
from talent_training.directory.repository import EmployeeFilters
from talent_training.kit.paging import PageRequest
from tests.factories import OMIT, PREFIX

Teams = dict[int, set[int]]  # a manager's employee id: the ids below them

DEPARTMENTS = f"{PREFIX}/v1/departments"
ESTABLISHMENTS = f"{PREFIX}/v1/establishments"
EMPLOYEES = f"{PREFIX}/v1/employees"
UNITS = {"department": DEPARTMENTS, "establishment": ESTABLISHMENTS}

_serial = itertools.count(1)


def _merge(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    body = {**defaults, **overrides}
    return {key: value for key, value in body.items() if value is not OMIT}


def unit_body(**overrides: Any) -> dict[str, Any]:
    return _merge({"name": f"Unit {next(_serial)}"}, overrides)


def employee_body(**overrides: Any) -> dict[str, Any]:
    """The required fields only, with a login of its own; pass OMIT to drop one."""
    n = next(_serial)
    return _merge({"login": f"user{n}", "firstName": "Jane", "lastName": f"Doe{n}"}, overrides)


async def _put(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.put(path, json=body)
    assert response.status_code in (200, 201), response.text
    written: dict[str, Any] = response.json()
    return written


async def put_unit(client: httpx.AsyncClient, kind: str, unit_id: int, **overrides: Any) -> dict[str, Any]:
    """`kind`: "department" or "establishment"."""
    return await _put(client, f"{UNITS[kind]}/{unit_id}", unit_body(**overrides))


async def put_department(client: httpx.AsyncClient, department_id: int, **overrides: Any) -> dict[str, Any]:
    return await put_unit(client, "department", department_id, **overrides)


async def put_establishment(
    client: httpx.AsyncClient, establishment_id: int, **overrides: Any
) -> dict[str, Any]:
    return await put_unit(client, "establishment", establishment_id, **overrides)


async def put_employee(client: httpx.AsyncClient, employee_id: int, **overrides: Any) -> dict[str, Any]:
    return await _put(client, f"{EMPLOYEES}/{employee_id}", employee_body(**overrides))


async def audit_events(
    client: httpx.AsyncClient, resource_type: str, resource_id: int
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{PREFIX}/v1/audit-events", params={"resourceType": resource_type, "resourceId": resource_id}
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def teams_both_ways(app: TalentTraining, account: str = "default") -> tuple[Teams, Teams]:
    """Each employee's team as the chains of command keep it (`team_of`), and as the directory's managers
    say it is (walked up from every employee here): equal whenever the chains were kept right."""
    async with app.database.read() as tx:
        account_id = await existing_account(tx, account)
        assert account_id is not None
        listed = await directory.list_employees(tx, account_id, EmployeeFilters(), PageRequest(limit=1000))
        managers = {row.id: row.manager_id for row in listed.items}
        kept = {employee: set(await directory.team_of(tx, account_id, employee)) for employee in managers}
    said: Teams = {employee: set() for employee in managers}
    for employee in managers:
        above = managers[employee]
        while above is not None:
            said[above].add(employee)
            above = managers[above]
    return kept, said
