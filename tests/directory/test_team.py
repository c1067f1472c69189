"""A manager's team, as the console scopes a manager's screens by it: everyone below them, at any depth."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from talent_training.accounts.service import existing_account
from talent_training.app import TalentTraining
from talent_training.directory import repository, service
from tests.directory.helpers import EMPLOYEES, employee_body, put_employee, teams_both_ways
from tests.factories import OMIT


async def _account_id(app: TalentTraining, name: str) -> int:
    async with app.database.read() as tx:
        found = await existing_account(tx, name)
    assert found is not None
    return found


async def test_a_team_is_everyone_below_the_manager(
    app: TalentTraining, client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    # 1 manages 2 and 4; 2 manages 3; 5 is nobody's; in another account, 6 is under that account's 1.
    for employee, manager in ((1, None), (2, 1), (3, 2), (4, 1), (5, None)):
        await put_employee(client, employee, managerId=OMIT if manager is None else manager)
    await put_employee(stranger, 1)
    await put_employee(stranger, 6, managerId=1)
    account = await _account_id(app, "default")
    async with app.database.read() as tx:
        assert await service.team_of(tx, account, 1) == [2, 3, 4]
        assert await service.team_of(tx, account, 2) == [3]
        assert await service.team_of(tx, account, 3) == []
        assert await service.team_of(tx, account, 999) == []
        below = {
            (m, e): await service.in_team(tx, account, m, e) for m in (1, 2, 3) for e in (1, 2, 3, 4, 5, 6)
        }
    assert {pair for pair, found in below.items() if found} == {(1, 2), (1, 3), (1, 4), (2, 3)}


async def test_the_chains_of_command_follow_every_change_of_manager(
    app: TalentTraining, client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    # Whole teams moved under others, managers taken away, people added under a team, cycles refused: after
    # each PUT, every team the chains keep is the one the directory's managers give.
    rng = random.Random(20261207)
    await put_employee(stranger, 1)  # another account's employee 1 manages nobody of this one
    await put_employee(stranger, 2, managerId=1)
    managers: dict[int, int | None] = {}
    for employee in range(1, 9):
        managers[employee] = rng.choice([None, *managers])
        await put_employee(client, employee, login=f"e{employee}", managerId=_or_omit(managers[employee]))
    for _ in range(40):
        employee = rng.choice([*managers, len(managers) + 1])
        manager = rng.choice([None, *(m for m in managers if m != employee)])
        response = await client.put(
            f"{EMPLOYEES}/{employee}", json=employee_body(login=f"e{employee}", managerId=_or_omit(manager))
        )
        assert response.status_code in (200, 201, 400), response.text  # 400: it would close a loop
        if response.status_code != 400:
            managers[employee] = manager

        kept, said = await teams_both_ways(app)

        assert kept == said
        assert set(kept) == set(managers)
    assert sum(map(len, said.values())) > 8  # the walk left chains deeper than one level to check


async def test_a_refused_change_of_manager_leaves_the_chains_as_they_were(
    app: TalentTraining, client: httpx.AsyncClient
) -> None:
    for employee, manager in ((1, None), (2, 1), (3, 2)):
        await put_employee(client, employee, login=f"e{employee}", managerId=_or_omit(manager))

    response = await client.put(f"{EMPLOYEES}/1", json=employee_body(login="e1", managerId=3))

    assert response.status_code == 400
    kept, _ = await teams_both_ways(app)
    assert kept == {1: {2, 3}, 2: {3}, 3: set()}


def _or_omit(manager: int | None) -> Any:
    return OMIT if manager is None else manager


async def test_a_small_team_is_given_as_ids_a_large_one_as_its_manager(
    app: TalentTraining, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 1 manages 2, who manages 3 and 4.
    for employee, manager in ((1, None), (2, 1), (3, 2), (4, 2)):
        await put_employee(client, employee, login=f"e{employee}", managerId=_or_omit(manager))
    monkeypatch.setattr(repository, "SMALL_TEAM", 2)
    account = await _account_id(app, "default")

    async with app.database.read() as tx:
        small, large, nobody = [await service.team(tx, account, manager) for manager in (2, 1, 3)]

    assert (small.manager_id, small.ids) == (2, [3, 4])
    assert (large.manager_id, large.ids) == (1, None)  # joined from the chains by the lists
    assert nobody.ids == []
