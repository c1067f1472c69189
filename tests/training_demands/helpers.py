"""A small world for training demands: a training, a plan, a session, a manager and two employees, made
through the API as an HR system and an HR user would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.factories import PREFIX, create_training

DEMANDS = f"{PREFIX}/v1/training-demands"
DEMANDS_V2 = f"{PREFIX}/v2/training-demands"
SESSIONS = f"{PREFIX}/v1/sessions"
PLANS = f"{PREFIX}/v1/plans"
EMPLOYEES = f"{PREFIX}/v1/employees"
DEPARTMENTS = f"{PREFIX}/v1/departments"
ESTABLISHMENTS = f"{PREFIX}/v1/establishments"

_ids = itertools.count(1000)


def today() -> date:
    """Today as the service sees it: tests run it in UTC (tests/conftest.py), whatever the machine's zone."""
    return datetime.now(UTC).date()


LAST_MONTH = today() - timedelta(days=40)


def demand_url(demand_id: int, action: str = "") -> str:
    return f"{DEMANDS}/{demand_id}/{action}" if action else f"{DEMANDS_V2}/{demand_id}"


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def put_employee(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    employee_id = fields.pop("id", None) or next(_ids)
    body = {"login": f"user{employee_id}", "firstName": "Ada", "lastName": f"Num{employee_id}", **fields}
    response = await client.put(f"{EMPLOYEES}/{employee_id}", json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def put_unit(client: httpx.AsyncClient, path: str, name: str) -> int:
    unit_id = next(_ids)
    await ok(await client.put(f"{path}/{unit_id}", json={"name": name}), 201)
    return unit_id


async def create_session(
    client: httpx.AsyncClient, training_id: int, plan_id: int, *, open_: bool = True, **fields: Any
) -> dict[str, Any]:
    body = {
        "trainingId": training_id,
        "planId": plan_id,
        "startOn": LAST_MONTH.isoformat(),
        "endOn": (LAST_MONTH + timedelta(days=1)).isoformat(),
        "durationInHours": 14,
        **fields,
    }
    session = await ok(await client.post(SESSIONS, json=body), 201)
    if open_:
        session = await ok(await client.patch(f"{SESSIONS}/{session['id']}", json={"status": "Open"}))
    return session


@dataclass
class World:
    training: dict[str, Any]
    plan: dict[str, Any]
    session: dict[str, Any]
    department: int
    establishment: int
    manager: dict[str, Any]
    owner: dict[str, Any]
    colleague: dict[str, Any]

    def body(self, **overrides: Any) -> dict[str, Any]:
        return {"ownerId": self.owner["id"], "trainingId": self.training["id"], **overrides}


async def make_world(client: httpx.AsyncClient, capacity: int | None = None) -> World:
    training = await create_training(client)
    plan = await ok(
        await client.post(PLANS, json={"name": "Plan 2026", "startOn": "2026-01-01", "endOn": "2026-12-31"}),
        201,
    )
    extra = {} if capacity is None else {"capacity": capacity}
    session = await create_session(client, training["id"], plan["id"], **extra)
    department = await put_unit(client, DEPARTMENTS, f"Department {next(_ids)}")
    establishment = await put_unit(client, ESTABLISHMENTS, f"Establishment {next(_ids)}")
    manager = await put_employee(client, firstName="Grace", lastName="Manager")
    owner = await put_employee(
        client, managerId=manager["id"], departmentId=department, establishmentId=establishment
    )
    colleague = await put_employee(client, firstName="Alan", lastName="Colleague")
    return World(training, plan, session, department, establishment, manager, owner, colleague)


async def new_demand(client: httpx.AsyncClient, world: World, **overrides: Any) -> dict[str, Any]:
    return await ok(await client.post(DEMANDS, json=world.body(**overrides)), 201)


async def registered_demand(client: httpx.AsyncClient, world: World, **overrides: Any) -> dict[str, Any]:
    """Registered on the world's session; of a new employee unless `ownerId` says (an employee is registered
    on a session once)."""
    if "ownerId" not in overrides:
        overrides["ownerId"] = (await put_employee(client))["id"]
    demand = await new_demand(client, world, **overrides)
    return await ok(
        await client.post(demand_url(demand["id"], "register"), json={"sessionId": world.session["id"]})
    )
