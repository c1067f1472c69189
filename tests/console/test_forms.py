"""Every POST of the console proves it comes from one of its own pages: its Origin, and the form's token."""

from __future__ import annotations

import pytest

from talent_training.app import TalentTraining, create_app
from talent_training.settings import Settings
from tests.console.conftest import PASSWORD, Browser, add_user, browser, csrf_of


def _console_posts(app: TalentTraining) -> list[str]:
    return [
        r.path.replace("{token}", "some-token")
        for r in app.routes
        if r.path.startswith("/console") and r.method == "POST"
    ]


async def test_every_console_post_is_refused_without_the_forms_token(
    app: TalentTraining, signed_in: Browser
) -> None:
    client = await signed_in()
    paths = _console_posts(app)
    assert {"/console/sign-in", "/console/sign-out", "/console/sign-out-everywhere"} <= set(paths)
    for path in paths:
        for data in ({}, {"csrf": "0" * 64}, {"csrf": "é" * 64}):  # not even ASCII: 403, not 500
            answer = await client.post(path, data={**data, "email": "ana@example.com", "password": PASSWORD})
            assert answer.status_code == 403, path
            assert answer.headers["content-type"] == "text/html; charset=utf-8"
            assert "This form has expired or did not come from this site" in answer.text
    assert (await client.get("/console")).status_code == 200  # nothing signed out


async def test_an_upload_with_a_token_beyond_ascii_is_refused(signed_in: Browser) -> None:
    client = await signed_in()
    answer = await client.post(
        "/console/imports",
        data={"csrf": "\u00e9\u00fe", "kind": "realized-trainings"},
        files={"file": ("a.csv", b"ownerId\n1\n", "text/csv")},
    )
    assert answer.status_code == 403


async def test_a_session_token_does_not_sign_another_sessions_forms(
    app: TalentTraining, signed_in: Browser
) -> None:
    first = await signed_in()
    second = await signed_in("auditor", "bob@example.com")
    token_of_the_first = csrf_of(await first.get("/console"))
    answer = await second.post("/console/sign-out", data={"csrf": token_of_the_first})
    assert answer.status_code == 403


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://testserver.evil.example", None])
async def test_a_post_from_elsewhere_is_refused_even_with_a_good_token(
    app: TalentTraining, origin: str | None
) -> None:
    await add_user(app)
    async with browser(app) as ours, browser(app, origin) as theirs:
        form = await ours.get("/console/sign-in")
        theirs.cookies = ours.cookies  # as if the victim's browser sent its cookies along
        data = {"csrf": csrf_of(form), "email": "ana@example.com", "password": PASSWORD}
        answer = await theirs.post("/console/sign-in", data=data)
    assert answer.status_code == 403
    assert "tt_session" not in answer.headers.get("set-cookie", "")


async def test_without_origin_a_referer_of_this_site_will_do(app: TalentTraining) -> None:
    await add_user(app)
    async with browser(app, origin=None) as client:
        form = await client.get("/console/sign-in")
        data = {"csrf": csrf_of(form), "email": "ana@example.com", "password": PASSWORD}
        elsewhere = await client.post(
            "/console/sign-in", data=data, headers={"Referer": "https://evil.example/x"}
        )
        answer = await client.post(
            "/console/sign-in", data=data, headers={"Referer": "http://testserver/console/sign-in"}
        )
    assert elsewhere.status_code == 403
    assert answer.status_code == 303


async def test_a_sign_in_token_is_bound_to_its_cookie(app: TalentTraining) -> None:
    await add_user(app)
    async with browser(app) as first, browser(app) as second:
        form = await first.get("/console/sign-in")
        await second.get("/console/sign-in")  # a cookie of its own
        data = {"csrf": csrf_of(form), "email": "ana@example.com", "password": PASSWORD}
        answer = await second.post("/console/sign-in", data=data)
    assert answer.status_code == 403


async def test_two_tabs_share_one_sign_in_cookie(app: TalentTraining) -> None:
    await add_user(app)
    async with browser(app) as client:
        first_tab = await client.get("/console/sign-in")
        second_tab = await client.get("/console/sign-in")
        assert "set-cookie" not in second_tab.headers
        data = {"csrf": csrf_of(first_tab), "email": "ana@example.com", "password": PASSWORD}
        answer = await client.post("/console/sign-in", data=data)
    assert answer.status_code == 303


async def test_a_form_body_has_the_apis_size_limit(app: TalentTraining) -> None:
    async with browser(app) as client:
        form = await client.get("/console/sign-in")
        data = {"csrf": csrf_of(form), "email": "a" * (2 * app.state.settings.max_body_bytes)}
        answer = await client.post("/console/sign-in", data=data)
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")


async def test_posting_json_is_no_way_around(app: TalentTraining) -> None:
    async with browser(app) as client:
        await client.get("/console/sign-in")
        answer = await client.post(
            "/console/sign-in", json={"email": "ana@example.com", "password": PASSWORD}
        )
    assert answer.status_code == 403


async def test_the_public_address_is_this_site_too(database_url: str) -> None:
    """Behind a proxy that does not pass the browser's Host along, the browser's Origin is the public URL."""
    app = create_app(Settings(database_url=database_url, public_url="https://training.example/"))
    try:
        await add_user(app)
        async with browser(app, origin="https://training.example") as client:
            form = await client.get("/console/sign-in")
            data = {"csrf": csrf_of(form), "email": "ana@example.com", "password": PASSWORD}
            answer = await client.post("/console/sign-in", data=data)
        assert answer.status_code == 303
    finally:
        await app.close()
