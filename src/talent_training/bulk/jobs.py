"""Imports that outlast their request: the job, its upload kept in the database, and the runner that every
serving process starts (docs/imports.md).

    job = await enqueue(tx, actor, kind, options, upload.file, upload.size, request_id)   # the POST: 202
    runner = JobRunner(database, settings); runner.start()                                 # app.py's lifespan

A runner claims one queued job at a time (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so runners of every process
and replica never claim the same one; SQLite: the same conditional UPDATE, under its single writer), marks it
`Running`, and moves its heartbeat (`updated_at`) every `import_job_heartbeat_s` while it runs. A job whose
heartbeat is older than `import_job_stale_s` was left by a process that died (kill -9, a lost machine): any
runner puts it back in the queue, until it has had `import_job_attempts` runs, and then fails it, saying so.
An import is all or nothing in its own transaction, so running it again after a crash is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import IO, Any

from sqlalchemy import Integer, String, bindparam, delete, insert, literal_column, null, or_, select, update
from sqlalchemy.sql import ColumnElement

from talent_training.bulk.tables import (
    FAILED,
    PART_BYTES,
    QUEUED,
    REFUSED,
    RUNNING,
    SUCCEEDED,
    ImportJob,
    ImportJobPart,
)
from talent_training.db.base import UTCDateTime, utcnow
from talent_training.db.database import Database, Tx
from talent_training.db.errors import Busy, Unavailable
from talent_training.db.statements import Query
from talent_training.directory.importing import import_employees
from talent_training.imports import FileFormat, FileOptions, ImportReport, Progress, Recorded
from talent_training.imports.reading import Source
from talent_training.kit.actor import Actor
from talent_training.kit.clock import today
from talent_training.kit.problems import Conflict, NotFound
from talent_training.realized_trainings.importing import import_realized_trainings
from talent_training.settings import Settings
from talent_training.web.logs import REQUEST_ID

logger = logging.getLogger("talent_training")

REALIZED_TRAININGS, EMPLOYEES = "realized-trainings", "employees"
_IN_MEMORY = 1024 * 1024  # a job's file up to this size is read back into memory, a larger one to disk
_PARTS_AT_ONCE = 4  # parts read back per round trip: what a runner holds of a file in memory
READ_SCALE = 10_000  # how much of its file a job has read is kept in ten-thousandths
MAX_PAUSE_S = 60  # the longest a runner waits between two looks while the database is away
DIED = (
    "The import was cut short {attempts} times (its process stopped: a restart or a crash) and is given up. "
    "An import is all or nothing, so nothing of it was recorded: send the file again."
)
BROKE = (
    "The import stopped on an unexpected error, {attempts} times (request {request_id}; it has been logged). "
    "An import is all or nothing, so nothing of it was recorded."
)


@dataclass(frozen=True, slots=True)
class JobOptions:
    """What the request's parameters asked: how to read the file, and what to do with it."""

    dry_run: bool = False
    create_missing: bool = False  # realized trainings only
    file: FileOptions = field(default_factory=FileOptions)
    # A clean dry run keeps its file, to be imported by `import_kept` (the console's import wizard); the
    # API's jobs never set it: their file is dropped once they finish.
    keep_file: bool = False

    def as_json(self) -> dict[str, Any]:
        file_format = self.file.file_format
        stored: dict[str, Any] = {
            "dryRun": self.dry_run,
            "createMissing": self.create_missing,
            "format": file_format.value if file_format else None,
            "encoding": self.file.encoding,
            "separator": self.file.separator,
        }
        if self.keep_file:
            stored["keepFile"] = True
        return stored

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> JobOptions:
        file_format = stored.get("format")
        return cls(
            dry_run=bool(stored.get("dryRun")),
            create_missing=bool(stored.get("createMissing")),
            file=FileOptions(
                file_format=FileFormat(file_format) if file_format else None,
                encoding=stored.get("encoding"),
                separator=stored.get("separator"),
            ),
            keep_file=bool(stored.get("keepFile")),
        )


