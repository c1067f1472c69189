"""HTTP for the catalog: parse, call the service, serialise. Rules live in `service`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Generic

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from talent_training.accounts.auth import CurrentPrincipal
from talent_training.catalog import service
from talent_training.catalog.repository import Entry
from talent_training.catalog.schemas import CategoryCreate, ProviderCreate, TrainingCreate, TrainingPatch
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.paging import AnyRow
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
from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import parse_id_list, storable_text

router = APIRouter(prefix="/talent-training/api/v1", default_response_class=JSONResponse)
EXTENSIONS: list[str | Enum] = ["Extensions"]
TRAININGS: list[str | Enum] = ["Trainings"]


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


@dataclass(frozen=True)
class EntryKind(Generic[Entry]):
    """Providers and categories: the same three routes, each with its own shape."""

    path: str
    noun: str
    component: str
    model: type[Entry]
    schema: type[BaseModel]
    build: Callable[[int, Any], Entry]
    to_json: Callable[[Entry], dict[str, Any]]


def add_entry_routes(kind: EntryKind[Entry]) -> None:
    @router.post(
        f"/{kind.path}",
        tags=EXTENSIONS,
        operation_id=f"ext.post-{kind.noun}",
        summary=f"Create a {kind.noun}",
        status_code=201,
        openapi_extra=body(kind.component),
        responses=returns(201, kind.component, "Created"),
    )
    async def create(request: Request, principal: CurrentPrincipal, database: DatabaseDep) -> JSONResponse:
        data = await parse_body(request, kind.schema)
        entry = await service.create_entry(database, kind.build(principal.account_id, data))
        return JSONResponse(kind.to_json(entry), status_code=201)

    @router.get(
        f"/{kind.path}",
        tags=EXTENSIONS,
        operation_id=f"ext.get-{kind.path}",
        summary=f"List {kind.path}",
        responses=returns_list(kind.component),
    )
    async def list_(
        principal: CurrentPrincipal, database: DatabaseDep, page: PageRequestDep, codec: CodecDep
    ) -> JSONResponse:
        result = await service.list_entries(database, kind.model, principal.account_id, page)
        return JSONResponse(envelope([kind.to_json(row[0]) for row in result.items], result, page, codec))

    @router.get(
        f"/{kind.path}/{{id}}",
        tags=EXTENSIONS,
        operation_id=f"ext.get-{kind.noun}",
        summary=f"Get a {kind.noun}",
        responses=returns(200, kind.component),
    )
    async def get(id: PathId, principal: CurrentPrincipal, database: DatabaseDep) -> JSONResponse:
        entry_id = path_id(id, kind.noun.capitalize())
        return JSONResponse(
            kind.to_json(await service.get_entry(database, kind.model, principal.account_id, entry_id))
        )


add_entry_routes(
    EntryKind(
        "providers", "provider", "ext.Provider", Provider, ProviderCreate, service.new_provider, provider_json
    )
)
add_entry_routes(
    EntryKind(
        "categories",
        "category",
        "ext.Category",
        Category,
        CategoryCreate,
        service.new_category,
        category_json,
    )
)


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
    "/trainings",
    tags=TRAININGS,
    operation_id="v1.get-trainings",
    summary="List trainings",
    responses=returns_list("v1.Training"),
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
            storable_text(search)
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
    "/trainings/{id}",
    tags=EXTENSIONS,
    operation_id="ext.get-training",
    summary="Get a training",
    responses=returns(200, "v1.Training"),
)
async def get_training(id: PathId, principal: CurrentPrincipal, database: DatabaseDep) -> JSONResponse:
    row = await service.get_training(database, principal.account_id, path_id(id, "Training"))
    return JSONResponse(training_json(row))


@router.patch(
    "/trainings/{id}",
    tags=EXTENSIONS,
    operation_id="ext.patch-training",
    summary="Update a training (merge patch; archive or restore with state)",
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
