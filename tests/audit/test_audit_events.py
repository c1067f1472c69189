"""GET /v1/audit-events: who changed what, written with the change, readable by the account's keys only."""

from __future__ import annotations

import getpass
from typing import Any

import httpx
import pytest

from talent_training.app import TalentTraining
from tests.cli.test_api_keys import run
from tests.conftest import ClientFactory, http_client
from tests.factories import (
    PREFIX,
    PROVIDERS,
    TRAININGS,
    assert_problem,
    create_provider,
    create_realized_training,
    create_training,
    training_body,
)

EVENTS = f"{PREFIX}/v1/audit-events"


async def events(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(EVENTS, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def key_actor(client: httpx.AsyncClient) -> str:
    token = client.headers["authorization"].split("=", 1)[1]
    return "key:" + token.split("_")[1]


async def test_a_creation_says_who_when_what_and_every_field(client: httpx.AsyncClient) -> None:
    training = await create_training(client, title="Fire safety")

    [event] = await events(client, resourceType="training", resourceId=training["id"])

    assert event["actor"] == key_actor(client)
    assert event["action"] == "create"
    assert event["resourceType"] == "training" and event["resourceId"] == training["id"]
    assert event["occurredAt"].endswith("Z")
    assert event["changes"]["title"] == {"before": None, "after": "Fire safety"}


async def test_an_update_records_only_the_fields_changed_before_and_after(client: httpx.AsyncClient) -> None:
    training = await create_training(client, title="Before", level="Beginner")
    response = await client.patch(
        f"{TRAININGS}/{training['id']}", json={"title": "After", "level": "Beginner"}
    )
    assert response.status_code == 200, response.text

    newest = (await events(client, resourceType="training", resourceId=training["id"]))[-1]

    assert newest["action"] == "update"
    assert newest["changes"] == {"title": {"before": "Before", "after": "After"}}


async def test_realized_trainings_and_providers_are_audited(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client)
    training = await create_training(client)
    realized = await create_realized_training(client, training["id"], durationInHours=7.5)

    [provider_event] = await events(client, resourceType="provider", resourceId=provider["id"])
    [realized_event] = await events(client, resourceType="realized-training", resourceId=realized["id"])

    assert provider_event["changes"]["name"]["after"] == provider["name"]
    assert realized_event["changes"]["durationInHours"]["after"] in (7.5, "7.5")


async def test_a_refused_write_records_nothing(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client)
    before = await events(client)

    assert_problem(await client.post(PROVIDERS, json={"name": provider["name"]}), 409)
    assert_problem(await client.post(TRAININGS, json=training_body(title="")), 400, "title")
    training = await create_training(client)
    before = await events(client)
    assert_problem(await client.patch(f"{TRAININGS}/{training['id']}", json={"title": ""}), 400, "title")

    assert await events(client) == before


async def test_filters_combine(client: httpx.AsyncClient, make_client: ClientFactory) -> None:
    other = await make_client("write")
    mine = await create_training(client)
    theirs = await create_training(other)

    by_other = await events(client, actor=key_actor(other))
    assert [(e["resourceId"], e["actor"]) for e in by_other] == [(theirs["id"], key_actor(other))]
    assert [e["resourceId"] for e in await events(client, resourceType="training")] == [
        mine["id"],
        theirs["id"],
    ]
    assert await events(client, since="2999-01-01") == []
    assert len(await events(client, resourceType="training", since="2000-01-01T00:00:00+02:00")) == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("resourceType", "trainings"),
        ("resourceId", "0"),
        ("resourceId", "9" * 5000),
        ("since", "yesterday"),
        ("since", "2026-11-28T09:00:00"),
        ("actor", "x" * 201),
    ],
)
async def test_bad_filters_are_400_naming_them(client: httpx.AsyncClient, name: str, value: str) -> None:
    assert_problem(await client.get(EVENTS, params={name: value}), 400, name)


async def test_pages_like_every_list(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await create_provider(client)

    kind = {"resourceType": "provider"}
    first = await client.get(EVENTS, params={**kind, "limit": 2, "fields.root": "count,next"})
    assert first.status_code == 200, first.text
    assert first.json()["count"] == 3 and len(first.json()["items"]) == 2
    second = await client.get(EVENTS, params={**kind, "limit": 2, "page": first.json()["next"]})
    assert len(second.json()["items"]) == 1


async def test_readable_by_any_key_of_the_account_and_no_other(make_client: ClientFactory) -> None:
    writer, reader, stranger = (
        await make_client("write"),
        await make_client("read"),
        await make_client("write", account="other"),
    )
    await create_training(writer)

    assert len(await events(reader, resourceType="training")) == 1
    assert await events(stranger, resourceType="training") == []


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_never_writable(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, EVENTS, json={"actor": "me"})
    assert_problem(response, 405)
    assert {event["resourceType"] for event in await events(client)} == {"api-key"}


async def test_an_update_that_changes_nothing_records_nothing(client: httpx.AsyncClient) -> None:
    training = await create_training(client, title="Same")
    before = await events(client, resourceType="training")

    response = await client.patch(f"{TRAININGS}/{training['id']}", json={"title": "Same"})

    assert response.status_code == 200, response.text
    assert await events(client, resourceType="training") == before


async def test_the_command_line_is_an_actor_too(database_url: str, committed_app: TalentTraining) -> None:
    run(database_url, "api-key", "create", "payroll-sync", "--role", "write")
    token = run(database_url, "api-key", "create", "auditor").stdout.splitlines()[-1]

    async with http_client(committed_app, token) as reader:
        created = await events(reader, resourceType="api-key")

    assert [event["action"] for event in created] == ["create", "create"]
    assert {event["actor"] for event in created} == {f"cli:{getpass.getuser()}"}
    assert created[0]["changes"]["name"] == {"before": None, "after": "payroll-sync"}
    assert all("secret" not in field.lower() for event in created for field in event["changes"])
