"""Importing realized trainings from Lucca's template (import_realized_trainings, which the CLI and the HTTP
import job call): every row recorded or none, every bad row named, on both databases."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl  # type: ignore[import-untyped]
import pytest

from talent_training.accounts.service import account_named
from talent_training.app import TalentTraining, create_app
from talent_training.imports import FileOptions, ImportProblem, ImportReport
from talent_training.kit.actor import Actor
from talent_training.realized_trainings.importing import import_realized_trainings
from talent_training.settings import Settings
from tests.conftest import ClientFactory, http_client, new_key
from tests.directory.helpers import put_employee
from tests.factories import (
    CATEGORIES,
    PREFIX,
    PROVIDERS,
    REALIZED,
    TRAININGS,
    count,
    create_category,
    create_provider,
    create_realized_training,
    create_training,
)

TODAY = date(2025, 6, 30)
EVENTS = f"{PREFIX}/v1/audit-events"

# Lucca's template, plus our columns (docs/imports.md), in English and in French.
ENGLISH = (
    "Employee login", "Training title", "Type", "Provider name", "Provider URL", "Start date", "End date",
    "Duration (hours)", "Certified", "Category", "Level", "Cost", "Currency", "Expiry date", "Attended",
)  # fmt: skip
FRENCH = (
    "Identifiant du collaborateur", "Intitulé de la formation", "Type", "Nom de l'organisme",
    "URL de l'organisme", "Date de début", "Date de fin", "Durée (heures)", "Certifiante", "Catégorie",
    "Niveau", "Coût", "Devise", "Date d'expiration", "Présent",
)  # fmt: skip
IN_FRENCH = dict(zip(ENGLISH, FRENCH, strict=True))


def row(**cells: str) -> dict[str, str]:
    """A valid row of the template, for employee `jdoe` and the training 'First aid'; keyword arguments
    replace cells by their English header, letters only (`End_date="01/31/2025"`, `Duration_hours="7"`)."""
    values = {
        "Employee login": "jdoe",
        "Training title": "First aid",
        "Type": "External",
        "Provider name": "Acme",
        "Provider URL": "https://acme.example",
        "Start date": "01/30/2025",
        "End date": "01/31/2025",
        "Duration (hours)": "14",
        "Certified": "1",
        "Category": "Safety",
        "Level": "Beginner",
        "Cost": "",
        "Currency": "",
        "Expiry date": "",
        "Attended": "",
    }
    headers = {letters(header): header for header in values}
    for name, value in cells.items():
        values[headers[letters(name)]] = value
    return values


def letters(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalpha())


def csv_file(
    path: Path,
    rows: Sequence[dict[str, str]],
    *,
    header: Sequence[str] = ENGLISH,
    separator: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """`rows` keyed by English header, written under `header` (English or French names, or fewer)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    english = {IN_FRENCH.get(name, name): name for name in ENGLISH}
    for values in rows:
        writer.writerow([values.get(english.get(name, name), values.get(name, "")) for name in header])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@dataclass
class World:
    """An account with two employees and a Ready training 'First aid' (provider Acme, category Safety)."""

    app: TalentTraining
    client: httpx.AsyncClient
    actor: Actor
    tmp_path: Path
    training: dict[str, Any]
    provider: dict[str, Any]
    category: dict[str, Any]

    async def run(
        self,
        rows: Sequence[dict[str, str]],
        *,
        header: Sequence[str] = ENGLISH,
        name: str = "realized.csv",
        **options: Any,
    ) -> ImportReport:
        path = csv_file(self.tmp_path / name, rows, header=header)
        return await self.run_file(path, **options)

    async def run_file(self, path: Path, **options: Any) -> ImportReport:
        return await import_realized_trainings(self.app.database, self.actor, path, today=TODAY, **options)

    async def recorded(self) -> list[dict[str, Any]]:
        response = await self.client.get(REALIZED, params={"limit": 100})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


