"""Answers: JSON rendered once by orjson, RFC 9457 problem details, and files streamed as they are written
(a list's export, chosen by `Accept`)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from talent_training.imports.reading import FileFormat
from talent_training.imports.writing import CSV_MEDIA_TYPE, MEDIA_TYPES, XLSX_MEDIA_TYPE
from talent_training.kit.clock import today
from talent_training.kit.paging import Page, PageRequest, envelope
from talent_training.web.request import Request

logger = logging.getLogger("talent_training")
JSON_MEDIA_TYPE = "application/json"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def json_response(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type=JSON_MEDIA_TYPE)


async def page_response(
    request: Request, page: PageRequest, result: Page[Any], view: Callable[[Any], dict[str, Any]]
) -> Response:
    """A list's answer: its items as `view` writes them, in Lucca's envelope (`fields.root`, cursors)."""
    items = [view(row) for row in result.items]
    return json_response(envelope(items, result, page, await request.cursor_codec()))


def problem_response(
    status: int,
    detail: str,
    errors: Mapping[str, Sequence[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """`extensions`: members of the problem's own (RFC 9457 §3.2), such as a refused import's `report`."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = {field: list(messages) for field, messages in errors.items()}
    if extensions:
        body.update(extensions)
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


# Exports ----------------------------------------------------------------------------------------------------

# What a list answers besides JSON, in the order preferred when `Accept` weighs them the same.
_OFFERED: tuple[tuple[str, FileFormat | None], ...] = (
    (JSON_MEDIA_TYPE, None),
    (CSV_MEDIA_TYPE, FileFormat.CSV),
    (XLSX_MEDIA_TYPE, FileFormat.XLSX),
)
_JSON_AT_ONCE = frozenset(("", "*/*", JSON_MEDIA_TYPE))
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def requested_format(request: Request) -> FileFormat | None:
    """The file a list's client asks for by `Accept` (RFC 9110, 12.5.1), or None for the list's JSON page.

    Each offered type is weighed by the most specific range that matches it (`text/csv` before `text/*`
    before `*/*`), and the heaviest wins; JSON wins a tie, and when nothing offered is acceptable (a
    client sending `Accept: text/html` gets the JSON it always got, not a 406). No `Accept`, `*/*` and
    `application/json` are JSON."""
    header = ",".join(request.headers.getlist("accept"))
    if header in _JSON_AT_ONCE:  # what nearly every request sends: no parsing
        return None
    weights: dict[str, float] = {}
    for item in header.split(","):
        media_range, *parameters = item.split(";")
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                weight = float(value) if _QVALUE.fullmatch(value) else 0.0  # malformed: not acceptable
        weights[media_range.strip().lower()] = weight
    chosen, best = None, -1.0
    for media_type, file_format in _OFFERED:
        kind = media_type.split("/")[0]
        for media_range in (media_type, f"{kind}/*", "*/*"):
            if media_range in weights:
                if weights[media_range] > best:
                    chosen, best = file_format, weights[media_range]
                break
    return chosen if best > 0 else None


async def download_response(
    request: Request, chunks: AsyncGenerator[bytes, None], file_format: FileFormat, name: str
) -> Response:
    """A file streamed as `chunks` are produced, named `<name>-<today>.<csv|xlsx>`.

    The first chunk is awaited here, in the endpoint, before anything is sent: an error until then (the
    database down, a rule) is answered as any error is, problem+json, within the request's time limit. The
    rest streams after the answer has begun (the time limit then no longer applies: web/observe.py), and a
    failure then can only cut the stream. A client that takes no data for the read timeout is dropped."""
    try:
        first = await anext(chunks)
    except StopAsyncIteration:
        first = b""
    if request.method == "HEAD":  # the GET's headers, and nothing more read
        await chunks.aclose()
    day = today(request.settings.zone).isoformat()
    headers = {
        "Content-Disposition": f'attachment; filename="{name}-{day}.{file_format.value}"',
        "Vary": "Accept",
    }
    media_type = MEDIA_TYPES[file_format] + ("; charset=utf-8" if file_format is FileFormat.CSV else "")
    return Download(first, chunks, media_type, headers, stall_s=request.settings.read_timeout_s)


class ClientStalled(Exception):
    """Not a TimeoutError: that is an OSError, which Starlette reads as the client gone."""


class Download(StreamingResponse):
    """A streamed file whose generator is closed however the answer ends (sent, client gone, failed), so
    that the read block it holds ends with it, not whenever it is garbage-collected. A client that takes no
    chunk for `stall_s` is dropped: it would otherwise hold a database connection for as long as it liked."""

    def __init__(
        self,
        first: bytes,
        chunks: AsyncGenerator[bytes, None],
        media_type: str,
        headers: Mapping[str, str],
        stall_s: float,
    ) -> None:
        super().__init__(chunks, media_type=media_type, headers=headers)
        self._first = first
        self._chunks = chunks
        self._stall_s = stall_s

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        if self._first:
            await self._send(send, self._first)
        async for chunk in self._chunks:
            await self._send(send, chunk)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _send(self, send: Send, chunk: bytes) -> None:
        try:
            async with asyncio.timeout(self._stall_s):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except TimeoutError:
            raise ClientStalled(f"the client took no data for {self._stall_s:g} s") from None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except ClientDisconnect:
            raise
        except ClientStalled as stalled:
            logger.warning("the download was dropped: %s", stalled)
            raise
        except Exception:
            # Logged here, while the request's id is still set: the server only sees the stream cut.
            logger.error("the download was cut before its end", exc_info=True)
            raise
        finally:
            await self._chunks.aclose()
