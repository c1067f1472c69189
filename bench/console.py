"""The console's screens at production volume (issue 12: every screen ≤ 100 ms server time at 1 M records).

On the benchmark database of `make bench` (loaded if missing): the account `default` (1,000,000 realized
trainings) and the account `workflow` (1,000,000 training demands, 50,000 employees in 200 departments,
5,000 sessions, and an audit trail of AUDIT_EVENTS writes, added here if it has fewer). A user of each role signs in as a browser does, then every screen is asked for in turn:
the home page, each entry of the menu, and the pages of the same screen they link to (a detail, a form),
plus the heaviest cases named below (the employee with the most records, a manager with the largest team).

Each page: 2 warm-up requests, then REQUESTS sequential ones from one client over loopback; the time is the
client's, from request to the last byte, so an upper bound of the server's. Judged on the median.

    python -m bench.console        # writes its section of docs/benchmarks.md (BENCH_REPORT to change)
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import statistics
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx

from bench import bulk, workflow_data
from bench.bulk import ROOT
from talent_training.db.database import Database
from talent_training.users import service as users

HEADING = "## Console screens at scale (issue 12)"
TARGET_MS = 100.0
REQUESTS = int(os.environ.get("BENCH_CONSOLE_REQUESTS", "15"))
PER_SCREEN = 5  # pages of one menu entry: the list, and a few of the pages it links to
PASSWORD = "bench console password"
_LINK = re.compile(r'<a [^>]*href="(/console[^"#]*)"')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_SKIPPED = re.compile(r"\.(csv|xlsx)(\?|$)|[?&](lang|format)=|/sign-out|/static/|/print$")


@dataclass(frozen=True)
class Visitor:
    account: str
    email: str
    role: str
    employee_id: int | None = None
    team: int | None = None  # a manager's: how many people are below them


@dataclass
class Timing:
    visitor: Visitor
    address: str
    status: int
    p50_ms: float
    max_ms: float
    size_kb: float


# The recent writes of the workflow account: a million, of a few API keys and users, one every 30 seconds back
# from now, in proportions an HR year could have (most of them records and demands, few users). The filters a
# page of recent writes is asked for, by resource type and by actor: common, rare, absent, and combined.
AUDIT_EVENTS = 1_000_000
_AUDIT_TRAIL = """
INSERT INTO audit_events (account_id, occurred_at, actor, resource_type, resource_id, action, changes)
SELECT $1, now() - ($2 - g) * interval '30 seconds',
  CASE WHEN g % 10 < 6 THEN 'key:sync-hr' WHEN g % 10 < 9 THEN 'key:lms' ELSE 'user:hr' || (g % 7) || '@example.com' END,
  CASE WHEN g % 1000 < 700 THEN 'realized-training' WHEN g % 1000 < 900 THEN 'training-demand'
       WHEN g % 1000 < 980 THEN 'employee' WHEN g % 1000 < 995 THEN 'training' WHEN g % 1000 < 998 THEN 'session'
       ELSE 'user' END,
  g, CASE WHEN g % 3 = 0 THEN 'update' ELSE 'create' END, '{}'::json
FROM generate_series(1, $2) AS g
"""
AUDIT_FILTERS = [
    f"/console/admin/audit?{query}"
    for query in (
        "resourceType=realized-training",
        "resourceType=user",
        "resourceType=plan",
        "actor=key%3Alms",
        "actor=user%3Ahr3%40example.com",
        "resourceType=training&actor=user%3Ahr3%40example.com",
    )
]


async def _audit_trail(url: str, account_id: int) -> int:
    """The account's audit events, made AUDIT_EVENTS if there are fewer; how many there are."""
    connection = await asyncpg.connect(url)
    try:
        found = int(
            await connection.fetchval("SELECT count(*) FROM audit_events WHERE account_id = $1", account_id)
        )
        if found < AUDIT_EVENTS:
            await connection.execute(_AUDIT_TRAIL, account_id, AUDIT_EVENTS - found)
            await connection.execute("ANALYZE audit_events")
        return max(found, AUDIT_EVENTS)
    finally:
        await connection.close()


