"""Every error a request meets, turned into its answer in this one place.

- `DomainError` (kit/problems.py): its status, detail and fields, as problem+json.
- The database unavailable or busy (db/errors.py): 503 with `Retry-After`, the detail saying which; a client
  cannot cause these and a retry may cure them. (A dead connection has already renewed the pool.)
- Anything else is a bug of ours: 500, logged with its traceback; the client learns nothing of it.

`failure_of` says what an error means; `problem_for` writes it as the API answers it. A mount may answer in
another format (the console's HTML pages: `Mount(errors=...)`, web/routing.py) from the same `Failure`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from talent_training.db.errors import Busy, Unavailable
from talent_training.kit.problems import DomainError
from talent_training.web.responses import problem_response

logger = logging.getLogger("talent_training")
RETRY_AFTER_S = "1"
# In the scope of a request whose mount answers errors in a format of its own (web/routing.py sets it), so
# that the answers written above the router (a request stopped for its time, a bug) take that format too.
ERROR_ANSWER = "talent_training.error_answer"


@dataclass(frozen=True, slots=True)
class Failure:
    """What an error means to the client, whatever the answer's format: problem+json for the API, a page for
    the console (console/pages.py)."""

    status: int
    detail: str
    errors: Mapping[str, Sequence[str]] | None = None
    headers: Mapping[str, str] | None = None


def failure_of(error: Exception) -> Failure:
    """The error's status, detail and headers; logged here when it is ours (500) or the database's (503)."""
    if isinstance(error, DomainError):
        return Failure(error.status, error.detail, error.errors, error.headers or None)
    if isinstance(error, Busy):
        logger.warning("database busy: %s", error)
        return Failure(503, "The service is busy; try again shortly.", headers={"Retry-After": RETRY_AFTER_S})
    if isinstance(error, Unavailable):
        logger.error("database unavailable: %s", error)
        return Failure(
            503, "The database is unavailable; try again shortly.", headers={"Retry-After": RETRY_AFTER_S}
        )
    logger.error("unexpected error", exc_info=error)
    return Failure(500, "An unexpected error occurred; it has been logged.")


def problem_for(error: Exception) -> Response:
    failure = failure_of(error)
    return problem_response(failure.status, failure.detail, failure.errors, failure.headers)


def answer_for(scope: Scope, error: Exception, request: Request | None = None) -> Response:
    """The error's answer in the format of its mount: problem+json unless the mount said otherwise."""
    answer = scope.get(ERROR_ANSWER)
    if answer is None:
        return problem_for(error)
    response: Response = answer(request or Request(scope), error)
    return response
