"""The import wizard over HTTP, on both databases: the upload (a multipart form far larger than other
forms' limit), its dry run as a job showing every bad row, the import of the file the server kept (all or
nothing, once), who may import (an HR administrator alone), and nobody reaching another user's file."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from talent_training.app import TalentTraining
from talent_training.bulk.jobs import JobRunner
from talent_training.settings import Settings
from tests.audit.test_audit_events import events
from tests.bulk.import_helpers import (
    HEADER,
    JSON_LIMIT,
    LIMIT,
    ROWS,
    csv_bytes,
    directory,
    import_settings,
    large_csv,
    parts_of,
    recorded,
)
from tests.conftest import Databases
from tests.console.conftest import Browser, csrf_of, error_of, post
from tests.directory.helpers import put_employee

IMPORTS = "/console/imports"
_JOB = re.compile(r"^/console/imports/(\d+)$")
BAD_ROW = ["jdoe", "First aid", "2025-02-30", "2025-03-04", "2"]  # no February 30th


@pytest.fixture
def settings(databases: Databases) -> Settings:
    """Small limits, so that files go past them: JSON and form bodies 4 KiB, uploads 64 KiB."""
    return import_settings(databases.work_url)


@pytest.fixture
def runner(app: TalentTraining, settings: Settings) -> JobRunner:
    """A serving process's job runner, driven by hand (the tests' application starts none)."""
    return JobRunner(app.database, settings)


async def upload(
    console: httpx.AsyncClient,
    data: bytes,
    kind: str = "realized-trainings",
    name: str = "trainings.csv",
    **fields: str,
) -> httpx.Response:
    """The upload form, filled and sent as a browser does (multipart, with the page's token)."""
    form = await console.get(IMPORTS)
    assert form.status_code == 200, form.text
    return await console.post(
        IMPORTS,
        data={"csrf": csrf_of(form), "kind": kind, **fields},
        files={"file": (name, data, "text/csv")},
    )


def job_of(answer: httpx.Response) -> int:
    assert answer.status_code == 303, answer.text
    found = _JOB.match(answer.headers["location"])
    assert found is not None, answer.headers["location"]
    return int(found.group(1))


def text_of(page: httpx.Response) -> str:
    return html.unescape(re.sub(r"\s+", " ", page.text))


def problem_rows(page: httpx.Response) -> list[list[str]]:
    body = re.search(r'<table class="import-problems">.*?<tbody>(.*?)</tbody>', page.text, re.S)
    assert body is not None, page.text
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


async def checked(console: httpx.AsyncClient, runner: JobRunner, data: bytes, **fields: str) -> int:
    """A file uploaded and its dry run run: the job's id."""
    job_id = job_of(await upload(console, data, **fields))
    assert await runner.run_once()
    return job_id


async def test_the_upload_form_says_what_it_takes(signed_in: Browser) -> None:
    console = await signed_in()
    assert f'href="{IMPORTS}"' in (await console.get("/console")).text
    page = await console.get(IMPORTS)
    assert page.status_code == 200
    assert (
        '<form class="import-upload" method="post" action="/console/imports" enctype="multipart/form-data">'
        in (page.text)
    )
    for field in (
        "kind-realized-trainings",
        "kind-employees",
        "file",
        "createMissing",
        "encoding",
        "separator",
    ):
        assert f'for="{field}"' in page.text and f'id="{field}"' in page.text, field
    assert "<h1>Import a file</h1>" in page.text


async def test_a_bad_row_is_shown_by_row_column_value_and_message_and_nothing_is_imported(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner, app: TalentTraining
) -> None:
    await directory(client)
    console = await signed_in()
    job_id = job_of(await upload(console, csv_bytes([ROWS[0], BAD_ROW])))

    waiting = await console.get(f"{IMPORTS}/{job_id}")
    assert waiting.status_code == 200
    assert "Waiting for its turn." in waiting.text
    assert f'hx-get="{IMPORTS}/{job_id}" hx-trigger="every 2s"' in waiting.text  # polls while it runs
    assert await parts_of(app.database, job_id) == 1  # the file is the server's, in the job

    assert await runner.run_once()
    page = await console.get(f"{IMPORTS}/{job_id}")
    assert "hx-trigger" not in page.text  # done: no more polling
    assert "Rows read: 2." in text_of(page)
    assert "The file would be refused. Problems found: 1. Nothing was recorded." in text_of(page)
    [row] = problem_rows(page)
    assert row[:3] == ["3", "Start date", "2025-02-30"]
    assert "2025-02-30" in row[2] and row[3]
    assert f'action="{IMPORTS}/{job_id}/import"' not in page.text  # nothing to import
    assert await recorded(client) == []
    assert await parts_of(app.database, job_id) == 0  # a refused file is not kept


async def test_a_clean_file_is_ready_then_imported_all_at_once_and_once(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner, app: TalentTraining
) -> None:
    await directory(client)
    console = await signed_in()
    dry_run = await checked(console, runner, csv_bytes())

    page = await console.get(f"{IMPORTS}/{dry_run}")
    assert "Ready: nothing wrong in any row (rows: 2). Nothing is recorded yet." in text_of(page)
    assert f'action="{IMPORTS}/{dry_run}/import"' in page.text
    assert await recorded(client) == []  # a dry run records nothing
    assert await parts_of(app.database, dry_run) == 1  # its file is kept for the import

    answer = await post(console, f"{IMPORTS}/{dry_run}/import", {})
    job_id = job_of(answer)
    assert job_id != dry_run
    assert await parts_of(app.database, dry_run) == 0  # the import took the file over
    assert "Importing a file of Realized trainings" in (await console.get(f"{IMPORTS}/{job_id}")).text
    assert await runner.run_once()

    done = await console.get(f"{IMPORTS}/{job_id}")
    assert "Imported. Rows recorded: 2." in text_of(done)
    assert await recorded(client) == [(416, "2025-01-31"), (417, "2025-03-04")]
    [event] = await events(client, resourceType="realized-training-import")
    assert event["actor"] == "user:ana@example.com"
    assert await parts_of(app.database, job_id) == 0

    # Imported once: a second click (or a replayed form) finds no file to import.
    again = await post(console, f"{IMPORTS}/{dry_run}/import", {})
    assert again.status_code == 409
    after = await console.get(f"{IMPORTS}/{dry_run}")
    assert f'action="{IMPORTS}/{dry_run}/import"' not in after.text
    assert f'href="{IMPORTS}/{job_id}"' in after.text  # it links to the import
    assert await runner.run_once() is False  # no second job


async def test_the_import_checks_every_row_again_and_may_be_refused(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner
) -> None:
    """Between the dry run and the import the data may change: the import is refused as a whole."""
    await directory(client)
    console = await signed_in()
    dry_run = await checked(console, runner, csv_bytes())
    api_first = await client.post(
        "/talent-training/api/v1/imports/realized-trainings",
        content=csv_bytes([ROWS[1]]),
        headers={"Content-Type": "text/csv"},
    )
    assert api_first.status_code == 200, api_first.text
    job_id = job_of(await post(console, f"{IMPORTS}/{dry_run}/import", {}))
    assert await runner.run_once()
    page = await console.get(f"{IMPORTS}/{job_id}")
    assert "The import was refused. Problems found: 1. Nothing was recorded." in text_of(page)
    [row] = problem_rows(page)
    assert row[:3] == ["3", "End date", "2025-03-04"] and row[3].startswith("duplicate")
    assert await recorded(client) == [(417, "2025-03-04")]


async def test_a_file_far_over_the_forms_limit_is_taken_up_to_the_upload_limit(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner
) -> None:
    await directory(client)
    console = await signed_in()
    large = large_csv()
    assert len(large) > 4 * JSON_LIMIT
    dry_run = await checked(console, runner, large)
    assert "(rows: 2)" in text_of(await console.get(f"{IMPORTS}/{dry_run}"))

    too_large = await upload(console, b"x" * (LIMIT + 1))
    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == "text/html; charset=utf-8"
    assert await runner.run_once() is False


async def test_options_are_the_imports_own(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner
) -> None:
    """A separator and an encoding forced; unknown trainings created when asked."""
    await put_employee(client, 416, login="jdoe")
    console = await signed_in()
    header = [*HEADER, "Type", "Level"]
    data = (
        ";".join(header).encode()
        + b"\r\n"
        + "jdoe;Sécurité;2025-01-30;2025-01-31;7;Internal;Beginner\r\n".encode("cp1252")
    )
    dry_run = await checked(
        console, runner, data, separator=";", encoding="windows-1252", createMissing="true"
    )
    page = await console.get(f"{IMPORTS}/{dry_run}")
    assert "(rows: 1)" in text_of(page)
    assert "The import would also create: trainings 1." in text_of(page)
    job_id = job_of(await post(console, f"{IMPORTS}/{dry_run}/import", {}))
    assert await runner.run_once()
    assert "Imported. Rows recorded: 1." in text_of(await console.get(f"{IMPORTS}/{job_id}"))
    trainings = await client.get("/talent-training/api/v1/trainings")
    assert [item["title"] for item in trainings.json()["items"]] == ["Sécurité"]


async def test_employees_are_imported_too(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner
) -> None:
    console = await signed_in()
    data = b"id,login,firstName,lastName,department\r\n416,jdoe,Jane,Doe,Sales\r\n"
    dry_run = await checked(console, runner, data, kind="employees")
    page = await console.get(f"{IMPORTS}/{dry_run}")
    assert "Checking a file of Employees" in page.text
    assert "The import would also create: employees created 1, departments 1." in text_of(page)
    job_id = job_of(await post(console, f"{IMPORTS}/{dry_run}/import", {}))
    assert await runner.run_once()
    assert "Imported. Rows recorded: 1." in text_of(await console.get(f"{IMPORTS}/{job_id}"))
    employee = await client.get("/talent-training/api/v1/employees/416")
    assert employee.json()["login"] == "jdoe"


async def test_refusals_of_the_form_are_next_to_their_fields(signed_in: Browser, runner: JobRunner) -> None:
    console = await signed_in()
    empty = await upload(console, b"")
    assert empty.status_code == 200
    assert error_of(empty, "file") == "Choose a file."
    assert 'aria-invalid="true"' in empty.text
    wrong = await upload(console, csv_bytes(), encoding="klingon", kind="payroll")
    assert error_of(wrong, "encoding") == "Not an encoding this service knows."
    assert error_of(wrong, "kind") == "Choose one of the list."
    assert 'value="klingon"' in wrong.text
    without_file = await post(console, IMPORTS, {"kind": "employees"})  # urlencoded: a browser without file
    assert error_of(without_file, "file") == "Choose a file."
    assert await runner.run_once() is False  # nothing queued

    french = await console.get(f"{IMPORTS}?lang=fr")
    assert "<h1>Importer un fichier</h1>" in french.text
    assert error_of(await upload(console, b""), "file") == "Choisissez un fichier."


async def test_an_upload_without_its_token_or_from_elsewhere_is_refused(
    signed_in: Browser, runner: JobRunner
) -> None:
    console = await signed_in()
    file = {"file": ("trainings.csv", csv_bytes(), "text/csv")}
    for data in ({}, {"csrf": "0" * 64}):
        answer = await console.post(IMPORTS, data={**data, "kind": "employees"}, files=file)
        assert answer.status_code == 403
        assert "This form has expired or did not come from this site" in answer.text
    token = csrf_of(await console.get(IMPORTS))
    elsewhere = await console.post(
        IMPORTS, data={"csrf": token}, files=file, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403
    assert await runner.run_once() is False


@pytest.mark.parametrize("role", ["manager", "auditor"])
async def test_only_an_hr_administrator_imports(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner, role: str
) -> None:
    await put_employee(client, 9, login="boss")
    hr = await signed_in()
    dry_run = await checked(hr, runner, csv_bytes([["jdoe", "x", "2025-01-01", "2025-01-01", "1"]]))
    other = await signed_in(role, "bob@example.com", employee_id=9 if role == "manager" else None)

    page = await other.get(IMPORTS)
    assert page.status_code == 403
    assert "multipart/form-data" not in page.text and 'name="file"' not in page.text
    assert (await other.get(f"{IMPORTS}/{dry_run}")).status_code == 403
    token = csrf_of(await other.get("/console"))
    file = {"file": ("trainings.csv", csv_bytes(), "text/csv")}
    assert (await other.post(IMPORTS, data={"csrf": token}, files=file)).status_code == 403
    assert (await post(other, f"{IMPORTS}/{dry_run}/import", {})).status_code == 403
    assert (await post(other, f"{IMPORTS}/{dry_run}/discard", {})).status_code == 403
    assert await runner.run_once() is False


async def test_a_users_file_is_theirs_alone(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner, app: TalentTraining
) -> None:
    await directory(client)
    ana = await signed_in()
    dry_run = await checked(ana, runner, csv_bytes())
    bob = await signed_in("hr-admin", "bob@example.com")
    assert (await bob.get(f"{IMPORTS}/{dry_run}")).status_code == 404
    assert (await post(bob, f"{IMPORTS}/{dry_run}/import", {})).status_code == 404
    assert (await post(bob, f"{IMPORTS}/{dry_run}/discard", {})).status_code == 404
    assert (await bob.get(f"{IMPORTS}/999999")).status_code == 404
    # An import of the API is no one's in the console.
    api = await client.post(
        "/talent-training/api/v1/imports/realized-trainings",
        content=csv_bytes(),
        headers={"Content-Type": "text/csv", "Prefer": "respond-async"},
    )
    assert (await ana.get(f"{IMPORTS}/{api.json()['id']}")).status_code == 404
    assert await parts_of(app.database, dry_run) == 1


async def test_a_kept_file_can_be_discarded(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner, app: TalentTraining
) -> None:
    await directory(client)
    console = await signed_in()
    dry_run = await checked(console, runner, csv_bytes())
    answer = await post(console, f"{IMPORTS}/{dry_run}/discard", {})
    assert (answer.status_code, answer.headers["location"]) == (303, f"{IMPORTS}/{dry_run}")
    assert await parts_of(app.database, dry_run) == 0
    page = await console.get(f"{IMPORTS}/{dry_run}")
    assert "This file was discarded." in page.text
    assert f'action="{IMPORTS}/{dry_run}/import"' not in page.text
    assert (await post(console, f"{IMPORTS}/{dry_run}/import", {})).status_code == 409
    assert await recorded(client) == []
    assert (await post(console, f"{IMPORTS}/{dry_run}/discard", {})).status_code == 303  # a second click


async def test_only_a_kept_file_is_discarded_not_the_file_of_an_import_to_run(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner, app: TalentTraining
) -> None:
    await directory(client)
    console = await signed_in()
    dry_run = await checked(console, runner, csv_bytes())
    job_id = job_of(await post(console, f"{IMPORTS}/{dry_run}/import", {}))
    kept = await parts_of(app.database, job_id)
    assert kept > 0
    for job in (job_id, dry_run):  # the import's own file, and the dry run's (moved to the import)
        assert (await post(console, f"{IMPORTS}/{job}/discard", {})).status_code == 409
    assert await parts_of(app.database, job_id) == kept
    assert await runner.run_once()
    assert len(await recorded(client)) > 0


async def test_the_polled_part_and_pages_of_problems(
    signed_in: Browser, client: httpx.AsyncClient, runner: JobRunner
) -> None:
    await directory(client)
    console = await signed_in()
    job_id = job_of(await upload(console, csv_bytes([BAD_ROW] * 250)))
    htmx = {"HX-Request": "true", "HX-Target": "job"}
    part = await console.get(f"{IMPORTS}/{job_id}", headers=htmx)
    assert part.text.lstrip().startswith('<section id="job"') and "<h1>" not in part.text
    assert await runner.run_once()
    part = await console.get(f"{IMPORTS}/{job_id}", headers=htmx)
    assert "hx-trigger" not in part.text and "Problems found: 250." in part.text

    first = await console.get(f"{IMPORTS}/{job_id}")
    assert len(problem_rows(first)) == 200
    assert "Problems 1 to 200 of 250 (the first 250 are listed)." in text_of(first)
    assert f'href="{IMPORTS}/{job_id}?problems=2"' in first.text
    second = await console.get(f"{IMPORTS}/{job_id}?problems=2")
    rows = problem_rows(second)
    assert len(rows) == 50 and rows[-1][0] == "251"
    assert len(problem_rows(await console.get(f"{IMPORTS}/{job_id}?problems=99"))) == 200
