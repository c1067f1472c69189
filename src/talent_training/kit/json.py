"""JSON in and out: orjson for speed, exact decimals on the way in."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
import starlette.responses
from starlette.requests import Request

from talent_training.kit.problems import PayloadTooLarge, RuleViolation, UnsupportedMediaType


class JSONResponse(starlette.responses.JSONResponse):
    """Starlette's JSON response, rendered by orjson (several times faster on our payloads)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def _is_json_media_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def read_json_body(request: Request, max_bytes: int) -> Any:
    """The request's JSON document, numbers with a fraction as `Decimal` so that 0.07 stays 0.07."""
    content_type = request.headers.get("content-type")
    if content_type is not None and not _is_json_media_type(content_type):
        raise UnsupportedMediaType(f"Content-Type {content_type!r} is not supported: send application/json.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise RuleViolation("body", "A JSON object is required.")
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError, ArithmeticError) as exc:  # Decimal("1e9999999999999999999")
        raise RuleViolation("body", "The body is not valid JSON.") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
