"""The administration in Chromium: an HR administrator creates an API key (shown once), revokes it after
confirming and sees it gone (the API refuses it); creates a user, a field refused first, and gets the link to
hand over; reads the recent writes. Each page passes an axe-core scan."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.console.browser.conftest import Console
from tests.console.browser.test_journeys import _errors_of
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page. Evaluated through the DevTools protocol, which
    the page's Content-Security-Policy does not govern (a <script> tag it would refuse)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found: list[str] = page.evaluate(_AXE_RUN)
    return found


def test_create_and_revoke_a_key_then_create_a_user(console: Console, page: Page) -> None:
    console.add_user("ana@example.com", "Ana Martin")
    errors = _errors_of(page)
    page.goto(f"{console.url}/console")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Administration").click()
    expect(page).to_have_url(f"{console.url}/console/admin/users")
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    assert serious_violations(page) == []

    # A key, shown once.
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("Payroll sync")
    page.get_by_label("Permission").select_option("write")
    page.get_by_label("Expires").select_option("90")
    page.get_by_role("button", name="Create the key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The key Payroll sync is created")
    token = page.get_by_label("The key").input_value()
    assert re.fullmatch(r"tt_[0-9a-f]{16}_[\w-]{40,}", token), token
    prefix = token.split("_")[1]
    assert token not in page.url
    assert serious_violations(page) == []
    api = f"{console.url}/talent-training/api/v1/trainings"
    headers = {"Authorization": f"lucca application={token}"}
    assert httpx.get(api, headers=headers).status_code == 200

    expect(page.get_by_role("link", name="Back to the API keys")).to_be_visible()
    page.reload()  # sends no form again: the list, with the one key
    expect(page).to_have_url(f"{console.url}/console/admin/keys")
    row = page.get_by_role("row", name=re.compile("Payroll sync"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(prefix)
    expect(row).to_contain_text("write (everything)")
    assert token.split("_", 2)[2] not in page.content()  # the secret is nowhere now
    assert serious_violations(page) == []

    # Revoked after confirming: gone, and refused.
    page.get_by_role("link", name=f"Revoke the key {prefix}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Revoke the key {prefix}?")
    assert serious_violations(page) == []
    page.get_by_role("button", name=f"Yes, revoke the key {prefix}").click()
    expect(page.get_by_role("status")).to_have_text(
        f"The key {prefix} is revoked: it is refused from now on."
    )
    expect(page.get_by_role("row", name=re.compile("Payroll sync"))).to_have_count(0)
    assert httpx.get(api, headers=headers).status_code == 401

    # A user: a manager needs their employee record; an auditor does not.
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_label("Email").fill("bob@example.com")
    page.get_by_label("Name").fill("Bob Durand")
    page.get_by_label("Role").select_option("manager")
    page.get_by_role("button", name="Create the user").click()
    expect(page.locator("#employee-error")).to_have_text(
        "A manager sees their team: give the id of their own employee record."
    )
    expect(page.get_by_label("Employee id")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_have_value("bob@example.com")  # what was typed is kept
    assert serious_violations(page) == []
    page.get_by_label("Role").select_option("auditor")
    page.get_by_role("button", name="Create the user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The user bob@example.com is created")
    link = page.get_by_label("Their one-time link").input_value()
    assert link.startswith(f"{console.url}/console/reset/"), link
    assert serious_violations(page) == []
    page.get_by_role("link", name="Back to the users").click()
    expect(page.get_by_role("row", name=re.compile("Bob Durand"))).to_contain_text("Not set yet")
    page.get_by_role("link", name="Manage Bob Durand").click()
    expect(page.get_by_role("button", name="Sign Bob Durand out everywhere")).to_be_visible()
    assert serious_violations(page) == []

    # The recent writes say it all, newest first.
    page.get_by_role("link", name="Recent writes").click()
    rows = page.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("user:ana@example.com changed User")  # Bob's link
    expect(rows.nth(2)).to_contain_text("user:ana@example.com created User")
    expect(rows.nth(3)).to_contain_text("revoked API key")
    page.get_by_label("Resource type").select_option("api-key")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"resourceType=api-key"))
    expect(page.get_by_role("row")).to_have_count(3)  # the header; revoked, created
    assert serious_violations(page) == []

    # The link works for Bob.
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("New password, again").fill("a brand new passphrase")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("status")).to_have_text("Your password is set: sign in with it.")
    assert errors == []
