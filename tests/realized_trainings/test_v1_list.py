"""GET /v1/realized-trainings, Lucca's deprecated list: flat items, filters, sorts, keyset paging under each
sort, the deprecation headers, and accounts kept apart.

Records of a session (`sessionId`, `trainingDemandId`, `hasAttended: false`) are written by the workflow's
attendance; here most are inserted straight into the database, as that workflow would record them, and one
test takes a session's attendance through the API and lists what it recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import Boolean, Date, Integer, bindparam, insert, select

from talent_training.accounts.tables import Account
from talent_training.app import TalentTraining
from talent_training.db.base import UTCDateTime, utcnow
from talent_training.db.statements import Query
from talent_training.realized_trainings.tables import RealizedTraining
from tests.factories import (
    OMIT,
    PREFIX,
    REALIZED,
    assert_problem,
    create_category,
    create_provider,
    create_realized_training,
    create_training,
)
from tests.training_demands.helpers import SESSIONS, make_world, registered_demand

V1 = f"{PREFIX}/v1/realized-trainings"
ALL_ROOT = "count,prev,next"
DEPRECATION = "@1767225600"  # 2026-01-01T00:00:00Z
SUCCESSOR = '</talent-training/api/v2/realized-trainings>; rel="successor-version"'
SORTS = ["id", "-id", "sessionEndOn", "-sessionEndOn"]

_ACCOUNT = Query(select(Account.id).where(Account.name == bindparam("name")))
_RECORD = Query(
    insert(RealizedTraining)
    .values(
        account_id=bindparam("account_id", type_=Integer),
        owner_id=bindparam("owner_id", type_=Integer),
        training_id=bindparam("training_id", type_=Integer),
        session_starts_on=bindparam("starts_on", type_=Date),
        session_ends_on=bindparam("ends_on", type_=Date),
        duration_hundredths=bindparam("hundredths", type_=Integer),
        has_attended=bindparam("has_attended", type_=Boolean),
        training_demand_id=bindparam("demand_id", type_=Integer),
        session_id=bindparam("session_id", type_=Integer),
        created_at=bindparam("now", type_=UTCDateTime),
    )
    .returning(RealizedTraining.id)
)


async def record(
    app: TalentTraining,
    training_id: int,
    owner_id: int,
    ends_on: str,
    *,
    account: str = "default",
    starts_on: str | None = None,
    hundredths: int = 700,
    has_attended: bool = True,
    session_id: int | None = None,
    demand_id: int | None = None,
) -> int:
    """A realized training written as the workflow's attendance writes it; its id."""
    async with app.database.transaction() as tx:
        account_id = await tx.value(_ACCOUNT, {"name": account})
        assert account_id is not None, f"no account {account!r}: create a key of it first"
        new_id: int = await tx.value(
            _RECORD,
            {
                "account_id": account_id,
                "owner_id": owner_id,
                "training_id": training_id,
                "starts_on": date.fromisoformat(starts_on or ends_on),
                "ends_on": date.fromisoformat(ends_on),
                "hundredths": hundredths,
                "has_attended": has_attended,
                "demand_id": demand_id,
                "session_id": session_id,
                "now": utcnow(),
            },
        )
    return new_id


def assert_deprecated(response: httpx.Response) -> None:
    assert response.headers["Deprecation"] == DEPRECATION
    assert response.headers["Link"] == SUCCESSOR


async def get_v1(client: httpx.AsyncClient, params: Any = None) -> dict[str, Any]:
    response = await client.get(V1, params=params)
    assert response.status_code == 200, response.text
    assert_deprecated(response)
    body: dict[str, Any] = response.json()
    return body


async def v1_ids(client: httpx.AsyncClient, params: Any = None) -> list[int]:
    return [item["id"] for item in (await get_v1(client, params))["items"]]


# Shape ------------------------------------------------------------------------------------------------------


