"""`talent-training export ...`: the list's file over HTTP, from the command line, on a committed database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from click.testing import Result
from typer.testing import CliRunner

from talent_training.cli import app
from tests.bulk.downloads import CSV, XLSX, csv_rows, xlsx_rows
from tests.conftest import ClientFactory
from tests.directory.helpers import EMPLOYEES, put_department, put_employee
from tests.factories import REALIZED, create_realized_training, create_training
from tests.training_demands.helpers import DEMANDS_V2, demand_url, make_world, new_demand, ok

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:9/none"


async def export(database_url: str, *args: str) -> Result:
    """The command, in a thread of its own (it runs its own event loop)."""
    runner = CliRunner()
    command = ["export", *args, "--database-url", database_url]
    return await anyio.to_thread.run_sync(lambda: runner.invoke(app, command))


def folder(tmp_path: Path) -> Path:
    """A folder of the test's own for exports (a SQLite database's files are in `tmp_path`)."""
    made = tmp_path / "exports"
    made.mkdir()
    return made


async def over_http(client: httpx.AsyncClient, path: str, accept: str, params: Any = None) -> bytes:
    response = await client.get(path, params=params, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture
async def client(make_committed_client: ClientFactory) -> httpx.AsyncClient:
    client = await make_committed_client("write")
    training = await create_training(client, title='Safety; "first",\nsteps')
    for owner, ends in ((1, "2025-01-04"), (2, "2025-02-04"), (3, "2025-03-04")):
        await create_realized_training(
            client, training["id"], ownerId=owner, sessionStartsOn=ends, sessionEndsOn=ends,
            cost={"amount": 12.5, "currency": "EUR"},
        )  # fmt: skip
    await put_employee(client, 1, login="ada")
    return client


async def test_csv_to_a_file_is_the_http_export(
    database_url: str, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = folder(tmp_path) / "realized.csv"

    result = await export(database_url, "realized-trainings", "-o", str(path))

    assert result.exit_code == 0, result.output
    assert path.read_bytes() == await over_http(client, REALIZED, CSV)
    assert f"Exported to {path}" in result.stderr
    assert os.listdir(path.parent) == [path.name]  # no temporary file left beside it


async def test_csv_goes_to_stdout_without_a_file(database_url: str, client: httpx.AsyncClient) -> None:
    result = await export(database_url, "realized-trainings")

    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == await over_http(client, REALIZED, CSV)
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfEmployee login,ownerId,")


@pytest.mark.parametrize(
    ("args", "params"),
    [
        (["--owner-id", "1,3"], {"ownerIds": "1,3"}),
        (["--owner-id", "1", "--owner-id", "2"], {"ownerIds": "1,2"}),
        (
            ["--ends-after", "2025-01-04", "--attended"],
            {"sessionEndOnAfter": "2025-01-04", "hasAttended": "true"},
        ),
        (["--ends-before", "2025-03-04"], {"sessionEndOnBefore": "2025-03-04"}),
        (["--not-attended"], {"hasAttended": "false"}),
    ],
)
async def test_filters_are_the_lists(
    database_url: str, client: httpx.AsyncClient, args: list[str], params: dict[str, str]
) -> None:
    result = await export(database_url, "realized-trainings", *args)

    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == await over_http(client, REALIZED, CSV, params)


async def test_xlsx_to_a_file(database_url: str, client: httpx.AsyncClient, tmp_path: Path) -> None:
    path = tmp_path / "realized.xlsx"

    result = await export(database_url, "realized-trainings", "--format", "xlsx", "-o", str(path))

    assert result.exit_code == 0, result.output
    http = xlsx_rows(await over_http(client, REALIZED, XLSX))
    assert xlsx_rows(path.read_bytes()) == http
    assert len(http) == 4


async def test_xlsx_needs_a_file(database_url: str, client: httpx.AsyncClient) -> None:
    result = await export(database_url, "realized-trainings", "--format", "xlsx")

    assert result.exit_code == 2
    assert "-o FILE" in result.output
    assert result.stdout_bytes.count(b"PK") == 0


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["realized-trainings", "--owner-id", "x"], "--owner-id"),
        (["realized-trainings", "--training-id", "1,1"], "--training-id"),
        (["realized-trainings", "--ends-after", "04/01/2025"], "--ends-after"),
        (["employees", "--department-id", "0"], "--department-id"),
        (["training-demands", "--state", "Lost"], "--state"),
        (["training-demands", "--sort", "title"], "sort"),
    ],
)
async def test_a_bad_filter_is_refused_naming_its_option(
    database_url: str, client: httpx.AsyncClient, args: list[str], named: str
) -> None:
    result = await export(database_url, *args)

    assert result.exit_code == 2
    assert named in result.output
    assert result.stdout_bytes == b""


async def test_another_account_is_exported_with_account(
    database_url: str, client: httpx.AsyncClient, make_committed_client: ClientFactory
) -> None:
    stranger = await make_committed_client("write", account="other")
    training = await create_training(stranger)
    await create_realized_training(stranger, training["id"], ownerId=77)

    result = await export(database_url, "realized-trainings", "--account", "other")

    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == await over_http(stranger, REALIZED, CSV)
    assert result.stdout_bytes.count(b"\r\n") == 2  # the header and the one record


async def test_an_unknown_account_is_refused(database_url: str, client: httpx.AsyncClient) -> None:
    result = await export(database_url, "realized-trainings", "--account", "nobody")

    assert result.exit_code == 2  # a usage error, as the import says it
    assert "No account named 'nobody'" in result.stderr


async def test_an_unreachable_database_writes_no_file(tmp_path: Path) -> None:
    path = folder(tmp_path) / "realized.csv"

    result = await export(UNREACHABLE, "realized-trainings", "-o", str(path))

    assert result.exit_code == 1
    assert "nothing was exported" in result.stderr
    assert os.listdir(path.parent) == []


async def test_employees(database_url: str, client: httpx.AsyncClient) -> None:
    await put_department(client, 10, name="Lab")
    await put_employee(client, 2, login="bob", departmentId=10, managerId=1)

    result = await export(database_url, "employees", "--department-id", "10")

    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == await over_http(client, EMPLOYEES, CSV, {"departmentIds": "10"})
    [bob] = csv_rows(result.stdout_bytes)[1:]
    assert (bob[1], bob[5], bob[7]) == ("bob", "Lab", "ada")  # login, department, managerLogin


async def test_training_demands(database_url: str, client: httpx.AsyncClient) -> None:
    world = await make_world(client)
    first = await new_demand(client, world)
    second = await new_demand(client, world)
    await ok(await client.post(demand_url(second["id"], "prioritization"), json={"level": "High"}))

    result = await export(
        database_url, "training-demands", "--sort", "-prioritization.level", "--state", "Requested"
    )

    assert result.exit_code == 0, result.output
    params = {"sort": "-prioritization.level", "states": "Requested"}
    assert result.stdout_bytes == await over_http(client, DEMANDS_V2, CSV, params)
    ids = [line.split(b",")[0] for line in result.stdout_bytes.splitlines()[1:]]
    assert ids == [str(second["id"]).encode(), str(first["id"]).encode()]
