"""A manager in Chromium: their team's list, one employee's page, a certification marked Expiring."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from talent_training.accounts.service import account_named
from talent_training.catalog import service as catalog
from talent_training.catalog.schemas import TrainingCreate
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.schemas import EmployeePut
from talent_training.kit.actor import command_line
from talent_training.realized_trainings import service as realized
from talent_training.realized_trainings.schemas import RealizedTrainingCreate
from tests.console.browser.conftest import Console
from tests.console.browser.test_journeys import _errors_of
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)


async def _team(tx: Tx) -> None:
    """Grace (1) manages Ada (2); Carl (3) is elsewhere. Ada's forklift licence expires in 30 days."""
    actor = command_line(await account_named(tx, "default"))
    for employee_id, first, last, manager in (
        (1, "Grace", "Hopper", None),
        (2, "Ada", "Lovelace", 1),
        (3, "Carl", "Outsider", None),
    ):
        body = EmployeePut(login=f"{first.lower()}", firstName=first, lastName=last, managerId=manager)
        await directory.put_employee(tx, actor, employee_id, body)
    training = await catalog.create_training(
        tx,
        actor,
        TrainingCreate.model_validate(
            {"title": "Forklift licence", "subtitle": "", "description": "", "level": "Beginner",
             "isCertifying": True, "isMandatory": False}
        ),
    )  # fmt: skip
    today = datetime.now(UTC).date()
    ended = today - timedelta(days=300)
    record = RealizedTrainingCreate.model_validate(
        {"ownerId": 2, "trainingId": training.id, "sessionStartsOn": ended.isoformat(),
         "sessionEndsOn": ended.isoformat(), "durationInHours": 7,
         "expiresOn": (today + timedelta(days=30)).isoformat()}
    )  # fmt: skip
    await realized.record(tx, actor, record, today)


def test_a_manager_finds_a_certification_expiring_in_their_team(console: Console, page: Page) -> None:
    console.seed(_team)
    console.add_user("grace@example.com", "Grace Hopper", "manager", employee_id=1)
    errors = _errors_of(page)

    page.goto(f"{console.url}/console")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Employees").click()
    expect(page).to_have_url(f"{console.url}/console/employees")
    expect(page.get_by_text("You see the employees of your team.")).to_be_visible()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_role("link", name="Carl Outsider")).to_have_count(0)

    # Search as you type: htmx replaces the table, and the address follows.
    page.get_by_label("Search by name, login or email").fill("carl")
    expect(page.get_by_text("No employee matches.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"search=carl"))
    page.get_by_label("Search by name, login or email").fill("ada")
    expect(page).to_have_url(
        re.compile(r"search=ada")
    )  # the search's table in place before its link is clicked
    page.get_by_role("link", name="Ada Lovelace").click()

    expect(page).to_have_url(f"{console.url}/console/employees/2")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")
    certification = page.get_by_role("row", name=re.compile("Forklift licence"))
    expect(certification.get_by_role("cell").last).to_have_text("Expiring")
    expect(page.get_by_role("table").filter(has_text="Year").get_by_role("row").nth(1)).to_contain_text("7")
    assert errors == []
    # Someone outside her team is not found, as if there were nobody.
    answer = page.goto(f"{console.url}/console/employees/3")
    assert answer is not None and answer.status == 404
