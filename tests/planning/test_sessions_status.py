"""A session's status: stored Draft, Open or Closed; an open one reads Open, Running or Finished by its dates.
PATCH `status` publishes, takes back and closes; a closed session is read-only."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from talent_training.app import TalentTraining
from talent_training.planning.schemas import SessionStatus
from talent_training.planning.service import displayed_status
from tests.factories import PREFIX, assert_problem, create_training
from tests.planning.helpers import (
    SESSIONS,
    create_plan,
    create_session,
    day,
    open_session,
    patch_session,
    set_registered,
)
from tests.training_demands.helpers import demand_url, make_world, registered_demand

D = date.fromisoformat


@pytest.mark.parametrize(
    ("stored", "today", "shown"),
    [
        ("Open", "2026-03-01", "Open"),
        ("Open", "2026-03-02", "Running"),  # the first day
        ("Open", "2026-03-03", "Running"),
        ("Open", "2026-03-04", "Running"),  # the last day
        ("Open", "2026-03-05", "Finished"),
        ("Draft", "2026-03-01", "Draft"),
        ("Draft", "2026-03-03", "Draft"),
        ("Draft", "2026-03-05", "Draft"),
        ("Closed", "2026-03-05", "Closed"),
    ],
)
def test_displayed_status_reads_an_open_session_by_its_dates(stored: str, today: str, shown: str) -> None:
    assert displayed_status(stored, D("2026-03-02"), D("2026-03-04"), D(today)) == shown


def test_displayed_status_of_a_one_day_session() -> None:
    on = D("2026-03-02")
    assert [
        displayed_status(SessionStatus.OPEN, on, on, D(t)) for t in ("2026-03-01", "2026-03-02", "2026-03-03")
    ] == [
        "Open",
        "Running",
        "Finished",
    ]


@pytest.fixture
async def refs(client: httpx.AsyncClient) -> tuple[int, int]:
    training = await create_training(client)
    plan = await create_plan(client)
    return training["id"], plan["id"]


async def status_of(client: httpx.AsyncClient, session_id: int) -> str:
    response = await client.get(f"{SESSIONS}/{session_id}")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [(1, 2, "Open"), (0, 2, "Running"), (-2, 0, "Running"), (-2, 2, "Running"), (-3, -1, "Finished")],
)
async def test_publishing_shows_the_status_the_dates_give(
    client: httpx.AsyncClient, refs: tuple[int, int], start: int, end: int, shown: str
) -> None:
    created = await create_session(client, *refs, startOn=day(start), endOn=day(end))

    response = await patch_session(client, created["id"], {"status": "Open"})

    assert response.status_code == 200, response.text
    assert response.json() == created | {"status": shown}
    assert await status_of(client, created["id"]) == shown


async def test_publishing_an_open_session_again_changes_nothing(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    opened = await open_session(client, *refs)

    response = await patch_session(client, opened["id"], {"status": "Open"})

    assert response.status_code == 200
    assert response.json() == opened
    events = await client.get(
        f"{PREFIX}/v1/audit-events", params={"resourceType": "session", "resourceId": opened["id"]}
    )
    assert [event["action"] for event in events.json()["items"]] == ["create", "update"]


async def test_an_open_session_without_registrations_goes_back_to_draft(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    opened = await open_session(client, *refs, startOn=day(-1), endOn=day(1))

    response = await patch_session(client, opened["id"], {"status": "Draft"})

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "Draft"


async def test_a_session_with_registrations_cannot_go_back_to_draft(
    client: httpx.AsyncClient, app: TalentTraining, refs: tuple[int, int]
) -> None:
    opened = await open_session(client, *refs)
    await set_registered(app, opened["id"], 1)

    body = assert_problem(await patch_session(client, opened["id"], {"status": "Draft"}), 409, "status")

    assert "1 registered" in body["detail"]
    assert await status_of(client, opened["id"]) == "Open"
    await set_registered(app, opened["id"], 0)  # every registration undone: possible again
    assert (await patch_session(client, opened["id"], {"status": "Draft"})).status_code == 200


@pytest.mark.parametrize(("end", "publish"), [(0, True), (-1, True), (-10, True), (-1, False)])
async def test_a_session_is_closed_once_it_has_ended(
    client: httpx.AsyncClient, app: TalentTraining, refs: tuple[int, int], end: int, publish: bool
) -> None:
    create = open_session if publish else create_session
    session = await create(client, *refs, startOn=day(end - 2), endOn=day(end))
    # Attendance taken: the registered were confirmed present.
    await set_registered(app, session["id"], 2 if publish else 0, confirmed=2 if publish else 0)

    response = await patch_session(client, session["id"], {"status": "Closed"})

    assert response.status_code == 200, response.text
    assert response.json() == session | {"status": "Closed", "registeredCount": 2 if publish else 0}
    assert await status_of(client, session["id"]) == "Closed"


@pytest.mark.parametrize(("start", "end"), [(1, 1), (-1, 1), (0, 1)])
async def test_a_session_that_has_not_ended_cannot_be_closed(
    client: httpx.AsyncClient, refs: tuple[int, int], start: int, end: int
) -> None:
    opened = await open_session(client, *refs, startOn=day(start), endOn=day(end))

    body = assert_problem(await patch_session(client, opened["id"], {"status": "Closed"}), 409, "status")

    assert day(end) in body["detail"]
    assert await status_of(client, opened["id"]) == opened["status"]


@pytest.mark.parametrize(("start", "end"), [(1, 1), (-1, 1), (0, 1), (10, 12)])
async def test_a_draft_that_has_not_ended_cannot_be_closed(
    client: httpx.AsyncClient, refs: tuple[int, int], start: int, end: int
) -> None:
    draft = await create_session(client, *refs, startOn=day(start), endOn=day(end))

    body = assert_problem(await patch_session(client, draft["id"], {"status": "Closed"}), 409, "status")

    assert day(end) in body["detail"]
    assert await status_of(client, draft["id"]) == "Draft"


async def test_real_registrations_keep_a_session_published_and_its_seats(
    client: httpx.AsyncClient,
) -> None:
    world = await make_world(client, capacity=5)
    session_id = world.session["id"]
    demands = [await registered_demand(client, world) for _ in range(2)]
    assert (await client.get(f"{SESSIONS}/{session_id}")).json()["registeredCount"] == 2

    draft = assert_problem(await patch_session(client, session_id, {"status": "Draft"}), 409, "status")
    assert "2 registered" in draft["detail"]
    assert_problem(await patch_session(client, session_id, {"capacity": 1}), 409, "capacity")
    after = (await client.get(f"{SESSIONS}/{session_id}")).json()
    assert (after["status"], after["capacity"], after["registeredCount"]) == ("Finished", 5, 2)

    full = await patch_session(client, session_id, {"capacity": 2})
    assert full.status_code == 200, full.text
    assert full.json()["capacity"] == 2
    for demand in demands:
        response = await client.post(demand_url(demand["id"], "unregister"))
        assert response.status_code == 200, response.text
    back = await patch_session(client, session_id, {"status": "Draft"})
    assert back.status_code == 200, back.text
    assert (back.json()["status"], back.json()["registeredCount"]) == ("Draft", 0)


async def test_closing_judges_the_dates_sent_with_it(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    opened = await open_session(client, *refs, startOn=day(-3), endOn=day(-1))

    moved = await patch_session(client, opened["id"], {"status": "Closed", "endOn": day(1)})
    assert_problem(moved, 409, "status")
    response = await patch_session(client, opened["id"], {"status": "Closed", "endOn": day(-2)})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["endOn"]) == ("Closed", day(-2))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": "Open"},
        {"status": "Closed"},
        {"status": "Draft"},
        {"capacity": 40},
        {"durationInHours": 3},
        {"location": {"isOnSite": True}},
        {"endOn": day(-1)},
    ],
)
async def test_a_closed_session_is_read_only(
    client: httpx.AsyncClient, refs: tuple[int, int], body: dict[str, Any]
) -> None:
    closed = (await open_session(client, *refs, startOn=day(-3), endOn=day(-1)))["id"]
    response = await patch_session(client, closed, {"status": "Closed"})
    assert response.status_code == 200
    before = response.json()

    problem = assert_problem(await patch_session(client, closed, body), 409)

    assert "Closed" in problem["detail"]
    assert (await client.get(f"{SESSIONS}/{closed}")).json() == before


@pytest.mark.parametrize("status", ["Running", "Finished", "open", "Bogus", None, 1])
async def test_only_draft_open_and_closed_can_be_set(
    client: httpx.AsyncClient, refs: tuple[int, int], status: Any
) -> None:
    created = await create_session(client, *refs, startOn=day(-1), endOn=day(1))

    assert_problem(await patch_session(client, created["id"], {"status": status}), 400, "status")
    assert await status_of(client, created["id"]) == "Draft"
