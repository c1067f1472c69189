"""GET /v2/realized-trainings/{id}."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import (
    REALIZED,
    TRAININGS,
    assert_problem,
    create_category,
    create_provider,
    create_realized_training,
    create_training,
)


async def test_get_returns_the_created_record(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client)
    category = await create_category(client)
    training = await create_training(client, providerId=provider["id"], categoryId=category["id"])
    created = await create_realized_training(client, training["id"], durationInHours=0.07)

    response = await client.get(f"{REALIZED}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert response.json()["training"] == {
        "id": training["id"],
        "title": training["title"],
        "categoryId": category["id"],
        "providerUrl": provider["websiteHref"],
        "level": training["level"],
    }


async def test_get_reflects_the_current_training(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    created = await create_realized_training(client, training["id"])
    patched = await client.patch(
        f"{TRAININGS}/{training['id']}", json={"title": "Renamed", "state": "Archived"}
    )
    assert patched.status_code == 200, patched.text

    response = await client.get(f"{REALIZED}/{created['id']}")

    assert response.status_code == 200
    assert response.json()["training"]["title"] == "Renamed"


@pytest.mark.parametrize("realized_id", ["999999", "abc", "0", "-1", "2147483648", "1.0", "1e0"])
async def test_unknown_or_malformed_id_is_404(client: httpx.AsyncClient, realized_id: str) -> None:
    training = await create_training(client)
    await create_realized_training(client, training["id"])

    assert_problem(await client.get(f"{REALIZED}/{realized_id}"), 404)


async def test_another_accounts_record_is_404(client: httpx.AsyncClient, stranger: httpx.AsyncClient) -> None:
    training = await create_training(client)
    created = await create_realized_training(client, training["id"])

    assert_problem(await stranger.get(f"{REALIZED}/{created['id']}"), 404)
