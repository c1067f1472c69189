"""Concurrent PUTs, on committed data with the production pool, so that connections really race: the same
new id written at once, and manager changes that would together close a loop."""

from __future__ import annotations

import asyncio
import random

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from talent_training.app import TalentTraining
from tests.conftest import ClientFactory
from tests.directory.helpers import EMPLOYEES, UNITS, employee_body, put_employee, teams_both_ways
from tests.factories import OMIT, count


@pytest.mark.parametrize("kind", ["department", "establishment"])
async def test_concurrent_puts_of_the_same_new_unit_create_it_once(
    make_committed_client: ClientFactory, kind: str
) -> None:
    client = await make_committed_client("write")

    responses = await asyncio.gather(
        *(client.put(f"{UNITS[kind]}/7", json={"name": "Sales"}) for _ in range(16))
    )

    assert sorted(r.status_code for r in responses) == [200] * 15 + [201], [r.text for r in responses]
    assert await count(client, UNITS[kind]) == 1


async def test_concurrent_puts_of_the_same_new_employee_create_it_once(
    make_committed_client: ClientFactory,
) -> None:
    client = await make_committed_client("write")
    await put_employee(client, 1, login="boss")
    body = employee_body(login="jdupont", managerId=1)

    responses = await asyncio.gather(*(client.put(f"{EMPLOYEES}/7", json=body) for _ in range(16)))

    assert sorted(r.status_code for r in responses) == [200] * 15 + [201], [r.text for r in responses]
    assert await count(client, EMPLOYEES) == 2


async def test_concurrent_new_employees_without_a_manager_are_created_once(
    make_committed_client: ClientFactory,
) -> None:
    client = await make_committed_client("write")
    body = employee_body(login="jdupont")

    responses = await asyncio.gather(*(client.put(f"{EMPLOYEES}/7", json=body) for _ in range(16)))

    assert sorted(r.status_code for r in responses) == [200] * 15 + [201], [r.text for r in responses]


async def manager_of(client: httpx.AsyncClient, employee_id: int) -> int | None:
    body = (await client.get(f"{EMPLOYEES}/{employee_id}")).json()
    manager: int | None = body.get("manager", {}).get("id")
    return manager


async def test_two_changes_that_would_together_make_a_cycle_do_not_both_succeed(
    make_committed_client: ClientFactory,
) -> None:
    client = await make_committed_client("write")
    for round_ in range(10):
        a, b = 2 * round_ + 1, 2 * round_ + 2
        await put_employee(client, a, login=f"a{a}")
        await put_employee(client, b, login=f"b{b}")

        a_under_b, b_under_a = await asyncio.gather(
            client.put(f"{EMPLOYEES}/{a}", json=employee_body(login=f"a{a}", managerId=b)),
            client.put(f"{EMPLOYEES}/{b}", json=employee_body(login=f"b{b}", managerId=a)),
        )

        statuses = sorted((a_under_b.status_code, b_under_a.status_code))
        assert statuses == [200, 400], (a_under_b.text, b_under_a.text)
        refused = a_under_b if a_under_b.status_code == 400 else b_under_a
        assert "cycle" in refused.json()["errors"]["managerId"][0]
        assert [await manager_of(client, a), await manager_of(client, b)] in ([b, None], [None, a])


async def test_changes_closing_a_ring_all_at_once_leave_exactly_one_refused(
    make_committed_client: ClientFactory,
) -> None:
    client = await make_committed_client("write")
    n = 8
    for employee_id in range(1, n + 1):
        await put_employee(client, employee_id, login=f"e{employee_id}")

    # Each one under the next, the last under the first: whichever comes last would close the ring.
    responses = await asyncio.gather(
        *(
            client.put(
                f"{EMPLOYEES}/{employee_id}",
                json=employee_body(login=f"e{employee_id}", managerId=employee_id % n + 1),
            )
            for employee_id in range(1, n + 1)
        )
    )

    statuses = [r.status_code for r in responses]
    assert sorted(statuses) == [200] * (n - 1) + [400], [r.text for r in responses]
    managers = [await manager_of(client, employee_id) for employee_id in range(1, n + 1)]
    assert managers.count(None) == 1


