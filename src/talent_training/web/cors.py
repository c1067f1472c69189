"""CORS, off unless an allow-list of origins is set (`cors_origins`): Starlette's middleware, whose refusals
of a preflight are problem documents like every other refusal of ours."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from talent_training.web.observe import EXPOSED_HEADERS
from talent_training.web.responses import problem_response


class Cors(CORSMiddleware):
    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code == 200:  # Starlette says "OK" in text; an empty 204 says as much
            allowed = [(n, v) for n, v in answer.raw_headers if n not in (b"content-type", b"content-length")]
            granted = Response(status_code=204)
            granted.raw_headers = allowed
            return granted
        # "Disallowed CORS origin, method": which of the request's fields are not allowed.
        refused = bytes(answer.body).decode().removeprefix("Disallowed CORS ")
        return problem_response(
            400, f"This cross-origin request is not allowed: its {refused} is not on the allow-list."
        )
