"""The benchmark's limit (bench/raw_app.py: the same statements with nothing around them) answers as the
service does, on PostgreSQL, the only database it runs on. `make bench` compares the two on each scenario and
stops at the first difference: a raw app that drifts from the statements it borrows stops the whole
benchmark (issue 11's cost and expiry did, unnoticed until a full run)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from bench import raw_app
from talent_training.accounts.service import account_named
from talent_training.app import TalentTraining
from tests.conftest import ClientFactory
from tests.factories import REALIZED, TRAININGS, create_category, create_provider, create_training

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
async def raw(
    committed_app: TalentTraining, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """The raw app on the test's committed database, for its account `default`."""
    async with committed_app.database.read() as tx:
        monkeypatch.setattr(raw_app, "ACCOUNT_ID", await account_named(tx, "default"))
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=2, init=raw_app._codecs, reset=raw_app._keep_session
    )
    monkeypatch.setattr(raw_app, "pool", pool)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=raw_app.app), base_url="http://raw"
    ) as client:
        yield client
    await pool.close()


def _without(answer: httpx.Response, *names: str) -> tuple[int, Any]:
    content = answer.json()
    for name in names:
        content.pop(name, None)
    return answer.status_code, content


async def test_the_raw_app_answers_each_scenario_of_the_benchmark_as_the_service_does(
    make_committed_client: ClientFactory, raw: httpx.AsyncClient
) -> None:
    ours = await make_committed_client()
    provider = await create_provider(ours, name="Acme")
    category = await create_category(ours, name="Safety")
    training = await create_training(
        ours, title="Fire safety", providerId=provider["id"], categoryId=category["id"]
    )

    def record(owner: int) -> dict[str, Any]:
        return {
            "ownerId": owner, "trainingId": training["id"], "sessionStartsOn": "2025-01-03",
            "sessionEndsOn": "2025-01-04", "durationInHours": 2.5,
        }  # fmt: skip

    new_training = {
        "title": "Bench training", "subtitle": "Written by wrk", "description": "Created under load.",
        "level": "Middle", "isCertifying": False, "isMandatory": True, "providerId": provider["id"],
        "categoryId": category["id"],
    }  # fmt: skip
    mine, theirs = await ours.post(REALIZED, json=record(1)), await raw.post(REALIZED, json=record(2))
    assert mine.status_code == 201, mine.text
    assert _without(mine, "id", "ownerId") == _without(theirs, "id", "ownerId")
    mine_made, theirs_made = (
        await ours.post(TRAININGS, json=new_training),
        await raw.post(TRAININGS, json=new_training),
    )
    assert mine_made.status_code == 201, mine_made.text
    assert _without(mine_made, "id") == _without(theirs_made, "id")

    for path in (
        f"{REALIZED}/{mine.json()['id']}",
        f"{TRAININGS}/{training['id']}",
        f"{REALIZED}?limit=5",
        f"{TRAININGS}?limit=5",
    ):
        assert _without(await ours.get(path)) == _without(await raw.get(path)), path
