"""Identical concurrent creations: the database's unique constraint lets exactly one through."""

from __future__ import annotations

import asyncio

from tests.conftest import ClientFactory
from tests.factories import REALIZED, count, create_training, realized_body


async def test_sixteen_identical_posts_end_as_one_201_and_fifteen_409(
    make_committed_client: ClientFactory,
) -> None:
    # Committed, with the production pool: sixteen connections really race for the one row.
    client = await make_committed_client("write")
    training = await create_training(client)
    body = realized_body(training["id"])

    responses = await asyncio.gather(*(client.post(REALIZED, json=body) for _ in range(16)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 15
    assert await count(client, REALIZED) == 1
