"""Fixtures shared by the whole suite.

Every test gets its own database, a copy of one migrated template, and talks to the app over HTTP
(httpx + ASGI transport). Every response that the seed contract describes is validated against
`shared/spec/lucca-training.seeds.yaml` by `contract_check`, installed on every client.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from talent_training.accounts.service import issue_api_key
from talent_training.app import create_app
from talent_training.settings import Settings
from tests.contract.checker import contract_check
from tests.databases import PostgresDatabases, SQLiteDatabases

Databases = SQLiteDatabases | PostgresDatabases

ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


TEST_DATABASE_URL = "TALENT_TRAINING_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"] if os.environ.get(TEST_DATABASE_URL) else ["sqlite"]


def pytest_report_header() -> str:
    where = os.environ.get(TEST_DATABASE_URL)
    postgres = f", postgresql ({where})" if where else f" (set {TEST_DATABASE_URL} to add postgresql)"
    return f"databases under test: sqlite{postgres}"


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    """Every test runs once per database: SQLite always, PostgreSQL whenever it is configured.

    A configured PostgreSQL that cannot be reached fails the run: it is never skipped.
    """
    backend: Databases
    if request.param == "postgresql":
        backend = PostgresDatabases(os.environ[TEST_DATABASE_URL])
    else:
        backend = SQLiteDatabases(tmp_path_factory.mktemp("template"))
    yield backend
    backend.close()


@pytest.fixture
def database_url(databases: Databases, tmp_path: Path) -> Iterator[str]:
    url = databases.create(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, timezone="UTC")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await application.state.database.dispose()


@pytest.fixture
async def make_client(app: FastAPI) -> AsyncIterator[ClientFactory]:
    """`await make_client(role="write", account="default")`: a client holding a fresh key.

    `role=None` gives a client with no Authorization header.
    """
    opened: list[httpx.AsyncClient] = []

    async def factory(role: str | None = "write", account: str = "default") -> httpx.AsyncClient:
        headers = {}
        if role is not None:
            issued = await issue_api_key(app.state.database, name=f"test-{role}", role=role, account=account)
            headers["Authorization"] = f"lucca application={issued.token}"
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers=headers,
            event_hooks={"response": [contract_check]},
        )
        opened.append(client)
        return client

    yield factory
    for client in opened:
        await client.aclose()


@pytest.fixture
async def client(make_client: ClientFactory) -> httpx.AsyncClient:
    """A `write` key of the `default` account."""
    return await make_client("write")


@pytest.fixture
async def reader(make_client: ClientFactory) -> httpx.AsyncClient:
    """A `read` key of the `default` account."""
    return await make_client("read")


@pytest.fixture
async def stranger(make_client: ClientFactory) -> httpx.AsyncClient:
    """A `write` key of another account, `other`."""
    return await make_client("write", account="other")


@pytest.fixture
async def anonymous(make_client: ClientFactory) -> httpx.AsyncClient:
    return await make_client(None)


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent
