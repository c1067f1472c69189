"""The console's main journeys, in Chromium. Playwright waits for what it looks for: no sleeps."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.console.browser.conftest import Console
from tests.console.conftest import PASSWORD

# SQLite is enough here: what differs between the databases is tested over httpx, on both.
pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


def _errors_of(page: Page) -> list[str]:
    """What the browser reports as an error: a script failing, a file missing or refused by the CSP."""
    errors: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_sign_in_switch_language_and_sign_out(console: Console, page: Page) -> None:
    console.add_user("ana@example.com", "Ana Martin")
    errors = _errors_of(page)

    page.goto(f"{console.url}/console")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next=%2Fconsole$"))
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page.get_by_label("Email")).to_have_value("ana@example.com")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{console.url}/console")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ana Martin")
    expect(page.get_by_role("link", name="Catalog")).to_be_visible()

    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour, Ana Martin")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(f"{console.url}/console")  # the choice is kept
    expect(page.get_by_role("link", name="Catalogue")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/sign-in\?signed-out$"))
    expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
    page.goto(f"{console.url}/console")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next="))
    assert errors == []


def test_a_reset_link_then_sign_in_to_the_page_asked_for(console: Console, page: Page) -> None:
    console.add_user("bob@example.com", "Bob Durand", role="auditor", password=None)
    errors = _errors_of(page)

    page.goto(console.reset_link("bob@example.com"))
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("New password, again").fill("a brand new passphrase")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("status")).to_have_text("Your password is set: sign in with it.")

    page.goto(f"{console.url}/console/")
    page.goto(f"{console.url}/console/sign-in?next=/console")
    page.get_by_label("Email").fill("BOB@example.com")
    page.get_by_label("Password").fill("a brand new passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("auditor (read only)")).to_be_visible()
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    assert errors == []
