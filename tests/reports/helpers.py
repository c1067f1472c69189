"""A small account whose reports are computed by hand (the expectations in test_numbers.py), put in through
the API: two departments, employees hired and gone at the year's edges, two trainings, seven records."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import bindparam, update

from talent_training.app import TalentTraining
from talent_training.db.statements import Query
from talent_training.realized_trainings.tables import RealizedTraining
from tests.directory.helpers import put_department, put_employee
from tests.factories import create_category, create_provider, create_realized_training, create_training

YEAR = 2025
SALES, SUPPORT = 10, 20
MANAGER = 100  # manages employees 1 and 2
NOT_IN_DIRECTORY = 999
_ABSENT = Query(
    update(RealizedTraining).where(RealizedTraining.id == bindparam("id")).values(has_attended=False)
)


async def seed(client: httpx.AsyncClient, app: TalentTraining) -> dict[str, Any]:
    await put_department(client, SALES, name="Sales")
    await put_department(client, SUPPORT, name="Support")
    await put_employee(client, MANAGER, departmentId=SALES, hiredOn="2019-05-01")
    await put_employee(client, 1, departmentId=SALES, managerId=MANAGER, hiredOn="2020-01-01")
    await put_employee(client, 2, departmentId=SALES, managerId=MANAGER, hiredOn="2025-06-01")
    # Left during the year: active in it. Left the day before it began: not.
    await put_employee(client, 3, departmentId=SUPPORT, hiredOn="2018-01-01", leftOn="2025-03-31")
    await put_employee(client, 4, departmentId=SUPPORT, hiredOn="2018-01-01", leftOn="2024-12-31")
    await put_employee(client, 5, departmentId=SUPPORT, hiredOn="2026-01-01")  # hired after the year
    await put_employee(client, 6)  # no department, no dates: active
    acme = await create_provider(client, name="Acme")
    safety = await create_category(client, name="Safety", t9n={"name": {"Fr": "Sécurité"}})
    t1 = await create_training(client, title="Fire safety", providerId=acme["id"], categoryId=safety["id"])
    t2 = await create_training(client, title="Spreadsheets")

    async def record(owner: int, training: dict[str, Any], ends_on: str, hours: float, **more: Any) -> int:
        created = await create_realized_training(
            client,
            training["id"],
            ownerId=owner,
            sessionStartsOn=ends_on,
            sessionEndsOn=ends_on,
            durationInHours=hours,
            **more,
        )
        return int(created["id"])

    await record(1, t1, "2025-01-15", 7, cost={"amount": 100, "currency": "EUR"})
    await record(1, t2, "2025-03-10", 3.5, cost={"amount": 50.5, "currency": "USD"})
    await record(2, t1, "2025-03-20", 2.25)
    await record(3, t2, "2025-02-01", 4, cost={"amount": 20, "currency": "EUR"})
    await record(NOT_IN_DIRECTORY, t1, "2025-12-31", 1, cost={"amount": 10, "currency": "EUR"})
    # Not counted in 2025: an absence, and a training of the year before.
    # (An absence is recorded by the workflow's attendance sheet; here, a record turned into one.)
    absent = await record(6, t1, "2025-01-01", 8, cost={"amount": 99, "currency": "EUR"})
    async with app.database.transaction() as tx:
        await tx.execute(_ABSENT, {"id": absent})
    await record(4, t1, "2024-12-31", 5, cost={"amount": 30, "currency": "EUR"})
    return {"provider": acme["id"], "category": safety["id"]}
