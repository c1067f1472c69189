"""Small helpers shared by the HTTP behaviour tests: valid bodies, creators, and problem assertions."""

from __future__ import annotations

import itertools
from http import HTTPStatus
from typing import Any

import httpx

PREFIX = "/talent-training/api"
TRAININGS = f"{PREFIX}/v1/trainings"
PROVIDERS = f"{PREFIX}/v1/providers"
CATEGORIES = f"{PREFIX}/v1/categories"
REALIZED = f"{PREFIX}/v2/realized-trainings"

OMIT: Any = object()
"""Pass as an override to drop a key from the default body."""

_serial = itertools.count(1)


def _merge(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    body = {**defaults, **overrides}
    return {key: value for key, value in body.items() if value is not OMIT}


def provider_body(**overrides: Any) -> dict[str, Any]:
    return _merge({"name": f"Provider {next(_serial)}", "websiteHref": "https://provider.example"}, overrides)


def category_body(**overrides: Any) -> dict[str, Any]:
    return _merge({"name": f"Category {next(_serial)}"}, overrides)


def training_body(**overrides: Any) -> dict[str, Any]:
    defaults = {
        "title": f"Training {next(_serial)}",
        "subtitle": "A subtitle",
        "description": "A description",
        "level": "Beginner",
        "isCertifying": False,
        "isMandatory": False,
    }
    return _merge(defaults, overrides)


def realized_body(training_id: int, **overrides: Any) -> dict[str, Any]:
    defaults = {
        "ownerId": 416,
        "trainingId": training_id,
        "sessionStartsOn": "2025-01-04",
        "sessionEndsOn": "2025-01-04",
        "durationInHours": 14,
    }
    return _merge(defaults, overrides)


async def _create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_provider(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    return await _create(client, PROVIDERS, provider_body(**overrides))


async def create_category(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    return await _create(client, CATEGORIES, category_body(**overrides))


async def create_training(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    return await _create(client, TRAININGS, training_body(**overrides))


async def create_realized_training(
    client: httpx.AsyncClient, training_id: int, **overrides: Any
) -> dict[str, Any]:
    return await _create(client, REALIZED, realized_body(training_id, **overrides))


async def count(client: httpx.AsyncClient, path: str, **params: Any) -> int:
    """The `count` of a list endpoint, under optional filters."""
    response = await client.get(path, params={**params, "fields.root": "count", "limit": 0})
    assert response.status_code == 200, response.text
    total: int = response.json()["count"]
    return total


async def list_ids(client: httpx.AsyncClient, path: str, params: Any = None) -> list[int]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def assert_problem(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """An RFC 9457 problem with this status, naming each of `fields` in `errors`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(status).phrase
    assert isinstance(body["detail"], str) and body["detail"]
    for field in fields:
        assert field in body.get("errors", {}), body
        assert body["errors"][field] and all(isinstance(m, str) for m in body["errors"][field])
    return body


def assert_not_server_error(response: httpx.Response) -> None:
    """Whatever a client sends: never a 5xx, never FastAPI's 422, and every error is a problem."""
    assert response.status_code < 500, response.text
    assert response.status_code != 422, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].split(";")[0] == "application/problem+json"
