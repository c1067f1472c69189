"""Lucca's list of training demands: every filter, every sort, cursor paging under each sort."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from talent_training.training_demands import service
from tests.factories import assert_problem, create_training
from tests.training_demands.helpers import (
    DEMANDS_V2,
    DEPARTMENTS,
    EMPLOYEES,
    ESTABLISHMENTS,
    World,
    create_session,
    demand_url,
    make_world,
    new_demand,
    ok,
    put_employee,
    put_unit,
    registered_demand,
)


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await make_world(client)


async def ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    page = await ok(await client.get(DEMANDS_V2, params={"limit": 100, **params}))
    return [item["id"] for item in page["items"]]


async def test_filters(client: httpx.AsyncClient, world: World) -> None:
    other_training = await create_training(client)
    mine = await new_demand(client, world)
    registered = await registered_demand(client, world, ownerId=world.owner["id"])
    colleagues = await new_demand(
        client, world, ownerId=world.colleague["id"], trainingId=other_training["id"]
    )
    refused = await new_demand(client, world, ownerId=world.colleague["id"])
    await ok(await client.post(demand_url(refused["id"], "refuse"), json={"reason": "no"}))
    await ok(await client.post(demand_url(mine["id"], "prioritization"), json={"level": "High"}))
    await ok(await client.post(demand_url(colleagues["id"], "prioritization"), json={"level": "Low"}))
    everyone = [mine["id"], registered["id"], colleagues["id"], refused["id"]]

    assert await ids(client) == everyone
    assert await ids(client, ownerId=world.owner["id"]) == [mine["id"], registered["id"]]
    assert await ids(client, ownerId=f"{world.owner['id']},{world.colleague['id']}") == everyone
    assert await ids(client, sessionId=world.session["id"]) == [registered["id"]]
    assert await ids(client, trainingId=other_training["id"]) == [colleagues["id"]]
    assert await ids(client, states="Requested") == [mine["id"], colleagues["id"]]
    assert await ids(client, states=["Registered", "Invalid"]) == [registered["id"], refused["id"]]
    assert await ids(client, states="Registered,Invalid") == [registered["id"], refused["id"]]
    assert await ids(client, departmentIds=world.department) == [mine["id"], registered["id"]]
    assert await ids(client, establishmentIds=world.establishment) == [mine["id"], registered["id"]]
    assert await ids(client, prioritizationLevels="High,Low") == [mine["id"], colleagues["id"]]
    assert await ids(client, prioritizationLevels="Medium") == []
    assert await ids(client, isSessionPlanned="true") == [registered["id"]]
    assert await ids(client, isSessionPlanned="false") == [mine["id"], colleagues["id"], refused["id"]]
    assert await ids(client, departmentIds=world.department, states="Requested") == [mine["id"]]
    # The repeated form, and a mix of both forms.
    both = [world.owner["id"], world.colleague["id"]]
    assert await ids(client, ownerId=both) == everyone
    assert await ids(client, departmentIds=[world.department]) == [mine["id"], registered["id"]]
    empty = await put_unit(client, DEPARTMENTS, "Nobody here")
    assert await ids(client, departmentIds=f"{empty},{world.department}") == [mine["id"], registered["id"]]
    owners = f"ownerId={world.owner['id']}&ownerId={world.colleague['id']}"
    mixed = f"{owners}&states=Requested,Registered&states=Invalid"
    page = await ok(await client.get(f"{DEMANDS_V2}?{mixed}"))
    assert [item["id"] for item in page["items"]] == everyone
    # Several values of every id filter, in either form.
    trainings = [world.training["id"], other_training["id"]]
    assert await ids(client, trainingId=trainings) == everyone
    assert await ids(client, trainingId=",".join(map(str, trainings))) == everyone
    elsewhere = await put_unit(client, ESTABLISHMENTS, "Elsewhere")
    await put_employee(client, id=world.colleague["id"], establishmentId=elsewhere)
    assert await ids(client, establishmentIds=elsewhere) == [colleagues["id"], refused["id"]]
    assert await ids(client, establishmentIds=f"{elsewhere},{world.establishment}") == everyone
    assert await ids(client, establishmentIds=[elsewhere, world.establishment]) == everyone
    second = await create_session(client, world.training["id"], world.plan["id"])
    late = await new_demand(client, world, ownerId=world.colleague["id"])
    await ok(await client.post(demand_url(late["id"], "register"), json={"sessionId": second["id"]}))
    sessions = [world.session["id"], second["id"]]
    assert await ids(client, sessionId=sessions) == [registered["id"], late["id"]]
    assert await ids(client, sessionId=",".join(map(str, sessions))) == [registered["id"], late["id"]]
    assert await ids(client, sessionId=second["id"]) == [late["id"]]


async def test_the_department_filter_follows_the_owner_when_they_move(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await new_demand(client, world)
    owner = world.owner
    moved = {"login": f"user{owner['id']}", "firstName": owner["firstName"], "lastName": owner["lastName"]}
    await ok(await client.put(f"{EMPLOYEES}/{owner['id']}", json=moved))

    assert await ids(client, departmentIds=world.department) == []
    assert await ids(client, establishmentIds=world.establishment) == []
    assert "departmentId" not in (await ok(await client.get(demand_url(demand["id"]))))["owner"]
    await ok(await client.put(f"{EMPLOYEES}/{owner['id']}", json={**moved, "departmentId": world.department}))
    assert await ids(client, departmentIds=world.department) == [demand["id"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"states": "Pending"}, "states"),
        ({"prioritizationLevels": "Urgent"}, "prioritizationLevels"),
        ({"sort": "owner"}, "sort"),
        ({"isSessionPlanned": "yes"}, "isSessionPlanned"),
        ({"departmentIds": "x"}, "departmentIds"),
        ({"states": "Requested,Requested"}, "states"),
        ({"states": " Requested"}, "states"),
        ({"prioritizationLevels": "Low,Low"}, "prioritizationLevels"),
    ],
)
async def test_bad_parameters_are_400(client: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    assert_problem(await client.get(DEMANDS_V2, params=params), 400, field)


async def walk(client: httpx.AsyncClient, sort: str, **filters: Any) -> tuple[list[int], list[int]]:
    """Every id, page by page with `next`, then back with `prev` from the last page."""
    forward: list[int] = []
    params: dict[str, Any] = {"sort": sort, "limit": 2, "fields.root": "next,prev", **filters}
    page = await ok(await client.get(DEMANDS_V2, params=params))
    pages = [page]
    while page["next"]:
        page = await ok(await client.get(DEMANDS_V2, params={**params, "page": page["next"]}))
        pages.append(page)
    for page in pages:
        forward += [item["id"] for item in page["items"]]
    backward = [item["id"] for item in page["items"]]
    while page["prev"]:
        page = await ok(await client.get(DEMANDS_V2, params={**params, "page": page["prev"]}))
        backward = [item["id"] for item in page["items"]] + backward
    return forward, backward


async def test_every_sort_pages_with_cursors_both_ways(client: httpx.AsyncClient, world: World) -> None:
    department = await put_unit(client, DEPARTMENTS, "Walked")
    owner = await put_employee(client, departmentId=department)
    demands = [await new_demand(client, world, ownerId=owner["id"]) for _ in range(7)]
    ranks = {"High": 3, "Low": 1, "Medium": 2}
    levels = ["High", None, "Low", "High", None, "Medium", "Low"]
    for demand, level in zip(demands, levels, strict=True):
        if level:
            await ok(await client.post(demand_url(demand["id"], "prioritization"), json={"level": level}))
    by_id = [d["id"] for d in demands]
    rank = {d["id"]: ranks.get(level or "", 0) for d, level in zip(demands, levels, strict=True)}
    created = {d["id"]: d["createdAt"] for d in demands}
    expected = {
        "id": by_id,
        "-id": by_id[::-1],
        "createdAt": sorted(by_id, key=lambda i: (created[i], i)),
        "-createdAt": sorted(by_id, key=lambda i: (created[i], i), reverse=True),
        "prioritization.level": sorted(by_id, key=lambda i: (rank[i], i)),
        "-prioritization.level": sorted(by_id, key=lambda i: (rank[i], i), reverse=True),
    }
    for sort, order in expected.items():
        assert await ids(client, sort=sort) == order, sort
        forward, backward = await walk(client, sort)
        assert forward == order, sort
        assert backward == order, sort
        # Held to one department, the cursor is led by it (db/paging.py `within`): the same pages.
        assert await walk(client, sort, departmentIds=department) == (order, order), sort


async def test_created_at_sorts_by_the_time_of_the_request_not_by_id(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids follow creation, so a clock running backwards is what tells the two sorts apart (an import of
    demands made elsewhere would keep their dates)."""
    times = iter(datetime(2026, 6, day, 9, tzinfo=UTC) for day in (20, 10, 30, 1))
    monkeypatch.setattr(service, "utcnow", lambda: next(times))
    demands = [(await new_demand(client, world))["id"] for _ in range(4)]
    monkeypatch.undo()
    oldest_first = [demands[3], demands[1], demands[0], demands[2]]

    assert await ids(client, sort="createdAt") == oldest_first
    assert await ids(client, sort="-createdAt") == oldest_first[::-1]
    forward, backward = await walk(client, "createdAt")
    assert forward == backward == oldest_first