async def test_a_workflow_record_is_flat_with_its_training_category_and_provider(
    client: httpx.AsyncClient, app: TalentTraining
) -> None:
    provider = await create_provider(client, name="Élan", websiteHref="https://elan.example/fr")
    category = await create_category(client, code="MGT")
    training = await create_training(
        client, title="Lead meetings", providerId=provider["id"], categoryId=category["id"]
    )
    record_id = await record(
        app, training["id"], 416, "2025-01-04", starts_on="2025-01-03", hundredths=250,
        session_id=9, demand_id=41,
    )  # fmt: skip

    response = await client.get(V1)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "items": [
            {
                "id": record_id,
                "hasAttended": True,
                "trainingId": training["id"],
                "trainingTitle": "Lead meetings",
                "trainingCategoryCode": "MGT",
                "providerId": provider["id"],
                "providerName": "Élan",
                "providerUrl": "https://elan.example/fr",
                "sessionStartOn": "2025-01-03",
                "sessionEndOn": "2025-01-04",
                "sessionDurationInHours": 2.5,
                "trainingDemandId": 41,
                "ownerId": 416,
            }
        ]
    }
    assert list(response.json()["items"][0]) == [
        "id", "hasAttended", "trainingId", "trainingTitle", "trainingCategoryCode", "providerId",
        "providerName", "providerUrl", "sessionStartOn", "sessionEndOn", "sessionDurationInHours",
        "trainingDemandId", "ownerId",
    ]  # fmt: skip


async def test_absent_values_are_omitted(client: httpx.AsyncClient) -> None:
    bare = await create_training(client, title="Bare")
    created = await create_realized_training(client, bare["id"], ownerId=7, durationInHours=0.07)

    response = await client.get(V1)

    assert response.json()["items"] == [
        {
            "id": created["id"],
            "hasAttended": True,
            "trainingId": bare["id"],
            "trainingTitle": "Bare",
            "sessionStartOn": "2025-01-04",
            "sessionEndOn": "2025-01-04",
            "sessionDurationInHours": 0.07,
            "ownerId": 7,
        }
    ]
    assert b'"sessionDurationInHours":0.07' in response.content


async def test_a_provider_without_website_and_a_category_without_code(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, name="Siteless", websiteHref=OMIT)
    category = await create_category(client)
    training = await create_training(client, providerId=provider["id"], categoryId=category["id"])
    await create_realized_training(client, training["id"])

    [item] = (await get_v1(client))["items"]

    assert (item["providerId"], item["providerName"]) == (provider["id"], "Siteless")
    assert "providerUrl" not in item
    assert "trainingCategoryCode" not in item


async def test_the_same_records_as_the_v2_list(client: httpx.AsyncClient, app: TalentTraining) -> None:
    training = await create_training(client)
    api_made = await create_realized_training(client, training["id"], ownerId=1)
    absent = await record(app, training["id"], 2, "2025-02-01", has_attended=False, session_id=3)

    v2 = (await client.get(REALIZED)).json()["items"]
    v1 = (await get_v1(client))["items"]

    assert [item["id"] for item in v1] == [item["id"] for item in v2] == [api_made["id"], absent]
    for old, new in zip(v1, v2, strict=True):
        assert old["hasAttended"] == new["hasAttended"]
        assert old["sessionEndOn"] == new["sessionEndsOn"]
        assert old["sessionDurationInHours"] == new["durationInHours"]
        assert old["trainingTitle"] == new["training"]["title"]
    assert "sessionId" not in v1[1]  # Lucca's v1 item has no sessionId, though it filters by it


# Deprecation headers --------------------------------------------------------------------------------------


async def test_every_answer_says_it_is_deprecated(client: httpx.AsyncClient) -> None:
    empty = await client.get(V1)
    refused = await client.get(V1, params={"sort": "title"})
    also_refused = await client.get(V1, params={"ownerId": "x"})

    assert empty.status_code == 200 and empty.json() == {"items": []}
    assert_problem(refused, 400, "sort")
    assert_problem(also_refused, 400, "ownerId")
    for response in (empty, refused, also_refused):
        assert_deprecated(response)