# One import, whatever runs it: the request itself (a small file) or a job runner. The importers take the
# same keywords, realized trainings' `create_missing` aside.
IMPORTS: dict[str, Callable[..., Awaitable[ImportReport]]] = {
    REALIZED_TRAININGS: import_realized_trainings,
    EMPLOYEES: import_employees,
}


async def run_import(
    database: Database,
    actor: Actor,
    kind: str,
    source: Source,
    options: JobOptions,
    progress: Progress,
    day: date,
    recorded: Recorded | None = None,
) -> ImportReport:
    own = {"create_missing": options.create_missing} if kind == REALIZED_TRAININGS else {}
    return await IMPORTS[kind](
        database,
        actor,
        source,
        options=options.file,
        dry_run=options.dry_run,
        progress=progress,
        today=day,
        recorded=recorded,
        **own,
    )


# Statements -------------------------------------------------------------------------------------------------

_ACCOUNT = bindparam("account_id", type_=Integer)
_ID = bindparam("id", type_=Integer)
_ATTEMPT = bindparam("attempt", type_=Integer)
_NOW = bindparam("now", type_=UTCDateTime)
_STALE_BEFORE = bindparam("stale_before", type_=UTCDateTime)
_JOB = (
    ImportJob.id,
    ImportJob.account_id,
    ImportJob.kind,
    ImportJob.status,
    ImportJob.actor,
    ImportJob.request_id,
    ImportJob.options,
    ImportJob.size,
    ImportJob.attempts,
    ImportJob.progress_stage,
    ImportJob.progress_rows,
    ImportJob.progress_read,
    ImportJob.report,
    ImportJob.error,
    ImportJob.created_at,
    ImportJob.updated_at,
    ImportJob.started_at,
    ImportJob.finished_at,
)


def _is(status: str) -> ColumnElement[bool]:
    """A status written into the statement, not bound: the planner then knows the runners' partial index
    (`ix_import_jobs_unfinished`) holds every row the statement can want."""
    return ImportJob.status == literal_column(f"'{status}'", String)


