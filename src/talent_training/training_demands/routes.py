"""HTTP for training demands: Lucca's list and item (v2), our writes (v1) and a session's attendance sheet.
Parse, call the service, serialise."""

from __future__ import annotations

from starlette.responses import Response

from talent_training.kit.clock import today
from talent_training.kit.paging import parse_sort
from talent_training.kit.types import parse_choice_list, parse_query_bool
from talent_training.realized_trainings import views as realized_views
from talent_training.training_demands import exporting, service, views
from talent_training.training_demands.repository import SORTABLE, Filters
from talent_training.training_demands.schemas import (
    RANKS,
    Acceptance,
    Attendance,
    DemandCreate,
    DemandState,
    Prioritization,
    PrioritizationLevel,
    Refusal,
    Registration,
)
from talent_training.web.params import id_list, json_body, page_request, path_id, query
from talent_training.web.request import Request
from talent_training.web.responses import (
    download_response,
    json_response,
    page_response,
    requested_format,
)
from talent_training.web.routing import Routes

routes = Routes("")
DEMAND = "Training demand"


@routes.post("/v1/training-demands", "ext.post-training-demand")
async def create_training_demand(request: Request) -> Response:
    data = await json_body(request, DemandCreate)
    async with request.transaction() as tx:
        row = await service.create(tx, request.actor, data)
    return json_response(views.training_demand(row), status=201)


def _filters(request: Request) -> Filters:
    levels = parse_choice_list(
        "prioritizationLevels", request.query_params.getlist("prioritizationLevels"), PrioritizationLevel
    )
    return Filters(
        owner_ids=id_list(request, "ownerId"),
        session_ids=id_list(request, "sessionId"),
        training_ids=id_list(request, "trainingId"),
        states=parse_choice_list("states", request.query_params.getlist("states"), DemandState) or (),
        department_ids=id_list(request, "departmentIds"),
        establishment_ids=id_list(request, "establishmentIds"),
        ranks=None if levels is None else [RANKS[level] for level in levels],
        is_session_planned=parse_query_bool("isSessionPlanned", query(request, "isSessionPlanned")),
    )


@routes.get("/v2/training-demands", "v2.get-training-demands")
async def list_training_demands(request: Request) -> Response:
    """A JSON page, or with `Accept: text/csv` (or XLSX's type) every matching demand as a file, in the
    same order (docs/exports.md)."""
    file_format = requested_format(request)
    if file_format is not None:
        sort = parse_sort(query(request, "sort"), SORTABLE)
        chunks = exporting.export_training_demands(
            request.state_of_app.database, request.principal.account_id, _filters(request), file_format, sort
        )
        return await download_response(request, chunks, file_format, "training-demands")
    page = await page_request(request)
    sort = parse_sort(query(request, "sort"), SORTABLE)
    filters = _filters(request)
    async with request.read() as tx:
        result = await service.search(tx, request.principal.account_id, filters, sort, page)
    response = await page_response(request, page, result, views.training_demand)
    response.headers["Vary"] = "Accept"
    return response


@routes.get("/v2/training-demands/{id}", "ext.get-training-demand")
async def get_training_demand(request: Request) -> Response:
    demand_id = path_id(request, DEMAND)
    async with request.read() as tx:
        row = await service.get(tx, request.principal.account_id, demand_id)
    return json_response(views.training_demand(row))


@routes.post("/v1/training-demands/{id}/prioritization", "ext.prioritize-training-demand")
async def prioritize(request: Request) -> Response:
    demand_id = path_id(request, DEMAND)
    data = await json_body(request, Prioritization)
    async with request.transaction() as tx:
        row = await service.prioritize(tx, request.actor, demand_id, data.level)
    return json_response(views.training_demand(row))


@routes.post("/v1/training-demands/{id}/accept", "ext.accept-training-demand")
async def accept(request: Request) -> Response:
    demand_id = path_id(request, DEMAND)
    data = await json_body(request, Acceptance)
    async with request.transaction() as tx:
        row = await service.accept(tx, request.actor, demand_id, data.planId)
    return json_response(views.training_demand(row))


@routes.post("/v1/training-demands/{id}/refuse", "ext.refuse-training-demand")
async def refuse(request: Request) -> Response:
    demand_id = path_id(request, DEMAND)
    data = await json_body(request, Refusal)
    async with request.transaction() as tx:
        row = await service.refuse(tx, request.actor, demand_id, data.reason)
    return json_response(views.training_demand(row))


@routes.post("/v1/training-demands/{id}/register", "ext.register-training-demand")
async def register(request: Request) -> Response:
    demand_id = path_id(request, DEMAND)
    data = await json_body(request, Registration)
    async with request.transaction() as tx:
        row = await service.register(
            tx, request.actor, demand_id, data.sessionId, today(request.settings.zone)
        )
    return json_response(views.training_demand(row))


@routes.post("/v1/training-demands/{id}/unregister", "ext.unregister-training-demand")
async def unregister(request: Request) -> Response:
    demand_id = path_id(request, DEMAND)
    async with request.transaction() as tx:
        row = await service.unregister(tx, request.actor, demand_id)
    return json_response(views.training_demand(row))


@routes.post("/v1/sessions/{id}/attendance", "ext.post-session-attendance")
async def take_attendance(request: Request) -> Response:
    session_id = path_id(request, "Session")
    data = await json_body(request, Attendance)
    async with request.transaction() as tx:
        rows = await service.take_attendance(
            tx, request.actor, session_id, list(data.items), today(request.settings.zone)
        )
    return json_response({"items": [realized_views.realized_training(row) for row in rows]})
