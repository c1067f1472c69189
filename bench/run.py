"""`make bench`: production-volume benchmarks of talent-training on PostgreSQL, each scenario side by side
with its limit (a raw ASGI app making the same statement, bench/raw_app.py), and the alternative (a Prism
mock of the seed spec), written to docs/benchmarks.md.

Everything runs on this machine, over loopback, in one run: the figures are comparable with each other,
not with another machine's.

The training workflow at scale (issue 10) runs on an account of its own (bench/workflow_data.py, 1 M
training demands): a manager's list of demands by department, its first and a deep cursor page, and the
attendance sheet of a 500-person session, on talent-training alone (bench/workflow.py); alone:
`BENCH_ONLY="demands"`.

Bulk import and export (issue 11: a million realized trainings in and out through the command line, on
PostgreSQL and SQLite) run last, on databases of their own (bench/bulk.py); alone: `python -m bench.bulk`,
or `BENCH_ONLY="bulk"`.

Environment (all optional):
- BENCH_SECONDS (5): length of a throughput sample; BENCH_LATENCY_SECONDS (4): of a one-client sample.
- BENCH_ROUNDS (3): rounds of the paired scenarios (ours and the raw app, back to back, alternating which
  goes first); targets are judged on the median of the rounds' ratios.
- BENCH_WORKERS ("1,2"): the worker counts to run.
- BENCH_ONLY: comma-separated parts of scenario names to run (e.g. "GET one,POST"), for development; the
  report then goes to bench/results/benchmarks.md, not docs/.
- BENCH_REUSE=1: keep the database an earlier run loaded (skips 2-3 minutes of loading); it is migrated,
  and the workflow account loaded if it lacks it.
- BENCH_PROFILE (1): py-spy one worker of each server under three loads (bench/profiling.py); 0 to skip;
  BENCH_PROFILE_SECONDS (8) and BENCH_PROFILE_CLIENTS (16) shape them.
- BENCH_REPORT: where to write the report.

A full run takes about 20 minutes on 2 cores (it says how long it expects at the start); for development,
e.g. `BENCH_REUSE=1 BENCH_SECONDS=2 BENCH_ROUNDS=1 BENCH_WORKERS=1 BENCH_ONLY="GET one" make bench`.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench import bulk, console, profiling, workflow, workflow_data
from bench.explain import StatementTimes, explain_demand_lists, explain_list_queries
from bench.generate import DATA, OWNERS, Loaded, describe, load
from bench.raw_app import CATEGORIES, PROVIDERS, REALIZED, TRAININGS, cursor_key
from bench.report import WorkflowSection, write_report
from bench.workflow_data import WORKFLOW_DATA
from talent_training.accounts.service import issue_api_key
from talent_training.db.database import Database
from talent_training.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOOLS = ROOT / "bench" / ".tools"
RESULTS = ROOT / "bench" / "results"
WRK_DIR = ROOT / "bench" / "wrk"
SPEC = ROOT / "src" / "talent_training" / "contract" / "lucca-training.seeds.yaml"
DATABASE = "talent_training_bench"
DURATION_S = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = 16
# The paired scenarios run in alternating rounds and are judged on the median of the rounds' ratios: this
# machine's speed drifts (shared cores), and a single sample moved ratios by ±0.1 between runs.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# Latency targets are judged with one client: under 16 clients on 2 shared cores latency is mostly queueing.
LATENCY_S = int(os.environ.get("BENCH_LATENCY_SECONDS", "4"))
WORKERS = tuple(int(n) for n in os.environ.get("BENCH_WORKERS", "1,2").split(","))
ONLY = [part.strip() for part in os.environ.get("BENCH_ONLY", "").split(",") if part.strip()]
PROFILE = os.environ.get("BENCH_PROFILE", "1") != "0"
PROFILE_S = int(os.environ.get("BENCH_PROFILE_SECONDS", "8"))
PROFILE_CLIENTS = int(os.environ.get("BENCH_PROFILE_CLIENTS", str(CONNECTIONS)))
DEEP = 0.9  # a deep cursor page starts this far into its list
PAGE = 20

OURS, RAW, PRISM = "talent-training", "raw-asgi", "prism"
# A diagnostic: the metrics' cost, from talent-training with and without them, back to back.
WITH_METRICS, WITHOUT_METRICS = "talent-training (metrics on)", "talent-training (metrics off)"
GET_ONE, FIRST_PAGE, DEEP_PAGE, POST = "GET one", "first page", "deep cursor page", "POST"
TARGETS = {GET_ONE: 0.6, FIRST_PAGE: 0.5, DEEP_PAGE: 0.5, POST: 0.6}
# The scenarios of the latency targets (talent-training alone).
BY_OWNER = "realized trainings by ownerIds (page 1)"
COUNT = "count of realized trainings under a date range"
# The training workflow's scenarios (bench/workflow.py), on their own account: talent-training alone.
DEMANDS_FIRST = f"training demands by department: {FIRST_PAGE}"
DEMANDS_DEEP = f"training demands by department: {DEEP_PAGE}"
ATTENDANCE = "training demands: attendance of a 500-person session"
ATTENDANCE_SHEETS = workflow_data.ATTENDANCE_SESSIONS  # each confirmed once per worker count, then reset
ATTENDANCE_SEED = 10  # the same sheets for every worker count and every run
BREAKDOWN_REQUESTS = 20  # per list and page, for the per-list breakdown
FIRST_REALIZED, DEEP_REALIZED = f"realized trainings: {FIRST_PAGE}", f"realized trainings: {DEEP_PAGE}"
LISTS = {
    "trainings": TRAININGS,
    "providers": PROVIDERS,
    "categories": CATEGORIES,
    "realized trainings": REALIZED,
}


@dataclass
class Result:
    target: str  # talent-training, raw-asgi, prism
    scenario: str
    workers: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    rss_start_mb: list[float] = field(default_factory=list)
    rss_end_mb: list[float] = field(default_factory=list)
    rss_peak_mb: list[float] = field(default_factory=list)
    clients: int = CONNECTIONS
    round: int = 1
    cpu_us_per_request: float = 0.0  # the server's workers' time on a CPU per request answered
    wait_us_per_request: float = 0.0  # ... and their time runnable, waiting for a CPU


@dataclass(frozen=True)
class Scenario:
    """One load, the same path on talent-training and on the raw app (`{id}`s from a wrk script)."""

    name: str
    family: str  # GET_ONE, FIRST_PAGE, DEEP_PAGE, POST, or "" for a scenario with no ratio target
    path: str
    script: str | None = None
    args: tuple[str, ...] = ()
    sample: str = ""  # a path that stands for the scenario when the two servers' answers are compared
    body: str = ""  # POST: the body of that comparison

    @property
    def target(self) -> float:
        return TARGETS[self.family]


def wanted(name: str) -> bool:
    return not ONLY or any(part.lower() in name.lower() for part in ONLY)


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(*command: str, **kwargs: object) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout  # type: ignore[call-overload,no-any-return]


def ensure_tools() -> tuple[str, str]:
    """wrk from Debian, Prism from npm (into bench/.tools): installed on first use."""
    if shutil.which("wrk") is None:
        say("installing wrk (Debian)")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    prism = TOOLS / "node_modules" / ".bin" / "prism"
    if not prism.exists():
        say("installing @stoplight/prism-cli (npm)")
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(TOOLS),
                "@stoplight/prism-cli@5",
            ],
            check=True,
        )
    return "wrk", str(prism)


def postgres_server() -> str:
    return run(str(ROOT / "scripts" / "ensure-postgres")).strip()


async def fresh_database(server_url: str, reuse: bool) -> tuple[str, bool]:
    """The benchmark database's URL, and whether it holds the data already (BENCH_REUSE=1)."""
    url = make_url(server_url).set(database=DATABASE).render_as_string(hide_password=False)
    admin = await asyncpg.connect(server_url)
    try:
        if reuse and await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            connection = await asyncpg.connect(url)
            try:
                if await connection.fetchval("SELECT to_regclass('realized_trainings') IS NOT NULL"):
                    return url, True
            finally:
                await connection.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    return url, False


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        pids += process_tree(int(child))
    return pids


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return rss / 1024, hwm / 1024


