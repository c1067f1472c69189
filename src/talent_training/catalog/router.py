"""HTTP for the catalog: parse, call the service, serialise. Rules live in `service`."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from talent_training.accounts.auth import CurrentPrincipal
from talent_training.catalog import service
from talent_training.catalog.schemas import CategoryCreate, ProviderCreate, TrainingCreate, TrainingPatch
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.paging import AnyRow
from talent_training.kit.http import (
    PATH_ID_SCHEMA,
    CodecDep,
    DatabaseDep,
    PageRequestDep,
    parse_body,
    path_id,
)
from talent_training.kit.json import JSONResponse
from talent_training.kit.openapi_refs import body, returns, returns_list
from talent_training.kit.paging import envelope
from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import no_nul, parse_id_list

router = APIRouter(prefix="/talent-training/api/v1", default_response_class=JSONResponse)
EXTENSIONS: list[str | Enum] = ["Extensions"]
TRAININGS: list[str | Enum] = ["Trainings"]
PathId = Annotated[str, Path(json_schema_extra=PATH_ID_SCHEMA)]
IdsQuery = Annotated[list[str] | None, Query(description="Ids, repeated or comma-separated")]


def provider_json(provider: Provider) -> dict[str, Any]:
    out: dict[str, Any] = {"id": provider.id, "name": provider.name}
    if provider.website_href is not None:
        out["websiteHref"] = provider.website_href
    return out


def category_json(category: Category) -> dict[str, Any]:
    return {"id": category.id, "name": category.name, "t9n": {"name": dict(category.name_translations)}}


def training_json(row: AnyRow) -> dict[str, Any]:
    training: Training = row[0]
    out: dict[str, Any] = {
        "id": training.id,
        "state": training.state,
        "type": training.type,
        "title": training.title,
        "subtitle": training.subtitle,
        "description": training.description,
        "level": training.level,
        "isCertifying": training.is_certifying,
        "isMandatory": training.is_mandatory,
    }
    if row[1] is not None:
        out["provider"] = provider_json(row[1])
    if row[2] is not None:
        out["category"] = category_json(row[2])
    return out


@router.post(
    "/providers",
    tags=EXTENSIONS,
    operation_id="ext.post-provider",
    status_code=201,
    openapi_extra=body("ext.Provider"),
    responses=returns(201, "ext.Provider", "Created"),
)
async def create_provider(
    request: Request, principal: CurrentPrincipal, database: DatabaseDep
) -> JSONResponse:
    data = await parse_body(request, ProviderCreate)
    provider = await service.create_provider(database, principal.account_id, data)
    return JSONResponse(provider_json(provider), status_code=201)


@router.get(
    "/providers", tags=EXTENSIONS, operation_id="ext.get-providers", responses=returns_list("ext.Provider")
)
async def list_providers(
    principal: CurrentPrincipal, database: DatabaseDep, page: PageRequestDep, codec: CodecDep
) -> JSONResponse:
    result = await service.list_providers(database, principal.account_id, page)
    return JSONResponse(envelope([provider_json(row[0]) for row in result.items], result, page, codec))


@router.get(
    "/providers/{id}",
    tags=EXTENSIONS,
    operation_id="ext.get-provider",
    responses=returns(200, "ext.Provider"),
)
async def get_provider(id: PathId, principal: CurrentPrincipal, database: DatabaseDep) -> JSONResponse:
    provider = await service.get_provider(database, principal.account_id, path_id(id, "Provider"))
    return JSONResponse(provider_json(provider))


@router.post(
    "/categories",
    tags=EXTENSIONS,
    operation_id="ext.post-category",
    status_code=201,
    openapi_extra=body("ext.Category"),
    responses=returns(201, "ext.Category", "Created"),
)
async def create_category(
    request: Request, principal: CurrentPrincipal, database: DatabaseDep
) -> JSONResponse:
    data = await parse_body(request, CategoryCreate)
    category = await service.create_category(database, principal.account_id, data)
    return JSONResponse(category_json(category), status_code=201)


@router.get(
    "/categories", tags=EXTENSIONS, operation_id="ext.get-categories", responses=returns_list("ext.Category")
)
async def list_categories(
    principal: CurrentPrincipal, database: DatabaseDep, page: PageRequestDep, codec: CodecDep
) -> JSONResponse:
    result = await service.list_categories(database, principal.account_id, page)
    return JSONResponse(envelope([category_json(row[0]) for row in result.items], result, page, codec))


@router.get(
    "/categories/{id}",
    tags=EXTENSIONS,
    operation_id="ext.get-category",
    responses=returns(200, "ext.Category"),
)
async def get_category(id: PathId, principal: CurrentPrincipal, database: DatabaseDep) -> JSONResponse:
    category = await service.get_category(database, principal.account_id, path_id(id, "Category"))
    return JSONResponse(category_json(category))


@router.post(
    "/trainings",
    tags=TRAININGS,
    operation_id="v1.post-training",
    status_code=201,
    openapi_extra=body("v1.Training"),
    responses=returns(201, "v1.Training", "Created"),
)
async def create_training(
    request: Request, principal: CurrentPrincipal, database: DatabaseDep
) -> JSONResponse:
    data = await parse_body(request, TrainingCreate)
    row = await service.create_training(database, principal.account_id, data)
    return JSONResponse(training_json(row), status_code=201)


@router.get(
    "/trainings", tags=TRAININGS, operation_id="v1.get-trainings", responses=returns_list("v1.Training")
)
async def list_trainings(
    principal: CurrentPrincipal,
    database: DatabaseDep,
    page: PageRequestDep,
    codec: CodecDep,
    search: Annotated[
        str | None, Query(max_length=250, description="Text in title, subtitle or description")
    ] = None,
    providerIds: IdsQuery = None,
    categoryIds: IdsQuery = None,
    id: IdsQuery = None,
) -> JSONResponse:
    if search is not None:
        try:
            no_nul(search)
        except ValueError as exc:
            raise RuleViolation("search", str(exc)) from None
    result = await service.list_trainings(
        database,
        principal.account_id,
        page,
        search=search,
        provider_ids=parse_id_list("providerIds", providerIds),
        category_ids=parse_id_list("categoryIds", categoryIds),
        ids=parse_id_list("id", id),
    )
    return JSONResponse(envelope([training_json(row) for row in result.items], result, page, codec))


@router.get(
    "/trainings/{id}", tags=EXTENSIONS, operation_id="ext.get-training", responses=returns(200, "v1.Training")
)
async def get_training(id: PathId, principal: CurrentPrincipal, database: DatabaseDep) -> JSONResponse:
    row = await service.get_training(database, principal.account_id, path_id(id, "Training"))
    return JSONResponse(training_json(row))


@router.patch(
    "/trainings/{id}",
    tags=EXTENSIONS,
    operation_id="ext.patch-training",
    openapi_extra=body("ext.TrainingPatch"),
    responses=returns(200, "v1.Training"),
)
async def update_training(
    id: PathId, request: Request, principal: CurrentPrincipal, database: DatabaseDep
) -> JSONResponse:
    training_id = path_id(id, "Training")
    patch = await parse_body(request, TrainingPatch)
    row = await service.update_training(database, principal.account_id, training_id, patch)
    return JSONResponse(training_json(row))
