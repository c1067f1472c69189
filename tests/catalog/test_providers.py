"""Providers (extension): create, get, list, validation and per-account unique names."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import (
    OMIT,
    PROVIDERS,
    assert_problem,
    count,
    create_provider,
    list_ids,
    provider_body,
)


async def test_create_returns_the_provider(client: httpx.AsyncClient) -> None:
    response = await client.post(PROVIDERS, json={"name": "Acme", "websiteHref": "https://acme.example/x"})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {"id": body["id"], "name": "Acme", "websiteHref": "https://acme.example/x"}
    assert isinstance(body["id"], int) and body["id"] >= 1


async def test_website_is_optional_and_omitted_when_absent(client: httpx.AsyncClient) -> None:
    body = await create_provider(client, name="No site", websiteHref=OMIT)

    assert body == {"id": body["id"], "name": "No site"}


async def test_name_is_taken_as_sent(client: httpx.AsyncClient) -> None:
    body = await create_provider(client, name="  Spaced  Out ")

    assert body["name"] == "  Spaced  Out "


@pytest.mark.parametrize(
    ("name", "href"),
    [("x" * 250, "https://a.example"), ("Long site", "https://a.example/" + "p" * (2048 - 18))],
)
async def test_longest_values_are_accepted(client: httpx.AsyncClient, name: str, href: str) -> None:
    assert len(href) <= 2048
    body = await create_provider(client, name=name, websiteHref=href)

    assert (body["name"], body["websiteHref"]) == (name, href)


async def test_get_by_id(client: httpx.AsyncClient) -> None:
    created = await create_provider(client)

    response = await client.get(f"{PROVIDERS}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("provider_id", ["999999", "0", "-1", "abc", "2147483648", "1.0"])
async def test_get_unknown_is_404(client: httpx.AsyncClient, provider_id: str) -> None:
    await create_provider(client)

    assert_problem(await client.get(f"{PROVIDERS}/{provider_id}"), 404)


async def test_list_in_id_order_with_paging(client: httpx.AsyncClient) -> None:
    ids = [(await create_provider(client))["id"] for _ in range(5)]

    assert await list_ids(client, PROVIDERS) == sorted(ids)
    assert await list_ids(client, PROVIDERS, {"limit": 2, "page": 1}) == sorted(ids)[2:4]
    response = await client.get(PROVIDERS, params={"fields.root": "count", "limit": 1})
    assert response.status_code == 200
    assert response.json()["count"] == 5
    assert set(response.json()) == {"items", "count"}


LONG_HREF = "https://a.example/" + "p" * 2048


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", OMIT),
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 251),
        ("name", None),
        ("name", 12),
        ("name", ["Acme"]),
        ("websiteHref", "not a url"),
        ("websiteHref", "/relative/path"),
        ("websiteHref", "ftp://files.example"),
        ("websiteHref", "javascript:alert(1)"),
        ("websiteHref", LONG_HREF),
        ("websiteHref", 12),
        ("websiteHref", None),  # found by fuzzing: optional, but never null
    ],
)
async def test_invalid_field_is_400_and_nothing_created(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    response = await client.post(PROVIDERS, json=provider_body(**{field: value}))

    assert_problem(response, 400, field)
    assert await count(client, PROVIDERS) == 0


async def test_duplicate_name_is_409(client: httpx.AsyncClient) -> None:
    await create_provider(client, name="Acme")

    response = await client.post(PROVIDERS, json=provider_body(name="Acme", websiteHref="https://b.example"))

    assert_problem(response, 409)
    assert await count(client, PROVIDERS) == 1


async def test_same_name_in_another_account_is_allowed(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await create_provider(client, name="Acme")

    other = await create_provider(stranger, name="Acme")

    assert other["name"] == "Acme"
