"""Identical concurrent creations: the database's unique constraint lets exactly one through."""

from __future__ import annotations

import asyncio

import httpx

from tests.factories import create_training

URL = "/talent-training/api/v2/realized-trainings"


async def test_sixteen_identical_posts_end_as_one_201_and_fifteen_409(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    body = {
        "ownerId": 416,
        "trainingId": training["id"],
        "sessionStartsOn": "2025-01-04",
        "sessionEndsOn": "2025-01-04",
        "durationInHours": 14,
    }

    responses = await asyncio.gather(*(client.post(URL, json=body) for _ in range(16)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 15
    listed = await client.get(URL, params={"fields.root": "count"})
    assert listed.json()["count"] == 1
