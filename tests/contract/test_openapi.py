"""/openapi.json and /docs speak the seed contract: same operation ids, parameters and schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from talent_training.contract.openapi import seed_spec
from tests.contract.checker import (
    EXPLICIT_ERRORS,
    PROBLEM_JSON,
    SHARED_SPEC,
    _exact,
    check_documented_error,
    our_document,
    seed_document,
    validate,
)
from tests.factories import CATEGORIES, PROVIDERS, category_body, provider_body

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def seed_operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in seed_document()["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


async def test_vendored_contract_is_the_shared_one() -> None:
    if SHARED_SPEC.exists():
        import yaml

        assert seed_spec() == yaml.safe_load(SHARED_SPEC.read_text("utf-8"))


async def test_seed_operations_keep_their_ids_and_parameters(anonymous: httpx.AsyncClient) -> None:
    document = (await anonymous.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    for path, method, seeded in seed_operations():
        ours = document["paths"][path][method]
        assert ours["operationId"] == seeded["operationId"]
        names = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in ours["parameters"]}
        seeded_names = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in seeded.get("parameters", [])}
        assert seeded_names <= names


async def test_seed_schemas_are_served_unchanged_but_for_documented_additions(
    anonymous: httpx.AsyncClient,
) -> None:
    ours = (await anonymous.get("/openapi.json")).json()["components"]["schemas"]
    for name, seeded in seed_document()["components"]["schemas"].items():
        served = dict(ours[name])
        if "properties" in seeded:
            added = set(served["properties"]) - set(seeded["properties"])
            assert added <= {"trainingId", "providerId", "categoryId", "cost", "expiresOn"}
            served["properties"] = {k: v for k, v in served["properties"].items() if k not in added}
        assert served == seeded


async def test_extensions_are_tagged(anonymous: httpx.AsyncClient) -> None:
    document = (await anonymous.get("/openapi.json")).json()
    seeded = {(path, method) for path, method, _ in seed_operations()}
    # Documented by Lucca, not in the seeds: tagged as Lucca tags them.
    lucca = {
        ("/talent-training/api/v1/trainings", "get"),
        ("/talent-training/api/v2/training-demands", "get"),
        ("/talent-training/api/v1/realized-trainings", "get"),
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not path.startswith("/talent-training/"):
                assert operation["tags"] == ["Operations"], (path, method)  # /health, /ready
            elif (path, method) not in seeded and (path, method) not in lucca:
                assert operation["tags"] == ["Extensions"], (path, method)


async def test_docs_page_is_served(anonymous: httpx.AsyncClient) -> None:
    page = await anonymous.get("/docs")
    assert page.status_code == 200
    assert "swagger" in page.text.lower()


# Found by fuzzing (tests/contract/test_fuzz.py): the document must allow what the service accepts, and refuse
# what it refuses, or a client's generator (and the fuzzer) is misled.
@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("k", True),
        ("x" * 255, True),
        ('"quoted-key"', True),
        ('"' + "x" * 255 + '"', True),
        ("", False),
        ("x" * 256, False),
        ("a b", False),
        ("é", False),
    ],
)
async def test_idempotency_key_schema_is_the_services_rule(
    client: httpx.AsyncClient, key: str, accepted: bool
) -> None:
    document = (await client.get("/openapi.json")).json()
    schema = document["components"]["parameters"]["ext.Idempotency-Key"]["schema"]
    assert (re.fullmatch(schema["pattern"], key) is not None) is accepted

    response = await client.post(
        PROVIDERS, json=provider_body(), headers={"Idempotency-Key": key.encode("utf-8")}
    )
    assert (response.status_code == 201) is accepted


async def test_a_category_may_be_sent_with_null_translations(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    body = category_body(t9n=None)

    validate(document, {"$ref": "#/components/schemas/ext.Category"}, body)
    assert (await client.post(CATEGORIES, json=body)).status_code == 201


# Examples: every one in the document (requests, answers, errors, parameters, and schemas' own `example`) is
# what the schema beside it accepts, judged as strictly as `contract_check` judges the service's answers. An
# example the schema refuses misleads a client as much as a wrong answer would.
def _resolved(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """A `$ref` to the document's components, followed."""
    while "$ref" in item:
        found: Any = document
        for part in item["$ref"].removeprefix("#/").split("/"):
            found = found[part]
        item = found
    return item


