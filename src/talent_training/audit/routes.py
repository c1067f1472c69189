"""GET /talent-training/api/v1/audit-events: the account's changes, readable with any of its keys, never
writable (there is no route that writes one: events are written by the changes themselves)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from starlette.responses import Response

from talent_training.audit import service, views
from talent_training.audit.service import RESOURCE_TYPES
from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import parse_query_int
from talent_training.web.params import page_request, query
from talent_training.web.request import Request
from talent_training.web.responses import page_response
from talent_training.web.routing import Routes

routes = Routes("/v1")


@routes.get("/audit-events", "ext.get-audit-events")
async def list_audit_events(request: Request) -> Response:
    page = await page_request(request)
    resource_type = query(request, "resourceType")
    if resource_type is not None and resource_type not in RESOURCE_TYPES:
        raise RuleViolation("resourceType", f"must be one of {', '.join(RESOURCE_TYPES)}")
    resource_id = query(request, "resourceId")
    actor = query(request, "actor")
    if actor is not None and not 0 < len(actor) <= 200:
        raise RuleViolation("actor", "must be 1 to 200 characters")
    async with request.read() as tx:
        result = await service.search(
            tx,
            request.principal.account_id,
            page,
            resource_type=resource_type,
            resource_id=None
            if resource_id is None
            else parse_query_int("resourceId", resource_id, 1, 2**31 - 1),
            actor=actor,
            since=_since(query(request, "since")),
        )
    return await page_response(request, page, result, views.audit_event)


def _since(value: str | None) -> datetime | None:
    """An ISO 8601 instant with its offset (`2026-11-28T09:00:00Z`), or a date (midnight UTC)."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise RuleViolation("since", "must be a date (YYYY-MM-DD) or an instant with its offset") from None
    if instant.tzinfo is None:
        raise RuleViolation("since", "an instant needs its offset (e.g. 2026-11-28T09:00:00Z)")
    return instant.astimezone(UTC)
