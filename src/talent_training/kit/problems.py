"""The errors a request can meet, named by what went wrong; web/errors.py turns them into RFC 9457 problem
details, once. Services raise `NotFound`, `Conflict` or `RuleViolation`; nothing below the HTTP layer builds
a response."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    status: int = 400

    def __init__(self, detail: str, errors: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = {field: list(messages) for field, messages in (errors or {}).items()}

    @property
    def headers(self) -> dict[str, str]:
        """Headers the answer must carry (`WWW-Authenticate` on 401, `Allow` on 405)."""
        return {}


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

    def __init__(self, what: str | None = None) -> None:
        super().__init__(f"{what} was not found." if what else "No such resource.")


class Conflict(DomainError):
    status = 409

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail, {field: [detail]} if field else None)


class Unauthenticated(DomainError):
    status = 401

    def __init__(self, detail: str, scheme: str = "lucca") -> None:
        super().__init__(detail)
        self.scheme = scheme

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.scheme}


class Forbidden(DomainError):
    status = 403


class MethodNotAllowed(DomainError):
    status = 405

    def __init__(self, allowed: list[str]) -> None:
        super().__init__("Method not allowed on this resource.")
        self.allowed = allowed

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class PayloadTooLarge(DomainError):
    status = 413


class UnsupportedMediaType(DomainError):
    status = 415