def scheduled(pids: list[int]) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) of the main threads of processes, the ones
    that serve requests (/proc/PID/schedstat: exact, unlike the clock ticks of /proc/PID/stat)."""
    run_ns = wait_ns = 0
    for pid in pids:
        on_cpu, waiting, _slices = Path(f"/proc/{pid}/schedstat").read_text().split()
        run_ns += int(on_cpu)
        wait_ns += int(waiting)
    return run_ns / 1e9, wait_ns / 1e9


def workers_of(pid: int, workers: int) -> list[int]:
    """The processes that serve requests: the server itself, or its N worker children."""
    if workers == 1:
        return [pid]
    big = [p for p in process_tree(pid)[1:] if memory_mb(p)[0] > 30]
    return big[-workers:]


@contextmanager
def serving(
    command: list[str], env: dict[str, str], port: int, probe: str
) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}{probe}")
        time.sleep(1)  # every worker has started
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(
    url: str,
    headers: dict[str, str],
    script: str | None,
    args: tuple[str, ...],
    clients: int,
    seconds: int,
) -> tuple[float, float, float, int, int]:
    """(requests/s, p50 ms, p99 ms, non-2xx answers, requests)."""
    command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(WRK_DIR / script)]
    command.append(url)
    if args:
        command += ["--", *args]
    out = run(*command)

    def percentile(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)$", out, re.M)
        if found is None:  # no request was answered within wrk's timeout
            raise RuntimeError(f"wrk reported no latencies:\n{out}")
        value, unit = found.groups()
        return float(value) * _UNITS[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, percentile("50"), percentile("99"), int(non_2xx.group(1)) if non_2xx else 0, requests


@dataclass
class Server:
    target: str
    base: str  # http://127.0.0.1:PORT
    pids: list[int]
    headers: dict[str, str]


def measure(
    server: Server,
    scenario: Scenario,
    workers: int,
    *,
    clients: int = CONNECTIONS,
    round_: int = 1,
    args: tuple[str, ...] | None = None,
) -> Result:
    start = [memory_mb(pid)[0] for pid in server.pids]
    before = scheduled(server.pids)
    seconds = DURATION_S if clients > 1 else LATENCY_S
    rps, p50, p99, non_2xx, requests = wrk(
        server.base + scenario.path,
        server.headers,
        scenario.script,
        scenario.args if args is None else args,
        clients,
        seconds,
    )
    on_cpu, waiting = (b - a for a, b in zip(before, scheduled(server.pids), strict=True))
    after = [memory_mb(pid) for pid in server.pids]
    result = Result(
        server.target,
        scenario.name,
        workers,
        rps,
        p50,
        p99,
        non_2xx,
        start,
        [a[0] for a in after],
        [a[1] for a in after],
        clients,
        round_,
        on_cpu * 1e6 / max(requests, 1),
        waiting * 1e6 / max(requests, 1),
    )
    say(
        f"{server.target:15} {scenario.name:40} w={workers} c={clients:<2} r={round_} {rps:7.0f} req/s"
        f"  p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  cpu {result.cpu_us_per_request:4.0f} + wait {result.wait_us_per_request:4.0f} µs/req  non-2xx {non_2xx}"
    )
    return result


def cursor_beyond(base: str, headers: dict[str, str], path: str, row: int) -> str:
    """A `next` cursor positioned past `row`, as a client walking the list would hold one."""
    response = httpx.get(
        base + path,
        params={"page": str(row // PAGE), "limit": str(PAGE), "fields.root": "next"},
        headers=headers,
        timeout=120,
    )
    response.raise_for_status()
    cursor: str = response.json()["next"]
    return cursor


def scenarios(
    loaded: Loaded, training: int, provider: int, category: int, deep: dict[str, str]
) -> list[Scenario]:
    """Every paired scenario: each GET of one record, a first and a deep page of each list, each POST."""
    found: list[Scenario] = []
    for label, path, ids in (
        ("training", TRAININGS, loaded.trainings),
        ("provider", PROVIDERS, loaded.providers),
        ("category", CATEGORIES, loaded.categories),
        ("realized training", REALIZED, loaded.realized),
    ):
        middle = (ids.first + ids.last) // 2
        found.append(
            Scenario(
                f"{GET_ONE} {label}", GET_ONE, path + "/", "get_by_id.lua",
                (path + "/", str(ids.first), str(ids.last)), sample=f"{path}/{middle}",
            )
        )  # fmt: skip
    for label, path in LISTS.items():
        first = f"{path}?limit={PAGE}"
        found.append(Scenario(f"{label}: {FIRST_PAGE}", FIRST_PAGE, first, sample=first))
    for label, path in LISTS.items():
        deeper = f"{path}?limit={PAGE}&page={deep[label]}"
        found.append(Scenario(f"{label}: {DEEP_PAGE}", DEEP_PAGE, deeper, sample=deeper))
    found.append(
        Scenario(
            f"{POST} realized training", POST, REALIZED, "post_realized.lua", (REALIZED, str(training), "0"),
            body=json.dumps({
                "ownerId": 0, "trainingId": training, "sessionStartsOn": "2025-01-03",
                "sessionEndsOn": "2025-01-04", "durationInHours": 2.5,
            }),
        )
    )  # fmt: skip
    found.append(
        Scenario(
            f"{POST} training", POST, TRAININGS, "post_training.lua",
            (TRAININGS, str(provider), str(category), "0"),
            body=json.dumps({
                "title": "Bench training 0", "subtitle": "Written by wrk",
                "description": "A training created under load.", "level": "Middle", "isCertifying": False,
                "isMandatory": True, "providerId": provider, "categoryId": category,
            }),
        )
    )  # fmt: skip
    return found


def same_answers(servers: tuple[Server, Server], scenario: Scenario, owner: int, database_url: str) -> None:
    """Both servers answer the scenario's request alike (a new record's id aside), and a POST's audit rows
    are alike too: the raw app is the limit of *this* work, not of a cheaper one."""
    answers: list[tuple[int, Any]] = []
    created: list[int] = []
    for server in servers:
        if scenario.family == POST:
            body = json.loads(scenario.body)
            if "ownerId" in body:
                body["ownerId"] = owner + len(answers)
            response = httpx.post(server.base + scenario.path, json=body, headers=server.headers, timeout=30)
        else:
            response = httpx.get(server.base + scenario.sample, headers=server.headers, timeout=30)
        content = response.json()
        if scenario.family == POST and isinstance(content, dict):
            created.append(content.pop("id", None))
            content.pop("ownerId", None)
        answers.append((response.status_code, content))
    if answers[0] != answers[1]:
        raise RuntimeError(f"{scenario.name}: the raw app answers differently:\n{answers[0]}\n{answers[1]}")
    if scenario.family == POST:
        kind = "realized-training" if scenario.path == REALIZED else "training"
        rows = asyncio.run(_audit_rows(database_url, kind, created))
        if len(rows) != 2 or rows[0] != rows[1]:
            raise RuntimeError(f"{scenario.name}: the two servers' audit rows differ:\n{rows}")


async def _audit_rows(database_url: str, kind: str, ids: list[int]) -> list[tuple[Any, ...]]:
    """The audit rows of records just created, an owner aside (each server recorded its own)."""
    connection = await asyncpg.connect(database_url)
    try:
        records = await connection.fetch(
            "SELECT account_id, actor, resource_type, action, changes::text FROM audit_events"
            " WHERE resource_type = $1 AND resource_id = ANY($2::integer[]) ORDER BY id",
            kind,
            ids,
        )
    finally:
        await connection.close()
    rows = []
    for record in records:
        changes = json.loads(record["changes"])
        changes.pop("ownerId", None)
        rows.append((*tuple(record)[:4], changes))
    return rows


async def prepare(database_url: str, reuse: bool) -> dict[str, Any]:
    engine_url = database_url.replace("postgresql://", "postgresql+asyncpg://")
    load_seconds = 0.0
    if reuse:
        say("reusing the loaded database (BENCH_REUSE=1)")
        await upgrade(engine_url)  # a database loaded before a migration gets its new tables
        connection = await asyncpg.connect(database_url)
        try:
            loaded = await describe(connection)
        finally:
            await connection.close()
    else:
        say(f"migrating and loading {DATA}")
        await upgrade(engine_url)
        started = time.monotonic()
        loaded = await load(database_url)
        load_seconds = time.monotonic() - started
        say(f"loaded in {load_seconds:.1f} s")
    say(f"loading the account `{workflow_data.ACCOUNT}` ({WORKFLOW_DATA}), unless loaded already")
    workflow_seconds = await workflow_data.load_into(database_url)
    if workflow_seconds:
        say(f"loaded in {workflow_seconds:.1f} s")
    database = Database.connect(engine_url, pool_size=1)
    try:
        async with database.transaction() as tx:
            key = await issue_api_key(tx, name="bench", role="write", account="default", by="bench")
            workflow_key = await issue_api_key(
                tx, name="bench", role="write", account=workflow_data.ACCOUNT, by="bench"
            )
    finally:
        await database.dispose()
    connection = await asyncpg.connect(database_url)
    try:
        versions = {"postgresql": await connection.fetchval("SHOW server_version")}
        next_owner = int(await connection.fetchval("SELECT max(owner_id) FROM realized_trainings")) + 1
        workflow = await workflow_data.describe(connection)
    finally:
        await connection.close()
    return {
        "loaded": loaded,
        "load_seconds": load_seconds,
        "token": key.token,
        "actor": f"key:{key.prefix}",
        "versions": versions,
        "next_owner": next_owner,
        "workflow": workflow,
        "workflow_seconds": workflow_seconds,
        "workflow_token": workflow_key.token,
    }


def _profile(
    servers: tuple[Server, Server], loaded: Loaded, training: int, owner: int
) -> list[profiling.Profile]:
    """py-spy on the one worker of talent-training, then of the raw app, under three loads."""
    trainings = (TRAININGS + "/", str(loaded.trainings.first), str(loaded.trainings.last))
    loads = [
        ("GET one training", f"GET {TRAININGS}/{{id}}", Scenario("", "", TRAININGS + "/", "get_by_id.lua", trainings)),
        ("realized trainings: first page", f"GET {REALIZED}?limit={PAGE}", Scenario("", "", f"{REALIZED}?limit={PAGE}")),
        ("POST realized training", f"POST {REALIZED}", Scenario("", "", REALIZED, "post_realized.lua", (REALIZED, str(training), "0"))),
    ]  # fmt: skip
    profiles = []
    for name, url, scenario in loads:
        for server in servers:
            profile = profiling.Profile(server.target, name, url, PROFILE_CLIENTS)
            profiles.append(profile)
            if profiling.py_spy() is None:
                profile.error = "py-spy is not installed (`.venv/bin/pip install py-spy`)"
                continue
            RESULTS.mkdir(exist_ok=True)
            out = RESULTS / f"profile-{server.target}-{name.replace(' ', '-').replace(':', '')}.txt"
            say(f"py-spy: {server.target} {name}")
            args = scenario.args
            if scenario.script == "post_realized.lua":
                args = (*args[:-1], str(owner))
                owner += 1_000_000
            spy = profiling.start(server.pids[0], PROFILE_S, out)
            time.sleep(0.5)  # attached
            before = scheduled(server.pids)
            rps, _p50, _p99, _errors, requests = wrk(
                server.base + scenario.path,
                server.headers,
                scenario.script,
                args,
                PROFILE_CLIENTS,
                PROFILE_S - 1,
            )
            on_cpu, waiting = (b - a for a, b in zip(before, scheduled(server.pids), strict=True))
            profile.cpu_us_per_request = on_cpu * 1e6 / max(requests, 1)
            profile.wait_us_per_request = waiting * 1e6 / max(requests, 1)
            _, errors = spy.communicate(timeout=60)
            profile.rps = rps
            if spy.returncode != 0 or not out.exists():
                profile.error = (
                    errors.decode(errors="replace").strip()[-500:] or f"py-spy exited {spy.returncode}"
                )
            else:
                profiling.summarise(profile, out)
    return profiles


async def _reset_attendance(database_url: str, facts: workflow_data.Workflow) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        put_back = await workflow_data.reset_attendance(connection, facts)
    finally:
        await connection.close()
    if put_back:
        say(f"the attendance sessions as loaded again ({put_back} demands registered again)")


def _demand_lists(server: Server, lists: list[workflow.DemandList], workers: int) -> list[Result]:
    """The first and the deep page of the managers' lists, each request the next list's: under 16 clients,
    then with one client in alternating rounds (the deep page's target is judged against the first's)."""
    first = Scenario(DEMANDS_FIRST, "", workflow.DEMANDS, "paths.lua", tuple(d.first for d in lists))
    deep = Scenario(DEMANDS_DEEP, "", workflow.DEMANDS, "paths.lua", tuple(d.deep for d in lists))
    found = [measure(server, first, workers), measure(server, deep, workers)]
    for round_ in range(1, ROUNDS + 1):
        for scenario in (first, deep) if round_ % 2 else (deep, first):
            found.append(measure(server, scenario, workers, clients=1, round_=round_))
    return found


def _breakdown(
    server: Server, lists: list[workflow.DemandList], workers: int
) -> list[tuple[workflow.DemandList, float, float]]:
    """Each list's first and deep page alone, one client (httpx, sequential): which lists cost what."""
    say(f"per-list breakdown ({BREAKDOWN_REQUESTS} sequential requests per page, {_workers_text(workers)})")
    return [
        (
            listed,
            workflow.sequential_p50(server.base, server.headers, listed.first, BREAKDOWN_REQUESTS),
            workflow.sequential_p50(server.base, server.headers, listed.deep, BREAKDOWN_REQUESTS),
        )
        for listed in lists
    ]


