"""Fixtures of the console's tests: users, and clients that behave as a browser does (cookies kept, an
`Origin` on every request, redirects not followed, so that each can be checked)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from talent_training.accounts.service import account_named
from talent_training.app import TalentTraining
from talent_training.directory import repository as directory_repository
from talent_training.users import service as users

PASSWORD = "correct horse battery staple"
ORIGIN = "http://testserver"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def add_user(
    app: TalentTraining,
    email: str = "ana@example.com",
    role: str = "hr-admin",
    *,
    name: str = "Ana Martin",
    account: str = "default",
    password: str | None = PASSWORD,
    employee_id: int | None = None,
) -> int:
    async with app.database.transaction() as tx:
        await account_named(tx, account)
        return await users.create_user(
            tx,
            account=account,
            email=email,
            name=name,
            role=role,
            employee_id=employee_id,
            password=password,
            by="test",
        )


def browser(
    app: TalentTraining, origin: str | None = ORIGIN, address: str = "127.0.0.1"
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),
        base_url="http://testserver",
        headers={"Origin": origin} if origin else {},
    )


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str = "ana@example.com", password: str = PASSWORD, next_page: str = ""
) -> httpx.Response:
    """The sign-in form, filled and sent as a browser does."""
    form = await client.get("/console/sign-in")
    assert form.status_code == 200, form.text
    data = {"csrf": csrf_of(form), "email": email, "password": password, "next": next_page}
    return await client.post("/console/sign-in", data=data)


async def post(client: httpx.AsyncClient, path: str, data: dict[str, Any]) -> httpx.Response:
    """A form as a page of the console sends it: with the session's token."""
    token = csrf_of(await client.get("/console"))
    return await client.post(path, data={**data, "csrf": token})


def error_of(page: httpx.Response, field: str) -> str:
    """The message shown next to a field (its id is the field's name, dots as dashes, then `-error`)."""
    found = re.search(rf'id="{re.escape(field)}-error">([^<]*)<', page.text)
    assert found is not None, f"no error next to {field}"
    return html.unescape(found.group(1))


Browser = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def signed_in(app: TalentTraining) -> AsyncIterator[Browser]:
    """`await signed_in(role="hr-admin")`: a browser signed in as a new user of that role (a manager needs
    `employee_id`, an employee of the account that the test has put in the directory)."""
    opened: list[httpx.AsyncClient] = []

    async def open_browser(
        role: str = "hr-admin", email: str = "ana@example.com", employee_id: int | None = None
    ) -> httpx.AsyncClient:
        await add_user(app, email, role, employee_id=employee_id)
        client = browser(app)
        opened.append(client)
        answer = await sign_in(client, email)
        assert answer.status_code == 303, answer.text
        return client

    yield open_browser
    for client in opened:
        await client.aclose()


@pytest.fixture(params=["ids", "joined"])
def team_form(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A manager's team reaches the lists in either form (directory's `Team`): as its ids (a small team), or
    joined from the chains of command (a large one); tests of what a manager sees run with both."""
    if request.param == "joined":
        monkeypatch.setattr(directory_repository, "SMALL_TEAM", 0)
    return str(request.param)
