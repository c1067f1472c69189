"""A session's attendance sheet: all or nothing, recording the realized trainings of its demands."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from tests.factories import REALIZED, assert_problem, count
from tests.training_demands.helpers import (
    SESSIONS,
    World,
    create_session,
    demand_url,
    make_world,
    new_demand,
    ok,
    put_employee,
    registered_demand,
    today,
)


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await make_world(client)


def sheet_url(world: World) -> str:
    return f"{SESSIONS}/{world.session['id']}/attendance"


async def test_attendance_records_realized_trainings_and_moves_the_demands_on(
    client: httpx.AsyncClient, world: World
) -> None:
    present = await registered_demand(client, world)
    absent = await registered_demand(client, world, ownerId=world.colleague["id"])
    body = {
        "items": [
            {"demandId": absent["id"], "hasAttended": False},
            {"demandId": present["id"], "hasAttended": True},
        ]
    }

    recorded = (await ok(await client.post(sheet_url(world), json=body)))["items"]

    session = world.session
    assert [(r["trainingDemandId"], r["hasAttended"]) for r in recorded] == [
        (present["id"], True),
        (absent["id"], False),
    ]
    for record, demand in zip(recorded, (present, absent), strict=True):
        assert record["ownerId"] == demand["owner"]["id"]
        assert record["trainingId"] == world.training["id"]
        assert record["sessionId"] == session["id"]
        assert record["sessionStartsOn"] == session["startOn"] and record["sessionEndsOn"] == session["endOn"]
        assert record["durationInHours"] == 14
        assert await ok(await client.get(f"{REALIZED}/{record['id']}")) == record
    realized = await ok(await client.get(demand_url(present["id"])))
    assert realized["state"] == "Realized" and realized["status"] == "Realized"
    assert realized["session"]["id"] == session["id"]
    back = await ok(await client.get(demand_url(absent["id"])))
    assert back["state"] == "Requested" and back["status"] == "PendingRegistration" and "session" not in back
    assert (await ok(await client.get(f"{SESSIONS}/{session['id']}")))["registeredCount"] == 1
    assert await count(client, REALIZED, hasAttended="false") == 1


async def test_a_realized_demand_is_final(client: httpx.AsyncClient, world: World) -> None:
    demand = await registered_demand(client, world)
    await ok(
        await client.post(sheet_url(world), json={"items": [{"demandId": demand["id"], "hasAttended": True}]})
    )

    for action, body in [
        ("unregister", None),
        ("refuse", {"reason": "late"}),
        ("prioritization", {"level": "Low"}),
        ("accept", {"planId": world.plan["id"]}),
        ("register", {"sessionId": world.session["id"]}),
    ]:
        problem = assert_problem(await client.post(demand_url(demand["id"], action), json=body), 409)
        assert "Realized" in problem["detail"], action
    realized = await ok(await client.get(demand_url(demand["id"])))
    assert realized["state"] == "Realized" and realized["session"]["id"] == world.session["id"]


async def test_confirming_twice_is_409_and_records_nothing_more(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await registered_demand(client, world)
    second = await registered_demand(client, world, ownerId=world.colleague["id"])
    await ok(
        await client.post(sheet_url(world), json={"items": [{"demandId": first["id"], "hasAttended": True}]})
    )

    again = {
        "items": [
            {"demandId": second["id"], "hasAttended": True},
            {"demandId": first["id"], "hasAttended": True},
        ]
    }
    problem = assert_problem(await client.post(sheet_url(world), json=again), 409, "items.1.demandId")
    assert "Realized" in problem["detail"]
    assert await count(client, REALIZED) == 1
    assert (await ok(await client.get(demand_url(second["id"]))))["state"] == "Registered"


async def test_attendance_waits_for_the_end_of_the_session(client: httpx.AsyncClient, world: World) -> None:
    tomorrow = today() + timedelta(days=1)
    session = await create_session(
        client,
        world.training["id"],
        world.plan["id"],
        startOn=today().isoformat(),
        endOn=tomorrow.isoformat(),
    )
    demand = await new_demand(client, world)
    await ok(await client.post(demand_url(demand["id"], "register"), json={"sessionId": session["id"]}))

    url = f"{SESSIONS}/{session['id']}/attendance"
    problem = assert_problem(
        await client.post(url, json={"items": [{"demandId": demand["id"], "hasAttended": True}]}), 409
    )
    assert tomorrow.isoformat() in problem["detail"]


async def test_a_session_is_closed_once_its_attendance_is_taken(
    client: httpx.AsyncClient, world: World
) -> None:
    present = await registered_demand(client, world)
    absent = await registered_demand(client, world, ownerId=world.colleague["id"])
    session_url = f"{SESSIONS}/{world.session['id']}"

    problem = assert_problem(await client.patch(session_url, json={"status": "Closed"}), 409, "status")
    assert "2 registered demand(s) awaiting attendance" in problem["detail"]
    body = {
        "items": [
            {"demandId": present["id"], "hasAttended": True},
            {"demandId": absent["id"], "hasAttended": False},
        ]
    }
    await ok(await client.post(sheet_url(world), json=body))
    closed = await ok(await client.patch(session_url, json={"status": "Closed"}))
    assert closed["status"] == "Closed" and closed["registeredCount"] == 1

    again = {"items": [{"demandId": present["id"], "hasAttended": True}]}
    problem = assert_problem(await client.post(sheet_url(world), json=again), 409)
    assert "Closed" in problem["detail"]
    assert await count(client, REALIZED) == 2


async def test_only_demands_registered_on_this_session_are_confirmed(
    client: httpx.AsyncClient, world: World
) -> None:
    other_session = await create_session(client, world.training["id"], world.plan["id"])
    elsewhere = await new_demand(client, world)
    await ok(
        await client.post(demand_url(elsewhere["id"], "register"), json={"sessionId": other_session["id"]})
    )
    not_registered = await new_demand(client, world)

    def sheet(demand_id: int) -> dict[str, object]:
        return {"items": [{"demandId": demand_id, "hasAttended": True}]}

    assert_problem(await client.post(sheet_url(world), json=sheet(elsewhere["id"])), 400, "items.0.demandId")
    assert_problem(
        await client.post(sheet_url(world), json=sheet(not_registered["id"])), 409, "items.0.demandId"
    )
    assert_problem(await client.post(sheet_url(world), json=sheet(987_654)), 400, "items.0.demandId")
    assert await count(client, REALIZED) == 0


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([], "items"),
        ([{"demandId": 1}], "items.0.hasAttended"),
        ([{"demandId": 1, "hasAttended": "yes"}], "items.0.hasAttended"),
        ([{"demandId": 1, "hasAttended": True}] * 501, "items"),
    ],
)
async def test_a_malformed_sheet_is_400(
    client: httpx.AsyncClient, world: World, items: list[object], field: str
) -> None:
    assert_problem(await client.post(sheet_url(world), json={"items": items}), 400, field)


async def test_an_empty_sheet_and_an_empty_reason_say_so(client: httpx.AsyncClient, world: World) -> None:
    empty = assert_problem(await client.post(sheet_url(world), json={"items": []}), 400, "items")
    assert empty["errors"]["items"] == ["must not be empty"]
    demand = await new_demand(client, world)
    refusal = await client.post(demand_url(demand["id"], "refuse"), json={"reason": ""})
    assert assert_problem(refusal, 400, "reason")["errors"]["reason"] == ["must not be empty"]


async def test_a_demand_listed_twice_is_400(client: httpx.AsyncClient, world: World) -> None:
    demand = await registered_demand(client, world)
    items = [
        {"demandId": demand["id"], "hasAttended": True},
        {"demandId": demand["id"], "hasAttended": False},
    ]
    assert_problem(await client.post(sheet_url(world), json={"items": items}), 400, "items.1.demandId")


async def test_an_unknown_session_is_404(client: httpx.AsyncClient, world: World) -> None:
    demand = await registered_demand(client, world)
    url = f"{SESSIONS}/987654/attendance"
    body = {"items": [{"demandId": demand["id"], "hasAttended": True}]}
    assert_problem(await client.post(url, json=body), 404)


async def test_an_absent_employee_may_register_on_another_session(
    client: httpx.AsyncClient, world: World
) -> None:
    owner = await put_employee(client)
    demand = await registered_demand(client, world, ownerId=owner["id"])
    await ok(
        await client.post(
            sheet_url(world), json={"items": [{"demandId": demand["id"], "hasAttended": False}]}
        )
    )
    later = await create_session(
        client,
        world.training["id"],
        world.plan["id"],
        startOn=(today() - timedelta(days=3)).isoformat(),
        endOn=(today() - timedelta(days=2)).isoformat(),
    )
    await ok(await client.post(demand_url(demand["id"], "register"), json={"sessionId": later["id"]}))
    url = f"{SESSIONS}/{later['id']}/attendance"
    recorded = await ok(
        await client.post(url, json={"items": [{"demandId": demand["id"], "hasAttended": True}]})
    )

    assert recorded["items"][0]["hasAttended"] is True
    assert await count(client, REALIZED, ownerIds=owner["id"]) == 2


async def test_after_attendance_the_session_keeps_what_its_records_copied(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await registered_demand(client, world)
    await ok(
        await client.post(
            sheet_url(world), json={"items": [{"demandId": demand["id"], "hasAttended": False}]}
        )
    )
    url = f"{SESSIONS}/{world.session['id']}"
    for patch, field in [
        ({"startOn": "2020-01-01"}, "startOn"),
        ({"endOn": today().isoformat()}, "endOn"),
        ({"durationInHours": 1}, "durationInHours"),
    ]:
        assert_problem(await client.patch(url, json=patch), 409, field)
    moved = await ok(await client.patch(url, json={"capacity": 30, "location": {"isRemote": True}}))
    assert moved["capacity"] == 30 and moved["location"]["isRemote"] is True


async def test_an_absent_employee_cannot_be_registered_on_that_session_again(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await registered_demand(client, world)
    await ok(
        await client.post(
            sheet_url(world), json={"items": [{"demandId": demand["id"], "hasAttended": False}]}
        )
    )

    again = await client.post(demand_url(demand["id"], "register"), json={"sessionId": world.session["id"]})

    problem = assert_problem(again, 409, "sessionId")
    assert "already has a realized training" in problem["detail"]
    assert (await ok(await client.get(demand_url(demand["id"]))))["state"] == "Requested"


async def test_another_accounts_session_is_404_and_its_demands_are_400(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, world: World
) -> None:
    mine = await registered_demand(client, world)
    their_world = await make_world(stranger)
    theirs = await registered_demand(stranger, their_world)
    their_sheet = f"{SESSIONS}/{their_world.session['id']}/attendance"

    # Their session, with my demand or theirs: it does not exist for me.
    for demand_id in (mine["id"], theirs["id"]):
        body = {"items": [{"demandId": demand_id, "hasAttended": True}]}
        assert_problem(await client.post(their_sheet, json=body), 404)
    # My session, naming their demand: a demand I cannot refer to.
    body = {
        "items": [
            {"demandId": mine["id"], "hasAttended": True},
            {"demandId": theirs["id"], "hasAttended": True},
        ]
    }
    assert_problem(await client.post(sheet_url(world), json=body), 400, "items.1.demandId")

    assert await count(client, REALIZED) == 0
    assert await count(stranger, REALIZED) == 0
    assert (await ok(await client.get(demand_url(mine["id"]))))["state"] == "Registered"
    assert (await ok(await stranger.get(demand_url(theirs["id"]))))["state"] == "Registered"


async def test_a_sheet_of_500_demands_is_taken_at_once(client: httpx.AsyncClient) -> None:
    world = await make_world(client)
    demands = [await registered_demand(client, world) for _ in range(500)]
    items = [{"demandId": d["id"], "hasAttended": n % 2 == 0} for n, d in enumerate(demands)]

    recorded = (await ok(await client.post(sheet_url(world), json={"items": items})))["items"]

    assert len(recorded) == 500
    assert [r["trainingDemandId"] for r in recorded] == sorted(d["id"] for d in demands)
    assert await count(client, REALIZED, hasAttended="true") == 250
    assert await count(client, REALIZED, hasAttended="false") == 250


async def test_attendance_is_taken_on_the_last_day_of_the_session(
    client: httpx.AsyncClient, world: World
) -> None:
    session = await create_session(
        client,
        world.training["id"],
        world.plan["id"],
        startOn=(today() - timedelta(days=1)).isoformat(),
        endOn=today().isoformat(),
    )
    demand = await new_demand(client, world)
    await ok(await client.post(demand_url(demand["id"], "register"), json={"sessionId": session["id"]}))

    url = f"{SESSIONS}/{session['id']}/attendance"
    recorded = await ok(
        await client.post(url, json={"items": [{"demandId": demand["id"], "hasAttended": True}]})
    )

    assert [(r["trainingDemandId"], r["sessionEndsOn"]) for r in recorded["items"]] == [
        (demand["id"], today().isoformat())
    ]
    assert (await ok(await client.get(demand_url(demand["id"]))))["state"] == "Realized"


@pytest.mark.parametrize(
    ("action", "body", "named"),
    [
        ("refuse", {"reason": "No budget."}, "Invalid"),
        ("accept", "plan", "PendingRegistration"),
        (None, None, "PendingApproval"),
    ],
)
async def test_a_demand_not_registered_on_the_sheet_is_409_naming_its_state_and_nothing_is_written(
    client: httpx.AsyncClient, world: World, action: str | None, body: object, named: str
) -> None:
    registered = await registered_demand(client, world)
    other = await new_demand(client, world)
    if action is not None:
        sent = {"planId": world.plan["id"]} if body == "plan" else body
        await ok(await client.post(demand_url(other["id"], action), json=sent))
    sheet = {
        "items": [
            {"demandId": registered["id"], "hasAttended": True},
            {"demandId": other["id"], "hasAttended": True},
        ]
    }

    problem = assert_problem(await client.post(sheet_url(world), json=sheet), 409, "items.1.demandId")

    assert named in problem["detail"]
    assert await count(client, REALIZED) == 0
    assert (await ok(await client.get(demand_url(registered["id"]))))["state"] == "Registered"
    assert (await ok(await client.get(demand_url(other["id"]))))["status"] == named.replace(
        "Invalid", "Refused"
    )
