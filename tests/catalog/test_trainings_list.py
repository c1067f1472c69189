"""GET /trainings: search, providerIds, categoryIds, id, states (every state by default), paging."""

from __future__ import annotations

import itertools

import httpx
import pytest

from tests.factories import (
    TRAININGS,
    assert_problem,
    create_category,
    create_provider,
    create_training,
    list_ids,
)


async def test_search_is_case_and_accent_insensitive_over_title_subtitle_description(
    client: httpx.AsyncClient,
) -> None:
    in_title = await create_training(client, title="Sécurité incendie")
    in_subtitle = await create_training(client, subtitle="Règles de SECURITE au bureau")
    in_description = await create_training(client, description="Notions de sécurité routière")
    await create_training(client, title="Excel", subtitle="Tableaux", description="Formules")
    matching = [in_title["id"], in_subtitle["id"], in_description["id"]]

    for term in ("securite", "SÉCURITÉ", "sEcUr"):
        assert await list_ids(client, TRAININGS, {"search": term}) == matching, term
    assert await list_ids(client, TRAININGS, {"search": "nothing like this"}) == []


async def test_provider_category_and_id_filters(client: httpx.AsyncClient) -> None:
    p1, p2 = await create_provider(client), await create_provider(client)
    c1, c2 = await create_category(client), await create_category(client)
    t1 = (await create_training(client, providerId=p1["id"], categoryId=c1["id"]))["id"]
    t2 = (await create_training(client, providerId=p2["id"], categoryId=c1["id"]))["id"]
    t3 = (await create_training(client, providerId=p2["id"], categoryId=c2["id"]))["id"]
    t4 = (await create_training(client))["id"]

    assert await list_ids(client, TRAININGS, {"providerIds": p1["id"]}) == [t1]
    assert await list_ids(client, TRAININGS, {"providerIds": f"{p1['id']},{p2['id']}"}) == [t1, t2, t3]
    assert await list_ids(client, TRAININGS, [("categoryIds", c2["id"])]) == [t3]
    assert await list_ids(client, TRAININGS, [("categoryIds", c1["id"]), ("categoryIds", c2["id"])]) == [
        t1,
        t2,
        t3,
    ]
    assert await list_ids(client, TRAININGS, [("id", f"{t1},{t3}"), ("id", t4)]) == [t1, t3, t4]
    assert await list_ids(client, TRAININGS, {"providerIds": p2["id"], "categoryIds": c1["id"]}) == [t2]


async def test_archived_trainings_are_listed(client: httpx.AsyncClient) -> None:
    ready = await create_training(client)
    archived = await create_training(client)
    patched = await client.patch(f"{TRAININGS}/{archived['id']}", json={"state": "Archived"})
    assert patched.status_code == 200, patched.text

    response = await client.get(TRAININGS)

    assert response.status_code == 200
    states = {item["id"]: item["state"] for item in response.json()["items"]}
    assert states == {ready["id"]: "Ready", archived["id"]: "Archived"}


async def test_states_filter_by_state_repeated_or_comma_separated(client: httpx.AsyncClient) -> None:
    ready = (await create_training(client, title="Fire safety"))["id"]
    archived = (await create_training(client, title="Fire drills"))["id"]
    assert (await client.patch(f"{TRAININGS}/{archived}", json={"state": "Archived"})).status_code == 200

    assert await list_ids(client, TRAININGS, {"states": "Ready"}) == [ready]
    assert await list_ids(client, TRAININGS, {"states": "Archived"}) == [archived]
    assert await list_ids(client, TRAININGS, {"states": "Archived,Ready"}) == [ready, archived]
    assert await list_ids(client, TRAININGS, [("states", "Ready"), ("states", "Archived")]) == [
        ready,
        archived,
    ]
    assert await list_ids(client, TRAININGS, {"states": "Archived", "search": "fire"}) == [archived]
    assert await list_ids(client, TRAININGS, {"states": "Archived", "search": "excel"}) == []
    counted = await client.get(TRAININGS, params={"states": "Ready", "fields.root": "count"})
    assert counted.json()["count"] == 1


@pytest.mark.parametrize("value", ["ready", "Deleted", "", "Ready,Ready"])
async def test_an_unknown_or_repeated_state_is_400(client: httpx.AsyncClient, value: str) -> None:
    assert_problem(await client.get(TRAININGS, params={"states": value}), 400, "states")


async def test_items_have_the_created_shape(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client)
    category = await create_category(client, t9n={"name": {"Fr": "Langues"}})
    created = await create_training(client, providerId=provider["id"], categoryId=category["id"])

    response = await client.get(TRAININGS)

    assert response.json() == {"items": [created]}


async def test_paging_and_count(client: httpx.AsyncClient) -> None:
    ids = [(await create_training(client, title=f"Course {n}"))["id"] for n in range(7)]

    page = await client.get(TRAININGS, params={"limit": 3, "page": 2, "fields.root": "count,prev,next"})

    assert page.status_code == 200
    body = page.json()
    assert [item["id"] for item in body["items"]] == ids[6:]
    assert body["count"] == 7
    assert body["next"] is None and isinstance(body["prev"], str)
    filtered = await client.get(TRAININGS, params={"search": "course 1", "fields.root": "count"})
    assert filtered.json()["count"] == 1


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("providerIds", ""),
        ("providerIds", "abc"),
        ("providerIds", "0"),
        ("categoryIds", "-1"),
        ("categoryIds", "2147483648"),
        ("id", "1.5"),
        ("id", ""),
        ("limit", "101"),
        ("page", "-1"),
        ("fields.root", "total"),
    ],
)
async def test_invalid_query_parameter_is_400(client: httpx.AsyncClient, param: str, value: str) -> None:
    assert_problem(await client.get(TRAININGS, params={param: value}), 400, param)


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=4)))
async def test_every_combination_of_filters_is_a_statement_that_answers(
    client: httpx.AsyncClient, present: tuple[bool, ...]
) -> None:
    provider, category = await create_provider(client), await create_category(client)
    ids = [
        (
            await create_training(
                client, title=f"Safety {n}", providerId=provider["id"], categoryId=category["id"]
            )
        )["id"]
        for n in range(3)
    ]
    await create_training(client, title="Excel")
    filters = {"search": "safety", "providerIds": provider["id"], "categoryIds": category["id"], "id": ids}
    params = {name: value for (name, value), on in zip(filters.items(), present, strict=True) if on}
    paging = {**params, "limit": 1, "fields.root": "count,prev,next"}

    first = (await client.get(TRAININGS, params=paging)).json()
    second = (await client.get(TRAININGS, params={**paging, "page": first["next"]})).json()
    back = (await client.get(TRAININGS, params={**paging, "page": second["prev"]})).json()

    assert first["count"] == second["count"] == (3 if any(present) else 4)
    assert back["items"] == first["items"] and back["prev"] is None
