"""Answers: JSON rendered once by orjson, and RFC 9457 problem details."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

JSON_MEDIA_TYPE = "application/json"
PROBLEM_MEDIA_TYPE = "application/problem+json"


def json_response(content: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type=JSON_MEDIA_TYPE)


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