_ENQUEUE = Query(
    insert(ImportJob)
    .values(
        account_id=_ACCOUNT,
        kind=bindparam("kind", type_=String),
        status=QUEUED,
        actor=bindparam("actor", type_=String),
        request_id=bindparam("request_id", type_=String),
        options=bindparam("options", type_=ImportJob.options.type),
        size=bindparam("size", type_=ImportJob.size.type),
        attempts=0,
        progress_stage=null(),
        progress_rows=0,
        progress_read=null(),
        report=null(),
        error=null(),
        created_at=_NOW,
        updated_at=_NOW,
        started_at=null(),
        finished_at=null(),
    )
    .returning(*_JOB)
)
_ADD_PART = Query(
    insert(ImportJobPart).values(
        account_id=_ACCOUNT,
        job_id=_ID,
        sequence=bindparam("sequence", type_=Integer),
        data=bindparam("data", type_=ImportJobPart.data.type),
    )
)
_GET = Query(select(*_JOB).where(ImportJob.account_id == _ACCOUNT, ImportJob.id == _ID))
# A kept file's job, locked until the transaction ends: an import and a discard of it at once take turns.
_LOCK = Query(select(*_JOB).where(ImportJob.account_id == _ACCOUNT, ImportJob.id == _ID).with_for_update())
_PARTS = Query(
    select(ImportJobPart.data)
    .where(ImportJobPart.account_id == _ACCOUNT, ImportJobPart.job_id == _ID)
    .order_by(ImportJobPart.sequence)
)
# The import of a kept file takes its parts over (a few rows' keys changed, not the file copied).
_MOVE_PARTS = Query(
    update(ImportJobPart)
    .where(ImportJobPart.account_id == _ACCOUNT, ImportJobPart.job_id == _ID)
    .values(job_id=bindparam("to", type_=Integer))
)
_SET_OPTIONS = Query(
    update(ImportJob)
    .where(ImportJob.account_id == _ACCOUNT, ImportJob.id == _ID)
    .values(options=bindparam("options", type_=ImportJob.options.type), updated_at=_NOW)
)
_DROP_PARTS = Query(
    delete(ImportJobPart).where(ImportJobPart.account_id == _ACCOUNT, ImportJobPart.job_id == _ID)
)
# An idle runner only reads, so that looking for work takes no write lock (SQLite has one for everyone).
_ANY_QUEUED = Query(select(ImportJob.id).where(_is(QUEUED)).limit(1))
_ANY_STALE = Query(select(ImportJob.id).where(_is(RUNNING), ImportJob.updated_at < _STALE_BEFORE).limit(1))
_NEXT = (
    select(ImportJob.id)
    .where(_is(QUEUED))
    .order_by(ImportJob.id)
    .limit(1)
    .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no such clause, and one writer at a time
    .correlate(None)  # the table's own rows, not the row being updated
    .scalar_subquery()
)
_CLAIM = Query(
    update(ImportJob)
    .where(ImportJob.id == _NEXT, _is(QUEUED))
    .values(status=RUNNING, attempts=ImportJob.attempts + 1, started_at=_NOW, updated_at=_NOW)
    .returning(*_JOB)
)
_THIS_RUN = (ImportJob.id == _ID, ImportJob.attempts == _ATTEMPT, _is(RUNNING))
_BEAT = Query(
    update(ImportJob)
    .where(*_THIS_RUN)
    .values(
        updated_at=_NOW,
        progress_stage=bindparam("stage", type_=String),
        progress_rows=bindparam("rows", type_=Integer),
        progress_read=bindparam("read", type_=Integer),
    )
)
# What an import did is a fact, whichever run holds the job now: the first run to finish tells it, even over a
# runner's guess that it had died (a heartbeat that could not be written while SQLite's one writer was busy
# with the import itself). A run taken for dead that finishes after all is the one that recorded the rows; a
# second run, meeting them as duplicates, finishes after it and is not heard.
_FINISH = Query(
    update(ImportJob)
    .where(ImportJob.id == _ID, or_(_is(QUEUED), _is(RUNNING), _is(FAILED)))
    .values(
        status=bindparam("status", type_=String),
        report=bindparam("report", type_=ImportJob.report.type),
        error=null(),
        progress_stage=bindparam("stage", type_=String),
        progress_rows=bindparam("rows", type_=Integer),
        progress_read=bindparam("read", type_=Integer),
        finished_at=_NOW,
        updated_at=_NOW,
    )
    .returning(ImportJob.id)
)
_RETRY = Query(update(ImportJob).where(*_THIS_RUN).values(status=QUEUED, updated_at=_NOW))
_FAIL = Query(
    update(ImportJob)
    .where(*_THIS_RUN)
    .values(status=FAILED, error=bindparam("error", type_=String), finished_at=_NOW, updated_at=_NOW)
    .returning(ImportJob.id)
)
# A run stopped on purpose (the process shuts down) does not count: the job goes back as it was.
_RELEASE = Query(
    update(ImportJob)
    .where(*_THIS_RUN)
    .values(status=QUEUED, attempts=ImportJob.attempts - 1, updated_at=_NOW)
)
_STALE = (_is(RUNNING), ImportJob.updated_at < _STALE_BEFORE)
_FAIL_STALE = Query(
    update(ImportJob)
    .where(*_STALE, ImportJob.attempts >= bindparam("attempts", type_=Integer))
    .values(status=FAILED, error=bindparam("error", type_=String), finished_at=_NOW, updated_at=_NOW)
    .returning(ImportJob.account_id, ImportJob.id, ImportJob.request_id, ImportJob.attempts)
)
_REQUEUE_STALE = Query(
    update(ImportJob)
    .where(*_STALE, ImportJob.attempts < bindparam("attempts", type_=Integer))
    .values(status=QUEUED, updated_at=_NOW)
    .returning(ImportJob.account_id, ImportJob.id, ImportJob.request_id, ImportJob.attempts)
)
_PURGE = Query(delete(ImportJob).where(ImportJob.finished_at < bindparam("before", type_=UTCDateTime)))


# What the request does -------------------------------------------------------------------------------------


