"""The limit for any DB-backed Python endpoint: a bare ASGI app (uvicorn, asyncpg, orjson) answering
GET /talent-training/api/v2/realized-trainings/{id} with the same primary-key select and the same JSON as
talent-training, and nothing else (no auth, no framework, no validation).

Run: uvicorn bench.raw_app:app --workers N  (BENCH_DSN=postgresql://... in the environment)
"""

from __future__ import annotations

import os
from typing import Any

import asyncpg
import orjson

QUERY = """
SELECT rt.id, rt.owner_id, rt.training_id, rt.session_starts_on, rt.session_ends_on, rt.duration_hundredths,
       rt.has_attended, rt.training_demand_id, rt.session_id, t.title, t.category_id, t.level, p.website_href
FROM realized_trainings rt
JOIN trainings t ON t.account_id = rt.account_id AND t.id = rt.training_id
LEFT JOIN providers p ON p.account_id = t.account_id AND p.id = t.provider_id
WHERE rt.account_id = $1 AND rt.id = $2
"""
ACCOUNT_ID = 1
pool: asyncpg.Pool | None = None


def _json(row: asyncpg.Record) -> bytes:
    training: dict[str, Any] = {"id": row["training_id"], "title": row["title"]}
    if row["category_id"] is not None:
        training["categoryId"] = row["category_id"]
    if row["website_href"] is not None:
        training["providerUrl"] = row["website_href"]
    training["level"] = row["level"]
    whole, rest = divmod(row["duration_hundredths"], 100)
    out: dict[str, Any] = {
        "id": row["id"],
        "ownerId": row["owner_id"],
        "trainingId": row["training_id"],
        "training": training,
        "sessionStartsOn": row["session_starts_on"].isoformat(),
        "sessionEndsOn": row["session_ends_on"].isoformat(),
        "hasAttended": row["has_attended"],
        "durationInHours": whole if rest == 0 else row["duration_hundredths"] / 100,
    }
    return orjson.dumps(out)


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """No reset query when a connection goes back to the pool, as talent-training does (db/driver.py): one
    round trip less per request, so that the limit stays the limit."""


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                pool = await asyncpg.create_pool(
                    os.environ["BENCH_DSN"], min_size=4, max_size=20, reset=_keep_session
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if pool is not None:
                    await pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    assert pool is not None
    row = await pool.fetchrow(QUERY, ACCOUNT_ID, int(scope["path"].rsplit("/", 1)[1]))
    status, body = (200, _json(row)) if row is not None else (404, b"{}")
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})
