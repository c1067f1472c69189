"""HTTP for realized trainings (Lucca v2): parse, call the service, serialise."""

from __future__ import annotations

from starlette.responses import Response

from talent_training.kit.clock import today
from talent_training.kit.types import parse_query_bool, parse_query_date
from talent_training.realized_trainings import service, views
from talent_training.realized_trainings.repository import Filters
from talent_training.realized_trainings.schemas import RealizedTrainingCreate
from talent_training.web.params import id_list, json_body, page_request, path_id, query
from talent_training.web.request import Request
from talent_training.web.responses import json_response, page_response
from talent_training.web.routing import Routes

routes = Routes("/v2/realized-trainings")
v1_routes = Routes("/v1/realized-trainings")  # Lucca's deprecated list


@routes.post("", "v2.post-realized-training")
async def create_realized_training(request: Request) -> Response:
    data = await json_body(request, RealizedTrainingCreate)
    async with request.transaction() as tx:
        row = await service.record(tx, request.actor, data, today(request.settings.zone))
    return json_response(views.realized_training(row), status=201)


@routes.get("", "v2.get-realized-trainings")
async def list_realized_trainings(request: Request) -> Response:
    page = await page_request(request)
    filters = Filters(
        owner_ids=id_list(request, "ownerIds"),
        training_ids=id_list(request, "trainingId"),
        has_attended=parse_query_bool("hasAttended", query(request, "hasAttended")),
        ends_before=parse_query_date("sessionEndOnBefore", query(request, "sessionEndOnBefore")),
        ends_after=parse_query_date("sessionEndOnAfter", query(request, "sessionEndOnAfter")),
    )
    async with request.read() as tx:
        result = await service.search(tx, request.principal.account_id, filters, page)
    return await page_response(request, page, result, views.realized_training)


@routes.get("/{id}", "v2.get-realized-training")
async def get_realized_training(request: Request) -> Response:
    realized_training_id = path_id(request, "Realized training")
    async with request.read() as tx:
        row = await service.get(tx, request.principal.account_id, realized_training_id)
    return json_response(views.realized_training(row))
