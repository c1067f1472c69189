"""POST and GET /v1/sessions/{id} (extension): a new session is a Draft of a Ready training in a plan."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import OMIT, PREFIX, TRAININGS, assert_problem, count, create_training
from tests.planning.helpers import SESSIONS, create_plan, create_session, session_body


@pytest.fixture
async def refs(client: httpx.AsyncClient) -> tuple[int, int]:
    """A Ready training and a plan of the `client`'s account."""
    training = await create_training(client)
    plan = await create_plan(client)
    return training["id"], plan["id"]


async def test_create_returns_a_draft_with_its_training(client: httpx.AsyncClient) -> None:
    training = await create_training(client, title="Excel", level="Expert")
    plan = await create_plan(client)
    body = {
        "trainingId": training["id"],
        "planId": plan["id"],
        "startOn": "2026-03-02",
        "endOn": "2026-03-03",
        "durationInHours": 14,
        "capacity": 12,
        "location": {
            "isOnSite": True,
            "isRemote": True,
            "address": "1 rue X",
            "remoteUrl": "https://meet.example/a",
        },
    }

    response = await client.post(SESSIONS, json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created == {
        "id": created["id"],
        "trainingId": training["id"],
        "training": {"id": training["id"], "title": "Excel", "level": "Expert"},
        "planId": plan["id"],
        "startOn": "2026-03-02",
        "endOn": "2026-03-03",
        "durationInHours": 14,
        "capacity": 12,
        "location": {
            "isOnSite": True,
            "isRemote": True,
            "address": "1 rue X",
            "remoteUrl": "https://meet.example/a",
        },
        "status": "Draft",
        "registeredCount": 0,
    }
    assert (await client.get(f"{SESSIONS}/{created['id']}")).json() == created


async def test_optional_fields_are_omitted_and_location_defaults_to_neither(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)

    assert "capacity" not in created
    assert created["location"] == {"isOnSite": False, "isRemote": False}


async def test_a_partial_location_takes_the_defaults(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs, location={"isRemote": True})

    assert created["location"] == {"isOnSite": False, "isRemote": True}


@pytest.mark.parametrize(
    ("sent", "shown"), [(14, b"14"), (2.5, b"2.5"), (0.07, b"0.07"), (99999.99, b"99999.99")]
)
async def test_duration_is_kept_exactly(
    client: httpx.AsyncClient, refs: tuple[int, int], sent: float, shown: bytes
) -> None:
    created = await create_session(client, *refs, durationInHours=sent)

    response = await client.get(f"{SESSIONS}/{created['id']}")
    assert b'"durationInHours":' + shown + b"," in response.content


async def test_a_session_may_last_one_day_and_lie_in_the_past(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs, startOn="2020-01-06", endOn="2020-01-06")

    assert (created["startOn"], created["endOn"], created["status"]) == ("2020-01-06", "2020-01-06", "Draft")


async def test_a_status_sent_is_ignored_a_new_session_is_a_draft(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs, status="Open", registeredCount=5, id=3)

    assert (created["status"], created["registeredCount"]) == ("Draft", 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"trainingId": OMIT}, "trainingId"),
        ({"trainingId": "1"}, "trainingId"),
        ({"trainingId": 0}, "trainingId"),
        ({"planId": OMIT}, "planId"),
        ({"planId": 2147483648}, "planId"),
        ({"startOn": OMIT}, "startOn"),
        ({"startOn": "2026-02-30"}, "startOn"),
        ({"endOn": OMIT}, "endOn"),
        ({"endOn": "2026-1-4"}, "endOn"),
        ({"durationInHours": OMIT}, "durationInHours"),
        ({"durationInHours": 0}, "durationInHours"),
        ({"durationInHours": -1}, "durationInHours"),
        ({"durationInHours": 0.001}, "durationInHours"),
        ({"durationInHours": 100000}, "durationInHours"),
        ({"durationInHours": "14"}, "durationInHours"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"capacity": 1.5}, "capacity"),
        ({"capacity": "3"}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"capacity": None}, "capacity"),
        ({"location": None}, "location"),
        ({"location": "on site"}, "location"),
        ({"location": {"isOnSite": "yes"}}, "location.isOnSite"),
        ({"location": {"isRemote": None}}, "location.isRemote"),
        ({"location": {"address": ""}}, "location.address"),
        ({"location": {"address": "  "}}, "location.address"),
        ({"location": {"address": "a" * 501}}, "location.address"),
        ({"location": {"address": None}}, "location.address"),
        ({"location": {"address": "a\u0000b"}}, "location.address"),
        ({"location": {"remoteUrl": "ftp://files.example"}}, "location.remoteUrl"),
        ({"location": {"remoteUrl": "/relative"}}, "location.remoteUrl"),
        ({"location": {"remoteUrl": "https://a.example/" + "p" * 2031}}, "location.remoteUrl"),
        ({"location": {"remoteUrl": None}}, "location.remoteUrl"),
        ({"status": "Bogus"}, "status"),
    ],
)
async def test_invalid_bodies_are_refused_naming_the_field(
    client: httpx.AsyncClient, refs: tuple[int, int], overrides: dict[str, Any], field: str
) -> None:
    assert_problem(await client.post(SESSIONS, json=session_body(*refs, **overrides)), 400, field)
    assert await count(client, SESSIONS) == 0