async def enqueue(
    tx: Tx, actor: Actor, kind: str, options: JobOptions, upload: IO[bytes], size: int, request_id: str
) -> Any:
    """A queued job holding the file, in `tx`: committed with it, the job is there for every runner."""
    job = await _new_job(tx, actor, kind, options, size, request_id)
    sequence = 0
    while chunk := upload.read(PART_BYTES):
        where = {"account_id": actor.account_id, "id": job.id, "sequence": sequence}
        await tx.execute(_ADD_PART, {**where, "data": chunk})
        sequence += 1
    return job


async def _new_job(tx: Tx, actor: Actor, kind: str, options: JobOptions, size: int, request_id: str) -> Any:
    return await tx.one(
        _ENQUEUE,
        {
            "account_id": actor.account_id,
            "kind": kind,
            "actor": actor.name,
            "request_id": request_id,
            "options": options.as_json(),
            "size": size,
            "now": utcnow(),
        },
    )


def keeps_file(job: Any) -> bool:
    """Whether the job is a clean dry run whose file is kept for `import_kept` (until it is imported,
    discarded, or the job forgotten with its parts)."""
    options = JobOptions.from_json(job.options)
    done = "importedAs" in job.options or "discarded" in job.options
    return job.status == SUCCEEDED and options.dry_run and options.keep_file and not done


async def import_kept(tx: Tx, actor: Actor, job_id: int, request_id: str) -> Any:
    """The import of the file a clean dry run kept (its own job, `actor`'s, of the same kind and options, but
    no dry run): a queued job that takes the file's parts over, in `tx`. The dry run's job notes it
    (`options.importedAs`). NotFound for another actor's job; Conflict when there is no kept file (not a
    clean dry run, or imported or discarded already: a second click, or two at once, imports once)."""
    dry_run = await _own_kept_job(tx, actor, job_id)
    if not keeps_file(dry_run):
        raise Conflict("This dry run keeps no file to import: upload the file again.")
    options = replace(JobOptions.from_json(dry_run.options), dry_run=False, keep_file=False)
    job = await _new_job(tx, actor, dry_run.kind, options, dry_run.size, request_id)
    where = {"account_id": actor.account_id, "id": job_id}
    moved = await tx.execute(
        _MOVE_PARTS, {**where, "to": job.id}
    )  # a concurrent click waits, then moves none
    if not moved and dry_run.size:
        raise Conflict("This dry run keeps no file to import: upload the file again.")
    noted = {**dry_run.options, "importedAs": job.id}
    await tx.execute(_SET_OPTIONS, {**where, "options": noted, "now": utcnow()})
    return job


async def discard_kept(tx: Tx, actor: Actor, job_id: int) -> None:
    """Drop the file a dry run of `actor`'s kept (NotFound for another's job; Conflict when it keeps none: a
    job still to run, or its file imported or discarded already)."""
    job = await _own_kept_job(tx, actor, job_id)
    if "discarded" in job.options:
        return  # a second click
    if not keeps_file(job):
        raise Conflict("This import keeps no file to discard.")
    where = {"account_id": actor.account_id, "id": job_id}
    await tx.execute(_DROP_PARTS, where)
    await tx.execute(_SET_OPTIONS, {**where, "options": {**job.options, "discarded": True}, "now": utcnow()})


async def _own_kept_job(tx: Tx, actor: Actor, job_id: int) -> Any:
    """The job, locked, when it is `actor`'s (a file is its uploader's); else NotFound."""
    job = await tx.one(_LOCK, {"account_id": actor.account_id, "id": job_id})
    if job is None or job.actor != actor.name:
        raise NotFound(f"Import {job_id}")
    return job


async def get(tx: Tx, account_id: int, job_id: int) -> Any:
    job = await tx.one(_GET, {"account_id": account_id, "id": job_id})
    if job is None:
        raise NotFound(f"Import {job_id}")
    return job


async def purge(database: Database, retention_days: int) -> int:
    """Forget the jobs finished more than `retention_days` ago (their reports with them)."""
    async with database.transaction() as tx:
        before = utcnow() - timedelta(days=retention_days)
        return await tx.execute(_PURGE, {"before": before})


# The runner -------------------------------------------------------------------------------------------------