async def test_the_successor_is_not_deprecated(client: httpx.AsyncClient) -> None:
    response = await client.get(REALIZED)

    assert response.status_code == 200
    assert "Deprecation" not in response.headers


async def test_a_read_key_may_list_and_no_key_may_not(
    reader: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    assert (await get_v1(reader)) == {"items": []}
    refused = await anonymous.get(V1)
    assert_problem(refused, 401)
    assert_deprecated(refused)  # the route's headers go on the router's refusals too


# Accounts -----------------------------------------------------------------------------------------------


async def test_another_accounts_records_are_never_shown(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, app: TalentTraining
) -> None:
    mine = await create_realized_training(client, (await create_training(client))["id"], ownerId=5)
    theirs_training = await create_training(stranger)
    theirs = await create_realized_training(stranger, theirs_training["id"], ownerId=6)
    theirs_too = await record(
        app, theirs_training["id"], 5, "2025-03-01", account="other", session_id=77, has_attended=False
    )

    assert await v1_ids(client) == [mine["id"]]
    assert await v1_ids(client, {"ownerId": "5,6"}) == [mine["id"]]
    assert await v1_ids(client, {"sessionId": 77}) == []
    assert await v1_ids(client, {"hasAttended": "false"}) == []
    assert (await get_v1(client, {"fields.root": "count", "limit": 0}))["count"] == 1
    for sort in SORTS:
        assert await v1_ids(client, {"sort": sort}) == [mine["id"]]
    assert await v1_ids(stranger, {"sort": "-id"}) == [theirs_too, theirs["id"]]


# Filters ------------------------------------------------------------------------------------------------


@pytest.fixture
async def records(client: httpx.AsyncClient, app: TalentTraining) -> dict[str, int]:
    """Six records of two trainings: owners 1-3, sessions 10-12, one absence, end dates around 2025-02-01."""
    a = (await create_training(client))["id"]
    b = (await create_training(client))["id"]
    return {
        "api": (await create_realized_training(client, a, ownerId=1, sessionEndsOn="2025-01-31",
                                               sessionStartsOn="2025-01-30"))["id"],
        "s10": await record(app, a, 2, "2025-02-01", session_id=10, demand_id=100),
        "s10_absent": await record(app, b, 3, "2025-02-01", session_id=10, demand_id=101,
                                   has_attended=False),
        "s11": await record(app, b, 1, "2025-02-02", session_id=11, demand_id=102),
        "s12_absent": await record(app, a, 3, "2025-03-15", session_id=12, demand_id=103,
                                   has_attended=False),
        "s12": await record(app, b, 2, "2025-03-15", session_id=12, demand_id=104),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["api", "s10", "s10_absent", "s11", "s12_absent", "s12"]),
        ({"ownerId": "1"}, ["api", "s11"]),
        ({"ownerId": ["1", "3"]}, ["api", "s10_absent", "s11", "s12_absent"]),
        ({"ownerId": "1,3"}, ["api", "s10_absent", "s11", "s12_absent"]),
        ({"ownerId": ["1,2", "3"]}, ["api", "s10", "s10_absent", "s11", "s12_absent", "s12"]),
        ({"ownerId": "999"}, []),
        ({"sessionId": "10"}, ["s10", "s10_absent"]),
        ({"sessionId": ["10", "12"]}, ["s10", "s10_absent", "s12_absent", "s12"]),
        ({"sessionId": "11,12"}, ["s11", "s12_absent", "s12"]),
        ({"sessionId": "13"}, []),
        ({"hasAttended": "true"}, ["api", "s10", "s11", "s12"]),
        ({"hasAttended": "false"}, ["s10_absent", "s12_absent"]),
        ({"hasAttended": "FALSE"}, ["s10_absent", "s12_absent"]),
        ({"sessionEndOnAfter": "2025-01-31"}, ["s10", "s10_absent", "s11", "s12_absent", "s12"]),
        ({"sessionEndOnAfter": "2025-02-01"}, ["s11", "s12_absent", "s12"]),  # strictly after
        ({"sessionEndOnAfter": "2025-03-15"}, []),
        ({"sessionEndOnAfter": "2024-12-31"}, ["api", "s10", "s10_absent", "s11", "s12_absent", "s12"]),
        ({"ownerId": "3", "hasAttended": "false", "sessionId": "12"}, ["s12_absent"]),
        ({"ownerId": "1,2", "sessionEndOnAfter": "2025-02-01", "hasAttended": "true"}, ["s11", "s12"]),
    ],
)
async def test_filters(
    client: httpx.AsyncClient, records: dict[str, int], params: dict[str, Any], expected: list[str]
) -> None:
    page = await get_v1(client, {**params, "fields.root": "count"})

    assert [item["id"] for item in page["items"]] == [records[name] for name in expected]
    assert page["count"] == len(expected)