async def test_longest_location_values_are_accepted(client: httpx.AsyncClient, refs: tuple[int, int]) -> None:
    url = "https://a.example/" + "p" * 2030
    assert len(url) == 2048
    location = {"isOnSite": True, "isRemote": True, "address": "a" * 500, "remoteUrl": url}

    assert (await create_session(client, *refs, location=location))["location"] == location


async def test_end_before_start_is_refused_on_end_on(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    response = await client.post(SESSIONS, json=session_body(*refs, startOn="2026-03-03", endOn="2026-03-02"))

    assert_problem(response, 400, "endOn")


async def test_the_training_must_exist_in_the_account(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    _, plan_id = refs
    theirs = await create_training(stranger)

    for training_id in (theirs["id"], theirs["id"] + 1000):
        body = assert_problem(
            await client.post(SESSIONS, json=session_body(training_id, plan_id)), 400, "trainingId"
        )
        assert "does not exist" in body["errors"]["trainingId"][0]
    assert await count(client, SESSIONS) == 0


async def test_the_training_must_be_ready(client: httpx.AsyncClient, refs: tuple[int, int]) -> None:
    training_id, plan_id = refs
    archived = await client.patch(f"{TRAININGS}/{training_id}", json={"state": "Archived"})
    assert archived.status_code == 200

    body = assert_problem(
        await client.post(SESSIONS, json=session_body(training_id, plan_id)), 400, "trainingId"
    )

    assert "Archived" in body["errors"]["trainingId"][0]
    assert await count(client, SESSIONS) == 0


async def test_the_plan_must_exist_in_the_account(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    training_id, _ = refs
    theirs = await create_plan(stranger)

    for plan_id in (theirs["id"], theirs["id"] + 1000):
        assert_problem(await client.post(SESSIONS, json=session_body(training_id, plan_id)), 400, "planId")
    assert await count(client, SESSIONS) == 0


@pytest.mark.parametrize("session_id", ["999999", "0", "abc", "2147483648", "01"])
async def test_get_unknown_is_404(client: httpx.AsyncClient, refs: tuple[int, int], session_id: str) -> None:
    await create_session(client, *refs)

    assert_problem(await client.get(f"{SESSIONS}/{session_id}"), 404)


async def test_another_accounts_session_is_404(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)

    assert_problem(await stranger.get(f"{SESSIONS}/{created['id']}"), 404)
    assert (await stranger.get(SESSIONS)).json()["items"] == []


async def test_a_read_key_reads_but_cannot_create(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)

    assert (await reader.get(f"{SESSIONS}/{created['id']}")).json() == created
    assert_problem(await reader.post(SESSIONS, json=session_body(*refs)), 403)
    assert await count(client, SESSIONS) == 1


async def test_an_archived_training_keeps_its_sessions_readable(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)
    await client.patch(f"{TRAININGS}/{refs[0]}", json={"state": "Archived"})

    assert (await client.get(f"{SESSIONS}/{created['id']}")).json() == created


async def test_a_creation_is_audited(client: httpx.AsyncClient, refs: tuple[int, int]) -> None:
    training_id, plan_id = refs
    created = await create_session(
        client,
        training_id,
        plan_id,
        startOn="2026-03-02",
        endOn="2026-03-03",
        durationInHours=2.5,
        capacity=3,
    )

    response = await client.get(
        f"{PREFIX}/v1/audit-events", params={"resourceType": "session", "resourceId": created["id"]}
    )

    [event] = response.json()["items"]
    assert event["action"] == "create"
    assert {field: change["after"] for field, change in event["changes"].items()} == {
        "trainingId": training_id,
        "planId": plan_id,
        "startOn": "2026-03-02",
        "endOn": "2026-03-03",
        "durationInHours": 2.5,
        "capacity": 3,
        "location": {"isOnSite": False, "isRemote": False},
        "status": "Draft",
    }
