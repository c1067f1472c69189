"""A `kill -9` in the middle of an import leaves the database as it was before it (issue 11): the import is
one transaction, so the rows staged, the catalog it was creating (`--create-missing`) and its audit event go
with the process. The command runs in a process of its own, on a database of the test's own, on both
databases; the process is killed once it says it has read 100,000 rows."""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from talent_training.accounts.service import account_named
from talent_training.audit.tables import AuditEvent
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.database import Database
from talent_training.db.statements import Query
from talent_training.directory.importing import import_employees
from talent_training.kit.actor import command_line
from talent_training.realized_trainings.tables import RealizedTraining

COMMAND = str(Path(sys.executable).parent / "talent-training")
EMPLOYEES = 3000
ROWS = 300_000  # about three times what is read before the kill
KILL_AFTER = "reading: 100,000 rows"  # the plain progress line of the command (output not a terminal)
COUNTED = (RealizedTraining, Training, Provider, Category, AuditEvent)


def write_employees(path: Path) -> None:
    with path.open("w", newline="") as file:
        out = csv.writer(file)
        out.writerow(("id", "login", "firstName", "lastName"))
        out.writerows((n, f"user{n}", "Ann", f"Doe{n}") for n in range(1, EMPLOYEES + 1))


def write_history(path: Path, rows: int, first_day: date) -> None:
    """`rows` realized trainings of trainings the catalog does not have yet (made by --create-missing)."""
    with path.open("w", newline="") as file:
        out = csv.writer(file)
        out.writerow(("Employee login", "Training title", "Type", "Provider name", "Category", "Level",
                      "Start date", "End date", "Duration (hours)"))  # fmt: skip
        for n in range(rows):
            day = (first_day + timedelta(days=n // EMPLOYEES)).isoformat()
            training = n % 40
            login, title = f"user{n % EMPLOYEES + 1}", f"Course {training}"
            provider, category = f"Provider {training % 7}", f"Category {training % 5}"
            out.writerow((login, title, "External", provider, category, "Expert", day, day, "7"))


async def counts(url: str) -> dict[str, int]:
    database = Database.connect(url, pool_size=1)
    try:
        async with database.read() as tx:
            return {
                table.__tablename__: await tx.value(Query(select(func.count()).select_from(table)))
                for table in COUNTED
            }
    finally:
        await database.dispose()


async def prepare(url: str, folder: Path) -> None:
    """An account with its directory and a first import already in: the state the kill must leave."""
    database = Database.connect(url, pool_size=2)
    try:
        async with database.transaction() as tx:
            account = await account_named(tx, "default")
        write_employees(folder / "employees.csv")
        report = await import_employees(
            database, command_line(account), folder / "employees.csv", today=date(2025, 6, 30)
        )
        assert report.accepted, list(report.problems)
    finally:
        await database.dispose()
    write_history(folder / "first.csv", 50, date(2020, 1, 1))
    await import_file(url, folder / "first.csv")


async def import_file(url: str, path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        COMMAND, "import", "realized-trainings", str(path), "--create-missing", "--database-url", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


async def test_an_import_killed_midway_leaves_the_database_as_before(
    database_url: str, tmp_path: Path
) -> None:
    await prepare(database_url, tmp_path)
    before = await counts(database_url)
    write_history(tmp_path / "big.csv", ROWS, date(2021, 1, 1))

    process = await asyncio.create_subprocess_exec(
        COMMAND, "import", "realized-trainings", str(tmp_path / "big.csv"), "--create-missing",
        "--database-url", database_url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    seen = []
    try:
        async with asyncio.timeout(120):
            while KILL_AFTER not in (line := (await process.stdout.readline()).decode()):
                assert line, "the import ended before it was killed: " + "".join(seen)
                seen.append(line)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        await process.wait()
    assert process.returncode == -signal.SIGKILL

    assert await counts(database_url) == before  # no row, no training, provider, category or event left
    # And the database takes the next import: no lock, journal or transaction of the dead one in the way.
    write_history(tmp_path / "next.csv", 100, date(2019, 1, 1))
    await import_file(database_url, tmp_path / "next.csv")
    after = await counts(database_url)
    assert after["realized_trainings"] == before["realized_trainings"] + 100
