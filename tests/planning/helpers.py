"""Plans and sessions for the planning tests (and any test that needs one): valid bodies, creators, dates
around today, and registrations counted as the training-demand code counts them."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Integer, bindparam, update

from talent_training.app import TalentTraining
from talent_training.db.statements import Query
from talent_training.kit.clock import today as today_in
from talent_training.planning.tables import TrainingSession
from tests.factories import OMIT, PREFIX

PLANS = f"{PREFIX}/v1/plans"
SESSIONS = f"{PREFIX}/v1/sessions"

_serial = itertools.count(1)


def today() -> date:
    """Today as the service sees it in the tests (their settings' zone is UTC)."""
    return today_in(ZoneInfo("UTC"))


def day(offset: int) -> str:
    """The date `offset` days from today, as the API writes it."""
    return (today() + timedelta(days=offset)).isoformat()


def _merge(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    body = {**defaults, **overrides}
    return {key: value for key, value in body.items() if value is not OMIT}


def plan_body(**overrides: Any) -> dict[str, Any]:
    return _merge(
        {"name": f"Plan {next(_serial)}", "startOn": "2026-01-01", "endOn": "2026-12-31"}, overrides
    )


def session_body(training_id: int, plan_id: int, **overrides: Any) -> dict[str, Any]:
    defaults = {
        "trainingId": training_id,
        "planId": plan_id,
        "startOn": day(30),
        "endOn": day(31),
        "durationInHours": 14,
    }
    return _merge(defaults, overrides)


async def _create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_plan(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    return await _create(client, PLANS, plan_body(**overrides))


async def create_session(
    client: httpx.AsyncClient, training_id: int, plan_id: int, **overrides: Any
) -> dict[str, Any]:
    """A Draft session (by default a month from now: pass `startOn`/`endOn` for another)."""
    return await _create(client, SESSIONS, session_body(training_id, plan_id, **overrides))


async def patch_session(client: httpx.AsyncClient, session_id: int, body: Any) -> httpx.Response:
    return await client.patch(f"{SESSIONS}/{session_id}", json=body)


async def open_session(
    client: httpx.AsyncClient, training_id: int, plan_id: int, **overrides: Any
) -> dict[str, Any]:
    """A published session: created, then `PATCH {status: Open}`."""
    created = await create_session(client, training_id, plan_id, **overrides)
    response = await patch_session(client, created["id"], {"status": "Open"})
    assert response.status_code == 200, response.text
    opened: dict[str, Any] = response.json()
    return opened


_SET_REGISTERED = Query(
    update(TrainingSession)
    .where(TrainingSession.id == bindparam("id", type_=Integer))
    .values(
        registered_count=bindparam("registered_count", type_=Integer),
        confirmed_count=bindparam("confirmed_count", type_=Integer),
    )
)


async def set_registered(app: TalentTraining, session_id: int, registered: int, confirmed: int = 0) -> None:
    """As if `registered` demands were registered on the session, `confirmed` of them confirmed present at
    attendance (registration belongs to the training demands: this only sets the counts the session keeps)."""
    params = {"id": session_id, "registered_count": registered, "confirmed_count": confirmed}
    async with app.database.transaction() as tx:
        await tx.execute(_SET_REGISTERED, params)
