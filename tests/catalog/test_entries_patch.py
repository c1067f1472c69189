"""PATCH /providers/{id} and /categories/{id} (extensions): JSON merge patch under the rules of creation,
per-account unique names (409), another account's entry not found, and the audit trail."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.audit.test_audit_events import events, key_actor
from tests.factories import (
    CATEGORIES,
    PROVIDERS,
    TRAININGS,
    assert_problem,
    create_category,
    create_provider,
    create_training,
)


async def patch(client: httpx.AsyncClient, path: str, entry_id: int, body: Any) -> httpx.Response:
    return await client.patch(f"{path}/{entry_id}", json=body)


async def get(client: httpx.AsyncClient, path: str, entry_id: int) -> dict[str, Any]:
    response = await client.get(f"{path}/{entry_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Providers ------------------------------------------------------------------------------------------------


async def test_a_provider_is_renamed_and_its_trainings_show_it(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, name="Acme", websiteHref="https://acme.example")
    training = await create_training(client, providerId=provider["id"])

    response = await patch(client, PROVIDERS, provider["id"], {"name": "Acme Learning"})

    assert response.status_code == 200, response.text
    expected = {"id": provider["id"], "name": "Acme Learning", "websiteHref": "https://acme.example"}
    assert response.json() == expected
    assert await get(client, PROVIDERS, provider["id"]) == expected
    shown = await get(client, TRAININGS, training["id"])
    assert shown["provider"] == expected


async def test_a_null_website_removes_it_and_an_absent_one_stays(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, name="Acme", websiteHref="https://acme.example")

    kept = await patch(client, PROVIDERS, provider["id"], {})
    assert kept.json() == provider
    removed = await patch(client, PROVIDERS, provider["id"], {"websiteHref": None})
    assert removed.json() == {"id": provider["id"], "name": "Acme"}
    added = await patch(client, PROVIDERS, provider["id"], {"websiteHref": "https://acme.example/new"})
    assert added.json()["websiteHref"] == "https://acme.example/new"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", None),
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 251),
        ("name", 12),
        ("websiteHref", "ftp://files.example"),
        ("websiteHref", "/relative"),
        ("websiteHref", 12),
    ],
)
async def test_a_refused_provider_field_is_400_and_nothing_changes(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    provider = await create_provider(client, name="Acme", websiteHref="https://acme.example")

    assert_problem(await patch(client, PROVIDERS, provider["id"], {field: value}), 400, field)
    assert await get(client, PROVIDERS, provider["id"]) == provider


async def test_a_provider_may_not_take_another_ones_name(client: httpx.AsyncClient) -> None:
    await create_provider(client, name="Acme")
    beta = await create_provider(client, name="Beta")

    assert_problem(await patch(client, PROVIDERS, beta["id"], {"name": "Acme"}), 409, "name")
    assert (await get(client, PROVIDERS, beta["id"]))["name"] == "Beta"
    same = await patch(client, PROVIDERS, beta["id"], {"name": "Beta"})  # its own name: no conflict
    assert same.status_code == 200


async def test_concurrent_renames_to_one_name_let_one_win(client: httpx.AsyncClient) -> None:
    first, second = await create_provider(client, name="A"), await create_provider(client, name="B")

    answers = await asyncio.gather(
        patch(client, PROVIDERS, first["id"], {"name": "Same"}),
        patch(client, PROVIDERS, second["id"], {"name": "Same"}),
    )

    assert sorted(answer.status_code for answer in answers) == [200, 409]


async def test_another_accounts_or_an_unknown_provider_is_404(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    theirs = await create_provider(stranger, name="Theirs")

    assert_problem(await patch(client, PROVIDERS, theirs["id"], {"name": "Mine"}), 404)
    assert_problem(await patch(client, PROVIDERS, 2147483647, {"name": "Mine"}), 404)
    assert (await get(stranger, PROVIDERS, theirs["id"]))["name"] == "Theirs"


async def test_a_read_key_may_not_patch(client: httpx.AsyncClient, reader: httpx.AsyncClient) -> None:
    provider = await create_provider(client)

    assert (await patch(reader, PROVIDERS, provider["id"], {"name": "Read only"})).status_code == 403


async def test_a_provider_update_is_audited_with_what_changed(
    client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    provider = await create_provider(client, name="Acme", websiteHref="https://acme.example")

    await patch(client, PROVIDERS, provider["id"], {"name": "Acme"})  # nothing changes: no event
    await patch(client, PROVIDERS, provider["id"], {"name": "Acme 2", "websiteHref": None})

    trail = await events(reader, resourceType="provider", resourceId=provider["id"])
    assert [event["action"] for event in trail] == ["create", "update"]
    update = trail[1]
    assert update["actor"] == key_actor(client)
    assert update["changes"] == {
        "name": {"before": "Acme", "after": "Acme 2"},
        "websiteHref": {"before": "https://acme.example", "after": None},
    }


# Categories -----------------------------------------------------------------------------------------------


async def test_a_categorys_translations_are_merged_language_by_language(client: httpx.AsyncClient) -> None:
    category = await create_category(
        client, name="Languages", t9n={"name": {"Fr": "Langues", "Es": "Idiomas"}}, code="LANG"
    )
    training = await create_training(client, categoryId=category["id"])

    response = await patch(
        client,
        CATEGORIES,
        category["id"],
        {"t9n": {"name": {"Fr": "Langues étrangères", "Es": None, "En": "Lang"}}},
    )

    assert response.status_code == 200, response.text
    expected = {
        "id": category["id"],
        "name": "Languages",
        "t9n": {"name": {"Fr": "Langues étrangères", "En": "Lang"}},
        "code": "LANG",
    }
    assert response.json() == expected
    assert await get(client, CATEGORIES, category["id"]) == expected
    assert (await get(client, TRAININGS, training["id"]))["category"] == {
        key: expected[key] for key in ("id", "name", "t9n")
    }


@pytest.mark.parametrize("t9n", [None, {"name": None}])
async def test_a_null_t9n_removes_every_translation(client: httpx.AsyncClient, t9n: Any) -> None:
    category = await create_category(client, t9n={"name": {"Fr": "Langues"}})

    response = await patch(client, CATEGORIES, category["id"], {"t9n": t9n})

    assert response.json()["t9n"] == {"name": {}}


async def test_absent_fields_stay_and_a_null_code_is_removed(client: httpx.AsyncClient) -> None:
    category = await create_category(client, name="Safety", t9n={"name": {"Fr": "Sécurité"}}, code="SAF")

    assert (await patch(client, CATEGORIES, category["id"], {"t9n": {}})).json() == category
    renamed = await patch(client, CATEGORIES, category["id"], {"name": "Health and safety", "code": None})
    assert renamed.json() == {"id": category["id"], "name": "Health and safety", "t9n": category["t9n"]}


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("name", {"name": None}),
        ("name", {"name": " "}),
        ("name", {"name": "x" * 251}),
        ("code", {"code": ""}),
        ("code", {"code": "x" * 101}),
        ("t9n.name.Fr", {"t9n": {"name": {"Fr": "x" * 251}}}),
        ("t9n.name.Ff", {"t9n": {"name": {"Ff": "Langues"}}}),
        ("t9n", {"t9n": "Langues"}),
    ],
)
async def test_a_refused_category_field_is_400_and_nothing_changes(
    client: httpx.AsyncClient, field: str, body: dict[str, Any]
) -> None:
    category = await create_category(client, name="Safety", t9n={"name": {"Fr": "Sécurité"}}, code="SAF")

    assert_problem(await patch(client, CATEGORIES, category["id"], body), 400, field)
    assert await get(client, CATEGORIES, category["id"]) == category


async def test_a_category_may_not_take_another_ones_name_nor_another_accounts(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await create_category(client, name="Safety")
    law = await create_category(client, name="Law")
    theirs = await create_category(stranger, name="Theirs")

    assert_problem(await patch(client, CATEGORIES, law["id"], {"name": "Safety"}), 409, "name")
    assert_problem(await patch(client, CATEGORIES, theirs["id"], {"name": "Mine"}), 404)
    assert (await get(stranger, CATEGORIES, theirs["id"]))["name"] == "Theirs"


async def test_a_category_update_is_audited_with_what_changed(
    client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    category = await create_category(client, name="Safety", t9n={"name": {"Fr": "Sécurité"}})

    await patch(client, CATEGORIES, category["id"], {"code": "SAF", "t9n": {"name": {"En": "Safety"}}})

    trail = await events(reader, resourceType="category", resourceId=category["id"])
    assert [event["action"] for event in trail] == ["create", "update"]
    assert trail[1]["changes"] == {
        "t9n": {
            "before": {"name": {"Fr": "Sécurité"}},
            "after": {"name": {"Fr": "Sécurité", "En": "Safety"}},
        },
        "code": {"before": None, "after": "SAF"},
    }
