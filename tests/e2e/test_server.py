"""The real thing: `talent-training serve` in its own process (two workers), driven over loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

EXECUTABLE = Path(sys.executable).parent / "talent-training"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    def __init__(
        self, process: subprocess.Popen[str], port: int, key: str, log: Path, metrics: Path, database_url: str
    ) -> None:
        self.process, self.port, self.key = process, port, key
        self.log, self.metrics, self.database_url = log, metrics, database_url
        self.base_url = f"http://127.0.0.1:{port}"

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    log, metrics, key_file = tmp_path / "server.log", tmp_path / "metrics", tmp_path / "initial-key"
    metrics.mkdir()
    env = {
        **os.environ,
        "TALENT_TRAINING_DATABASE_URL": database_url,
        "TALENT_TRAINING_LOG_FORMAT": "json",
        "TALENT_TRAINING_INITIAL_KEY_FILE": str(key_file),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    log_file = log.open("w")
    # Its output is not a terminal: the first start writes the new key to a file only its owner may read.
    process = subprocess.Popen(
        [str(EXECUTABLE), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly; a ready server is not waited for
        # Both workers up, not just the first: each says so once its application has started.
        while log.read_text().count("Application startup complete") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert log.read_text().count("Application startup complete") == 2, log.read_text()
        assert key_file.stat().st_mode & 0o777 == 0o600
        key = key_file.read_text().strip()
        assert key.startswith("tt_") and key not in log.read_text()
        yield Server(process, port, key, log, metrics, database_url)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log_file.close()


async def test_seed_tour_over_a_real_socket(server: Server) -> None:
    headers = {"Authorization": f"lucca application={server.key}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10) as http:
        provider = await http.post(
            "/talent-training/api/v1/providers",
            json={"name": "L'Élan Français", "websiteHref": "https://elan-francais.fr"},
        )
        category = await http.post(
            "/talent-training/api/v1/categories",
            json={"name": "Languages", "t9n": {"name": {"Fr": "Langues", "Es": "Idiomas"}}},
        )
        training = await http.post(
            "/talent-training/api/v1/trainings",
            json={
                "title": "Mastering French: From Basics to Fluency",
                "subtitle": "A Complete Training Program",
                "description": "Unlock the beauty of the French language.",
                "providerId": provider.json()["id"],
                "categoryId": category.json()["id"],
                "level": "Beginner",
                "isCertifying": False,
                "isMandatory": False,
            },
        )
        assert training.status_code == 201, training.text
        body = {
            "ownerId": 416,
            "trainingId": training.json()["id"],
            "sessionStartsOn": "2025-01-04",
            "sessionEndsOn": "2025-01-04",
            "hasAttended": True,
            "durationInHours": 14,
        }
        # Sixteen identical requests spread over two processes: the constraint admits one.
        results = await asyncio.gather(
            *(http.post("/talent-training/api/v2/realized-trainings", json=body) for _ in range(16))
        )
        assert sorted(r.status_code for r in results) == [201] + [409] * 15
        created = next(r for r in results if r.status_code == 201).json()
        assert created["durationInHours"] == 14
        assert created["training"]["providerUrl"] == "https://elan-francais.fr"

        fetched = await http.get(f"/talent-training/api/v2/realized-trainings/{created['id']}")
        assert fetched.json() == created
        listed = await http.get(
            "/talent-training/api/v2/realized-trainings",
            params={"ownerIds": "416,23", "fields.root": "count"},
        )
        assert listed.json() == {"items": [created], "count": 1}


def test_sigterm_lets_an_in_flight_request_finish_then_exits(server: Server) -> None:
    body = json.dumps({"name": "Drained on shutdown"}).encode()
    head = (
        "POST /talent-training/api/v1/providers HTTP/1.1\r\nHost: test\r\n"
        f"Authorization: lucca application={server.key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(head + body[:5])
        time.sleep(0.5)  # the worker has the request's head and waits for the rest of its body
        server.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)  # shutdown has begun: no new connections, in-flight ones run to their end
        connection.sendall(body[5:])
        response = connection.recv(65536)

    assert response.startswith(b"HTTP/1.1 201"), response[:200]
    assert server.process.wait(timeout=30) == 0


def cli(server: Server, *args: str) -> str:
    env = {**os.environ, "TALENT_TRAINING_DATABASE_URL": server.database_url}
    return subprocess.run(
        [str(EXECUTABLE), *args], env=env, capture_output=True, text=True, timeout=60, check=True
    ).stdout


def counted(metrics: str, method: str, route: str, status: int) -> float:
    labels = f'method="{method}",route="{route}",status="{status}"'
    line = next(
        (x for x in metrics.splitlines() if x.startswith(f"talent_training_http_requests_total{{{labels}}}")),
        None,
    )
    return float(line.rsplit(" ", 1)[1]) if line else 0.0


async def test_metrics_add_up_every_route_family_over_both_workers(server: Server) -> None:
    api = "/talent-training/api"
    headers = {"Authorization": f"lucca application={server.key}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10) as http:
        training = (await http.post(f"{api}/v1/trainings", json={
            "title": "T", "subtitle": "S", "description": "D", "level": "Expert",
            "isCertifying": False, "isMandatory": False,
        })).json()  # fmt: skip
        families = {
            f"{api}/v1/trainings/{{id}}": f"{api}/v1/trainings/{training['id']}",
            f"{api}/v1/trainings": f"{api}/v1/trainings",
            f"{api}/v1/providers": f"{api}/v1/providers",
            f"{api}/v1/categories": f"{api}/v1/categories",
            f"{api}/v2/realized-trainings": f"{api}/v2/realized-trainings",
            "/health": "/health",
        }
    # A connection of its own per request, all at once, so that both workers accept some.
    fresh = httpx.Limits(max_keepalive_connections=0, max_connections=200)
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10, limits=fresh) as http:
        await asyncio.gather(*(http.get(path) for path in families.values() for _ in range(20)))
        await asyncio.gather(*(http.get(f"{api}/v1/nothing") for _ in range(5)))
        # Each worker hands its counts over once a second: the other worker's may be a second behind.
        for _ in range(50):
            metrics = (await http.get("/metrics")).text
            if counted(metrics, "GET", "unmatched", 404) == 5 and all(
                counted(metrics, "GET", route, 200) >= 20 for route in families
            ):
                break
            await asyncio.sleep(0.1)

    for route in families:
        assert counted(metrics, "GET", route, 200) == 20, route
    assert counted(metrics, "POST", f"{api}/v1/trainings", 201) == 1
    assert counted(metrics, "GET", "unmatched", 404) == 5
    writers = {path.name.rsplit("_", 1)[1] for path in server.metrics.glob("counter_*.db")}
    assert len(writers) == 2  # both workers' figures were added up


async def test_json_log_lines_carry_the_request_id_and_no_secret(server: Server) -> None:
    headers = {"Authorization": f"lucca application={server.key}", "X-Request-Id": "e2e-trace-42"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10) as http:
        answered = await http.get("/talent-training/api/v1/trainings/999999")
    assert answered.headers["x-request-id"] == "e2e-trace-42"

    for _ in range(50):  # the line is written as the answer leaves
        lines = [line for line in server.log_lines() if line.get("request_id") == "e2e-trace-42"]
        if lines:
            break
        await asyncio.sleep(0.1)
    (access,) = [line for line in lines if line["logger"] == "talent_training.access"]
    assert (access["method"], access["status"]) == ("GET", 404)
    assert access["route"] == "/talent-training/api/v1/trainings/{id}"
    assert access["actor"] == "key:" + server.key.split("_")[1]
    assert server.key.split("_", 2)[2] not in server.log.read_text()


async def test_a_key_revoked_with_the_cli_is_refused_by_both_workers_at_once(server: Server) -> None:
    token = cli(server, "api-key", "create", "short-lived", "--role", "read").splitlines()[-1]
    url = "/talent-training/api/v1/trainings"
    headers = {"Authorization": f"lucca application={token}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10) as http:
        served = await asyncio.gather(*(http.get(url) for _ in range(40)))  # remembered by both workers
    assert {r.status_code for r in served} == {200}

    cli(server, "api-key", "revoke", token.split("_")[1])

    # New connections: the revocation waits for every worker to answer, long enough on a busy machine for
    # the server to close connections kept alive meanwhile as a client reuses them ("Server disconnected").
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=10) as http:
        refused = await asyncio.gather(*(http.get(url) for _ in range(40)))
    assert {r.status_code for r in refused} == {401}


def serve_once(database_url: str, key_file: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    """`serve` as a user starts it: no metrics folder set, the given flags; its base URL once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "TALENT_TRAINING_DATABASE_URL": database_url,
        "TALENT_TRAINING_INITIAL_KEY_FILE": str(key_file),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen(
        [str(EXECUTABLE), "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base_url}/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    return process, base_url


@pytest.mark.parametrize(("host", "served"), [("127.0.0.1", True), ("0.0.0.0", False)])
def test_metrics_with_one_worker_are_served_on_loopback_only(
    database_url: str, tmp_path: Path, host: str, served: bool
) -> None:
    process, base_url = serve_once(database_url, tmp_path / "key", "--host", host)
    try:
        for _ in range(3):
            httpx.get(f"{base_url}/health", timeout=5)
        metrics = httpx.get(f"{base_url}/metrics", timeout=5)
    finally:
        process.terminate()
        process.wait(timeout=30)
    if served:
        assert counted(metrics.text, "GET", "/health", 200) >= 3
    else:
        assert metrics.status_code == 404
