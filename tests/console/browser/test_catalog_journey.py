"""The catalog in Chromium: creating a training (a field refused by the API's rules, then success, then the
list and its filters), then editing a provider on its page (a refused website, then saved)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.console.browser.conftest import Console
from tests.console.browser.test_journeys import _errors_of
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


def test_create_a_training_then_find_it_and_edit_a_provider(console: Console, page: Page) -> None:
    console.add_user("ana@example.com", "Ana Martin")
    errors = _errors_of(page)

    page.goto(f"{console.url}/console")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Catalog").click()
    expect(page).to_have_url(f"{console.url}/console/catalog/trainings")
    page.get_by_role("link", name="New training").click()

    # Only spaces: the browser's `required` lets it through, the API's rule does not.
    page.get_by_label("Title", exact=True).fill("   ")
    page.get_by_label("Subtitle").fill("Extinguishers")
    page.get_by_label("Level").select_option("Expert")
    page.get_by_role("button", name="Create the training").click()
    expect(page.get_by_role("alert")).to_contain_text("Some fields need correcting")
    expect(page.get_by_label("Title", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_have_text("Required.")
    expect(page.get_by_label("Subtitle")).to_have_value("Extinguishers")  # what was typed is kept

    page.get_by_label("Title", exact=True).fill("Fire safety")
    page.get_by_role("button", name="Create the training").click()
    expect(page).to_have_url(re.compile(r"/console/catalog/trainings/\d+\?created$"))
    expect(page.get_by_role("status")).to_have_text("The training is created.")
    expect(page.get_by_label("Level")).to_have_value("Expert")

    page.get_by_role("link", name="Trainings", exact=True).click()
    expect(page.get_by_role("link", name="Fire safety")).to_be_visible()
    # Search as you type: htmx replaces the table, and the address follows.
    page.get_by_label("Search by title").fill("nothing like it")
    expect(page.get_by_text("No training matches.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"search=nothing"))
    page.get_by_label("Search by title").fill("fire")
    expect(page.get_by_role("link", name="Fire safety")).to_be_visible()
    # The state filter: nothing archived yet.
    page.get_by_label("State").select_option("Archived")
    expect(page.get_by_text("No training matches.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"states=Archived"))
    page.get_by_label("State").select_option("Ready")
    expect(page.get_by_role("link", name="Fire safety")).to_be_visible()

    # A provider, created, then edited on its own page.
    page.get_by_role("link", name="Providers", exact=True).click()
    page.get_by_label("Name").fill("Acme")
    page.get_by_role("button", name="Create the provider").click()
    expect(page.get_by_role("status")).to_have_text("The provider is created.")
    page.get_by_role("link", name="Acme", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme")
    page.get_by_label("Name").fill("Acme Learning")
    page.get_by_label("Website").fill("ftp://acme.example")  # a URL to the browser, not to the API
    page.get_by_role("button", name="Save the provider").click()
    expect(page.get_by_label("Website")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#websiteHref-error")).to_have_text("An address starting with http:// or https://.")
    expect(page.get_by_label("Name")).to_have_value("Acme Learning")  # what was typed is kept
    page.get_by_label("Website").fill("https://acme.example")
    page.get_by_role("button", name="Save the provider").click()
    expect(page).to_have_url(re.compile(r"/console/catalog/providers/\d+\?saved$"))
    expect(page.get_by_role("status")).to_have_text("The provider is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Learning")
    page.get_by_role("link", name="Providers", exact=True).click()
    expect(page.get_by_role("link", name="Acme Learning")).to_be_visible()
    assert errors == []