class JobProgress:
    """Where the running import has got, as it tells it (the heartbeat writes it down), and its end: written
    in the import's own transaction when it records rows (`recorded`), so that a crash between the two cannot
    leave rows recorded by a job still queued, to be run again and refused as duplicates."""

    def __init__(self, job: Any) -> None:
        self.job = job
        self.stage: str | None = None
        self.rows = 0
        self.fraction: float | None = None
        self.finished = False

    async def recorded(self, tx: Tx, report: ImportReport) -> None:
        job = self.job
        status = SUCCEEDED if report.accepted else REFUSED
        where = {"account_id": job.account_id, "id": job.id}
        params = {**where, "status": status, "report": report.as_json(), "now": utcnow()}
        if await tx.one(_FINISH, {**params, **self.as_params()}) is None:
            logger.warning(
                "import job %s: already finished by another run, this run's outcome dropped", job.id
            )
        else:
            if not (report.accepted and report.dry_run and JobOptions.from_json(job.options).keep_file):
                await tx.execute(_DROP_PARTS, where)
            logger.info(
                "import job %s: %s, %s rows, %s recorded", job.id, status, report.rows, report.recorded
            )
        self.finished = True

    def update(self, stage: str, rows: int, fraction: float | None = None) -> None:
        self.stage, self.rows, self.fraction = stage, rows, fraction

    def as_params(self) -> dict[str, Any]:
        read = None if self.fraction is None else round(self.fraction * READ_SCALE)
        return {"stage": self.stage, "rows": self.rows, "read": read}


