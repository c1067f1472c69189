"""The HTTP protocol the server runs: uvicorn's httptools protocol, with the limits it lacks.

uvicorn with httptools accepts request heads of any size and waits forever for a request that is sent slowly:
a client holding thousands of half-sent requests, or sending a 64 MB header, costs the service memory and
connections. Here:
- the request line and headers together may not exceed `max_header_bytes` (32 KiB), nor the headers number
  more than `max_headers` (100): 431, connection closed;
- a request's head must have arrived `read_timeout_s` (60 s) after its first byte, or after the connection
  opened or the previous answer went (an idle connection that sends nothing is closed too): 408, connection
  closed. Its body must have arrived `read_timeout_s` after its head, or the connection is closed without an
  answer (the application is reading it, sees the client gone, and writes nothing). The request time limit
  (web/observe.py, 30 s) usually ends a slow body first, with a 503. uvicorn's keep-alive timeout still
  closes an idle connection between requests sooner.
Settings are read once per process from the environment (`talent-training serve` exports them).

The deadline moves twice per request, so it is a `Deadline`: one event-loop timer per connection, moved
for the cost of an assignment. Setting and cancelling a libuv timer at each move cost about 2 µs each, 4 %
of a fast GET's CPU (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from talent_training.settings import Settings
from talent_training.web.observe import new_request_id

logger = logging.getLogger("talent_training.access")


class RequestTooLarge(Exception):
    pass


class Deadline:
    """`callback` is called `delay` after the last `start()`, unless `stop()` came first. One loop timer
    serves every move: when it fires early (the deadline moved on), it is set again for the new deadline.
    As the delay is always the same, a new deadline is never earlier than the timer already set."""

    __slots__ = ("_callback", "_delay", "_loop", "_timer", "due")

    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float, callback: Callable[[], None]) -> None:
        self._loop = loop
        self._delay = delay
        self._callback = callback
        self._timer: asyncio.TimerHandle | None = None
        self.due: float | None = None

    def start(self) -> None:
        self.due = due = self._loop.time() + self._delay
        if self._timer is None:
            self._timer = self._loop.call_at(due, self._fire)

    def stop(self) -> None:
        self.due = None

    def close(self) -> None:
        self.due = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        due = self.due
        if due is None:
            return
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._fire)
            return
        self.due = None
        self._callback()


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    _settings: Settings | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if LimitedHttpToolsProtocol._settings is None:
            LimitedHttpToolsProtocol._settings = Settings()
        settings = LimitedHttpToolsProtocol._settings
        self._max_header_bytes = settings.max_header_bytes
        self._max_headers = settings.max_headers
        self._head_bytes = 0
        # What the client owes by then: the head of a request, or its body.
        self._client_owes = Deadline(self.loop, settings.read_timeout_s, self._client_too_slow)
        self._too_large: RequestTooLarge | None = None

    def _client_too_slow(self) -> None:
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # The application is reading the body: it sees the client gone, and answers no one.
            self.transport.close()
            return
        self._refuse(408, "The request took too long to arrive.")

    def _refuse(self, status: int, message: str) -> None:
        reason = {400: b"Bad Request", 408: b"Request Timeout", 431: b"Request Header Fields Too Large"}[
            status
        ]
        body = (
            b'{"type":"about:blank","title":"' + reason + b'","status":' + str(status).encode() + b","
            b'"detail":"' + message.encode() + b'"}'
        )
        # Refused before the request path: the id is ours (the head may not be readable), and it is logged so
        # that a client quoting it can be found.
        request_id = new_request_id()
        logger.info("refused before the application: %d %s [%s]", status, message, request_id)
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: application/problem+json\r\ncontent-length: %d\r\n"
            b"x-request-id: %s\r\nconnection: close\r\n\r\n%s"
            % (status, reason, len(body), request_id.encode("ascii"), body)
        )
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._client_owes.start()

    def connection_lost(self, exc: Exception | None) -> None:
        self._client_owes.close()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """What uvicorn answers when the parser fails, a callback of ours included (httptools wraps what they
        raise): a problem document, 431 when the head was too large."""
        self._client_owes.stop()
        too_large = self._too_large
        if too_large is not None:
            self._refuse(431, str(too_large))
        else:
            self._refuse(400, "The request is not valid HTTP/1.1.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        if self._client_owes.due is None:
            self._client_owes.start()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)
        if len(self.headers) > self._max_headers:
            self._too_large = RequestTooLarge(f"More than {self._max_headers} header fields.")
            raise self._too_large

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self._max_header_bytes:
            self._too_large = RequestTooLarge(
                f"The request line and headers exceed {self._max_header_bytes} bytes."
            )
            raise self._too_large

    def on_headers_complete(self) -> None:
        self._client_owes.stop()
        super().on_headers_complete()
        if not self.transport.is_closing():
            self._client_owes.start()  # for its body; the message's end (at once without one) stops the clock

    def on_message_complete(self) -> None:
        self._client_owes.stop()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._client_owes.start()  # the next request's head
