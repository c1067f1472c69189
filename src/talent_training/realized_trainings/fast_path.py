"""`GET /talent-training/api/v2/realized-trainings/{id}`, the call integrators make most, answered in one
query and without the framework when all is in order: a valid, unrevoked key and a record of its account.

Anything else (no key, a bad or revoked key, an unknown id, a malformed path, another method) is handed to
the full application untouched, so every error answer is the full application's own; only an unreachable
database is answered here, with the application's own 503, rather than waited for twice. The key is checked in
the same query as the record is read, so a revocation still takes effect on the very next request; the
answer is serialised by the same function as the full application's. See docs/benchmarks.md for why.
"""

from __future__ import annotations

import re

import orjson
from sqlalchemy import and_, bindparam
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Receive, Scope, Send

from talent_training.accounts.auth import bearer_token
from talent_training.accounts.service import secret_matches, split_token
from talent_training.accounts.tables import ApiKey
from talent_training.db.database import Database
from talent_training.db.errors import is_unavailable
from talent_training.kit.problems import unavailable_response
from talent_training.kit.types import INT32_MAX
from talent_training.realized_trainings.repository import WITH_TRAINING
from talent_training.realized_trainings.router import realized_training_json
from talent_training.realized_trainings.tables import RealizedTraining as RT

PATH = re.compile(r"/talent-training/api/v2/realized-trainings/([1-9][0-9]{0,9})")

_KEY_AND_RECORD = (
    WITH_TRAINING.add_columns(ApiKey.secret_sha256)
    .join(ApiKey, and_(ApiKey.account_id == RT.account_id, ApiKey.revoked_at.is_(None)))
    .where(ApiKey.prefix == bindparam("prefix"), RT.id == bindparam("id"))
)
_HEADERS = [(b"content-type", b"application/json")]


class FastGetById:
    def __init__(self, app: ASGIApp, database: Database) -> None:
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            try:
                body = await self._answer(scope)
            except Exception as exc:
                if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                    # A connection that just died: both pools are renewed, and the full app tries afresh.
                    await self.database.connections_lost()
                elif is_unavailable(exc):
                    # Unreachable or out of connections: the full application would wait as long again.
                    await unavailable_response()(scope, receive, send)
                    return
                body = None
            if body is not None:
                headers = [*_HEADERS, (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope) -> bytes | None:
        matched = PATH.fullmatch(scope["path"])
        if matched is None or int(matched.group(1)) > INT32_MAX:
            return None
        header = next((value for name, value in scope["headers"] if name == b"authorization"), None)
        token = bearer_token(header.decode("latin-1")) if header is not None else None
        parts = split_token(token) if token is not None else None
        if parts is None:
            return None
        prefix, secret = parts
        row = await self.database.query_one(_KEY_AND_RECORD, {"prefix": prefix, "id": int(matched.group(1))})
        if row is None or not secret_matches(secret, row.secret_sha256):
            return None
        return orjson.dumps(realized_training_json(row))
