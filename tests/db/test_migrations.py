"""The migrations build exactly the schema the code describes, with the account leading every key."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import anyio
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from talent_training.db.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    migration_engine,
    upgrade,
)
from talent_training.schema import metadata
from tests.databases import PostgresDatabases, SQLiteDatabases

# api_keys are found by their prefix before any account is known, and so are users by their email, sessions
# and reset links by their token's digest (FOUND_BEFORE_ANY_ACCOUNT); service_secrets belong to no account.
ACCOUNT_SCOPED = (
    "providers",
    "categories",
    "trainings",
    "realized_trainings",
    "departments",
    "establishments",
    "employees",
    "employee_chains",
    "plans",
    "training_sessions",
    "training_demands",
    "import_jobs",
    "import_job_parts",
    "users",
    "user_sessions",
    "password_resets",
)
FOUND_BEFORE_ANY_ACCOUNT = {
    "uq_users_email_folded",
    "uq_user_sessions_token_sha256",
    "uq_password_resets_token_sha256",
}


async def inspect(database_url: str, work: Any) -> Any:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    differences = await inspect(
        database_url, lambda conn: compare_metadata(MigrationContext.configure(conn), metadata)
    )
    assert differences == []


def _checks(connection: sa.Connection) -> set[tuple[str, str | None]]:
    inspector = sa.inspect(connection)
    return {
        (table, check["name"])
        for table in inspector.get_table_names()
        for check in inspector.get_check_constraints(table)
    }


DECLARED_CHECKS = {
    (table.name, constraint.name)
    for table in metadata.tables.values()
    for constraint in table.constraints
    if isinstance(constraint, sa.CheckConstraint)
}


async def test_migrated_checks_are_the_models(database_url: str) -> None:
    # Alembic's comparison leaves CHECK constraints out: a check missing from a migration would go unseen.
    assert ("realized_trainings", "ck_realized_trainings_expiry") in DECLARED_CHECKS
    assert await inspect(database_url, _checks) == DECLARED_CHECKS


# A realized training as the importer's COPY writes it: the database itself refuses what the API refuses.
_REALIZED = (
    "INSERT INTO realized_trainings (account_id, owner_id, training_id, session_starts_on, session_ends_on,"
    " duration_hundredths, has_attended, created_at, cost_hundredths, cost_currency, expires_on)"
    " SELECT 1, :owner, t.id, '2025-01-04', '2025-01-05', 100, true, '2026-01-02 03:04:05+00', :cost,"
    " :currency, :expires FROM trainings t"
)


@pytest.mark.parametrize(
    ("cost", "currency", "expires", "accepted"),
    [
        (1250, "EUR", date(2027, 1, 1), True),
        (0, "EUR", date(2025, 1, 5), True),  # free, and valid for the last day only
        (None, None, None, True),
        (1250, None, None, False),
        (None, "EUR", None, False),
        (-1, "EUR", None, False),
        (None, None, date(2025, 1, 4), False),  # expires before the session ended
    ],
)
async def test_the_checks_refuse_what_the_api_refuses(
    database_url: str, cost: int | None, currency: str | None, expires: date | None, accepted: bool
) -> None:
    def insert(connection: sa.Connection) -> bool:
        for statement in _BEFORE[:3]:  # a training to refer to
            connection.execute(sa.text(statement))
        values = {"owner": 1, "cost": cost, "currency": currency, "expires": expires}
        try:
            with connection.begin_nested():
                inserted = connection.execute(sa.text(_REALIZED), values).rowcount
        except sa.exc.IntegrityError:
            return False
        assert inserted == 1
        return True

    assert await inspect(database_url, insert) is accepted


async def test_account_id_leads_every_index_and_unique_constraint(database_url: str) -> None:
    def keys(connection: sa.Connection) -> list[tuple[str, list[str]]]:
        inspector = sa.inspect(connection)
        found = []
        for table in ACCOUNT_SCOPED:
            found += [(ix["name"], ix["column_names"]) for ix in inspector.get_indexes(table)]
            found += [(uq["name"], uq["column_names"]) for uq in inspector.get_unique_constraints(table)]
        return found

    found = await inspect(database_url, keys)
    assert len(found) >= 30
    assert {name for name, _ in found} >= FOUND_BEFORE_ANY_ACCOUNT
    for name, columns in found:
        assert columns[0] == "account_id" or name in FOUND_BEFORE_ANY_ACCOUNT, name


async def test_a_fresh_database_has_the_default_account(database_url: str) -> None:
    names = await inspect(
        database_url, lambda conn: conn.execute(sa.text("SELECT name FROM accounts")).scalars().all()
    )
    assert names == ["default"]


def test_many_processes_migrating_at_once_all_succeed(
    databases: SQLiteDatabases | PostgresDatabases, tmp_path: Path
) -> None:
    url = databases.create_empty(tmp_path)
    env = {**os.environ, "TALENT_TRAINING_DATABASE_URL": url}
    executable = str(Path(sys.executable).parent / "talent-training")
    try:
        migrators = [
            subprocess.Popen(
                [executable, "migrate"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            for _ in range(6)
        ]
        errors = [process.communicate(timeout=120)[1] for process in migrators]

        assert [process.returncode for process in migrators] == [0] * 6, errors
        assert anyio.run(current_revision, url) == head_revision()
        names = anyio.run(
            inspect, url, lambda conn: conn.execute(sa.text("SELECT name FROM accounts")).scalars().all()
        )
        assert names == ["default"]
    finally:
        databases.drop(url)


# What a database at 0003 (before the training workflow) or 0004 (before costs and expiry dates) holds,
# written as those versions' code wrote it.
_BEFORE = [
    "INSERT INTO providers (account_id, name, website_href, created_at)"
    " VALUES (1, 'Élan', 'https://elan.example', '2026-01-02 03:04:05+00')",
    "INSERT INTO categories (account_id, name, name_translations, created_at)"
    """ VALUES (1, 'Langues', '{"Fr": "Langues"}', '2026-01-02 03:04:05+00')""",
    "INSERT INTO trainings (account_id, state, type, title, subtitle, description, level, is_certifying,"
    " is_mandatory, provider_id, category_id, search_text, created_at, updated_at)"
    " SELECT 1, 'Ready', 'External', 'Français', 's', 'd', 'Beginner', false, true, p.id, c.id,"
    " 'francais s d', '2026-01-02 03:04:05+00', '2026-01-02 03:04:05+00' FROM providers p, categories c",
    "INSERT INTO realized_trainings (account_id, owner_id, training_id, session_starts_on, session_ends_on,"
    " duration_hundredths, has_attended, created_at)"
    " SELECT 1, 416, t.id, '2025-01-04', '2025-01-05', 1450, true, '2026-01-02 03:04:05+00' FROM trainings t",
    "INSERT INTO realized_trainings (account_id, owner_id, training_id, session_starts_on, session_ends_on,"
    " duration_hundredths, has_attended, training_demand_id, session_id, created_at)"
    " SELECT 1, 417, t.id, '2025-03-01', '2025-03-01', 7, false, 12, 34, '2026-01-02 03:04:05+00'"
    " FROM trainings t",
]


def _read_back(connection: sa.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        name: [tuple(row) for row in connection.execute(sa.text(sql))] for name, sql in _READ_BACK.items()
    }


_READ_BACK = {
    "providers": "SELECT name, website_href FROM providers",
    "categories": "SELECT name, code FROM categories",
    "trainings": "SELECT title, level, is_mandatory FROM trainings",
    "realized_trainings": "SELECT owner_id, session_ends_on, duration_hundredths, has_attended,"
    " training_demand_id, session_id FROM realized_trainings ORDER BY owner_id",
    "realized_trainings_extensions": "SELECT cost_hundredths, cost_currency, expires_on"
    " FROM realized_trainings ORDER BY owner_id",
}


async def _at_with(url: str, revision: str, statements: list[str]) -> None:
    """The database migrated to `revision`, then holding what `statements` write (as that version's code
    wrote it)."""
    engine = migration_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.upgrade(alembic_config(c), revision))
            for statement in statements:
                await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("revision", ["0003", "0004"])
def test_upgrading_a_database_that_holds_data_loses_none_of_it(
    databases: SQLiteDatabases | PostgresDatabases, tmp_path: Path, revision: str
) -> None:
    url = databases.create_empty(tmp_path)
    try:
        anyio.run(_at_with, url, revision, _BEFORE)
        anyio.run(upgrade, url)
        assert anyio.run(current_revision, url) == head_revision()
        found = anyio.run(inspect, url, _read_back)
        assert found["providers"] == [("Élan", "https://elan.example")]
        assert found["categories"] == [("Langues", None)]  # the new optional code, absent
        assert [(title, level, bool(mandatory)) for title, level, mandatory in found["trainings"]] == [
            ("Français", "Beginner", True)
        ]
        assert [
            (owner, str(ends_on), hundredths, bool(attended), demand, session)
            for owner, ends_on, hundredths, attended, demand, session in found["realized_trainings"]
        ] == [(416, "2025-01-05", 1450, True, None, None), (417, "2025-03-01", 7, False, 12, 34)]
        # Costs and expiry dates (0005) are optional: absent from every record made before them.
        assert found["realized_trainings_extensions"] == [(None, None, None), (None, None, None)]
    finally:
        databases.drop(url)


# A directory of two accounts at 0008 (before the chains of command were kept): 1 heads 2, who heads 3 and 4;
# 5 has no manager; the other account's 1 heads its 2.
_DIRECTORY_BEFORE_CHAINS = [
    "INSERT INTO accounts (id, name, created_at) VALUES (2, 'other', '2026-01-01')",
    *(
        "INSERT INTO employees (account_id, id, login, first_name, last_name, manager_id, search_text,"
        f" created_at, updated_at) VALUES ({account}, {id}, 'e{id}', 'E', '{id}', {manager}, '',"
        " '2026-01-01', '2026-01-01')"
        for account, id, manager in [
            (1, 1, "NULL"),
            (1, 2, 1),
            (1, 3, 2),
            (1, 4, 2),
            (1, 5, "NULL"),
            (2, 1, "NULL"),
            (2, 2, 1),
        ]
    ),
]


def test_upgrading_spells_out_the_chains_of_command_of_the_directory_there(
    databases: SQLiteDatabases | PostgresDatabases, tmp_path: Path
) -> None:
    url = databases.create_empty(tmp_path)
    try:
        anyio.run(_at_with, url, "0008", _DIRECTORY_BEFORE_CHAINS)
        anyio.run(upgrade, url)
        found = anyio.run(
            inspect,
            url,
            lambda c: sorted(tuple(row) for row in c.execute(sa.text("SELECT * FROM employee_chains"))),
        )
        # (account, manager, employee): every manager above each employee, at any depth, in its own account.
        assert found == [(1, 1, 2), (1, 1, 3), (1, 1, 4), (1, 2, 3), (1, 2, 4), (2, 1, 2)]
    finally:
        databases.drop(url)


# The training workflow as 0004's code left it: one employee registered on two sessions of one training that
# end the same day (which 0010 stops), a realized demand, a pending one.
_WORKFLOW_AT_0004 = [
    *_BEFORE,
    "INSERT INTO departments (account_id, id, name, created_at, updated_at)"
    " VALUES (1, 7, 'Sales', '2026-01-01', '2026-01-01'), (1, 8, 'Support', '2026-01-01', '2026-01-01')",
    *(
        "INSERT INTO employees (account_id, id, login, first_name, last_name, department_id, search_text,"
        f" created_at, updated_at) VALUES (1, {id}, 'e{id}', 'E', '{id}', 7, '', '2026-01-01', '2026-01-01')"
        for id in (1, 2)
    ),
    "INSERT INTO plans (account_id, name, start_on, end_on, created_at)"
    " VALUES (1, 'Plan', '2026-01-01', '2026-12-31', '2026-01-01')",
    *(
        "INSERT INTO training_sessions (account_id, training_id, plan_id, start_on, end_on,"
        " duration_hundredths, is_on_site, is_remote, status, registered_count, created_at, updated_at)"
        f" SELECT 1, t.id, p.id, '2026-03-0{start}', '2026-03-05', 700, true, false, 'Open', {seats},"
        " '2026-01-01', '2026-01-01' FROM trainings t, plans p"
        for start, seats in ((4, 2), (5, 1))
    ),
    *(
        "INSERT INTO training_demands (account_id, owner_id, author_id, training_id, state, status, plan_id,"
        " session_id, registered_on, prioritization_rank, owner_department_id, created_at, updated_at)"
        f" SELECT 1, {owner}, {owner}, t.id, '{state}', '{status}', p.id, {session}, {registered}, 0, 7,"
        f" '2026-02-0{n}', '2026-02-0{n}' FROM trainings t, plans p"
        for n, (owner, state, status, session, registered) in enumerate(
            [
                (1, "Registered", "Registered", "(SELECT min(id) FROM training_sessions)", "'2026-02-10'"),
                (1, "Registered", "Registered", "(SELECT max(id) FROM training_sessions)", "'2026-02-11'"),
                (2, "Realized", "Realized", "(SELECT min(id) FROM training_sessions)", "'2026-02-12'"),
                (2, "Requested", "PendingRegistration", "NULL", "NULL"),
            ],
            start=1,
        )
    ),
]
_DEMANDS = (
    "SELECT owner_id, state, status, session_id IS NOT NULL, registered_on, owner_department_id,"
    " session_ends_on FROM training_demands ORDER BY id"
)


async def _after_moves(url: str) -> list[tuple[Any, ...]]:
    """The demands once the first session is moved a week on and the owner of the realized one to Support:
    both triggers carry the moves onto the demands."""
    engine = migration_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "UPDATE training_sessions SET start_on = '2026-03-11', end_on = '2026-03-12'"
                    " WHERE id = (SELECT min(id) FROM training_sessions)"
                )
            )
            await connection.execute(sa.text("UPDATE employees SET department_id = 8 WHERE id = 2"))
            return [tuple(row) for row in await connection.execute(sa.text(_DEMANDS))]
    finally:
        await engine.dispose()


def _as_text(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Dates as text and the one boolean as a bool, as either database gives them back."""
    return [
        tuple(bool(v) if n == 3 else str(v) if isinstance(v, date) else v for n, v in enumerate(row))
        for row in rows
    ]


