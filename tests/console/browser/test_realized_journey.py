"""Recording a realized training in Chromium: the owner found by name, a date refused by the API's rules and
said next to its field, then corrected, and the record in the list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from talent_training.accounts.service import account_named
from talent_training.catalog import service as catalog
from talent_training.catalog.schemas import Level, TrainingCreate
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.schemas import EmployeePut
from talent_training.kit.actor import Actor
from tests.console.browser.conftest import Console
from tests.console.browser.test_journeys import _errors_of
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


async def _a_team_and_a_training(tx: Tx) -> int:
    actor = Actor(await account_named(tx, "default"), "test")
    employee = EmployeePut(login="mroux", firstName="Max", lastName="Roux")
    await directory.put_employee(tx, actor, 416, employee)
    training = TrainingCreate(
        title="Fire safety", subtitle="", description="", level=Level.BEGINNER, isCertifying=False,
        isMandatory=False,
    )  # fmt: skip
    row = await catalog.create_training(tx, actor, training)
    return int(row.id)


def test_record_a_realized_training_with_a_field_error_then_find_it(console: Console, page: Page) -> None:
    console.add_user("ana@example.com", "Ana Martin")
    training_id = console.seed(_a_team_and_a_training)
    errors = _errors_of(page)

    page.goto(f"{console.url}/console")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Realized trainings").click()
    expect(page).to_have_url(f"{console.url}/console/realized-trainings")
    expect(page.get_by_text("Nothing yet.")).to_be_visible()
    page.get_by_role("link", name="Record a realized training").click()

    # The owner is looked up by name as it is typed (htmx fills the input's datalist).
    owner = page.get_by_label("Employee id")
    owner.press_sequentially("Roux")
    expect(page.locator('#owner-choices option[value="416"]')).to_have_attribute("label", "Max Roux (mroux)")
    owner.fill("416")
    page.get_by_label("Training id").fill(str(training_id))
    page.get_by_label("First day").fill("2025-03-05")
    page.get_by_label("Last day").fill("2025-03-04")  # before the first: the API's rule refuses it
    page.get_by_label("Duration (h)").fill("7")
    page.get_by_role("button", name="Record the training").click()

    expect(page.get_by_role("alert")).to_contain_text("Some fields need correcting")
    expect(page.get_by_label("First day")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#sessionStartsOn-error")).to_have_text(
        "The first day must not be after the last day."
    )
    expect(page.get_by_text("Chosen: Max Roux")).to_be_visible()
    expect(page.get_by_label("Duration (h)")).to_have_value("7")  # what was typed is kept

    page.get_by_label("First day").fill("2025-03-03")
    page.get_by_role("button", name="Record the training").click()
    expect(page).to_have_url(re.compile(r"/console/realized-trainings/\d+\?created$"))
    expect(page.get_by_role("status")).to_have_text("The realized training is recorded.")

    page.get_by_role("link", name="Back to the realized trainings").click()
    row = page.get_by_role("row").filter(has_text="Max Roux")
    expect(row).to_contain_text("Fire safety")
    expect(row).to_contain_text("2025-03-04")
    expect(row).to_contain_text("7 h")
    # A filter refreshes the table in place (htmx), and the address follows.
    page.get_by_label("Attended").select_option("false")
    expect(page.get_by_text("No realized training matches.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"hasAttended=false"))
    assert errors == []
