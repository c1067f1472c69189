"""/openapi.json, written contract-first: Lucca's seed operations and schemas verbatim
(lucca-training.seeds.yaml), and ours from extensions.yaml and one fragment per resource of the workflow
(FRAGMENTS: each holds `paths`, and may hold `schemas`, `parameters`, `responses` and `tags`), in the same
style. A name defined twice is refused.

Every API operation documents the errors a client acts on, 400, 404 and 409, each where it is answered, with
examples of the service's own messages (the seed operations' from `seedResponses`, since the seeds document
no error); every other error (401, 403, 413, 429...) is the `4XX` catch-all added here, and 503. Every write
takes an `Idempotency-Key`, so its 409 also tells of a key whose first request is still running.

The document and the router must agree: `build_openapi` refuses to describe a route that is not documented,
or to document an operation that no route serves, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from talent_training import __version__

SEED_SPEC = "lucca-training.seeds.yaml"
FRAGMENTS = (
    "directory.yaml",
    "planning.yaml",
    "training_demands.yaml",
    "realized_trainings_v1.yaml",
    "imports.yaml",
)
_MERGED = ("paths", "schemas", "parameters", "responses")
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
API_PREFIX = "/talent-training/"
AUTHORIZATION = {"$ref": "#/components/parameters/Authorization"}
IDEMPOTENCY_KEY = {"$ref": "#/components/parameters/ext.Idempotency-Key"}
WRITES = ("post", "put", "patch")
PROBLEM = {"$ref": "#/components/responses/ext.Problem"}
PROBLEM_JSON = "application/problem+json"
# web/idempotency.py's refusal, on every write: the same key while its first request still runs.
IDEMPOTENCY_CONFLICT = (
    "Or a request with the same `Idempotency-Key` is still being processed: retry after `Retry-After`."
)
IDEMPOTENCY_EXAMPLE = {
    "summary": "The first request with this Idempotency-Key is still running",
    "value": {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "A request with this Idempotency-Key is still being processed: retry later.",
    },
}
RETRY_AFTER = {
    "description": "Seconds to wait before sending the request with the same `Idempotency-Key` again.",
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}
# The lists that also answer every matching record as a file, chosen by `Accept` (docs/exports.md): their 200
# documents the files' media types next to the JSON page, the seed's list as ours.
EXPORTED_LISTS = ("v2.get-realized-trainings", "ext.get-employees", "v2.get-training-demands")
_EXPORTED = (
    "Every record the filters select (paging parameters do not apply), as a file to download "
    "(`Content-Disposition: attachment`), when `Accept` prefers this type to JSON; see docs/exports.md."
)
EXPORT_CONTENT = {
    "text/csv": {"schema": {"type": "string", "description": f"{_EXPORTED} UTF-8 with a BOM, RFC 4180."}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary", "description": f"{_EXPORTED} One sheet."}
    },
}


@cache
def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        files("talent_training.contract").joinpath(name).read_text("utf-8")
    )
    return document


def seed_spec() -> dict[str, Any]:
    return copy.deepcopy(load(SEED_SPEC))


def extensions() -> dict[str, Any]:
    """extensions.yaml with every fragment merged in."""
    merged = copy.deepcopy(load("extensions.yaml"))
    for name in FRAGMENTS:
        fragment = copy.deepcopy(load(name))
        for section in _MERGED:
            for key, value in fragment.get(section, {}).items():
                if key in merged[section]:
                    raise ValueError(f"{name}: {section} {key!r} is defined twice")
                merged[section][key] = value
        merged["tags"] += fragment.get("tags", [])
    return merged


def _add(target: dict[str, Any], addition: dict[str, Any], where: str) -> None:
    """`addition` merged into `target`, adding only: a value `target` has already is never replaced."""
    for key, value in addition.items():
        if key not in target:
            target[key] = value
        elif isinstance(target[key], dict) and isinstance(value, dict):
            _add(target[key], value, f"{where}/{key}")
        else:
            raise ValueError(f"{where}/{key}: the seed has it already, and an addition may not change it")


def _idempotent(operation: dict[str, Any]) -> None:
    """A write's 409, that an `Idempotency-Key` still being processed gets too (created when the write has no
    conflict of its own)."""
    conflict = operation["responses"].setdefault(
        "409",
        {
            "description": "A request with the same `Idempotency-Key` is still being processed: retry after "
            "`Retry-After`.",
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        },
    )
    if "Idempotency-Key" not in conflict["description"]:
        conflict["description"] = f"{conflict['description'].rstrip()} {IDEMPOTENCY_CONFLICT}"
    conflict.setdefault("headers", {})["Retry-After"] = copy.deepcopy(RETRY_AFTER)
    examples = conflict["content"][PROBLEM_JSON].setdefault("examples", {})
    examples["idempotency-key-in-use"] = copy.deepcopy(IDEMPOTENCY_EXAMPLE)


def _operations(paths: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any], list[Any]]]:
    for path, item in paths.items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation, shared


def build_openapi(served: Iterable[tuple[str, str, str | None]]) -> dict[str, Any]:
    """The document for the routes `served`, as (method, path template, operation id)."""
    seed = seed_spec()
    ours = extensions()
    schemas = seed["components"]["schemas"]
    for name, properties in ours["seedSchemaAdditions"].items():
        schemas[name]["properties"].update(properties)
    schemas.update(ours["schemas"])
    responses = ours["responses"]

    paths: dict[str, dict[str, Any]] = {}
    for path, method, operation, shared in _operations(seed["paths"]):
        # Path-level parameters go into each operation, where clients' generators look first.
        operation["parameters"] = shared + operation.get("parameters", [])
        for status, links in ours["seedLinks"].get(operation["operationId"], {}).items():
            operation["responses"][status]["links"] = links
        added = ours["seedResponses"].get(operation["operationId"], {})
        _add(operation["responses"], added, operation["operationId"])
        paths.setdefault(path, {})[method] = operation
    seeded = {operation["operationId"] for item in paths.values() for operation in item.values()}
    if unknown := set(ours["seedResponses"]) - seeded:
        raise ValueError(f"seedResponses names operations the seeds do not have: {sorted(unknown)}")
    for path, method, operation, _ in _operations(ours["paths"]):
        if path.startswith(API_PREFIX):
            operation["parameters"] = [AUTHORIZATION, *operation.get("parameters", [])]
        paths.setdefault(path, {})[method] = operation
    for path, item in paths.items():
        for method, operation in item.items():
            if path.startswith(API_PREFIX) and method in WRITES:
                operation["parameters"] = [*operation.get("parameters", []), IDEMPOTENCY_KEY]
            if path.startswith(API_PREFIX):
                operation["responses"].setdefault("4XX", PROBLEM)
                operation["responses"].setdefault("503", PROBLEM)
            for status, response in operation["responses"].items():
                name = response.get("$ref", "").removeprefix("#/components/responses/")
                if name:  # inlined: every client and validator reads a response where it is
                    operation["responses"][status] = copy.deepcopy(responses[name])
            if path.startswith(API_PREFIX) and method in WRITES:
                _idempotent(operation)
            operation["responses"] = dict(sorted(operation["responses"].items()))  # 200, 400, 409, 4XX, 503
            if operation["operationId"] in EXPORTED_LISTS:
                operation["responses"]["200"]["content"].update(copy.deepcopy(EXPORT_CONTENT))

    documented = {
        (method.upper(), path, operation["operationId"])
        for path, item in paths.items()
        for method, operation in item.items()
    }
    served_set = {(method.upper(), path, operation_id) for method, path, operation_id in served}
    if served_set != documented:
        raise ValueError(
            "routes and contract disagree: served but undocumented "
            f"{sorted(served_set - documented)}, documented but unserved {sorted(documented - served_set)}"
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "talent-training: Lucca Training API",
            "version": __version__,
            "description": seed["info"]["description"]
            + "\nServed by talent-training. Decisions where Lucca's docs are silent: docs/decisions.md.",
        },
        "tags": seed["tags"] + ours["tags"],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": {**seed["components"]["parameters"], **ours["parameters"]},
            "examples": seed["components"]["examples"],
        },
    }
