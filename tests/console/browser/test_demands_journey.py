"""The demands inbox in Chromium: an HR administrator accepts a demand into a plan, registers it on a session
of its training and sees its new state; then an accessibility scan of the inbox, a demand, a bulk result."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from talent_training.accounts.service import account_named
from talent_training.catalog import service as catalog
from talent_training.catalog.schemas import TrainingCreate
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.schemas import EmployeePut
from talent_training.kit.actor import Actor
from talent_training.planning import service as planning
from talent_training.planning.schemas import PlanCreate, SessionCreate, SessionPatch, SessionStatus
from talent_training.training_demands import service as demands
from talent_training.training_demands.schemas import DemandCreate, PrioritizationLevel
from tests.console.browser.conftest import Console, _chromium
from tests.console.browser.test_journeys import _errors_of
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def seed(console: Console) -> dict[str, Any]:
    """A training with an open session next month, a plan, an employee with a manager, and two demands of
    theirs pending approval (one High)."""

    async def work(tx: Tx) -> dict[str, Any]:
        actor = Actor(await account_named(tx, "default"), "test")
        training = await catalog.create_training(
            tx,
            actor,
            TrainingCreate.model_validate(
                {
                    "title": "Mastering French",
                    "subtitle": "Speak with confidence",
                    "description": "",
                    "level": "Beginner",
                    "isCertifying": False,
                    "isMandatory": False,
                }
            ),
        )
        today = date.today()
        plan = await planning.create_plan(
            tx,
            actor,
            PlanCreate.model_validate(
                {
                    "name": "Plan 2027",
                    "startOn": today.isoformat(),
                    "endOn": (today + timedelta(365)).isoformat(),
                }
            ),
        )
        session = await planning.create_session(
            tx,
            actor,
            SessionCreate.model_validate(
                {
                    "trainingId": training.id,
                    "planId": plan.id,
                    "startOn": (today + timedelta(30)).isoformat(),
                    "endOn": (today + timedelta(31)).isoformat(),
                    "durationInHours": 14,
                    "capacity": 8,
                }
            ),
        )
        await planning.update_session(tx, actor, session.id, SessionPatch(status=SessionStatus.OPEN), today)
        await directory.put_employee(
            tx,
            actor,
            7,
            EmployeePut.model_validate({"login": "gm", "firstName": "Gabrielle", "lastName": "Martin"}),
        )
        await directory.put_employee(
            tx,
            actor,
            416,
            EmployeePut.model_validate(
                {"login": "jd", "firstName": "Jeanne", "lastName": "Dupont", "managerId": 7}
            ),
        )
        first = await demands.create(tx, actor, DemandCreate(ownerId=416, trainingId=training.id))
        await demands.prioritize(tx, actor, first.id, PrioritizationLevel.HIGH)
        second = await demands.create(
            tx, actor, DemandCreate(ownerId=416, trainingId=training.id, reason="Lyon")
        )
        return {"first": first.id, "second": second.id, "plan": plan.id, "session": session.id}

    seeded = console.seed(work)
    console.add_user("ana@example.com", "Ana Martin")
    return seeded


def _sign_in(page: Page, console: Console) -> None:
    page.goto(f"{console.url}/console")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{console.url}/console")


def test_accept_a_demand_register_it_on_a_session_and_see_its_state(console: Console, page: Page) -> None:
    seeded = seed(console)
    errors = _errors_of(page)
    _sign_in(page, console)

    page.get_by_role("link", name="Training demands").click()
    expect(page).to_have_url(f"{console.url}/console/demands")
    rows = page.locator("table.demands tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("High")  # highest priority first
    expect(rows.first).to_contain_text("Pending approval")
    rows.first.get_by_role("link", name="Mastering French").click()
    expect(page).to_have_url(f"{console.url}/console/demands/{seeded['first']}")
    expect(page.locator("#demand-status")).to_have_text("Pending approval")

    page.get_by_label("Plan").select_option(str(seeded["plan"]))
    page.get_by_role("button", name="Accept the demand").click()
    expect(page.get_by_role("status")).to_have_text("The demand is accepted.")
    expect(page.locator("#demand-status")).to_have_text("Accepted, pending registration")
    expect(page.get_by_role("button", name="Accept the demand")).to_have_count(0)

    page.get_by_label("Session").select_option(str(seeded["session"]))
    page.get_by_role("button", name="Register on this session").click()
    expect(page.get_by_role("status")).to_have_text("The demand is registered on the session.")
    expect(page.locator("#demand-status")).to_have_text("Registered")
    expect(page.locator("#demand-session")).to_be_visible()
    expect(page.get_by_role("button", name="Unregister from the session")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("user:ana@example.com")  # the history

    # Back in the inbox: what needs action is the other demand; the registered one is under its state.
    page.get_by_role("link", name="Back to the inbox").click()
    expect(rows).to_have_count(1)
    page.get_by_label("State").select_option("Registered")  # htmx replaces the table
    expect(page).to_have_url(re.compile(r"states=Registered"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Registered")
    expect(rows.first).to_contain_text("Jeanne Dupont")
    assert errors == []


def _violations(page: Page) -> list[Any]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [violation for violation in found if violation["impact"] in ("serious", "critical")]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not vendored here")
def test_the_inbox_a_demand_and_a_bulk_result_pass_the_accessibility_scan(console: Console) -> None:
    seeded = seed(console)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium())
        try:
            # The scan injects axe's script, which the pages' Content-Security-Policy would refuse.
            page = browser.new_context(locale="en-GB", bypass_csp=True).new_page()
            _sign_in(page, console)
            problems = {}
            page.goto(f"{console.url}/console/demands?lang=fr")  # in French, from here on
            problems["inbox"] = _violations(page)
            page.goto(f"{console.url}/console/demands/{seeded['second']}")
            problems["demand"] = _violations(page)
            page.get_by_label("Motif du refus").fill("   ")  # only spaces: the API's rule refuses it
            page.get_by_role("button", name="Refuser la demande").click()
            expect(page.locator("#reason-error")).to_be_visible()
            problems["demand refused"] = _violations(page)
            page.goto(f"{console.url}/console/demands")
            page.locator("table.demands tbody input[type=checkbox]").first.check()
            page.get_by_label("Priorité", exact=True).last.select_option("Low")
            page.get_by_role("button", name="Prioriser la sélection").click()
            expect(page.get_by_role("status")).to_contain_text("1 traitée(s)")
            problems["bulk"] = _violations(page)
        finally:
            browser.close()
    assert {where: found for where, found in problems.items() if found} == {}