# Every manager and how many people are below them, at any depth (the chains of command, counted).
_TEAM_SIZES = """
SELECT manager_id AS manager, count(*) AS size FROM employee_chains WHERE account_id = $1
GROUP BY manager_id ORDER BY size DESC, manager_id
"""


async def _managers(url: str, account_id: int) -> list[tuple[int, int]]:
    """(manager, team size): the head of the company (everyone is below them), the manager with the largest
    team under them (a department's head), and the team lead with the largest team of those who manage
    only a few people (whose team the lists read as ids, directory's SMALL_TEAM)."""
    connection = await asyncpg.connect(url)
    try:
        sizes = [(row["manager"], row["size"]) for row in await connection.fetch(_TEAM_SIZES, account_id)]
    finally:
        await connection.close()
    return [*sizes[:2], next(pair for pair in sizes if pair[1] <= 10)]


async def _busiest(url: str, account_id: int) -> tuple[int, int]:
    """The employee with the most realized trainings in the account, and how many."""
    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(
            "SELECT owner_id, count(*) AS n FROM realized_trainings WHERE account_id = $1 "
            "GROUP BY owner_id ORDER BY n DESC LIMIT 1",
            account_id,
        )
        return int(row["owner_id"]), int(row["n"])
    finally:
        await connection.close()


async def _users(engine_url: str, visitors: list[Visitor]) -> None:
    database = Database.connect(engine_url, pool_size=1)
    try:
        async with database.transaction() as tx:
            for visitor in visitors:
                if await users.find_user(tx, visitor.email) is None:
                    await users.create_user(
                        tx,
                        account=visitor.account,
                        email=visitor.email,
                        name=visitor.role,
                        role=visitor.role,
                        employee_id=visitor.employee_id,
                        password=PASSWORD,
                        by="bench",
                    )
    finally:
        await database.dispose()


def _signed_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=60)
    form = client.get("/console/sign-in")
    token = _CSRF.search(form.text)
    assert token is not None, form.text
    answer = client.post(
        "/console/sign-in", data={"csrf": token.group(1), "email": email, "password": PASSWORD, "next": ""}
    )
    assert answer.status_code == 303, answer.text
    return client


def _pages(client: httpx.Client, extra: list[str]) -> list[str]:
    """The home page, every entry of the menu and what each links to within its screen (a path once)."""
    home = client.get("/console")
    menu = re.findall(r'<nav class="screens".*?</nav>', home.text, re.S)
    entries = _LINK.findall(menu[0]) if menu else []
    found, seen = ["/console"], {"/console"}
    for entry in entries:
        queue, taken = [entry], 0
        while queue and taken < PER_SCREEN:
            address = html.unescape(queue.pop(0))
            path = urlsplit(address).path
            if path in seen or _SKIPPED.search(address):
                continue
            seen.add(path)
            answer = client.get(address)
            if answer.status_code != 200:
                continue
            found.append(address)
            taken += 1
            main = answer.text.split('<main id="main">', 1)[-1]
            queue += [link for link in _LINK.findall(main) if link.startswith(entry)]
    return found + [address for address in extra if address not in found]


def _time(client: httpx.Client, visitor: Visitor, address: str) -> Timing:
    for _ in range(2):
        client.get(address)
    times, status, size = [], 0, 0
    for _ in range(REQUESTS):
        started = time.perf_counter()
        answer = client.get(address)
        times.append((time.perf_counter() - started) * 1000)
        status, size = answer.status_code, len(answer.content)
    return Timing(visitor, address, status, statistics.median(times), max(times), size / 1024)


