"""What every answer carries and what no request gets past: security headers, CORS only on an allow-list,
strict bodies, and the findings of the hardening review (issue 9), each pinned by a test."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from talent_training.app import TalentTraining, create_app
from talent_training.settings import Settings
from tests.conftest import ClientFactory, http_client, new_key
from tests.factories import (
    PROVIDERS,
    REALIZED,
    TRAININGS,
    assert_problem,
    count,
    training_body,
)


@pytest.mark.parametrize("path", ["/health", PROVIDERS, f"{PROVIDERS}/999999", "/nowhere", "/docs"])
async def test_every_answer_says_nosniff_and_no_referrer(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "strict-transport-security" not in response.headers  # not configured: not behind TLS


async def test_authenticated_answers_are_not_stored_by_caches(client: httpx.AsyncClient) -> None:
    assert (await client.get(PROVIDERS)).headers["cache-control"] == "no-store"
    assert (await client.get(f"{PROVIDERS}/999999")).headers["cache-control"] == "no-store"
    assert "cache-control" not in (await client.get("/health")).headers


async def test_hsts_when_configured(databases: object, app: TalentTraining) -> None:
    behind_tls = create_app(app.state.settings.model_copy(update={"hsts_max_age_s": 31536000}), app.database)
    async with http_client(behind_tls) as anonymous:
        response = await anonymous.get("/health")

    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


PREFLIGHT = {"Origin": "https://hr.example", "Access-Control-Request-Method": "POST"}


async def test_cors_is_off_without_an_allow_list(client: httpx.AsyncClient) -> None:
    preflight = await client.options(PROVIDERS, headers=PREFLIGHT)
    simple = await client.get(PROVIDERS, headers={"Origin": "https://hr.example"})

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in simple.headers


@pytest.fixture
async def cors_app(database_url: str) -> AsyncIterator[TalentTraining]:
    app = create_app(Settings(database_url=database_url, cors_origins=["https://hr.example"]))
    yield app
    await app.close()


async def test_cors_answers_the_listed_origins_only(cors_app: TalentTraining) -> None:
    token = await new_key(cors_app)
    async with http_client(cors_app, token) as client:
        allowed = await client.options(
            PROVIDERS,
            headers={**PREFLIGHT, "Access-Control-Request-Headers": "authorization,idempotency-key"},
        )
        refused = await client.options(PROVIDERS, headers={**PREFLIGHT, "Origin": "https://evil.example"})
        simple = await client.get(PROVIDERS, headers={"Origin": "https://hr.example"})

    assert allowed.status_code == 204 and allowed.content == b""
    assert allowed.headers["access-control-allow-origin"] == "https://hr.example"
    assert "idempotency-key" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in refused.headers
    assert "origin" in assert_problem(refused, 400)["detail"]
    assert simple.headers["access-control-allow-origin"] == "https://hr.example"
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()


async def test_a_body_without_content_type_is_415_and_writes_nothing(client: httpx.AsyncClient) -> None:
    response = await client.post(TRAININGS, content=httpx.Response(200, json=training_body()).content)

    assert "Content-Type" in assert_problem(response, 415)["detail"]
    assert await count(client, TRAININGS) == 0


@pytest.mark.parametrize(
    ("encoding", "content_type", "status"),
    [
        ("utf-16", "application/json", 400),
        ("utf-16-le", "application/json", 400),
        ("utf-32", "application/json", 400),
        ("utf-16", "application/json; charset=utf-16", 415),
        ("latin-1", "application/json; charset=iso-8859-1", 415),
    ],
)
async def test_json_is_utf8_only(
    client: httpx.AsyncClient, encoding: str, content_type: str, status: int
) -> None:
    body = '{"title": "Sécurité incendie", "level": "Beginner"}'.encode(encoding)

    response = await client.post(TRAININGS, content=body, headers={"Content-Type": content_type})

    assert_problem(response, status)
    assert await count(client, TRAININGS) == 0


async def test_a_state_outside_the_enum_is_400(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(TRAININGS, json=training_body(state="AAA")), 400, "state")
    assert await count(client, TRAININGS) == 0


@pytest.mark.parametrize(
    ("path", "params", "name"),
    [
        (REALIZED, [("ownerIds", "1"), ("ownerIds", "1")], "ownerIds"),
        (REALIZED, [("ownerIds", "1,2,1")], "ownerIds"),
        (TRAININGS, [("providerIds", "3,3")], "providerIds"),
    ],
)
async def test_id_lists_are_unique_items(
    client: httpx.AsyncClient, path: str, params: list[tuple[str, str]], name: str
) -> None:
    assert_problem(await client.get(path, params=params), 400, name)


@pytest.mark.parametrize("path", [f"{PROVIDERS}/", f"{TRAININGS}/1/", "/health/"])
async def test_a_trailing_slash_is_not_redirected(make_client: ClientFactory, path: str) -> None:
    anonymous, client = await make_client(None), await make_client()

    stranger = await anonymous.get(path, headers={"Host": "evil.example"})
    known = await client.get(path, headers={"Host": "evil.example"})

    assert stranger.status_code == (404 if path.startswith("/health") else 401)
    assert known.status_code == 404
    assert "location" not in stranger.headers and "location" not in known.headers
    assert "evil.example" not in stranger.text + known.text


async def test_head_on_health(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.head("/health")

    assert response.status_code == 200 and response.content == b""


async def test_docs_need_no_internet(anonymous: httpx.AsyncClient) -> None:
    page = (await anonymous.get("/docs")).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    init = (await anonymous.get("/docs/init.js")).text

    assert sources and all(source.startswith("/docs/") for source in sources)
    assert "validatorUrl: null" in init  # Swagger UI would otherwise call validator.swagger.io
    for source in sources:
        asset = await anonymous.get(source)
        assert asset.status_code == 200 and len(asset.content) > 100, source
    bundle = (await anonymous.get("/docs/swagger-ui-bundle.js")).text
    assert "SwaggerUIBundle" in bundle


@asynccontextmanager
async def writes_held(database_url: str) -> AsyncIterator[None]:
    """Another session holds what a write needs: SQLite's write lock, or PostgreSQL's lock on trainings."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    connection = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        async with connection.transaction():
            await connection.execute("LOCK TABLE trainings IN EXCLUSIVE MODE")
            yield
    finally:
        await connection.close()


async def test_a_write_stuck_behind_a_lock_is_a_prompt_503_and_writes_nothing(database_url: str) -> None:
    """The statement timeout (PostgreSQL) or the request time limit (both) ends the wait; the client learns to
    retry, and nothing was written."""
    app = create_app(Settings(database_url=database_url, request_timeout_s=1, statement_timeout_s=0.5))
    try:
        token = await new_key(app)
        async with http_client(app, token) as client:
            async with writes_held(database_url):
                started = time.monotonic()
                response = await client.post(TRAININGS, json=training_body())
                waited = time.monotonic() - started
            assert_problem(response, 503)
            assert response.headers["retry-after"]
            assert waited < 5
            assert await count(client, TRAININGS) == 0
            assert (await client.post(TRAININGS, json=training_body())).status_code == 201
    finally:
        await app.close()
