"""The demands inbox over HTTP, on both databases: the list (what needs action by default, the API's filters,
priority first, cursor pages), a demand's page and its actions through the service's rules (refusals said on
the page), bulk actions with a result per demand, and who may do what: HR everything, a manager their team
only (404 for anyone else's), an auditor nothing (no form, 403)."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest

from talent_training.app import TalentTraining
from tests.audit.test_audit_events import events
from tests.console.conftest import Browser, add_user, browser, error_of, post, sign_in
from tests.factories import create_training
from tests.training_demands.helpers import (
    World,
    create_session,
    demand_url,
    make_world,
    new_demand,
    ok,
    put_employee,
    registered_demand,
)

INBOX = "/console/demands"
_ROW = re.compile(r'<a href="/console/demands/(\d+)">')


def listed(page: httpx.Response) -> list[int]:
    """The demands of the inbox's table, in its order."""
    assert page.status_code == 200, page.text
    return [int(found) for found in _ROW.findall(page.text)]


def page_of(demand_id: int, action: str = "") -> str:
    return f"{INBOX}/{demand_id}/{action}" if action else f"{INBOX}/{demand_id}"


def alert_of(page: httpx.Response) -> str:
    found = re.search(r'<div class="error" role="alert">(.*?)</div>', page.text, re.S)
    assert found is not None, "no alert on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def status_of(page: httpx.Response) -> str:
    found = re.search(r'<dd id="demand-status"><strong>([^<]*)</strong>', page.text)
    assert found is not None, page.text
    return html.unescape(found.group(1))


async def prioritized(client: httpx.AsyncClient, world: World, level: str, **body: Any) -> dict[str, Any]:
    demand = await new_demand(client, world, **body)
    return await ok(await client.post(demand_url(demand["id"], "prioritization"), json={"level": level}))


