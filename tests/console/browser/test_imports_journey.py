"""Importing a file in Chromium: a file with one bad row is checked and refused, the row, column and message
in a table, nothing imported; the file corrected, checked, then imported. A job runner of the test's own runs
the jobs (the served application runs none), and the job's page, polling with htmx, shows each outcome."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from talent_training.accounts.service import issue_api_key
from talent_training.bulk.jobs import JobRunner
from talent_training.db.database import Database, Tx
from talent_training.settings import Settings
from tests.console.browser.conftest import Console, _in_a_thread
from tests.console.browser.test_every_screen import _signed_in, _violations, chromium  # noqa: F401
from tests.console.browser.test_journeys import _errors_of
from tests.console.conftest import PASSWORD
from tests.directory.helpers import employee_body
from tests.factories import training_body

pytestmark = pytest.mark.parametrize("databases", ["sqlite"], indirect=True)

API = "/talent-training/api"
HEADER = "Employee login,Training title,Start date,End date,Duration (hours)\r\n"
GOOD = "jdoe,First aid,2025-01-30,2025-01-31,14\r\nasmith,First aid,2025-03-03,2025-03-04,3.5\r\n"
BAD = "jdoe,First aid,2025-01-30,2025-01-31,14\r\nasmith,First aid,2025-03-03,2025-03-04,-3\r\n"


def _directory(console: Console) -> None:
    """Employees jdoe and asmith, and the Ready training 'First aid', put in through the API."""

    async def key(tx: Tx) -> str:
        return (await issue_api_key(tx, name="journey", role="write", by="test")).token

    token = console.seed(key)
    with httpx.Client(
        base_url=console.url + API, headers={"Authorization": f"lucca application={token}"}, timeout=30
    ) as api:
        for employee_id, login in ((416, "jdoe"), (417, "asmith")):
            answer = api.put(f"/v1/employees/{employee_id}", json=employee_body(login=login))
            assert answer.status_code in (200, 201), answer.text
        answer = api.post("/v1/trainings", json=training_body(title="First aid"))
        assert answer.status_code == 201, answer.text


def _run_a_job(console: Console) -> None:
    """What a serving process's runner does: the next queued job, run to its end."""

    async def run() -> bool:
        database = Database.connect(console.database_url)
        try:
            return await JobRunner(
                database, Settings(database_url=console.database_url, timezone="UTC")
            ).run_once()
        finally:
            await database.dispose()

    assert _in_a_thread(run)


def _sign_in(page: Page, console: Console) -> None:
    page.goto(f"{console.url}/console")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Imports").click()
    expect(page).to_have_url(f"{console.url}/console/imports")


def _check(page: Page, file: Path) -> None:
    page.get_by_role("radio", name="Realized trainings").check()
    page.get_by_label("File (CSV or XLSX)").set_input_files(str(file))
    page.get_by_role("button", name="Check the file").click()
    expect(page).to_have_url(re.compile(r"/console/imports/\d+$"))
    expect(page.get_by_text("Waiting for its turn.")).to_be_visible()


def test_a_bad_row_is_shown_then_the_corrected_file_is_imported(
    console: Console, page: Page, tmp_path: Path
) -> None:
    console.add_user("ana@example.com", "Ana Martin")
    _directory(console)
    errors = _errors_of(page)
    bad, good = tmp_path / "trainings.csv", tmp_path / "trainings-corrected.csv"
    bad.write_text(HEADER + BAD)
    good.write_text(HEADER + GOOD)

    _sign_in(page, console)
    _check(page, bad)
    _run_a_job(console)  # the page polls every 2 s: the report comes in without a reload
    expect(page.get_by_role("alert")).to_have_text(
        "The file would be refused. Problems found: 1. Nothing was recorded."
    )
    row = page.locator("table.import-problems tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(["3", "Duration (hours)", "-3", re.compile(r"greater than 0")])
    expect(page.get_by_role("button", name=re.compile("Import the file"))).to_have_count(0)

    page.get_by_role("link", name="Correct the file and check it again").click()
    _check(page, good)
    _run_a_job(console)
    expect(
        page.get_by_text("Ready: nothing wrong in any row (rows: 2). Nothing is recorded yet.")
    ).to_be_visible()
    page.get_by_role("button", name="Import the file (rows: 2)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importing a file of Realized trainings")
    _run_a_job(console)
    expect(page.get_by_role("status")).to_have_text("Imported. Rows recorded: 2.")

    page.go_back()  # the dry run's page no longer offers its file: it was imported
    page.reload()
    expect(page.get_by_role("link", name="This file was imported: see the import.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Import the file"))).to_have_count(0)
    assert errors == []


def test_the_wizards_pages_have_no_serious_accessibility_violation(
    console: Console,
    chromium: Browser,  # noqa: F811 (the fixture of test_every_screen.py)
    tmp_path: Path,
) -> None:
    console.add_user("ana@example.com", "Ana Martin")
    _directory(console)
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(HEADER + BAD)
    good.write_text(HEADER + GOOD)
    page = _signed_in(chromium, console, "ana@example.com")
    found = {}
    for file in (bad, good):
        page.goto(f"{console.url}/console/imports")
        found[f"form before {file.name}"] = _violations(page)
        _check(page, file)
        found[f"{file.name}: queued"] = _violations(page)
        _run_a_job(console)
        page.reload()
        found[f"{file.name}: checked"] = _violations(page)
    assert {name: violations for name, violations in found.items() if violations} == {}