async def make_world(app: TalentTraining, client: httpx.AsyncClient, tmp_path: Path) -> World:
    await put_employee(client, 416, login="jdoe")
    await put_employee(client, 417, login="asmith")
    provider = await create_provider(client, name="Acme", websiteHref="https://acme.example")
    category = await create_category(client, name="Safety")
    training = await create_training(
        client, title="First aid", providerId=provider["id"], categoryId=category["id"]
    )
    async with app.database.transaction() as tx:
        account_id = await account_named(tx, "default")
    return World(app, client, Actor(account_id, "test"), tmp_path, training, provider, category)


@pytest.fixture
async def world(app: TalentTraining, client: httpx.AsyncClient, tmp_path: Path) -> World:
    return await make_world(app, client, tmp_path)


def only_problem(report: ImportReport) -> Any:
    assert not report.accepted
    assert report.recorded == 0
    problems = list(report.problems)
    assert len(problems) == 1, [str(problem) for problem in problems]
    return problems[0]


# The template, read as Excel and people write it ---------------------------------------------------------


async def test_lucca_template_in_english_records_every_row(world: World) -> None:
    rows = [
        row(),
        row(Employee_login="asmith", Cost="1250.50", Currency="eur", Expiry_date="01/31/2027"),
        row(Start_date="2025-03-03", End_date="2025-03-04", Duration_hours="3.5", Attended="0"),
    ]

    report = await world.run(rows)

    assert report.accepted, [str(problem) for problem in report.problems]
    assert (report.rows, report.recorded, report.created) == (3, 3, {})
    recorded = sorted(await world.recorded(), key=lambda item: item["id"])
    assert [(item["ownerId"], item["trainingId"]) for item in recorded] == [
        (416, world.training["id"]),
        (417, world.training["id"]),
        (416, world.training["id"]),
    ]
    first, second, third = recorded
    assert (first["sessionStartsOn"], first["sessionEndsOn"], first["durationInHours"]) == (
        "2025-01-30",
        "2025-01-31",
        14,
    )
    assert first["hasAttended"] is True and "cost" not in first and "expiresOn" not in first
    assert second["cost"] == {"amount": 1250.5, "currency": "EUR"}
    assert second["expiresOn"] == "2027-01-31"
    assert (third["sessionEndsOn"], third["durationInHours"], third["hasAttended"]) == (
        "2025-03-04",
        3.5,
        False,
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252"])
@pytest.mark.parametrize("separator", [",", ";"])
async def test_french_headers_in_any_encoding_and_separator(
    world: World, encoding: str, separator: str
) -> None:
    await create_training(world.client, title="Sécurité incendie")
    rows = [
        row(Training_title="Sécurité incendie", Duration_hours="3,5", Level="Débutant", Type="Interne"),
        row(End_date="2025-02-01", Certified="oui", Level="Intermédiaire"),
    ]
    path = csv_file(world.tmp_path / "fr.csv", rows, header=FRENCH, separator=separator, encoding=encoding)

    report = await world.run_file(path)

    assert report.accepted, [str(problem) for problem in report.problems]
    assert report.recorded == 2
    durations = sorted(item["durationInHours"] for item in await world.recorded())
    assert durations == [3.5, 14]


async def test_an_xlsx_file_with_date_and_number_cells(world: World) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(ENGLISH))
    sheet.append(["jdoe", "First aid", "External", "Acme", None, datetime(2025, 1, 30), datetime(2025, 1, 31),
                  7.5, True, "Safety", "Beginner", 99.9, "EUR", None, None])  # fmt: skip
    sheet.append(["asmith", "first AID", None, None, None, "2025-02-03", "02/04/2025", 14, None, None, None,
                  None, None, None, None])  # fmt: skip
    path = world.tmp_path / "realized.xlsx"
    workbook.save(path)

    report = await world.run_file(path)

    assert report.accepted, [str(problem) for problem in report.problems]
    assert report.recorded == 2
    items = sorted(await world.recorded(), key=lambda item: item["id"])
    assert (items[0]["durationInHours"], items[0]["cost"]) == (7.5, {"amount": 99.9, "currency": "EUR"})
    assert (items[1]["ownerId"], items[1]["sessionEndsOn"]) == (417, "2025-02-04")


