"""Answers: JSON rendered once by orjson, and RFC 9457 problem details."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

from talent_training.kit.paging import Page, PageRequest, envelope
from talent_training.web.request import Request

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
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = {field: list(messages) for field, messages in errors.items()}
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)
