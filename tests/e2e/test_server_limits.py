"""What a client may cost a real server: head size and count limits (431), a read timeout for heads and bodies
(408), and a client that leaves mid-body is not an error. Raw sockets, because HTTP clients behave."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_server import EXECUTABLE, free_port

READ_TIMEOUT_S = 1.5


class Limited:
    def __init__(self, port: int, key: str, log: Path) -> None:
        self.port, self.key, self.log = port, key, log

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def exchange(self, raw: bytes) -> bytes:
        """Send `raw`, read until the server closes the connection or has answered."""
        with self.connect() as connection:
            connection.sendall(raw)
            return read_answer(connection)


def read_answer(connection: socket.socket) -> bytes:
    answer = b""
    while True:
        try:
            chunk = connection.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        if _ and b"content-length: " + str(len(body)).encode() in head.lower():
            break
    return answer


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Limited]:
    """One server for the module, on SQLite: what is tested here happens before any database is used."""
    port, tmp_path = free_port(), tmp_path_factory.mktemp("limited")
    log, key_file = tmp_path / "server.log", tmp_path / "initial-key"
    env = {
        **os.environ,
        "TALENT_TRAINING_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'talent-training.db'}",
        "TALENT_TRAINING_INITIAL_KEY_FILE": str(key_file),
        "TALENT_TRAINING_READ_TIMEOUT_S": str(READ_TIMEOUT_S),
        "TALENT_TRAINING_MAX_HEADER_BYTES": "8192",
        "TALENT_TRAINING_MAX_HEADERS": "20",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(EXECUTABLE), "serve", "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 120
            while "Uvicorn running on" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "Uvicorn running on" in log.read_text(), log.read_text()
            yield Limited(port, key_file.read_text().strip(), log)
        finally:
            process.terminate()
            process.wait(timeout=30)


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer[9:12])


def assert_request_id(answer: bytes, limited: Limited) -> None:
    """Refused before the application, still with an id of the request's own, which the log names."""
    head = answer.split(b"\r\n\r\n", 1)[0].decode()
    ids = [
        line.split(":", 1)[1].strip()
        for line in head.split("\r\n")
        if line.lower().startswith("x-request-id:")
    ]
    assert len(ids) == 1 and ids[0], head
    deadline = time.monotonic() + 5
    while ids[0] not in limited.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ids[0] in limited.log.read_text()


def test_a_sane_request_is_served(limited: Limited) -> None:
    assert status_of(limited.exchange(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200


def test_a_huge_header_is_431_and_closes(limited: Limited) -> None:
    answer = limited.exchange(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")

    assert status_of(answer) == 431
    assert b"application/problem+json" in answer and b"8192 bytes" in answer
    assert_request_id(answer, limited)


def test_too_many_headers_is_431(limited: Limited) -> None:
    headers = b"".join(b"X-H%d: v\r\n" % n for n in range(30))

    assert status_of(limited.exchange(b"GET /health HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")) == 431


def test_a_head_sent_slowly_is_408_after_the_read_timeout(limited: Limited) -> None:
    with limited.connect() as connection:
        started = time.monotonic()
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        answer = read_answer(connection)

    assert status_of(answer) == 408
    assert READ_TIMEOUT_S * 0.8 < time.monotonic() - started < READ_TIMEOUT_S + 5


def test_an_idle_connection_is_closed(limited: Limited) -> None:
    with limited.connect() as connection:
        started = time.monotonic()
        answer = read_answer(connection)  # sending nothing at all

    assert answer == b"" or status_of(answer) == 408
    assert time.monotonic() - started < READ_TIMEOUT_S + 5


def test_a_body_that_stops_coming_is_closed_and_writes_nothing(limited: Limited) -> None:
    body = b'{"name": "Half"}'
    with limited.connect() as connection:
        connection.sendall(
            b"POST /talent-training/api/v1/providers HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\n"
            b"Authorization: lucca application=" + limited.key.encode() + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body[:5]
        )
        started = time.monotonic()
        read_answer(connection)
        assert time.monotonic() - started < READ_TIMEOUT_S + 5

    listing = limited.exchange(
        b"GET /talent-training/api/v1/providers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: lucca application=" + limited.key.encode() + b"\r\n\r\n"
    )
    assert status_of(listing) == 200 and b"Half" not in listing


def test_a_client_leaving_mid_body_is_not_an_error(limited: Limited) -> None:
    logged_before = len(limited.log.read_text())
    for path in (b"/talent-training/api/v1/providers", b"/talent-training/api/v1/trainings"):
        with limited.connect() as connection:
            connection.sendall(
                b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Authorization: lucca application=" + limited.key.encode() + b"\r\n"
                b'Content-Length: 1000\r\n\r\n{"name": '
            )
            time.sleep(0.2)
    time.sleep(0.5)

    log = limited.log.read_text()[logged_before:]
    assert "Traceback" not in log and "ERROR" not in log and "unexpected" not in log.lower(), log
    assert status_of(limited.exchange(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200


def test_what_is_not_http_is_a_400_problem(limited: Limited) -> None:
    answer = limited.exchange(b"GARBAGE\x00\x01 nonsense\r\n\r\n")

    assert status_of(answer) == 400 and b"application/problem+json" in answer
    assert_request_id(answer, limited)