async def test_the_format_can_be_forced(world: World) -> None:
    path = csv_file(world.tmp_path / "realized.csv", [row()], separator=";")

    report = await world.run_file(path, options=FileOptions(separator=","))  # wrong: one unknown header

    problem = only_problem(report)
    assert problem.row == 1 and "is not a column" in problem.message


# Every column's rules, each named by the column as the file writes it ------------------------------------

RULES = [
    ({"Employee_login": "nobody"}, "Employee login", "is not the login of an employee"),
    ({"Employee_login": ""}, "Employee login", "each row names its employee"),
    ({"Training_title": "Unknown"}, "Training title", "is not the title of a training of the catalog"),
    ({"Training_title": "x" * 251}, "Training title", "at most 250 characters"),
    ({"Training_title": ""}, "Training title", "each row names its training"),
    ({"Type": "Online"}, "Type", "must be External or Internal"),
    ({"Provider_name": "p" * 251}, "Provider name", "at most 250 characters"),
    ({"Provider_URL": "acme.example"}, "Provider URL", "absolute http or https URL"),
    ({"Start_date": "30/01/2025"}, "Start date", "is not a calendar date"),
    ({"Start_date": "Jan 30, 2025"}, "Start date", "MM/DD/YYYY or YYYY-MM-DD"),
    ({"Start_date": ""}, "Start date", "is required"),
    ({"Start_date": "03/01/2025"}, "Start date", "must not be after the end date (2025-02-28)"),
    ({"End_date": "07/01/2025"}, "End date", "must not be after today (2025-06-30)"),
    ({"End_date": ""}, "End date", "is required"),
    ({"Duration_hours": "0"}, "Duration (hours)", "must be greater than 0"),
    ({"Duration_hours": "-2"}, "Duration (hours)", "must be greater than 0"),
    ({"Duration_hours": "1.255"}, "Duration (hours)", "at most 2 decimals"),
    ({"Duration_hours": "100000"}, "Duration (hours)", "at most 99999.99"),
    ({"Duration_hours": "1 234,5"}, "Duration (hours)", "without thousands separators"),
    ({"Duration_hours": "two"}, "Duration (hours)", "must be a number"),
    ({"Duration_hours": ""}, "Duration (hours)", "is required"),
    ({"Certified": "maybe"}, "Certified", "must be 1 or 0"),
    ({"Category": "Cooking"}, "Category", "is not a category of the catalog"),
    ({"Level": "Guru"}, "Level", "must be Beginner, Intermediate"),
    ({"Cost": "-1", "Currency": "EUR"}, "Cost", "must not be negative"),
    ({"Cost": "10.555", "Currency": "EUR"}, "Cost", "at most 2 decimals"),
    ({"Cost": "99999999999999", "Currency": "EUR"}, "Cost", "must be at most 9999999999999.99"),
    ({"Cost": "100"}, "Cost", "needs its currency, in 'Currency'"),
    ({"Currency": "EUR"}, "Currency", "is given without a cost, in 'Cost'"),
    ({"Cost": "100", "Currency": "XYZ"}, "Currency", "not a current ISO 4217 currency code"),
    ({"Cost": "100", "Currency": "EURO"}, "Currency", "three letters"),
    ({"Expiry_date": "02/27/2025"}, "Expiry date", "must not be before the end date (2025-02-28)"),
    ({"Expiry_date": "someday"}, "Expiry date", "MM/DD/YYYY or YYYY-MM-DD"),
    ({"Attended": "perhaps"}, "Attended", "must be 1 or 0"),
]


@pytest.mark.parametrize(("cells", "column", "message"), RULES, ids=[f"{c}-{m}" for _, c, m in RULES])
async def test_each_rule_names_the_row_the_column_and_the_value(
    world: World, cells: dict[str, str], column: str, message: str
) -> None:
    report = await world.run([row(), row(**{"End_date": "02/28/2025", **cells})])

    problem = only_problem(report)
    assert (problem.row, problem.column, problem.kind) == (3, column, "invalid")
    assert message in problem.message
    written = next(value for name, value in cells.items() if letters(name) == letters(column))
    assert problem.value == ImportProblem(3, column, written or None, message).value  # cut at 200
    assert await world.recorded() == []


