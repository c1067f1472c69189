"""`Idempotency-Key` on POST, PUT and PATCH: a retried write is answered, not done twice."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from talent_training.app import TalentTraining, create_app
from talent_training.settings import Settings
from tests.conftest import ClientFactory, http_client, new_key
from tests.factories import (
    PROVIDERS,
    TRAININGS,
    assert_problem,
    count,
    create_training,
    provider_body,
    training_body,
)


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def test_a_retry_gets_the_first_answer_byte_for_byte_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    body = training_body()
    first = await client.post(TRAININGS, json=body, headers=keyed("retry-1"))
    again = await client.post(TRAININGS, json=body, headers=keyed("retry-1"))

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await count(client, TRAININGS) == 1


async def test_without_a_key_each_post_is_a_new_record(client: httpx.AsyncClient) -> None:
    body = training_body()
    await client.post(TRAININGS, json=body)
    await client.post(TRAININGS, json=body)

    assert await count(client, TRAININGS) == 2


async def test_the_same_key_with_another_body_is_422(client: httpx.AsyncClient) -> None:
    assert (await client.post(TRAININGS, json=training_body(), headers=keyed("k"))).status_code == 201

    refused = await client.post(TRAININGS, json=training_body(), headers=keyed("k"))

    body = assert_problem(refused, 422)
    assert "another request" in body["detail"]
    assert await count(client, TRAININGS) == 1


async def test_the_same_key_on_another_route_is_422(client: httpx.AsyncClient) -> None:
    await client.post(PROVIDERS, json=provider_body(name="Same"), headers=keyed("k"))

    assert_problem(await client.post(TRAININGS, json={"name": "Same"}, headers=keyed("k")), 422)


async def test_a_refusal_is_kept_and_replayed_too(client: httpx.AsyncClient) -> None:
    bad = training_body(title="")
    first = await client.post(TRAININGS, json=bad, headers=keyed("bad"))
    again = await client.post(TRAININGS, json=bad, headers=keyed("bad"))

    assert_problem(first, 400, "title")
    assert again.content == first.content and again.headers["idempotent-replayed"] == "true"


async def test_keys_belong_to_an_account(make_client: ClientFactory) -> None:
    mine, theirs = await make_client("write"), await make_client("write", account="other")
    body = training_body()

    await mine.post(TRAININGS, json=body, headers=keyed("shared-name"))
    answer = await theirs.post(TRAININGS, json=body, headers=keyed("shared-name"))

    assert answer.status_code == 201 and "idempotent-replayed" not in answer.headers
    assert await count(theirs, TRAININGS) == 1


async def test_patch_is_covered(client: httpx.AsyncClient) -> None:
    training = await create_training(client, title="Before")
    path = f"{TRAININGS}/{training['id']}"
    first = await client.patch(path, json={"title": "After"}, headers=keyed("p"))
    await client.patch(path, json={"title": "Meanwhile"})

    again = await client.patch(path, json={"title": "After"}, headers=keyed("p"))

    assert again.content == first.content  # the first answer, though the record moved on
    assert (await client.get(path)).json()["title"] == "Meanwhile"


@pytest.mark.parametrize("key", [b"", b" spaced", "é".encode(), b"x" * 256, b'""', b"a\tb"])
async def test_a_malformed_key_is_400_and_writes_nothing(client: httpx.AsyncClient, key: bytes) -> None:
    response = await client.post(TRAININGS, json=training_body(), headers={"Idempotency-Key": key})

    assert_problem(response, 400, "Idempotency-Key")
    assert await count(client, TRAININGS) == 0


async def test_gets_ignore_the_header(client: httpx.AsyncClient) -> None:
    assert (await client.get(TRAININGS, headers=keyed("g"))).status_code == 200
    assert (await client.get(TRAININGS, headers=keyed("g"))).headers.get("idempotent-replayed") is None


async def test_works_across_workers(database_url: str) -> None:
    """Two processes' applications on one database: the key lives in the database, not in a worker."""
    one = create_app(Settings(database_url=database_url))
    two = create_app(Settings(database_url=database_url))
    try:
        token = await new_key(one)
        body = training_body()
        async with http_client(one, token) as first, http_client(two, token) as second:
            created = await first.post(TRAININGS, json=body, headers=keyed("across"))
            replayed = await second.post(TRAININGS, json=body, headers=keyed("across"))
            assert replayed.content == created.content
            assert await count(second, TRAININGS) == 1
    finally:
        await one.close()
        await two.close()


@pytest.mark.postgresql_only
async def test_the_same_key_while_the_first_runs_is_409_then_replayed(
    committed_app: TalentTraining, database_url: str
) -> None:
    """The first request is held inside its transaction by a lock another session takes on its table."""
    token = await new_key(committed_app)
    blocker = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    body = training_body()
    try:
        async with http_client(committed_app, token) as client:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE trainings IN EXCLUSIVE MODE")
            first = asyncio.create_task(client.post(TRAININGS, json=body, headers=keyed("slow")))
            async with asyncio.timeout(30):
                while not await _waiting_on_a_lock(blocker):  # noqa: ASYNC110 -- another server's state
                    await asyncio.sleep(0.02)

            meanwhile = await client.post(TRAININGS, json=body, headers=keyed("slow"))
            await transaction.rollback()
            done = await first
            after = await client.post(TRAININGS, json=body, headers=keyed("slow"))

        assert_problem(meanwhile, 409)
        assert meanwhile.headers["retry-after"]
        assert done.status_code == 201
        assert after.content == done.content
    finally:
        await blocker.close()


async def _waiting_on_a_lock(connection: Any) -> bool:
    # Within a transaction (the blocker's), PostgreSQL keeps the first snapshot of its statistics views until
    # told otherwise: without this, a request that reached the lock after the first look was never seen.
    await connection.execute("SELECT pg_stat_clear_snapshot()")
    waiting = await connection.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return bool(waiting)


@pytest.mark.postgresql_only
async def test_a_retry_after_a_server_failure_runs_again(database_url: str) -> None:
    """A 503 is not kept: the claim is dropped, so the client's retry is a new attempt, which succeeds."""
    app = create_app(Settings(database_url=database_url, request_timeout_s=5, statement_timeout_s=0.3))
    blocker = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    body = training_body()
    try:
        token = await new_key(app)
        async with http_client(app, token) as client:
            async with blocker.transaction():
                await blocker.execute("LOCK TABLE trainings IN EXCLUSIVE MODE")
                failed = await client.post(TRAININGS, json=body, headers=keyed("r"))
            retried = await client.post(TRAININGS, json=body, headers=keyed("r"))

            assert_problem(failed, 503)
            assert "busy" in failed.json()["detail"]
            assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
            assert await count(client, TRAININGS) == 1
    finally:
        await blocker.close()
        await app.close()
