"""HTTP for the planning: parse, call the service, serialise. Rules live in `service`.

Documented in contract/planning.yaml, by operation id.
"""

from __future__ import annotations

from starlette.responses import Response

from talent_training.kit.clock import today
from talent_training.kit.types import parse_choice_list
from talent_training.planning import service, views
from talent_training.planning.repository import SessionFilters
from talent_training.planning.schemas import PlanCreate, SessionCreate, SessionPatch, SessionStatus
from talent_training.web.params import id_list, json_body, page_request, path_id
from talent_training.web.request import Request
from talent_training.web.responses import json_response, page_response
from talent_training.web.routing import Routes

routes = Routes("")


@routes.post("/v1/plans", "ext.post-plan")
async def create_plan(request: Request) -> Response:
    data = await json_body(request, PlanCreate)
    async with request.transaction() as tx:
        row = await service.create_plan(tx, request.actor, data)
    return json_response(views.plan(row), status=201)


@routes.get("/v1/plans", "ext.get-plans")
async def list_plans(request: Request) -> Response:
    page = await page_request(request)
    async with request.read() as tx:
        result = await service.list_plans(tx, request.principal.account_id, page)
    return await page_response(request, page, result, views.plan)


@routes.get("/v1/plans/{id}", "ext.get-plan")
async def get_plan(request: Request) -> Response:
    plan_id = path_id(request, "Plan")
    async with request.read() as tx:
        row = await service.get_plan(tx, request.principal.account_id, plan_id)
    return json_response(views.plan(row))


@routes.post("/v1/sessions", "ext.post-session")
async def create_session(request: Request) -> Response:
    data = await json_body(request, SessionCreate)
    async with request.transaction() as tx:
        row = await service.create_session(tx, request.actor, data)
    return json_response(views.session(row), status=201)


@routes.get("/v1/sessions", "ext.get-sessions")
async def list_sessions(request: Request) -> Response:
    page = await page_request(request)
    filters = SessionFilters(
        training_ids=id_list(request, "trainingId"),
        plan_ids=id_list(request, "planId"),
        statuses=parse_choice_list("statuses", request.query_params.getlist("statuses"), SessionStatus),
    )
    async with request.read() as tx:
        result = await service.list_sessions(
            tx, request.principal.account_id, filters, today(request.settings.zone), page
        )
    return await page_response(request, page, result, views.session)


@routes.get("/v1/sessions/{id}", "ext.get-session")
async def get_session(request: Request) -> Response:
    session_id = path_id(request, "Session")
    async with request.read() as tx:
        row = await service.get_session(
            tx, request.principal.account_id, session_id, today(request.settings.zone)
        )
    return json_response(views.session(row))


@routes.patch("/v1/sessions/{id}", "ext.patch-session")
async def update_session(request: Request) -> Response:
    session_id = path_id(request, "Session")
    patch = await json_body(request, SessionPatch)
    async with request.transaction() as tx:
        row = await service.update_session(tx, request.actor, session_id, patch, today(request.settings.zone))
    return json_response(views.session(row))
