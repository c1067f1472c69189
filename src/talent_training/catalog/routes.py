"""HTTP for the catalog: parse, call the service, serialise. Rules live in `service`.

Documented in contract/ (the seed operations verbatim, ours in extensions.yaml), by operation id.
"""

from __future__ import annotations

from starlette.responses import Response

from talent_training.catalog import service, views
from talent_training.catalog.schemas import (
    CategoryCreate,
    CategoryPatch,
    ProviderCreate,
    ProviderPatch,
    TrainingCreate,
    TrainingPatch,
    TrainingState,
)
from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import parse_choice_list, storable_text
from talent_training.web.params import id_list, json_body, page_request, path_id, query
from talent_training.web.request import Request
from talent_training.web.responses import json_response, page_response
from talent_training.web.routing import Routes

routes = Routes("/v1")


@routes.post("/providers", "ext.post-provider")
async def create_provider(request: Request) -> Response:
    data = await json_body(request, ProviderCreate)
    async with request.transaction() as tx:
        row = await service.create_provider(tx, request.actor, data)
    return json_response(views.provider(row), status=201)


@routes.get("/providers", "ext.get-providers")
async def list_providers(request: Request) -> Response:
    page = await page_request(request)
    async with request.read() as tx:
        result = await service.list_providers(tx, request.principal.account_id, page)
    return await page_response(request, page, result, views.provider)


@routes.get("/providers/{id}", "ext.get-provider")
async def get_provider(request: Request) -> Response:
    provider_id = path_id(request, "Provider")
    async with request.read() as tx:
        row = await service.get_provider(tx, request.principal.account_id, provider_id)
    return json_response(views.provider(row))


@routes.patch("/providers/{id}", "ext.patch-provider")
async def update_provider(request: Request) -> Response:
    provider_id = path_id(request, "Provider")
    patch = await json_body(request, ProviderPatch)
    async with request.transaction() as tx:
        row = await service.update_provider(tx, request.actor, provider_id, patch)
    return json_response(views.provider(row))


@routes.post("/categories", "ext.post-category")
async def create_category(request: Request) -> Response:
    data = await json_body(request, CategoryCreate)
    async with request.transaction() as tx:
        row = await service.create_category(tx, request.actor, data)
    return json_response(views.category(row), status=201)


@routes.get("/categories", "ext.get-categories")
async def list_categories(request: Request) -> Response:
    page = await page_request(request)
    async with request.read() as tx:
        result = await service.list_categories(tx, request.principal.account_id, page)
    return await page_response(request, page, result, views.category)


@routes.get("/categories/{id}", "ext.get-category")
async def get_category(request: Request) -> Response:
    category_id = path_id(request, "Category")
    async with request.read() as tx:
        row = await service.get_category(tx, request.principal.account_id, category_id)
    return json_response(views.category(row))


@routes.patch("/categories/{id}", "ext.patch-category")
async def update_category(request: Request) -> Response:
    category_id = path_id(request, "Category")
    patch = await json_body(request, CategoryPatch)
    async with request.transaction() as tx:
        row = await service.update_category(tx, request.actor, category_id, patch)
    return json_response(views.category(row))


@routes.post("/trainings", "v1.post-training")
async def create_training(request: Request) -> Response:
    data = await json_body(request, TrainingCreate)
    async with request.transaction() as tx:
        row = await service.create_training(tx, request.actor, data)
    return json_response(views.training(row), status=201)


@routes.get("/trainings", "v1.get-trainings")
async def list_trainings(request: Request) -> Response:
    page = await page_request(request)
    search = query(request, "search")
    if search is not None:
        if len(search) > 250:
            raise RuleViolation("search", "must be at most 250 characters")
        try:
            storable_text(search)
        except ValueError as exc:
            raise RuleViolation("search", str(exc)) from None
    provider_ids = id_list(request, "providerIds")
    category_ids = id_list(request, "categoryIds")
    ids = id_list(request, "id")
    states = parse_choice_list("states", request.query_params.getlist("states"), TrainingState) or ()
    async with request.read() as tx:
        result = await service.list_trainings(
            tx,
            request.principal.account_id,
            page,
            search=search,
            provider_ids=provider_ids,
            category_ids=category_ids,
            ids=ids,
            states=states,
        )
    return await page_response(request, page, result, views.training)


@routes.get("/trainings/{id}", "ext.get-training")
async def get_training(request: Request) -> Response:
    training_id = path_id(request, "Training")
    async with request.read() as tx:
        row = await service.get_training(tx, request.principal.account_id, training_id)
    return json_response(views.training(row))


@routes.patch("/trainings/{id}", "ext.patch-training")
async def update_training(request: Request) -> Response:
    training_id = path_id(request, "Training")
    patch = await json_body(request, TrainingPatch)
    async with request.transaction() as tx:
        row = await service.update_training(tx, request.actor, training_id, patch)
    return json_response(views.training(row))
