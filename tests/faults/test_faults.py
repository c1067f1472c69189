"""Faults the service must come through: its PostgreSQL server crashing under a write load, and one of its
worker processes killed with SIGKILL.

Both run the real `talent-training serve` (two workers), drive it over loopback with several clients creating
trainings at once (each request with a title of its own, on a connection of its own so that both workers
take some), then read the database directly. What must hold:
- a write acknowledged with a 201 is stored, as acknowledged, and a GET answers it;
- nothing is half written: every training has exactly one audit event (written in its transaction) that
  records its title, no audit event describes a training that is not stored, no request was stored twice;
- a request fails only with a 503 problem (the database gone) or, for those a killed worker was serving, a
  broken connection: never a 500, never a request left hanging;
- the service heals by itself: the same processes once the database is back, a new worker in place of the
  killed one while the other keeps serving.

The database crash is a real one, on a PostgreSQL cluster of the test's own (initdb and pg_ctl in a temporary
directory): `pg_ctl stop -m immediate` kills every backend without a checkpoint, and `pg_ctl start` recovers
from the write-ahead log, as after a power cut of the database host. It runs whenever the suite runs on
PostgreSQL (tests/conftest.py), and then needs PostgreSQL's server programs on this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.factories import TRAININGS, training_body

EXECUTABLE = Path(sys.executable).parent / "talent-training"
CLIENTS = 6
OUTAGE_S = 2.5  # how long the database stays down under the load
HEAL_WITHIN_S = 10.0  # from the database accepting connections again to a write acknowledged
REPLACED_WITHIN_S = 45.0  # the supervisor may first wait out a health check (15 s), then a start
HTTP_TIMEOUT_S = 15.0  # a request without an answer by then hangs: a failure of its own


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def until(condition: Callable[[], bool], within: float, what: Callable[[], str]) -> float:
    """Waits for `condition`, polling; the time it held, or a failure saying `what()` after `within` s."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {within:g} s: {what()}")
        await asyncio.sleep(0.02)
    return time.monotonic()


# -- A PostgreSQL cluster of the test's own ------------------------------------------------------------------


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def postgres_bindir() -> Path:
    """Where initdb and pg_ctl are: on PATH, else Debian's /usr/lib/postgresql/<version>/bin (the highest
    version), which a fresh Debian machine does not put on PATH."""
    candidates = [Path(found).resolve().parent for found in filter(None, [shutil.which("pg_ctl")])]
    debian = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(debian, key=lambda bindir: _version(bindir.parent.name), reverse=True)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    pytest.fail(
        "The suite runs on PostgreSQL, so the database crash test runs too, and it needs PostgreSQL's server "
        "programs (initdb, pg_ctl) to start a server of its own: none on PATH nor in "
        "/usr/lib/postgresql/*/bin. Install them (Debian: apt-get install postgresql), or run the suite "
        "on SQLite only (TALENT_TRAINING_TEST_DATABASE_URL=none)."
    )


def unprivileged() -> dict[str, Any]:
    """initdb and postgres refuse to run as root: as root, they run as the `postgres` user."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail("The tests run as root, and there is no `postgres` user to run PostgreSQL as.")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


class Cluster:
    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir, self.root = bindir, root
        self.data, self.log = root / "data", root / "postgres.log"
        self.port = free_port()
        self.running_as = unprivileged()
        if self.running_as:
            os.chown(root, self.running_as["user"], self.running_as["group"])

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bindir / tool), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            **self.running_as,
        )
        if done.returncode != 0:
            raise AssertionError(
                f"{tool} {' '.join(args)}: exit {done.returncode}\n{done.stdout}{done.stderr}"
            )

    def create(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
            "--locale=C", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        # The socket file in the test's own directory: the system's may not exist, nor be writable.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        self._run(
            "pg_ctl", "start", "-w", "-t", "30", "-D", str(self.data), "-l", str(self.log), "-o", options
        )

    def crash(self) -> None:
        """Every server process killed at once, nothing flushed on the way out: recovery at the next start."""
        self._run("pg_ctl", "stop", "-w", "-t", "30", "-m", "immediate", "-D", str(self.data))

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bindir = postgres_bindir()
    # Not under pytest's temporary directory, which only its owner may enter.
    root = Path(tempfile.mkdtemp(prefix="tt-faults-pg-"))
    try:
        cluster = Cluster(bindir, root)
        cluster.create()
        cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):  # already stopped
                cluster.crash()
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- The service, served as in production --------------------------------------------------------------------


def children(pid: int) -> set[int]:
    """The live (not zombie) child processes of `pid`, from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if int(parent) == pid and state != "Z":
            found.add(int(stat.parent.name))
    return found


