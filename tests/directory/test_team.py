"""A manager's team, as the console scopes a manager's screens by it: everyone below them, at any depth."""

from __future__ import annotations

import httpx

from talent_training.accounts.service import existing_account
from talent_training.app import TalentTraining
from talent_training.directory import service
from tests.directory.helpers import put_employee
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
