"""/health and /ready: unauthenticated, terse, and honest about the database."""

from __future__ import annotations

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine


async def test_health_answers_without_a_key(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_when_the_schema_is_current(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


async def test_not_ready_while_the_schema_is_behind(anonymous: httpx.AsyncClient, database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("UPDATE alembic_version SET version_num = '0000'"))
    await engine.dispose()

    response = await anonymous.get("/ready")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "migrate" in response.json()["detail"]