def _workers_text(workers: int) -> str:
    return f"{workers} worker{'s' if workers > 1 else ''}"


def _attendance(
    server: Server, facts: workflow_data.Workflow, database_url: str, workers: int
) -> list[Result]:
    """Each attendance session's sheet of 500, one call after the other, each timed from the client (its
    wall time) and on the server (its workers' CPU time)."""
    sheets = asyncio.run(workflow.attendance_sheets(database_url, facts, seed=ATTENDANCE_SEED))
    found = []
    for n, (session, items) in enumerate(sheets.items(), 1):
        start = [memory_mb(pid)[0] for pid in server.pids]
        before = scheduled(server.pids)
        seconds, _status, problem = workflow.post_attendance(server.base, server.headers, session, items)
        on_cpu, waiting = (b - a for a, b in zip(before, scheduled(server.pids), strict=True))
        after = [memory_mb(pid) for pid in server.pids]
        if problem:
            say(f"attendance of session {session}: {problem}")
        result = Result(
            OURS, ATTENDANCE, workers, 1 / seconds, seconds * 1000, seconds * 1000, int(bool(problem)), start,
            [a[0] for a in after], [a[1] for a in after], 1, n, on_cpu * 1e6, waiting * 1e6,
        )  # fmt: skip
        found.append(result)
        attended = sum(1 for item in items if item["hasAttended"])
        say(
            f"{OURS:15} {ATTENDANCE:40} w={workers} session {session} ({attended} of {len(items)} attended):"
            f" {seconds * 1000:7.1f} ms  cpu {on_cpu * 1000:5.1f} + wait {waiting * 1000:5.1f} ms"
            + (f"  FAILED: {problem}" if problem else "")
        )
    return found


