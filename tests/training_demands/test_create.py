"""Requesting a training for an employee, and reading the demand back in Lucca's item shape."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from tests.factories import OMIT, TRAININGS, assert_problem, create_provider, create_training
from tests.training_demands.helpers import (
    DEMANDS,
    World,
    demand_url,
    make_world,
    new_demand,
    ok,
    put_employee,
)


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await make_world(client)


async def test_a_new_demand_is_requested_pending_approval_in_lucca_shape(
    client: httpx.AsyncClient, world: World
) -> None:
    provider = await create_provider(client, websiteHref="https://provider.example")
    training = await create_training(client, providerId=provider["id"], level="Expert")
    demand = await new_demand(client, world, trainingId=training["id"], reason="To lead the audit.")

    assert demand["state"] == "Requested" and demand["status"] == "PendingApproval"
    assert demand["training"] == {"id": training["id"], "title": training["title"], "level": "Expert"}
    assert demand["provider"] == {
        "id": provider["id"],
        "name": provider["name"],
        "url": "https://provider.example",
    }
    owner, manager = world.owner, world.manager
    assert demand["author"] == {
        "id": owner["id"],
        "firstName": owner["firstName"],
        "lastName": owner["lastName"],
        "type": "Owner",
    }
    assert demand["owner"] == {
        "id": owner["id"],
        "firstName": owner["firstName"],
        "lastName": owner["lastName"],
        "establishmentId": world.establishment,
        "departmentId": world.department,
        "manager": {"id": manager["id"], "firstName": manager["firstName"], "lastName": manager["lastName"]},
    }
    assert demand["reason"] == "To lead the audit."
    assert datetime.fromisoformat(demand["createdAt"]).tzinfo is not None
    for absent in ("plan", "session", "prioritization", "registeredOn", "refusalReason"):
        assert absent not in demand
    assert await ok(await client.get(demand_url(demand["id"]))) == demand


@pytest.mark.parametrize(("author", "kind"), [("manager", "Manager"), ("colleague", "Administrator")])
async def test_the_author_type_says_who_asked(
    client: httpx.AsyncClient, world: World, author: str, kind: str
) -> None:
    author_id = getattr(world, author)["id"]
    demand = await new_demand(client, world, authorId=author_id)

    assert demand["author"]["id"] == author_id
    assert demand["author"]["type"] == kind


async def test_a_demand_without_provider_or_reason_omits_them(
    client: httpx.AsyncClient, world: World
) -> None:
    demand = await new_demand(client, world)
    assert "provider" not in demand and "reason" not in demand
    colleague = await new_demand(client, world, ownerId=world.colleague["id"])
    assert "manager" not in colleague["owner"] and "departmentId" not in colleague["owner"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ownerId": 999_999}, "ownerId"),
        ({"authorId": 999_999}, "authorId"),
        ({"trainingId": 999_999}, "trainingId"),
        ({"ownerId": OMIT}, "ownerId"),
        ({"trainingId": OMIT}, "trainingId"),
        ({"ownerId": "416"}, "ownerId"),
        ({"authorId": None}, "authorId"),
        ({"reason": "x" * 2001}, "reason"),
        ({"reason": "   "}, "reason"),
    ],
)
async def test_a_bad_demand_is_400_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, world: World, overrides: dict[str, object], field: str
) -> None:
    body = {key: value for key, value in world.body(**overrides).items() if value is not OMIT}
    assert_problem(await client.post(DEMANDS, json=body), 400, field)
    listed = await ok(await client.get(f"{DEMANDS.replace('/v1/', '/v2/')}", params={"fields.root": "count"}))
    assert listed["count"] == 0


async def test_an_archived_training_cannot_be_asked_for(client: httpx.AsyncClient, world: World) -> None:
    training = await create_training(client)
    await ok(await client.patch(f"{TRAININGS}/{training['id']}", json={"state": "Archived"}))

    problem = assert_problem(
        await client.post(DEMANDS, json=world.body(trainingId=training["id"])), 400, "trainingId"
    )
    assert "Archived" in problem["errors"]["trainingId"][0]


async def test_another_accounts_employees_and_demands_are_out_of_reach(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, world: World
) -> None:
    demand = await new_demand(client, world)
    their_world = await make_world(stranger)
    theirs = await put_employee(stranger)

    assert_problem(await stranger.get(demand_url(demand["id"])), 404)
    assert_problem(await stranger.post(demand_url(demand["id"], "refuse"), json={"reason": "no"}), 404)
    body = their_world.body(ownerId=world.owner["id"])
    assert_problem(await stranger.post(DEMANDS, json=body), 400, "ownerId")
    assert_problem(await client.post(DEMANDS, json=world.body(authorId=theirs["id"])), 400, "authorId")


async def test_another_accounts_training_cannot_be_asked_for(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, world: World
) -> None:
    theirs = await create_training(stranger)

    problem = assert_problem(
        await client.post(DEMANDS, json=world.body(trainingId=theirs["id"])), 400, "trainingId"
    )

    assert problem["errors"].keys() == {"trainingId"}
    listed = await ok(await client.get(DEMANDS.replace("/v1/", "/v2/"), params={"fields.root": "count"}))
    assert listed["count"] == 0


async def test_a_reason_of_2000_characters_is_kept_whole(client: httpx.AsyncClient, world: World) -> None:
    reason = "é" * 1999 + "!"
    demand = await new_demand(client, world, reason=reason)

    assert demand["reason"] == reason
    assert (await ok(await client.get(demand_url(demand["id"]))))["reason"] == reason


async def test_a_read_key_cannot_request(reader: httpx.AsyncClient, world: World) -> None:
    assert_problem(await reader.post(DEMANDS, json=world.body()), 403)


async def test_an_unknown_demand_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(demand_url(987_654)), 404)
    assert_problem(await client.get(f"{DEMANDS.replace('/v1/', '/v2/')}/abc"), 404)
