"""Every transition of a demand, allowed and refused (../shared/workflow.md, "States and statuses")."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.factories import assert_problem, create_training
from tests.training_demands.helpers import (
    PLANS,
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

AUDIT_EVENTS = "/talent-training/api/v1/audit-events"


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await make_world(client, capacity=3)


async def act(client: httpx.AsyncClient, demand_id: int, action: str, body: Any = None) -> httpx.Response:
    return await client.post(demand_url(demand_id, action), json=body)


async def test_prioritising_sets_the_level_and_its_rank(client: httpx.AsyncClient, world: World) -> None:
    demand = await new_demand(client, world)
    for level, rank in (("Low", 1), ("High", 3), ("Medium", 2)):
        prioritized = await ok(await act(client, demand["id"], "prioritization", {"level": level}))
        assert prioritized["prioritization"]["level"] == level
        assert prioritized["prioritization"]["name"] == level
        assert prioritized["prioritization"]["id"] == rank
        assert prioritized["state"] == "Requested"


async def test_a_registered_demand_may_be_prioritised(client: httpx.AsyncClient, world: World) -> None:
    demand = await registered_demand(client, world)
    prioritized = await ok(await act(client, demand["id"], "prioritization", {"level": "High"}))
    assert prioritized["prioritization"]["level"] == "High" and prioritized["state"] == "Registered"


async def test_accepting_puts_the_demand_in_a_plan_pending_registration(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await new_demand(client, world)
    accepted = await ok(await act(client, demand["id"], "accept", {"planId": world.plan["id"]}))

    assert accepted["state"] == "Requested" and accepted["status"] == "PendingRegistration"
    assert accepted["plan"] == {"id": world.plan["id"], "name": "Plan 2026", "startOn": "2026-01-01"}
    problem = assert_problem(await act(client, demand["id"], "accept", {"planId": world.plan["id"]}), 409)
    assert "Requested" in problem["detail"]


async def test_accepting_into_an_unknown_plan_is_400(client: httpx.AsyncClient, world: World) -> None:
    demand = await new_demand(client, world)
    assert_problem(await act(client, demand["id"], "accept", {"planId": 999_999}), 400, "planId")
    assert_problem(await act(client, demand["id"], "accept", {}), 400, "planId")


@pytest.mark.parametrize("accepted_first", [False, True])
async def test_refusing_a_requested_demand_makes_it_invalid_for_good(
    client: httpx.AsyncClient, world: World, accepted_first: bool
) -> None:
    demand = await new_demand(client, world)
    if accepted_first:
        await ok(await act(client, demand["id"], "accept", {"planId": world.plan["id"]}))
    refused = await ok(await act(client, demand["id"], "refuse", {"reason": "No budget left."}))

    assert refused["state"] == "Invalid" and refused["status"] == "Refused"
    assert refused["refusalReason"] == "No budget left."
    for action, body in [
        ("prioritization", {"level": "Low"}),
        ("accept", {"planId": world.plan["id"]}),
        ("refuse", {"reason": "again"}),
        ("register", {"sessionId": world.session["id"]}),
        ("unregister", None),
    ]:
        problem = assert_problem(await act(client, demand["id"], action, body), 409)
        assert "Invalid" in problem["detail"]


async def test_a_refusal_needs_a_reason(client: httpx.AsyncClient, world: World) -> None:
    demand = await new_demand(client, world)
    assert_problem(await act(client, demand["id"], "refuse", {"reason": ""}), 400, "reason")
    assert_problem(await act(client, demand["id"], "refuse", {}), 400, "reason")


async def test_registering_takes_a_seat_and_accepts_into_the_sessions_plan(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await new_demand(client, world)
    registered = await ok(await act(client, demand["id"], "register", {"sessionId": world.session["id"]}))

    assert registered["state"] == "Registered" and registered["status"] == "Registered"
    assert registered["registeredOn"] == today().isoformat()
    assert registered["plan"]["id"] == world.plan["id"]
    session = world.session
    assert registered["session"] == {
        "id": session["id"],
        "durationInHours": 14,
        "startOn": session["startOn"],
        "endOn": session["endOn"],
        "location": {"isOnSite": False, "isRemote": False},
    }
    assert (await ok(await client.get(f"{SESSIONS}/{session['id']}")))["registeredCount"] == 1
    problem = assert_problem(await act(client, demand["id"], "register", {"sessionId": session["id"]}), 409)
    assert "Registered" in problem["detail"]
    assert (await ok(await client.get(f"{SESSIONS}/{session['id']}")))["registeredCount"] == 1


async def test_a_full_session_takes_no_more(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(3):
        await registered_demand(client, world)
    demand = await new_demand(client, world)

    problem = assert_problem(
        await act(client, demand["id"], "register", {"sessionId": world.session["id"]}), 409
    )
    assert "full" in problem["detail"]
    assert (await ok(await client.get(demand_url(demand["id"]))))["state"] == "Requested"


async def test_registration_needs_an_open_session_of_the_same_training(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await new_demand(client, world)
    other_training = await create_training(client)
    other = await create_session(client, other_training["id"], world.plan["id"])
    draft = await create_session(client, world.training["id"], world.plan["id"], open_=False)

    assert_problem(await act(client, demand["id"], "register", {"sessionId": other["id"]}), 400, "sessionId")
    assert_problem(await act(client, demand["id"], "register", {"sessionId": 999_999}), 400, "sessionId")
    problem = assert_problem(await act(client, demand["id"], "register", {"sessionId": draft["id"]}), 409)
    assert "Draft" in problem["detail"]


async def test_a_closed_session_takes_no_registration(client: httpx.AsyncClient, world: World) -> None:
    await ok(await client.patch(f"{SESSIONS}/{world.session['id']}", json={"status": "Closed"}))
    demand = await new_demand(client, world)

    problem = assert_problem(
        await act(client, demand["id"], "register", {"sessionId": world.session["id"]}), 409
    )
    assert "Closed" in problem["detail"]
    assert (await ok(await client.get(demand_url(demand["id"]))))["state"] == "Requested"


async def test_unregistering_frees_the_seat_and_goes_back_to_pending_registration(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await registered_demand(client, world)
    back = await ok(await act(client, demand["id"], "unregister"))

    assert back["state"] == "Requested" and back["status"] == "PendingRegistration"
    assert "session" not in back and "registeredOn" not in back
    assert back["plan"]["id"] == world.plan["id"]
    assert (await ok(await client.get(f"{SESSIONS}/{world.session['id']}")))["registeredCount"] == 0
    problem = assert_problem(await act(client, demand["id"], "unregister"), 409)
    assert "Requested" in problem["detail"]
    # Free to register again, on this session or another.
    again = await ok(await act(client, demand["id"], "register", {"sessionId": world.session["id"]}))
    assert again["state"] == "Registered"


async def test_a_registered_demand_cannot_be_accepted_or_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await registered_demand(client, world)
    for action, body in [("accept", {"planId": world.plan["id"]}), ("refuse", {"reason": "late"})]:
        problem = assert_problem(await act(client, demand["id"], action, body), 409)
        assert "Registered" in problem["detail"], action
    assert (await ok(await client.get(demand_url(demand["id"]))))["state"] == "Registered"


async def test_transitions_of_an_unknown_demand_are_404(client: httpx.AsyncClient, world: World) -> None:
    for action, body in [
        ("prioritization", {"level": "Low"}),
        ("refuse", {"reason": "no"}),
        ("register", {"sessionId": world.session["id"]}),
        ("unregister", None),
    ]:
        assert_problem(await act(client, 987_654, action, body), 404)


async def test_bad_bodies_are_400(client: httpx.AsyncClient, world: World) -> None:
    demand = await new_demand(client, world)
    assert_problem(await act(client, demand["id"], "prioritization", {"level": "Urgent"}), 400, "level")
    assert_problem(await act(client, demand["id"], "register", {"sessionId": "1"}), 400, "sessionId")


async def test_every_transition_is_in_the_audit_trail(client: httpx.AsyncClient, world: World) -> None:
    demand = await registered_demand(client, world)
    events = await ok(
        await client.get(
            f"{PLANS.replace('/plans', '/audit-events')}",
            params={"resourceType": "training-demand", "resourceId": demand["id"]},
        )
    )
    assert [event["action"] for event in events["items"]] == ["create", "update"]
    assert events["items"][1]["changes"]["state"]["after"] == "Registered"


async def test_the_remaining_cells_of_the_transition_table(client: httpx.AsyncClient, world: World) -> None:
    pending = await new_demand(client, world)
    problem = assert_problem(await act(client, pending["id"], "unregister"), 409)  # not registered
    assert "Requested" in problem["detail"]
    accepted = await new_demand(client, world)
    await ok(await act(client, accepted["id"], "accept", {"planId": world.plan["id"]}))
    prioritized = await ok(await act(client, accepted["id"], "prioritization", {"level": "Medium"}))
    assert (
        prioritized["status"] == "PendingRegistration" and prioritized["prioritization"]["level"] == "Medium"
    )


async def test_registration_on_an_open_or_running_session(client: httpx.AsyncClient, world: World) -> None:
    later = today() + timedelta(days=30)
    upcoming = await create_session(
        client, world.training["id"], world.plan["id"], startOn=later.isoformat(), endOn=later.isoformat()
    )
    running = await create_session(
        client,
        world.training["id"],
        world.plan["id"],
        startOn=(today() - timedelta(days=1)).isoformat(),
        endOn=(today() + timedelta(days=1)).isoformat(),
    )
    assert (upcoming["status"], running["status"]) == ("Open", "Running")
    for session in (upcoming, running):
        demand = await new_demand(client, world, ownerId=(await put_employee(client))["id"])
        registered = await ok(await act(client, demand["id"], "register", {"sessionId": session["id"]}))
        assert registered["session"]["id"] == session["id"]


async def test_registering_sets_the_sessions_plan_whatever_the_accepted_one(
    client: httpx.AsyncClient, world: World
) -> None:
    other_plan = await ok(
        await client.post(PLANS, json={"name": "Plan 2027", "startOn": "2027-01-01", "endOn": "2027-12-31"}),
        201,
    )
    demand = await new_demand(client, world)
    await ok(await act(client, demand["id"], "accept", {"planId": other_plan["id"]}))
    registered = await ok(await act(client, demand["id"], "register", {"sessionId": world.session["id"]}))
    assert registered["plan"]["id"] == world.plan["id"]


async def test_an_employee_is_registered_on_a_session_once(client: httpx.AsyncClient, world: World) -> None:
    await registered_demand(client, world, ownerId=world.owner["id"])
    second = await new_demand(client, world)

    problem = assert_problem(
        await act(client, second["id"], "register", {"sessionId": world.session["id"]}), 409
    )
    assert "already registered" in problem["detail"]
    assert (await ok(await client.get(f"{SESSIONS}/{world.session['id']}")))["registeredCount"] == 1


async def test_accepting_an_unknown_demand_is_404_whatever_the_plan(client: httpx.AsyncClient) -> None:
    assert_problem(await act(client, 987_654, "accept", {"planId": 987_654}), 404)


async def test_transition_events_say_what_was_before(client: httpx.AsyncClient, world: World) -> None:
    demand = await new_demand(client, world)
    await ok(await act(client, demand["id"], "prioritization", {"level": "Low"}))
    await ok(await act(client, demand["id"], "prioritization", {"level": "High"}))
    await ok(await act(client, demand["id"], "register", {"sessionId": world.session["id"]}))
    await ok(await act(client, demand["id"], "unregister"))

    events = await ok(
        await client.get(
            AUDIT_EVENTS, params={"resourceType": "training-demand", "resourceId": demand["id"], "limit": 100}
        )
    )
    changes = [event["changes"] for event in events["items"][1:]]
    assert changes[0] == {"prioritization.level": {"before": None, "after": "Low"}}
    assert changes[1] == {"prioritization.level": {"before": "Low", "after": "High"}}
    assert changes[2]["sessionId"] == {"before": None, "after": world.session["id"]}
    assert changes[2]["state"] == {"before": "Requested", "after": "Registered"}
    assert changes[3]["sessionId"] == {"before": world.session["id"], "after": None}
    assert changes[3]["status"] == {"before": "Registered", "after": "PendingRegistration"}


async def test_the_prioritisation_says_when_it_was_last_changed(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await new_demand(client, world)
    low = (await ok(await act(client, demand["id"], "prioritization", {"level": "Low"})))["prioritization"]
    high = (await ok(await act(client, demand["id"], "prioritization", {"level": "High"})))["prioritization"]

    first = datetime.fromisoformat(low["lastModifiedAt"])
    second = datetime.fromisoformat(high["lastModifiedAt"])
    assert first.tzinfo is not None and first.utcoffset() is not None
    assert second.tzinfo is not None and second.utcoffset() is not None
    assert first >= datetime.fromisoformat(demand["createdAt"])
    assert second > first
    read = await ok(await client.get(demand_url(demand["id"])))
    assert read["prioritization"] == high
    # The same level again changes nothing: neither the date nor the audit trail.
    events = await ok(
        await client.get(AUDIT_EVENTS, params={"resourceId": demand["id"], "fields.root": "count"})
    )
    again = (await ok(await act(client, demand["id"], "prioritization", {"level": "High"})))["prioritization"]
    assert again == high
    after = await ok(
        await client.get(AUDIT_EVENTS, params={"resourceId": demand["id"], "fields.root": "count"})
    )
    assert after["count"] == events["count"]


async def test_another_accounts_plan_and_session_cannot_be_named(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, world: World
) -> None:
    their_world = await make_world(stranger)
    demand = await new_demand(client, world)

    assert_problem(
        await act(client, demand["id"], "accept", {"planId": their_world.plan["id"]}), 400, "planId"
    )
    register = await act(client, demand["id"], "register", {"sessionId": their_world.session["id"]})
    assert_problem(register, 400, "sessionId")

    after = await ok(await client.get(demand_url(demand["id"])))
    assert after["status"] == "PendingApproval" and "plan" not in after and "session" not in after
    their_session = await ok(await stranger.get(f"{SESSIONS}/{their_world.session['id']}"))
    assert their_session["registeredCount"] == 0


async def test_a_refusal_reason_is_at_most_2000_characters(client: httpx.AsyncClient, world: World) -> None:
    demand = await new_demand(client, world)
    too_long = await act(client, demand["id"], "refuse", {"reason": "x" * 2001})
    assert_problem(too_long, 400, "reason")
    assert (await ok(await client.get(demand_url(demand["id"]))))["state"] == "Requested"

    refused = await ok(await act(client, demand["id"], "refuse", {"reason": "y" * 2000}))
    assert refused["state"] == "Invalid" and refused["refusalReason"] == "y" * 2000


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("prioritization", {"level": "High"}),
        ("accept", "plan"),
        ("refuse", {"reason": "No budget."}),
        ("register", "session"),
        ("unregister", None),
        ("attendance", "sheet"),
    ],
)
async def test_a_read_key_changes_no_demand(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, world: World, action: str, body: Any
) -> None:
    demand = await (registered_demand if action in ("unregister", "attendance") else new_demand)(
        client, world
    )
    before = await ok(await client.get(demand_url(demand["id"])))
    sent = (
        {
            "plan": {"planId": world.plan["id"]},
            "session": {"sessionId": world.session["id"]},
            "sheet": {"items": [{"demandId": demand["id"], "hasAttended": True}]},
        }.get(body, body)
        if isinstance(body, str)
        else body
    )
    url = (
        f"{SESSIONS}/{world.session['id']}/attendance"
        if action == "attendance"
        else demand_url(demand["id"], action)
    )

    assert_problem(await reader.post(url, json=sent), 403)

    assert await ok(await client.get(demand_url(demand["id"]))) == before