class Server:
    def __init__(self, process: subprocess.Popen[bytes], port: int, key: str, log: Path) -> None:
        self.process, self.port, self.key, self.log = process, port, key, log
        self.base_url = f"http://127.0.0.1:{port}"

    def workers(self) -> set[int]:
        """uvicorn's worker processes (multiprocessing's resource tracker is a child too)."""
        workers = set()
        for pid in children(self.process.pid):
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    workers.add(pid)
        return workers

    def started_workers(self) -> int:
        """How many workers have started their application since the server started."""
        return self.log.read_text().count("Application startup complete")

    def tail(self, lines: int = 40) -> str:
        """The end of the log, but for access lines."""
        logged = [
            line for line in self.log.read_text().splitlines() if " talent_training.access " not in line
        ]
        return "\n".join(logged[-lines:])

    def tracebacks(self) -> int:
        """Exceptions logged: an error the service did not expect (a 500), a worker that failed to start, a
        record that could not be formatted."""
        return self.log.read_text().count("Traceback")


@contextlib.contextmanager
def serving(database_url: str, directory: Path, *flags: str) -> Iterator[Server]:
    port = free_port()
    log, key_file, metrics = directory / "server.log", directory / "initial-key", directory / "metrics"
    metrics.mkdir()
    env = {
        **os.environ,
        "TALENT_TRAINING_DATABASE_URL": database_url,
        # The default format, as `make serve` runs: its supervisor's lines must format too.
        "TALENT_TRAINING_LOG_FORMAT": "text",
        "TALENT_TRAINING_INITIAL_KEY_FILE": str(key_file),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(EXECUTABLE), "serve", "--port", str(port), "--workers", "2", *flags],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while log.read_text().count("Application startup complete") < 2 and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.05)
            assert log.read_text().count("Application startup complete") == 2, log.read_text()
            yield Server(process, port, key_file.read_text().strip(), log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                for pid in children(process.pid):  # SIGKILL would leave them behind
                    os.kill(pid, signal.SIGKILL)
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def server_on_own_cluster(cluster: Cluster, tmp_path: Path) -> Iterator[Server]:
    async def create_database() -> None:
        admin = await asyncpg.connect(cluster.url("postgres").replace("+asyncpg", ""))
        try:
            await admin.execute("CREATE DATABASE talent")
        finally:
            await admin.close()

    anyio.run(create_database)
    with serving(cluster.url("talent"), tmp_path) as server:
        yield server


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    with serving(database_url, tmp_path, "--no-migrate") as server:  # a copy of a migrated database
        yield server


# -- A write load, and what it was told ----------------------------------------------------------------------


@dataclass
class Outcome:
    title: str
    started: float
    ended: float
    status: int | None = None  # None: no answer, the connection broke
    error: str = ""
    body: Any = None
    content_type: str = ""
    retry_after: str | None = None


class Load:
    """CLIENTS clients, each creating trainings one after another until stopped; a connection per request."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.outcomes: list[Outcome] = []
        self._http = httpx.AsyncClient(
            base_url=server.base_url,
            headers={"Authorization": f"lucca application={server.key}"},
            timeout=HTTP_TIMEOUT_S,
            limits=httpx.Limits(max_keepalive_connections=0, max_connections=CLIENTS),
        )
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.in_doubt = 0

    async def __aenter__(self) -> Load:
        self._tasks = [asyncio.create_task(self._client(n)) for n in range(CLIENTS)]
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()
        await self._http.aclose()

    async def stop(self) -> None:
        """The clients finish the request they are on, and send no more."""
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _client(self, n: int) -> None:
        for i in itertools.count():
            if self._stop.is_set():
                return
            outcome = await self.create(f"fault load {n}-{i}")
            if outcome.status != 201:
                await asyncio.sleep(0.05)  # a failing service is not hammered in a tight loop

    async def create(self, title: str) -> Outcome:
        started = time.monotonic()
        try:
            response = await self._http.post(TRAININGS, json=training_body(title=title))
        except httpx.TransportError as error:
            outcome = Outcome(title, started, time.monotonic(), error=type(error).__name__)
        else:
            content_type = response.headers.get("content-type", "")
            outcome = Outcome(
                title,
                started,
                time.monotonic(),
                response.status_code,
                body=response.json() if content_type.endswith("json") else response.text,
                content_type=content_type,
                retry_after=response.headers.get("retry-after"),
            )
        self.outcomes.append(outcome)
        return outcome

    async def created(self, count: int, *, after: float, within: float) -> float:
        """Waits for `count` writes acknowledged that were sent after `after`; when the last one was."""
        await until(
            lambda: sum(o.status == 201 and o.started >= after for o in self.outcomes) >= count,
            within,
            lambda: f"{count} writes acknowledged; outcomes: {self.summary()}; log:\n{self.server.tail()}",
        )
        return max(o.ended for o in self.outcomes if o.status == 201 and o.started >= after)

    def acknowledged(self) -> dict[str, Any]:
        return {o.title: o.body for o in self.outcomes if o.status == 201}

    def sent(self) -> set[str]:
        return {o.title for o in self.outcomes}

    def summary(self) -> str:
        counts = ", ".join(
            f"{what}: {n}" for what, n in Counter(o.status or o.error for o in self.outcomes).items()
        )
        return f"{counts}; stored unacknowledged: {self.in_doubt}"


# -- What the database holds ---------------------------------------------------------------------------------

_TRAININGS = "SELECT id, title FROM trainings"
_EVENTS = {
    "postgresql": "SELECT resource_id, changes::json->'title'->>1 FROM audit_events"
    " WHERE resource_type = 'training' AND action = 'create'",
    "sqlite": "SELECT resource_id, json_extract(changes, '$.title[1]') FROM audit_events"
    " WHERE resource_type = 'training' AND action = 'create'",
}


async def stored(database_url: str) -> tuple[dict[int, str], list[tuple[int, str]]]:
    """The trainings (id → title) and their creation events (id, title recorded), read directly."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database
        with contextlib.closing(sqlite3.connect(url.database)) as connection:
            trainings = dict(connection.execute(_TRAININGS).fetchall())
            events = connection.execute(_EVENTS["sqlite"]).fetchall()
        return trainings, [(int(i), str(t)) for i, t in events]
    connection = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        trainings = {row[0]: row[1] for row in await connection.fetch(_TRAININGS)}
        events = [(row[0], row[1]) for row in await connection.fetch(_EVENTS["postgresql"])]
    finally:
        await connection.close()
    return trainings, events


async def assert_nothing_lost_or_half_written(load: Load, server: Server, database_url: str) -> None:
    trainings, events = await stored(database_url)
    acknowledged = load.acknowledged()
    ids_by_title: dict[str, list[int]] = {}
    for training_id, title in trainings.items():
        ids_by_title.setdefault(title, []).append(training_id)

    twice = {title: ids for title, ids in ids_by_title.items() if len(ids) > 1}
    assert not twice, f"requests stored more than once: {twice}"
    assert set(ids_by_title) <= load.sent(), set(ids_by_title) - load.sent()
    lost = {
        title: body["id"] for title, body in acknowledged.items() if ids_by_title.get(title) != [body["id"]]
    }
    assert not lost, f"acknowledged (title: id) but not stored as acknowledged: {lost}"

    recorded = Counter(training_id for training_id, _ in events)
    assert {i: n for i, n in recorded.items() if n != 1 or i not in trainings} == {}, "events without a row"
    assert set(trainings) - set(recorded) == set(), "trainings stored without their audit event"
    assert all(trainings[training_id] == title for training_id, title in events), "events out of step"
    # Stored but never acknowledged: the connection died after the commit, before the answer (in doubt).
    load.in_doubt = len(set(ids_by_title) - set(acknowledged))

    async with httpx.AsyncClient(
        base_url=server.base_url, headers={"Authorization": f"lucca application={server.key}"}, timeout=10
    ) as http:
        turns = asyncio.Semaphore(8)

        async def read(body: dict[str, Any]) -> tuple[int, Any]:
            async with turns:
                response = await http.get(f"{TRAININGS}/{body['id']}")
            return response.status_code, response.json()

        answers = await asyncio.gather(*(read(body) for body in acknowledged.values()))
    assert answers == [(200, body) for body in acknowledged.values()]


def assert_only_503_problems(outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        if outcome.status not in (201, None):
            assert outcome.status == 503, outcome
            assert outcome.content_type == "application/problem+json", outcome
            assert outcome.body["status"] == 503 and outcome.retry_after == "1", outcome


async def fresh_writes_all_acknowledged(load: Load, count: int = 20) -> None:
    """Once healed: writes sent at once, each on a connection of its own (so to both workers), all 201."""
    after = await asyncio.gather(*(load.create(f"fault after {n}") for n in range(count)))
    assert [o.status for o in after] == [201] * count, after


# -- The faults ----------------------------------------------------------------------------------------------


@pytest.mark.postgresql_only  # runs when the suite runs on PostgreSQL, on a server of its own
@pytest.mark.usefixtures("databases")  # which gives it the backend it is collected for
async def test_a_database_crash_under_write_load_loses_no_acknowledged_write_and_heals(
    cluster: Cluster, server_on_own_cluster: Server
) -> None:
    server = server_on_own_cluster
    workers = server.workers()
    assert len(workers) == 2, workers

    async with Load(server) as load:
        await load.created(3 * CLIENTS, after=0, within=15)
        await asyncio.to_thread(cluster.crash)
        crashed = time.monotonic()
        await asyncio.sleep(OUTAGE_S)  # the outage, under the load
        await asyncio.to_thread(cluster.start)
        restarted = time.monotonic()
        healed = await load.created(1, after=restarted, within=HEAL_WITHIN_S)
        # A while longer, so that each worker meets whatever connections the crash left in its pool.
        await load.created(5 * CLIENTS, after=healed, within=15)
        await load.stop()
        await fresh_writes_all_acknowledged(load)

    during = [o for o in load.outcomes if crashed <= o.started < restarted]
    assert sum(o.status == 503 for o in during) > 0, load.summary()  # the crash was felt
    # The HTTP server never went away: every request has its answer, a 201 or a 503 problem.
    assert [o for o in load.outcomes if o.status is None] == [], load.summary()
    assert_only_503_problems(load.outcomes)
    # Healed in place: the same processes, no worker started again.
    assert server.process.poll() is None
    assert server.workers() == workers
    assert server.started_workers() == 2
    await assert_nothing_lost_or_half_written(load, server, cluster.url("talent"))
    assert server.tracebacks() == 0, server.tail()
    print(f"healed {healed - restarted:.2f} s after the restart; outcomes: {load.summary()}")


async def test_a_worker_killed_under_write_load_loses_no_acknowledged_write(
    server: Server, database_url: str
) -> None:
    workers = server.workers()
    assert len(workers) == 2, workers
    victim = min(workers)

    async with Load(server) as load:
        await load.created(3 * CLIENTS, after=0, within=15)
        os.kill(victim, signal.SIGKILL)
        # From the moment it is dead, no request can reach it.
        killed = await until(lambda: victim not in server.workers(), 10, lambda: f"{victim} still alive")
        await load.created(5 * CLIENTS, after=killed, within=15)  # the other worker serves meanwhile
        await load.stop()
        # uvicorn's supervisor starts a new worker in its place.
        replaced = await until(
            lambda: server.started_workers() == 3 and len(server.workers() - {victim}) == 2,
            REPLACED_WITHIN_S,
            lambda: f"a new worker in place of the killed one; log:\n{server.tail()}",
        )
        await fresh_writes_all_acknowledged(load)

    broken = [o for o in load.outcomes if o.status is None]
    # Only requests the killed worker had taken broke: each client had one under way at most.
    assert len(broken) <= CLIENTS and all(o.started < killed for o in broken), broken
    assert all("Timeout" not in o.error for o in broken), broken
    after_kill = [o for o in load.outcomes if o.started >= killed]
    assert {o.status for o in after_kill} == {201}, load.summary()
    assert {o.status for o in load.outcomes} <= {201, None}, load.summary()  # not even a 503
    assert server.process.poll() is None
    await assert_nothing_lost_or_half_written(load, server, database_url)
    assert server.tracebacks() == 0, server.tail()
    print(f"replaced {replaced - killed:.2f} s after the kill; outcomes: {load.summary()}")
