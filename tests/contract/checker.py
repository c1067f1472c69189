"""Validates every response a test client receives against the contract.

Seed operations' successes are checked against `shared/spec/lucca-training.seeds.yaml` itself (the vendored
copy when the shared folder is not beside the repo); every other answer against our own /openapi.json.
Every error must be problem+json. A 400, 404 or 409 of an operation must be documented by that operation
itself, not only by its `4XX` catch-all, and its body is checked against what it documents there (the seed
operations' errors too: our document adds them, the seeds document none). Other errors (401, 403, 405, 413,
415, 422, 429, 503...) may rely on the catch-all. A violation fails the test that made the request.
"""

from __future__ import annotations

import json
import re
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from jsonschema import Draft202012Validator, FormatChecker

from talent_training.app import create_app
from talent_training.contract.openapi import seed_spec
from talent_training.settings import Settings

PROBLEM_JSON = "application/problem+json"
# The errors a client acts on: each operation documents those it answers, where it answers them.
EXPLICIT_ERRORS = (400, 404, 409)
FILE_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "lucca-training.seeds.yaml"


def _exact(value: Any) -> Any:
    """Schema numbers as Decimal, so that `multipleOf: 0.01` judges 0.07 exactly, as a client would."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value


@cache
def seed_document() -> dict[str, Any]:
    if SHARED_SPEC.exists():
        document: dict[str, Any] = yaml.safe_load(SHARED_SPEC.read_text("utf-8"))
        return document
    return seed_spec()


@cache
def our_document() -> dict[str, Any]:
    # Building the document opens no connection: the URL only has to be well formed.
    unused = Path(tempfile.gettempdir()) / "talent-training-openapi.db"
    document: dict[str, Any] = json.loads(
        create_app(Settings(database_url=f"sqlite+aiosqlite:///{unused}")).state.openapi_json
    )
    return document


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def find_operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    for template, item in document["paths"].items():
        if _template(template).match(path) and method in item:
            operation: dict[str, Any] = item[method]
            return operation
    return None


def response_schema(operation: dict[str, Any], status: int, media_type: str) -> dict[str, Any] | None:
    responses = operation.get("responses", {})
    described = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if described is None:
        return None
    schema: dict[str, Any] | None = described.get("content", {}).get(media_type, {}).get("schema")
    return schema


def validate(document: dict[str, Any], schema: dict[str, Any], instance: Any) -> None:
    root = _exact({**schema, "components": document["components"]})
    validator = Draft202012Validator(root, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "response breaks the contract: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )


def check_documented_error(method: str, path: str, status: int, body: Any) -> None:
    """A 400, 404 or 409 of an operation: documented by the operation itself, and its body as documented
    there. A path that no operation serves (the router's own 404) has nothing more to keep."""
    document = our_document()
    operation = find_operation(document, method, path)
    if operation is None:
        return
    described = operation["responses"].get(str(status))
    assert described is not None, (
        f"{method.upper()} {path} answered {status}, which {operation['operationId']} does not document "
        f"(it documents {sorted(operation['responses'])})"
    )
    schema = described.get("content", {}).get(PROBLEM_JSON, {}).get("schema")
    assert schema is not None, (
        f"{operation['operationId']} documents its {status} without a problem+json schema"
    )
    validate(document, schema, body)


async def contract_check(response: httpx.Response) -> None:
    await response.aread()
    path, method = response.request.url.path, response.request.method.lower()
    if not path.startswith("/talent-training/"):
        return
    if method == "options":  # a CORS preflight, answered by the middleware: not part of the API
        return
    if method == "head":  # the GET's answer without its body: nothing to validate
        assert response.content == b""
        return
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if response.status_code < 400 and media_type in FILE_TYPES:  # an export: its type must be documented
        for document in (seed_document(), our_document()):
            operation = find_operation(document, method, path)
            if operation is not None and media_type in operation["responses"]["200"].get("content", {}):
                return
        raise AssertionError(f"no contract describes {method.upper()} {path} -> {media_type}")
    body = json.loads(response.content, parse_float=Decimal) if response.content else None
    if response.status_code >= 400:
        assert media_type == PROBLEM_JSON, f"{response.status_code} is not problem+json"
        validate(our_document(), {"$ref": "#/components/schemas/ProblemDetails"}, body)
        assert body["status"] == response.status_code
        if response.status_code in EXPLICIT_ERRORS:
            check_documented_error(method, path, response.status_code, body)
        return
    for document in (seed_document(), our_document()):
        operation = find_operation(document, method, path)
        if operation is None:
            continue
        schema = response_schema(operation, response.status_code, media_type)
        if schema is not None:
            validate(document, schema, body)
            return
    raise AssertionError(
        f"no contract describes {method.upper()} {path} -> {response.status_code} {media_type}"
    )
