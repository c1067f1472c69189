"""Bulk import and export at the scale of issue 11, end to end through the command a user runs.

On a database of its own (PostgreSQL `talent_training_bulk`, then a SQLite file), as an HR team arriving
with its history would: 50,000 employees from the HR system's file (`talent-training import employees`),
then a million realized trainings in Lucca's template as a French spreadsheet saves it (`;`, UTF-8 with BOM,
decimal comma, MM/DD/YYYY), the catalog created on the way (`--create-missing`: 2,000 trainings, 100
providers, 40 categories), then the export of the million rows to CSV. Also: the same million rows with one
bad row at the end (refused, nothing written), the import again (refused: every row a duplicate), and a file
of 100,000 rows beside the million to show that memory does not grow with the file.

Each step is the `talent-training` command in a process of its own: its wall time includes starting
Python, reading, validating and writing; its peak memory is the process's maximum resident set
(`wait4`'s `ru_maxrss`), read by a small process that starts it (`_PEAK`): on Linux a process started from
a large one counts that one's resident set in its own peak (the kernel keeps the high-water mark of the
memory it replaced on exec), and `make bench`'s own process is large by the time it gets here (834 MiB for
every step, a 50,000-line file's import included, in the first full run with this section last).

    python -m bench.bulk            # both databases; BULK_ROWS (1000000) and BULK_DATABASES to shape it
"""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).parent / "talent-training")
DATABASE = "talent_training_bulk"
ROWS = int(os.environ.get("BULK_ROWS", "1000000"))
SMALL_ROWS = ROWS // 10
EMPLOYEES = 50_000
TRAININGS, PROVIDERS, CATEGORIES = 2_000, 100, 40
ACCOUNT = "bulk"
# Issue 11's targets, on PostgreSQL.
IMPORT_TARGET_S = 60.0
EXPORT_TARGET_S = 20.0
RSS_TARGET_MB = 250.0

FRENCH_HEADER = (
    "Identifiant du collaborateur", "Intitulé de la formation", "Type", "Nom de l'organisme",
    "URL de l'organisme", "Date de début", "Date de fin", "Durée (heures)", "Certifiante", "Catégorie",
    "Niveau", "Coût", "Devise", "Date d'expiration",
)  # fmt: skip
EMPLOYEE_HEADER = (
    "id", "login", "firstName", "lastName", "email", "department", "establishment", "managerLogin",
    "hiredOn", "leftOn",
)  # fmt: skip
LEVELS = ("Débutant", "Intermédiaire", "Expert")


def login(employee: int) -> str:
    return f"employee.{employee}"


def write_employees(path: Path) -> None:
    """50,000 people in 200 departments, each managed by the first of their team of ten; managers appear
    after the people they manage as often as before (the file's order is not the hierarchy's)."""
    with path.open("w", encoding="utf-8", newline="") as file:
        out = csv.writer(file)
        out.writerow(EMPLOYEE_HEADER)
        for employee in range(EMPLOYEES, 0, -1):
            lead = employee - (employee - 1) % 10
            manager = "" if employee == lead else login(lead)
            out.writerow(
                (
                    employee, login(employee), f"First{employee}", f"Last{employee}",
                    f"{login(employee)}@bulk.example", f"Department {employee % 200}",
                    f"Establishment {employee % 12}", manager, "2015-01-05", "",
                )
            )  # fmt: skip


def write_realized(path: Path, rows: int, bad_last_row: bool = False) -> None:
    """`rows` realized trainings in Lucca's template, French: one per employee and end date, each employee
    on up to 20 sessions (rows / 50,000), a training's attributes the same on every row naming it."""
    today = date.today()
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        out = csv.writer(file, delimiter=";")
        out.writerow(FRENCH_HEADER)
        for n in range(rows):
            employee, turn = n % EMPLOYEES + 1, n // EMPLOYEES
            training = (employee * 7 + turn * 13) % TRAININGS
            ends = today - timedelta(days=30 + turn * 60 + employee % 50)
            starts = ends - timedelta(days=training % 3)
            certified = training % 5 == 0
            cost = f"{(training % 90) * 12 + 0.5:.2f}".replace(".", ",") if training % 4 else ""
            out.writerow(
                (
                    login(employee), f"Formation {training}", "Externe" if training % 3 else "Interne",
                    f"Organisme {training % PROVIDERS}", f"https://organisme-{training % PROVIDERS}.example",
                    starts.strftime("%m/%d/%Y"), ends.strftime("%m/%d/%Y"), f"{1 + training % 35},5",
                    "oui" if certified else "non", f"Catégorie {training % CATEGORIES}",
                    LEVELS[training % 3], cost, "EUR" if cost else "",
                    (ends + timedelta(days=3 * 365)).strftime("%m/%d/%Y") if certified else "",
                )
            )  # fmt: skip
        if bad_last_row:
            out.writerow(
                (login(1), "Formation 1", "Externe", "Organisme 1", "", "01/02/2020", "13/45/2020", "7")
                + ("",) * 6
            )