async def test_a_page_index_pages_under_a_sort_too(client: httpx.AsyncClient, world: World) -> None:
    demands = [await new_demand(client, world) for _ in range(5)]
    for demand in demands[:2]:
        await ok(await client.post(demand_url(demand["id"], "prioritization"), json={"level": "Low"}))
    second = await ids(client, sort="-prioritization.level", limit=2, page=1)
    assert second == [demands[4]["id"], demands[3]["id"]]


async def test_a_cursor_made_for_another_sort_is_refused(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(3):
        await new_demand(client, world)
    page = await ok(
        await client.get(DEMANDS_V2, params={"sort": "-createdAt", "limit": 1, "fields.root": "next"})
    )
    refused = await client.get(DEMANDS_V2, params={"sort": "prioritization.level", "page": page["next"]})
    assert_problem(refused, 400, "page")


async def test_count_and_other_accounts(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, world: World
) -> None:
    for _ in range(3):
        await new_demand(client, world)
    assert (await ok(await client.get(DEMANDS_V2, params={"fields.root": "count", "limit": 1})))["count"] == 3
    assert (await ok(await stranger.get(DEMANDS_V2, params={"fields.root": "count"})))["count"] == 0


async def test_a_realized_demand_counts_as_planned(client: httpx.AsyncClient, world: World) -> None:
    demand = await registered_demand(client, world)
    sheet = {"items": [{"demandId": demand["id"], "hasAttended": True}]}
    await ok(
        await client.post(f"/talent-training/api/v1/sessions/{world.session['id']}/attendance", json=sheet)
    )

    assert await ids(client, isSessionPlanned="true") == [demand["id"]]
    assert await ids(client, isSessionPlanned="true", states="Realized") == [demand["id"]]
