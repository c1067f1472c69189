"""`Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header) on every POST, PUT and PATCH of the API.

A client that retries a write after a timeout sends the same key again, and gets the first answer back, byte
for byte, instead of a second record. Per account and key, for `idempotency_ttl_s` (24 h):
- the first request with a key claims it (a row committed at once, so that every worker and replica sees it),
  runs, and stores its answer in the same transaction as its writes: both are kept, or neither;
- the same key with the same request (method, path, query and body: for an upload, the file's bytes, so a
  form resent with another boundary is the same request) gets the stored answer
  (`Idempotent-Replayed: true`); with another request, 422; while the first is still running, 409 with
  `Retry-After`;
- a refusal the same request would always get (4xx) is stored too; a failure a retry may cure (5xx, 503, 429)
  is not: the claim is dropped and the key may be sent again;
- a claim whose request never finished (its process died) is taken over once it is older than twice the
  request time limit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    and_,
    bindparam,
    delete,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as insert_or_ignore
from sqlalchemy.orm import Mapped, mapped_column
from starlette.responses import Response

from talent_training.db.base import Base, UTCDateTime, utcnow
from talent_training.db.database import Database
from talent_training.db.statements import Query
from talent_training.kit.problems import Conflict, DomainError, RuleViolation
from talent_training.web.errors import problem_for
from talent_training.web.params import read_body, read_upload, takes_upload
from talent_training.web.request import Endpoint, Request

HEADER = "idempotency-key"
METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_KEY = 255
RUNNING, DONE = "running", "done"


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (PrimaryKeyConstraint("account_id", "key", name="pk_idempotency_records"),)

    account_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


_THIS = and_(
    IdempotencyRecord.account_id == bindparam("account_id", type_=Integer),
    IdempotencyRecord.key == bindparam("key", type_=String),
)
_NOW = bindparam("now", type_=UTCDateTime)
# ON CONFLICT DO NOTHING, written with PostgreSQL's insert: SQLite compiles the same clause.
_CLAIM = Query(
    insert_or_ignore(IdempotencyRecord)
    .values(
        account_id=bindparam("account_id", type_=Integer),
        key=bindparam("key", type_=String),
        fingerprint=bindparam("fingerprint", type_=String),
        state=RUNNING,
        status=null(),
        content_type=null(),
        body=null(),
        created_at=_NOW,
        expires_at=bindparam("expires_at", type_=UTCDateTime),
    )
    .on_conflict_do_nothing()
    .returning(IdempotencyRecord.key)
)
_FOUND = Query(
    select(
        IdempotencyRecord.fingerprint,
        IdempotencyRecord.state,
        IdempotencyRecord.status,
        IdempotencyRecord.content_type,
        IdempotencyRecord.body,
        IdempotencyRecord.created_at,
        IdempotencyRecord.expires_at,
    ).where(_THIS)
)
_DROP_EXPIRED = Query(delete(IdempotencyRecord).where(_THIS, IdempotencyRecord.expires_at <= _NOW))
_TAKE_OVER = Query(
    update(IdempotencyRecord)
    .where(
        _THIS,
        IdempotencyRecord.state == RUNNING,
        IdempotencyRecord.created_at == bindparam("claimed_at", type_=UTCDateTime),
    )
    .values(created_at=_NOW)
    .returning(IdempotencyRecord.key)
)
_STORE = Query(
    update(IdempotencyRecord)
    .where(_THIS)
    .values(
        state=DONE,
        status=bindparam("status", type_=Integer),
        content_type=bindparam("content_type", type_=String),
        body=bindparam("body", type_=LargeBinary),
    )
)
_RELEASE = Query(delete(IdempotencyRecord).where(_THIS, IdempotencyRecord.state == RUNNING))
_PURGE = Query(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= _NOW))


def key_of(request: Request) -> str | None:
    """The header's key: a string (quoted, as the draft writes it, or bare) of 1 to 255 visible ASCII."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if not 0 < len(key) <= MAX_KEY or not all("!" <= c <= "~" for c in key):
        raise RuleViolation("Idempotency-Key", f"must be 1 to {MAX_KEY} visible ASCII characters")
    return key


async def once(request: Request, endpoint: Endpoint) -> Response:
    """The request path's step around a write's endpoint (web/routing.py)."""
    if request.method not in METHODS:
        return await endpoint(request)
    key = key_of(request)
    if key is None:
        return await endpoint(request)
    settings = request.settings
    if takes_upload(request):  # streamed to a temporary file, up to its own limit: only its digest is kept
        body = (await read_upload(request, settings.max_upload_bytes)).digest
    else:
        body = await read_body(request, settings.max_body_bytes)
    fingerprint = _fingerprint(request, body)
    database = request.state_of_app.database
    where = {"account_id": request.principal.account_id, "key": key}
    replay = await _claim(
        database, where, fingerprint, settings.idempotency_ttl_s, 2 * settings.request_timeout_s
    )
    if replay is not None:
        return replay
    try:
        async with request.transaction() as tx:
            response = await endpoint(request)
            await tx.execute(_STORE, {**where, **_stored(response)})
        return response
    except DomainError as refusal:  # a 4xx: nothing was written; the same request always meets it
        answer = problem_for(refusal)
        async with database.transaction() as tx:
            await tx.execute(_STORE, {**where, **_stored(answer)})
        return answer
    except BaseException:  # a retry may do better: let it
        async with database.transaction() as tx:
            await tx.execute(_RELEASE, where)
        raise


def _fingerprint(request: Request, body: bytes) -> str:
    scope = request.scope
    request_line = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode('latin-1')}\n"
    return hashlib.sha256(request_line.encode() + body).hexdigest()


def _stored(response: Response) -> dict[str, Any]:
    return {"status": response.status_code, "content_type": response.media_type, "body": bytes(response.body)}


async def _claim(
    database: Database, where: dict[str, Any], fingerprint: str, ttl_s: float, abandoned_s: float
) -> Response | None:
    """None once the key is ours to run; else the answer to give instead (a replay, 409 or 422)."""
    now = utcnow()
    async with database.transaction() as tx:
        claim = {
            **where,
            "fingerprint": fingerprint,
            "now": now,
            "expires_at": now + timedelta(seconds=ttl_s),
        }
        if await tx.one(_CLAIM, claim) is not None:
            return None
        found = await tx.one(_FOUND, where)
        if found is None or found.expires_at <= now:  # gone meanwhile, or expired: claim afresh
            await tx.execute(_DROP_EXPIRED, {**where, "now": now})
            if await tx.one(_CLAIM, claim) is not None:
                return None
            found = await tx.one(_FOUND, where)
            assert found is not None
    if found.fingerprint != fingerprint:
        return problem_for(
            _Unprocessable("This Idempotency-Key was first sent with another request: use a new key.")
        )
    if found.state == DONE:
        replay = Response(found.body, status_code=found.status, media_type=found.content_type)
        replay.headers["Idempotent-Replayed"] = "true"
        return replay
    if now - found.created_at > timedelta(seconds=abandoned_s):
        async with database.transaction() as tx:
            taken = await tx.one(_TAKE_OVER, {**where, "now": now, "claimed_at": found.created_at})
        if taken is not None:
            return None
    refusal = problem_for(
        Conflict("A request with this Idempotency-Key is still being processed: retry later.")
    )
    refusal.headers["Retry-After"] = "1"
    return refusal


class _Unprocessable(DomainError):
    status = 422


async def purge(database: Database) -> int:
    """Forget every expired key."""
    async with database.transaction() as tx:
        return await tx.execute(_PURGE, {"now": utcnow()})