async def test_every_problem_of_every_row_is_named(world: World) -> None:
    rows = [row(Level="Guru", Duration_hours="0"), row(), row(Employee_login="nobody", End_date="2025-13-01")]

    report = await world.run(rows)

    found = [(problem.row, problem.column) for problem in report.problems]
    assert found == [(2, "Level"), (2, "Duration (hours)"), (4, "Employee login"), (4, "End date")]
    assert report.rows == 3 and report.recorded == 0


async def test_the_column_is_named_as_the_file_writes_it(world: World) -> None:
    header = ("Employee login", "Training title", "Start date", "end date", "Duration (hours)")
    path = world.tmp_path / "lower.csv"
    path.write_text(f"{','.join(header)}\njdoe,First aid,01/30/2025,tomorrow,14\n")

    problem = only_problem(await world.run_file(path))

    assert (problem.column, problem.value) == ("end date", "tomorrow")


async def test_a_file_without_a_required_column_is_refused_at_its_header(world: World) -> None:
    header = [name for name in ENGLISH if name not in ("End date", "Employee login")]

    report = await world.run([row()], header=header)

    messages = [(problem.row, problem.message) for problem in report.problems]
    assert messages == [
        (1, "the file has no 'Employee login' (Identifiant du collaborateur) column (nor 'ownerId')"),
        (1, "the file has no 'End date' (Date de fin) column"),
    ]
    assert report.rows == 0


async def test_an_unknown_header_refuses_the_file(world: World) -> None:
    header = [*ENGLISH, "Comment"]

    problem = only_problem(await world.run([row()], header=header))

    assert (problem.row, problem.column, problem.message) == (1, "Comment", "is not a column of this import")


# People and trainings: by login or id, by title or id --------------------------------------------------


async def test_employees_by_owner_id_or_login_which_must_then_agree(world: World) -> None:
    header = ("Employee login", "ownerId", "Training title", "Start date", "End date", "Duration (hours)")
    rows = [
        {**row(), "Employee login": "", "ownerId": "999"},  # taken as is, as the API takes ownerId
        {**row(End_date="02/01/2025"), "ownerId": "416"},
        {**row(End_date="02/02/2025"), "ownerId": "417"},
    ]

    report = await world.run(rows, header=header)

    problem = only_problem(report)
    assert (problem.row, problem.column, problem.value) == (4, "ownerId", "417")
    assert problem.message == "is employee 417, but 'Employee login' 'jdoe' is employee 416"

    report = await world.run(rows[:2], header=header)
    assert report.recorded == 2
    assert sorted(item["ownerId"] for item in await world.recorded()) == [416, 999]


async def test_trainings_by_id_or_title_which_must_then_agree(world: World) -> None:
    other = await create_training(world.client, title="Welding")
    header = ("Employee login", "Training title", "trainingId", "Start date", "End date", "Duration (hours)")
    training_id = str(world.training["id"])
    rows = [
        {**row(), "Training title": "", "trainingId": str(other["id"])},
        {**row(Training_title="FIRST AID"), "trainingId": training_id},  # the case does not matter
        {**row(End_date="02/01/2025"), "trainingId": str(other["id"])},
        {**row(End_date="02/02/2025"), "Training title": "", "trainingId": "999999"},
    ]

    report = await world.run(rows, header=header)

    found = [(problem.row, problem.column, problem.message) for problem in report.problems]
    assert found == [
        (4, "Training title", f"is not the title of training {other['id']} ('Welding')"),
        (5, "trainingId", "training 999999 does not exist"),
    ]
    assert (await world.run(rows[:2], header=header)).recorded == 2


