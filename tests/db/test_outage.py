"""The database going away and coming back: 503 while it is gone, healed without a restart.

The outage is real: the service reaches PostgreSQL through a TCP relay that the test cuts, which drops
every pooled connection exactly as a database restart or a network failure would.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from talent_training.app import create_app
from talent_training.db.database import Database
from talent_training.db.statements import Query
from talent_training.settings import Settings
from tests.conftest import new_key
from tests.factories import realized_body, training_body


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
async def relay(database_url: str) -> AsyncIterator[Relay]:
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
    headers = {"Authorization": f"lucca application={await new_key(app, 'read')}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as client:
        yield client
    await app.close()


@pytest.mark.postgresql_only  # an embedded SQLite file cannot go away
async def test_outage_is_503_and_the_service_heals_by_itself(relay: Relay, http: httpx.AsyncClient) -> None:
    assert (await http.get("/ready")).status_code == 200
    assert (await http.get(PATH)).status_code == 200

    await relay.stop()
    down = await http.get("/ready")
    refused = await http.get(PATH)
    by_id = await http.get(f"{PATH}/1")
    assert (down.status_code, refused.status_code, by_id.status_code) == (503, 503, 503)
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"

    await relay.start()
    assert (await http.get("/ready")).status_code == 200
    assert (await http.get(PATH)).status_code == 200


@pytest.mark.postgresql_only
async def test_a_restart_while_idle_costs_at_most_one_request(relay: Relay, http: httpx.AsyncClient) -> None:
    assert (await http.get(PATH)).status_code == 200

    await relay.stop()  # every pooled connection dies while no request is running
    await relay.start()

    statuses = [(await http.get(PATH)).status_code for _ in range(3)]
    # The first use of a dead connection fails (503, never 500) and discards the pool; then healed.
    assert statuses in ([200, 200, 200], [503, 200, 200])


async def terminate_backends(database_url: str) -> None:
    url = make_url(database_url)
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()


@pytest.mark.postgresql_only  # backends to terminate
async def test_killed_backends_cost_at_most_one_503_and_never_a_500(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, db_pool_size=3))
    token = await new_key(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a 500 must show as a 500
    headers = {"Authorization": f"lucca application={token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as http:
        training = await http.post("/talent-training/api/v1/trainings", json=training_body())
        first = await http.post(PATH, json=realized_body(training.json()["id"], ownerId=999_999))
        for round_ in range(10):
            # Every pooled connection in use once, then killed by the server while idle.
            await asyncio.gather(
                *(http.get(f"{PATH}/{first.json()['id']}") for _ in range(6)), http.get(PATH)
            )
            await terminate_backends(database_url)

            statuses = []
            for n in range(4):
                body = realized_body(training.json()["id"], ownerId=1000 * round_ + n + 1)
                statuses += [
                    (await http.post(PATH, json=body)).status_code,
                    (await http.get(PATH)).status_code,
                ]

            assert 500 not in statuses, statuses
            assert statuses.count(503) <= 1, statuses
            assert statuses[-2:] == [201, 200], statuses
    await app.close()


_ONE = Query(select(func.count()))


@contextlib.asynccontextmanager
async def only_connection_taken(database: Database) -> AsyncIterator[None]:
    """Holds the pool's one reading connection, as a long request would."""
    async with database.read() as tx:
        await tx.value(_ONE)
        yield


async def test_an_exhausted_pool_is_a_prompt_503_that_says_busy(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, db_pool_size=1, db_pool_timeout=0.3))
    token = await new_key(app, "read")
    # The key is read first (and, on PostgreSQL, remembered), so that the request waits for its record only.
    headers = {"Authorization": f"lucca application={token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as http:
        assert (await http.get(f"{PATH}/1")).status_code == 404
        async with only_connection_taken(app.database):
            response = await http.get(f"{PATH}/1")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert "busy" in response.json()["detail"]
    await app.close()
