"""Employees imported from a file (the HR system's nightly sync), through `import_employees` as the CLI and
the HTTP import job call it, checked through the API: create or replace by id, departments and
establishments by name, managers by login in any order, the PUT's rules, and all or nothing."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl  # type: ignore[import-untyped]
import pytest

from talent_training.accounts.service import account_named
from talent_training.app import TalentTraining
from talent_training.directory.importing import import_employees
from talent_training.imports import FileOptions, ImportProblem, ImportReport
from talent_training.kit.actor import Actor
from tests.directory.helpers import (
    DEPARTMENTS,
    EMPLOYEES,
    ESTABLISHMENTS,
    audit_events,
    put_department,
    put_employee,
    teams_both_ways,
)
from tests.factories import OMIT, PREFIX

HEADER = "id,login,firstName,lastName,email,department,establishment,managerLogin,hiredOn,leftOn"
TODAY = date(2025, 6, 1)


@pytest.fixture
async def actor(app: TalentTraining, client: httpx.AsyncClient) -> Actor:
    """Who imports into the account of `client`."""
    async with app.database.transaction() as tx:
        return Actor(await account_named(tx, "default"), "cli:hr-sync")


class Importer:
    def __init__(self, app: TalentTraining, actor: Actor, tmp_path: Path) -> None:
        self.app = app
        self.actor = actor
        self.tmp_path = tmp_path
        self.files = 0

    def file(self, data: str | bytes, suffix: str = "csv") -> Path:
        self.files += 1
        path = self.tmp_path / f"employees{self.files}.{suffix}"
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8", newline="")
        else:
            path.write_bytes(data)
        return path

    async def __call__(self, *rows: str, header: str = HEADER, **options: Any) -> ImportReport:
        return await self.source(self.file("\n".join((header, *rows)) + "\n"), **options)

    async def source(self, path: Path, **options: Any) -> ImportReport:
        return await import_employees(self.app.database, self.actor, path, today=TODAY, **options)


@pytest.fixture
def run(app: TalentTraining, actor: Actor, tmp_path: Path) -> Importer:
    return Importer(app, actor, tmp_path)


async def employee(client: httpx.AsyncClient, employee_id: int) -> dict[str, Any] | None:
    response = await client.get(f"{EMPLOYEES}/{employee_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def items(client: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, Any]]:
    response = await client.get(path, params={"limit": "100", **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


async def unit_ids(client: httpx.AsyncClient, path: str) -> dict[str, int]:
    return {unit["name"]: unit["id"] for unit in await items(client, path)}


def problems(report: ImportReport) -> list[tuple[int | None, str | None, str | None, str]]:
    return [(p.row, p.column, p.value, p.kind) for p in report.problems]


def refused(report: ImportReport) -> list[ImportProblem]:
    assert not report.accepted
    assert report.recorded == 0
    return list(report.problems)


# Creating and replacing -------------------------------------------------------------------------------------


async def test_a_file_creates_employees_their_units_and_managers(
    run: Importer, client: httpx.AsyncClient
) -> None:
    report = await run(
        "1,mcurie,Marie,Curie,marie.curie@example.com,Research,Paris,,2020-01-15,",
        "2,jdupont,Jeanne,Dupont,,Research,Lyon,mcurie,03/01/2021,2025-06-30",
    )

    assert report.accepted, list(report.problems)
    assert (report.kind, report.rows, report.recorded) == ("employees", 2, 2)
    assert report.created == {
        "created": 2, "updated": 0, "unchanged": 0, "departments": 1, "establishments": 2,
    }  # fmt: skip
    departments = await unit_ids(client, DEPARTMENTS)
    establishments = await unit_ids(client, ESTABLISHMENTS)
    assert list(departments) == ["Research"]
    assert set(establishments) == {"Paris", "Lyon"}
    assert await employee(client, 2) == {
        "id": 2,
        "login": "jdupont",
        "firstName": "Jeanne",
        "lastName": "Dupont",
        "departmentId": departments["Research"],
        "establishmentId": establishments["Lyon"],
        "manager": {"id": 1, "firstName": "Marie", "lastName": "Curie"},
        "hiredOn": "2021-03-01",
        "leftOn": "2025-06-30",
    }
    assert (await employee(client, 1) or {})["email"] == "marie.curie@example.com"
    # Found by search as if PUT had written it.
    assert [e["id"] for e in await items(client, EMPLOYEES, search="dupont jeanne")] == [2]


async def test_what_an_import_creates_is_audited_as_a_put_would_be(
    run: Importer, client: httpx.AsyncClient
) -> None:
    await run("1,mcurie,Marie,Curie,,Research,,,2020-01-15,")

    [event] = await audit_events(client, "employee", 1)
    assert (event["action"], event["actor"]) == ("create", "cli:hr-sync")
    research = (await unit_ids(client, DEPARTMENTS))["Research"]
    assert event["changes"] == {
        "login": {"before": None, "after": "mcurie"},
        "firstName": {"before": None, "after": "Marie"},
        "lastName": {"before": None, "after": "Curie"},
        "email": {"before": None, "after": None},
        "departmentId": {"before": None, "after": research},
        "establishmentId": {"before": None, "after": None},
        "managerId": {"before": None, "after": None},
        "hiredOn": {"before": None, "after": "2020-01-15"},
        "leftOn": {"before": None, "after": None},
    }
    [created] = await audit_events(client, "department", research)
    assert created["changes"] == {"name": {"before": None, "after": "Research"}}


async def test_a_row_replaces_the_whole_employee_of_its_id(run: Importer, client: httpx.AsyncClient) -> None:
    await put_employee(client, 5, login="jdoe", firstName="Jane", lastName="Doe", email="jane@example.com")

    report = await run("5,jdoe,Jane,Smith,,,,,,")

    assert report.created == {
        "created": 0, "updated": 1, "unchanged": 0, "departments": 0, "establishments": 0,
    }  # fmt: skip
    assert await employee(client, 5) == {"id": 5, "login": "jdoe", "firstName": "Jane", "lastName": "Smith"}
    events = await audit_events(client, "employee", 5)
    assert [e["action"] for e in events] == ["create", "update"]
    assert events[1]["changes"] == {
        "lastName": {"before": "Doe", "after": "Smith"},
        "email": {"before": "jane@example.com", "after": None},
    }


async def test_a_row_that_changes_nothing_writes_nothing(run: Importer, client: httpx.AsyncClient) -> None:
    await run("1,mcurie,Marie,Curie,,Research,,,,", "2,jdupont,Jeanne,Dupont,,,,mcurie,,")

    report = await run("1,mcurie,Marie,Curie,,research,,,,", "2,jdupont,Jeanne,Durand,,,,mcurie,,")

    assert report.accepted
    assert report.recorded == 2
    assert report.created == {
        "created": 0, "updated": 1, "unchanged": 1, "departments": 0, "establishments": 0,
    }  # fmt: skip
    assert len(await audit_events(client, "employee", 1)) == 1
    assert len(await audit_events(client, "employee", 2)) == 2


async def test_a_department_is_matched_by_name_whatever_its_case_else_created(
    run: Importer, client: httpx.AsyncClient
) -> None:
    await put_department(client, 7, name="Sales")

    report = await run(
        "1,a,A,A,,SALES,,,,",
        "2,b,B,B,,Marketing,,,,",
        "3,c,C,C,,marketing,,,,",
    )

    assert report.created["departments"] == 1
    assert await unit_ids(client, DEPARTMENTS) == {"Sales": 7, "Marketing": 8}  # the next id after the last
    assert [(await employee(client, n) or {}).get("departmentId") for n in (1, 2, 3)] == [7, 8, 8]


async def test_a_name_matching_two_units_by_case_only_is_refused(
    run: Importer, client: httpx.AsyncClient
) -> None:
    await put_department(client, 1, name="Sales")
    await put_department(client, 2, name="SALES")

    assert (await run("1,a,A,A,,Sales,,,,")).accepted  # an exact match is no doubt

    [problem] = refused(await run("1,a,A,A,,sales,,,,"))
    assert (problem.row, problem.column, problem.value) == (2, "department", "sales")
    assert "'SALES', 'Sales'" in problem.message


# Managers ---------------------------------------------------------------------------------------------------


async def test_managers_may_come_after_their_reports_in_the_file(
    run: Importer, client: httpx.AsyncClient
) -> None:
    await put_employee(client, 9, login="old")

    report = await run(
        "3,intern,I,I,,,,lead,,",
        "9,old,O,O,,,,intern,,",  # an employee of the directory, now under a new one
        "2,lead,L,L,,,,boss,,",
        "1,boss,B,B,,,,,,",
    )

    assert report.accepted, list(report.problems)
    managers = {n: ((await employee(client, n) or {}).get("manager") or {}).get("id") for n in (1, 2, 3, 9)}
    assert managers == {1: None, 2: 1, 3: 2, 9: 3}


async def test_an_import_that_moves_managers_keeps_the_chains_of_command(
    run: Importer, app: TalentTraining, client: httpx.AsyncClient
) -> None:
    for n, manager in ((1, None), (2, 1), (3, 2), (4, 3), (5, None)):
        await put_employee(client, n, login=f"e{n}", managerId=manager if manager else OMIT)

    # 3 (with 4 below) moves from 2 to 5; 6 and 7 arrive under 4; 2 loses its manager.
    report = await run(
        "3,e3,E,3,,,,e5,,", "2,e2,E,2,,,,,,", "7,e7,E,7,,,,e6,,", "6,e6,E,6,,,,e4,,",
    )  # fmt: skip

    assert report.accepted, list(report.problems)
    kept, said = await teams_both_ways(app)
    assert kept == said
    assert kept[5] == {3, 4, 6, 7} and kept[1] == set() and kept[4] == {6, 7}


async def test_a_manager_may_be_named_from_the_directory(run: Importer, client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="boss", firstName="Ada", lastName="Lovelace")

    assert (await run("2,me,M,E,,,,boss,,")).accepted

    assert (await employee(client, 2) or {})["manager"] == {
        "id": 1,
        "firstName": "Ada",
        "lastName": "Lovelace",
    }


async def test_an_unknown_manager_login_is_refused_on_its_row(
    run: Importer, client: httpx.AsyncClient
) -> None:
    [problem] = refused(await run("1,a,A,A,,,,,,", "2,b,B,B,,,,nobody,,"))

    assert (problem.row, problem.column, problem.value) == (3, "managerLogin", "nobody")
    assert "no employee" in problem.message
    assert await employee(client, 1) is None


async def test_a_row_whose_id_is_wrong_is_one_problem_not_one_per_report(run: Importer) -> None:
    report = await run("x1,boss,B,B,,,,,,", "2,me,M,M,,,,boss,,")

    assert problems(report) == [(2, "id", "x1", "invalid")]


async def test_a_manager_named_by_a_login_the_file_takes_away_is_unknown(
    run: Importer, client: httpx.AsyncClient
) -> None:
    await put_employee(client, 1, login="boss")

    [problem] = refused(await run("1,chief,C,C,,,,,,", "2,b,B,B,,,,boss,,"))

    assert (problem.row, problem.column) == (3, "managerLogin")


async def test_nobody_is_their_own_manager(run: Importer) -> None:
    [problem] = refused(await run("1,a,A,A,,,,a,,"))

    assert (problem.row, problem.column, problem.value) == (2, "managerLogin", "a")
    assert problem.message == "an employee may not be their own manager"


async def test_a_cycle_within_the_file_is_refused_once_on_its_last_row(
    run: Importer, client: httpx.AsyncClient
) -> None:
    [problem] = refused(await run("1,a,A,A,,,,b,,", "2,b,B,B,,,,c,,", "3,c,C,C,,,,a,,", "4,d,D,D,,,,a,,"))

    assert (problem.row, problem.column, problem.value) == (4, "managerLogin", "a")
    assert "c → a → b → c" in problem.message
    assert await employee(client, 4) is None


async def test_a_cycle_through_the_directory_is_refused(run: Importer, client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="boss")
    await put_employee(client, 2, login="report", managerId=1)

    [problem] = refused(await run("1,boss,B,B,,,,report,,"))

    assert (problem.row, problem.column) == (2, "managerLogin")
    assert "boss → report → boss" in problem.message
    assert "manager" not in (await employee(client, 1) or {})


async def test_a_cycle_the_file_breaks_is_not_one(run: Importer, client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="boss")
    await put_employee(client, 2, login="report", managerId=1)

    # The whole hierarchy turned over: the final graph has no cycle.
    assert (await run("1,boss,B,B,,,,report,,", "2,report,R,R,,,,,,")).accepted

    assert (await employee(client, 1) or {})["manager"]["id"] == 2


# Ids and logins ---------------------------------------------------------------------------------------------


async def test_an_id_or_a_login_repeated_in_the_file_is_a_duplicate(
    run: Importer, client: httpx.AsyncClient
) -> None:
    report = await run("1,a,A,A,,,,,,", "2,b,B,B,,,,,,", "01,c,C,C,,,,,,", "3,b,X,X,,,,,,")

    assert problems(report) == [(4, "id", "01", "duplicate"), (5, "login", "b", "duplicate")]
    assert "row 2" in report.problems.kept[0].message
    assert "row 3" in report.problems.kept[1].message
    assert report.only_duplicates
    assert await employee(client, 1) is None


async def test_a_login_of_another_employee_of_the_directory_is_a_duplicate(
    run: Importer, client: httpx.AsyncClient
) -> None:
    await put_employee(client, 1, login="taken")

    [problem] = refused(await run("2,taken,T,T,,,,,,"))

    assert (problem.row, problem.column, problem.value, problem.kind) == (2, "login", "taken", "duplicate")
    assert "employee 1" in problem.message
    assert await employee(client, 2) is None


async def test_a_login_the_file_frees_may_be_taken_in_the_same_file(
    run: Importer, client: httpx.AsyncClient
) -> None:
    await put_employee(client, 1, login="jdupont")
    await put_employee(client, 2, login="a")
    await put_employee(client, 3, login="b")

    report = await run(
        "4,jdupont,J,D,,,,,,",  # a newcomer takes the login employee 1 leaves
        "1,jdupont1,J,D,,,,,,",
        "2,b,A,A,,,,,,",  # and two employees swap theirs
        "3,a,B,B,,,,,,",
    )

    assert report.accepted, list(report.problems)
    logins = {n: (await employee(client, n) or {}).get("login") for n in (1, 2, 3, 4)}
    assert logins == {1: "jdupont1", 2: "b", 3: "a", 4: "jdupont"}
    assert [e["id"] for e in await items(client, EMPLOYEES, search="jdupont1")] == [1]


# Cells ------------------------------------------------------------------------------------------------------


async def test_every_wrong_cell_is_a_problem_naming_its_row_column_and_value(
    run: Importer, client: httpx.AsyncClient
) -> None:
    long_name = "x" * 251
    report = await run(
        "abc,a,A,A,,,,,,",
        f"2,,{long_name},B,not-an-email,,,,2025-13-01,",
        "3,c,C,C,,,,,2025-06-01,2025-05-31",
        header="id,login,Prénom,lastName,Courriel,department,establishment,managerLogin,hiredOn,leftOn",
    )

    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (2, "id", "abc"),
        (3, "login", None),
        (3, "Prénom", long_name[:199] + "…"),
        (3, "Courriel", "not-an-email"),
        (3, "hiredOn", "2025-13-01"),
        (4, "leftOn", "2025-05-31"),
    ]
    messages = [p.message for p in report.problems]
    assert messages[1] == "is required"
    assert messages[2] == "must be at most 250 characters (it has 251)"
    assert messages[3] == "must be an email address, such as jane.doe@example.com"
    assert messages[5] == "must be on or after hiredOn (2025-06-01)"  # the PUT's own words
    assert await employee(client, 3) is None


async def test_a_missing_required_column_refuses_the_file(run: Importer) -> None:
    [problem] = refused(await run("1,a,A", header="id,login,Prénom"))

    assert problem.row == 1
    assert problem.message == "the column 'lastName' (or 'Nom') is required"


async def test_an_unreadable_header_refuses_the_file(run: Importer) -> None:
    [problem] = refused(await run("1,a,A,A,x", header="id,login,firstName,lastName,salary"))

    assert (problem.row, problem.column) == (1, "salary")


async def test_one_bad_row_at_the_end_writes_nothing(run: Importer, client: httpx.AsyncClient) -> None:
    rows = [f"{n},user{n},F,L,,Dept {n % 3},,,," for n in range(1, 200)]

    report = await run(*rows, "200,user200,F,L,,,,,,12/31/2024x")

    assert problems(report) == [(201, "leftOn", "12/31/2024x", "invalid")]
    assert report.rows == 200
    assert report.created == {}
    assert await employee(client, 1) is None
    assert await unit_ids(client, DEPARTMENTS) == {}


async def test_a_dry_run_checks_everything_and_writes_nothing(
    run: Importer, client: httpx.AsyncClient
) -> None:
    await put_employee(client, 1, login="taken")

    refusal = await run("2,taken,T,T,,,,,,", dry_run=True)
    report = await run("2,free,F,F,,Research,,taken,,", dry_run=True)

    assert problems(refusal) == [(2, "login", "taken", "duplicate")]  # checked against the directory
    assert report.accepted and report.dry_run
    assert report.recorded == 0
    assert report.created == {
        "created": 1, "updated": 0, "unchanged": 0, "departments": 1, "establishments": 0,
    }  # fmt: skip
    assert await employee(client, 2) is None
    assert await unit_ids(client, DEPARTMENTS) == {}


# Files ------------------------------------------------------------------------------------------------------


async def test_french_headers_semicolons_and_windows_1252(run: Importer, client: httpx.AsyncClient) -> None:
    data = (
        "Id;Identifiant;Prénom;Nom;Département;Établissement;Identifiant du manager;Date d'entrée\r\n"
        "1;hlefevre;Hélène;Lefèvre;Comptabilité;Orléans;;09/01/2021\r\n"
        "2;jmartin;Jérôme;Martin;Comptabilité;Orléans;hlefevre;\r\n"
    ).encode("cp1252")

    report = await run.source(run.file(data))

    assert report.accepted, list(report.problems)
    assert await unit_ids(client, DEPARTMENTS) == {"Comptabilité": 1}
    assert await unit_ids(client, ESTABLISHMENTS) == {"Orléans": 1}
    found = await employee(client, 2) or {}
    assert (found["firstName"], found["manager"]["lastName"]) == ("Jérôme", "Lefèvre")
    assert (await employee(client, 1) or {})["hiredOn"] == "2021-09-01"


async def test_file_options_override_detection(run: Importer, client: httpx.AsyncClient) -> None:
    data = "id;login;firstName;lastName\n1;a;Zoé;Z\n".encode("latin-1")

    report = await run.source(run.file(data), options=FileOptions(encoding="latin-1", separator=";"))

    assert report.accepted
    assert (await employee(client, 1) or {})["firstName"] == "Zoé"


async def test_an_xlsx_workbook(run: Importer, client: httpx.AsyncClient) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "login", "First name", "Last name", "Hire date", "managerLogin"])
    sheet.append([2, "report", "Rita", "Report", datetime(2022, 3, 14), "boss"])
    sheet.append([1, "boss", "Bob", "Boss", None, None])
    path = run.tmp_path / "employees.xlsx"
    workbook.save(path)

    report = await run.source(path)

    assert report.accepted, list(report.problems)
    found = await employee(client, 2) or {}
    assert (found["hiredOn"], found["manager"]["id"]) == ("2022-03-14", 1)


async def test_progress_is_told_stage_by_stage(run: Importer) -> None:
    stages: list[tuple[str, int]] = []

    class Recorder:
        def update(self, stage: str, rows: int, fraction: float | None = None) -> None:
            stages.append((stage, rows))

    await run("1,a,A,A,,,,,,", "2,b,B,B,,,,a,,", progress=Recorder())

    assert stages == [("reading", 2), ("checking", 2), ("writing", 2)]


async def test_the_import_is_the_account_s_own(run: Importer, make_client: Any) -> None:
    stranger = await make_client("write", account="other")
    await put_employee(stranger, 1, login="boss")

    [problem] = refused(await run("2,me,M,M,,,,boss,,"))  # another account's employee is nobody here

    assert problem.column == "managerLogin"
    assert (await stranger.get(f"{PREFIX}/v1/employees/2")).status_code == 404
