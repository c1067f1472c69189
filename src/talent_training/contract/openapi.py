"""/openapi.json: FastAPI's description of our routes, with the seed operations and schemas taken
verbatim from Lucca's spec (so operation ids, parameter names and schemas are the contract's own)."""

from __future__ import annotations

import copy
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from talent_training import __version__

SEED_SPEC = "lucca-training.seeds.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
PROBLEM = {
    "description": "Problem details (RFC 9457)",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
}


@cache
def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        files("talent_training.contract").joinpath(name).read_text("utf-8")
    )
    return document


def seed_spec() -> dict[str, Any]:
    return copy.deepcopy(load(SEED_SPEC))


def build_openapi(app: FastAPI) -> dict[str, Any]:
    seed = seed_spec()
    extensions = copy.deepcopy(load("extensions.yaml"))
    doc = get_openapi(
        title="talent-training: Lucca Training API",
        version=__version__,
        openapi_version="3.1.0",
        description=seed["info"]["description"]
        + "\nServed by talent-training. Decisions where Lucca's docs are silent: docs/decisions.md.",
        routes=app.routes,
    )
    doc["tags"] = seed["tags"] + extensions["tags"]

    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for generated in ("HTTPValidationError", "ValidationError"):
        schemas.pop(generated, None)
    schemas.update(seed["components"]["schemas"])
    for name, properties in extensions["seedSchemaAdditions"].items():
        schemas[name]["properties"].update(properties)
    schemas.update(extensions["schemas"])
    components["parameters"] = seed["components"]["parameters"]
    components["examples"] = seed["components"]["examples"]

    authorization = {"$ref": "#/components/parameters/Authorization"}
    seed_operations = {
        (path, method): (item.get("parameters", []), operation)
        for path, item in seed["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if (path, method) in seed_operations:
                shared, seeded = seed_operations[path, method]
                for key in ("tags", "summary", "description", "operationId", "requestBody"):
                    if key in seeded:
                        operation[key] = seeded[key]
                operation["parameters"] = shared + seeded.get("parameters", [])
                operation["responses"] = dict(seeded["responses"])
            elif path.startswith("/talent-training/"):
                operation["parameters"] = [authorization, *operation.get("parameters", [])]
            operation["responses"].pop("422", None)
            if path.startswith("/talent-training/"):
                operation["responses"]["4XX"] = PROBLEM
    return doc


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
