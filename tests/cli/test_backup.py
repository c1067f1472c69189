"""`talent-training backup` and `restore` through the installed console script, on both databases.

The write load runs in this process (the application over httpx's ASGI transport, on a committed database of
the test's own), the backup in a process of its own: what the backup must cope with is other connections
committing while it copies, and that is what a served database has too, without a server's start-up time.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from talent_training.app import TalentTraining, create_app
from talent_training.db import backup as backups
from talent_training.db.database import is_sqlite
from talent_training.db.sqlite import database_path
from talent_training.settings import Settings
from tests.conftest import Databases, http_client, new_key
from tests.factories import PROVIDERS, REALIZED, TRAININGS, provider_body, realized_body, training_body

EXECUTABLE = Path(sys.executable).parent / "talent-training"
TIMEOUT_S = 60


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


async def run(
    database_url: str, *args: str, stdin: int = subprocess.DEVNULL, env: dict[str, str] | None = None
) -> Ran:
    """The command, without blocking the event loop meanwhile (the write load goes on)."""
    process = await asyncio.create_subprocess_exec(
        str(EXECUTABLE),
        *args,
        # Wide enough for any message on one line (rich wraps at 80 columns off a terminal).
        env={**os.environ, "TALENT_TRAINING_DATABASE_URL": database_url, "COLUMNS": "1000", **(env or {})},
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        # Not communicate(), which would close an open stdin (an answer, of sorts: end of input).
        async with asyncio.timeout(TIMEOUT_S):
            out, err, returncode = await asyncio.gather(
                process.stdout.read(), process.stderr.read(), process.wait()
            )
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    finally:
        if process.stdin is not None:
            process.stdin.close()
    return Ran(returncode, out.decode(), err.decode())


async def run_ok(database_url: str, *args: str, env: dict[str, str] | None = None) -> Ran:
    ran = await run(database_url, *args, env=env)
    assert ran.returncode == 0, ran.stderr
    return ran


@asynccontextmanager
async def serving(database_url: str) -> AsyncIterator[TalentTraining]:
    app = create_app(Settings(database_url=database_url, timezone="UTC"))
    try:
        yield app
    finally:
        await app.close()


# What a database holds, read straight from it.


async def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    if is_sqlite(url):
        return await asyncio.to_thread(sqlite_rows, database_path(url), sql)
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


def sqlite_rows(path: str, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        return [tuple(row) for row in connection.execute(sql).fetchall()]
    finally:
        connection.close()


TABLES = (
    "accounts",
    "api_keys",
    "providers",
    "categories",
    "trainings",
    "realized_trainings",
    "audit_events",
)


async def content(url: str) -> dict[str, Any]:
    """Every table's ids, what the audit trail says was created, the links between records, the schema
    version: equal for equal content."""
    found: dict[str, Any] = {
        table: {row[0] for row in await rows(url, f"SELECT id FROM {table}")} for table in TABLES
    }
    found["created"] = set(
        await rows(url, "SELECT resource_type, resource_id FROM audit_events WHERE action = 'create'")
    )
    found["trainings→providers"] = set(await rows(url, "SELECT id, provider_id FROM trainings"))
    found["realized→trainings"] = set(await rows(url, "SELECT id, training_id FROM realized_trainings"))
    found["alembic_version"] = await rows(url, "SELECT version_num FROM alembic_version")
    return found


async def schema(url: str) -> set[tuple[Any, ...]]:
    """Tables, columns, indexes, constraints and triggers."""
    if is_sqlite(url):
        return set(await rows(url, "SELECT type, name, tbl_name, sql FROM sqlite_master"))
    return {
        *await rows(
            url,
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public'",
        ),
        *await rows(url, "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"),
        *await rows(url, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"),
        *await rows(url, "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"),
    }


async def assert_consistent(url: str) -> dict[str, Any]:
    """No write half-there: a provider or a training exists if and only if the audit event of its creation
    does (written in the same transaction), and every reference leads somewhere."""
    found = await content(url)
    for kind, table in (("provider", "providers"), ("training", "trainings")):
        audited = {resource_id for resource_type, resource_id in found["created"] if resource_type == kind}
        assert audited == found[table], f"{table} and their audit events differ"
    assert {provider for _, provider in found["trainings→providers"]} <= found["providers"]
    assert {training for _, training in found["realized→trainings"]} <= found["trainings"]
    assert found["alembic_version"], "no schema version"
    if is_sqlite(url):
        assert await rows(url, "PRAGMA integrity_check") == [("ok",)]
        assert await rows(url, "PRAGMA foreign_key_check") == []
    return found


# The write load.


@dataclass(frozen=True)
class Write:
    kind: str
    id: int
    sent: float
    acknowledged: float


class Load:
    """Writers creating a provider, a training of it and a realized training of that, each its own request
    (and transaction), as fast as they are answered, until stopped."""

    def __init__(self, client: httpx.AsyncClient, writers: int = 4) -> None:
        self.client = client
        self.writes: list[Write] = []
        self._stop = asyncio.Event()
        self._written = asyncio.Condition()
        self._tasks = [asyncio.create_task(self._write()) for _ in range(writers)]

    async def _post(self, kind: str, path: str, body: dict[str, Any]) -> int:
        sent = time.monotonic()
        response = await self.client.post(path, json=body)
        assert response.status_code == 201, response.text
        created: int = response.json()["id"]
        self.writes.append(Write(kind, created, sent, time.monotonic()))
        return created

    async def _write(self) -> None:
        try:
            while not self._stop.is_set():
                provider = await self._post("providers", PROVIDERS, provider_body())
                training = await self._post("trainings", TRAININGS, training_body(providerId=provider))
                await self._post("realized_trainings", REALIZED, realized_body(training))
                async with self._written:
                    self._written.notify_all()
        finally:
            async with self._written:
                self._written.notify_all()

    async def until(self, enough: Callable[[list[Write]], bool]) -> None:
        """Until `enough` of the writes so far, or a writer fails (its error raised here)."""
        async with asyncio.timeout(TIMEOUT_S), self._written:
            await self._written.wait_for(
                lambda: enough(self.writes) or any(task.done() for task in self._tasks)
            )
        for task in self._tasks:
            if task.done():
                await task

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)


@asynccontextmanager
async def wal_kept(url: str) -> AsyncIterator[None]:
    """On SQLite, a reader of the data as it was before: no checkpoint can move later writes from the
    write-ahead log into the database file meanwhile (a long read does that in production too), so that a
    backup that copied the file alone would miss every one of them."""
    if not is_sqlite(url):
        yield
        return
    reader = await asyncio.to_thread(
        sqlite3.connect, database_path(url), isolation_level=None, check_same_thread=False
    )
    try:
        await asyncio.to_thread(reader.execute, "BEGIN")
        await asyncio.to_thread(reader.execute, "SELECT count(*) FROM providers")
        yield
    finally:
        await asyncio.to_thread(reader.close)


@pytest.fixture
def empty_database_url(databases: Databases, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even a schema."""
    url = databases.create_empty(tmp_path / "empty")
    yield url
    databases.drop(url)


