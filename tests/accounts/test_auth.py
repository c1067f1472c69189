"""Authentication (401), roles (403) and account isolation (404 / 400) over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from talent_training.accounts.service import revoke_api_key
from talent_training.app import TalentTraining
from tests.factories import (
    CATEGORIES,
    PROVIDERS,
    REALIZED,
    TRAININGS,
    assert_problem,
    category_body,
    count,
    create_category,
    create_provider,
    create_realized_training,
    create_training,
    provider_body,
    realized_body,
    training_body,
)

LISTS = [TRAININGS, PROVIDERS, CATEGORIES, REALIZED]


def assert_unauthenticated(response: httpx.Response) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].lower().startswith("lucca")


@pytest.mark.parametrize("path", LISTS)
async def test_missing_key_is_401(anonymous: httpx.AsyncClient, path: str) -> None:
    assert_unauthenticated(await anonymous.get(path))


async def test_missing_key_on_write_is_401_and_nothing_written(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    assert_unauthenticated(await anonymous.post(TRAININGS, json=training_body()))
    assert await count(client, TRAININGS) == 0


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "lucca",
        "lucca application=",
        "Bearer tt_0011223344556677_secret",
        "lucca application=garbage",
        "lucca application=tt_0011223344556677_" + "A" * 43,
        "lucca application=tt__",
        "lucca application=tt_zz_zz",
        "basic dXNlcjpwYXNz",
    ],
)
async def test_malformed_or_unknown_key_is_401(anonymous: httpx.AsyncClient, authorization: str) -> None:
    response = await anonymous.get(TRAININGS, headers={"Authorization": authorization})

    assert_unauthenticated(response)


async def test_right_prefix_with_wrong_secret_is_401(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    token = client.headers["Authorization"].removeprefix("lucca application=")
    scheme, prefix, secret = token.split("_", 2)
    forged = f"{scheme}_{prefix}_" + ("B" if secret[0] != "B" else "C") + secret[1:]

    assert_unauthenticated(
        await anonymous.get(TRAININGS, headers={"Authorization": f"lucca application={forged}"})
    )
    # The genuine key still works.
    assert (await client.get(TRAININGS)).status_code == 200


async def test_revoked_key_is_refused_on_the_next_request(
    app: TalentTraining, client: httpx.AsyncClient
) -> None:
    token = client.headers["Authorization"].removeprefix("lucca application=")
    assert (await client.get(TRAININGS)).status_code == 200

    async with app.database.transaction() as tx:
        assert await revoke_api_key(tx, token.split("_", 2)[1], by="test")

    assert_unauthenticated(await client.get(TRAININGS))
    assert_unauthenticated(await client.post(TRAININGS, json=training_body()))


@pytest.fixture
async def records(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    provider = await create_provider(client)
    category = await create_category(client)
    training = await create_training(client, providerId=provider["id"], categoryId=category["id"])
    realized = await create_realized_training(client, training["id"])
    return {PROVIDERS: provider, CATEGORIES: category, TRAININGS: training, REALIZED: realized}


async def test_read_key_can_get_everything(
    reader: httpx.AsyncClient, records: dict[str, dict[str, Any]]
) -> None:
    for path, record in records.items():
        listed = await reader.get(path)
        assert listed.status_code == 200, listed.text
        assert listed.json()["items"] == [record]
        fetched = await reader.get(f"{path}/{record['id']}")
        assert fetched.status_code == 200, fetched.text
        assert fetched.json() == record


async def test_read_key_cannot_write_and_nothing_is_written(
    reader: httpx.AsyncClient, client: httpx.AsyncClient, records: dict[str, dict[str, Any]]
) -> None:
    training = records[TRAININGS]
    bodies = {
        PROVIDERS: provider_body(),
        CATEGORIES: category_body(),
        TRAININGS: training_body(),
        REALIZED: realized_body(training["id"], ownerId=99),
    }

    for path, body in bodies.items():
        assert_problem(await reader.post(path, json=body), 403)
        assert await count(client, path) == 1, path
    assert_problem(await reader.patch(f"{TRAININGS}/{training['id']}", json={"title": "Hacked"}), 403)
    assert (await client.get(f"{TRAININGS}/{training['id']}")).json() == training


@pytest.mark.parametrize("path", LISTS)
async def test_stranger_cannot_see_another_accounts_records(
    stranger: httpx.AsyncClient, records: dict[str, dict[str, Any]], path: str
) -> None:
    record = records[path]

    assert_problem(await stranger.get(f"{path}/{record['id']}"), 404)
    listed = await stranger.get(path, params={"fields.root": "count"})
    assert listed.status_code == 200
    assert listed.json() == {"items": [], "count": 0}


async def test_stranger_cannot_filter_into_another_account(
    stranger: httpx.AsyncClient, records: dict[str, dict[str, Any]]
) -> None:
    training_id = records[TRAININGS]["id"]

    realized = await stranger.get(REALIZED, params={"trainingId": training_id, "ownerIds": 416})
    trainings = await stranger.get(TRAININGS, params={"id": training_id})

    assert realized.json()["items"] == [] and trainings.json()["items"] == []


async def test_stranger_cannot_patch_another_accounts_training(
    stranger: httpx.AsyncClient, client: httpx.AsyncClient, records: dict[str, dict[str, Any]]
) -> None:
    training = records[TRAININGS]

    assert_problem(await stranger.patch(f"{TRAININGS}/{training['id']}", json={"state": "Archived"}), 404)
    assert (await client.get(f"{TRAININGS}/{training['id']}")).json() == training


@pytest.mark.parametrize(
    ("path", "field", "source"),
    [
        (TRAININGS, "providerId", PROVIDERS),
        (TRAININGS, "categoryId", CATEGORIES),
        (REALIZED, "trainingId", TRAININGS),
    ],
)
async def test_stranger_cannot_reference_another_accounts_records(
    stranger: httpx.AsyncClient,
    records: dict[str, dict[str, Any]],
    path: str,
    field: str,
    source: str,
) -> None:
    foreign_id = records[source]["id"]
    body = realized_body(foreign_id) if path == REALIZED else training_body(**{field: foreign_id})

    assert_problem(await stranger.post(path, json=body), 400, field)
    assert await count(stranger, path) == 0


@pytest.mark.parametrize(("field", "source"), [("providerId", PROVIDERS), ("categoryId", CATEGORIES)])
async def test_stranger_cannot_patch_in_another_accounts_reference(
    stranger: httpx.AsyncClient, records: dict[str, dict[str, Any]], field: str, source: str
) -> None:
    own = await create_training(stranger)

    response = await stranger.patch(f"{TRAININGS}/{own['id']}", json={field: records[source]["id"]})

    assert_problem(response, 400, field)
    assert (await stranger.get(f"{TRAININGS}/{own['id']}")).json() == own
