"""GET /v2/training-demands as a file (`Accept: text/csv` or XLSX): the API's item flattened, every demand the
list's filters select, in the list's order (its `sort`), streamed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from talent_training.training_demands.exporting import FIELDS
from tests.bulk.downloads import CSV, XLSX, csv_rows, xlsx_rows
from tests.factories import assert_problem, create_provider, create_training
from tests.training_demands.helpers import (
    DEMANDS_V2,
    EMPLOYEES,
    World,
    demand_url,
    make_world,
    new_demand,
    ok,
    registered_demand,
)

HEADERS = [
    "id", "ownerId", "Employee login", "Employee first name", "Employee last name", "departmentId",
    "establishmentId", "authorId", "Author type", "trainingId", "Training title", "Level", "Provider name",
    "state", "status", "Priority", "Prioritized at", "reason", "refusalReason", "planId", "Plan name",
    "sessionId", "Session start date", "Session end date", "Duration (hours)", "registeredOn", "createdAt",
]  # fmt: skip


@pytest.fixture
async def exporter(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return client


@pytest.fixture
async def world(exporter: httpx.AsyncClient) -> World:
    return await make_world(exporter)


async def demands(client: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    """One in each state, by each kind of author, with and without a provider, a priority, a plan."""
    provider = await create_provider(client, name="ACME, Inc.")
    other = await create_training(client, title='Excel; "advanced"', providerId=provider["id"])
    mine = await new_demand(client, world, reason='Needed for the "2027" audit;\nurgently')
    await ok(await client.post(demand_url(mine["id"], "prioritization"), json={"level": "High"}))
    by_manager = await new_demand(client, world, authorId=world.manager["id"], trainingId=other["id"])
    await ok(await client.post(demand_url(by_manager["id"], "accept"), json={"planId": world.plan["id"]}))
    registered = await registered_demand(client, world)
    await ok(await client.post(demand_url(registered["id"], "prioritization"), json={"level": "Low"}))
    refused = await new_demand(client, world, ownerId=world.colleague["id"], authorId=world.manager["id"])
    await ok(await client.post(demand_url(refused["id"], "refuse"), json={"reason": "No budget"}))
    listed = await ok(await client.get(DEMANDS_V2, params={"limit": 100}))
    return list(listed["items"])


async def logins(client: httpx.AsyncClient) -> dict[int, str]:
    page = await ok(await client.get(EMPLOYEES, params={"limit": 100}))
    return {employee["id"]: employee["login"] for employee in page["items"]}


def text(value: Any) -> str:
    return "" if value is None else str(value)


def flattened(item: dict[str, Any], login: str) -> list[str]:
    """The API's item as the export writes it (docs/exports.md)."""
    owner, training = item["owner"], item["training"]
    priority = item.get("prioritization", {})
    plan, session = item.get("plan", {}), item.get("session", {})
    return [
        text(value)
        for value in (
            item["id"], owner["id"], login, owner["firstName"], owner["lastName"], owner.get("departmentId"),
            owner.get("establishmentId"), item["author"]["id"], item["author"]["type"], training["id"],
            training["title"], training["level"], item.get("provider", {}).get("name"), item["state"],
            item["status"], priority.get("level"), priority.get("lastModifiedAt"), item.get("reason"),
            item.get("refusalReason"), plan.get("id"), plan.get("name"), session.get("id"),
            session.get("startOn"), session.get("endOn"), session.get("durationInHours"),
            item.get("registeredOn"), item["createdAt"],
        )
    ]  # fmt: skip


async def test_csv_is_the_apis_item_flattened(exporter: httpx.AsyncClient, world: World) -> None:
    items = await demands(exporter, world)
    login = await logins(exporter)

    response = await exporter.get(DEMANDS_V2, headers={"Accept": CSV})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == f'attachment; filename="training-demands-{today}.csv"'
    assert response.headers["x-request-id"]
    rows = csv_rows(response.content)
    assert rows[0] == HEADERS == [field.header for field in FIELDS]
    assert rows[1:] == [flattened(item, login[item["owner"]["id"]]) for item in items]
    assert {row[8] for row in rows[1:]} == {"Owner", "Manager", "Administrator"}  # every kind of author
    assert b'"Needed for the ""2027"" audit;\nurgently"' in response.content


async def test_xlsx_has_the_same_rows_as_typed_cells(exporter: httpx.AsyncClient, world: World) -> None:
    items = await demands(exporter, world)

    response = await exporter.get(DEMANDS_V2, headers={"Accept": XLSX})

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    rows = xlsx_rows(response.content)
    assert list(rows[0]) == HEADERS
    assert [row[0] for row in rows[1:]] == [item["id"] for item in items]
    registered = next(row for row in rows[1:] if row[13] == "Registered")
    item = next(item for item in items if item["id"] == registered[0])
    session = item["session"]
    assert registered[22:25] == (
        datetime.fromisoformat(session["startOn"]),
        datetime.fromisoformat(session["endOn"]),
        session["durationInHours"],
    )
    created = datetime.fromisoformat(item["createdAt"])  # in UTC, without its zone (Excel has none)
    assert abs(registered[26] - created.astimezone(UTC).replace(tzinfo=None)).total_seconds() < 0.001
    assert registered[15] == "Low"


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "-prioritization.level"},
        {"sort": "prioritization.level"},
        {"sort": "-createdAt"},
        {"sort": "-id"},
        {"states": "Requested,Invalid"},
        {"prioritizationLevels": "High,Low", "sort": "-id"},
        {"isSessionPlanned": "false"},
        {"ownerId": "{owner}", "departmentIds": "{department}"},
        {"trainingId": "{training}", "isSessionPlanned": "true"},
    ],
)
async def test_an_export_selects_what_the_list_selects_in_its_order(
    exporter: httpx.AsyncClient, world: World, params: dict[str, str]
) -> None:
    await demands(exporter, world)
    params = {
        name: value.format(
            owner=world.owner["id"], department=world.department, training=world.training["id"]
        )
        for name, value in params.items()
    }
    listed = await ok(await exporter.get(DEMANDS_V2, params={**params, "limit": 100}))

    response = await exporter.get(DEMANDS_V2, params=params, headers={"Accept": CSV})

    exported = [int(row[0]) for row in csv_rows(response.content)[1:]]
    assert exported == [item["id"] for item in listed["items"]]
    assert exported


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"states": "Lost"}, "states"),
        ({"sort": "title"}, "sort"),
        ({"prioritizationLevels": "Urgent"}, "prioritizationLevels"),
        ({"isSessionPlanned": "1"}, "isSessionPlanned"),
    ],
)
async def test_a_bad_filter_is_a_400_problem(
    exporter: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await exporter.get(DEMANDS_V2, params=params, headers={"Accept": CSV})

    assert_problem(response, 400, field)


async def test_json_stays_the_default(exporter: httpx.AsyncClient, world: World) -> None:
    await new_demand(exporter, world)

    response = await exporter.get(DEMANDS_V2, headers={"Accept": "application/json"})

    assert response.headers["content-type"] == "application/json"
    assert len(response.json()["items"]) == 1
