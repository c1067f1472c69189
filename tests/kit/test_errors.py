"""Errors a client can provoke anywhere: 404, 405, 413, 415, malformed JSON, and never a 422 or 5xx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.factories import (
    CATEGORIES,
    PREFIX,
    PROVIDERS,
    REALIZED,
    TRAININGS,
    assert_not_server_error,
    assert_problem,
    count,
    create_training,
    realized_body,
    training_body,
)

MIB = 1024 * 1024


@pytest.mark.parametrize(
    "path", [f"{PREFIX}/v1/nope", f"{PREFIX}/v3/realized-trainings", "/nope", f"{TRAININGS}/1/extra"]
)
async def test_unknown_route_is_404(client: httpx.AsyncClient, path: str) -> None:
    assert_problem(await client.get(path), 404)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", TRAININGS, {"GET", "POST"}),
        ("PUT", f"{TRAININGS}/1", {"GET", "PATCH"}),
        ("PATCH", REALIZED, {"GET", "POST"}),
        ("DELETE", f"{REALIZED}/1", {"GET"}),
        ("PUT", PROVIDERS, {"GET", "POST"}),
        ("POST", f"{CATEGORIES}/1", {"GET"}),
    ],
)
async def test_wrong_method_is_405_with_allow(
    client: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path, json={})

    assert_problem(response, 405)
    allow = {m.strip().upper() for m in response.headers["allow"].split(",")}
    assert allowed <= allow and method not in allow, allow


async def test_body_over_one_mib_is_413_and_nothing_created(client: httpx.AsyncClient) -> None:
    body = training_body(description="d" * (MIB + 10))

    assert_problem(await client.post(TRAININGS, json=body), 413)
    assert await count(client, TRAININGS) == 0


async def test_streamed_body_over_one_mib_is_413(client: httpx.AsyncClient) -> None:
    payload = json.dumps(training_body(description="d" * (MIB + 10))).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 64 * 1024):
            yield payload[start : start + 64 * 1024]

    response = await client.post(TRAININGS, content=chunks(), headers={"Content-Type": "application/json"})

    assert_problem(response, 413)
    assert await count(client, TRAININGS) == 0


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"],
)
async def test_non_json_content_type_is_415(client: httpx.AsyncClient, content_type: str) -> None:
    content = json.dumps(training_body()).encode()

    response = await client.post(TRAININGS, content=content, headers={"Content-Type": content_type})

    assert_problem(response, 415)
    assert await count(client, TRAININGS) == 0


async def test_non_json_patch_is_415_and_nothing_changes(client: httpx.AsyncClient) -> None:
    training = await create_training(client)

    response = await client.patch(
        f"{TRAININGS}/{training['id']}", content=b'{"title": "X"}', headers={"Content-Type": "text/plain"}
    )

    assert_problem(response, 415)
    assert (await client.get(f"{TRAININGS}/{training['id']}")).json() == training


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/vnd.lucca+json"])
async def test_json_media_types_are_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    content = json.dumps(training_body()).encode()

    response = await client.post(TRAININGS, content=content, headers={"Content-Type": content_type})

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b'{"title": "x",}', b"{'title': 'x'}", b"NaN", b'{"durationInHours": NaN}', b"\xff\xfe"],
)
async def test_malformed_json_is_400_on_body(client: httpx.AsyncClient, content: bytes) -> None:
    response = await client.post(TRAININGS, content=content, headers={"Content-Type": "application/json"})

    assert_problem(response, 400, "body")
    assert await count(client, TRAININGS) == 0


@pytest.mark.parametrize("document", [[], [training_body()], "a string", 42, None, True])
async def test_json_that_is_not_an_object_is_400(client: httpx.AsyncClient, document: Any) -> None:
    problem = assert_problem(await client.post(TRAININGS, json=document), 400, "body")
    # Not our class's name. (httpx sends no body at all for None: the plainer mistake has its own words.)
    expected = "A JSON object is required." if document is None else "must be a JSON object"
    assert problem["errors"]["body"] == [expected]
    assert await count(client, TRAININGS) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "must not be empty"),
        ("title", "é" * 251, "must have at most 250 characters (it has 251)"),
        ("subtitle", "x" * 1001, "must have at most 1000 characters (it has 1001)"),
    ],
)
async def test_a_text_out_of_its_limits_is_measured_in_characters(
    client: httpx.AsyncClient, field: str, value: str, message: str
) -> None:
    problem = assert_problem(await client.post(TRAININGS, json=training_body(**{field: value})), 400, field)
    assert problem["errors"][field] == [message]


NASTY_PATHS = [
    f"{TRAININGS}/2147483648",
    f"{TRAININGS}/-1",
    f"{TRAININGS}/99999999999999999999999999",
    f"{TRAININGS}/%00",
    f"{TRAININGS}/%C3%A9",
    f"{TRAININGS}/1e3",
    f"{TRAININGS}/null",
    f"{REALIZED}/%20",
    f"{REALIZED}/0x10",
    f"{PROVIDERS}/[]",
    f"{CATEGORIES}/{{}}",
]


@pytest.mark.parametrize("path", NASTY_PATHS)
async def test_garbage_in_path_is_404(client: httpx.AsyncClient, path: str) -> None:
    assert_problem(await client.get(path), 404)


NASTY_QUERIES: list[dict[str, str]] = [
    {"limit": "99999999999999999999"},
    {"limit": "1e2"},
    {"page": "99999999999999999999"},
    {"page": "\x00"},
    {"page": "é" * 300},
    {"ownerIds": "99999999999999999999"},
    {"ownerIds": "null"},
    {"ownerIds": "[1,2]"},
    {"trainingId": "2147483648"},
    {"sessionEndOnBefore": "99999-01-01"},
    {"sessionEndOnBefore": "0000-00-00"},
    {"sessionEndOnAfter": "2025-13-01"},
    {"hasAttended": "null"},
]


@pytest.mark.parametrize("params", NASTY_QUERIES)
async def test_garbage_in_query_is_400(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    await create_training(client)

    response = await client.get(REALIZED, params=params)

    assert_problem(response, 400, *params)


NASTY_BODIES: list[tuple[str, Any]] = [
    ("ownerId", 2147483648),
    ("ownerId", 10**30),
    ("ownerId", -(2**63)),
    ("ownerId", {"id": 1}),
    ("ownerId", [416]),
    ("trainingId", -1),
    ("trainingId", 10**30),
    ("trainingId", {}),
    ("sessionEndsOn", "2025-01-04\x00"),
    ("sessionEndsOn", "\u0662\u0660\u0662\u0665-\u0660\u0661-\u0660\u0664"),
    ("sessionStartsOn", ["2025-01-04"]),
    ("durationInHours", 1e308),
    ("durationInHours", [14]),
    ("durationInHours", {"value": 14}),
]


@pytest.mark.parametrize(("field", "value"), NASTY_BODIES)
async def test_garbage_in_body_is_400(client: httpx.AsyncClient, field: str, value: Any) -> None:
    training = await create_training(client)

    response = await client.post(REALIZED, json=realized_body(training["id"], **{field: value}))

    assert_problem(response, 400, field)
    assert await count(client, REALIZED) == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"ownerId": 1e400, "trainingId": 1, "sessionStartsOn": "2025-01-04", '
        b'"sessionEndsOn": "2025-01-04", "durationInHours": 14}',
        b'{"durationInHours": 1e-400}',
        b'{"durationInHours": -0}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
        b'{"ownerId": "\\ud800"}',
    ],
)
async def test_pathological_json_never_breaks_the_server(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post(REALIZED, content=raw, headers={"Content-Type": "application/json"})

    assert_problem(response, 400)


@pytest.mark.parametrize(
    "body",
    [
        training_body(title="Émoji 🎓 ☃ 中文 \u202e"),
        training_body(description="\ud7ff" * 10),
    ],
)
async def test_unicode_text_is_stored_as_sent_or_refused_cleanly(
    client: httpx.AsyncClient, body: Any
) -> None:
    response = await client.post(TRAININGS, json=body)

    assert_not_server_error(response)
    if response.status_code == 201:
        fetched = await client.get(f"{TRAININGS}/{response.json()['id']}")
        assert fetched.json()["title"] == body["title"]
        assert fetched.json()["description"] == body["description"]


@pytest.mark.parametrize("field", ["title", "subtitle", "description"])
async def test_a_nul_character_is_refused_on_every_database(client: httpx.AsyncClient, field: str) -> None:
    response = await client.post(TRAININGS, json=training_body(**{field: "nul\x00byte"}))

    assert_problem(response, 400, field)
    assert await count(client, TRAININGS) == 0


async def test_a_nul_character_in_search_is_400(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(TRAININGS, params={"search": "a\x00b"}), 400, "search")


async def test_no_422_for_a_body_of_the_wrong_shape(client: httpx.AsyncClient) -> None:
    for path in (TRAININGS, PROVIDERS, CATEGORIES, REALIZED):
        for body in ({}, {"unexpected": True}, {"name": None, "title": None, "ownerId": None}):
            response = await client.post(path, json=body)
            assert_problem(response, 400)