def _schema_examples(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """A schema's own `example`, and those of the schemas inside it."""
    if not isinstance(schema, dict):
        return
    if "example" in schema:
        yield where, schema, schema["example"]
    for name, inner in schema.get("properties", {}).items():
        yield from _schema_examples(inner, f"{where}/properties/{name}")
    for keyword in ("items", "additionalProperties"):
        yield from _schema_examples(schema.get(keyword), f"{where}/{keyword}")
    for keyword in ("allOf", "anyOf", "oneOf"):
        for n, inner in enumerate(schema.get(keyword, [])):
            yield from _schema_examples(inner, f"{where}/{keyword}/{n}")


def _described_examples(
    document: dict[str, Any], described: dict[str, Any], where: str
) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """The examples of a parameter, a header or a media type, with the schema they illustrate."""
    schema = described.get("schema")
    if schema is None:  # a file's bytes (text/csv): nothing to judge them by
        return
    if "example" in described:
        yield f"{where}/example", schema, described["example"]
    for name, example in described.get("examples", {}).items():
        yield f"{where}/examples/{name}", schema, _resolved(document, example)["value"]
    yield from _schema_examples(schema, f"{where}/schema")


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def every_example(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    for path, method, operation in _operations(document):
        at = f"{method.upper()} {path}"
        for parameter in operation.get("parameters", []):
            parameter = _resolved(document, parameter)
            yield from _described_examples(document, parameter, f"{at} parameter {parameter['name']}")
        body = operation.get("requestBody", {}).get("content", {})
        for media_type, described in body.items():
            yield from _described_examples(document, described, f"{at} request {media_type}")
        for status, response in operation["responses"].items():
            for name, header in response.get("headers", {}).items():
                yield from _described_examples(document, header, f"{at} {status} header {name}")
            for media_type, described in response.get("content", {}).items():
                yield from _described_examples(document, described, f"{at} {status} {media_type}")
    for name, schema in document["components"]["schemas"].items():
        yield from _schema_examples(schema, f"components/schemas/{name}")


def test_every_example_is_what_its_schema_accepts() -> None:
    document = our_document()
    examples = list(every_example(document))
    assert len(examples) > 100  # the walk finds them: requests, answers and errors of every operation
    wrong = []
    for where, schema, value in examples:
        try:
            validate(document, schema, _exact(value))  # numbers as an answer's: 0.07 exactly
        except AssertionError as error:
            wrong.append(f"{where}: {error}")
    assert not wrong, "\n".join(wrong)


def _has_example(described: dict[str, Any]) -> bool:
    return "example" in described or bool(described.get("examples"))


def test_every_api_operation_shows_its_answers_and_errors() -> None:
    """Each success answered in JSON has an example; each 400, 404 and 409 documented (contract_check sees
    that every one answered is) has examples of the service's refusals, of that status."""
    document = our_document()
    missing = []
    for path, method, operation in _operations(document):
        if not path.startswith("/talent-training/api/"):
            continue
        at = f"{method.upper()} {path}"
        for status, response in operation["responses"].items():
            content = response.get("content", {})
            if status.startswith("2") and "application/json" in content:
                if not _has_example(content["application/json"]):
                    missing.append(f"{at} {status}: no example")
            elif status in {str(code) for code in EXPLICIT_ERRORS}:
                problem = content.get(PROBLEM_JSON, {})
                if not _has_example(problem):
                    missing.append(f"{at} {status}: no example")
                for name, example in problem.get("examples", {}).items():
                    value = _resolved(document, example)["value"]
                    if value["status"] != int(status) or not value["detail"]:
                        missing.append(f"{at} {status}: example {name} is not of a {status}")
    assert not missing, "\n".join(missing)


def test_the_checker_holds_each_error_to_its_operation() -> None:
    """`contract_check` refuses a 400, 404 or 409 that the operation does not document itself (its `4XX` is
    not enough), and one that breaks what the operation documents for it."""
    not_found = {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Provider 1 was not found.",
    }
    check_documented_error("get", "/talent-training/api/v1/providers/1", 404, not_found)
    # A path no operation serves: the router's own 404, with nothing more to keep.
    check_documented_error("get", "/talent-training/api/v1/nowhere", 404, not_found)
    with pytest.raises(AssertionError, match=r"ext\.get-providers does not document"):
        check_documented_error("get", "/talent-training/api/v1/providers", 404, not_found)
    refused = {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Nothing was imported.",
    }
    check_documented_error("post", "/talent-training/api/v1/imports/employees", 400, refused)
    with pytest.raises(AssertionError, match="report"):
        check_documented_error(
            "post", "/talent-training/api/v1/imports/employees", 400, {**refused, "report": {"rows": -1}}
        )
