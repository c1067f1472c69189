"""GET /v1/sessions (extension): filters by training, plan and status as it reads today, with paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from talent_training.app import TalentTraining
from tests.factories import assert_problem, count, create_training, list_ids
from tests.planning.helpers import SESSIONS, create_plan, create_session, day, open_session, patch_session


@pytest.fixture
async def by_status(client: httpx.AsyncClient) -> dict[str, int]:
    """One session reading each status today, of one training and plan."""
    training = (await create_training(client))["id"]
    plan = (await create_plan(client))["id"]
    draft = await create_session(client, training, plan, startOn=day(-1), endOn=day(1))
    opened = await open_session(client, training, plan, startOn=day(1), endOn=day(2))
    running = await open_session(client, training, plan, startOn=day(0), endOn=day(0))
    finished = await open_session(client, training, plan, startOn=day(-2), endOn=day(-1))
    closed = await open_session(client, training, plan, startOn=day(-2), endOn=day(0))
    assert (await patch_session(client, closed["id"], {"status": "Closed"})).status_code == 200
    return {
        "Draft": draft["id"],
        "Open": opened["id"],
        "Running": running["id"],
        "Finished": finished["id"],
        "Closed": closed["id"],
    }


async def test_every_session_is_listed_in_id_order_with_its_status(
    client: httpx.AsyncClient, by_status: dict[str, int]
) -> None:
    response = await client.get(SESSIONS)

    assert response.status_code == 200
    assert [(item["id"], item["status"]) for item in response.json()["items"]] == sorted(
        (session_id, status) for status, session_id in by_status.items()
    )
    for item in response.json()["items"]:
        assert (await client.get(f"{SESSIONS}/{item['id']}")).json() == item


@pytest.mark.parametrize("status", ["Draft", "Open", "Running", "Finished", "Closed"])
async def test_each_status_filters(client: httpx.AsyncClient, by_status: dict[str, int], status: str) -> None:
    response = await client.get(SESSIONS, params={"statuses": status, "fields.root": "count"})

    assert [item["id"] for item in response.json()["items"]] == [by_status[status]]
    assert response.json()["items"][0]["status"] == status
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"statuses": "Open,Running,Finished"},
        {"statuses": ["Open", "Running", "Finished"]},
        {"statuses": ["Finished", "Open,Running"]},
    ],
)
async def test_statuses_accept_repeated_and_comma_separated_values(
    client: httpx.AsyncClient, by_status: dict[str, int], params: dict[str, Any]
) -> None:
    expected = sorted(by_status[status] for status in ("Open", "Running", "Finished"))

    assert await list_ids(client, SESSIONS, params) == expected
    assert await count(client, SESSIONS, **params) == 3


async def test_every_status_at_once_is_every_session(
    client: httpx.AsyncClient, by_status: dict[str, int]
) -> None:
    params = {"statuses": "Draft,Open,Running,Finished,Closed"}

    assert await list_ids(client, SESSIONS, params) == sorted(by_status.values())


@pytest.mark.parametrize("value", ["Bogus", "open", "Draft,", "Draft,Draft", "", "Open,Nope"])
async def test_an_unknown_or_repeated_status_is_refused(
    client: httpx.AsyncClient, by_status: dict[str, int], value: str
) -> None:
    assert_problem(await client.get(SESSIONS, params={"statuses": value}), 400, "statuses")


async def test_filters_by_training_and_plan(client: httpx.AsyncClient) -> None:
    t1, t2, t3 = [(await create_training(client))["id"] for _ in range(3)]
    p1, p2 = [(await create_plan(client))["id"] for _ in range(2)]
    s11 = (await create_session(client, t1, p1))["id"]
    s21 = (await create_session(client, t2, p1))["id"]
    s22 = (await create_session(client, t2, p2))["id"]
    s32 = (await create_session(client, t3, p2))["id"]

    assert await list_ids(client, SESSIONS, {"trainingId": t2}) == [s21, s22]
    assert await list_ids(client, SESSIONS, {"trainingId": f"{t1},{t3}"}) == [s11, s32]
    assert await list_ids(client, SESSIONS, [("trainingId", t1), ("trainingId", t3)]) == [s11, s32]
    assert await list_ids(client, SESSIONS, {"planId": p1}) == [s11, s21]
    assert await list_ids(client, SESSIONS, [("planId", p1), ("planId", p2)]) == [s11, s21, s22, s32]
    assert await list_ids(client, SESSIONS, {"trainingId": t2, "planId": p2}) == [s22]
    assert await list_ids(client, SESSIONS, {"trainingId": t1, "planId": p2}) == []
    assert await count(client, SESSIONS, planId=p2) == 2


async def test_filters_combine_with_statuses(client: httpx.AsyncClient) -> None:
    t1, t2 = [(await create_training(client))["id"] for _ in range(2)]
    plan = (await create_plan(client))["id"]
    draft1 = (await create_session(client, t1, plan))["id"]
    open1 = (await open_session(client, t1, plan))["id"]
    await open_session(client, t2, plan)

    assert await list_ids(client, SESSIONS, {"trainingId": t1, "statuses": "Open"}) == [open1]
    assert await list_ids(client, SESSIONS, {"trainingId": t1, "statuses": "Draft,Running"}) == [draft1]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("trainingId", "abc"),
        ("trainingId", "0"),
        ("trainingId", "1,1"),
        ("planId", ""),
        ("planId", "2147483648"),
    ],
)
async def test_invalid_id_filters_are_refused(client: httpx.AsyncClient, name: str, value: str) -> None:
    assert_problem(await client.get(SESSIONS, params={name: value}), 400, name)


async def test_an_unknown_or_foreign_id_filters_to_nothing(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    training = (await create_training(client))["id"]
    plan = (await create_plan(client))["id"]
    await create_session(client, training, plan)

    assert await list_ids(stranger, SESSIONS, {"trainingId": training}) == []
    assert await list_ids(stranger, SESSIONS, {"planId": plan}) == []
    assert await list_ids(stranger, SESSIONS) == []


async def test_paging_under_a_status_filter_stays_right(client: httpx.AsyncClient) -> None:
    training = (await create_training(client))["id"]
    plan = (await create_plan(client))["id"]
    running = []
    for n in range(7):
        if n % 2:
            running.append((await open_session(client, training, plan, startOn=day(-1), endOn=day(1)))["id"])
        else:
            await open_session(client, training, plan, startOn=day(1), endOn=day(2))
    params: dict[str, Any] = {"statuses": "Running", "limit": 2, "fields.root": "next,prev,count"}

    first = (await client.get(SESSIONS, params=params)).json()
    second = (await client.get(SESSIONS, params={**params, "page": first["next"]})).json()
    back = (await client.get(SESSIONS, params={**params, "page": second["prev"]})).json()

    assert first["count"] == 3
    assert [item["id"] for item in first["items"]] == running[:2]
    assert [item["id"] for item in second["items"]] == running[2:]
    assert second["next"] is None
    assert [item["id"] for item in back["items"]] == running[:2]
    assert back["prev"] is None
    assert await list_ids(client, SESSIONS, {"statuses": "Running", "limit": 2, "page": 1}) == running[2:]
    assert await list_ids(client, SESSIONS, {"statuses": "Open", "limit": 100}) == sorted(
        set(await list_ids(client, SESSIONS, {"limit": 100})) - set(running)
    )


async def test_a_read_key_lists(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, app: TalentTraining
) -> None:
    training = (await create_training(client))["id"]
    plan = (await create_plan(client))["id"]
    created = await create_session(client, training, plan)

    assert (await reader.get(SESSIONS, params={"statuses": "Draft"})).json()["items"] == [created]
