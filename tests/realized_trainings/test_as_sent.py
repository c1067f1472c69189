"""The two calls integrators make most, as clients really make them: bodies sent in chunks, wrong keys,
keys of other accounts, read keys that try to write."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import httpx
import orjson

from talent_training.accounts.service import revoke_api_key
from talent_training.app import TalentTraining
from tests.factories import (
    REALIZED,
    assert_problem,
    count,
    create_realized_training,
    create_training,
    realized_body,
)

# A body read wrong would leave the server waiting for more: fail, do not hang.
BODY_DEADLINE_S = 10


def in_chunks(body: bytes, size: int = 7) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), size):
            yield body[start : start + size]

    return chunks()


async def test_get_list_and_post_answer_the_same_record(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    created = await create_realized_training(client, training["id"], durationInHours=0.07)

    fetched = await client.get(f"{REALIZED}/{created['id']}")
    listed = await client.get(REALIZED)

    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/json"
    assert fetched.json() == created == listed.json()["items"][0]
    assert b'"durationInHours":0.07' in fetched.content


async def test_a_revoked_key_is_refused_on_the_next_get(make_client: object, app: TalentTraining) -> None:
    writer = await make_client("write")  # type: ignore[operator]
    created = await create_realized_training(writer, (await create_training(writer))["id"])
    url = f"{REALIZED}/{created['id']}"
    assert (await writer.get(url)).status_code == 200
    key_prefix = writer.headers["Authorization"].split("_")[1]

    async with app.database.transaction() as tx:
        assert await revoke_api_key(tx, key_prefix, by="test")

    assert_problem(await writer.get(url), 401)


async def test_wrong_keys_and_other_accounts_are_refused(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await create_realized_training(client, (await create_training(client))["id"])
    url = f"{REALIZED}/{created['id']}"
    wrong_secret = client.headers["Authorization"][:-4] + "AAAA"

    assert_problem(await stranger.get(url), 404)
    assert_problem(await anonymous.get(url), 401)
    assert_problem(await anonymous.get(url, headers={"Authorization": wrong_secret}), 401)
    assert_problem(await client.get(f"{REALIZED}/{created['id'] + 1}"), 404)
    assert_problem(await client.get(f"{REALIZED}/2147483648"), 404)
    assert_problem(await client.get(f"{REALIZED}/0{created['id']}"), 404)


async def test_a_post_sent_in_chunks_is_recorded_once(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    body = orjson.dumps(realized_body(training["id"], durationInHours=0.07))

    response = await client.post(
        REALIZED, content=in_chunks(body), headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 201, response.text
    assert response.json() == (await client.get(f"{REALIZED}/{response.json()['id']}")).json()
    assert await count(client, REALIZED) == 1


async def test_a_refused_post_sent_in_chunks_names_its_field(client: httpx.AsyncClient) -> None:
    # The whole body is read, chunk by chunk, before the rule fails: the answer names the field (a body
    # read short would be 400 on `body`).
    training = await create_training(client)
    future = orjson.dumps(realized_body(training["id"], sessionEndsOn="2999-01-01"))
    duplicate = orjson.dumps(realized_body(training["id"]))
    await client.post(REALIZED, content=duplicate, headers={"Content-Type": "application/json"})
    headers = {"Content-Type": "application/json"}

    with anyio.fail_after(BODY_DEADLINE_S):
        too_late = await client.post(REALIZED, content=in_chunks(future), headers=headers)
        again = await client.post(REALIZED, content=in_chunks(duplicate), headers=headers)

    assert_problem(too_late, 400, "sessionEndsOn")
    assert_problem(again, 409, "sessionEndsOn")
    assert await count(client, REALIZED) == 1


async def test_a_read_key_may_not_post(make_client: object) -> None:
    writer = await make_client("write")  # type: ignore[operator]
    reader = await make_client("read")  # type: ignore[operator]
    training = await create_training(writer)

    assert_problem(await reader.post(REALIZED, json=realized_body(training["id"])), 403)
    assert await count(writer, REALIZED) == 0