async def test_a_backup_taken_under_write_load_restores_a_consistent_snapshot(
    database_url: str, empty_database_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "backup.tt"
    async with serving(database_url) as app:
        token = await new_key(app)
        async with http_client(app, token) as client, wal_kept(database_url):
            load = Load(client)
            await load.until(lambda writes: len(writes) >= 30)
            started = time.monotonic()
            await run_ok(database_url, "backup", str(file))
            ended = time.monotonic()
            await load.until(lambda writes: sum(write.sent > ended for write in writes) >= 6)
            await load.stop()
    before = {(write.kind, write.id) for write in load.writes if write.acknowledged < started}
    during = [write for write in load.writes if started < write.acknowledged < ended]
    after = {(write.kind, write.id) for write in load.writes if write.sent > ended}
    assert during, "the service stopped writing while the backup ran"
    assert not file.with_name(file.name + ".partial").exists()
    original_schema = await schema(database_url)
    latest = await content(database_url)
    assert after <= written(latest)

    # Into a new, empty database.
    fresh = empty_database_url
    await run_ok(fresh, "restore", str(file), "--yes")
    restored = await assert_consistent(fresh)
    present = written(restored)
    assert before <= present, "a write acknowledged before the backup began is missing"
    assert not after & present, "a write sent after the backup ended is in it"
    assert restored["alembic_version"] == latest["alembic_version"]
    assert await schema(fresh) == original_schema
    await assert_serves(fresh, token, restored)

    # Into the database it came from, written to since: the writes since are gone, the rest as backed up.
    await run_ok(database_url, "restore", str(file), "--yes")
    assert await assert_consistent(database_url) == restored
    assert await schema(database_url) == original_schema
    await assert_serves(database_url, token, restored)


def written(found: dict[str, Any]) -> set[tuple[str, int]]:
    return {(kind, id) for kind in ("providers", "trainings", "realized_trainings") for id in found[kind]}


async def assert_serves(url: str, token: str, expected: dict[str, Any]) -> None:
    """The service reads the restored records with a key of the backup's time, and goes on writing."""
    async with serving(url) as app, http_client(app, token) as client:
        training = max(expected["trainings"])
        response = await client.get(f"{TRAININGS}/{training}")
        assert response.status_code == 200, response.text
        listed = await client.get(PROVIDERS, params={"fields.root": "count", "limit": 0})
        assert listed.status_code == 200, listed.text
        assert listed.json()["count"] == len(expected["providers"])
        created = await client.post(PROVIDERS, json=provider_body())
        assert created.status_code == 201, created.text
        assert created.json()["id"] > max(expected["providers"])  # the sequences came back too


# All or nothing.


async def some_records(app: TalentTraining, count: int = 40) -> str:
    """`count` providers (and their audit events), by a new key."""
    token = await new_key(app)
    async with http_client(app, token) as client:
        for _ in range(count):
            provider = await client.post(PROVIDERS, json=provider_body())
            assert provider.status_code == 201, provider.text
    return token


DAMAGES = ("missing", "garbage", "empty", "truncated")


async def test_a_bad_backup_is_refused_and_the_database_is_left_as_it_was(
    database_url: str, tmp_path: Path
) -> None:
    files = {damage: tmp_path / f"{damage}.tt" for damage in DAMAGES}
    async with serving(database_url) as app:
        await some_records(app)
    files["garbage"].write_bytes(os.urandom(64 * 1024))
    files["empty"].write_bytes(b"")
    truncated = files["truncated"]
    await backups.backup(database_url, truncated)  # the command's own work, minus a process start
    whole = truncated.read_bytes()
    truncated.write_bytes(whole[: len(whole) - 1000])
    if not is_sqlite(database_url):
        # Its table of contents is whole: pg_restore drops and creates tables before it finds the end.
        listing = await asyncio.create_subprocess_exec(
            "pg_restore", "--list", str(truncated), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, problem = await listing.communicate()
        assert listing.returncode == 0, problem.decode()
    async with serving(database_url) as app:
        await some_records(app, count=5)  # the database has moved on since the backup
    before = await content(database_url)
    schema_before = await schema(database_url)

    for damage, file in files.items():
        ran = await run(database_url, "restore", str(file), "--yes")

        assert ran.returncode != 0, damage
        assert "Traceback" not in ran.stderr and "Restored" not in ran.stderr, ran.stderr
        assert str(file) in ran.stderr, ran.stderr
        if damage == "missing":
            assert "no backup at" in ran.stderr
        assert await content(database_url) == before, damage
        assert await schema(database_url) == schema_before, damage


async def test_restore_without_yes_refuses_at_once_when_no_one_can_answer(
    database_url: str, tmp_path: Path
) -> None:
    """Not a prompt left waiting on an input that never comes (a cron job, a pipeline): an error."""
    file = tmp_path / "backup.tt"
    await backups.backup(database_url, file)
    async with serving(database_url) as app:
        await some_records(app, count=3)
    before = await content(database_url)

    for stdin in (subprocess.PIPE, subprocess.DEVNULL):  # a pipe left open, and nothing
        started = time.monotonic()
        ran = await run(database_url, "restore", str(file), stdin=stdin)

        assert time.monotonic() - started < TIMEOUT_S / 2
        assert ran.returncode != 0
        assert "--yes" in ran.stderr and "Traceback" not in ran.stderr, ran.stderr
        assert await content(database_url) == before


# PostgreSQL's client programs.


def program(path: Path, script: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def real_pg_dump() -> str:
    candidates = backups._candidates("pg_dump")
    assert candidates, "pg_dump is needed for the PostgreSQL tests"
    return candidates[0]


@pytest.mark.postgresql_only
async def test_a_pg_dump_older_than_the_server_is_a_clear_error(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = program(tmp_path / "old" / "pg_dump", 'echo "pg_dump (PostgreSQL) 9.6.24"\nexit 1\n')
    monkeypatch.setenv("PATH", f"{old.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(backups, "PG_LIB", tmp_path / "none")
    file = tmp_path / "backup.tt"

    with pytest.raises(backups.BackupError) as refused:
        await backups.backup(databases.work_url, file)

    message = str(refused.value)
    assert "must be as new as the server (PostgreSQL " in message
    assert f"{old} (9.6)" in message
    assert not file.exists()


@pytest.mark.postgresql_only
async def test_past_an_old_pg_dump_on_path_the_newest_installed_version_is_used(
    databases: Databases, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/usr/lib/postgresql/<version>/bin, the highest version first (10 after 9.6: numbers, not text)."""
    real = real_pg_dump()
    used = tmp_path / "used"
    old = program(tmp_path / "old" / "pg_dump", 'echo "pg_dump (PostgreSQL) 9.6.24"\nexit 1\n')
    monkeypatch.setenv("PATH", f"{old.parent}{os.pathsep}{os.environ['PATH']}")
    lib = tmp_path / "lib"
    program(lib / "9.6" / "bin" / "pg_dump", 'echo "pg_dump (PostgreSQL) 9.6.24"\nexit 1\n')
    for version in ("10", "99"):
        program(lib / version / "bin" / "pg_dump", f'echo {version} >> "{used}"\nexec "{real}" "$@"\n')
    monkeypatch.setattr(backups, "PG_LIB", lib)
    file = tmp_path / "backup.tt"

    await backups.backup(databases.work_url, file)

    assert set(used.read_text().split()) == {"99"}
    assert file.read_bytes().startswith(b"PGDMP")


@pytest.mark.postgresql_only
async def test_the_password_goes_to_pg_dump_in_its_environment_not_its_command_line(
    databases: Databases, tmp_path: Path
) -> None:
    """Any user of the machine can read a process's command line (ps); only its owner its environment."""
    real, seen = real_pg_dump(), tmp_path / "seen"
    spy = program(
        tmp_path / "spy" / "pg_dump",
        f'echo "args: $*" >> "{seen}"\necho "PGPASSWORD=$PGPASSWORD" >> "{seen}"\nexec "{real}" "$@"\n',
    )
    # A server that trusts local connections asks for no password: one is handed on all the same.
    server = make_url(databases.work_url)
    secret = server.password or "s3cret-Pw"
    with_password = server.set(password=secret).render_as_string(hide_password=False)
    file = tmp_path / "backup.tt"

    ran = await run_ok(
        with_password, "backup", str(file), env={"PATH": f"{spy.parent}{os.pathsep}{os.environ['PATH']}"}
    )

    lines = seen.read_text().splitlines()
    arguments = [line for line in lines if line.startswith("args: ")]
    assert any(line.startswith("args: --format=custom") for line in arguments), lines
    assert not [line for line in arguments if f":{secret}@" in line or "password=" in line.lower()]
    assert f"PGPASSWORD={secret}" in lines
    assert secret not in ran.stderr + ran.stdout
    assert file.read_bytes().startswith(b"PGDMP")
