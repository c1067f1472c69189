"""Taking attendance in Chromium: an HR administrator finds the finished session (list and calendar), unticks
the one person who was absent, records the sheet and sees the realized trainings it made; then the printable
attendance sheet, as the browser prints it (no navigation, a signature cell per half-day). And an axe-core
scan of every sessions page, in French."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.console.browser.conftest import Console, _chromium
from tests.console.browser.demo import HR, seed_year
from tests.console.browser.test_journeys import _errors_of
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


def test_take_attendance_with_one_absent_then_print_the_sheet(console: Console, page: Page) -> None:
    year = seed_year(console)  # a session over ten days ago: Jeanne Dupont and Paul Leroy registered on it
    errors = _errors_of(page)
    session = f"{console.url}/console/sessions/{year.session_over}"

    page.goto(f"{console.url}/console")
    page.get_by_label("Email").fill(HR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sessions").click()
    expect(page).to_have_url(f"{console.url}/console/sessions")

    # Only the finished ones: htmx replaces the table as the box is ticked.
    page.get_by_label("Finished").check()
    expect(page).to_have_url(re.compile(r"statuses=Finished"))
    expect(page.locator("#sessions tbody tr")).to_have_count(1)

    # The calendar of the session's month has it on its first day.
    page.get_by_role("link", name="Calendar").click()
    first_day = date.today() - timedelta(days=10)
    page.goto(f"{console.url}/console/sessions/calendar?month={first_day:%Y-%m}")
    cell = page.locator(f'td:has(time[datetime="{first_day.isoformat()}"])')
    cell.get_by_role("link", name="Mastering French").click()
    expect(page).to_have_url(session)
    expect(page.get_by_role("heading", level=1)).to_have_text("Session of Mastering French")
    expect(page.locator("#participants")).to_contain_text("Jeanne Dupont")

    page.get_by_role("link", name="Take attendance").click()
    present = page.get_by_label("Paul Leroy was present")
    expect(present).to_be_checked()  # everyone is present until unticked
    present.uncheck()
    expect(page.get_by_label("Jeanne Dupont was present")).to_be_checked()
    page.get_by_role("button", name="Record attendance").click()

    expect(page).to_have_url(f"{session}?recorded=2")
    expect(page.get_by_role("status")).to_have_text("Attendance recorded: 2 realized trainings.")
    recorded = page.locator("#recorded tbody tr")
    expect(recorded).to_have_count(2)
    expect(recorded.filter(has_text="Jeanne Dupont")).to_contain_text("Present")
    expect(recorded.filter(has_text="Paul Leroy")).to_contain_text("Absent")
    # Paul is off the session (his demand awaits another one); nobody awaits attendance any more.
    expect(page.locator("#participants tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Take attendance")).to_have_count(0)

    page.get_by_role("link", name="Printable attendance sheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attendance sheet · Mastering French")
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # sessions.js shows it
    expect(page.get_by_role("columnheader", name="Morning")).to_have_count(2)
    expect(page.get_by_role("rowheader", name="Jeanne Dupont")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    expect(page.locator("nav.screens")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("table.signatures")).to_be_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"  # what the browser prints
    assert errors == []


AXE = Path(__file__).parent / "vendor" / "axe.min.js"
_SERIOUS = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => v.id + ": " + v.nodes.slice(0, 3)
    .map(n => n.target.join(" ") + " " + n.failureSummary).join(", "))"""


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not vendored here")
def test_the_sessions_screens_have_no_serious_accessibility_violation(console: Console) -> None:
    year = seed_year(console)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium())
        try:
            # The scan injects axe's script, which the pages' Content-Security-Policy would refuse.
            page = browser.new_context(locale="fr-FR", bypass_csp=True).new_page()
            page.goto(f"{console.url}/console/sign-in")
            page.get_by_label("E-mail").fill(HR)
            page.get_by_label("Mot de passe").fill(PASSWORD)
            page.locator("form button[type=submit]").last.click()
            page.wait_for_url(f"{console.url}/console")
            found = {}
            for path in (
                "",
                "?statuses=Draft&month=2026-13",
                "/calendar",
                f"/{year.session_over}",
                f"/{year.session_over}/attendance",
                f"/{year.session_to_come}/attendance",
                f"/{year.session_over}/sheet",
            ):
                answer = page.goto(f"{console.url}/console/sessions{path}")
                assert answer is not None and answer.status == 200, path
                page.add_script_tag(path=str(AXE))
                found[path] = page.evaluate(_SERIOUS)
        finally:
            browser.close()
    assert {path: violations for path, violations in found.items() if violations} == {}