async def test_session_records_show_their_demand_and_absence(
    client: httpx.AsyncClient, records: dict[str, int]
) -> None:
    items = {item["id"]: item for item in (await get_v1(client, {"sessionId": "10"}))["items"]}

    assert items[records["s10"]]["trainingDemandId"] == 100
    assert items[records["s10"]]["hasAttended"] is True
    assert items[records["s10_absent"]]["trainingDemandId"] == 101
    assert items[records["s10_absent"]]["hasAttended"] is False


async def test_the_records_of_an_attendance_sheet_are_listed_with_their_session_and_demand(
    client: httpx.AsyncClient,
) -> None:
    world = await make_world(client)
    present = await registered_demand(client, world)
    absent = await registered_demand(client, world)
    other = await create_realized_training(client, world.training["id"])  # not of the session
    session_id = world.session["id"]
    sheet = {
        "items": [
            {"demandId": present["id"], "hasAttended": True},
            {"demandId": absent["id"], "hasAttended": False},
        ]
    }
    response = await client.post(f"{SESSIONS}/{session_id}/attendance", json=sheet)
    assert response.status_code == 200, response.text
    recorded = {item["trainingDemandId"]: item["id"] for item in response.json()["items"]}

    page = await get_v1(client, {"sessionId": str(session_id), "fields.root": "count"})

    assert page["count"] == 2
    items = {item["trainingDemandId"]: item for item in page["items"]}
    assert items.keys() == {present["id"], absent["id"]}
    for demand, attended in ((present, True), (absent, False)):
        item = items[demand["id"]]
        assert item["id"] == recorded[demand["id"]]
        assert item["hasAttended"] is attended
        assert item["ownerId"] == demand["owner"]["id"]
        assert item["trainingId"] == world.training["id"]
        assert (item["sessionStartOn"], item["sessionEndOn"]) == (
            world.session["startOn"],
            world.session["endOn"],
        )
        assert item["sessionDurationInHours"] == 14
    assert other["id"] not in {item["id"] for item in page["items"]}
    absences = await get_v1(client, {"sessionId": str(session_id), "hasAttended": "false"})
    assert [item["trainingDemandId"] for item in absences["items"]] == [absent["id"]]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ownerId", "abc"),
        ("ownerId", "0"),
        ("ownerId", "1,1"),
        ("ownerId", "2147483648"),
        ("ownerId", ""),
        ("sessionId", "-1"),
        ("sessionId", "1.5"),
        ("sessionId", "3,"),
        ("hasAttended", "yes"),
        ("hasAttended", "1"),
        ("hasAttended", ""),
        ("sessionEndOnAfter", "2025-02-30"),
        ("sessionEndOnAfter", "04/01/2025"),
        ("sessionEndOnAfter", "2025-1-4"),
        ("sort", "title"),
        ("sort", "sessionEndsOn"),
        ("sort", "--id"),
        ("sort", "+id"),
        ("sort", "ID"),
        ("limit", "101"),
        ("page", "garbage"),
        ("fields.root", "items"),
    ],
)
async def test_invalid_parameters_are_400_naming_them(
    client: httpx.AsyncClient, records: dict[str, int], name: str, value: str
) -> None:
    response = await client.get(V1, params={name: value})

    assert_problem(response, 400, name)
    assert_deprecated(response)


