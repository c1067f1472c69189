"""The outermost step of the request path: every request gets an id, one access log line and its metrics,
whatever happens inside, and every answer carries `X-Request-Id` (tests check that no answer lacks it:
an answer without it was served outside the one path)."""

from __future__ import annotations

import itertools
import logging
import os
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talent_training.web.errors import problem_for
from talent_training.web.logs import REQUEST_ID
from talent_training.web.metrics import Metrics

access_logger = logging.getLogger("talent_training.access")
REQUEST_ID_HEADER = b"x-request-id"
UNMATCHED = "unmatched"  # the route label of a request that matched none (404)
_MAX_REQUEST_ID = 128
CLIENT_CLOSED = 499


# Ours: unique per process (a random prefix) and per request (a count), at the cost of a counter; request ids
# identify, they protect nothing, so they need not be unpredictable.
_PROCESS_PREFIX = os.urandom(8).hex()
_REQUESTS = itertools.count(1)


def _new_process() -> None:
    global _PROCESS_PREFIX, _REQUESTS
    _PROCESS_PREFIX, _REQUESTS = os.urandom(8).hex(), itertools.count(1)


os.register_at_fork(after_in_child=_new_process)  # a forked worker must not repeat its parent's ids


def request_id_of(scope: Scope) -> str:
    """The client's `X-Request-Id` when it is a sane token (1 to 128 visible ASCII characters), else ours."""
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            if 0 < len(value) <= _MAX_REQUEST_ID and all(0x21 <= byte <= 0x7E for byte in value):
                sane: str = value.decode("ascii")
                return sane
            break
    return f"{_PROCESS_PREFIX}{next(_REQUESTS):016x}"


class Observed:
    def __init__(self, app: ASGIApp, *, metrics: Metrics | None, access_log: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        id_header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        head = scope["method"] == "HEAD"
        status = 0

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers")
                if isinstance(headers, list):  # a response's own list, made for this answer
                    headers.append(id_header)
                else:
                    message = {**message, "headers": [*(headers or ()), id_header]}
            elif head and message.get("body"):
                message = {**message, "body": b""}  # HEAD: the GET's headers, no body
            await send(message)

        try:
            await self.app(scope, receive, answer)
        except Exception as error:  # the router answers every error; this is a bug in a layer above it
            if status:
                raise
            await problem_for(error)(scope, receive, answer)
        finally:
            # 499, as nginx says: the client went away before it could be answered.
            self._record(scope, status or CLIENT_CLOSED, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route: str = scope.get("route", UNMATCHED)
        if self.metrics is not None:
            self.metrics.request(scope["method"], route, status, seconds)
        if self.access_log and access_logger.isEnabledFor(logging.INFO):
            principal: Any = scope.get("principal")
            actor = principal.actor if principal is not None else "-"
            fields = {
                "method": scope["method"],
                "route": route,
                "path": scope["path"],
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "actor": actor,
            }
            access_logger.info(
                "%s %s %s %.2fms %s %s",
                fields["method"], route, status, fields["duration_ms"], actor, fields["path"],
                extra=fields,
            )  # fmt: skip
