"""Plans (extension): create, get, list, the date order, other accounts and read keys."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import OMIT, PREFIX, assert_problem, count, list_ids
from tests.planning.helpers import PLANS, create_plan, plan_body


async def test_create_returns_the_plan(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PLANS, json={"name": "Plan 2026", "startOn": "2026-01-01", "endOn": "2026-12-31"}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {"id": body["id"], "name": "Plan 2026", "startOn": "2026-01-01", "endOn": "2026-12-31"}
    assert (await client.get(f"{PLANS}/{body['id']}")).json() == body


async def test_a_plan_may_last_one_day(client: httpx.AsyncClient) -> None:
    body = await create_plan(client, startOn="2026-05-04", endOn="2026-05-04")

    assert (body["startOn"], body["endOn"]) == ("2026-05-04", "2026-05-04")


async def test_end_before_start_is_refused_on_end_on(client: httpx.AsyncClient) -> None:
    response = await client.post(PLANS, json=plan_body(startOn="2026-05-04", endOn="2026-05-03"))

    assert_problem(response, 400, "endOn")
    assert await count(client, PLANS) == 0


async def test_names_need_not_be_unique(client: httpx.AsyncClient) -> None:
    first = await create_plan(client, name="Plan 2026")
    second = await create_plan(client, name="Plan 2026")

    assert first["id"] != second["id"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": OMIT}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 251}, "name"),
        ({"name": 12}, "name"),
        ({"name": None}, "name"),
        ({"startOn": OMIT}, "startOn"),
        ({"startOn": "2026-02-30"}, "startOn"),
        ({"startOn": "01/01/2026"}, "startOn"),
        ({"endOn": OMIT}, "endOn"),
        ({"endOn": "2026-12-31T00:00:00"}, "endOn"),
        ({"endOn": None}, "endOn"),
    ],
)
async def test_invalid_bodies_are_refused_naming_the_field(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    assert_problem(await client.post(PLANS, json=plan_body(**overrides)), 400, field)
    assert await count(client, PLANS) == 0


async def test_longest_name_is_accepted(client: httpx.AsyncClient) -> None:
    assert (await create_plan(client, name="é" * 250))["name"] == "é" * 250


@pytest.mark.parametrize("plan_id", ["999999", "0", "abc", "2147483648", "01"])
async def test_get_unknown_is_404(client: httpx.AsyncClient, plan_id: str) -> None:
    await create_plan(client)

    assert_problem(await client.get(f"{PLANS}/{plan_id}"), 404)


async def test_list_in_id_order_with_paging(client: httpx.AsyncClient) -> None:
    ids = [(await create_plan(client))["id"] for _ in range(5)]

    assert await list_ids(client, PLANS) == ids
    assert await list_ids(client, PLANS, {"limit": 2, "page": 1}) == ids[2:4]
    first = await client.get(PLANS, params={"limit": 2, "fields.root": "next,prev,count"})
    assert first.json()["count"] == 5 and first.json()["prev"] is None
    following = await client.get(PLANS, params={"limit": 2, "page": first.json()["next"]})
    assert [item["id"] for item in following.json()["items"]] == ids[2:4]
    assert_problem(await client.get(PLANS, params={"limit": 101}), 400, "limit")


async def test_another_accounts_plans_are_invisible(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    mine = await create_plan(client)
    theirs = await create_plan(stranger)

    assert_problem(await stranger.get(f"{PLANS}/{mine['id']}"), 404)
    assert await list_ids(stranger, PLANS) == [theirs["id"]]
    assert await list_ids(client, PLANS) == [mine["id"]]


async def test_a_read_key_reads_but_cannot_create(
    client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    created = await create_plan(client)

    assert (await reader.get(f"{PLANS}/{created['id']}")).json() == created
    assert await list_ids(reader, PLANS) == [created["id"]]
    assert_problem(await reader.post(PLANS, json=plan_body()), 403)
    assert await count(client, PLANS) == 1


async def test_a_creation_is_audited(client: httpx.AsyncClient) -> None:
    created = await create_plan(client, name="Audited", startOn="2026-01-01", endOn="2026-06-30")

    response = await client.get(
        f"{PREFIX}/v1/audit-events", params={"resourceType": "plan", "resourceId": created["id"]}
    )

    [event] = response.json()["items"]
    assert event["action"] == "create"
    assert event["changes"] == {
        "name": {"before": None, "after": "Audited"},
        "startOn": {"before": None, "after": "2026-01-01"},
        "endOn": {"before": None, "after": "2026-06-30"},
    }
