"""Imports that become jobs: 202 and a job to poll, its file kept in the database until a runner has run it,
and no job lost when its process dies; on both databases (runners racing for jobs on PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from talent_training.app import TalentTraining, create_app
from talent_training.bulk import jobs
from talent_training.bulk.jobs import JobRunner
from talent_training.db.base import utcnow
from talent_training.db.database import Database
from talent_training.db.errors import Unavailable
from talent_training.imports import ImportReport
from talent_training.settings import Settings
from tests.bulk.import_helpers import (
    CSV,
    EMPLOYEES_IMPORT,
    IMPORTS,
    INLINE,
    REALIZED_IMPORT,
    ROWS,
    csv_bytes,
    directory,
    import_settings,
    large_csv,
    parts_of,
    recorded,
    set_finished,
    set_heartbeat,
)
from tests.conftest import ClientFactory, Databases, client_factory
from tests.db.test_migrations import inspect
from tests.factories import assert_problem

ASYNC = {"Prefer": "respond-async"}
RECORDED = [(416, "2025-01-31"), (417, "2025-03-04")]


@pytest.fixture
def settings(databases: Databases) -> Settings:
    return import_settings(databases.work_url)


@pytest.fixture
def runner(app: TalentTraining, settings: Settings) -> JobRunner:
    """The runner of a serving process, driven by hand (the tests' application starts none)."""
    return JobRunner(app.database, settings)


async def submit(
    client: httpx.AsyncClient, data: bytes = b"", path: str = REALIZED_IMPORT, **kw: Any
) -> dict[str, Any]:
    headers = {"Content-Type": CSV, **ASYNC, **kw.pop("headers", {})}
    response = await client.post(path, content=data or csv_bytes(), headers=headers, **kw)
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"{IMPORTS}/{job['id']}"
    return job


async def job_of(client: httpx.AsyncClient, job_id: int) -> dict[str, Any]:
    response = await client.get(f"{IMPORTS}/{job_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_an_import_asked_to_respond_async_is_a_job_to_poll(
    client: httpx.AsyncClient, runner: JobRunner
) -> None:
    await directory(client)
    response = await client.post(REALIZED_IMPORT, content=csv_bytes(), headers={"Content-Type": CSV, **ASYNC})

    assert response.status_code == 202, response.text
    assert response.headers["Preference-Applied"] == "respond-async"
    job = response.json()
    assert (job["kind"], job["status"]) == ("realized-trainings", "Queued")
    assert set(job) == {"id", "kind", "status", "createdAt"}
    assert await job_of(client, job["id"]) == job
    assert await recorded(client) == []

    assert await runner.run_once() is True

    done = await job_of(client, job["id"])
    assert done["status"] == "Succeeded"
    assert (done["report"]["rows"], done["report"]["recorded"]) == (2, 2)
    assert done["startedAt"] <= done["finishedAt"]
    assert await recorded(client) == RECORDED
    assert await parts_of(runner.database, job["id"]) == 0  # the file is dropped once imported
    assert await runner.run_once() is False  # nothing left to run


async def test_a_file_over_the_inline_size_is_a_job_without_asking(
    client: httpx.AsyncClient, runner: JobRunner
) -> None:
    await directory(client)
    data = large_csv()
    assert len(data) > INLINE

    response = await client.post(REALIZED_IMPORT, content=data, headers={"Content-Type": CSV})

    assert response.status_code == 202, response.text
    assert "Preference-Applied" not in response.headers
    assert await runner.run_once()
    done = await job_of(client, response.json()["id"])
    assert (done["status"], done["report"]["recorded"]) == ("Succeeded", 2)
    assert await recorded(client) == RECORDED


async def test_a_job_keeps_its_parameters_and_a_file_of_many_parts(
    client: httpx.AsyncClient, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "PART_BYTES", 1000)
    await directory(client)
    data = large_csv()

    job = await submit(client, data, params={"dryRun": "true", "separator": ",", "format": "csv"})

    assert await parts_of(runner.database, job["id"]) == -(-len(data) // 1000)
    assert await runner.run_once()
    done = await job_of(client, job["id"])
    assert done["status"] == "Succeeded"
    assert (done["report"]["dryRun"], done["report"]["rows"], done["report"]["recorded"]) == (True, 2, 0)
    assert await recorded(client) == []


async def test_a_refused_file_makes_a_refused_job_with_its_report(
    client: httpx.AsyncClient, runner: JobRunner
) -> None:
    await directory(client)
    job = await submit(client, csv_bytes([ROWS[0], [*ROWS[1][:4], "-3"]]))

    await runner.run_once()

    done = await job_of(client, job["id"])
    assert done["status"] == "Refused"
    assert done["report"]["problems"][0]["column"] == "Duration (hours)"
    assert "error" not in done
    assert await recorded(client) == []
    assert await parts_of(runner.database, job["id"]) == 0


async def test_an_employees_job(client: httpx.AsyncClient, runner: JobRunner) -> None:
    data = b"id,login,firstName,lastName\r\n501,pdurand,Paul,Durand\r\n"
    job = await submit(client, data, path=EMPLOYEES_IMPORT)

    await runner.run_once()

    done = await job_of(client, job["id"])
    assert (done["kind"], done["status"], done["report"]["recorded"]) == ("employees", "Succeeded", 1)


async def test_a_job_is_seen_by_its_account_only(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    job = await submit(client)

    assert (await job_of(reader, job["id"]))["id"] == job["id"]  # a read key of the account may poll
    assert_problem(await stranger.get(f"{IMPORTS}/{job['id']}"), 404)
    assert_problem(await client.get(f"{IMPORTS}/{job['id'] + 1000}"), 404)
    assert_problem(await client.get(f"{IMPORTS}/0"), 404)
    assert_problem(await client.get(f"{IMPORTS}/abc"), 404)


async def test_a_read_key_may_not_submit_a_job(reader: httpx.AsyncClient) -> None:
    response = await reader.post(REALIZED_IMPORT, content=csv_bytes(), headers={"Content-Type": CSV, **ASYNC})

    assert_problem(response, 403)


async def test_a_keyed_job_is_submitted_once(client: httpx.AsyncClient, runner: JobRunner) -> None:
    first = await submit(client, headers={"Idempotency-Key": "nightly"})

    again = await client.post(
        REALIZED_IMPORT,
        content=csv_bytes(),
        headers={"Content-Type": CSV, **ASYNC, "Idempotency-Key": "nightly"},
    )

    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (202, "true")
    assert again.json()["id"] == first["id"]
    assert await runner.run_once()
    assert await runner.run_once() is False  # one job


# No job lost ------------------------------------------------------------------------------------------------


async def test_a_job_whose_process_died_is_run_again_then_given_up(
    client: httpx.AsyncClient, runner: JobRunner, settings: Settings
) -> None:
    await directory(client)
    job = await submit(client)
    long_ago = utcnow() - timedelta(seconds=settings.import_job_stale_s + 1)

    # A process claims it and dies (kill -9): its heartbeat stops.
    claimed = await runner.claim()
    assert (claimed.id, claimed.attempts) == (job["id"], 1)
    assert (await job_of(client, job["id"]))["status"] == "Running"
    await runner.reap()
    assert (await job_of(client, job["id"]))["status"] == "Running"  # not stale yet
    await set_heartbeat(runner.database, job["id"], long_ago)

    # Another runner takes it for dead: queued again, claimed and died again.
    await runner.reap()
    assert (await job_of(client, job["id"]))["status"] == "Queued"
    claimed = await runner.claim()
    assert claimed.attempts == 2
    await set_heartbeat(runner.database, job["id"], long_ago)

    # Its runs are spent: failed, saying why, its file dropped; nothing recorded.
    await runner.reap()
    failed = await job_of(client, job["id"])
    assert failed["status"] == "Failed"
    assert "cut short 2 times" in failed["error"] and "send the file again" in failed["error"]
    assert "report" not in failed
    assert await parts_of(runner.database, job["id"]) == 0
    assert await runner.run_once() is False
    assert await recorded(client) == []


async def test_a_job_whose_process_died_once_runs_to_its_end(
    client: httpx.AsyncClient, runner: JobRunner, settings: Settings
) -> None:
    await directory(client)
    job = await submit(client)
    await runner.claim()
    await set_heartbeat(
        runner.database, job["id"], utcnow() - timedelta(seconds=settings.import_job_stale_s + 1)
    )

    assert await runner.run_once()  # reaped, claimed again, run

    done = await job_of(client, job["id"])
    assert (done["status"], done["report"]["recorded"]) == ("Succeeded", 2)
    assert await recorded(client) == RECORDED


class _Died(BaseException):
    """A process killed between two statements: nothing after this point runs."""


async def test_a_process_dying_just_after_its_import_committed_leaves_the_job_finished(
    client: httpx.AsyncClient, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's outcome commits with the rows it records: no window where rows are in and the job still
    Running, to be taken for dead, run again and refused as duplicates."""
    await directory(client)
    job = await submit(client)

    async def die(*args: Any) -> None:
        raise _Died()

    monkeypatch.setattr(JobRunner, "_stop_beating", staticmethod(die))  # the first thing after the import
    with pytest.raises(_Died):
        await runner.run_once()

    done = await job_of(client, job["id"])
    assert (done["status"], done["report"]["recorded"]) == ("Succeeded", 2)
    assert await recorded(client) == RECORDED
    assert await parts_of(runner.database, job["id"]) == 0


async def test_a_run_that_breaks_is_retried_then_failed(
    client: httpx.AsyncClient, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[int] = []

    async def broken(*args: Any, **kwargs: Any) -> Any:
        runs.append(1)
        raise RuntimeError("a bug")

    monkeypatch.setitem(jobs.IMPORTS, jobs.REALIZED_TRAININGS, broken)
    job = await submit(client)

    assert await runner.run_once()
    assert (await job_of(client, job["id"]))["status"] == "Queued"
    assert await runner.run_once()

    failed = await job_of(client, job["id"])
    assert (failed["status"], len(runs)) == ("Failed", 2)
    assert "unexpected error" in failed["error"]
    assert await parts_of(runner.database, job["id"]) == 0


async def test_a_run_cut_short_by_the_database_going_away_does_not_count(
    client: httpx.AsyncClient, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def outage(*args: Any, **kwargs: Any) -> Any:
        raise Unavailable("ConnectionDoesNotExistError: connection was closed in the middle of operation")

    monkeypatch.setitem(jobs.IMPORTS, jobs.REALIZED_TRAININGS, outage)
    job = await submit(client)

    for _ in range(3):  # more than its runs: an outage is not the job's fault
        assert await runner.run_once()
        assert (await job_of(client, job["id"]))["status"] == "Queued"

    monkeypatch.undo()
    assert (await runner.claim()).attempts == 1


async def test_a_run_finishing_after_it_was_taken_for_dead_is_heard(
    client: httpx.AsyncClient, runner: JobRunner, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose heartbeat could not be written (SQLite's one writer busy with its own import) is failed by
    another runner's guess; when it finishes after all, its report is the truth."""
    monkeypatch.setattr(settings, "import_job_attempts", 1)
    real = jobs.IMPORTS[jobs.REALIZED_TRAININGS]
    guessed: list[str] = []

    async def while_taken_for_dead(*args: Any, **kwargs: Any) -> Any:
        stale = utcnow() - timedelta(seconds=settings.import_job_stale_s + 1)
        await set_heartbeat(runner.database, job["id"], stale)
        await runner.reap()  # another process's runner, meanwhile
        guessed.append((await job_of(client, job["id"]))["status"])
        return await real(*args, **kwargs)

    monkeypatch.setitem(jobs.IMPORTS, jobs.REALIZED_TRAININGS, while_taken_for_dead)
    await directory(client)
    job = await submit(client)

    assert await runner.run_once()

    assert guessed == ["Failed"]
    done = await job_of(client, job["id"])
    assert (done["status"], done["report"]["recorded"]) == ("Succeeded", 2)
    assert "error" not in done
    assert await recorded(client) == RECORDED


async def test_a_runner_stopped_mid_job_puts_it_back(
    client: httpx.AsyncClient, runner: JobRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = asyncio.Event()

    async def endless(*args: Any, **kwargs: Any) -> Any:
        started.set()
        await asyncio.Event().wait()

    monkeypatch.setitem(jobs.IMPORTS, jobs.REALIZED_TRAININGS, endless)
    job = await submit(client)
    runner.start()
    await asyncio.wait_for(started.wait(), 10)

    await runner.stop()  # the process shuts down

    queued = await job_of(client, job["id"])
    assert queued["status"] == "Queued"
    monkeypatch.undo()
    claimed = await runner.claim()
    assert claimed.attempts == 1  # the run cut short on purpose did not count


async def test_finished_jobs_are_forgotten_after_their_retention(
    client: httpx.AsyncClient, app: TalentTraining, runner: JobRunner, settings: Settings
) -> None:
    old, recent = await submit(client), await submit(client)
    await runner.run_once()
    await runner.run_once()
    await set_finished(
        app.database, old["id"], utcnow() - timedelta(days=settings.import_job_retention_days, hours=1)
    )

    assert (await app.maintain())["import_jobs"] == 1

    assert_problem(await client.get(f"{IMPORTS}/{old['id']}"), 404)
    assert (await job_of(client, recent["id"]))["status"] == "Refused"  # an empty directory: unknown logins


# Real processes: committed data -----------------------------------------------------------------------------


@pytest.fixture
async def served(database_url: str) -> AsyncIterator[TalentTraining]:
    """An application as `serve` runs it, its lifespan included, polling for jobs often."""
    application = create_app(import_settings(database_url, import_job_poll_s=0.05))
    messages: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    sent: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    await messages.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(application({"type": "lifespan"}, messages.get, sent.put))  # type: ignore[arg-type]
    assert (await sent.get())["type"] == "lifespan.startup.complete"
    yield application
    await messages.put({"type": "lifespan.shutdown"})
    await lifespan


@pytest.fixture
async def make_served_client(served: TalentTraining) -> AsyncIterator[ClientFactory]:
    opened: list[httpx.AsyncClient] = []
    yield client_factory(served, opened)
    for client in opened:
        await client.aclose()


async def test_a_serving_process_runs_the_jobs_it_is_sent(make_served_client: ClientFactory) -> None:
    client = await make_served_client()
    await directory(client)
    job = await submit(client)

    for _ in range(400):  # the runner polls every 50 ms; give it up to a minute on a loaded machine
        status = (await job_of(client, job["id"]))["status"]
        if status not in ("Queued", "Running"):
            break
        await asyncio.sleep(0.15)

    assert status == "Succeeded"
    assert await recorded(client) == RECORDED


@pytest.mark.postgresql_only
async def test_runners_racing_claim_each_job_once(
    make_committed_client: ClientFactory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await make_committed_client()
    submitted = [(await submit(client))["id"] for _ in range(8)]
    imported: list[int] = []

    async def quick(database: Database, actor: Any, source: Any, **kwargs: Any) -> ImportReport:
        imported.append(1)
        return ImportReport("realized-trainings", False, rows=2, recorded=2)

    monkeypatch.setitem(jobs.IMPORTS, jobs.REALIZED_TRAININGS, quick)
    settings = import_settings(database_url)
    databases = [Database.connect(database_url, pool_size=4) for _ in range(3)]  # as three processes
    runners = [JobRunner(database, settings) for database in databases]
    claimed: list[Any] = []
    try:
        while len(claimed) < len(submitted):  # every runner claims at the same moment, round after round
            won = [job for job in await asyncio.gather(*(r.claim() for r in runners)) if job is not None]
            assert won, "queued jobs left unclaimed"
            claimed += won
        assert await runners[0].claim() is None
        for job in claimed:
            await runners[0].run(job)
    finally:
        for database in databases:
            await database.dispose()

    assert sorted(job.id for job in claimed) == sorted(submitted)  # each once
    assert len(imported) == len(submitted)
    for job_id in submitted:
        assert (await job_of(client, job_id))["status"] == "Succeeded"


async def test_the_tables_lead_their_keys_with_the_account(database_url: str) -> None:
    def keys(connection: sa.Connection) -> list[tuple[Any, list[Any]]]:
        inspector = sa.inspect(connection)
        found: list[tuple[Any, list[Any]]] = [
            ("pk_import_job_parts", inspector.get_pk_constraint("import_job_parts")["constrained_columns"])
        ]
        for table in ("import_jobs", "import_job_parts"):
            found += [(ix["name"], ix["column_names"]) for ix in inspector.get_indexes(table)]
            found += [(uq["name"], uq["column_names"]) for uq in inspector.get_unique_constraints(table)]
        return found

    found = await inspect(database_url, keys)

    assert len(found) >= 3
    for name, columns in found:
        assert columns[0] == "account_id", name