async def test_an_archived_training_is_refused_by_title_and_by_id(world: World) -> None:
    response = await world.client.patch(f"{TRAININGS}/{world.training['id']}", json={"state": "Archived"})
    assert response.status_code == 200, response.text
    header = ("Employee login", "Training title", "trainingId", "Start date", "End date", "Duration (hours)")
    rows = [
        row(),
        {**row(End_date="02/01/2025"), "Training title": "", "trainingId": str(world.training["id"])},
    ]

    report = await world.run(rows, header=header)

    messages = [(problem.row, problem.message) for problem in report.problems]
    training_id = world.training["id"]
    assert messages == [
        (2, f"is the title of training {training_id}, which is Archived: it must be Ready"),
        (3, f"training {training_id} is Archived: it must be Ready"),
    ]


async def test_a_title_several_trainings_share_asks_for_the_training_id(world: World) -> None:
    await create_training(world.client, title="FIRST AID")

    problem = only_problem(await world.run([row()]))

    assert (problem.column, problem.value) == ("Training title", "First aid")
    assert "several trainings" in problem.message and "trainingId" in problem.message


# Creating what the catalog lacks (create-missing) ---------------------------------------------------------


async def test_create_missing_creates_the_training_its_provider_and_its_category(world: World) -> None:
    new = {
        "Training_title": "Spanish B1",
        "Type": "Internal",
        "Provider_name": "Lingua",
        "Provider_URL": "https://lingua.example",
        "Certified": "yes",
        "Category": "Languages",
        "Level": "Intermediate",
    }
    rows = [row(**new), row(Employee_login="asmith", **new), row()]

    refused = await world.run(rows)
    assert [(p.row, p.column) for p in refused.problems] == [
        (2, "Category"), (2, "Training title"), (3, "Category"), (3, "Training title")
    ]  # fmt: skip

    report = await world.run(rows, create_missing=True)

    assert report.accepted, [str(problem) for problem in report.problems]
    assert report.recorded == 3
    assert report.created == {"trainings": 1, "providers": 1, "categories": 1}
    trainings = (await world.client.get(TRAININGS, params={"search": "Spanish"})).json()["items"]
    assert len(trainings) == 1
    training = trainings[0]
    assert (training["title"], training["type"], training["level"], training["isCertifying"]) == (
        "Spanish B1",
        "Internal",
        "Middle",
        True,
    )
    assert training["provider"]["name"] == "Lingua"
    assert training["provider"]["websiteHref"] == "https://lingua.example"
    assert training["category"]["name"] == "Languages"
    assert await count(world.client, REALIZED, trainingId=training["id"]) == 2
    assert await count(world.client, PROVIDERS) == 2 and await count(world.client, CATEGORIES) == 2


async def test_rows_creating_the_same_training_must_describe_it_alike(world: World) -> None:
    rows = [
        row(Training_title="Spanish B1", Level="Beginner"),
        row(Training_title="spanish b1", Level="Expert", Employee_login="asmith"),
        row(Training_title="Italian", Level=""),
    ]

    report = await world.run(rows, create_missing=True)

    found = [(problem.row, problem.column, problem.value) for problem in report.problems]
    assert found == [(3, "Level", "Expert"), (4, "Level", None)]
    first, second = list(report.problems)
    assert "otherwise than row 2" in first.message
    assert "is required to create the training 'Italian'" in second.message
    assert report.created == {}
    trainings = (await world.client.get(TRAININGS, params={"search": "Spanish"})).json()["items"]
    assert trainings == []  # rolled back with the rest


async def test_a_dry_run_checks_everything_and_writes_nothing(world: World) -> None:
    rows = [row(), row(Training_title="Spanish B1", Category="Languages", Provider_name="Lingua")]

    report = await world.run(rows, dry_run=True, create_missing=True)

    assert report.accepted and report.dry_run
    assert (report.rows, report.recorded) == (2, 0)
    assert report.created == {"trainings": 1, "providers": 1, "categories": 1}
    assert await world.recorded() == []
    assert await count(world.client, TRAININGS) == 1
    assert await count(world.client, PROVIDERS) == 1 and await count(world.client, CATEGORIES) == 1


