"""/openapi.json and /docs speak the seed contract: same operation ids, parameters and schemas."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from talent_training.contract.openapi import seed_spec
from tests.contract.checker import SHARED_SPEC, seed_document, validate
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
