"""`talent-training import realized-trainings|employees FILE` through typer's CliRunner, on a committed
database of the test's own (both databases): exit codes, the summary, the problems' table, the progress."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from talent_training.app import create_app
from talent_training.cli import app as cli
from talent_training.settings import Settings
from tests.conftest import http_client, new_key
from tests.directory.helpers import EMPLOYEES, put_employee
from tests.factories import REALIZED, count, create_training

HEADER = "Employee login,Training title,Start date,End date,Duration (hours)"


def rows(*lines: str) -> str:
    return "\n".join((HEADER, *lines)) + "\n"


def good(number: int) -> str:
    """A valid row: `jdoe` at 'First aid', on a day of its own (the number-th before 2025)."""
    day = date(2024, 12, 31) - timedelta(days=number)
    return f"jdoe,First aid,{day.isoformat()},{day.isoformat()},7"


def counted(database_url: str, path: str) -> int:
    async def run() -> int:
        application = create_app(Settings(database_url=database_url, timezone="UTC"))
        try:
            async with http_client(application, await new_key(application, "read")) as client:
                return await count(client, path)
        finally:
            await application.close()

    return asyncio.run(run())


@pytest.fixture
def url(database_url: str) -> str:
    """A committed database where `jdoe` (416) exists and 'First aid' is a Ready training."""

    async def setup() -> None:
        application = create_app(Settings(database_url=database_url, timezone="UTC"))
        try:
            async with http_client(application, await new_key(application)) as client:
                await put_employee(client, 416, login="jdoe")
                await create_training(client, title="First aid")
        finally:
            await application.close()

    asyncio.run(setup())
    return database_url


def invoke(url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["import", *args, "--database-url", url], env=env)


def write(tmp_path: Path, text: str, name: str = "realized.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_recorded_rows_exit_0_with_a_summary(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, rows(good(1), good(2)))

    result = invoke(url, "realized-trainings", str(path))

    assert result.exit_code == 0, result.output
    assert "2 rows recorded in " in result.stdout
    assert counted(url, REALIZED) == 2


def test_a_refused_file_exits_1_listing_its_problems(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, rows(good(1), "nobody,First aid,2024-01-01,2024-01-02,7", good(1)))

    result = invoke(url, "realized-trainings", str(path))

    assert result.exit_code == 1, result.output
    assert "Refused: 2 problems, 1 of them duplicates, nothing recorded (3 rows read)." in result.stdout
    lines = result.stdout.splitlines()
    assert any("3" in line and "Employee login" in line and "nobody" in line for line in lines)
    assert any("4" in line and "End date" in line and "repeats row 2" in line for line in lines)
    assert counted(url, REALIZED) == 0


def test_a_dry_run_exits_0_and_records_nothing(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, rows(good(1), good(2)))

    result = invoke(url, "realized-trainings", str(path), "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Dry run: 2 rows checked in " in result.stdout and "nothing recorded" in result.stdout
    assert counted(url, REALIZED) == 0


def test_a_dry_run_of_a_bad_file_exits_1(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, rows("jdoe,First aid,2024-01-01,2024-01-02,0"))

    result = invoke(url, "realized-trainings", str(path), "--dry-run")

    assert result.exit_code == 1, result.output
    assert "must be greater than 0" in result.stdout


def test_the_first_thousand_problems_are_listed_and_all_counted(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, rows(*(f"nobody{n},First aid,2024-01-01,2024-01-02,7" for n in range(1005))))

    result = invoke(url, "realized-trainings", str(path))

    assert result.exit_code == 1, result.output
    assert "Refused: 1,005 problems, nothing recorded" in result.stdout
    assert "nobody999" in result.stdout and "nobody1000" not in result.stdout
    assert "The first 1,000 of 1,005 problems are shown." in result.stdout


def test_create_missing_separator_encoding_and_format_reach_the_import(url: str, tmp_path: Path) -> None:
    text = "Employee login;Training title;Start date;End date;Duration (hours);Level\n"
    text += "jdoe;Sécurité;2024-01-01;2024-01-02;7,5;Expert\n"
    path = tmp_path / "fr.csv"
    path.write_bytes(text.encode("cp1252"))

    refused = invoke(url, "realized-trainings", str(path), "--separator", ",")
    assert refused.exit_code == 1 and "is not a column" in refused.stdout

    result = invoke(
        url, "realized-trainings", str(path), "--separator", ";", "--encoding", "cp1252",
        "--format", "csv", "--create-missing",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "1 row recorded in " in result.stdout and "(trainings: 1)" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "does not exist"),
        (["FILE", "--separator", "|"], "must be ',' or ';'"),
        (["FILE", "--encoding", "klingon"], "unknown text encoding"),
        (["FILE", "--format", "xls"], "'xls' is not one of"),
        (["FILE", "--account", "nobody"], "No account named 'nobody'"),
    ],
)
def test_usage_errors_exit_2(url: str, tmp_path: Path, args: list[str], message: str) -> None:
    path = write(tmp_path, rows(good(1)))
    args = [
        str(path) if arg == "FILE" else str(tmp_path / arg) if arg.endswith(".csv") else arg for arg in args
    ]

    result = invoke(url, "realized-trainings", *args)

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert counted(url, REALIZED) == 0


def test_progress_lines_when_the_output_is_not_a_terminal(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("talent_training.bulk.import_cli.PLAIN_EVERY", 2)
    monkeypatch.setattr("talent_training.realized_trainings.importing.BATCH", 2)  # told every batch
    path = write(tmp_path, rows(*(good(n) for n in range(5))))

    result = invoke(url, "realized-trainings", str(path))

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "reading…"
    assert [line.split(" rows")[0] for line in lines if line.startswith("reading: ")] == [
        "reading: 2", "reading: 4", "reading: 5"
    ]  # fmt: skip
    assert "checking…" in lines and "writing…" in lines
    assert lines[-1].startswith("5 rows recorded in ")


def test_a_progress_bar_on_a_terminal(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, rows(*(good(n) for n in range(3))))

    result = invoke(url, "realized-trainings", str(path), env={"FORCE_COLOR": "1", "COLUMNS": "120"})

    assert result.exit_code == 0, result.output
    assert "reading" in result.stdout and "3 rows" in result.stdout and "━" in result.stdout
    assert "3 rows recorded in " in result.stdout


def test_employees_are_imported_by_the_same_command(url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "id,login,firstName,lastName\n501,amartin,Anne,Martin\n502,bdurand,Bruno,Durand\n")

    result = invoke(url, "employees", str(path))

    assert result.exit_code == 0, result.output
    assert "2 rows recorded in " in result.stdout
    assert counted(url, EMPLOYEES) == 3

    bad = write(tmp_path, "id,login,firstName,lastName\n503,,Carla,\n", "bad.csv")
    refused = invoke(url, "employees", str(bad), "--dry-run")
    assert refused.exit_code == 1, refused.output
    assert "Refused: " in refused.stdout
