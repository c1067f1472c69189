"""The training workflow at the scale of issue 10, in an account of its own (`workflow`), so that the other
scenarios' account is untouched: 200 departments of uneven sizes, 12 establishments, 50,000 employees (with
managers), a catalog of 2,000 trainings, yearly plans, 5,000 sessions over four years and the next six
months, and 1,000,000 training demands in every state, each consistent with the contract
(../shared/workflow.md): a registered or realized demand is on a session of its own training and in that
session's plan (one per employee and session), a session's counters count the demands and records on it, a
realized demand has its realized training (and an absent one went back to `Requested` with a `hasAttended:
false` record), only an ended session is Closed and only once all its registrations are confirmed, the
owner's department and establishment are copied onto each demand. Loaded with PostgreSQL COPY (about 70 s).

Five sessions are kept for the attendance scenario: ended last week, still `Open`, 500 registered demands
each (500 different owners). `reset_attendance` puts them back as loaded after a run confirmed them."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any

import asyncpg

from bench.generate import _account, _catalog
from talent_training.db.database import Database
from talent_training.directory import repository as directory
from talent_training.kit.text import fold

ACCOUNT = "workflow"
DEMANDS = 1_000_000
EMPLOYEES = 50_000
DEPARTMENTS = 200
ESTABLISHMENTS = 12
SESSIONS = 5_000
CATALOG = (2_000, 100, 40)  # trainings, providers, categories
ATTENDANCE_SESSIONS = 5
ATTENDANCE_SIZE = 500
# Which share of the demands is in which state (state, status): the lists' filter `Requested,Registered`
# keeps about 45 % of them.
SPREAD = (
    (("Requested", "PendingApproval"), 0.24),
    (("Requested", "PendingRegistration"), 0.12),
    (("Registered", "Registered"), 0.09),
    (("Realized", "Realized"), 0.43),
    (("Invalid", "Refused"), 0.12),
)
ABSENT = (
    0.05  # of the demands confirmed on a past session: back to Requested, with a hasAttended false record
)
RANK_WEIGHTS = (0.55, 0.2, 0.15, 0.1)  # none, Low, Medium, High
LEVELS = ("not", "Low", "Medium", "High")
WORKFLOW_DATA = (
    f"{DEMANDS:,} training demands of {EMPLOYEES:,} employees"
    f" in {DEPARTMENTS} departments (of uneven sizes) and {ESTABLISHMENTS} establishments, {SESSIONS:,} sessions"
    f" over four years and the next six months, a catalog of {CATALOG[0]:,} trainings"
)

FIRST_NAMES = (
    "Élodie", "Zoé", "François", "Anaïs", "Jérôme", "Camille", "Lucas", "Chloé", "Hugo", "Léa", "Noé", "Inès",
    "Théo", "Manon", "Gaël", "Maëlys", "Louis", "Emma", "Jules", "Sarah", "Raphaël", "Agnès", "Loïc", "Hélène",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Müller", "Fournier",
    "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Faure", "Nguyễn", "Côté",
)  # fmt: skip
REASONS = (
    "Needed for the new project",
    "Asked for at the yearly review",
    "Certification required by the client",
    "Career move planned next year",
    None,
    None,
)
REFUSALS = ("Not in this year's budget", "Already trained on this subject", "A colleague's session covers it")

DEMAND_COLUMNS = [
    "id", "account_id", "owner_id", "author_id", "training_id", "reason", "state", "status", "plan_id",
    "session_id", "session_ends_on", "registered_on", "prioritization_rank", "prioritized_at", "refusal_reason",
    "owner_department_id", "owner_establishment_id", "created_at", "updated_at",
]  # fmt: skip
SESSION_COLUMNS = [
    "id", "account_id", "training_id", "plan_id", "start_on", "end_on", "duration_hundredths", "capacity",
    "is_on_site", "is_remote", "address", "remote_url", "status", "registered_count", "created_at",
    "updated_at",
]  # fmt: skip
REALIZED_COLUMNS = [
    "account_id", "owner_id", "training_id", "session_starts_on", "session_ends_on", "duration_hundredths",
    "has_attended", "training_demand_id", "session_id", "created_at",
]  # fmt: skip


@dataclass(frozen=True)
class Workflow:
    """What the workflow scenarios need of the loaded account."""

    account_id: int
    demands: int
    departments_by_size: list[tuple[int, int]]  # (department, employees), largest first
    attendance_sessions: list[int]
    spread: str  # the demands' states and priorities, in words


@dataclass
class _Session:
    id: int
    training_id: int
    plan_id: int
    start_on: date
    end_on: date
    duration: int
    status: str


def _at(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(8), UTC) + timedelta(seconds=rng.randrange(10 * 3600))


async def _max_id(connection: asyncpg.Connection, table: str) -> int:
    return int(await connection.fetchval(f"SELECT coalesce(max(id), 0) FROM {table}"))


async def _follow_sequence(connection: asyncpg.Connection, table: str) -> None:
    """Rows copied with their ids: the sequence goes on after them."""
    await connection.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
    )


async def loaded(connection: asyncpg.Connection) -> bool:
    if not await connection.fetchval("SELECT to_regclass('training_demands') IS NOT NULL"):
        return False
    account = await connection.fetchval("SELECT id FROM accounts WHERE name = $1", ACCOUNT)
    if account is None:
        return False
    return bool(
        await connection.fetchval(
            "SELECT EXISTS (SELECT 1 FROM training_demands WHERE account_id = $1)", account
        )
    )


async def load(connection: asyncpg.Connection, seed: int = 20261210) -> None:
    """Load the workflow account (the schema migrated, the account not loaded yet); the caller runs VACUUM
    ANALYZE afterwards."""
    rng = random.Random(seed)
    today = date.today()
    now = datetime.now(UTC)
    account = await _account(connection, ACCOUNT)
    trainings = await _catalog(connection, account, CATALOG, rng)

    # Directory -------------------------------------------------------------------------------------------
    await connection.copy_records_to_table(
        "departments",
        records=[(account, n, f"Department {n:03}", now, now) for n in range(1, DEPARTMENTS + 1)],
        columns=["account_id", "id", "name", "created_at", "updated_at"],
    )
    await connection.copy_records_to_table(
        "establishments",
        records=[(account, n, f"Establishment {n:02}", now, now) for n in range(1, ESTABLISHMENTS + 1)],
        columns=["account_id", "id", "name", "created_at", "updated_at"],
    )
    weights = [rng.lognormvariate(0, 0.8) for _ in range(DEPARTMENTS)]
    department_of: dict[int, int | None] = {}
    members: dict[int, list[int]] = {}
    for employee in range(1, EMPLOYEES + 1):
        department = None if rng.random() < 0.005 else rng.choices(range(1, DEPARTMENTS + 1), weights)[0]
        department_of[employee] = department
        if department is not None:
            members.setdefault(department, []).append(employee)
    # A tree: employee 1 heads the company, each department has a head, teams of about 8 have a lead.
    manager_of: dict[int, int | None] = dict.fromkeys(department_of)
    for people in members.values():
        for n, employee in enumerate(people):
            if n == 0:
                manager_of[employee] = None if employee == 1 else 1
            elif n % 8 == 1:
                manager_of[employee] = people[0]
            else:
                manager_of[employee] = people[1 + 8 * ((n - 1) // 8)]
    establishment_of = {
        e: None if rng.random() < 0.01 else rng.randint(1, ESTABLISHMENTS) for e in department_of
    }
    employees = []
    for employee in range(1, EMPLOYEES + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        login = f"{fold(first)}.{fold(last)}.{employee}".replace(" ", "-")
        email = f"{login}@workflow.example"
        hired = today - timedelta(days=rng.randrange(30, 15 * 365))
        left = hired + timedelta(days=rng.randrange((today - hired).days)) if rng.random() < 0.03 else None
        search = fold("\n".join((f"{first} {last}\n{last} {first}", login, email)))
        employees.append(
            (
                account, employee, login, first, last, email, department_of[employee],
                establishment_of[employee], manager_of[employee], hired, left, search, now, now,
            )
        )  # fmt: skip
    await connection.copy_records_to_table(
        "employees",
        records=employees,
        columns=[
            "account_id", "id", "login", "first_name", "last_name", "email", "department_id",
            "establishment_id", "manager_id", "hired_on", "left_on", "search_text", "created_at", "updated_at",
        ],
    )  # fmt: skip
    hr = members[max(members, key=lambda d: len(members[d]))][:5]  # who writes demands for others

    # Plans and sessions ------------------------------------------------------------------------------------
    first_plan = await _max_id(connection, "plans") + 1
    years = range(today.year - 4, today.year + 2)
    plan_of_year = {year: first_plan + n for n, year in enumerate(years)}
    await connection.copy_records_to_table(
        "plans",
        records=[
            (plan, account, f"Plan {year}", date(year, 1, 1), date(year, 12, 31), now)
            for year, plan in plan_of_year.items()
        ],
        columns=["id", "account_id", "name", "start_on", "end_on", "created_at"],
    )
    await _follow_sequence(connection, "plans")

    first_session = await _max_id(connection, "training_sessions") + 1
    # The attendance sessions' trainings have no other session: their records can never collide.
    reserved, ordinary = trainings[-ATTENDANCE_SESSIONS:], trainings[:-ATTENDANCE_SESSIONS]
    earliest, span = today - timedelta(days=4 * 365), 4 * 365 + 180
    sessions: list[_Session] = []
    for n in range(SESSIONS - ATTENDANCE_SESSIONS):
        start = earliest + timedelta(days=rng.randrange(span))
        end = start + timedelta(days=rng.choice((0, 0, 1, 1, 2, 4)))
        if end < today - timedelta(days=60):
            status = "Closed"  # attendance taken
        elif start > today and rng.random() < 0.1:
            status = "Draft"
        else:
            status = "Open"  # coming, running, or over and awaiting attendance
        sessions.append(
            _Session(
                first_session + n, rng.choice(ordinary), plan_of_year[start.year], start, end,
                rng.randint(1, 14) * 50 * ((end - start).days + 1), status,
            )
        )  # fmt: skip
    for n, training in enumerate(reserved):
        end = today - timedelta(days=7 + n)
        start = end - timedelta(days=1)
        sessions.append(
            _Session(
                first_session + len(sessions), training, plan_of_year[start.year], start, end, 1400, "Open"
            )
        )  # fmt: skip
    closed = [s for s in sessions if s.status == "Closed"]
    open_ = [s for s in sessions if s.status == "Open" and s.training_id not in reserved]
    attendance = sessions[-ATTENDANCE_SESSIONS:]

    # Demands ---------------------------------------------------------------------------------------------
    taken: set[tuple[int, int, date]] = set()

    def owner_on(session: _Session) -> int:
        """One demand per employee, training and last day among the demands on sessions: each one's realized
        training (one per owner, training and last day) is always possible."""
        while True:
            owner = rng.randint(1, EMPLOYEES)
            if (owner, session.training_id, session.end_on) not in taken:
                taken.add((owner, session.training_id, session.end_on))
                return owner

    def author(owner: int) -> int:
        draw = rng.random()
        manager = manager_of[owner]
        if draw < 0.15 and manager is not None:
            return manager
        if draw < 0.25:
            return rng.choice(hr)
        return owner

    def rank() -> int:
        return rng.choices((0, 1, 2, 3), RANK_WEIGHTS)[0]

    demands: list[list[Any]] = []
    realized_of: dict[int, tuple[_Session, bool]] = {}  # demand index -> (session, attended)
    states = [kind for kind, _ in SPREAD]
    shares = [share for _, share in SPREAD]
    reserved_count = ATTENDANCE_SESSIONS * ATTENDANCE_SIZE
    drawn = rng.choices(states, shares, k=DEMANDS - reserved_count)
    drawn += [("Registered", "Registered")] * reserved_count
    for n, (state, status) in enumerate(drawn):
        session: _Session | None = None
        plan: int | None = None
        registered_on: date | None = None
        refusal = None
        level = rank()
        if n >= DEMANDS - reserved_count:
            session = attendance[(n - (DEMANDS - reserved_count)) // ATTENDANCE_SIZE]
        elif state == "Realized":
            session = rng.choice(closed)
        elif state == "Registered":
            session = rng.choice(open_)
        if session is not None:
            owner = owner_on(session)
            training = session.training_id
            plan = session.plan_id
            before = 14 if n >= DEMANDS - reserved_count else rng.randint(1, 60)  # 14: reset_attendance
            registered_on = min(session.start_on - timedelta(days=before), today)
            created = _at(registered_on - timedelta(days=rng.randint(0, 90)), rng)
            if state == "Realized" and rng.random() < ABSENT:  # absent: back to Requested, off the session
                state, status = "Requested", "PendingRegistration"
                realized_of[n] = (session, False)
                session, registered_on = None, None
            elif state == "Realized":
                realized_of[n] = (session, True)
        else:
            owner = rng.randint(1, EMPLOYEES)
            training = rng.choice(ordinary)
            if state == "Invalid":
                created = _at(today - timedelta(days=rng.randrange(4 * 365)), rng)
                refusal = rng.choice(REFUSALS)
                plan = plan_of_year[created.year] if rng.random() < 0.2 else None
                level = 0 if rng.random() < 0.8 else level
            else:
                created = _at(today - timedelta(days=rng.randrange(540)), rng)
                if status == "PendingRegistration":
                    plan = plan_of_year[min(today.year + rng.randint(0, 1), years[-1])]
        prioritized = created + timedelta(days=rng.randint(0, 30)) if level else None
        if prioritized is not None and prioritized > now:
            prioritized = now
        updated = max(created, prioritized or created)
        demands.append(
            [
                None, account, owner, author(owner), training, rng.choice(REASONS), state, status, plan,
                None if session is None else session.id, None if session is None or state != "Registered" else session.end_on,
                registered_on, level, prioritized, refusal,
                department_of[owner], establishment_of[owner], created, updated,
            ]
        )  # fmt: skip

    # Ids in the order demands were made, as the sequence would have given them.
    created_at = DEMAND_COLUMNS.index("created_at")
    order = sorted(range(DEMANDS), key=lambda n: demands[n][created_at])
    first_demand = await _max_id(connection, "training_demands") + 1
    for position, n in enumerate(order):
        demands[n][0] = first_demand + position

    counts = Counter(d[9] for d in demands if d[9] is not None)
    session_rows = []
    for s in sessions:
        registered = counts.get(s.id, 0)
        capacity = None if rng.random() < 0.4 else max(registered, rng.randint(8, 30))
        if s.training_id in reserved:
            capacity = ATTENDANCE_SIZE
        on_site = rng.random() < 0.7
        remote = not on_site or rng.random() < 0.2
        session_rows.append(
            (
                s.id, account, s.training_id, s.plan_id, s.start_on, s.end_on, s.duration, capacity, on_site,
                remote, f"{rng.randint(1, 200)} rue de la Formation, Paris" if on_site else None,
                f"https://meet.example/{s.id}" if remote else None, s.status, registered, now, now,
            )
        )  # fmt: skip
    await connection.copy_records_to_table("training_sessions", records=session_rows, columns=SESSION_COLUMNS)
    await _follow_sequence(connection, "training_sessions")
    # Statistics of the tables the demands reference, before their million foreign-key checks: a table
    # analyzed while empty (a database vacuumed before this load) would have each check scan it whole.
    await connection.execute(
        "ANALYZE departments, establishments, employees, plans, training_sessions, trainings, providers, categories"
    )
    await connection.copy_records_to_table(
        "training_demands", records=[tuple(d) for d in (demands[n] for n in order)], columns=DEMAND_COLUMNS
    )
    await _follow_sequence(connection, "training_demands")
    records = []
    for n, (s, attended) in sorted(realized_of.items(), key=lambda item: demands[item[0]][0]):
        confirmed = datetime.combine(s.end_on + timedelta(days=rng.randint(1, 20)), time(17), UTC)
        demand = demands[n]
        records.append(
            (
                account,
                demand[2],
                s.training_id,
                s.start_on,
                s.end_on,
                s.duration,
                attended,
                demand[0],
                s.id,
                confirmed,
            )
        )
    await connection.copy_records_to_table("realized_trainings", records=records, columns=REALIZED_COLUMNS)
    await _recount(connection, account)


async def _recount(
    connection: asyncpg.Connection, account_id: int, sessions: list[int] | None = None
) -> None:
    """Sessions' counters from the rows they count: the demands registered on it (Registered or Realized),
    those confirmed present (Realized) and the realized trainings recorded from it, present or absent
    (planning/tables.py; the last two only where the schema has them). Set-based: one pass over each table,
    whatever the statistics."""
    columns = {
        row["column_name"]
        for row in await connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'training_sessions'"
        )
    }
    only = "" if sessions is None else " AND session_id = ANY($2::integer[])"
    counters = {
        "registered_count": "coalesce(d.registered, 0)",
        "confirmed_count": "coalesce(d.confirmed, 0)",
        "recorded_count": "coalesce(r.recorded, 0)",
    }
    assignments = ", ".join(f"{column} = {value}" for column, value in counters.items() if column in columns)
    statement = (
        "WITH d AS (SELECT session_id, count(*) AS registered, count(*) FILTER (WHERE state = 'Realized')"
        f" AS confirmed FROM training_demands WHERE account_id = $1 AND session_id IS NOT NULL{only}"
        " GROUP BY session_id),"
        " r AS (SELECT session_id, count(*) AS recorded FROM realized_trainings"
        f" WHERE account_id = $1 AND session_id IS NOT NULL{only} GROUP BY session_id)"
        f" UPDATE training_sessions s SET {assignments}"
        " FROM training_sessions t LEFT JOIN d ON d.session_id = t.id LEFT JOIN r ON r.session_id = t.id"
        f" WHERE s.account_id = $1 AND t.account_id = $1 AND t.id = s.id{only.replace('session_id', 's.id')}"
    )
    await connection.execute(statement, account_id, *([] if sessions is None else [sessions]))


async def describe(connection: asyncpg.Connection) -> Workflow:
    account = int(await connection.fetchval("SELECT id FROM accounts WHERE name = $1", ACCOUNT))
    sizes = await connection.fetch(
        "SELECT department_id, count(*) AS n FROM employees WHERE account_id = $1 AND department_id IS NOT NULL"
        " GROUP BY department_id ORDER BY n DESC, department_id",
        account,
    )
    attendance = await connection.fetch(
        "SELECT id FROM training_sessions WHERE account_id = $1 ORDER BY id DESC LIMIT $2",
        account,
        ATTENDANCE_SESSIONS,
    )
    states = await connection.fetch(
        "SELECT state, status, count(*) AS n FROM training_demands WHERE account_id = $1"
        " GROUP BY state, status ORDER BY n DESC",
        account,
    )
    ranks = await connection.fetch(
        "SELECT prioritization_rank AS rank, count(*) AS n FROM training_demands WHERE account_id = $1"
        " GROUP BY prioritization_rank ORDER BY prioritization_rank",
        account,
    )
    demands = sum(row["n"] for row in states)
    spread = (
        "Demands: "
        + ", ".join(f"{row['state']}/{row['status']} {row['n'] / demands:.0%}" for row in states)
        + "; prioritised "
        + ", ".join(f"{LEVELS[row['rank']]} {row['n'] / demands:.0%}" for row in ranks)
        + f". Departments' sizes vary (log-normal weights): {sizes[-1]['n']:,} to {sizes[0]['n']:,} employees."
    )
    return Workflow(
        account,
        demands,
        [(row["department_id"], row["n"]) for row in sizes],
        sorted(row["id"] for row in attendance),
        spread,
    )


async def reset_attendance(connection: asyncpg.Connection, workflow: Workflow) -> int:
    """The attendance sessions as loaded: their confirmed demands registered again, the records and the
    audit rows that confirmation made deleted, the seats counted again. The number of demands put back."""
    account, sessions = workflow.account_id, workflow.attendance_sessions
    async with connection.transaction():
        put_back = await connection.fetchval(
            "WITH back AS ("
            " UPDATE training_demands d SET state = 'Registered', status = 'Registered',"
            " session_id = r.session_id, session_ends_on = s.end_on, registered_on = s.start_on - 14,"
            " updated_at = now()"
            " FROM realized_trainings r JOIN training_sessions s ON s.account_id = r.account_id AND s.id = r.session_id"
            " WHERE r.account_id = $1 AND r.session_id = ANY($2::integer[])"
            " AND d.account_id = $1 AND d.id = r.training_demand_id RETURNING d.id)"
            " SELECT count(*) FROM back",
            account,
            sessions,
        )
        await connection.execute(
            "DELETE FROM realized_trainings WHERE account_id = $1 AND session_id = ANY($2::integer[])",
            account,
            sessions,
        )
        await connection.execute(
            "DELETE FROM audit_events WHERE account_id = $1 AND resource_type = 'session'"
            " AND resource_id = ANY($2::integer[])",
            account,
            sessions,
        )
        await connection.execute(
            "UPDATE training_sessions SET status = 'Open' WHERE account_id = $1 AND id = ANY($2::integer[])",
            account,
            sessions,
        )
        await _recount(connection, account, sessions)
    return int(put_back)


async def _chains_of_command(dsn: str, account_id: int) -> None:
    """The directory was copied in behind the service's back: its chains of command are spelled out as an
    import of the directory would (directory/repository.py)."""
    database = Database.connect(dsn.replace("postgresql://", "postgresql+asyncpg://"), pool_size=1)
    try:
        async with database.transaction() as tx:
            await directory.rebuild_chains(tx, account_id)
    finally:
        await database.dispose()


async def load_into(dsn: str) -> float:
    """Load the workflow account into a migrated database that lacks it, then VACUUM ANALYZE (index-only
    scans, fresh statistics). The seconds it took, or 0.0 when it was loaded already."""
    connection = await asyncpg.connect(dsn)
    try:
        if await loaded(connection):
            return 0.0
        started = monotonic()
        await load(connection)
        await _chains_of_command(
            dsn, await connection.fetchval("SELECT id FROM accounts WHERE name = $1", ACCOUNT)
        )
        await connection.execute("VACUUM ANALYZE")
        return monotonic() - started
    finally:
        await connection.close()
