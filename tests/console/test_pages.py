"""The console's pages in the one request path: request ids, HTML errors, its files, its languages, and
nothing of it in the API's document."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from importlib.resources import files

import httpx
import pytest

from talent_training.app import TalentTraining, create_app
from talent_training.console.i18n import MESSAGES, negotiated
from talent_training.settings import Settings
from talent_training.users import service as users
from tests.console.conftest import Browser, add_user, browser, sign_in


async def test_every_console_answer_carries_a_request_id(app: TalentTraining, signed_in: Browser) -> None:
    client = await signed_in()
    async with browser(app) as stranger:
        answers = [
            await client.get("/console"),
            await client.get("/console/nothing"),  # 404 page
            await client.get("/console/sign-out"),  # 405 page
            await client.post("/console/sign-out"),  # 403 page
            await stranger.get("/console"),  # to sign-in
            await stranger.get("/console/sign-in"),
            await stranger.get("/console/reset/some-token"),
            await stranger.get("/console/static/htmx.min.js"),
            await stranger.get("/"),
        ]
    assert [a for a in answers if "x-request-id" not in a.headers] == []
    assert all(a.headers["x-content-type-options"] == "nosniff" for a in answers)


async def test_errors_under_the_console_are_pages(signed_in: Browser) -> None:
    client = await signed_in()
    missing = await client.get("/console/nothing")
    wrong_method = await client.get("/console/sign-out")
    missing_file = await client.get("/console/static/nothing.js")

    for page, status in ((missing, 404), (wrong_method, 405), (missing_file, 404)):
        assert page.status_code == status
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "<h1>" in page.text
    assert "Page not found" in missing.text
    assert 'action="/console/sign-out"' in missing.text  # the signed-in header is still there
    assert wrong_method.headers["allow"] == "POST"


async def test_a_bug_under_the_console_is_a_500_page_with_its_reference(
    signed_in: Browser, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = await signed_in()

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(users, "find_user", broken)
    with caplog.at_level(logging.ERROR, "talent_training"):
        page = await client.get("/console", headers={"X-Request-Id": "the-reference"})

    assert page.status_code == 500
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Something went wrong" in page.text and "the-reference" in page.text
    assert "a bug" not in page.text
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)


async def test_the_api_keeps_its_problem_documents(anonymous: httpx.AsyncClient) -> None:
    answer = await anonymous.get("/talent-training/api/nothing")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    outside = await anonymous.get("/nothing")
    assert outside.headers["content-type"] == "application/problem+json"


async def test_the_api_document_has_no_console_path(
    anonymous: httpx.AsyncClient, app: TalentTraining
) -> None:
    document = (await anonymous.get("/openapi.json")).json()
    assert [path for path in document["paths"] if not path.startswith("/talent-training/")] == [
        path for path in document["paths"] if path in ("/health", "/ready")
    ]
    assert not any(path.startswith("/console") or path == "/" for path in document["paths"])
    assert any(route.path.startswith("/console") for route in app.routes)  # and yet they are served


def _vendored() -> dict[str, str]:
    listing = files("talent_training.console").joinpath("static", "VENDORED.txt").read_text("utf-8")
    return {name: digest for digest, name in re.findall(r"sha256 ([0-9a-f]{64})  (\S+)", listing)}


async def test_the_vendored_files_are_served_as_listed(anonymous: httpx.AsyncClient) -> None:
    vendored = _vendored()
    assert set(vendored) == {"htmx.min.js", "water.light.min.css"}
    for name, digest in vendored.items():
        answer = await anonymous.get(f"/console/static/{name}")
        assert answer.status_code == 200
        assert hashlib.sha256(answer.content).hexdigest() == digest
        assert answer.headers["cache-control"].startswith("public")
    assert (
        (await anonymous.get("/console/static/htmx.min.js"))
        .headers["content-type"]
        .startswith("text/javascript")
    )
    assert (await anonymous.get("/console/static/console.css")).headers["content-type"].startswith("text/css")


async def test_pages_load_only_the_packages_files(anonymous: httpx.AsyncClient) -> None:
    page = await anonymous.get("/console/sign-in")
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert loaded and all(address.startswith(("/", "#")) or address == "data:," for address in loaded)
    for address in (a for a in loaded if a.startswith("/console/static/")):
        assert (await anonymous.get(address)).status_code == 200
    assert '<meta name="referrer" content="same-origin">' in page.text  # else a browser sends Origin: null


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [
        ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
        ("en-GB,fr;q=0.5", "en"),
        ("de, fr;q=0.4, en;q=0.3", "fr"),
        ("fr;q=0, en;q=0.1", "en"),
        ("", "en"),
        ("*", "en"),
        ("fr;q=nonsense, en;q=0.2", "en"),
    ],
)
async def test_the_browsers_language(
    anonymous: httpx.AsyncClient, accept_language: str, language: str
) -> None:
    page = await anonymous.get("/console/sign-in", headers={"Accept-Language": accept_language})
    assert page.headers["content-language"] == language
    assert f'<html lang="{language}">' in page.text
    assert ("Connexion" in page.text) is (language == "fr")
    assert negotiated(accept_language) == language


async def test_the_language_switch_is_kept(app: TalentTraining) -> None:
    async with browser(app) as client:
        client.headers["Accept-Language"] = "fr"
        french = await client.get("/console/sign-in?next=/console/catalog")
        english = await client.get("/console/sign-in?lang=en&next=/console/catalog")
        later = await client.get("/console/sign-in")
        error = await client.get("/console/static/nothing")
        ignored = await client.get("/console/sign-in?lang=de")

    assert french.headers["content-language"] == "fr"
    assert 'href="/console/sign-in?next=%2Fconsole%2Fcatalog&amp;lang=en"' in french.text
    assert english.headers["content-language"] == "en"
    cookie = english.headers["set-cookie"]
    assert cookie.startswith("tt_lang=en;") and "Path=/console" in cookie and "Max-Age" in cookie
    assert later.headers["content-language"] == "en" and "set-cookie" not in later.headers
    assert error.headers["content-language"] == "en" and "Page not found" in error.text
    assert ignored.headers["content-language"] == "en"


def test_both_languages_have_every_message() -> None:
    english, french = MESSAGES["en"], MESSAGES["fr"]
    assert set(english) == set(french)
    for key in english:  # the same placeholders in both
        assert set(re.findall(r"{(\w+)}", english[key])) == set(re.findall(r"{(\w+)}", french[key])), key


async def test_a_page_stopped_by_the_time_limit_is_a_503_page(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answers written above the router (web/observe.py: the time limit) take the console's format too."""
    app = create_app(
        Settings(database_url=database_url, request_timeout_s=3, statement_timeout_s=2, import_jobs=False)
    )
    try:
        await add_user(app)
        async with browser(app) as client:
            assert (await sign_in(client)).status_code == 303

            async def slow(*args: object, **kwargs: object) -> None:
                await asyncio.sleep(30)

            monkeypatch.setattr(users, "find_user", slow)
            page = await client.get("/console")
            api = await client.get("/talent-training/api/v1/trainings")
    finally:
        await app.close()
    assert page.status_code == 503
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["retry-after"] == "1"
    assert "<h1>" in page.text and "took longer" not in page.text  # the page's words, not the API's detail
    assert api.status_code == 401 and api.headers["content-type"] == "application/problem+json"
