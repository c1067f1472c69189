"""Categories (extension): create, get, list, translations, validation and unique names."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import (
    CATEGORIES,
    OMIT,
    assert_problem,
    category_body,
    count,
    create_category,
    list_ids,
)


async def test_create_with_translations(client: httpx.AsyncClient) -> None:
    response = await client.post(
        CATEGORIES, json={"name": "Languages", "t9n": {"name": {"Fr": "Langues", "Es": "Idiomas"}}}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Languages",
        "t9n": {"name": {"Fr": "Langues", "Es": "Idiomas"}},
    }


async def test_t9n_is_always_returned(client: httpx.AsyncClient) -> None:
    body = await create_category(client, name="Safety")

    assert body["t9n"] == {"name": {}}


async def test_every_documented_language_is_accepted(client: httpx.AsyncClient) -> None:
    names = {lang: f"Name {lang}" for lang in ("De", "En", "Es", "Fr", "It", "Nl", "Pt")}

    body = await create_category(client, t9n={"name": names})

    assert body["t9n"]["name"] == names


async def test_a_null_translation_is_accepted(client: httpx.AsyncClient) -> None:
    body = await create_category(client, t9n={"name": {"Fr": None, "En": "Safety"}})

    assert body["t9n"]["name"].get("Fr") is None
    assert body["t9n"]["name"]["En"] == "Safety"


async def test_get_by_id(client: httpx.AsyncClient) -> None:
    created = await create_category(client, t9n={"name": {"Fr": "Sécurité"}})

    response = await client.get(f"{CATEGORIES}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("category_id", ["999999", "0", "-1", "abc", "2147483648"])
async def test_get_unknown_is_404(client: httpx.AsyncClient, category_id: str) -> None:
    await create_category(client)

    assert_problem(await client.get(f"{CATEGORIES}/{category_id}"), 404)


async def test_list_in_id_order_with_paging(client: httpx.AsyncClient) -> None:
    ids = [(await create_category(client))["id"] for _ in range(4)]

    assert await list_ids(client, CATEGORIES) == sorted(ids)
    assert await list_ids(client, CATEGORIES, {"limit": 3, "page": 1}) == sorted(ids)[3:]
    assert await count(client, CATEGORIES) == 4


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", OMIT),
        ("name", ""),
        ("name", " \t "),
        ("name", "x" * 251),
        ("name", None),
        ("name", 7),
        ("t9n", "Langues"),
        ("t9n", {"name": "Langues"}),
        ("t9n", {"name": {"Ff": "Langues"}}),
        ("t9n", {"name": {"fr": "Langues"}}),
        ("t9n", {"name": {"Fr": 12}}),
        ("t9n", {"name": {"Fr": "x" * 251}}),
    ],
)
async def test_invalid_field_is_400_and_nothing_created(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    response = await client.post(CATEGORIES, json=category_body(**{field: value}))

    body = assert_problem(response, 400)
    assert any(key.startswith(field) for key in body.get("errors", {})), body
    assert await count(client, CATEGORIES) == 0


async def test_duplicate_name_is_409(client: httpx.AsyncClient) -> None:
    await create_category(client, name="Languages")

    response = await client.post(CATEGORIES, json={"name": "Languages"})

    assert_problem(response, 409)
    assert await count(client, CATEGORIES) == 1


@pytest.mark.parametrize("t9n", [None, {"name": None}, {}])
async def test_null_translations_mean_none(client: httpx.AsyncClient, t9n: object) -> None:
    response = await client.post(CATEGORIES, json={"name": "Safety", "t9n": t9n})

    assert response.status_code == 201
    assert response.json()["t9n"] == {"name": {}}
