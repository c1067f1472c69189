"""PATCH /trainings/{id} (extension): JSON merge-patch, archive and restore."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.factories import (
    TRAININGS,
    assert_problem,
    create_category,
    create_provider,
    create_training,
)


async def patch(client: httpx.AsyncClient, training_id: int, body: Any) -> httpx.Response:
    return await client.patch(f"{TRAININGS}/{training_id}", json=body)


async def get(client: httpx.AsyncClient, training_id: int) -> dict[str, Any]:
    response = await client.get(f"{TRAININGS}/{training_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_absent_fields_are_unchanged(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client)
    created = await create_training(client, providerId=provider["id"], level="Middle")

    response = await patch(client, created["id"], {"title": "New title", "isMandatory": True})

    assert response.status_code == 200, response.text
    expected = created | {"title": "New title", "isMandatory": True}
    assert response.json() == expected
    assert await get(client, created["id"]) == expected


async def test_every_writable_field_can_change(client: httpx.AsyncClient) -> None:
    created = await create_training(client)
    provider = await create_provider(client)
    category = await create_category(client)
    changes = {
        "title": "T2",
        "subtitle": "S2",
        "description": "D2",
        "level": "Expert",
        "isCertifying": True,
        "isMandatory": True,
        "type": "Internal",
        "providerId": provider["id"],
        "categoryId": category["id"],
    }

    response = await patch(client, created["id"], changes)

    assert response.status_code == 200, response.text
    body = response.json()
    assert {key: body[key] for key in ("title", "subtitle", "description", "level", "type")} == {
        "title": "T2",
        "subtitle": "S2",
        "description": "D2",
        "level": "Expert",
        "type": "Internal",
    }
    assert body["isCertifying"] is True and body["isMandatory"] is True
    assert body["provider"] == provider and body["category"] == category


async def test_null_removes_provider_and_category(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client)
    category = await create_category(client)
    created = await create_training(client, providerId=provider["id"], categoryId=category["id"])

    response = await patch(client, created["id"], {"providerId": None, "categoryId": None})

    assert response.status_code == 200, response.text
    assert "provider" not in response.json() and "category" not in response.json()
    stored = await get(client, created["id"])
    assert "provider" not in stored and "category" not in stored


async def test_archive_and_restore(client: httpx.AsyncClient) -> None:
    created = await create_training(client)

    archived = await patch(client, created["id"], {"state": "Archived"})
    assert archived.status_code == 200, archived.text
    assert archived.json()["state"] == "Archived"
    assert (await get(client, created["id"]))["state"] == "Archived"

    restored = await patch(client, created["id"], {"state": "Ready"})
    assert restored.status_code == 200, restored.text
    assert (await get(client, created["id"]))["state"] == "Ready"


async def test_merge_patch_media_type_is_accepted(client: httpx.AsyncClient) -> None:
    created = await create_training(client)

    response = await client.patch(
        f"{TRAININGS}/{created['id']}",
        content=b'{"title": "Merged"}',
        headers={"Content-Type": "application/merge-patch+json"},
    )

    assert response.status_code == 200, response.text
    assert (await get(client, created["id"]))["title"] == "Merged"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", None),
        ("title", ""),
        ("title", "t" * 251),
        ("subtitle", None),
        ("description", "d" * 6001),
        ("level", None),
        ("level", "Guru"),
        ("isCertifying", None),
        ("isMandatory", "true"),
        ("type", None),
        ("state", None),
        ("state", "Deleted"),
        ("state", "archived"),
        ("providerId", 999999),
        ("providerId", "1"),
        ("categoryId", 999999),
        ("categoryId", 0),
    ],
)
async def test_invalid_field_is_400_and_nothing_changes(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    created = await create_training(client)

    response = await patch(client, created["id"], {"title": "Should not stick", field: value})

    assert_problem(response, 400, field)
    assert await get(client, created["id"]) == created


@pytest.mark.parametrize("body", [[], "title", None, 5])
async def test_body_that_is_not_an_object_is_400(client: httpx.AsyncClient, body: Any) -> None:
    created = await create_training(client)

    assert_problem(await patch(client, created["id"], body), 400)
    assert await get(client, created["id"]) == created


@pytest.mark.parametrize("training_id", ["999999", "0", "abc"])
async def test_patch_unknown_is_404(client: httpx.AsyncClient, training_id: str) -> None:
    await create_training(client)

    assert_problem(await client.patch(f"{TRAININGS}/{training_id}", json={"title": "X"}), 404)


async def test_concurrent_patches_of_one_training_both_reach_search(client: httpx.AsyncClient) -> None:
    # search_text is derived from the whole row: concurrent updates must apply one after the other.
    training = await create_training(client, title="oldtitle", description="olddesc")
    url = f"{TRAININGS}/{training['id']}"

    first, second = await asyncio.gather(
        client.patch(url, json={"title": "newtitle"}), client.patch(url, json={"description": "newdesc"})
    )

    assert (first.status_code, second.status_code) == (200, 200)
    for word in ("newtitle", "newdesc"):
        found = await client.get(TRAININGS, params={"search": word})
        assert [item["id"] for item in found.json()["items"]] == [training["id"]], word
