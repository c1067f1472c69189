"""PostgreSQL going away and coming back: 503 while it is gone, healed without a restart.

The outage is real: the service reaches PostgreSQL through a TCP relay that the test cuts, which drops
every pooled connection exactly as a database restart or a network failure would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from talent_training.accounts.service import issue_api_key
from talent_training.app import create_app
from talent_training.settings import Settings
from tests.databases import PostgresDatabases, SQLiteDatabases


class Relay:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}


@pytest.fixture
async def relay(databases: SQLiteDatabases | PostgresDatabases, database_url: str) -> AsyncIterator[Relay]:
    if not isinstance(databases, PostgresDatabases):
        pytest.skip("an embedded SQLite file cannot go away; this runs on PostgreSQL")
    url = make_url(database_url)
    relay = Relay(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    yield relay
    with contextlib.suppress(Exception):
        await relay.stop()


PATH = "/talent-training/api/v2/realized-trainings"


@pytest.fixture
async def http(relay: Relay, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that reaches PostgreSQL through the relay, holding a key of its own."""
    through_relay = make_url(database_url).set(host="127.0.0.1", port=relay.port)
    app = create_app(Settings(database_url=through_relay.render_as_string(hide_password=False)))
    token = (await issue_api_key(app.state.database, name="t", role="read")).token
    headers = {"Authorization": f"lucca application={token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as client:
        yield client
    await app.state.database.dispose()


async def test_outage_is_503_and_the_service_heals_by_itself(relay: Relay, http: httpx.AsyncClient) -> None:
    assert (await http.get("/ready")).status_code == 200
    assert (await http.get(PATH)).status_code == 200

    await relay.stop()
    down = await http.get("/ready")
    refused = await http.get(PATH)
    by_id = await http.get(f"{PATH}/1")  # the GET-by-id shortcut must hand over, not fail
    assert (down.status_code, refused.status_code, by_id.status_code) == (503, 503, 503)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"

    await relay.start()
    assert (await http.get("/ready")).status_code == 200
    assert (await http.get(PATH)).status_code == 200


async def test_a_restart_while_idle_costs_at_most_one_request(relay: Relay, http: httpx.AsyncClient) -> None:
    assert (await http.get(PATH)).status_code == 200

    await relay.stop()  # every pooled connection dies while no request is running
    await relay.start()

    statuses = [(await http.get(PATH)).status_code for _ in range(3)]
    # The first use of a dead connection fails (503, never 500) and discards the pool; then healed.
    assert statuses in ([200, 200, 200], [503, 200, 200])
