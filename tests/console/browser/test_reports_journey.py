"""Reading a report in Chromium: sign in, open the reports, change the year, and find the chart and its
table showing the same numbers."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from talent_training.accounts.service import account_named
from talent_training.catalog import service as catalog
from talent_training.catalog.schemas import TrainingCreate
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.schemas import EmployeePut, UnitPut
from talent_training.kit.actor import Actor
from talent_training.realized_trainings import service as realized
from talent_training.realized_trainings.schemas import RealizedTrainingCreate
from tests.console.browser.conftest import Console
from tests.console.browser.test_every_screen import _signed_in, _violations, chromium
from tests.console.browser.test_journeys import _errors_of
from tests.console.conftest import PASSWORD
from tests.factories import training_body

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
__all__ = ["chromium"]  # the fixture, shared with test_every_screen.py


async def two_years(tx: Tx) -> None:
    """Sales trained 3 + 1.5 hours in 2024 and 6 in 2025; Support 2 hours in 2025."""
    actor = Actor(await account_named(tx, "default"), "test")
    for department, name in ((1, "Sales"), (2, "Support")):
        await directory.put_unit(tx, actor, "department", department, UnitPut(name=name))
    for employee, department in ((1, 1), (2, 2)):
        body = EmployeePut(login=f"user{employee}", firstName="Jane", lastName="Doe", departmentId=department)
        await directory.put_employee(tx, actor, employee, body)
    training = await catalog.create_training(
        tx, actor, TrainingCreate.model_validate(training_body(title="Fire safety"))
    )
    for owner, ends_on, hours in (
        (1, "2024-05-02", 3),
        (1, "2024-06-03", 1.5),
        (1, "2025-02-03", 6),
        (2, "2025-09-01", 2),
    ):
        data = RealizedTrainingCreate.model_validate(
            {
                "ownerId": owner,
                "trainingId": training.id,
                "sessionStartsOn": ends_on,
                "sessionEndsOn": ends_on,
                "durationInHours": hours,
            }
        )
        await realized.record(tx, actor, data, date(2026, 1, 1))


def test_read_a_report_then_another_year(console: Console, page: Page) -> None:
    console.add_user("ana@example.com", "Ana Martin", role="auditor")
    console.seed(two_years)
    errors = _errors_of(page)

    page.goto(f"{console.url}/console")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Reports").click()
    expect(page).to_have_url(f"{console.url}/console/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")

    page.get_by_label("Year").select_option("2025")
    page.get_by_role("button", name="Show the year").click()
    expect(page).to_have_url(re.compile(r"/console/reports\?year=2025$"))
    expect(page.locator("#total-hours")).to_have_text("8")
    chart = page.get_by_role("img", name="Hours by department")
    expect(chart).to_be_visible()
    expect(chart.locator("text.value")).to_have_text(["6", "2"])
    expect(chart.locator("text.label")).to_have_text(["Sales", "Support"])
    rows = page.locator("#department-table tbody tr")
    expect(rows.locator("th")).to_have_text(["Sales", "Support"])
    expect(rows.locator("td:nth-of-type(2)")).to_have_text(["6", "2"])  # hours, as the bars say

    page.get_by_label("Year").select_option("2024")
    page.get_by_role("button", name="Show the year").click()
    expect(page.locator("#total-hours")).to_have_text("4.5")
    expect(page.get_by_role("img", name="Hours by department").locator("text.value")).to_have_text(["4.5"])
    expect(page.locator("#department-table tbody tr td:nth-of-type(2)")).to_have_text(["4.5"])
    expect(
        page.get_by_role("link", name=re.compile("Download this table as CSV \\(by department, 2024\\)"))
    ).to_have_attribute("href", "/console/reports/department.csv?year=2024")
    assert errors == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_reports_with_numbers_have_no_serious_accessibility_violation(
    console: Console, chromium: Browser, language: str
) -> None:
    console.add_user("ana@example.com", "Ana Martin", role="auditor")
    console.seed(two_years)
    page = _signed_in(chromium, console, "ana@example.com")
    page.goto(f"{console.url}/console/reports?year=2025&lang={language}")
    expect(page.locator("svg.chart").first).to_be_visible()
    assert _violations(page) == []