# Sorts and paging ---------------------------------------------------------------------------------------


def in_order(ends: dict[int, str], sort: str) -> list[int]:
    """The ids as the sort orders them: by id, or by last day then id; `-` reverses both."""
    field = sort.removeprefix("-")
    keys = {rid: (rid,) if field == "id" else (end, rid) for rid, end in ends.items()}
    return sorted(ends, key=keys.__getitem__, reverse=sort.startswith("-"))


@pytest.fixture
async def dated(client: httpx.AsyncClient, app: TalentTraining) -> dict[int, str]:
    """Seven records whose last days are out of id order, three of them on the same day: id -> last day."""
    training = (await create_training(client))["id"]
    ends = ["2025-03-01", "2025-01-15", "2025-03-01", "2024-12-31", "2025-02-10", "2025-03-01", "2025-06-30"]
    return {await record(app, training, owner, end): end for owner, end in enumerate(ends, start=1)}


@pytest.mark.parametrize("sort", [None, "", *SORTS])
async def test_each_sort_orders_the_whole_list(
    client: httpx.AsyncClient, dated: dict[int, str], sort: str | None
) -> None:
    params = {} if sort is None else {"sort": sort}

    ids = await v1_ids(client, params)

    assert ids == in_order(dated, sort or "id")
    if sort == "sessionEndOn":  # the three records of 2025-03-01, in id order
        tied = [rid for rid in ids if dated[rid] == "2025-03-01"]
        assert tied == sorted(tied) and len(tied) == 3


@pytest.mark.parametrize("sort", SORTS)
async def test_page_indexes_follow_the_sort(
    client: httpx.AsyncClient, dated: dict[int, str], sort: str
) -> None:
    expected = in_order(dated, sort)

    pages = [await v1_ids(client, {"sort": sort, "limit": 3, "page": n}) for n in range(4)]

    assert pages == [expected[0:3], expected[3:6], expected[6:], []]


async def walk(client: httpx.AsyncClient, sort: str, page: dict[str, Any], pointer: str) -> list[list[int]]:
    """The pages reached from `page` by following `pointer` to the end (`page` itself not included)."""
    pages: list[list[int]] = []
    while page[pointer] is not None:
        assert len(pages) < 20, "the walk does not end"
        page = await get_v1(
            client, {"sort": sort, "limit": 2, "page": page[pointer], "fields.root": ALL_ROOT}
        )
        assert page["items"], "a cursor led to an empty page"
        assert page["count"] == len(await v1_ids(client, {"limit": 100}))
        pages.append([item["id"] for item in page["items"]])
    return pages


@pytest.mark.parametrize("sort", SORTS)
async def test_cursors_walk_each_sort_forwards_and_backwards(
    client: httpx.AsyncClient, dated: dict[int, str], sort: str
) -> None:
    expected = in_order(dated, sort)
    first = await get_v1(client, {"sort": sort, "limit": 2, "fields.root": ALL_ROOT})

    forward = [[item["id"] for item in first["items"]], *await walk(client, sort, first, "next")]

    assert forward == [expected[0:2], expected[2:4], expected[4:6], expected[6:]]
    assert first["prev"] is None
    last = await get_v1(client, {"sort": sort, "limit": 2, "page": 3, "fields.root": ALL_ROOT})
    assert last["next"] is None
    backward = await walk(client, sort, last, "prev")
    assert backward == [expected[4:6], expected[2:4], expected[0:2]]


