"""The two calls integrators make most, answered without the framework's routing and dependency machinery
when all is in order (see docs/benchmarks.md for why):

- `GET /talent-training/api/v2/realized-trainings/{id}`: one query checks the key and reads the record of its
  account; the answer is written by the full application's serialiser.
- `POST /talent-training/api/v2/realized-trainings`: the full application's own key check and endpoint
  function, called directly (same parsing, validation, rules and answer).

Anything but a success (no key, a bad, revoked or read-only key, an unknown id, an invalid body, a broken
rule, a malformed path, another method) is handed to the full application, with the body it sent replayed,
so every error answer is the full application's own; a failed request has written nothing, so the full
application's second attempt meets the same state. Only an unreachable database is answered here, with the
application's own 503, rather than waited for twice. The key is read on every request, so a revocation takes
effect on the very next one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

import orjson
from fastapi import FastAPI
from sqlalchemy import and_, bindparam
from sqlalchemy.exc import DBAPIError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talent_training.accounts.auth import authenticate, bearer_token
from talent_training.accounts.service import secret_matches, split_token
from talent_training.accounts.tables import ApiKey
from talent_training.db.database import Database
from talent_training.db.errors import is_unavailable
from talent_training.kit.problems import DomainError, unavailable_response, unexpected_response
from talent_training.kit.types import INT32_MAX
from talent_training.realized_trainings.repository import WITH_TRAINING
from talent_training.realized_trainings.router import create_realized_training, realized_training_json
from talent_training.realized_trainings.tables import RealizedTraining as RT

logger = logging.getLogger("talent_training")

COLLECTION = "/talent-training/api/v2/realized-trainings"
ONE = re.compile(re.escape(COLLECTION) + r"/([1-9][0-9]{0,9})")

_KEY_AND_RECORD = (
    WITH_TRAINING.add_columns(ApiKey.secret_sha256)
    .join(ApiKey, and_(ApiKey.account_id == RT.account_id, ApiKey.revoked_at.is_(None)))
    .where(ApiKey.prefix == bindparam("prefix"), RT.id == bindparam("id"))
)
_JSON = {"content-type": "application/json"}

Answer = Callable[[Scope, Receive], Awaitable[Response | None]]


class Replayable:
    """A request's `receive`, remembering what the shortcut read so that the full application reads it too."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._read: list[Message] = []

    async def __call__(self) -> Message:
        message = await self._receive()
        self._read.append(message)
        return message

    def replay(self) -> Receive:
        pending = list(self._read)

        async def receive() -> Message:
            return pending.pop(0) if pending else await self._receive()

        return receive


class Shortcuts:
    def __init__(self, app: ASGIApp, application: FastAPI, database: Database) -> None:
        self.app = app
        self.application = application
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer: Answer | None = None
        if scope["type"] == "http":
            if scope["method"] == "GET" and scope["path"].startswith(COLLECTION + "/"):
                answer = self._get_by_id
            elif scope["method"] == "POST" and scope["path"] == COLLECTION:
                answer = self._record
        if answer is not None:
            rest = await self._shortcut(answer, scope, receive, send)
            if rest is None:
                return
            receive = rest
        await self.app(scope, receive, send)

    async def _shortcut(self, answer: Answer, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """None once answered; otherwise the `receive` the full application must read the request from."""
        replayable = Replayable(receive)
        try:
            response = await answer(scope, replayable)
        except DomainError:
            response = None  # the full application answers it
        except ClientDisconnect:
            return None  # nobody is left to answer
        except Exception as exc:
            read_only = scope["method"] == "GET"
            if is_unavailable(exc):
                logger.error("database unavailable: %s: %s", exc.__class__.__name__, exc)
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                # A connection that just died: both pools are renewed. A read is tried afresh by the full
                # application; a write may or may not have been committed, so it is answered 503 as the full
                # application would.
                await self.database.connections_lost()
                response = None if read_only else unavailable_response()
            elif is_unavailable(exc):
                # Unreachable or out of connections: the full application would wait as long again.
                response = unavailable_response()
            elif read_only:
                response = None  # the full application meets the same fault and answers it
            else:
                logger.exception("unexpected error", exc_info=exc)  # never replayed: it may have written
                response = unexpected_response()
        if response is None:
            return replayable.replay()
        await response(scope, receive, send)
        return None

    async def _get_by_id(self, scope: Scope, _receive: Receive) -> Response | None:
        matched = ONE.fullmatch(scope["path"])
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
        return Response(orjson.dumps(realized_training_json(row)), headers=_JSON)

    async def _record(self, scope: Scope, receive: Receive) -> Response:
        # As the application would set it: endpoints read their settings there.
        scope["app"] = self.application
        request = Request(scope, receive)
        principal = await authenticate(request)
        return await create_realized_training(request, principal, self.database)
