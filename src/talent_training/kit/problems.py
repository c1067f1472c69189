"""Domain errors, and their one translation into RFC 9457 problem details.

Services raise `NotFound`, `Conflict` or `RuleViolation`; nothing below the HTTP layer builds a response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"


class DomainError(Exception):
    status: int = 400

    def __init__(self, detail: str, errors: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = {field: list(messages) for field, messages in (errors or {}).items()}


class RuleViolation(DomainError):
    """The request breaks a rule of the contract: 400, naming the field."""

    status = 400

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", {field: [message]})


class InvalidRequest(DomainError):
    """Several fields are wrong at once: 400."""

    status = 400

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        fields = ", ".join(errors)
        super().__init__(f"The request is invalid: see {fields}.", errors)


class NotFound(DomainError):
    status = 404

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was not found.")


class Conflict(DomainError):
    status = 409

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail, {field: [detail]} if field else None)


class Unauthenticated(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class PayloadTooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415


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


def domain_error_response(error: DomainError) -> Response:
    headers = {"WWW-Authenticate": "lucca"} if error.status == 401 else None
    return problem_response(error.status, error.detail, error.errors, headers)


def unexpected_response() -> Response:
    return problem_response(500, "An unexpected error occurred; it has been logged.")


def unavailable_response() -> Response:
    return problem_response(
        503, "The database is unavailable; try again shortly.", headers={"Retry-After": "1"}
    )
