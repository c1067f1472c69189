"""GET /v1/employees as a file (`Accept: text/csv` or XLSX): the import's columns, every employee the list's
filters select, streamed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from talent_training.imports import EMPLOYEES as COLUMNS
from talent_training.imports import open_table
from tests.bulk.downloads import CSV, XLSX, csv_rows, xlsx_rows
from tests.directory.helpers import EMPLOYEES, put_department, put_employee, put_establishment
from tests.factories import assert_problem

HEADERS = [column.english for column in COLUMNS]


@pytest.fixture
async def exporter(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return client


async def directory(client: httpx.AsyncClient) -> None:
    """Employee 1 with everything, 2 managed by 1 with a tricky name, 3 with nothing optional."""
    await put_department(client, 10, name="R&D; Lab")
    await put_establishment(client, 20, name="Lyon")
    await put_employee(
        client, 1, login="ada", firstName="Ada", lastName="Lovelace", email="ada@example.com",
        departmentId=10, establishmentId=20, hiredOn="2020-02-01", leftOn="2024-12-31",
    )  # fmt: skip
    await put_employee(client, 2, login="jd", firstName='Jean "JD"', lastName="Dupont,\nJr", managerId=1)
    await put_employee(client, 3, login="zoe", firstName="Zoé", lastName="Ürk")


EXPECTED = [
    ["1", "ada", "Ada", "Lovelace", "ada@example.com", "R&D; Lab", "Lyon", "", "2020-02-01", "2024-12-31"],
    ["2", "jd", 'Jean "JD"', "Dupont,\nJr", "", "", "", "ada", "", ""],
    ["3", "zoe", "Zoé", "Ürk", "", "", "", "", "", ""],
]


async def test_csv_is_the_import_format(exporter: httpx.AsyncClient) -> None:
    await directory(exporter)

    response = await exporter.get(EMPLOYEES, headers={"Accept": CSV})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == f'attachment; filename="employees-{today}.csv"'
    assert response.headers["x-request-id"]
    rows = csv_rows(response.content)
    assert rows == [HEADERS, *EXPECTED]
    assert b'"Jean ""JD""","Dupont,\nJr"' in response.content


async def test_the_csv_reads_back_through_the_importers_reader_unchanged(
    exporter: httpx.AsyncClient, tmp_path: Any
) -> None:
    await directory(exporter)
    path = tmp_path / "employees.csv"
    path.write_bytes((await exporter.get(EMPLOYEES, headers={"Accept": CSV})).content)

    with open_table(path, COLUMNS) as table:
        values = [row.values for row in table.rows()]

    keys = [column.key for column in COLUMNS]
    assert values == [{key: value for key, value in zip(keys, row, strict=True) if value} for row in EXPECTED]


async def test_xlsx_has_the_same_rows(exporter: httpx.AsyncClient) -> None:
    await directory(exporter)

    response = await exporter.get(EMPLOYEES, headers={"Accept": XLSX})

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    rows = xlsx_rows(response.content)
    assert rows == [
        tuple(HEADERS),
        (1, "ada", "Ada", "Lovelace", "ada@example.com", "R&D; Lab", "Lyon", None,
         datetime(2020, 2, 1), datetime(2024, 12, 31)),
        (2, "jd", 'Jean "JD"', "Dupont,\nJr", None, None, None, "ada", None, None),
        (3, "zoe", "Zoé", "Ürk", None, None, None, None, None, None),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [
        {"departmentIds": "10"},
        {"managerIds": "1"},
        {"id": "3,1"},
        {"search": "zoe"},
        {"search": "LOVELACE ada"},
        {"establishmentIds": "20", "departmentIds": "10,11"},
        {"limit": "1", "page": "1"},  # paging does not apply to an export: every employee
    ],
)
async def test_an_export_selects_what_the_list_selects_in_its_order(
    exporter: httpx.AsyncClient, params: dict[str, str]
) -> None:
    await directory(exporter)
    listed = (await exporter.get(EMPLOYEES, params={**params, "limit": 100, "page": 0})).json()["items"]

    response = await exporter.get(EMPLOYEES, params=params, headers={"Accept": CSV})

    exported = [int(row[0]) for row in csv_rows(response.content)[1:]]
    assert exported == [item["id"] for item in listed]
    assert exported


@pytest.mark.parametrize(
    ("params", "field"),
    [({"departmentIds": "x"}, "departmentIds"), ({"search": "x" * 251}, "search"), ({"id": "0"}, "id")],
)
async def test_a_bad_filter_is_a_400_problem(
    exporter: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await exporter.get(EMPLOYEES, params=params, headers={"Accept": CSV})

    assert_problem(response, 400, field)


async def test_json_stays_the_default(exporter: httpx.AsyncClient) -> None:
    await directory(exporter)

    response = await exporter.get(EMPLOYEES, headers={"Accept": "*/*"})

    assert response.headers["content-type"] == "application/json"
    assert [item["id"] for item in response.json()["items"]] == [1, 2, 3]


async def test_another_accounts_employees_are_not_exported(
    exporter: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await put_employee(stranger, 1)

    assert csv_rows((await exporter.get(EMPLOYEES, headers={"Accept": CSV})).content) == [HEADERS]
