"""Browser tests: the real application served over a socket (uvicorn in a thread), on a SQLite database of
the test's own, driven by Playwright in Debian's Chromium (`executable_path`: Playwright's own browsers are
never downloaded).

Without Chromium these tests are skipped, saying why; with `CI` set, they fail instead, so that a CI run
cannot pass without them (.ci/run installs Chromium). They are plain sync functions: Playwright's sync API
runs its own loop, and must not run inside one (nor can anything else run a loop in the test's thread while
Playwright is open: the test's own database work runs in another thread).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright

from talent_training.accounts.service import account_named
from talent_training.app import create_app
from talent_training.db.database import Database, Tx
from talent_training.settings import Settings
from talent_training.users import service as users
from tests.console.conftest import PASSWORD
from tests.e2e.test_server import free_port

T = TypeVar("T")
CHROMIUM = Path(os.environ.get("TALENT_TRAINING_CHROMIUM", "/usr/bin/chromium"))


def _chromium() -> str:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium): the browser tests did not run"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI must run them")
    pytest.skip(reason)


@pytest.fixture
def page(console: Console) -> Iterator[Page]:
    """A page of a fresh Chromium, English first (its Accept-Language).

    Ours, not pytest-playwright's session-long one: while Playwright's sync API is open, the thread looks as
    if an asyncio loop ran in it, and every async test that a pytest-xdist worker runs after a browser test
    would be refused. Here it is open for one test only (a browser starts in about a second)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium())
        context = browser.new_context(locale="en-GB")
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def _in_a_thread(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `work` to its end on a loop of its own, in another thread: in this one, Playwright's runs."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work()).result()


@dataclass(frozen=True)
class Console:
    url: str  # where the server listens, e.g. http://127.0.0.1:8123
    database_url: str

    def add_user(
        self,
        email: str,
        name: str,
        role: str = "hr-admin",
        password: str | None = PASSWORD,
        employee_id: int | None = None,
    ) -> None:
        async def create(tx: Tx) -> None:
            await account_named(tx, "default")
            await users.create_user(
                tx,
                account="default",
                email=email,
                name=name,
                role=role,
                employee_id=employee_id,
                password=password,
                by="test",
            )

        self.seed(create)

    def seed(self, work: Callable[[Tx], Awaitable[T]]) -> T:
        """`work(tx)` in one transaction of the served database (to put in what a journey starts from, with
        the services or tests/factories)."""

        async def run() -> T:
            database = Database.connect(self.database_url)
            try:
                async with database.transaction() as tx:
                    return await work(tx)
            finally:
                await database.dispose()

        return _in_a_thread(run)

    def reset_link(self, email: str) -> str:
        async def issue() -> str:
            database = Database.connect(self.database_url)
            try:
                async with database.transaction() as tx:
                    return await users.reset_token(tx, email, by="test")
            finally:
                await database.dispose()

        return f"{self.url}/console/reset/{_in_a_thread(issue)}"


@pytest.fixture
def console(database_url: str) -> Iterator[Console]:
    """The application as `serve` runs it, in a thread of this process, on a free port."""
    _chromium()  # no server started for a test that will not run
    app = create_app(Settings(database_url=database_url, timezone="UTC", import_jobs=False))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, loop="asyncio", log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, name="console-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)  # the server's start, not the page's: pages are waited on by Playwright
    assert server.started, "the console's server did not start"
    try:
        yield Console(f"http://127.0.0.1:{port}", database_url)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
