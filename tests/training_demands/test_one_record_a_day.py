"""An employee has one realized training per training and last day (Lucca's unique rule), so attendance can
record a registration only if no other registration or record of theirs takes that day: registrations and
session moves that would break it are refused, and a sheet that would break it names the demand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from talent_training.training_demands import repository
from tests.factories import REALIZED, assert_problem, count, create_realized_training
from tests.training_demands.helpers import (
    SESSIONS,
    World,
    create_session,
    demand_url,
    make_world,
    new_demand,
    ok,
    registered_demand,
)


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await make_world(client)


async def session_ending(client: httpx.AsyncClient, world: World, last_day: date) -> dict[str, Any]:
    """Another open session of the world's training, of two days ending on `last_day`."""
    start = last_day - timedelta(days=1)
    return await create_session(
        client, world.training["id"], world.plan["id"], startOn=start.isoformat(), endOn=last_day.isoformat()
    )


def last_day(session: dict[str, Any]) -> date:
    return date.fromisoformat(session["endOn"])


async def register(
    client: httpx.AsyncClient, demand: dict[str, Any], session: dict[str, Any]
) -> httpx.Response:
    return await client.post(demand_url(demand["id"], "register"), json={"sessionId": session["id"]})


async def reschedule(client: httpx.AsyncClient, session: dict[str, Any], last: date) -> httpx.Response:
    dates = {"startOn": (last - timedelta(days=1)).isoformat(), "endOn": last.isoformat()}
    return await client.patch(f"{SESSIONS}/{session['id']}", json=dates)


async def test_two_sessions_of_a_training_ending_the_same_day_take_one_registration_of_an_employee(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await registered_demand(client, world, ownerId=world.owner["id"])
    twin = await session_ending(client, world, last_day(world.session))
    second = await new_demand(client, world)

    problem = assert_problem(await register(client, second, twin), 409, "sessionId")

    assert f"session {world.session['id']}" in problem["detail"], problem
    assert (await ok(await client.get(f"{SESSIONS}/{twin['id']}")))["registeredCount"] == 0
    assert (await ok(await client.get(demand_url(second["id"]))))["state"] == "Requested"
    # Another day is another record: allowed. And once the first registration is undone, the twin takes it.
    later = await session_ending(client, world, last_day(world.session) + timedelta(days=3))
    third = await new_demand(client, world)
    await ok(await register(client, third, later))
    await ok(await client.post(demand_url(first["id"], "unregister")))
    await ok(await register(client, second, twin))


async def test_a_session_moved_onto_the_day_of_another_registration_is_409_and_stays(
    client: httpx.AsyncClient, world: World
) -> None:
    await registered_demand(client, world, ownerId=world.owner["id"])
    other = await session_ending(client, world, last_day(world.session) + timedelta(days=3))
    await ok(await register(client, await new_demand(client, world), other))

    problem = assert_problem(await reschedule(client, other, last_day(world.session)), 409, "endOn")

    assert "also registered on another session" in problem["detail"], problem
    assert (await ok(await client.get(f"{SESSIONS}/{other['id']}")))["endOn"] == other["endOn"]


async def test_a_session_moved_onto_the_day_of_an_employees_record_is_409_and_stays(
    client: httpx.AsyncClient, world: World
) -> None:
    await registered_demand(client, world, ownerId=world.owner["id"])
    recorded_on = last_day(world.session) + timedelta(days=5)
    await create_realized_training(
        client,
        world.training["id"],
        ownerId=world.owner["id"],
        sessionStartsOn=recorded_on.isoformat(),
        sessionEndsOn=recorded_on.isoformat(),
    )

    assert_problem(await reschedule(client, world.session, recorded_on), 409, "endOn")

    assert (await ok(await client.get(f"{SESSIONS}/{world.session['id']}")))["endOn"] == world.session[
        "endOn"
    ]
    # A day free for everyone on it is fine.
    await ok(await reschedule(client, world.session, recorded_on + timedelta(days=1)))


async def test_a_moved_session_takes_its_registrations_day_with_it(
    client: httpx.AsyncClient, world: World
) -> None:
    await registered_demand(client, world, ownerId=world.owner["id"])
    moved_to = last_day(world.session) + timedelta(days=7)
    await ok(await reschedule(client, world.session, moved_to))
    old_day = await session_ending(client, world, last_day(world.session))
    new_day = await session_ending(client, world, moved_to)
    second = await new_demand(client, world)

    assert_problem(await register(client, second, new_day), 409, "sessionId")
    await ok(await register(client, second, old_day))


async def a_record_in_the_way(client: httpx.AsyncClient, world: World) -> tuple[dict[str, Any], ...]:
    """A sheet of two (the owner present, the colleague absent) whose second item repeats a record: the
    colleague's realized training of the session's training and last day, recorded by hand after their
    registration. The demands, then the sheet."""
    present = await registered_demand(client, world)
    absent = await registered_demand(client, world, ownerId=world.colleague["id"])
    dates = {"sessionStartsOn": world.session["startOn"], "sessionEndsOn": world.session["endOn"]}
    await create_realized_training(client, world.training["id"], ownerId=world.colleague["id"], **dates)
    items = [
        {"demandId": present["id"], "hasAttended": True},
        {"demandId": absent["id"], "hasAttended": False},
    ]
    return present, absent, {"items": items}


async def nothing_was_written(client: httpx.AsyncClient, world: World, *demands: dict[str, Any]) -> None:
    assert await count(client, REALIZED) == 1  # the one recorded by hand
    for demand in demands:
        assert (await ok(await client.get(demand_url(demand["id"]))))["state"] == "Registered"
    assert (await ok(await client.get(f"{SESSIONS}/{world.session['id']}")))["registeredCount"] == len(
        demands
    )


async def test_a_sheet_names_the_demand_whose_record_exists_already_and_writes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    present, absent, sheet = await a_record_in_the_way(client, world)

    problem = assert_problem(
        await client.post(f"{SESSIONS}/{world.session['id']}/attendance", json=sheet), 409, "items.1.demandId"
    )

    assert f"Employee {world.colleague['id']}" in problem["detail"], problem
    assert f"training demand {absent['id']}" in problem["detail"], problem
    await nothing_was_written(client, world, present, absent)


async def test_when_the_check_is_outrun_the_database_refuses_the_whole_sheet(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record committed between the sheet's check and its inserts: the present half is written first, then
    the absent half breaks the unique key, and the transaction takes both back."""
    present, absent, sheet = await a_record_in_the_way(client, world)

    async def outrun(*_: Any) -> None:
        return None

    monkeypatch.setattr(repository, "recorded_already", outrun)

    assert_problem(await client.post(f"{SESSIONS}/{world.session['id']}/attendance", json=sheet), 409)

    await nothing_was_written(client, world, present, absent)


async def test_a_session_whose_attendance_was_taken_does_not_go_back_to_draft(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await registered_demand(client, world)
    sheet = {"items": [{"demandId": demand["id"], "hasAttended": False}]}
    await ok(await client.post(f"{SESSIONS}/{world.session['id']}/attendance", json=sheet))
    assert (await ok(await client.get(f"{SESSIONS}/{world.session['id']}")))["registeredCount"] == 0

    problem = assert_problem(
        await client.patch(f"{SESSIONS}/{world.session['id']}", json={"status": "Draft"}), 409, "status"
    )

    assert "attendance recorded" in problem["detail"]
    assert (await ok(await client.get(f"{SESSIONS}/{world.session['id']}")))["status"] == "Finished"
