"""The request time limit is on the time to answer once the file is in, not on the client's link: a file
sent more slowly than the limit is answered (the server's read timeout watches a body that stalls)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from talent_training.settings import Settings
from tests.bulk.import_helpers import CSV, REALIZED_IMPORT, csv_bytes, directory, import_settings, recorded
from tests.conftest import Databases

LIMIT_S = 0.5


@pytest.fixture
def settings(databases: Databases) -> Settings:
    return import_settings(databases.work_url, request_timeout_s=LIMIT_S, statement_timeout_s=LIMIT_S / 2)


async def test_an_upload_slower_than_the_time_limit_is_answered(client: httpx.AsyncClient) -> None:
    await directory(client)
    body = csv_bytes()
    quarter = len(body) // 4 + 1

    async def trickled() -> AsyncIterator[bytes]:
        for start in range(0, len(body), quarter):
            await asyncio.sleep(LIMIT_S * 0.6)  # four pauses: more than twice the limit in all
            yield body[start : start + quarter]

    response = await client.post(REALIZED_IMPORT, content=trickled(), headers={"Content-Type": CSV})

    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == 2
    assert len(await recorded(client)) == 2