async def test_the_inbox_shows_what_needs_action_highest_priority_first(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await make_world(client)
    low = await prioritized(client, world, "Low")
    high = await prioritized(client, world, "High")
    unprioritised = await new_demand(client, world)
    registered = await registered_demand(client, world)
    refused = await new_demand(client, world)
    await ok(await client.post(demand_url(refused["id"], "refuse"), json={"reason": "Budget"}))
    console = await signed_in()

    inbox = await console.get(INBOX)
    assert listed(inbox) == [high["id"], low["id"], unprioritised["id"]]
    assert "Pending approval" in inbox.text and "High" in inbox.text
    assert re.search(r'<option value="Requested" selected>', inbox.text)  # the default filter, said

    everything = await console.get(INBOX, params={"states": "", "sort": "createdAt"})
    ids = [low["id"], high["id"], unprioritised["id"], registered["id"], refused["id"]]
    assert listed(everything) == ids
    assert listed(await console.get(INBOX, params={"states": "Invalid"})) == [refused["id"]]
    assert listed(await console.get(INBOX, params={"states": "", "isSessionPlanned": "true"})) == [
        registered["id"]
    ]
    assert listed(await console.get(INBOX, params={"prioritizationLevels": "Low"})) == [low["id"]]
    assert listed(await console.get(INBOX, params={"sort": "prioritization.level"}))[0] == unprioritised["id"]
    by_department = await console.get(INBOX, params={"departmentIds": world.department, "states": ""})
    assert set(listed(by_department)) == {low["id"], high["id"], unprioritised["id"], refused["id"]}

    other = await create_training(client, title="Excel")
    nothing = await console.get(INBOX, params={"trainingId": other["id"]})
    assert listed(nothing) == [] and "No demand matches these filters." in nothing.text


async def test_the_inbox_pages_with_cursors_keeping_its_filters(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await make_world(client)
    demands = [await new_demand(client, world) for _ in range(3)]
    console = await signed_in()

    first = await console.get(INBOX, params={"sort": "-createdAt", "limit": 2})
    assert listed(first) == [demands[2]["id"], demands[1]["id"]]
    found = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert found is not None and 'rel="prev"' not in first.text
    next_url = html.unescape(found.group(1))
    assert next_url.startswith(f"{INBOX}?") and "sort=-createdAt" in next_url
    second = await console.get(next_url)
    assert listed(second) == [demands[0]["id"]]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


async def test_htmx_gets_only_the_table(signed_in: Browser, client: httpx.AsyncClient) -> None:
    world = await make_world(client)
    demand = await new_demand(client, world)
    console = await signed_in()
    part = await console.get(
        INBOX, params={"states": ""}, headers={"HX-Request": "true", "HX-Target": "demands"}
    )
    assert part.text.startswith('<div id="demands">') and "<h1>" not in part.text
    assert listed(part) == [demand["id"]]


async def test_accept_then_register_then_unregister_on_the_demands_page(
    signed_in: Browser, client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    world = await make_world(client)
    demand = await new_demand(client, world, reason="Needed for the new line")
    console = await signed_in()

    page = await console.get(page_of(demand["id"]))
    assert status_of(page) == "Pending approval" and "Needed for the new line" in page.text
    assert f'<option value="{world.plan["id"]}">Plan 2026' in page.text
    assert f'<option value="{world.session["id"]}">' in page.text  # register offers the training's sessions
    assert f'action="{page_of(demand["id"], "unregister")}"' not in page.text

    answer = await post(console, page_of(demand["id"], "accept"), {"planId": str(world.plan["id"])})
    assert (answer.status_code, answer.headers["location"]) == (303, f"{page_of(demand['id'])}?accepted")
    page = await console.get(answer.headers["location"])
    assert "The demand is accepted." in page.text
    assert status_of(page) == "Accepted, pending registration"
    assert f'action="{page_of(demand["id"], "accept")}"' not in page.text  # no longer possible: not offered

    answer = await post(console, page_of(demand["id"], "register"), {"sessionId": str(world.session["id"])})
    assert answer.status_code == 303
    page = await console.get(answer.headers["location"])
    assert status_of(page) == "Registered" and 'id="demand-session"' in page.text
    assert f'action="{page_of(demand["id"], "unregister")}"' in page.text
    api = await ok(await client.get(demand_url(demand["id"])))
    assert (api["state"], api["session"]["id"]) == ("Registered", world.session["id"])

    answer = await post(console, page_of(demand["id"], "unregister"), {})
    page = await console.get(answer.headers["location"])
    assert (
        status_of(page) == "Accepted, pending registration" and "unregistered from its session" in page.text
    )
    trail = await events(reader, resourceType="training-demand", resourceId=demand["id"])
    assert [event["actor"] for event in trail[1:]] == ["user:ana@example.com"] * 3
    assert page.text.count("user:ana@example.com") == 3  # the history, on the page
    assert "Pending approval → Accepted, pending registration" in html.unescape(page.text)


async def test_refusing_needs_a_reason_and_a_stale_action_is_said_not_an_error(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await make_world(client)
    demand = await new_demand(client, world)
    console = await signed_in()

    blank = await post(console, page_of(demand["id"], "refuse"), {"reason": "   "})
    assert blank.status_code == 200
    assert error_of(blank, "reason") == "Required."
    assert status_of(blank) == "Pending approval"

    refused = await post(console, page_of(demand["id"], "refuse"), {"reason": "No budget this year"})
    page = await console.get(refused.headers["location"])
    assert status_of(page) == "Refused" and "No budget this year" in page.text
    assert "No action is possible in this state." in page.text

    # A page shown before the refusal: its accept is refused by the workflow, said on the page.
    stale = await post(console, page_of(demand["id"], "accept"), {"planId": str(world.plan["id"])})
    assert stale.status_code == 200
    assert "This demand is now Refused: this action is not possible any more." in alert_of(stale)
    french = await post(console, f"{page_of(demand['id'], 'prioritize')}?lang=fr", {"level": "High"})
    assert "Cette demande est maintenant « Refusée »" in alert_of(french)


async def test_a_full_session_and_a_bad_choice_are_said_next_to_their_field(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await make_world(client, capacity=1)
    await registered_demand(client, world)
    demand = await new_demand(client, world)
    console = await signed_in()

    page = await console.get(page_of(demand["id"]))
    assert "1/1 seats taken" in page.text
    full = await post(console, page_of(demand["id"], "register"), {"sessionId": str(world.session["id"])})
    assert full.status_code == 200
    assert error_of(full, "sessionId") == "This session is full (1 seats)."
    missing = await post(console, page_of(demand["id"], "register"), {"sessionId": ""})
    assert error_of(missing, "sessionId") == "Required."
    level = await post(console, page_of(demand["id"], "prioritize"), {"level": "Urgent"})
    assert error_of(level, "level") == "Choose a value from the list."
    plan = await post(console, page_of(demand["id"], "accept"), {"planId": "999999"})
    assert error_of(plan, "planId") == "This plan does not exist."
    # A session of another training: the service's rule, in the page's language.
    foreign = await new_demand(client, world, trainingId=(await create_training(client, title="Other"))["id"])
    wrong = await post(console, page_of(foreign["id"], "register"), {"sessionId": str(world.session["id"])})
    assert error_of(wrong, "sessionId") == "This session does not exist or is not a session of this training."


async def test_a_registration_attendance_could_not_record_is_said_for_what_it_is(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await make_world(client)
    await registered_demand(client, world, ownerId=world.owner["id"])
    dates = {"startOn": world.session["startOn"], "endOn": world.session["endOn"]}
    twin = await create_session(client, world.training["id"], world.plan["id"], **dates)
    second = await new_demand(client, world)
    console = await signed_in()

    same_session = await post(
        console, page_of(second["id"], "register"), {"sessionId": str(world.session["id"])}
    )
    assert error_of(same_session, "sessionId") == (
        "This employee is already registered on this session by another demand."
    )
    same_day = await post(console, page_of(second["id"], "register"), {"sessionId": str(twin["id"])})
    assert error_of(same_day, "sessionId") == (
        "This employee is already registered on another session of this training ending the same day: only "
        "one of the two attendances could be recorded."
    )


async def test_bulk_actions_apply_to_each_and_say_which_failed(
    signed_in: Browser, client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    world = await make_world(client)
    first, second = await new_demand(client, world), await new_demand(client, world)
    refused = await new_demand(client, world)
    await ok(await client.post(demand_url(refused["id"], "refuse"), json={"reason": "No"}))
    console = await signed_in()

    inbox = await console.get(INBOX)
    assert f'name="ids" value="{first["id"]}"' in inbox.text
    assert 'action="/console/demands/bulk"' in inbox.text

    ids = [first["id"], second["id"], refused["id"]]
    answer = await post(console, f"{INBOX}/bulk", {"action": "prioritize", "level": "High", "ids": ids})
    assert answer.status_code == 200
    assert "2 done, 1 refused." in answer.text
    assert "This demand is now Refused: this action is not possible any more." in answer.text
    for demand in (first, second):
        assert (await ok(await client.get(demand_url(demand["id"]))))["prioritization"]["level"] == "High"
    assert "prioritization" not in await ok(await client.get(demand_url(refused["id"])))

    accepted = await post(
        console, f"{INBOX}/bulk", {"action": "accept", "planId": str(world.plan["id"]), "ids": ids[:2]}
    )
    assert "2 done, 0 refused." in accepted.text
    for demand in (first, second):
        assert (await ok(await client.get(demand_url(demand["id"]))))["status"] == "PendingRegistration"
        [*_, event] = await events(reader, resourceType="training-demand", resourceId=demand["id"])
        assert event["actor"] == "user:ana@example.com"

    no_reason = await post(
        console, f"{INBOX}/bulk?states=", {"action": "refuse", "reason": "", "ids": ids[:2]}
    )
    assert no_reason.status_code == 200 and error_of(no_reason, "reason") == "Required."
    assert f'value="{first["id"]}" checked' in no_reason.text  # what was ticked stays ticked
    assert (await ok(await client.get(demand_url(first["id"]))))["state"] == "Requested"  # nothing done
    nothing = await post(console, f"{INBOX}/bulk", {"action": "refuse", "reason": "Budget"})
    assert error_of(nothing, "ids") == "Tick at least one demand."

    done = await post(console, f"{INBOX}/bulk?lang=fr", {"action": "refuse", "reason": "Budget", "ids": ids})
    assert "2 traitée(s), 1 refusée(s)." in done.text
    assert (await ok(await client.get(demand_url(second["id"]))))["refusalReason"] == "Budget"


@pytest.mark.usefixtures("team_form")
async def test_a_manager_sees_and_acts_on_their_team_only(
    signed_in: Browser, client: httpx.AsyncClient, app: TalentTraining
) -> None:
    world = await make_world(client)
    report = await new_demand(client, world)  # the owner is the manager's report
    below = await put_employee(client, managerId=world.owner["id"])  # their report's report: the team too
    deep = await new_demand(client, world, ownerId=below["id"])
    other = await new_demand(client, world, ownerId=world.colleague["id"])
    console = await signed_in("manager", "grace@example.com", employee_id=world.manager["id"])

    inbox = await console.get(INBOX, params={"sort": "createdAt"})
    assert listed(inbox) == [report["id"], deep["id"]]
    assert "You see your team&#39;s demands only." in inbox.text
    assert (await console.get(page_of(other["id"]))).status_code == 404
    refused = await post(console, page_of(other["id"], "refuse"), {"reason": "Not mine"})
    assert refused.status_code == 404
    blank = await post(console, page_of(other["id"], "refuse"), {"reason": ""})
    assert blank.status_code == 404  # not even its form's errors
    assert (await ok(await client.get(demand_url(other["id"]))))["state"] == "Requested"

    answer = await post(console, page_of(report["id"], "prioritize"), {"level": "Medium"})
    assert answer.status_code == 303
    bulk = await post(
        console, f"{INBOX}/bulk", {"action": "refuse", "reason": "Not now", "ids": [deep["id"], other["id"]]}
    )
    assert "1 done, 1 refused." in bulk.text
    assert "This demand does not exist, or it is not yours to change." in bulk.text
    assert (await ok(await client.get(demand_url(deep["id"]))))["state"] == "Invalid"
    assert (await ok(await client.get(demand_url(other["id"]))))["state"] == "Requested"

    # A manager with nobody under them sees nothing.
    await add_user(app, "solo@example.com", "manager", employee_id=world.colleague["id"])
    solo = browser(app)
    try:
        await sign_in(solo, "solo@example.com")
        assert listed(await solo.get(INBOX, params={"states": ""})) == []
    finally:
        await solo.aclose()


async def test_an_auditor_reads_without_forms_and_may_not_write(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await make_world(client)
    demand = await new_demand(client, world)
    console = await signed_in("auditor", "audrey@example.com")

    inbox = await console.get(INBOX)
    assert listed(inbox) == [demand["id"]]
    assert "You can read the demands" in inbox.text
    assert 'name="ids"' not in inbox.text and "/console/demands/bulk" not in inbox.text
    page = await console.get(page_of(demand["id"]))
    assert status_of(page) == "Pending approval"
    assert 'method="post" action="/console/demands' not in page.text
    for action, body in (("accept", {"planId": str(world.plan["id"])}), ("refuse", {"reason": "x"})):
        assert (await post(console, page_of(demand["id"], action), body)).status_code == 403
    bulk = await post(console, f"{INBOX}/bulk", {"action": "refuse", "reason": "x", "ids": [demand["id"]]})
    assert bulk.status_code == 403
    assert (await ok(await client.get(demand_url(demand["id"]))))["state"] == "Requested"


async def test_another_accounts_demand_is_not_found(
    signed_in: Browser, stranger: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    theirs = await new_demand(stranger, await make_world(stranger))
    await make_world(client)
    console = await signed_in()
    assert theirs["id"] not in listed(await console.get(INBOX, params={"states": ""}))
    assert (await console.get(page_of(theirs["id"]))).status_code == 404
    assert (await post(console, page_of(theirs["id"], "refuse"), {"reason": "x"})).status_code == 404
    bulk = await post(console, f"{INBOX}/bulk", {"action": "refuse", "reason": "x", "ids": [theirs["id"]]})
    assert "0 done, 1 refused." in bulk.text
    assert (await console.get(f"{INBOX}/nope")).status_code == 404


async def test_the_inbox_and_a_demand_in_french(signed_in: Browser, client: httpx.AsyncClient) -> None:
    world = await make_world(client)
    demand = await prioritized(client, world, "High")
    console = await signed_in()
    inbox = await console.get(INBOX, params={"lang": "fr"})
    assert "<h1>Demandes de formation</h1>" in inbox.text
    assert "En attente de validation" in inbox.text and "Haute" in inbox.text
    page = await console.get(page_of(demand["id"]))  # the choice is kept
    assert "Accepter la demande" in page.text and "Historique" in page.text
