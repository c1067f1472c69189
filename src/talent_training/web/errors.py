"""Every error a request meets, turned into its answer in this one place.

- `DomainError` (kit/problems.py): its status, detail and fields, as problem+json.
- The database unavailable or busy (db/errors.py): 503 with `Retry-After`, the detail saying which; a client
  cannot cause these and a retry may cure them. (A dead connection has already renewed the pool.)
- Anything else is a bug of ours: 500, logged with its traceback; the client learns nothing of it.
"""

from __future__ import annotations

import logging

from starlette.responses import Response

from talent_training.db.errors import Busy, Unavailable
from talent_training.kit.problems import DomainError
from talent_training.web.responses import problem_response

logger = logging.getLogger("talent_training")
RETRY_AFTER_S = "1"


def problem_for(error: Exception) -> Response:
    if isinstance(error, DomainError):
        return problem_response(error.status, error.detail, error.errors, error.headers or None)
    if isinstance(error, Busy):
        logger.warning("database busy: %s", error)
        return problem_response(
            503, "The service is busy; try again shortly.", headers={"Retry-After": RETRY_AFTER_S}
        )
    if isinstance(error, Unavailable):
        logger.error("database unavailable: %s", error)
        return problem_response(
            503, "The database is unavailable; try again shortly.", headers={"Retry-After": RETRY_AFTER_S}
        )
    logger.error("unexpected error", exc_info=error)
    return problem_response(500, "An unexpected error occurred; it has been logged.")
