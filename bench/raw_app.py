"""The limit for any DB-backed Python endpoint: a bare ASGI app (uvicorn, asyncpg, orjson) making the same
statements as talent-training and answering the same JSON, and nothing else (no framework, no validation,
no error handling):
- GET /talent-training/api/v2/realized-trainings/{id}: the same primary-key select (talent-training's also
  checks the key in it; this one checks none);
- POST /talent-training/api/v2/realized-trainings: the same two statements, the key check (SHA-256 compared
  in constant time) and the one-statement insert of the training's record.

Run: uvicorn bench.raw_app:app --workers N  (BENCH_DSN=postgresql://... in the environment)
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
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
KEY = """
SELECT account_id, secret_sha256 FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL
"""
RECORD = """
WITH training AS (
  SELECT t.account_id, t.id, t.state, t.title, t.category_id, t.level, p.website_href
  FROM trainings t
  LEFT JOIN providers p ON p.account_id = t.account_id AND p.id = t.provider_id
  WHERE t.account_id = $1 AND t.id = $2
), inserted AS (
  INSERT INTO realized_trainings (account_id, owner_id, training_id, session_starts_on, session_ends_on,
                                  duration_hundredths, has_attended, created_at)
  SELECT account_id, $3, id, $4, $5, $6, true, $7 FROM training WHERE state = 'Ready'
  RETURNING realized_trainings.id
)
SELECT training.title, training.category_id, training.level, training.website_href, inserted.id AS new_id
FROM training LEFT JOIN inserted ON true
"""
ACCOUNT_ID = 1
pool: asyncpg.Pool | None = None


def _json(row: Mapping[str, Any]) -> bytes:
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


async def _post(scope: dict[str, Any], receive: Any) -> tuple[int, bytes]:
    assert pool is not None
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    data = orjson.loads(b"".join(chunks))
    header = dict(scope["headers"])[b"authorization"].decode("latin-1")
    _, prefix, secret = header.removeprefix("lucca application=").split("_", 2)
    key = await pool.fetchrow(KEY, prefix)
    if key is None or not hmac.compare_digest(
        key["secret_sha256"], hashlib.sha256(secret.encode()).hexdigest()
    ):
        return 401, b"{}"
    recorded = {
        "owner_id": data["ownerId"],
        "training_id": data["trainingId"],
        "session_starts_on": date.fromisoformat(data["sessionStartsOn"]),
        "session_ends_on": date.fromisoformat(data["sessionEndsOn"]),
        "duration_hundredths": round(data["durationInHours"] * 100),
        "has_attended": True,
    }
    row = await pool.fetchrow(
        RECORD,
        key["account_id"],
        recorded["training_id"],
        recorded["owner_id"],
        recorded["session_starts_on"],
        recorded["session_ends_on"],
        recorded["duration_hundredths"],
        datetime.now(UTC),
    )
    return 201, _json({**row, **recorded, "id": row["new_id"]})


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
    if scope["method"] == "POST":
        status, body = await _post(scope, receive)
    else:
        row = await pool.fetchrow(QUERY, ACCOUNT_ID, int(scope["path"].rsplit("/", 1)[1]))
        status, body = (200, _json(row)) if row is not None else (404, b"{}")
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})