def test_upgrading_the_workflow_keeps_every_demand_and_gives_registrations_their_last_day(
    databases: SQLiteDatabases | PostgresDatabases, tmp_path: Path
) -> None:
    url = databases.create_empty(tmp_path)
    try:
        anyio.run(_at_with, url, "0004", _WORKFLOW_AT_0004)
        anyio.run(upgrade, url)
        found = anyio.run(inspect, url, lambda c: [tuple(row) for row in c.execute(sa.text(_DEMANDS))])
        # The second registration of the pair keeps everything but the last day, which would have failed the
        # new unique index: its attendance is refused by name, as it was before.
        assert _as_text(found) == [
            (1, "Registered", "Registered", True, "2026-02-10", 7, "2026-03-05"),
            (1, "Registered", "Registered", True, "2026-02-11", 7, None),
            (2, "Realized", "Realized", True, "2026-02-12", 7, None),  # only registrations carry it
            (2, "Requested", "PendingRegistration", False, None, 7, None),
        ]
        assert _as_text(anyio.run(_after_moves, url)) == [
            (1, "Registered", "Registered", True, "2026-02-10", 7, "2026-03-12"),
            (1, "Registered", "Registered", True, "2026-02-11", 7, None),
            (2, "Realized", "Realized", True, "2026-02-12", 8, None),
            (2, "Requested", "PendingRegistration", False, None, 8, None),
        ]
        sessions = anyio.run(
            inspect,
            url,
            lambda c: [
                tuple(row)
                for row in c.execute(
                    sa.text("SELECT registered_count, status FROM training_sessions ORDER BY id")
                )
            ],
        )
        assert sessions == [(2, "Open"), (1, "Open")]
    finally:
        databases.drop(url)


