"""The outermost step of the request path: every request gets an id, one access log line and its metrics,
whatever happens inside, a time limit, and every answer carries `X-Request-Id` (tests check that no answer
lacks it: an answer without it was served outside the one path) and the security headers:

- `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on every answer;
- `Cache-Control: no-store` on every answer to an authenticated request (a proxy or browser keeps no copy
  of an account's data), unless the answer says otherwise;
- `Strict-Transport-Security` when `hsts_max_age_s` is set (only behind TLS: docs/operations.md).

A request still running after `request_timeout_s` is stopped (its transaction rolled back) and answered 503,
by one clock per process (`TimeLimit`) rather than a timer per request.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from talent_training.kit.problems import DomainError
from talent_training.settings import Settings
from talent_training.web.errors import answer_for
from talent_training.web.logs import REQUEST_ID
from talent_training.web.metrics import Metrics

access_logger = logging.getLogger("talent_training.access")
logger = logging.getLogger("talent_training")
REQUEST_ID_HEADER = b"x-request-id"
UNMATCHED = "unmatched"  # the route label of a request that matched none (404)
_MAX_REQUEST_ID = 128
CLIENT_CLOSED = 499
# What a browser's script may read of an answer, when CORS is on.
EXPOSED_HEADERS = [
    "X-Request-Id",
    "Retry-After",
    "Idempotent-Replayed",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
    "Content-Disposition",  # an export's file name
]
_ALWAYS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
_NO_STORE = (b"cache-control", b"no-store")


class _TookTooLong(Exception):
    pass


class Stopped(DomainError):
    """A request stopped by the time limit: 503, to be retried."""

    status = 503

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


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
    return new_request_id()


def new_request_id() -> str:
    """Ours: the process's random prefix and a count, unique across workers and restarts."""
    return f"{_PROCESS_PREFIX}{next(_REQUESTS):016x}"


class TimeLimit:
    """Stops the requests that outlive `seconds`, up to a twentieth of it late. One clock per process looks at
    the running requests now and then, rather than a timer per request (`asyncio.timeout` costs about 5 µs,
    4 % of a fast GET's CPU: docs/benchmarks.md); a request costs a dict entry. The limit is the same for
    every request, so they are due in the order they started: the clock stops looking at the first one not
    yet due."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._tick = min(1.0, seconds / 20)
        self._due: dict[asyncio.Task[Any], float] = {}  # in the order they started
        self._stopped: set[asyncio.Task[Any]] = set()
        self._clock: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> asyncio.Task[Any]:
        """The request running in the current task starts now."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        assert task is not None
        self._due[task] = loop.time() + self.seconds
        if self._loop is not loop:  # a new loop (tests run one each): what ran on the old one is gone
            self._loop, self._clock = loop, None
            self._due = {task: due for task, due in self._due.items() if task.get_loop() is loop}
            self._stopped.clear()
        if self._clock is None:
            self._clock = loop.call_later(self._tick, self._look)
        return task

    def stopped(self, task: asyncio.Task[Any]) -> bool:
        """Whether the task was cancelled by this limit, and by nothing else (the cancellation is then taken
        back, so that the request can be answered)."""
        if task not in self._stopped:
            return False
        self._stopped.discard(task)
        del self._due[task]  # its 503 is not stopped in turn
        return task.uncancel() == 0

    def end(self, task: asyncio.Task[Any]) -> None:
        self._due.pop(task, None)
        if task in self._stopped:  # stopped as it was ending: the cancellation never reached it
            self._stopped.discard(task)
            task.uncancel()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The current request is not timed while the block runs, and has the whole limit again after it:
        the limit is on the time to answer once the body is in, not on the client's upload speed."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        if task is None or self._due.pop(task, None) is None:
            yield
            return
        try:
            yield
        finally:
            if task not in self._stopped:
                self._due[task] = loop.time() + self.seconds  # the latest due: the order holds

    def _look(self) -> None:
        loop = self._loop
        assert loop is not None
        now = loop.time()
        for task, due in self._due.items():
            if due > now:
                break
            if task not in self._stopped:
                self._stopped.add(task)
                task.cancel()
        self._clock = loop.call_later(self._tick, self._look) if self._due else None


class Observed:
    def __init__(self, app: ASGIApp, *, metrics: Metrics | None, settings: Settings) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = settings.access_log
        self.time_limit = TimeLimit(settings.request_timeout_s)
        self.always = list(_ALWAYS)
        if settings.hsts_max_age_s is not None:
            hsts = f"max-age={settings.hsts_max_age_s}; includeSubDomains".encode()
            self.always.append((b"strict-transport-security", hsts))

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
                # The limit is on the time to answer, not to download: a streamed export of a million rows
                # may take longer than a request is allowed to think (docs/exports.md).
                time_limit.end(task)
                headers = message.get("headers")
                if not isinstance(headers, list):  # else a response's own list, made for this answer
                    headers = [*(headers or ())]
                    message = {**message, "headers": headers}
                headers.append(id_header)
                headers.extend(self.always)
                if "principal" in scope and not any(name == b"cache-control" for name, _ in headers):
                    headers.append(_NO_STORE)
            elif head and message.get("body"):
                message = {**message, "body": b""}  # HEAD: the GET's headers, no body
            await send(message)

        time_limit = self.time_limit
        task = time_limit.start()
        try:
            try:
                await self.app(scope, receive, answer)
            except asyncio.CancelledError:
                if not self.time_limit.stopped(task):
                    raise
                raise _TookTooLong() from None
        except _TookTooLong:
            seconds = self.time_limit.seconds
            logger.error("request stopped after %g s: %s %s", seconds, scope["method"], scope["path"])
            if status:
                raise TimeoutError(f"stopped after {seconds:g} s, its answer begun") from None
            detail = f"The request took longer than {seconds:g} s and was stopped; nothing was changed."
            await answer_for(scope, Stopped(detail))(scope, receive, answer)
        except Exception as error:  # the router answers every error; this is a bug in a layer above it
            if status:
                raise
            await answer_for(scope, error)(scope, receive, answer)
        finally:
            self.time_limit.end(task)
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
