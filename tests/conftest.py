"""Fixtures shared by the whole suite.

Every test gets its own database, a copy of one migrated template, and talks to the app over HTTP
(httpx + ASGI transport). Every response that the seed contract describes is validated against
`shared/spec/lucca-training.seeds.yaml` by `contract_check`, installed on every client.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from fastapi import FastAPI

from talent_training.accounts.service import issue_api_key
from talent_training.app import create_app
from talent_training.db.migrate import upgrade
from talent_training.settings import Settings
from tests.contract.checker import contract_check

ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    anyio.run(upgrade, f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_url(template_database: Path, tmp_path: Path) -> str:
    path = tmp_path / "talent-training.db"
    shutil.copyfile(template_database, path)
    return f"sqlite+aiosqlite:///{path}"


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
