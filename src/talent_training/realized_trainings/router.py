"""HTTP for realized trainings (Lucca v2): parse, call the service, serialise."""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Request

from talent_training.accounts.auth import CurrentPrincipal
from talent_training.db.paging import AnyRow
from talent_training.kit.clock import today
from talent_training.kit.http import (
    CodecDep,
    DatabaseDep,
    IdsQuery,
    PageRequestDep,
    PathId,
    parse_body,
    path_id,
)
from talent_training.kit.json import JSONResponse
from talent_training.kit.openapi_refs import body, returns, returns_list
from talent_training.kit.paging import envelope
from talent_training.kit.types import hundredths_to_json, parse_id_list, parse_query_bool, parse_query_date
from talent_training.realized_trainings import service
from talent_training.realized_trainings.repository import Filters, RecordedRow
from talent_training.realized_trainings.schemas import RealizedTrainingCreate

router = APIRouter(prefix="/talent-training/api/v2/realized-trainings", default_response_class=JSONResponse)
TAGS: list[str | Enum] = ["Realized-trainings"]


def realized_training_json(row: AnyRow | RecordedRow) -> dict[str, Any]:
    """The seed schema's nested `training` and the seed example's flat `trainingId`; absent values omitted."""
    training: dict[str, Any] = {"id": row.training_id, "title": row.title}
    if row.category_id is not None:
        training["categoryId"] = row.category_id
    if row.website_href is not None:
        training["providerUrl"] = row.website_href
    training["level"] = row.level
    out: dict[str, Any] = {
        "id": row.id,
        "ownerId": row.owner_id,
        "trainingId": row.training_id,
        "training": training,
        "sessionStartsOn": row.session_starts_on.isoformat(),
        "sessionEndsOn": row.session_ends_on.isoformat(),
        "hasAttended": row.has_attended,
        "durationInHours": hundredths_to_json(row.duration_hundredths),
    }
    if row.training_demand_id is not None:
        out["trainingDemandId"] = row.training_demand_id
    if row.session_id is not None:
        out["sessionId"] = row.session_id
    return out


@router.post(
    "",
    tags=TAGS,
    operation_id="v2.post-realized-training",
    status_code=201,
    openapi_extra=body("v2.RealizedTraining"),
    responses=returns(201, "v2.RealizedTraining", "Created"),
)
async def create_realized_training(
    request: Request, principal: CurrentPrincipal, database: DatabaseDep
) -> JSONResponse:
    data = await parse_body(request, RealizedTrainingCreate)
    row = await service.record(database, principal.account_id, data, today(request.app.state.settings.zone))
    return JSONResponse(realized_training_json(row), status_code=201)


@router.get(
    "", tags=TAGS, operation_id="v2.get-realized-trainings", responses=returns_list("v2.RealizedTraining")
)
async def list_realized_trainings(
    principal: CurrentPrincipal,
    database: DatabaseDep,
    page: PageRequestDep,
    codec: CodecDep,
    ownerIds: IdsQuery = None,
    trainingId: IdsQuery = None,
    hasAttended: str | None = None,
    sessionEndOnBefore: str | None = None,
    sessionEndOnAfter: str | None = None,
) -> JSONResponse:
    filters = Filters(
        owner_ids=parse_id_list("ownerIds", ownerIds),
        training_ids=parse_id_list("trainingId", trainingId),
        has_attended=parse_query_bool("hasAttended", hasAttended),
        ends_before=parse_query_date("sessionEndOnBefore", sessionEndOnBefore),
        ends_after=parse_query_date("sessionEndOnAfter", sessionEndOnAfter),
    )
    result = await service.search(database, principal.account_id, filters, page)
    return JSONResponse(envelope([realized_training_json(row) for row in result.items], result, page, codec))


@router.get(
    "/{id}", tags=TAGS, operation_id="v2.get-realized-training", responses=returns(200, "v2.RealizedTraining")
)
async def get_realized_training(
    id: PathId,
    principal: CurrentPrincipal,
    database: DatabaseDep,
) -> JSONResponse:
    row = await service.get(database, principal.account_id, path_id(id, "Realized training"))
    return JSONResponse(realized_training_json(row))
