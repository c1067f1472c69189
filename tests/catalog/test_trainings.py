"""Trainings: create (seed operation), get by id (extension), validation, and the seed example."""

from __future__ import annotations

from importlib import resources
from typing import Any

import httpx
import pytest
import yaml

from tests.factories import (
    OMIT,
    TRAININGS,
    assert_problem,
    count,
    create_category,
    create_provider,
    create_training,
    training_body,
)


def seed_example(name: str) -> Any:
    text = (resources.files("talent_training") / "contract" / "lucca-training.seeds.yaml").read_text("utf-8")
    return yaml.safe_load(text)["components"]["examples"][name]["value"]


async def test_seed_example_is_reproduced(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, name="L'Élan Français", websiteHref="https://elan-francais.fr")
    category = await create_category(
        client, name="Languages", t9n={"name": {"Fr": "Langues", "Es": "Idiomas"}}
    )
    request = seed_example("v1.post.training.req")
    request |= {"providerId": provider["id"], "categoryId": category["id"]}

    response = await client.post(TRAININGS, json=request)

    assert response.status_code == 201, response.text
    expected = seed_example("v1.get.training.res")
    expected["category"]["t9n"]["name"] = {"Fr": "Langues", "Es": "Idiomas"}  # the seed's "Ff" is a typo
    expected["provider"]["id"] = provider["id"]
    expected["category"]["id"] = category["id"]
    body = response.json()
    assert body == expected | {"id": body["id"]}


async def test_minimal_training_is_ready_external_without_provider_or_category(
    client: httpx.AsyncClient,
) -> None:
    sent = training_body()

    body = await create_training(client, **sent)

    assert body == sent | {"id": body["id"], "state": "Ready", "type": "External"}
    assert "provider" not in body and "category" not in body


async def test_provider_and_category_are_nested(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, websiteHref="https://p.example")
    category = await create_category(client, t9n={"name": {"En": "Safety"}})

    body = await create_training(
        client, providerId=provider["id"], categoryId=category["id"], type="Internal"
    )

    assert body["type"] == "Internal"
    assert body["provider"] == provider
    assert body["category"] == category


async def test_provider_without_website_is_nested_without_it(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, websiteHref=OMIT)

    body = await create_training(client, providerId=provider["id"])

    assert body["provider"] == {"id": provider["id"], "name": provider["name"]}


async def test_read_only_and_unknown_fields_are_ignored(client: httpx.AsyncClient) -> None:
    body = await create_training(
        client,
        id=424242,
        state="Archived",
        provider={"id": 1, "name": "Fake"},
        category={"id": 1, "name": "Fake"},
        colour="blue",
    )

    assert body["id"] != 424242
    assert body["state"] == "Ready"
    assert "provider" not in body and "category" not in body and "colour" not in body


async def test_longest_texts_are_accepted(client: httpx.AsyncClient) -> None:
    body = await create_training(client, title="t" * 250, subtitle="s" * 1000, description="d" * 6000)

    assert (len(body["title"]), len(body["subtitle"]), len(body["description"])) == (250, 1000, 6000)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", OMIT),
        ("title", ""),
        ("title", "   "),
        ("title", "\u200b\u2060\ufeff"),  # only invisible characters: zero-width space, word joiner, BOM
        ("title", "t" * 251),
        ("title", None),
        ("title", 1),
        ("subtitle", OMIT),
        ("subtitle", "s" * 1001),
        ("subtitle", None),
        ("description", OMIT),
        ("description", "d" * 6001),
        ("description", ["d"]),
        ("level", OMIT),
        ("level", "beginner"),
        ("level", "Novice"),
        ("level", None),
        ("isCertifying", OMIT),
        ("isCertifying", "false"),
        ("isCertifying", 0),
        ("isCertifying", None),
        ("isMandatory", OMIT),
        ("isMandatory", "yes"),
        ("isMandatory", 1),
        ("type", "external"),
        ("type", "Other"),
        ("type", None),
        ("providerId", 999999),
        ("providerId", "1"),
        ("providerId", 0),
        ("providerId", 1.0),
        ("providerId", 2147483648),
        ("providerId", True),
        ("categoryId", 999999),
        ("categoryId", -3),
        ("categoryId", "2"),
        # Found by fuzzing (tests/contract/test_fuzz.py): optional, but never null on create.
        ("providerId", None),
        ("categoryId", None),
        ("state", None),
    ],
)
async def test_invalid_field_is_400_and_nothing_created(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    response = await client.post(TRAININGS, json=training_body(**{field: value}))

    assert_problem(response, 400, field)
    assert await count(client, TRAININGS) == 0


async def test_get_by_id(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client)
    created = await create_training(client, providerId=provider["id"])

    response = await client.get(f"{TRAININGS}/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("training_id", ["999999", "0", "-5", "abc", "2147483648", "1.0"])
async def test_get_unknown_is_404(client: httpx.AsyncClient, training_id: str) -> None:
    await create_training(client)

    assert_problem(await client.get(f"{TRAININGS}/{training_id}"), 404)
