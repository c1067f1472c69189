"""/health and /ready: unauthenticated, terse, and honest about the database."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from talent_training.app import TalentTraining
from talent_training.db.statements import Query

_SCHEMA_BEHIND = Query(
    sa.update(sa.table("alembic_version", sa.column("version_num"))).values(version_num="0000")
)


async def test_health_answers_without_a_key(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_when_the_schema_is_current(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


async def test_not_ready_while_the_schema_is_behind(
    anonymous: httpx.AsyncClient, app: TalentTraining
) -> None:
    async with app.database.transaction() as tx:
        await tx.execute(_SCHEMA_BEHIND)

    response = await anonymous.get("/ready")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "migrate" in response.json()["detail"]
