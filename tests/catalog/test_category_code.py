"""A category's optional `code` (the v1 realized-trainings list's `trainingCategoryCode`)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import CATEGORIES, PREFIX, assert_problem, category_body, count, create_category

EVENTS = f"{PREFIX}/v1/audit-events"


async def test_a_code_is_kept_and_returned_everywhere(client: httpx.AsyncClient) -> None:
    created = await create_category(client, name="Management", code="MGT-01")

    assert created == {"id": created["id"], "name": "Management", "t9n": {"name": {}}, "code": "MGT-01"}
    assert (await client.get(f"{CATEGORIES}/{created['id']}")).json() == created
    assert (await client.get(CATEGORIES)).json()["items"] == [created]


async def test_without_a_code_none_is_returned(client: httpx.AsyncClient) -> None:
    created = await create_category(client)

    assert "code" not in created
    assert "code" not in (await client.get(f"{CATEGORIES}/{created['id']}")).json()
    assert "code" not in (await client.get(CATEGORIES)).json()["items"][0]


@pytest.mark.parametrize("code", ["x" * 100, "  Café\t", "é" * 100, "0"])
async def test_a_code_is_taken_as_sent(client: httpx.AsyncClient, code: str) -> None:
    created = await create_category(client, code=code)

    assert created["code"] == code
    assert (await client.get(f"{CATEGORIES}/{created['id']}")).json()["code"] == code


async def test_two_categories_may_share_a_code(client: httpx.AsyncClient) -> None:
    first = await create_category(client, code="HR")
    second = await create_category(client, code="HR")

    assert first["code"] == second["code"] == "HR"


@pytest.mark.parametrize("code", [None, "", " \t ", "x" * 101, 7, True, ["HR"], {"v": "HR"}, "a\x00b"])
async def test_an_invalid_code_is_400_and_nothing_created(client: httpx.AsyncClient, code: Any) -> None:
    response = await client.post(CATEGORIES, json=category_body(code=code))

    body = assert_problem(response, 400)
    assert any(key.startswith("code") for key in body["errors"]), body
    assert await count(client, CATEGORIES) == 0


async def test_the_code_is_in_the_audit_trail(client: httpx.AsyncClient) -> None:
    created = await create_category(client, code="SAFE")

    response = await client.get(EVENTS, params={"resourceType": "category", "resourceId": created["id"]})

    assert response.status_code == 200, response.text
    [event] = response.json()["items"]
    assert event["action"] == "create"
    assert event["changes"]["code"] == {"before": None, "after": "SAFE"}
