"""GET by id answered by the shortcut in front of the app (realized_trainings/fast_path.py): it must
answer exactly what the full application would, and hand everything else over."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from talent_training.accounts.service import revoke_api_key
from tests.factories import REALIZED, assert_problem, create_realized_training, create_training


async def test_the_answer_is_the_full_applications_own(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    created = await create_realized_training(client, training["id"], durationInHours=0.07)

    fetched = await client.get(f"{REALIZED}/{created['id']}")
    listed = await client.get(REALIZED)

    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/json"
    assert fetched.json() == created == listed.json()["items"][0]
    assert b'"durationInHours":0.07' in fetched.content


async def test_a_revoked_key_is_refused_on_the_next_get(make_client: object, app: FastAPI) -> None:
    writer = await make_client("write")  # type: ignore[operator]
    created = await create_realized_training(writer, (await create_training(writer))["id"])
    url = f"{REALIZED}/{created['id']}"
    assert (await writer.get(url)).status_code == 200
    key_prefix = writer.headers["Authorization"].split("_")[1]

    assert await revoke_api_key(app.state.database, key_prefix)

    assert_problem(await writer.get(url), 401)


async def test_wrong_keys_and_other_accounts_get_the_full_applications_errors(
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