async def test_concurrent_writes_of_managers_and_their_reports_all_succeed(
    make_committed_client: ClientFactory,
) -> None:
    """Renaming managers while reports are moved under them, and moving the managers themselves: no
    deadlock, no refusal, every write lands."""
    client = await make_committed_client("write")
    for employee_id in range(1, 5):
        await put_employee(client, employee_id, login=f"m{employee_id}")
    for employee_id in range(5, 13):
        await put_employee(client, employee_id, login=f"r{employee_id}", managerId=1)

    writes = (
        [
            client.put(f"{EMPLOYEES}/{r}", json=employee_body(login=f"r{r}", managerId=r % 4 + 1))
            for r in range(5, 13)
        ]
        + [
            client.put(f"{EMPLOYEES}/{m}", json=employee_body(login=f"m{m}-renamed", lastName="Renamed"))
            for m in range(1, 5)
        ]
        + [client.put(f"{EMPLOYEES}/2", json=employee_body(login="m2-moved", managerId=1))]
    )
    responses = await asyncio.gather(*writes)

    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    for r in range(5, 13):
        assert await manager_of(client, r) == r % 4 + 1


async def test_concurrent_changes_of_manager_keep_the_chains_of_command(
    committed_app: TalentTraining, make_committed_client: ClientFactory
) -> None:
    # Each round moves the members of a chain under one another at once: the chains of command are rewritten
    # from what they were, so moves that interleaved would leave a team the managers no longer give.
    client = await make_committed_client("write")
    rng = random.Random(7)
    for n in range(1, 13):
        await put_employee(client, n, login=f"e{n}", managerId=OMIT if n == 1 else n - 1)
    for _ in range(5):
        moves = [(n, rng.choice([m for m in range(1, 13) if m != n])) for n in rng.sample(range(2, 13), 8)]
        responses = await asyncio.gather(
            *(
                client.put(f"{EMPLOYEES}/{n}", json=employee_body(login=f"e{n}", managerId=m))
                for n, m in moves
            )
        )
        assert {r.status_code for r in responses} <= {200, 400}, [r.text for r in responses]

        kept, said = await teams_both_ways(committed_app)

        assert kept == said


@pytest.mark.postgresql_only
async def test_a_change_of_manager_waits_for_an_import_without_deadlocking_it(
    make_committed_client: ClientFactory, database_url: str
) -> None:
    # An import holds the account's lock of manager changes, then rewrites employees. A PUT that removes an
    # employee's manager meanwhile must wait for that lock before it locks the employee's row: the other
    # order is a deadlock with the import's rewrite of that row (PostgreSQL aborts one of them).
    client = await make_committed_client("write")
    await put_employee(client, 1, login="boss")
    await put_employee(client, 7, login="jdupont", managerId=1)
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    importing, watching = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        account = await importing.fetchval("SELECT id FROM accounts WHERE name = 'default'")
        async with importing.transaction():
            await importing.execute("SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE", account)
            put = asyncio.create_task(client.put(f"{EMPLOYEES}/7", json=employee_body(login="jdupont")))
            await _until_waiting_on_a_lock(watching)

            await importing.execute(
                "UPDATE employees SET email = 'j@example.com' WHERE account_id = $1 AND id = 7", account
            )
        response = await put
    finally:
        await importing.close()
        await watching.close()

    assert response.status_code == 200, response.text
    assert await manager_of(client, 7) is None


async def _until_waiting_on_a_lock(connection: asyncpg.Connection) -> None:
    async with asyncio.timeout(10):
        while not await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'talent-training'"
            " AND wait_event_type = 'Lock'"
        ):
            await connection.execute("SELECT pg_stat_clear_snapshot()")
            await asyncio.sleep(0.02)
