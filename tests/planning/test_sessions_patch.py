"""PATCH /v1/sessions/{id} (extension): merge patch of the create fields, and what a registration locks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from talent_training.app import TalentTraining
from tests.factories import PREFIX, TRAININGS, assert_problem, create_training
from tests.planning.helpers import (
    SESSIONS,
    create_plan,
    create_session,
    day,
    open_session,
    patch_session,
    set_registered,
)


@pytest.fixture
async def refs(client: httpx.AsyncClient) -> tuple[int, int]:
    training = await create_training(client)
    plan = await create_plan(client)
    return training["id"], plan["id"]


async def get(client: httpx.AsyncClient, session_id: int) -> dict[str, Any]:
    response = await client.get(f"{SESSIONS}/{session_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_absent_fields_are_unchanged(client: httpx.AsyncClient, refs: tuple[int, int]) -> None:
    created = await create_session(
        client,
        *refs,
        capacity=10,
        location={"isOnSite": True, "address": "1 rue X", "remoteUrl": "https://a.example"},
    )

    response = await patch_session(
        client, created["id"], {"durationInHours": 3.5, "location": {"isRemote": True}}
    )

    assert response.status_code == 200, response.text
    expected = created | {
        "durationInHours": 3.5,
        "location": {
            "isOnSite": True,
            "isRemote": True,
            "address": "1 rue X",
            "remoteUrl": "https://a.example",
        },
    }
    assert response.json() == expected
    assert await get(client, created["id"]) == expected


async def test_every_writable_field_can_change(client: httpx.AsyncClient, refs: tuple[int, int]) -> None:
    created = await create_session(client, *refs)
    training = await create_training(client, title="Other", level="Middle")
    plan = await create_plan(client)
    changes = {
        "trainingId": training["id"],
        "planId": plan["id"],
        "startOn": "2027-01-04",
        "endOn": "2027-01-08",
        "durationInHours": 35,
        "capacity": 8,
        "location": {
            "isOnSite": True,
            "isRemote": True,
            "address": "2 rue Y",
            "remoteUrl": "http://b.example/x",
        },
    }

    response = await patch_session(client, created["id"], changes)

    assert response.status_code == 200, response.text
    expected = created | changes | {"training": {"id": training["id"], "title": "Other", "level": "Middle"}}
    assert response.json() == expected
    assert await get(client, created["id"]) == expected


async def test_null_removes_capacity_address_and_remote_url(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(
        client,
        *refs,
        capacity=10,
        location={"isRemote": True, "address": "1 rue X", "remoteUrl": "https://a.example"},
    )

    response = await patch_session(
        client, created["id"], {"capacity": None, "location": {"address": None, "remoteUrl": None}}
    )

    assert response.status_code == 200, response.text
    assert "capacity" not in response.json()
    assert response.json()["location"] == {"isOnSite": False, "isRemote": True}
    assert await get(client, created["id"]) == response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trainingId": None}, "trainingId"),
        ({"planId": None}, "planId"),
        ({"startOn": None}, "startOn"),
        ({"endOn": None}, "endOn"),
        ({"durationInHours": None}, "durationInHours"),
        ({"status": None}, "status"),
        ({"location": None}, "location"),
        ({"location": {"isOnSite": None}}, "location.isOnSite"),
        ({"location": {"isRemote": None}}, "location.isRemote"),
        ({"trainingId": "1"}, "trainingId"),
        ({"startOn": "2026-02-30"}, "startOn"),
        ({"durationInHours": 0}, "durationInHours"),
        ({"durationInHours": 1.005}, "durationInHours"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": "5"}, "capacity"),
        ({"location": {"isOnSite": "true"}}, "location.isOnSite"),
        ({"location": {"address": ""}}, "location.address"),
        ({"location": {"address": "a" * 501}}, "location.address"),
        ({"location": {"remoteUrl": "mailto:a@b.example"}}, "location.remoteUrl"),
    ],
)
async def test_invalid_patches_are_refused_naming_the_field(
    client: httpx.AsyncClient, refs: tuple[int, int], body: dict[str, Any], field: str
) -> None:
    created = await create_session(client, *refs, capacity=4)

    assert_problem(await patch_session(client, created["id"], body), 400, field)
    assert await get(client, created["id"]) == created


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endOn": "2026-06-01"}, "endOn"),  # before the current start
        ({"startOn": "2026-06-20"}, "startOn"),  # after the current end
        ({"startOn": "2026-06-20", "endOn": "2026-06-19"}, "endOn"),
    ],
)
async def test_the_dates_stay_in_order_naming_the_field_that_breaks_it(
    client: httpx.AsyncClient, refs: tuple[int, int], body: dict[str, Any], field: str
) -> None:
    created = await create_session(client, *refs, startOn="2026-06-10", endOn="2026-06-12")

    assert_problem(await patch_session(client, created["id"], body), 400, field)
    assert await get(client, created["id"]) == created


async def test_both_dates_may_move_together(client: httpx.AsyncClient, refs: tuple[int, int]) -> None:
    created = await create_session(client, *refs, startOn="2026-06-10", endOn="2026-06-12")

    response = await patch_session(client, created["id"], {"startOn": "2026-07-01", "endOn": "2026-07-01"})

    assert response.status_code == 200, response.text
    assert (response.json()["startOn"], response.json()["endOn"]) == ("2026-07-01", "2026-07-01")


async def test_training_and_plan_references_are_checked(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)
    their_training = await create_training(stranger)
    their_plan = await create_plan(stranger)
    archived = await create_training(client)
    await client.patch(f"{TRAININGS}/{archived['id']}", json={"state": "Archived"})

    for training_id in (their_training["id"], their_training["id"] + 1000, archived["id"]):
        assert_problem(
            await patch_session(client, created["id"], {"trainingId": training_id}), 400, "trainingId"
        )
    for plan_id in (their_plan["id"], their_plan["id"] + 1000):
        assert_problem(await patch_session(client, created["id"], {"planId": plan_id}), 400, "planId")
    assert await get(client, created["id"]) == created


async def test_a_session_of_a_training_archived_since_stays_editable(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)
    await client.patch(f"{TRAININGS}/{refs[0]}", json={"state": "Archived"})

    response = await patch_session(client, created["id"], {"trainingId": refs[0], "capacity": 3})

    assert response.status_code == 200, response.text
    assert response.json()["capacity"] == 3


async def test_a_draft_of_a_training_archived_since_cannot_be_published(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)
    await client.patch(f"{TRAININGS}/{refs[0]}", json={"state": "Archived"})

    problem = assert_problem(
        await patch_session(client, created["id"], {"status": "Open"}), 400, "trainingId"
    )

    assert "Archived" in problem["errors"]["trainingId"][0]
    assert (await get(client, created["id"]))["status"] == "Draft"


async def test_with_registrations_training_and_plan_are_fixed(
    client: httpx.AsyncClient, app: TalentTraining, refs: tuple[int, int]
) -> None:
    opened = await open_session(client, *refs)
    await set_registered(app, opened["id"], 2)
    other_training = await create_training(client)
    other_plan = await create_plan(client)

    training = await patch_session(client, opened["id"], {"trainingId": other_training["id"]})
    plan = await patch_session(client, opened["id"], {"planId": other_plan["id"]})
    same = await patch_session(client, opened["id"], {"trainingId": refs[0], "planId": refs[1]})

    assert "2 registered" in assert_problem(training, 409, "trainingId")["detail"]
    assert_problem(plan, 409, "planId")
    assert same.status_code == 200, same.text
    assert await get(client, opened["id"]) == opened | {"registeredCount": 2}


async def test_without_registrations_an_open_session_may_change_training_and_plan(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    opened = await open_session(client, *refs)
    other_training = await create_training(client)
    other_plan = await create_plan(client)

    response = await patch_session(
        client, opened["id"], {"trainingId": other_training["id"], "planId": other_plan["id"]}
    )

    assert response.status_code == 200, response.text
    assert (response.json()["trainingId"], response.json()["planId"]) == (
        other_training["id"],
        other_plan["id"],
    )


async def test_capacity_may_not_go_below_the_registered(
    client: httpx.AsyncClient, app: TalentTraining, refs: tuple[int, int]
) -> None:
    opened = await open_session(client, *refs, capacity=10)
    await set_registered(app, opened["id"], 3)

    assert_problem(await patch_session(client, opened["id"], {"capacity": 2}), 409, "capacity")
    assert (await patch_session(client, opened["id"], {"capacity": 3})).json()["capacity"] == 3
    unlimited = await patch_session(client, opened["id"], {"capacity": None})
    assert unlimited.status_code == 200
    assert "capacity" not in unlimited.json()


async def test_with_registrations_dates_duration_and_location_may_change(
    client: httpx.AsyncClient, app: TalentTraining, refs: tuple[int, int]
) -> None:
    opened = await open_session(client, *refs, startOn=day(5), endOn=day(6))
    await set_registered(app, opened["id"], 4)
    changes = {"startOn": day(-1), "endOn": day(1), "durationInHours": 7, "location": {"isOnSite": True}}

    response = await patch_session(client, opened["id"], changes)

    assert response.status_code == 200, response.text
    assert response.json() == opened | changes | {
        "location": {"isOnSite": True, "isRemote": False},
        "status": "Running",
        "registeredCount": 4,
    }


@pytest.mark.parametrize("session_id", ["999999", "0", "abc"])
async def test_patching_an_unknown_session_is_404(
    client: httpx.AsyncClient, refs: tuple[int, int], session_id: str
) -> None:
    await create_session(client, *refs)

    assert_problem(await client.patch(f"{SESSIONS}/{session_id}", json={"capacity": 3}), 404)


async def test_another_account_cannot_patch_nor_point_at_our_records(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)
    their_training = await create_training(stranger)
    their_plan = await create_plan(stranger)
    theirs = await create_session(stranger, their_training["id"], their_plan["id"])

    assert_problem(await patch_session(stranger, created["id"], {"capacity": 3}), 404)
    assert_problem(await patch_session(stranger, theirs["id"], {"trainingId": refs[0]}), 400, "trainingId")
    assert_problem(await patch_session(stranger, theirs["id"], {"planId": refs[1]}), 400, "planId")
    assert await get(client, created["id"]) == created


async def test_a_read_key_cannot_patch(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs)

    assert_problem(await patch_session(reader, created["id"], {"status": "Open"}), 403)
    assert await get(client, created["id"]) == created


async def test_an_update_is_audited_with_what_changed(
    client: httpx.AsyncClient, refs: tuple[int, int]
) -> None:
    created = await create_session(client, *refs, capacity=5, durationInHours=14)

    await patch_session(client, created["id"], {"capacity": None, "durationInHours": 2.5, "status": "Open"})
    await patch_session(client, created["id"], {"durationInHours": 2.5})  # nothing changes: no event

    response = await client.get(
        f"{PREFIX}/v1/audit-events", params={"resourceType": "session", "resourceId": created["id"]}
    )
    events = response.json()["items"]
    assert [event["action"] for event in events] == ["create", "update"]
    assert events[1]["changes"] == {
        "capacity": {"before": 5, "after": None},
        "durationInHours": {"before": 14, "after": 2.5},
        "status": {"before": "Draft", "after": "Open"},
    }
