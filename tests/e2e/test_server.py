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

import httpx
import pytest

EXECUTABLE = Path(sys.executable).parent / "talent-training"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    def __init__(self, process: subprocess.Popen[str], port: int, key: str) -> None:
        self.process, self.port, self.key = process, port, key
        self.base_url = f"http://127.0.0.1:{port}"


@pytest.fixture
def server(database_url: str) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "TALENT_TRAINING_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [str(EXECUTABLE), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        key = ""
        for line in process.stdout:  # the first start prints a fresh key, once
            if line.startswith("API key: "):
                key = line.removeprefix("API key: ").strip()
                break
        assert key, "serve did not print the initial key"
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield Server(process, port, key)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


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
