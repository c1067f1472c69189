"""A PATCH and a registration at the same moment: the PATCH locks the session's row before it reads
`registered_count`, so it judges the count the registration leaves, never a stale one."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import Integer, bindparam, update

from talent_training.app import TalentTraining
from talent_training.db.statements import Query
from talent_training.planning.tables import TrainingSession
from tests.conftest import ClientFactory
from tests.factories import create_training
from tests.planning.helpers import SESSIONS, create_plan, open_session

# What a registration does to the session (training_demands counts itself this way, in its own transaction).
_REGISTER = Query(
    update(TrainingSession)
    .where(TrainingSession.id == bindparam("id", type_=Integer))
    .values(registered_count=TrainingSession.registered_count + 1)
)


async def _patch_while_a_registration_is_in_flight(
    app: TalentTraining, client: httpx.AsyncClient, session_id: int, body: dict[str, object]
) -> httpx.Response:
    async with app.database.transaction() as tx:
        await tx.execute(_REGISTER, {"id": session_id})
        patch = asyncio.create_task(client.patch(f"{SESSIONS}/{session_id}", json=body))
        await asyncio.sleep(0.5)
        assert not patch.done(), "the PATCH did not wait for the registration's transaction"
    return await patch


async def test_going_back_to_draft_waits_for_a_registration_in_flight(
    make_committed_client: ClientFactory, committed_app: TalentTraining
) -> None:
    client = await make_committed_client("write")
    session = await open_session(
        client, (await create_training(client))["id"], (await create_plan(client))["id"]
    )

    response = await _patch_while_a_registration_is_in_flight(
        committed_app, client, session["id"], {"status": "Draft"}
    )

    assert response.status_code == 409, response.text
    after = (await client.get(f"{SESSIONS}/{session['id']}")).json()
    assert (after["status"], after["registeredCount"]) == ("Open", 1)


async def test_lowering_the_capacity_waits_for_a_registration_in_flight(
    make_committed_client: ClientFactory, committed_app: TalentTraining
) -> None:
    client = await make_committed_client("write")
    training = (await create_training(client))["id"]
    session = await open_session(client, training, (await create_plan(client))["id"], capacity=5)
    async with committed_app.database.transaction() as tx:  # one registered already
        await tx.execute(_REGISTER, {"id": session["id"]})

    response = await _patch_while_a_registration_is_in_flight(
        committed_app, client, session["id"], {"capacity": 1}
    )

    assert response.status_code == 409, response.text
    after = (await client.get(f"{SESSIONS}/{session['id']}")).json()
    assert (after["capacity"], after["registeredCount"]) == (5, 2)