def _without_metrics(
    ours: Server, command: list[str], env: dict[str, str], scenario: Scenario
) -> list[Result]:
    """What the metrics cost a request: the same server with `TALENT_TRAINING_METRICS=off`, in rounds
    alternating with the one measured above (settings are all a benchmark can change of the request path)."""
    port = free_port()
    command = [
        *command[: command.index("--port")],
        "--port",
        str(port),
        *command[command.index("--port") + 2 :],
    ]
    found = []
    with serving(command, {**env, "TALENT_TRAINING_METRICS": "off"}, port, "/health") as process:
        bare = Server(WITHOUT_METRICS, f"http://127.0.0.1:{port}", workers_of(process.pid, 1), ours.headers)
        for round_ in range(1, ROUNDS + 1):
            for server in (ours, bare) if round_ % 2 else (bare, ours):
                found.append(measure(server, scenario, 1, round_=round_))
    return [r for r in found if r.target == WITHOUT_METRICS] + [
        Result(**{**asdict(r), "target": WITH_METRICS}) for r in found if r.target == OURS
    ]


def main() -> None:
    wrk_binary, prism = ensure_tools()
    server_url = postgres_server()
    database_url, reuse = asyncio.run(fresh_database(server_url, os.environ.get("BENCH_REUSE") == "1"))
    prepared = asyncio.run(prepare(database_url, reuse))
    loaded: Loaded = prepared["loaded"]
    headers = {"Authorization": f"lucca application={prepared['token']}"}
    env = {
        **os.environ,
        "TALENT_TRAINING_DATABASE_URL": database_url.replace("postgresql://", "postgresql+asyncpg://"),
    }
    raw_env = {
        **os.environ,
        "BENCH_DSN": database_url,
        "BENCH_ACCOUNT_ID": str(loaded.account_id),
        "BENCH_ACTOR": prepared["actor"],
        "PYTHONPATH": str(ROOT),
    }
    training, provider, category = loaded.trainings.first, loaded.providers.first, loaded.categories.first
    next_owner: int = prepared["next_owner"]
    results: list[Result] = []
    profiles: list[profiling.Profile] = []
    deep_ids: dict[str, int] = {}
    paired: list[Scenario] = []
    workflow_facts: workflow_data.Workflow = prepared["workflow"]
    workflow_headers = {"Authorization": f"lucca application={prepared['workflow_token']}"}
    wanted_lists = wanted(DEMANDS_FIRST) or wanted(DEMANDS_DEEP)  # the deep page's target needs both
    demand_lists: list[workflow.DemandList] = []
    breakdown: list[tuple[workflow.DemandList, float, float]] = []

    for workers in WORKERS:
        port, raw_port = free_port(), free_port()
        command = [
            str(BIN / "talent-training"), "serve", "--no-migrate", "--no-access-log",
            "--port", str(port), "--workers", str(workers),
        ]  # fmt: skip
        raw_command = [
            str(BIN / "uvicorn"), "bench.raw_app:app", "--port", str(raw_port), "--workers", str(workers),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        with (
            serving(command, env, port, "/health") as process,
            serving(raw_command, raw_env, raw_port, f"{REALIZED}/{loaded.realized.first}") as raw_process,
        ):
            ours = Server(OURS, f"http://127.0.0.1:{port}", workers_of(process.pid, workers), headers)
            raw = Server(RAW, f"http://127.0.0.1:{raw_port}", workers_of(raw_process.pid, workers), {})
            if not deep_ids:
                say("reading the deep cursors (an OFFSET scan each, once)")
                deep: dict[str, str] = {}
                for label, path in LISTS.items():
                    rows = loaded.rows if label == "realized trainings" else getattr(loaded, label).count
                    deep[label] = cursor_beyond(ours.base, headers, path, int(rows * DEEP))
                    deep_ids[label] = cursor_key(deep[label])[1]
                paired = [s for s in scenarios(loaded, training, provider, category, deep) if wanted(s.name)]
                expected = len(WORKERS) * (
                    len(paired) * 2 * ROUNDS * (DURATION_S + 0.5) + 2 * (DURATION_S + LATENCY_S + 1)
                    + 2 * ROUNDS * (LATENCY_S + 0.5)
                    + (2 * (DURATION_S + 0.5) + 2 * ROUNDS * (LATENCY_S + 0.5) if wanted_lists else 0)
                    + (ATTENDANCE_SHEETS * 2 if wanted(ATTENDANCE) else 0)
                ) + ((6 * (PROFILE_S + 1) + 2 * ROUNDS * (DURATION_S + 0.5)) if PROFILE and 1 in WORKERS else 0)  # fmt: skip
                say(
                    f"{len(paired)} paired scenarios, {ROUNDS} rounds: about {expected / 60:.0f} minutes of load"
                )
            for scenario in paired:
                same_answers((ours, raw), scenario, next_owner, database_url)
                next_owner += 2
            for round_ in range(1, ROUNDS + 1):
                for scenario in paired:
                    # Which of the two goes first alternates, so that neither always runs on a warmer cache.
                    for server in (ours, raw) if round_ % 2 else (raw, ours):
                        args = None
                        if scenario.family == POST:  # every POST a new record, never a duplicate
                            args = (*scenario.args[:-1], str(next_owner))
                            next_owner += 1_000_000
                        results.append(measure(server, scenario, workers, round_=round_, args=args))

            latency = [
                Scenario(BY_OWNER, "", REALIZED, "by_owner.lua", (REALIZED, str(OWNERS))),
                Scenario(
                    COUNT, "",
                    f"{REALIZED}?sessionEndOnAfter=2020-01-01&sessionEndOnBefore=2021-01-01&fields.root=count&limit=0",
                ),
            ]  # fmt: skip
            for scenario in latency:
                if wanted(scenario.name):
                    results.append(measure(ours, scenario, workers))
                    results.append(measure(ours, scenario, workers, clients=1))
            # The deep page is judged against the first page: their one-client latencies alternate too.
            pages = [s for s in paired if s.name in (FIRST_REALIZED, DEEP_REALIZED)]
            for round_ in range(1, ROUNDS + 1):
                for scenario in pages:
                    results.append(measure(ours, scenario, workers, clients=1, round_=round_))
            if wanted_lists or wanted(ATTENDANCE):
                asyncio.run(_reset_attendance(database_url, workflow_facts))  # the workflow account as loaded
                crew = Server(OURS, ours.base, ours.pids, workflow_headers)
                if wanted_lists:
                    if not demand_lists:
                        say("reading the training-demand lists' sizes and deep cursors")
                        demand_lists = workflow.demand_lists(crew.base, crew.headers, workflow_facts, DEEP)
                    workflow.warm(
                        crew.base, crew.headers, [p for d in demand_lists for p in (d.first, d.deep)]
                    )
                    results += _demand_lists(crew, demand_lists, workers)
                    if not breakdown:
                        breakdown = _breakdown(crew, demand_lists, workers)
                if wanted(ATTENDANCE):
                    results += _attendance(crew, workflow_facts, database_url, workers)
            if PROFILE and workers == 1:
                profiles = _profile((ours, raw), loaded, training, next_owner)
                next_owner += 2_000_000
                get_one = next((s for s in paired if s.family == GET_ONE), None)
                if get_one is not None:
                    results += _without_metrics(ours, command, env, get_one)

    if not ONLY or wanted("prism"):
        port = free_port()
        command = [prism, "mock", "--host", "127.0.0.1", "--port", str(port), "--errors", "false", str(SPEC)]
        with serving(command, dict(os.environ), port, "/") as process:
            pids = [p for p in process_tree(process.pid) if memory_mb(p)[0] > 30][-1:]
            server = Server(PRISM, f"http://127.0.0.1:{port}", pids, headers)
            scenario = Scenario(
                f"{GET_ONE} realized training", GET_ONE, REALIZED + "/", "get_by_id.lua",
                (REALIZED + "/", "1", "1000000"),
            )  # fmt: skip
            try:
                results.append(measure(server, scenario, 1))
            except RuntimeError as error:  # Prism is context only: its failure loses no figure of ours
                say(f"no figure for Prism: {error}")

    if wanted_lists or wanted(ATTENDANCE):
        asyncio.run(_reset_attendance(database_url, workflow_facts))  # left as loaded, for BENCH_REUSE=1
    say("EXPLAIN ANALYZE of the list queries")
    plans = asyncio.run(explain_list_queries(database_url, loaded.account_id, deep_ids))
    statement_times: list[StatementTimes] = []
    if demand_lists:
        demand_plans, statement_times = asyncio.run(
            explain_demand_lists(database_url, workflow_facts.account_id, demand_lists)
        )
        plans |= demand_plans
    versions = dict(prepared["versions"])
    versions.update(
        python=platform.python_version(),
        wrk=subprocess.run(
            [wrk_binary, "--version"], capture_output=True, text=True, check=False
        ).stdout.splitlines()[0],
        prism=run(prism, "--version").strip(),
        node=run("node", "--version").strip(),
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.json").write_text(json.dumps([asdict(r) for r in results], indent=1))
    default = RESULTS / "benchmarks.md" if ONLY else ROOT / "docs" / "benchmarks.md"
    out = write_report(
        Path(os.environ.get("BENCH_REPORT", default)),
        results=results,
        scenarios=paired,
        profiles=profiles,
        plans=plans,
        versions=versions,
        data=DATA,
        load_seconds=float(prepared["load_seconds"]),
        duration_s=DURATION_S,
        latency_s=LATENCY_S,
        connections=CONNECTIONS,
        rounds=ROUNDS,
        workers=WORKERS,
        deep=DEEP,
        when=datetime.now(UTC),
        workflow=(
            WorkflowSection(
                WORKFLOW_DATA,
                float(prepared["workflow_seconds"]),
                workflow_facts.spread,
                demand_lists,
                breakdown,
                WORKERS[0],
                ATTENDANCE_SHEETS if wanted(ATTENDANCE) else 0,
                workflow_data.ATTENDANCE_SIZE,
                workflow.ATTENDED,
                statement_times,
            )
            if wanted_lists or wanted(ATTENDANCE)
            else None
        ),
    )
    if not ONLY or wanted("console"):
        say("the console's screens (bench/console.py)")
        bulk.put_section(out, console.main(), console.HEADING)
    if not ONLY or wanted("bulk"):
        say("bulk import and export (bench/bulk.py)")
        bulk.put_section(out, bulk.main())
    say(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
