"""Paging of /v2/realized-trainings: limit, 0-based page index, fields.root, keyset cursors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import REALIZED, assert_problem, create_realized_training, create_training

ALL_ROOT = "count,prev,next"


async def make_rows(client: httpx.AsyncClient, n: int, first_owner: int = 1) -> list[int]:
    training = await create_training(client)
    return [
        (await create_realized_training(client, training["id"], ownerId=owner))["id"]
        for owner in range(first_owner, first_owner + n)
    ]


async def get_page(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get(REALIZED, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids_of(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


async def test_default_limit_is_20_in_id_order(client: httpx.AsyncClient) -> None:
    ids = await make_rows(client, 23)

    page = await get_page(client)

    assert ids_of(page) == sorted(ids)[:20]
    assert set(page) == {"items"}


@pytest.mark.parametrize(("limit", "expected"), [(0, 0), (1, 1), (3, 3), (100, 5)])
async def test_limit_bounds(client: httpx.AsyncClient, limit: int, expected: int) -> None:
    await make_rows(client, 5)

    page = await get_page(client, limit=limit)

    assert len(page["items"]) == expected


@pytest.mark.parametrize("limit", ["101", "-1", "abc", "1.5", ""])
async def test_invalid_limit_is_400(client: httpx.AsyncClient, limit: str) -> None:
    assert_problem(await client.get(REALIZED, params={"limit": limit}), 400, "limit")


async def test_page_index_is_zero_based(client: httpx.AsyncClient) -> None:
    ids = sorted(await make_rows(client, 7))

    assert ids_of(await get_page(client, limit=3, page=0)) == ids[0:3]
    assert ids_of(await get_page(client, limit=3, page=1)) == ids[3:6]
    assert ids_of(await get_page(client, limit=3, page=2)) == ids[6:]


async def test_page_past_the_end_is_empty_with_null_pointers(client: httpx.AsyncClient) -> None:
    await make_rows(client, 4)

    page = await get_page(client, limit=3, page=5, **{"fields.root": ALL_ROOT})

    assert page == {"items": [], "count": 4, "prev": None, "next": None}


async def test_limit_zero_with_count(client: httpx.AsyncClient) -> None:
    await make_rows(client, 4)

    page = await get_page(client, limit=0, **{"fields.root": ALL_ROOT})

    assert page == {"items": [], "count": 4, "prev": None, "next": None}


@pytest.mark.parametrize(
    ("fields", "keys"),
    [
        (None, {"items"}),
        ("count", {"items", "count"}),
        ("prev", {"items", "prev"}),
        ("next,count", {"items", "next", "count"}),
        (["count", "prev"], {"items", "count", "prev"}),
        ("count,prev,next", {"items", "count", "prev", "next"}),
    ],
)
async def test_fields_root_adds_only_the_requested_keys(
    client: httpx.AsyncClient, fields: Any, keys: set[str]
) -> None:
    await make_rows(client, 3)
    params = {} if fields is None else {"fields.root": fields}

    page = await get_page(client, limit=2, **params)

    assert set(page) == keys
    if "count" in keys:
        assert page["count"] == 3


@pytest.mark.parametrize("fields", ["bogus", "count,bogus", "Count", "items"])
async def test_unknown_fields_root_is_400(client: httpx.AsyncClient, fields: str) -> None:
    assert_problem(await client.get(REALIZED, params={"fields.root": fields}), 400, "fields.root")


async def test_pointers_are_null_at_the_ends(client: httpx.AsyncClient) -> None:
    await make_rows(client, 5)

    first = await get_page(client, limit=2, page=0, **{"fields.root": ALL_ROOT})
    middle = await get_page(client, limit=2, page=1, **{"fields.root": ALL_ROOT})
    last = await get_page(client, limit=2, page=2, **{"fields.root": ALL_ROOT})
    single = await get_page(client, limit=10, **{"fields.root": ALL_ROOT})

    assert first["prev"] is None and isinstance(first["next"], str)
    assert isinstance(middle["prev"], str) and isinstance(middle["next"], str)
    assert isinstance(last["prev"], str) and last["next"] is None
    assert single["prev"] is None and single["next"] is None


async def walk(client: httpx.AsyncClient, page: dict[str, Any], pointer: str) -> list[list[int]]:
    pages = [ids_of(page)]
    while page[pointer] is not None:
        assert len(pages) < 50, "the walk does not end"
        page = await get_page(client, limit=3, page=page[pointer], **{"fields.root": ALL_ROOT})
        assert page["items"], "a cursor led to an empty page"
        pages.append(ids_of(page))
    return pages


async def test_cursor_walk_forward_and_back_covers_every_id_once(client: httpx.AsyncClient) -> None:
    ids = sorted(await make_rows(client, 10))

    forward = await walk(client, await get_page(client, limit=3, **{"fields.root": ALL_ROOT}), "next")
    assert [i for page in forward for i in page] == ids
    assert all(len(page) == 3 for page in forward[:-1])

    last = await get_page(client, limit=3, page=3, **{"fields.root": ALL_ROOT})
    backward = await walk(client, last, "prev")
    assert all(page == sorted(page) for page in backward)
    assert [i for page in reversed(backward) for i in page] == ids


async def test_cursor_stays_correct_when_rows_are_inserted(client: httpx.AsyncClient) -> None:
    ids = sorted(await make_rows(client, 6))
    first = await get_page(client, limit=3, **{"fields.root": ALL_ROOT})

    added = await make_rows(client, 2, first_owner=100)
    rest = await walk(client, first, "next")

    assert [i for page in rest for i in page] == ids + sorted(added)


async def test_cursor_is_a_position_valid_under_other_filters(client: httpx.AsyncClient) -> None:
    ids = sorted(await make_rows(client, 8))  # owners 1..8
    first = await get_page(client, limit=3, **{"fields.root": "next"})

    filtered = await get_page(client, limit=3, page=first["next"], ownerIds="2,5,8")

    assert ids_of(filtered) == [ids[4], ids[7]]


def tamper(cursor: str) -> str:
    middle = len(cursor) // 2
    index = next(i for i in range(middle, len(cursor)) if cursor[i].isalnum())
    replacement = "A" if cursor[index] != "A" else "B"
    return cursor[:index] + replacement + cursor[index + 1 :]


async def test_tampered_or_garbage_cursor_is_400(client: httpx.AsyncClient) -> None:
    await make_rows(client, 4)
    cursor = (await get_page(client, limit=2, **{"fields.root": "next"}))["next"]

    for page in (tamper(cursor), cursor[:-3], "garbage", "~f", "-1", "1.5"):
        assert_problem(await client.get(REALIZED, params={"page": page}), 400, "page")


async def test_a_page_index_beyond_what_an_offset_holds_says_so(client: httpx.AsyncClient) -> None:
    problem = assert_problem(
        await client.get(REALIZED, params={"page": 99_999_999, "limit": 100}), 400, "page"
    )
    assert "too far" in problem["errors"]["page"][0], problem
    # The furthest index that does hold is an ordinary (empty) page.
    assert (await get_page(client, page=21_474_836, limit=100))["items"] == []
