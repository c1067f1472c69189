"""POST /v2/realized-trainings: every rule of notes §4 and docs/decisions.md."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from talent_training.settings import Settings
from tests.factories import (
    OMIT,
    REALIZED,
    TRAININGS,
    assert_problem,
    count,
    create_category,
    create_provider,
    create_realized_training,
    create_training,
    realized_body,
)


def today_in(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


@pytest.fixture
async def training(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_training(client)


async def test_seed_example_is_reproduced(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, name="L'Élan Français", websiteHref="https://elan-francais.fr")
    category = await create_category(client, name="Languages")
    training = await create_training(
        client,
        title="Mastering French: From Basics to Fluency",
        providerId=provider["id"],
        categoryId=category["id"],
    )
    request = {
        "ownerId": 416,
        "trainingId": training["id"],
        "sessionStartsOn": "2025-01-04",
        "sessionEndsOn": "2025-01-04",
        "hasAttended": True,
        "durationInHours": 14,
    }

    response = await client.post(REALIZED, json=request)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body == request | {
        "id": body["id"],
        "training": {
            "id": training["id"],
            "title": "Mastering French: From Basics to Fluency",
            "categoryId": category["id"],
            "providerUrl": "https://elan-francais.fr",
            "level": "Beginner",
        },
    }
    assert isinstance(body["id"], int) and body["id"] >= 1


async def test_has_attended_defaults_to_true(client: httpx.AsyncClient, training: dict[str, Any]) -> None:
    body = await create_realized_training(client, training["id"])

    assert body["hasAttended"] is True


async def test_absent_values_are_omitted(client: httpx.AsyncClient, training: dict[str, Any]) -> None:
    body = await create_realized_training(client, training["id"])

    assert "trainingDemandId" not in body and "sessionId" not in body
    assert body["training"] == {"id": training["id"], "title": training["title"], "level": "Beginner"}
    assert body["trainingId"] == training["id"]


async def test_provider_without_website_gives_no_provider_url(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, websiteHref=OMIT)
    training = await create_training(client, providerId=provider["id"])

    body = await create_realized_training(client, training["id"])

    assert "providerUrl" not in body["training"]


async def test_read_only_and_unknown_fields_are_ignored(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    body = await create_realized_training(
        client,
        training["id"],
        id=987654,
        training={"id": 5, "title": "Forged", "level": "Expert"},
        trainingDemandId=4356,
        sessionId=12,
        favouriteColour="green",
    )

    assert body["id"] != 987654
    assert body["training"]["title"] == training["title"] and body["training"]["id"] == training["id"]
    assert not {"trainingDemandId", "sessionId", "favouriteColour"} & body.keys()
    stored = await client.get(f"{REALIZED}/{body['id']}")
    assert stored.json() == body


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        ("14", "14"),
        ("2.5", "2.5"),
        ("0.07", "0.07"),
        ("2.50", "2.5"),
        ("14.0", "14"),
        ("99999.99", "99999.99"),
    ],
)
async def test_duration_is_exact_without_spurious_digits(
    client: httpx.AsyncClient, training: dict[str, Any], sent: str, returned: str
) -> None:
    raw = json.dumps(realized_body(training["id"], durationInHours="@")).replace('"@"', sent)

    created = await client.post(REALIZED, content=raw, headers={"Content-Type": "application/json"})
    assert created.status_code == 201, created.text
    fetched = await client.get(f"{REALIZED}/{created.json()['id']}")
    listed = await client.get(REALIZED)

    pattern = re.compile(r'"durationInHours"\s*:\s*' + re.escape(returned) + r"\s*[,}]")
    for response in (created, fetched, listed):
        assert pattern.search(response.text), response.text
    assert fetched.json()["durationInHours"] == json.loads(returned)
    if "." not in returned:
        assert isinstance(fetched.json()["durationInHours"], int)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ownerId", OMIT),
        ("ownerId", 0),
        ("ownerId", -1),
        ("ownerId", 2147483648),
        ("ownerId", "416"),
        ("ownerId", 416.0),
        ("ownerId", True),
        ("ownerId", None),
        ("trainingId", OMIT),
        ("trainingId", 999999),
        ("trainingId", "1"),
        ("trainingId", 0),
        ("trainingId", 1.0),
        ("trainingId", 2147483648),
        ("sessionStartsOn", OMIT),
        ("sessionStartsOn", "2025-02-30"),
        ("sessionStartsOn", "04/01/2025"),
        ("sessionStartsOn", "2025-1-4"),
        ("sessionStartsOn", "2025-01-04T00:00:00"),
        ("sessionStartsOn", 20250104),
        ("sessionStartsOn", None),
        ("sessionEndsOn", OMIT),
        ("sessionEndsOn", "2025-02-30"),
        ("sessionEndsOn", "04/01/2025"),
        ("sessionEndsOn", ""),
        ("sessionEndsOn", None),
        ("durationInHours", OMIT),
        ("durationInHours", "14"),
        ("durationInHours", 14.005),
        ("durationInHours", 0),
        ("durationInHours", 0.0),
        ("durationInHours", -1),
        ("durationInHours", 100000),
        ("durationInHours", 99999.991),
        ("durationInHours", True),
        ("durationInHours", None),
        ("hasAttended", False),
        ("hasAttended", "true"),
        ("hasAttended", "yes"),
        ("hasAttended", 1),
        ("hasAttended", None),
    ],
)
async def test_invalid_field_is_400_and_nothing_created(
    client: httpx.AsyncClient, training: dict[str, Any], field: str, value: Any
) -> None:
    response = await client.post(REALIZED, json=realized_body(training["id"], **{field: value}))

    assert_problem(response, 400, field)
    assert await count(client, REALIZED) == 0


async def test_largest_ids_and_smallest_duration_are_accepted(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    body = await create_realized_training(client, training["id"], ownerId=2147483647, durationInHours=0.01)

    assert (body["ownerId"], body["durationInHours"]) == (2147483647, 0.01)


async def test_start_after_end_is_400(client: httpx.AsyncClient, training: dict[str, Any]) -> None:
    response = await client.post(
        REALIZED, json=realized_body(training["id"], sessionStartsOn="2025-01-05", sessionEndsOn="2025-01-04")
    )

    body = assert_problem(response, 400)
    assert {"sessionStartsOn", "sessionEndsOn"} & body["errors"].keys(), body
    assert await count(client, REALIZED) == 0


async def test_a_session_ending_today_is_accepted_and_tomorrow_is_400(
    client: httpx.AsyncClient, training: dict[str, Any], settings: Settings
) -> None:
    today = today_in(settings.timezone)
    tomorrow = today + timedelta(days=1)

    ok = await client.post(
        REALIZED, json=realized_body(training["id"], sessionStartsOn=str(today), sessionEndsOn=str(today))
    )
    late = await client.post(
        REALIZED,
        json=realized_body(
            training["id"], ownerId=7, sessionStartsOn=str(today), sessionEndsOn=str(tomorrow)
        ),
    )

    assert ok.status_code == 201, ok.text
    assert ok.json()["sessionEndsOn"] == str(today)
    assert_problem(late, 400, "sessionEndsOn")
    assert await count(client, REALIZED) == 1


async def test_today_is_taken_in_the_configured_time_zone(database_url: str) -> None:
    # Kiritimati (UTC+14) is always one or two calendar days ahead of Pago Pago (UTC-11).
    from talent_training.app import create_app
    from tests.conftest import http_client, new_key

    kiritimati_today = str(today_in("Pacific/Kiritimati"))
    statuses = {}
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        app = create_app(Settings(database_url=database_url, timezone=zone))
        try:
            async with http_client(app, await new_key(app)) as tz_client:
                training = await create_training(tz_client)
                response = await tz_client.post(
                    REALIZED,
                    json=realized_body(
                        training["id"], sessionStartsOn=kiritimati_today, sessionEndsOn=kiritimati_today
                    ),
                )
                statuses[zone] = response.status_code
                if zone == "Pacific/Pago_Pago":
                    assert_problem(response, 400, "sessionEndsOn")
        finally:
            await app.close()

    assert statuses == {"Pacific/Kiritimati": 201, "Pacific/Pago_Pago": 400}


async def test_archived_training_is_400_and_restored_one_is_accepted(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    archived = await client.patch(f"{TRAININGS}/{training['id']}", json={"state": "Archived"})
    assert archived.status_code == 200, archived.text

    response = await client.post(REALIZED, json=realized_body(training["id"]))

    assert_problem(response, 400, "trainingId")
    assert await count(client, REALIZED) == 0
    await client.patch(f"{TRAININGS}/{training['id']}", json={"state": "Ready"})
    await create_realized_training(client, training["id"])


async def test_same_owner_training_and_end_is_409(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    first = await create_realized_training(client, training["id"], sessionStartsOn="2025-01-02")

    response = await client.post(REALIZED, json=realized_body(training["id"], sessionStartsOn="2025-01-03"))

    assert_problem(response, 409)
    assert await count(client, REALIZED) == 1
    assert (await client.get(f"{REALIZED}/{first['id']}")).json() == first


async def test_uniqueness_is_on_owner_training_and_end_together(client: httpx.AsyncClient) -> None:
    training = await create_training(client)
    other_training = await create_training(client)
    await create_realized_training(client, training["id"])

    await create_realized_training(client, training["id"], ownerId=417)
    await create_realized_training(client, other_training["id"])
    await create_realized_training(
        client, training["id"], sessionStartsOn="2025-01-05", sessionEndsOn="2025-01-05"
    )

    assert await count(client, REALIZED) == 4