@dataclass(frozen=True)
class Step:
    database: str  # "PostgreSQL" or "SQLite"
    name: str
    rows: int
    seconds: float
    peak_mb: float
    exit_code: int
    target_s: float | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# Runs the command given, its output dropped and its errors passed on, then prints its peak resident set (KiB)
# and its exit code: started from this small process, the command's peak is its own.
_PEAK = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(process.pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def timed(database: str, name: str, rows: int, args: list[str], env: dict[str, str]) -> Step:
    """One `talent-training` command in a process of its own: its wall time and its peak resident set."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _PEAK, COMMAND, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    printed, errors = process.communicate()
    seconds = time.perf_counter() - started
    peak_kib, exit_code = (int(value) for value in printed.split())
    step = Step(database, name, rows, seconds, peak_kib / 1024, exit_code)
    print(
        f"  {database} {name}: {seconds:.1f} s, peak {step.peak_mb:.0f} MiB, exit {step.exit_code}",
        flush=True,
    )
    if step.exit_code not in (0, 1):
        raise RuntimeError(f"{' '.join(args)} failed:\n{errors.decode(errors='replace')[-3000:]}")
    return step


async def fresh_postgres(server_url: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    return make_url(server_url).set(database=DATABASE).render_as_string(hide_password=False)


async def count_postgres(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM realized_trainings"))
    finally:
        await connection.close()


def count_sqlite(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM realized_trainings").fetchone()[0])


def run_database(label: str, url: str, count: object, files: dict[str, Path], work: Path) -> list[Step]:
    env = {**os.environ, "TALENT_TRAINING_DATABASE_URL": url}
    subprocess.run([COMMAND, "migrate"], env=env, check=True, capture_output=True)
    for account in (ACCOUNT, f"{ACCOUNT}-small", f"{ACCOUNT}-bad"):
        subprocess.run(
            [COMMAND, "api-key", "create", "bench", "--account", account],
            env=env,
            check=True,
            capture_output=True,
        )
    steps: list[Step] = []
    for account in (ACCOUNT, f"{ACCOUNT}-small", f"{ACCOUNT}-bad"):
        name = "import 50,000 employees" if account == ACCOUNT else f"import employees ({account})"
        step = timed(
            label,
            name,
            EMPLOYEES,
            ["import", "employees", str(files["employees"]), "--account", account],
            env,
        )
        if account == ACCOUNT:
            steps.append(step)
    realized = ["import", "realized-trainings", "--create-missing"]
    steps.append(
        timed(label, f"import {ROWS:,} realized trainings", ROWS,
              [*realized, str(files["big"]), "--account", ACCOUNT], env)
    )  # fmt: skip
    steps[-1] = _with_target(steps[-1], IMPORT_TARGET_S)
    before = count()  # type: ignore[operator]
    steps.append(
        timed(label, f"import {SMALL_ROWS:,} realized trainings", SMALL_ROWS,
              [*realized, str(files["small"]), "--account", f"{ACCOUNT}-small"], env)
    )  # fmt: skip
    steps.append(
        timed(label, f"refused: {ROWS:,} rows, the last one bad", ROWS + 1,
              [*realized, str(files["bad"]), "--account", f"{ACCOUNT}-bad"], env)
    )  # fmt: skip
    steps.append(
        timed(label, f"refused: the {ROWS:,} rows again (all duplicates)", ROWS,
              [*realized, str(files["big"]), "--account", ACCOUNT], env)
    )  # fmt: skip
    after = count()  # type: ignore[operator]
    if before != ROWS or after != ROWS + SMALL_ROWS:
        raise RuntimeError(
            f"{label}: expected {ROWS} then {ROWS + SMALL_ROWS} rows, found {before} and {after}"
        )
    if steps[-1].exit_code != 1 or steps[-2].exit_code != 1 or steps[1].exit_code != 0:
        raise RuntimeError(f"{label}: unexpected exit codes {[s.exit_code for s in steps]}")
    out = work / f"export-{label}.csv"
    step = timed(label, f"export {ROWS:,} realized trainings (CSV)", ROWS,
                 ["export", "realized-trainings", "--account", ACCOUNT, "-o", str(out)], env)  # fmt: skip
    lines = sum(1 for _ in out.open("rb")) - 1
    if lines != ROWS:
        raise RuntimeError(f"{label}: the export has {lines} rows, not {ROWS}")
    steps.append(_with_target(step, EXPORT_TARGET_S))
    out.unlink()
    return steps


def _with_target(step: Step, target: float) -> Step:
    return Step(step.database, step.name, step.rows, step.seconds, step.peak_mb, step.exit_code, target)


def report(steps: list[Step], rows: int) -> str:
    lines = [
        HEADING,
        "",
        f"`python -m bench.bulk` (part of `make bench`): {rows:,} realized trainings of {EMPLOYEES:,} employees in",
        "Lucca's template as a French spreadsheet saves it (`;`, UTF-8 with BOM, decimal comma, MM/DD/YYYY),",
        f"the catalog ({TRAININGS:,} trainings, {PROVIDERS} providers, {CATEGORIES} categories) created by",
        "`--create-missing`. Each step is the `talent-training` command in a process of its own: wall time",
        "from start to exit (validation included), peak resident memory of that process.",
        "",
        "| database | step | rows | seconds | rows/s | peak RSS (MiB) | exit | target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for s in steps:
        target = ""
        if s.target_s is not None and s.database == "PostgreSQL":
            met = s.seconds <= s.target_s and s.peak_mb <= RSS_TARGET_MB
            target = f"≤ {s.target_s:.0f} s, ≤ {RSS_TARGET_MB:.0f} MiB: {'met' if met else '**missed**'}"
        lines.append(
            f"| {s.database} | {s.name} | {s.rows:,} | {s.seconds:.1f} | {s.rate:,.0f} | {s.peak_mb:.0f} "
            f"| {s.exit_code} | {target} |"
        )
    for database in dict.fromkeys(s.database for s in steps):
        imports = [s for s in steps if s.database == database and " realized trainings" in s.name]
        imports = [s for s in imports if s.name.startswith("import")]
        if len(imports) == 2:
            small, big = sorted(imports, key=lambda s: s.rows)
            lines.append("")
            lines.append(
                f"{database}: memory does not follow the file's size: peak {small.peak_mb:.0f} MiB importing "
                f"{small.rows:,} rows, {big.peak_mb:.0f} MiB importing {big.rows:,}."
            )
    lines += ["", f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on this machine, alone."]
    return "\n".join(lines) + "\n"


HEADING = "## Bulk import and export (issue 11)"


def put_section(report: Path, section: str, heading: str = HEADING) -> None:
    """The section under `heading` in `report` (docs/benchmarks.md), replacing the one there: `make bench`
    rewrites the rest of the file and adds this after it; `python -m bench.bulk` (or bench.console) alone
    updates its part only."""
    text = report.read_text("utf-8") if report.exists() else ""
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + (text[end + 1 :] if end >= 0 else "")
    report.write_text(text.rstrip("\n") + "\n\n" + section, "utf-8")


def main() -> str:
    databases = os.environ.get("BULK_DATABASES", "postgresql,sqlite").split(",")
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="bulk-bench-") as directory:
        work = Path(directory)
        files = {name: work / f"{name}.csv" for name in ("employees", "big", "small", "bad")}
        print(f"writing the files ({ROWS:,} rows)", flush=True)
        write_employees(files["employees"])
        write_realized(files["big"], ROWS)
        write_realized(files["small"], SMALL_ROWS)
        write_realized(files["bad"], ROWS, bad_last_row=True)
        if "postgresql" in databases:
            server = subprocess.run(
                [str(ROOT / "scripts" / "ensure-postgres")], capture_output=True, text=True, check=True
            ).stdout.strip()
            url = asyncio.run(fresh_postgres(server))
            async_url = url.replace("postgresql://", "postgresql+asyncpg://")
            steps += run_database(
                "PostgreSQL", async_url, lambda: asyncio.run(count_postgres(url)), files, work
            )
        if "sqlite" in databases:
            path = work / "bulk.db"
            steps += run_database(
                "SQLite", f"sqlite+aiosqlite:///{path}", lambda: count_sqlite(path), files, work
            )
    text = report(steps, ROWS)
    print(text)
    return text


if __name__ == "__main__":
    put_section(Path(os.environ.get("BENCH_REPORT", ROOT / "docs" / "benchmarks.md")), main())
