"""The one request path: every route, every answer, carries what must hold on every request."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import httpx
import pytest

from talent_training.app import API_PREFIX, TalentTraining, create_app
from talent_training.settings import Settings
from talent_training.web.logs import JsonFormatter
from tests.conftest import http_client, new_key
from tests.factories import REALIZED, TRAININGS, create_training, realized_body

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def concrete(path: str) -> str:
    return path.replace("{id}", "1")


async def test_every_route_and_every_refusal_answers_through_the_one_path(app: TalentTraining) -> None:
    """`X-Request-Id` is set by the outermost step of the path: an answer without it was served outside."""
    writer = http_client(app, await new_key(app))
    anonymous = http_client(app)
    answers: list[httpx.Response] = []
    for route in app.routes:
        path = concrete(route.path)
        body = {} if route.method in ("POST", "PATCH", "PUT") else None
        answers.append(await writer.request(route.method, path, json=body))
        answers.append(await anonymous.request(route.method, path, json=body))
        if route.method == "GET":
            answers.append(await writer.head(path))
    answers += [
        await writer.get(f"{API_PREFIX}/v9/nothing"),  # 404
        await writer.delete(TRAININGS),  # 405
        await anonymous.get("/nothing"),
        await writer.get(f"{TRAININGS}/"),  # a trailing slash is another path, not a redirect
    ]
    missing = [
        (a.request.method, a.request.url.path, a.status_code)
        for a in answers
        if "x-request-id" not in a.headers
    ]
    assert missing == []
    assert all(a.status_code < 500 for a in answers), [(a.request.url.path, a.status_code) for a in answers]
    await writer.aclose()
    await anonymous.aclose()


async def test_every_api_route_needs_a_key_and_is_documented(
    app: TalentTraining, anonymous: httpx.AsyncClient
) -> None:
    documented = {
        (method.upper(), path)
        for path, item in json.loads(app.state.openapi_json)["paths"].items()
        for method in item
    }
    for route in app.routes:
        if route.path.startswith(API_PREFIX):
            assert (route.method, route.path) in documented
            response = await anonymous.request(route.method, concrete(route.path))
            assert response.status_code == 401, route.path


async def test_a_sane_request_id_is_echoed_and_any_other_replaced(client: httpx.AsyncClient) -> None:
    sent = "req-2026.11.28_ABC:1"
    assert (await client.get(TRAININGS, headers={"X-Request-Id": sent})).headers["x-request-id"] == sent
    for insane in ("a" * 129, "has space", "é".encode(), ""):
        echoed = (await client.get(TRAININGS, headers={"X-Request-Id": insane})).headers["x-request-id"]
        assert GENERATED_ID.fullmatch(echoed), insane
    first, second = (await client.get(TRAININGS)).headers, (await client.get(TRAININGS)).headers
    assert first["x-request-id"] != second["x-request-id"]


async def test_head_answers_the_gets_headers_without_a_body(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    url = f"{TRAININGS}/{training['id']}"
    got, head = await client.get(url), await client.head(url)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == got.headers["content-length"]
    assert (await client.head("/health")).status_code == 200


def records_of(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if getattr(record, "request_id", None) == request_id]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "route"),
    [
        ("GET", TRAININGS, None, 200, TRAININGS),
        ("POST", TRAININGS, {"title": 5}, 400, TRAININGS),
        ("GET", f"{TRAININGS}/2147483647", None, 404, f"{TRAININGS}/{{id}}"),
        ("GET", f"{REALIZED}/1", None, 401, f"{REALIZED}/{{id}}"),
        ("GET", f"{API_PREFIX}/v9/nothing", None, 404, "unmatched"),
    ],
)
async def test_one_access_line_per_request_with_its_id(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    body: Any,
    status: int,
    route: str,
) -> None:
    caller = anonymous if status == 401 else client
    with caplog.at_level(logging.INFO, logger="talent_training"):
        response = await caller.request(method, path, json=body)
    assert response.status_code == status
    request_id = response.headers["x-request-id"]
    access = [r for r in records_of(caplog, request_id) if r.name == "talent_training.access"]
    assert len(access) == 1
    line: Any = access[0]
    assert (line.method, line.route, line.status) == (method, route, status)
    assert line.duration_ms >= 0
    prefix = client.headers["Authorization"].split("_")[1]
    assert line.actor == ("-" if status == 401 else f"key:{prefix}")
    text = JsonFormatter().format(line)
    assert json.loads(text)["request_id"] == request_id
    assert client.headers["Authorization"].split("_", 2)[2] not in text  # never a secret


async def test_a_503_is_logged_with_the_request_id_of_its_access_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Nothing listens on port 9: the database is unreachable.
    app = create_app(
        Settings(database_url="postgresql+asyncpg://postgres@127.0.0.1:9/none", db_pool_timeout=1)
    )
    async with http_client(app, "tt_0011223344556677_secret") as http:
        with caplog.at_level(logging.INFO, logger="talent_training"):
            response = await http.get(REALIZED)
    await app.close()
    assert response.status_code == 503
    logged = records_of(caplog, response.headers["x-request-id"])
    assert {r.name for r in logged} == {"talent_training", "talent_training.access"}
    assert any(r.levelno == logging.ERROR and "unavailable" in r.getMessage() for r in logged)


def sample(metrics: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics.splitlines():
        if line.startswith(name + "{"):
            found = line[len(name) + 1 : line.rindex("}")]
            if ",".join(sorted(found.split(","))) == wanted:
                return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_every_route_family_by_template_and_status(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    training = await create_training(client)
    assert (await client.post(REALIZED, json=realized_body(training["id"]))).status_code == 201
    for _ in range(3):
        await client.get(f"{TRAININGS}/{training['id']}")
    await anonymous.get(TRAININGS)
    await client.get(f"{API_PREFIX}/v9/nothing")

    metrics = (await anonymous.get("/metrics")).text

    total = "talent_training_http_requests_total"
    assert sample(metrics, total, method="GET", route=f"{TRAININGS}/{{id}}", status="200") == 3
    assert sample(metrics, total, method="POST", route=REALIZED, status="201") == 1
    assert sample(metrics, total, method="GET", route=TRAININGS, status="401") == 1
    assert sample(metrics, total, method="GET", route="unmatched", status="404") == 1
    histogram = "talent_training_http_request_duration_seconds_count"
    assert sample(metrics, histogram, method="GET", route=f"{TRAININGS}/{{id}}") == 3
    assert "talent_training_db_connections_in_use" in metrics
    assert "talent_training_db_connection_waiters" in metrics


def test_metrics_are_off_on_a_public_interface_unless_asked_for() -> None:
    url = "sqlite+aiosqlite:////tmp/talent-training-unused.db"
    assert Settings(database_url=url, host="0.0.0.0").metrics_enabled is False
    assert Settings(database_url=url, host="0.0.0.0", metrics=True).metrics_enabled is True
    assert Settings(database_url=url, host="127.0.0.1").metrics_enabled is True
    assert Settings(database_url=url, host="::1", metrics=False).metrics_enabled is False


async def test_without_metrics_there_is_no_metrics_route(databases: Any) -> None:
    app = create_app(Settings(database_url=databases.work_url, metrics=False))
    async with http_client(app) as http:
        assert (await http.get("/metrics")).status_code == 404
    await app.close()


async def test_a_websocket_is_refused_cleanly(app: TalentTraining) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(
        {"type": "websocket", "path": "/talent-training/api/v1/trainings", "headers": []}, receive, send
    )
    assert sent == [{"type": "websocket.close", "code": 1008}]


async def test_a_listener_started_in_a_request_does_not_log_under_its_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from talent_training.db.postgres import PostgresListener, connect_arguments
    from talent_training.web.logs import REQUEST_ID, install_request_ids

    install_request_ids()
    token = REQUEST_ID.set("the-request-that-started-it")
    try:
        # Nothing listens on port 9: the listener logs its failure to connect.
        arguments = connect_arguments("postgresql+asyncpg://postgres@127.0.0.1:9/none", timeout=1)
        with caplog.at_level(logging.WARNING, logger="talent_training.db"):
            listener = PostgresListener(arguments, "channel", lambda _: None, lambda: None)
            for _ in range(100):
                if caplog.records:
                    break
                await asyncio.sleep(0.02)
            await listener.close()
    finally:
        REQUEST_ID.reset(token)
    assert caplog.records
    assert {getattr(r, "request_id", None) for r in caplog.records} == {"-"}
