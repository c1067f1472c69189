"""Reading a request: path ids, paging, array filters and JSON bodies, each refused with the field named."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from talent_training.kit.paging import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, parse_page_request
from talent_training.kit.problems import (
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RuleViolation,
    UnsupportedMediaType,
)
from talent_training.kit.types import INT32_MAX, int32_digits, parse_id_list, parse_query_int
from talent_training.web.request import Request

M = TypeVar("M", bound=BaseModel)


def path_id(request: Request, what: str, name: str = "id") -> int:
    """A path segment that is not an int32 id names no record: 404, as an unknown id would."""
    value: str = request.path_params[name]
    # Canonical digits only: `01` is no more an id than `1.0` is.
    if int32_digits(value) and not value.startswith("0") and int(value) <= INT32_MAX:
        return int(value)
    raise NotFound(f"{what} {value[:40]!r}")


def query(request: Request, name: str) -> str | None:
    value: str | None = request.query_params.get(name)
    return value


def id_list(request: Request, name: str) -> list[int] | None:
    """`ownerIds=1,2&ownerIds=3`: OpenAPI's repeated form and Lucca's comma list, mixed at will."""
    return parse_id_list(name, request.query_params.getlist(name))


async def page_request(request: Request) -> PageRequest:
    params = request.query_params
    limit = params.get("limit")
    items = DEFAULT_LIMIT if limit is None else parse_query_int("limit", limit, 0, MAX_LIMIT)
    return parse_page_request(
        params.get("page"), items, params.getlist("fields.root"), await request.cursor_codec()
    )


async def json_body(request: Request, model: type[M]) -> M:
    document = await read_json(request, request.settings.max_body_bytes)
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise InvalidRequest(validation_errors(exc, root="body")) from None


def validation_errors(exc: ValidationError, root: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        location = [str(part) for part in error["loc"]]
        field = ".".join(location) if location else root
        message = error["msg"].removeprefix("Value error, ")
        errors.setdefault(field, []).append(message)
    return errors


def _is_json_media_type(content_type: str) -> bool:
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return False
    name, _, charset = parameters.partition("=")
    return not name.strip() or name.strip().lower() != "charset" or charset.strip(' "').lower() == "utf-8"


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, refused (413) as soon as it is known to exceed `max_bytes`. Read once: every later
    read of the request's body gets the same bytes (Starlette keeps them)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and (len(declared) > 15 or int(declared) > max_bytes):
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # what Starlette's own `body()` keeps, so that `stream()` replays it
    return body


async def read_json(request: Request, max_bytes: int) -> Any:
    """The request's JSON document, numbers with a fraction as `Decimal` so that 0.07 stays 0.07.

    The body must say it is JSON (`Content-Type: application/json`, or any `+json` type) and be UTF-8, as
    RFC 8259 requires: a body sent without a type, or in UTF-16, is refused rather than guessed at. No body at
    all is the clearer mistake and says so (400)."""
    content_type = request.headers.get("content-type")
    if content_type is not None and not _is_json_media_type(content_type):
        raise UnsupportedMediaType(f"Content-Type {content_type!r} is not supported: send application/json.")
    raw = await read_body(request, max_bytes)
    if content_type is None and raw:
        raise UnsupportedMediaType("The body has no Content-Type: send application/json.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleViolation("body", "The body is not UTF-8.") from None
    if not text.strip():
        raise RuleViolation("body", "A JSON object is required.")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError, ArithmeticError) as exc:  # Decimal("1e9999999999999999999")
        raise RuleViolation("body", "The body is not valid JSON.") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
