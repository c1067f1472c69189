"""HTTP for realized trainings (Lucca v2, and Lucca's deprecated v1 list): parse, call the service,
serialise."""

from __future__ import annotations

from starlette.responses import Response

from talent_training.kit.clock import today
from talent_training.kit.paging import parse_sort
from talent_training.kit.types import parse_query_bool, parse_query_date
from talent_training.realized_trainings import exporting, service, views
from talent_training.realized_trainings.repository import V1_SORTS, Filters, V1Filters
from talent_training.realized_trainings.schemas import RealizedTrainingCreate
from talent_training.web.params import id_list, json_body, page_request, path_id, query
from talent_training.web.request import Request
from talent_training.web.responses import (
    download_response,
    json_response,
    page_response,
    requested_format,
)
from talent_training.web.routing import Routes

routes = Routes("/v2/realized-trainings")
v1_routes = Routes("/v1/realized-trainings")  # Lucca's deprecated list

# RFC 9745: deprecated since 2026-01-01T00:00:00Z (no sunset date is set); RFC 8288 link to its successor.
V1_DEPRECATION = {
    "Deprecation": "@1767225600",
    "Link": '</talent-training/api/v2/realized-trainings>; rel="successor-version"',
}


@routes.post("", "v2.post-realized-training")
async def create_realized_training(request: Request) -> Response:
    data = await json_body(request, RealizedTrainingCreate)
    async with request.transaction() as tx:
        row = await service.record(tx, request.actor, data, today(request.settings.zone))
    return json_response(views.realized_training(row), status=201)


def _filters(request: Request) -> Filters:
    return Filters(
        owner_ids=id_list(request, "ownerIds"),
        training_ids=id_list(request, "trainingId"),
        has_attended=parse_query_bool("hasAttended", query(request, "hasAttended")),
        ends_before=parse_query_date("sessionEndOnBefore", query(request, "sessionEndOnBefore")),
        ends_after=parse_query_date("sessionEndOnAfter", query(request, "sessionEndOnAfter")),
    )


@routes.get("", "v2.get-realized-trainings")
async def list_realized_trainings(request: Request) -> Response:
    """A JSON page, or with `Accept: text/csv` (or XLSX's type) every matching record as a file
    (docs/exports.md)."""
    file_format = requested_format(request)
    if file_format is not None:
        chunks = exporting.export_realized_trainings(
            request.state_of_app.database, request.principal.account_id, _filters(request), file_format
        )
        return await download_response(request, chunks, file_format, "realized-trainings")
    page = await page_request(request)
    filters = _filters(request)
    async with request.read() as tx:
        result = await service.search(tx, request.principal.account_id, filters, page)
    response = await page_response(request, page, result, views.realized_training)
    response.headers["Vary"] = "Accept"
    return response


@routes.get("/{id}", "v2.get-realized-training")
async def get_realized_training(request: Request) -> Response:
    realized_training_id = path_id(request, "Realized training")
    async with request.read() as tx:
        row = await service.get(tx, request.principal.account_id, realized_training_id)
    return json_response(views.realized_training(row))


@v1_routes.get("", "v1.get-realized-trainings", headers=V1_DEPRECATION)  # on every answer, refusals too
async def list_realized_trainings_v1(request: Request) -> Response:
    page = await page_request(request)
    sort = parse_sort(query(request, "sort"), V1_SORTS)
    filters = V1Filters(
        owner_ids=id_list(request, "ownerId"),
        session_ids=id_list(request, "sessionId"),
        has_attended=parse_query_bool("hasAttended", query(request, "hasAttended")),
        ends_after=parse_query_date("sessionEndOnAfter", query(request, "sessionEndOnAfter")),
    )
    async with request.read() as tx:
        result = await service.v1_list(tx, request.principal.account_id, filters, sort, page)
    return await page_response(request, page, result, views.v1_realized_training)