def measure() -> list[Timing]:
    # bench/run.py runs this module within `make bench`: imported here, not above, to avoid the cycle.
    from bench.run import BIN, free_port, fresh_database, postgres_server, prepare, say, wait_until_up

    server_url = postgres_server()
    database_url, reuse = asyncio.run(fresh_database(server_url, True))
    prepared = asyncio.run(prepare(database_url, reuse))
    engine_url = database_url.replace("postgresql://", "postgresql+asyncpg://")
    flow: workflow_data.Workflow = prepared["workflow"]
    (top, top_size), (head, head_size), (lead, lead_size) = asyncio.run(
        _managers(database_url, flow.account_id)
    )
    say(
        f"console: managers {lead} ({lead_size} below), {head} ({head_size}) and {top} (the head: {top_size})"
    )
    busiest, records = asyncio.run(_busiest(database_url, flow.account_id))
    say(f"console: the workflow account's busiest employee {busiest} has {records} realized trainings")
    events = asyncio.run(_audit_trail(database_url, flow.account_id))
    say(f"console: the workflow account's audit trail has {events:,} events")
    visitors = [
        Visitor("default", "bench-hr@example.com", "hr-admin"),
        Visitor(workflow_data.ACCOUNT, "bench-workflow-hr@example.com", "hr-admin"),
        # An email per employee: a user kept from an earlier run is linked to the same manager.
        Visitor(workflow_data.ACCOUNT, f"bench-manager-{lead}@example.com", "manager", lead, lead_size),
        Visitor(workflow_data.ACCOUNT, f"bench-manager-{head}@example.com", "manager", head, head_size),
        Visitor(workflow_data.ACCOUNT, f"bench-manager-{top}@example.com", "manager", top, top_size),
        Visitor(workflow_data.ACCOUNT, "bench-auditor@example.com", "auditor"),
    ]
    asyncio.run(_users(engine_url, visitors))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "talent-training"), "serve", "--no-migrate", "--no-access-log", "--port", str(port),
        "--workers", "1",
    ]  # fmt: skip
    env = {**os.environ, "TALENT_TRAINING_DATABASE_URL": engine_url, "TALENT_TRAINING_IMPORT_JOBS": "false"}
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    timings: list[Timing] = []
    try:
        wait_until_up(f"{base}/health")
        for visitor in visitors:
            extra = (
                [f"/console/employees/{busiest}", *AUDIT_FILTERS]
                if visitor.account == workflow_data.ACCOUNT
                else []
            )
            if visitor.role == "manager":
                extra = []
            client = _signed_in(base, visitor.email)
            try:
                pages = _pages(client, extra)
                say(f"console: {visitor.email}: {len(pages)} pages")
                timings += [_time(client, visitor, address) for address in pages]
            finally:
                client.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return timings


def _role(visitor: Visitor) -> str:
    return visitor.role if visitor.team is None else f"{visitor.role} of {visitor.team:,}"


def report(timings: list[Timing]) -> str:
    met = [t for t in timings if t.status == 200 and t.p50_ms <= TARGET_MS]
    lines = [
        HEADING,
        "",
        "Every screen of the console as each role reaches it (the menu, and the pages each screen links to), on "
        "the benchmark database: the account `default` (1,000,000 realized trainings) and `workflow` "
        f"(1,000,000 training demands, 50,000 employees, 5,000 sessions, {AUDIT_EVENTS:,} audit events: recent "
        "writes are also asked for filtered by resource type and actor). One client, sequential requests "
        f"over loopback, {REQUESTS} per page after 2 warm-up ones; 1 worker (`python -m bench.console`).",
        "",
        f"**{len(met)} of {len(timings)} pages met the target** (median ≤ {TARGET_MS:.0f} ms, answered 200).",
        "",
        "A manager sees their team (everyone below them in the directory): three are measured, a team lead "
        "(a few people, read as their ids), the manager with the largest team below the head of the company "
        "(a department's head), and the head, whose team is the whole company (both joined from the chains "
        "of command).",
        "",
        "| account | role | page | status | median ms | slowest ms | KiB | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in timings:
        verdict = "**met**" if t in met else "**missed**"
        lines.append(
            f"| {t.visitor.account} | {_role(t.visitor)} | `{t.address}` | {t.status} | {t.p50_ms:.1f} | "
            f"{t.max_ms:.1f} | {t.size_kb:.0f} | {verdict} |"
        )
    lines += ["", f"Measured on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on this machine."]
    return "\n".join(lines) + "\n"


def main() -> str:
    text = report(measure())
    print(text)
    return text


if __name__ == "__main__":
    bulk.put_section(Path(os.environ.get("BENCH_REPORT", ROOT / "docs" / "benchmarks.md")), main(), HEADING)