class JobRunner:
    """Runs queued import jobs one at a time, in the serving process's event loop (docs/imports.md)."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run_forever(), name="import jobs")

    async def stop(self) -> None:
        """Stop at once: a job running is rolled back by its import and put back in the queue for another
        process (or this one, restarted), its run not counted."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run_forever(self) -> None:
        poll = self.settings.import_job_poll_s
        pause = poll
        while True:
            try:
                worked = await self.run_once()
                pause = poll
            except Exception as error:  # the database may be away: try again, less often while it is
                _failed("import jobs: the runner failed", error)
                worked = False
                pause = min(2 * pause, MAX_PAUSE_S)
            if not worked:
                await asyncio.sleep(pause)

    async def run_once(self) -> bool:
        """Take for dead the jobs left by a process that stopped, then run the next queued job, if any
        (False when there was none)."""
        await self.reap()
        job = await self.claim()
        if job is None:
            return False
        await self.run(job)
        return True

    async def reap(self) -> None:
        """Jobs whose heartbeat is older than `import_job_stale_s` go back to the queue, or fail once they
        have had all their runs."""
        settings = self.settings
        now = utcnow()
        stale = {"stale_before": now - timedelta(seconds=settings.import_job_stale_s)}
        async with self.database.read() as tx:
            if await tx.one(_ANY_STALE, stale) is None:
                return
        attempts = settings.import_job_attempts
        async with self.database.transaction() as tx:
            params = {**stale, "now": now, "attempts": attempts}
            failed = await tx.all(_FAIL_STALE, {**params, "error": DIED.format(attempts=attempts)})
            for job in failed:
                await tx.execute(_DROP_PARTS, {"account_id": job.account_id, "id": job.id})
            requeued = await tx.all(_REQUEUE_STALE, params)
        for job in failed:
            logger.error("import job %s (request %s): its process stopped, given up", job.id, job.request_id)
        for job in requeued:
            logger.warning(
                "import job %s (request %s): its process stopped, queued again", job.id, job.request_id
            )

    async def claim(self) -> Any:
        """The next queued job, now `Running` for this runner; None when there is none."""
        async with self.database.read() as tx:
            if await tx.one(_ANY_QUEUED) is None:
                return None
        async with self.database.transaction() as tx:
            return await tx.one(_CLAIM, {"now": utcnow()})

    async def run(self, job: Any) -> None:
        """Run a claimed job to its end: its report stored and its file dropped, or back in the queue, or
        failed."""
        token = REQUEST_ID.set(job.request_id)  # the job's log lines carry its upload's request id
        progress = JobProgress(job)
        done = asyncio.Event()
        heartbeat = asyncio.create_task(self._beat(job, progress, done), name=f"import job {job.id}")
        try:
            report = await self._import(job, progress)
        except asyncio.CancelledError:
            await self._stop_beating(heartbeat, done)
            await self._release(job)
            raise
        except Unavailable as error:  # not the job's fault: its run does not count
            _failed(f"import job {job.id}: the database went away, queued again", error)
            await self._stop_beating(heartbeat, done)
            await self._release(job)
        except Exception as error:
            _failed(f"import job {job.id} failed (run {job.attempts})", error)
            await self._stop_beating(heartbeat, done)
            await self._give_up_or_retry(job)
        else:
            await self._stop_beating(heartbeat, done)
            if not progress.finished:  # refused, a dry run: nothing was written with the outcome
                await self._finish(job, report, progress)
        finally:
            REQUEST_ID.reset(token)

    async def _import(self, job: Any, progress: JobProgress) -> ImportReport:
        with await self._file(job) as source:
            return await run_import(
                self.database,
                Actor(job.account_id, job.actor),
                job.kind,
                source,
                JobOptions.from_json(job.options),
                progress,
                today(self.settings.zone),
                progress.recorded,
            )

    async def _file(self, job: Any) -> IO[bytes]:
        """The job's upload, read back from its parts a few at a time."""
        spool = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115 (the caller closes it)
        try:
            async with self.database.read() as tx:
                where = {"account_id": job.account_id, "id": job.id}
                async for parts in tx.stream(_PARTS, where, batch=_PARTS_AT_ONCE):
                    for part in parts:
                        spool.write(part.data)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        return spool

    async def _beat(self, job: Any, progress: JobProgress, done: asyncio.Event) -> None:
        """The job's sign of life, with its progress, every `import_job_heartbeat_s` until `done`."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.settings.import_job_heartbeat_s)
            if done.is_set():
                return
            params = {"id": job.id, "attempt": job.attempts, "now": utcnow(), **progress.as_params()}
            try:
                async with self.database.transaction() as tx:
                    held = await tx.execute(_BEAT, params)
            except Exception as error:  # busy or away: the next beat may pass; staleness is judged in minutes
                _failed(f"import job {job.id}: no heartbeat written", error)
                continue
            if not held:
                logger.warning("import job %s: taken for dead by another runner, finishing anyway", job.id)

    @staticmethod
    async def _stop_beating(heartbeat: asyncio.Task[None], done: asyncio.Event) -> None:
        """The heartbeat ends its statement under way, if any, rather than being cut in its middle."""
        done.set()
        await asyncio.shield(heartbeat)

    async def _finish(self, job: Any, report: ImportReport, progress: JobProgress) -> None:
        async with self.database.transaction() as tx:
            await progress.recorded(tx, report)

    async def _give_up_or_retry(self, job: Any) -> None:
        params = {"account_id": job.account_id, "id": job.id, "attempt": job.attempts, "now": utcnow()}
        error = BROKE.format(attempts=job.attempts, request_id=job.request_id)
        async with self.database.transaction() as tx:
            if job.attempts >= self.settings.import_job_attempts:
                if await tx.one(_FAIL, {**params, "error": error}) is not None:
                    await tx.execute(_DROP_PARTS, params)
            else:
                await tx.execute(_RETRY, params)

    async def _release(self, job: Any) -> None:
        params = {"id": job.id, "attempt": job.attempts, "now": utcnow()}
        try:
            async with self.database.transaction() as tx:
                await tx.execute(_RELEASE, params)
        except Exception as error:  # the heartbeat goes stale, and another runner takes it over
            _failed(f"import job {job.id}: not put back in the queue", error)


def _failed(what: str, error: Exception) -> None:
    """The database away or busy is a line, as its 503s are (web/errors.py); anything else is a bug, logged
    with its traceback."""
    if isinstance(error, Unavailable | Busy):
        logger.error("%s: database %s: %s", what, "busy" if isinstance(error, Busy) else "unavailable", error)
    else:
        logger.error(what, exc_info=error)