# Duplicates ---------------------------------------------------------------------------------------------


async def test_a_row_repeating_an_earlier_one_is_a_duplicate_naming_it(world: World) -> None:
    rows = [row(), row(Employee_login="asmith"), row(Start_date="01/31/2025", Duration_hours="7"), row()]

    report = await world.run(rows)

    assert [(p.row, p.column, p.value, p.kind) for p in report.problems] == [
        (4, "End date", "2025-01-31", "duplicate"),
        (5, "End date", "2025-01-31", "duplicate"),
    ]
    assert all("repeats row 2" in problem.message for problem in report.problems)
    assert report.only_duplicates
    assert await world.recorded() == []


async def test_a_row_recorded_already_is_a_duplicate(world: World) -> None:
    existing = await create_realized_training(
        world.client, world.training["id"], sessionStartsOn="2025-01-30", sessionEndsOn="2025-01-31"
    )

    report = await world.run([row(Employee_login="asmith"), row()])

    problem = only_problem(report)
    assert (problem.row, problem.kind) == (3, "duplicate")
    assert problem.message.startswith(f"is recorded already (realized training {existing['id']}")
    assert await count(world.client, REALIZED) == 1


# All or nothing ------------------------------------------------------------------------------------------


async def test_one_bad_row_at_the_end_of_five_thousand_writes_nothing(world: World) -> None:
    rows = [row(Start_date=day, End_date=day) for day in _days(4999)]
    rows.append(row(Duration_hours="0"))

    report = await world.run(rows)

    problem = only_problem(report)
    assert (problem.row, problem.column) == (5001, "Duration (hours)")
    assert report.rows == 5000
    assert await count(world.client, REALIZED) == 0

    report = await world.run(rows[:-1])
    assert report.recorded == 4999
    assert await count(world.client, REALIZED) == 4999


def _days(number: int) -> list[str]:
    """As many days, each its own session, up to today."""
    return [date.fromordinal(TODAY.toordinal() - n).isoformat() for n in range(number)]


async def test_progress_is_told_by_stage_with_the_share_of_the_file_read(world: World) -> None:
    told: list[tuple[str, int, float | None]] = []

    class Recorder:
        def update(self, stage: str, rows: int, fraction: float | None = None) -> None:
            told.append((stage, rows, fraction))

    rows = [row(Start_date=day, End_date=day) for day in _days(12_000)]
    report = await world.run(rows, progress=Recorder())

    assert report.recorded == 12_000
    reading = [(rows, fraction) for stage, rows, fraction in told if stage == "reading"]
    assert [rows for rows, _ in reading] == [5000, 10_000, 12_000]
    fractions = [fraction for _, fraction in reading]
    assert all(fraction is not None for fraction in fractions)
    assert fractions == sorted(fractions) and fractions[0] < 0.6 and fractions[-1] == 1.0  # type: ignore[operator]
    assert [stage for stage, _, _ in told][-3:] == ["checking", "writing", "writing"]
    assert told[-1][1] == 12_000


async def test_one_audit_event_tells_the_whole_import(world: World) -> None:
    rows = [row(), row(Employee_login="asmith")]

    report = await world.run(rows, name="june.csv")

    assert report.recorded == 2
    response = await world.client.get(EVENTS, params={"limit": 100})
    events = [
        event for event in response.json()["items"] if event["resourceType"] == "realized-training-import"
    ]
    assert len(events) == 1
    event = events[0]
    first = min(item["id"] for item in await world.recorded())
    assert (event["resourceId"], event["action"], event["actor"]) == (first, "create", "test")
    changes = {field: pair["after"] for field, pair in event["changes"].items()}
    assert changes == {"rows": 2, "recorded": 2, "created": {}, "file": "june.csv"}
    realized_events = [
        event for event in response.json()["items"] if event["resourceType"] == "realized-training"
    ]
    assert realized_events == []  # not one per row


