"""Races settled by the database: the last seat, a transition against another, an attendance sheet sent
twice at once. Committed data and the production pool, so that the requests really run side by side; the
last test does it across the two workers of a real server."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx

from tests.conftest import ClientFactory
from tests.e2e.test_server import Server, server  # noqa: F401 -- the fixture, for the last test
from tests.factories import REALIZED, count
from tests.training_demands.helpers import (
    DEMANDS,
    DEMANDS_V2,
    DEPARTMENTS,
    EMPLOYEES,
    SESSIONS,
    World,
    create_session,
    demand_url,
    make_world,
    new_demand,
    ok,
    put_employee,
    registered_demand,
)


async def demands_of_sixteen(client: httpx.AsyncClient, world: World) -> list[int]:
    owners = [await put_employee(client) for _ in range(16)]
    return [(await new_demand(client, world, ownerId=owner["id"]))["id"] for owner in owners]


async def race_for_the_last_seat(client: httpx.AsyncClient) -> None:
    world = await make_world(client, capacity=2)
    await registered_demand(client, world)  # one seat left
    demands = await demands_of_sixteen(client, world)
    body = {"sessionId": world.session["id"]}

    answers = await asyncio.gather(*(client.post(demand_url(d, "register"), json=body) for d in demands))

    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 15
    assert all("full" in a.json()["detail"] for a in answers if a.status_code == 409)
    assert (await ok(await client.get(f"{SESSIONS}/{world.session['id']}")))["registeredCount"] == 2
    registered = await client.get(
        demand_url(0).rsplit("/", 1)[0], params={"states": "Registered", "fields.root": "count"}
    )
    assert registered.json()["count"] == 2


async def test_sixteen_registrations_for_the_last_seat_one_wins(make_committed_client: ClientFactory) -> None:
    await race_for_the_last_seat(await make_committed_client("write"))


async def test_the_last_seat_across_two_workers(server: Server) -> None:  # noqa: F811 -- the fixture
    headers = {"Authorization": f"lucca application={server.key}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30) as client:
        await race_for_the_last_seat(client)


async def test_refusing_and_registering_at_once_one_wins(make_committed_client: ClientFactory) -> None:
    client = await make_committed_client("write")
    world = await make_world(client)
    for _ in range(8):
        demand = await new_demand(client, world)
        refuse, register = await asyncio.gather(
            client.post(demand_url(demand["id"], "refuse"), json={"reason": "no"}),
            client.post(demand_url(demand["id"], "register"), json={"sessionId": world.session["id"]}),
        )
        assert sorted((refuse.status_code, register.status_code)) == [200, 409]
        final = await ok(await client.get(demand_url(demand["id"])))
        winner = "refused" if refuse.status_code == 200 else "registered"
        assert final["state"] == ("Invalid" if winner == "refused" else "Registered")
    registered = await client.get(
        demand_url(0).rsplit("/", 1)[0], params={"states": "Registered", "fields.root": "count"}
    )
    session = await ok(await client.get(f"{SESSIONS}/{world.session['id']}"))
    assert session["registeredCount"] == registered.json()["count"]  # no seat taken by a refused demand


async def test_one_employee_on_two_sessions_ending_the_same_day_at_once_one_wins(
    make_committed_client: ClientFactory,
) -> None:
    """Each registration takes a seat on its own session, so no lock orders them: the unique index on the
    employee, the training and the last day does."""
    client = await make_committed_client("write")
    world = await make_world(client)
    dates = {"startOn": world.session["startOn"], "endOn": world.session["endOn"]}
    for _ in range(4):
        twins = [await create_session(client, world.training["id"], world.plan["id"], **dates) for _ in "ab"]
        owner = (await put_employee(client))["id"]
        demands = [await new_demand(client, world, ownerId=owner) for _ in twins]

        answers = await asyncio.gather(
            *(
                client.post(demand_url(d["id"], "register"), json={"sessionId": s["id"]})
                for d, s in zip(demands, twins, strict=True)
            )
        )

        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        counts = [(await ok(await client.get(f"{SESSIONS}/{s['id']}")))["registeredCount"] for s in twins]
        assert sorted(counts) == [0, 1]  # the refused one gave its seat back


async def test_moving_a_session_while_its_people_come_and_go_never_deadlocks(
    make_committed_client: ClientFactory,
) -> None:
    """A move of the last day writes the session, then (the trigger) its registrations; an unregistration or a
    sheet writes a demand, then its session. The move locks the registrations first, so neither waits on the
    other in a circle (PostgreSQL would abort one as a deadlock: a 503)."""
    client = await make_committed_client("write")
    world = await make_world(client)
    dates = {"startOn": world.session["startOn"], "endOn": world.session["endOn"]}
    moved_to = (date.fromisoformat(world.session["endOn"]) + timedelta(days=1)).isoformat()
    for _ in range(6):
        session = await create_session(client, world.training["id"], world.plan["id"], **dates)
        world.session = session
        leaving, attending = [await registered_demand(client, world) for _ in range(2)]
        url = f"{SESSIONS}/{session['id']}"
        sheet = {"items": [{"demandId": attending["id"], "hasAttended": True}]}

        move, unregister, attendance = await asyncio.gather(
            client.patch(url, json={"startOn": session["startOn"], "endOn": moved_to}),
            client.post(demand_url(leaving["id"], "unregister")),
            client.post(f"{url}/attendance", json=sheet),
        )

        assert (unregister.status_code, attendance.status_code) == (200, 200), [
            unregister.text,
            attendance.text,
        ]
        # The move comes before the sheet, or after it, when the records have fixed the dates (409).
        assert move.status_code in (200, 409), move.text
        final = await ok(await client.get(url))
        assert final["endOn"] == (moved_to if move.status_code == 200 else session["endOn"])
        assert attendance.json()["items"][0]["sessionEndsOn"] == final["endOn"]
        assert final["registeredCount"] == 1


async def test_attendance_sent_twice_at_once_records_once(make_committed_client: ClientFactory) -> None:
    client = await make_committed_client("write")
    world = await make_world(client)
    demands = [
        await registered_demand(client, world, ownerId=(await put_employee(client))["id"]) for _ in range(5)
    ]
    body = {"items": [{"demandId": d["id"], "hasAttended": True} for d in demands]}
    url = f"{SESSIONS}/{world.session['id']}/attendance"

    first, second = await asyncio.gather(client.post(url, json=body), client.post(url, json=body))

    assert sorted((first.status_code, second.status_code)) == [200, 409]
    assert await count(client, REALIZED) == 5


async def test_a_move_and_new_demands_at_once_never_leave_a_stale_department(
    make_committed_client: ClientFactory,
) -> None:
    client = await make_committed_client("write")
    world = await make_world(client)
    owner = world.owner
    body = {"login": f"user{owner['id']}", "firstName": owner["firstName"], "lastName": owner["lastName"]}
    other = (await ok(await client.put(f"{DEPARTMENTS}/77001", json={"name": "Moved to"}), 201))["id"]
    departments = [other, world.department] * 4
    for department in departments:
        moved, created = await asyncio.gather(
            client.put(f"{EMPLOYEES}/{owner['id']}", json={**body, "departmentId": department}),
            client.post(DEMANDS, json=world.body()),
        )
        assert moved.status_code == 200 and created.status_code == 201
        listed = await client.get(
            f"{DEMANDS_V2}",
            params={"departmentIds": department, "ownerId": owner["id"], "fields.root": "count"},
        )
        everything = await client.get(
            f"{DEMANDS_V2}", params={"ownerId": owner["id"], "fields.root": "count"}
        )
        assert listed.json()["count"] == everything.json()["count"]  # every demand follows the owner
