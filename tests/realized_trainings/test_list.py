"""GET /v2/realized-trainings: filters (ownerIds, trainingId, hasAttended, end-date bounds)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from tests.factories import (
    REALIZED,
    TRAININGS,
    assert_problem,
    create_realized_training,
    create_training,
    list_ids,
)


@pytest.fixture
async def by_owner(client: httpx.AsyncClient) -> dict[int, int]:
    """One realized training for each of owners 1..4: owner -> id."""
    training = await create_training(client)
    return {
        owner: (await create_realized_training(client, training["id"], ownerId=owner))["id"]
        for owner in (1, 2, 3, 4)
    }


@pytest.mark.parametrize(
    "params",
    [
        [("ownerIds", 1), ("ownerIds", 3)],
        [("ownerIds", "1,3")],
        [("ownerIds", "3,1")],
        [("ownerIds", 1), ("ownerIds", "3")],
    ],
)
async def test_owner_ids_in_both_syntaxes(
    client: httpx.AsyncClient, by_owner: dict[int, int], params: list[tuple[str, Any]]
) -> None:
    assert await list_ids(client, REALIZED, params) == [by_owner[1], by_owner[3]]


async def test_owner_ids_mixed_syntax(client: httpx.AsyncClient, by_owner: dict[int, int]) -> None:
    ids = await list_ids(client, REALIZED, [("ownerIds", "1,2"), ("ownerIds", 4)])

    assert ids == [by_owner[1], by_owner[2], by_owner[4]]


async def test_unknown_owner_gives_an_empty_list(client: httpx.AsyncClient, by_owner: dict[int, int]) -> None:
    assert await list_ids(client, REALIZED, {"ownerIds": 99}) == []


async def test_training_id_is_an_array_filter(client: httpx.AsyncClient) -> None:
    trainings = [await create_training(client) for _ in range(3)]
    ids = [(await create_realized_training(client, t["id"]))["id"] for t in trainings]
    first, second, third = (t["id"] for t in trainings)

    assert await list_ids(client, REALIZED, {"trainingId": second}) == [ids[1]]
    assert await list_ids(client, REALIZED, {"trainingId": f"{first},{third}"}) == [ids[0], ids[2]]
    assert await list_ids(client, REALIZED, [("trainingId", first), ("trainingId", second)]) == ids[:2]


@pytest.mark.parametrize(
    ("value", "everything"),
    [("true", True), ("TRUE", True), ("True", True), ("false", False), ("FALSE", False)],
)
async def test_has_attended_filter(
    client: httpx.AsyncClient, by_owner: dict[int, int], value: str, everything: bool
) -> None:
    # Records created through the API have all attended.
    expected = sorted(by_owner.values()) if everything else []

    assert await list_ids(client, REALIZED, {"hasAttended": value}) == expected


async def test_has_attended_absent_lists_all(client: httpx.AsyncClient, by_owner: dict[int, int]) -> None:
    assert await list_ids(client, REALIZED) == sorted(by_owner.values())


@pytest.fixture
async def by_end(client: httpx.AsyncClient) -> dict[str, int]:
    training = await create_training(client)
    ends = ("2025-01-03", "2025-01-04", "2025-01-05")
    return {
        end: (await create_realized_training(client, training["id"], sessionStartsOn=end, sessionEndsOn=end))[
            "id"
        ]
        for end in ends
    }


async def test_end_date_bounds_are_strict(client: httpx.AsyncClient, by_end: dict[str, int]) -> None:
    before = await list_ids(client, REALIZED, {"sessionEndOnBefore": "2025-01-04"})
    after = await list_ids(client, REALIZED, {"sessionEndOnAfter": "2025-01-04"})
    between = await list_ids(
        client, REALIZED, {"sessionEndOnAfter": "2025-01-03", "sessionEndOnBefore": "2025-01-05"}
    )

    assert before == [by_end["2025-01-03"]]
    assert after == [by_end["2025-01-05"]]
    assert between == [by_end["2025-01-04"]]


async def test_filters_combine(client: httpx.AsyncClient, by_end: dict[str, int]) -> None:
    training = await create_training(client)
    other = await create_realized_training(client, training["id"], ownerId=5, sessionEndsOn="2025-01-05")

    response = await client.get(
        REALIZED,
        params={"trainingId": training["id"], "sessionEndOnAfter": "2025-01-04", "fields.root": "count"},
    )

    assert response.status_code == 200
    assert response.json() == {"items": [other], "count": 1}


async def test_archived_trainings_realized_trainings_stay_listed(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    realized = await create_realized_training(client, training["id"])
    archived = await client.patch(f"{TRAININGS}/{training['id']}", json={"state": "Archived"})
    assert archived.status_code == 200, archived.text

    assert await list_ids(client, REALIZED) == [realized["id"]]


async def test_items_have_the_created_shape(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    created = await create_realized_training(client, training["id"], durationInHours=2.5)

    response = await client.get(REALIZED)

    assert response.status_code == 200
    assert response.json() == {"items": [created]}


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("ownerIds", ""),
        ("ownerIds", "abc"),
        ("ownerIds", "0"),
        ("ownerIds", "-1"),
        ("ownerIds", "1.0"),
        ("ownerIds", "2147483648"),
        ("trainingId", ""),
        ("trainingId", "x"),
        ("trainingId", "0"),
        ("hasAttended", "yes"),
        ("hasAttended", "1"),
        ("hasAttended", ""),
        ("sessionEndOnBefore", "2025-02-30"),
        ("sessionEndOnBefore", "04/01/2025"),
        ("sessionEndOnBefore", "2025-1-4"),
        ("sessionEndOnAfter", "2025-02-30"),
        ("sessionEndOnAfter", "04/01/2025"),
        ("sessionEndOnAfter", "2025-01-04T00:00:00"),
    ],
)
async def test_invalid_filter_is_400(client: httpx.AsyncClient, param: str, value: str) -> None:
    assert_problem(await client.get(REALIZED, params={param: value}), 400, param)


async def test_more_than_500_values_is_400(client: httpx.AsyncClient) -> None:
    ok = await client.get(REALIZED, params={"ownerIds": ",".join(str(n) for n in range(1, 501))})
    too_many = await client.get(REALIZED, params={"ownerIds": ",".join(str(n) for n in range(1, 502))})

    assert ok.status_code == 200, ok.text
    assert_problem(too_many, 400, "ownerIds")


FILTERS = {
    "ownerIds": "416,417",
    "trainingId": None,  # the training's id, set by the test
    "hasAttended": "true",
    "sessionEndOnBefore": "2025-12-31",
    "sessionEndOnAfter": "2024-01-01",
}


@pytest.mark.parametrize("present", list(itertools.product([False, True], repeat=len(FILTERS))))
async def test_every_combination_of_filters_is_a_statement_that_answers(
    client: httpx.AsyncClient, present: tuple[bool, ...]
) -> None:
    training = await create_training(client)
    for owner in (416, 417, 418):
        await create_realized_training(client, training["id"], ownerId=owner)
    params = {
        name: value or str(training["id"])
        for (name, value), on in zip(FILTERS.items(), present, strict=True)
        if on
    }
    expected = 2 if present[0] else 3

    paging = {**params, "limit": 1, "fields.root": "count,prev,next"}
    first = (await client.get(REALIZED, params=paging)).json()
    second = (await client.get(REALIZED, params={**paging, "page": first["next"]})).json()
    back = (await client.get(REALIZED, params={**paging, "page": second["prev"]})).json()

    assert first["count"] == second["count"] == expected
    assert back["items"] == first["items"] and back["prev"] is None
