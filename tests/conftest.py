"""Fixtures shared by the whole suite.

Every test runs once per database: SQLite always, PostgreSQL whenever a server answers (the one named by
TALENT_TRAINING_TEST_DATABASE_URL, which must then answer, or the local default). Each test worker migrates
one database per backend; a test talks to the app over HTTP (httpx + ASGI transport) inside a transaction
rolled back at its end (tests/databases.py). Every response that a contract describes is validated against
it by `contract_check`, installed on every client.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from talent_training.accounts.service import issue_api_key
from talent_training.app import TalentTraining, create_app
from talent_training.db.database import Database
from talent_training.settings import Settings
from tests.contract.checker import contract_check
from tests.databases import PostgresDatabases, SQLiteDatabases

Databases = SQLiteDatabases | PostgresDatabases
ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]

TEST_DATABASE_URL = "TALENT_TRAINING_TEST_DATABASE_URL"
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str | None:
    """The configured server (it must answer: a configured database is never skipped), `none` for SQLite
    only, or the local default when it answers."""
    configured = os.environ.get(TEST_DATABASE_URL, "")
    if configured.lower() == "none":
        return None
    if configured:
        return configured

    async def answers() -> bool:
        try:
            connection = await asyncpg.connect(LOCAL_POSTGRES, timeout=2)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await connection.close()
        return True

    return LOCAL_POSTGRES if asyncio.run(answers()) else None


POSTGRES_URL = _postgres_url()
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"databases under test: sqlite, postgresql ({POSTGRES_URL})"
    return (
        f"databases under test: sqlite only (no PostgreSQL answers; set {TEST_DATABASE_URL} to require one)"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgresql_only: a behaviour only PostgreSQL has (not collected for SQLite)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`postgresql_only` tests exist only in their PostgreSQL variant: never a skipped test reported green."""
    kept, dropped = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("databases")
        if item.get_closest_marker("postgresql_only") and backend != "postgresql":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    backend: Databases
    if request.param == "postgresql":
        assert POSTGRES_URL is not None
        backend = PostgresDatabases(POSTGRES_URL)
    else:
        backend = SQLiteDatabases(tmp_path_factory.mktemp("databases"))
    yield backend
    backend.close()


@pytest.fixture
def settings(databases: Databases) -> Settings:
    return Settings(database_url=databases.work_url, timezone="UTC")


@pytest.fixture
async def app(databases: Databases, settings: Settings) -> AsyncIterator[TalentTraining]:
    """The application, inside a transaction of this test's, rolled back when it ends."""
    pool = await databases.bound_pool()
    application = create_app(settings, Database(pool))
    yield application
    await application.close()
    await pool.rollback()


@pytest.fixture
def database_url(databases: Databases, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, where what it writes is committed (a copy of the migrated template)."""
    url = databases.create(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
async def committed_app(database_url: str) -> AsyncIterator[TalentTraining]:
    """The application as it runs in production, on a database of this test's own."""
    application = create_app(Settings(database_url=database_url, timezone="UTC"))
    yield application
    await application.close()


async def new_key(app: TalentTraining, role: str = "write", account: str = "default") -> str:
    async with app.database.transaction() as tx:
        issued = await issue_api_key(tx, name=f"test-{role}", role=role, account=account, by="test")
    return issued.token


def http_client(app: TalentTraining, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"lucca application={token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=headers,
        event_hooks={"response": [contract_check]},
    )


def client_factory(app: TalentTraining, opened: list[httpx.AsyncClient]) -> ClientFactory:
    async def factory(role: str | None = "write", account: str = "default") -> httpx.AsyncClient:
        client = http_client(app, await new_key(app, role, account) if role is not None else None)
        opened.append(client)
        return client

    return factory


@pytest.fixture
async def make_client(app: TalentTraining) -> AsyncIterator[ClientFactory]:
    """`await make_client(role="write", account="default")`: a client holding a fresh key.

    `role=None` gives a client with no Authorization header.
    """
    opened: list[httpx.AsyncClient] = []
    yield client_factory(app, opened)
    for client in opened:
        await client.aclose()


@pytest.fixture
async def make_committed_client(committed_app: TalentTraining) -> AsyncIterator[ClientFactory]:
    """`make_client`, for the application of `committed_app`."""
    opened: list[httpx.AsyncClient] = []
    yield client_factory(committed_app, opened)
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
