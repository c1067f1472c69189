"""`/health` (the process answers) and `/ready` (the database answers and its schema is current).

Unauthenticated, so they reveal nothing but that: no versions, no URLs, no error texts.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from talent_training.db.migrate import head_revision, schema_revision
from talent_training.kit.json import JSONResponse
from talent_training.kit.problems import problem_response

router = APIRouter(tags=["Operations"])


@router.get("/health", operation_id="ops.health", summary="The process is alive")
async def health() -> Response:
    return JSONResponse({"status": "ok"})


@router.get("/ready", operation_id="ops.ready", summary="The database is reachable and its schema current")
async def ready(request: Request) -> Response:
    try:
        current = await schema_revision(request.app.state.database)
    except Exception:  # whatever the failure, the answer is "not ready"
        return problem_response(503, "The database is unreachable.", headers={"Retry-After": "1"})
    if current != head_revision():
        return problem_response(503, "The database schema is not current: run talent-training migrate.")
    return JSONResponse({"status": "ready"})