async def test_a_file_that_breaks_while_read_is_refused_with_nothing_written(world: World) -> None:
    path = csv_file(world.tmp_path / "broken.csv", [row(), row(Training_title='First "aid')])
    data = path.read_bytes().replace(b'"First ""aid"', b'"First "aid"')
    path.write_bytes(data)

    report = await world.run_file(path)

    problem = only_problem(report)
    assert problem.row == 3 and "quoted cell" in problem.message
    assert await world.recorded() == []


# An import and a POST of the same record at once: the unique constraint lets one through ----------------


class PostWhenWriting:
    """Progress that, when the import begins writing, sends the POST of a record the file holds: the two
    race for the same row."""

    def __init__(self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        self.client = client
        self.body = body
        self.post: asyncio.Task[httpx.Response] | None = None

    def update(self, stage: str, rows: int, fraction: float | None = None) -> None:
        if stage == "writing" and self.post is None:
            self.post = asyncio.get_running_loop().create_task(self.client.post(REALIZED, json=self.body))


async def test_an_import_and_a_post_of_the_same_record_at_once_one_wins(
    committed_app: TalentTraining, make_committed_client: ClientFactory, tmp_path: Path
) -> None:
    world = await make_world(committed_app, await make_committed_client("write"), tmp_path)
    body = {
        "ownerId": 416,
        "trainingId": world.training["id"],
        "sessionStartsOn": "2025-01-30",
        "sessionEndsOn": "2025-01-31",
        "durationInHours": 14,
    }
    racing = PostWhenWriting(world.client, body)

    report = await world.run([row(Employee_login="asmith"), row()], progress=racing)
    assert racing.post is not None
    posted = await racing.post

    if report.accepted:  # the import won: the POST is told the record exists
        assert report.recorded == 2
        assert posted.status_code == 409, posted.text
    else:  # the POST won: the import is told, and wrote nothing
        assert posted.status_code == 201, posted.text
        problem = only_problem(report)
        assert (problem.row, problem.kind) == (3, "duplicate")
    assert await count(world.client, REALIZED, ownerIds=416) == 1
    assert await count(world.client, REALIZED) == (2 if report.accepted else 1)


class PostAndWaitWhenWriting:
    """Progress that, when the import begins writing (its checks done), has a POST of a record the file
    holds committed by another application, on a loop and connection of its own, before the import goes on:
    the import's statement then meets the record the constraint forbids it to repeat."""

    def __init__(self, database_url: str, token: str, body: dict[str, Any]) -> None:
        self.database_url = database_url
        self.token = token
        self.body = body
        self.status: int | None = None

    def update(self, stage: str, rows: int, fraction: float | None = None) -> None:
        if stage == "writing" and self.status is None:
            with ThreadPoolExecutor(1) as thread:
                self.status = thread.submit(asyncio.run, self._post()).result(timeout=60)

    async def _post(self) -> int:
        other = create_app(Settings(database_url=self.database_url, timezone="UTC"))
        try:
            async with http_client(other, self.token) as client:
                return (await client.post(REALIZED, json=self.body)).status_code
        finally:
            await other.close()


@pytest.mark.postgresql_only  # SQLite's writers take turns: the POST would wait for the import's commit
async def test_a_record_posted_between_the_checks_and_the_write_refuses_the_import(
    committed_app: TalentTraining, database_url: str, tmp_path: Path
) -> None:
    token = await new_key(committed_app)
    async with http_client(committed_app, token) as client:
        world = await make_world(committed_app, client, tmp_path)
        body = {
            "ownerId": 417,
            "trainingId": world.training["id"],
            "sessionStartsOn": "2025-01-30",
            "sessionEndsOn": "2025-01-31",
            "durationInHours": 14,
        }
        racing = PostAndWaitWhenWriting(database_url, token, body)

        report = await world.run([row(), row(Employee_login="asmith")], progress=racing)

        assert racing.status == 201
        problem = only_problem(report)
        assert (problem.row, problem.column, problem.kind) == (3, "End date", "duplicate")
        assert problem.message.startswith("is recorded already")
        assert await count(client, REALIZED) == 1
