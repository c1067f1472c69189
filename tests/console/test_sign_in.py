"""Signing in and out of the console, and setting a password from a reset link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from talent_training.app import TalentTraining, create_app
from talent_training.settings import Settings
from talent_training.users import service as users
from tests.conftest import new_key
from tests.console.conftest import PASSWORD, Browser, add_user, browser, csrf_of, sign_in
from tests.factories import PROVIDERS


async def test_the_root_leads_to_the_console(anonymous: httpx.AsyncClient) -> None:
    answer = await anonymous.get("/")
    assert answer.status_code == 302
    assert answer.headers["location"] == "/console"


@pytest.mark.parametrize("path", ["/console", "/console/catalog?year=2025", "/console/no-such-page"])
async def test_without_a_session_every_page_leads_to_sign_in_and_back(app: TalentTraining, path: str) -> None:
    async with browser(app) as client:
        answer = await client.get(path)
        client.cookies.set("tt_session", "made-up", path="/console")
        with_a_stale_cookie = await client.get(path)

    for refused in (answer, with_a_stale_cookie):
        assert refused.status_code == 302
        location = urlsplit(refused.headers["location"])
        assert location.path == "/console/sign-in"
        assert parse_qs(location.query) == {"next": [path]}


async def test_signing_in_sets_a_session_cookie_and_shows_the_home_page(app: TalentTraining) -> None:
    await add_user(app, "Ana@Example.com", "hr-admin", name="Ana Martin")
    async with browser(app) as client:
        answer = await sign_in(client, " ana@example.COM ")
        home = await client.get("/console")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/console"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("tt_session="))
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
    assert "httponly" in attributes and "secure" not in attributes  # plain http here: no Secure
    assert attributes["samesite"].strip().lower() == "samesite=lax"
    assert attributes["path"].strip() == "Path=/console"
    assert "max-age" not in attributes and "expires" not in attributes  # gone when the browser closes
    assert home.status_code == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert home.headers["cache-control"] == "no-store"
    assert "Hello, Ana Martin" in home.text
    assert "Ana@Example.com" in home.text and "HR administrator" in home.text and "default" in home.text
    for screen in ("/console/catalog", "/console/realized-trainings", "/console/demands", "/console/admin"):
        assert f'href="{screen}"' in home.text
    assert 'action="/console/sign-out"' in home.text and 'action="/console/sign-out-everywhere"' in home.text


async def test_a_secure_cookie_behind_https(app: TalentTraining) -> None:
    await add_user(app)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="https://testserver",
        headers={"Origin": "https://testserver"},
    ) as client:
        answer = await sign_in(client)

    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("tt_session="))
    assert "secure" in cookie.lower()


async def test_a_wrong_password_shows_the_form_again_with_a_message(app: TalentTraining) -> None:
    await add_user(app)
    async with browser(app) as client:
        wrong = await sign_in(client, password="not the password")
        unknown = await sign_in(client, email="nobody@example.com")
        still_out = await client.get("/console")

    for answer in (wrong, unknown):
        assert answer.status_code == 200
        assert "Wrong email or password." in answer.text
        assert 'role="alert"' in answer.text
        assert not any(c.startswith("tt_session=") for c in answer.headers.get_list("set-cookie"))
    assert 'value="ana@example.com"' in wrong.text  # the email is kept, never the password
    assert "not the password" not in wrong.text
    assert still_out.status_code == 302


@pytest.mark.parametrize(
    ("asked", "landing"),
    [
        ("/console/catalog?year=2025", "/console/catalog?year=2025"),
        ("/console", "/console"),
        ("//evil.example/console", "/console"),
        ("https://evil.example/console", "/console"),
        ("/consoleevil", "/console"),
        ("/console\\@evil.example", "/console"),
        ("", "/console"),
    ],
)
async def test_after_sign_in_only_a_console_page_is_next(
    app: TalentTraining, asked: str, landing: str
) -> None:
    await add_user(app)
    async with browser(app) as client:
        form = await client.get("/console/sign-in", params={"next": asked})
        answer = await sign_in(client, next_page=asked)

    assert f'name="next" value="{landing}"' in form.text.replace("&amp;", "&")
    assert answer.status_code == 303
    assert answer.headers["location"] == landing


async def test_the_sign_in_page_of_someone_signed_in_goes_on(signed_in: Browser) -> None:
    client = await signed_in()
    answer = await client.get("/console/sign-in", params={"next": "/console/catalog"})
    assert answer.status_code == 302
    assert answer.headers["location"] == "/console/catalog"


async def test_signing_out_ends_the_session(signed_in: Browser) -> None:
    client = await signed_in()
    session = client.cookies["tt_session"]
    home = await client.get("/console")

    answer = await client.post("/console/sign-out", data={"csrf": csrf_of(home)})

    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/sign-in?signed-out"
    assert "tt_session" not in client.cookies
    client.cookies.set("tt_session", session, path="/console")  # the old cookie, kept by a copy
    assert (await client.get("/console")).status_code == 302
    notice = await client.get("/console/sign-in?signed-out")
    assert "You are signed out." in notice.text


async def test_signing_out_everywhere_ends_every_session_of_the_user(
    app: TalentTraining, signed_in: Browser
) -> None:
    laptop = await signed_in(email="ana@example.com")
    await add_user(app, "bob@example.com", "auditor", name="Bob")
    async with browser(app) as phone, browser(app) as someone_else:
        assert (await sign_in(phone)).status_code == 303
        assert (await sign_in(someone_else, "bob@example.com")).status_code == 303
        home = await laptop.get("/console")

        answer = await laptop.post("/console/sign-out-everywhere", data={"csrf": csrf_of(home)})

        assert answer.status_code == 303
        assert (await laptop.get("/console")).status_code == 302
        assert (await phone.get("/console")).status_code == 302
        assert (await someone_else.get("/console")).status_code == 200


async def test_an_auditor_may_sign_out(signed_in: Browser) -> None:
    client = await signed_in("auditor")
    home = await client.get("/console")
    assert "auditor (read only)" in home.text
    answer = await client.post("/console/sign-out", data={"csrf": csrf_of(home)})
    assert answer.status_code == 303


async def test_signing_in_as_someone_else_ends_the_first_session(app: TalentTraining) -> None:
    await add_user(app)
    await add_user(app, "bob@example.com", "auditor", name="Bob")
    async with browser(app) as client:
        assert (await sign_in(client)).status_code == 303
        first = client.cookies["tt_session"]
        # Signed in, the sign-in page leads home; a form of before (here the reset page's) still posts.
        form = await client.get("/console/reset/some-token")
        data = {"csrf": csrf_of(form), "email": "bob@example.com", "password": PASSWORD}
        assert (await client.post("/console/sign-in", data=data)).status_code == 303
        home = await client.get("/console")
    assert "Hello, Bob" in home.text
    async with app.database.transaction() as tx:
        assert await users.signed_in(tx, first) is None


async def test_a_reset_link_sets_the_password_once(app: TalentTraining) -> None:
    await add_user(app, password=None)
    async with app.database.transaction() as tx:
        token = await users.reset_token(tx, "ana@example.com", by="test")
    new_password = "a brand new passphrase"
    async with browser(app) as client:
        page = await client.get(f"/console/reset/{token}")
        csrf = csrf_of(page)
        differ = await client.post(
            f"/console/reset/{token}", data={"csrf": csrf, "password": new_password, "confirmation": "other"}
        )
        short = await client.post(
            f"/console/reset/{token}", data={"csrf": csrf, "password": "short", "confirmation": "short"}
        )
        done = await client.post(
            f"/console/reset/{token}",
            data={"csrf": csrf, "password": new_password, "confirmation": new_password},
        )
        again = await client.post(
            f"/console/reset/{token}",
            data={"csrf": csrf, "password": new_password, "confirmation": new_password},
        )
        signed = await sign_in(client, password=new_password)

    assert page.status_code == 200 and 'autocomplete="new-password"' in page.text
    assert differ.status_code == 200 and "The two passwords differ." in differ.text
    assert short.status_code == 200 and "at least 12 characters" in short.text
    assert done.status_code == 303 and done.headers["location"] == "/console/sign-in?password-set"
    assert again.status_code == 200 and "already used or expired" in again.text
    assert signed.status_code == 303


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[TalentTraining]:
    app = create_app(Settings(database_url=database_url, rate_limit_failed_auth="3/minute"))
    yield app
    await app.close()


async def test_wrong_passwords_count_with_wrong_keys_per_address(limited: TalentTraining) -> None:
    """One budget of failures per address, whichever door is tried; over it, even the right password
    waits."""
    await add_user(limited)
    key = {"Authorization": "lucca application=tt_0000000000000000_wrong"}
    async with browser(limited, address="10.9.8.7") as client, browser(limited, address="10.9.8.6") as other:
        assert (await client.get(PROVIDERS, headers=key)).status_code == 401
        answers = [await sign_in(client, password="wrong password!") for _ in range(3)]
        refused = await sign_in(client)
        elsewhere = await sign_in(other)

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert "Too many failed sign-ins" in refused.text
    assert elsewhere.status_code == 303
    assert await new_key(limited)  # the counts did not lock the service out