@pytest.mark.parametrize("sort", SORTS)
async def test_cursors_stay_right_when_records_are_added_between_pages(
    client: httpx.AsyncClient, app: TalentTraining, dated: dict[int, str], sort: str
) -> None:
    training = (await create_training(client))["id"]
    params = {"sort": sort, "limit": 2, "fields.root": ALL_ROOT}
    # Forwards: after the first page, a record at each end of the dates (one before the page, one after it
    # under a date sort; both after it under `id`, both before it under `-id`).
    first = await get_v1(client, params)
    seen = [item["id"] for item in first["items"]]
    dated[await record(app, training, 100, "2024-01-01")] = "2024-01-01"
    dated[await record(app, training, 101, "2025-12-31")] = "2025-12-31"
    expected = in_order(dated, sort)

    rest = await walk(client, sort, first, "next")

    assert [rid for page in rest for rid in page] == expected[expected.index(seen[-1]) + 1 :]
    # Backwards: from the last page, one step back, then a record at each end again.
    last = await get_v1(client, {**params, "page": 4})
    assert last["next"] is None
    previous = await get_v1(client, {**params, "page": last["prev"]})
    reached = [item["id"] for item in previous["items"]]
    dated[await record(app, training, 102, "2023-06-01")] = "2023-06-01"
    dated[await record(app, training, 103, "2026-06-01")] = "2026-06-01"
    expected = in_order(dated, sort)

    earlier = await walk(client, sort, previous, "prev")

    assert [rid for page in reversed(earlier) for rid in page] == expected[: expected.index(reached[0])]
    assert len({rid for page in earlier for rid in page} | set(reached)) == sum(map(len, earlier)) + 2


@pytest.mark.parametrize("sort", SORTS)
async def test_a_cursor_is_refused_under_another_sort(
    client: httpx.AsyncClient, dated: dict[int, str], sort: str
) -> None:
    cursor = (await get_v1(client, {"sort": sort, "limit": 2, "fields.root": "next"}))["next"]

    for other in SORTS:
        response = await client.get(V1, params={"sort": other, "limit": 2, "page": cursor})
        if other == sort:
            assert response.status_code == 200, response.text
        else:
            assert_problem(response, 400, "page")
            assert_deprecated(response)


async def test_a_cursor_keeps_its_position_under_other_filters(
    client: httpx.AsyncClient, dated: dict[int, str]
) -> None:
    expected = in_order(dated, "-sessionEndOn")
    cursor = (await get_v1(client, {"sort": "-sessionEndOn", "limit": 2, "fields.root": "next"}))["next"]
    later_than = "2025-01-15"

    page = await get_v1(client, {"sort": "-sessionEndOn", "page": cursor, "sessionEndOnAfter": later_than})

    assert [item["id"] for item in page["items"]] == [rid for rid in expected[2:] if dated[rid] > later_than]


@pytest.mark.parametrize("sort", SORTS)
async def test_pointers_are_null_at_both_ends_and_limit_zero_counts(
    client: httpx.AsyncClient, dated: dict[int, str], sort: str
) -> None:
    whole = await get_v1(client, {"sort": sort, "limit": 10, "fields.root": ALL_ROOT})
    counted = await get_v1(client, {"sort": sort, "limit": 0, "fields.root": ALL_ROOT})
    beyond = await get_v1(client, {"sort": sort, "limit": 3, "page": 9, "fields.root": ALL_ROOT})

    assert (whole["prev"], whole["next"], whole["count"]) == (None, None, 7)
    assert counted == {"items": [], "prev": None, "next": None, "count": 7}
    assert beyond == {"items": [], "prev": None, "next": None, "count": 7}
    assert set(await get_v1(client, {"sort": sort})) == {"items"}