async def _down_to(url: str, revision: str) -> None:
    engine = migration_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: command.downgrade(alembic_config(c), revision))
    finally:
        await engine.dispose()


def _schema_differences(connection: sa.Connection) -> list[Any]:
    differences: list[Any] = compare_metadata(MigrationContext.configure(connection), metadata)
    return differences


def test_0010_goes_down_and_up_again_keeping_the_demands(
    databases: SQLiteDatabases | PostgresDatabases, tmp_path: Path
) -> None:
    """Down to 0009 (SQLite rebuilds the table to drop the column: its checks and partial indexes must come
    back as they were), then up again: the same demands, the registrations' days filled again."""
    url = databases.create_empty(tmp_path)
    try:
        anyio.run(_at_with, url, "0004", _WORKFLOW_AT_0004)
        anyio.run(upgrade, url)
        at_head = anyio.run(inspect, url, lambda c: [tuple(row) for row in c.execute(sa.text(_DEMANDS))])
        anyio.run(_down_to, url, "0009")
        without = "SELECT owner_id, state, status, session_id IS NOT NULL, registered_on, owner_department_id"
        below = anyio.run(
            inspect,
            url,
            lambda c: [
                tuple(row) for row in c.execute(sa.text(f"{without} FROM training_demands ORDER BY id"))
            ],
        )
        assert _as_text(below) == [row[:-1] for row in _as_text(at_head)]
        anyio.run(upgrade, url)
        assert (
            anyio.run(inspect, url, lambda c: [tuple(row) for row in c.execute(sa.text(_DEMANDS))]) == at_head
        )
        assert anyio.run(inspect, url, _schema_differences) == []
        assert anyio.run(inspect, url, _checks) == DECLARED_CHECKS
    finally:
        databases.drop(url)
