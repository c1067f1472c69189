"""Departments and establishments (extension): PUT by the HR system's id, GET one, list; names unique per
account. Both kinds follow the same rules, so every test runs for each."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.directory.helpers import UNITS, audit_events, put_unit, unit_body
from tests.factories import OMIT, assert_problem, count, list_ids

pytestmark = pytest.mark.parametrize("kind", ["department", "establishment"])


async def test_put_of_a_new_id_creates_it_with_that_id(client: httpx.AsyncClient, kind: str) -> None:
    response = await client.put(f"{UNITS[kind]}/416", json={"name": "Ressources humaines"})

    assert response.status_code == 201, response.text
    assert response.json() == {"id": 416, "name": "Ressources humaines"}
    fetched = await client.get(f"{UNITS[kind]}/416")
    assert fetched.status_code == 200
    assert fetched.json() == {"id": 416, "name": "Ressources humaines"}


async def test_put_of_an_existing_id_replaces_it(client: httpx.AsyncClient, kind: str) -> None:
    await put_unit(client, kind, 7, name="Before")

    response = await client.put(f"{UNITS[kind]}/7", json={"name": "After"})

    assert response.status_code == 200, response.text
    assert response.json() == {"id": 7, "name": "After"}
    assert (await client.get(f"{UNITS[kind]}/7")).json() == {"id": 7, "name": "After"}
    assert await count(client, UNITS[kind]) == 1


async def test_put_is_idempotent(client: httpx.AsyncClient, kind: str) -> None:
    first = await client.put(f"{UNITS[kind]}/7", json={"name": "Same"})
    again = await client.put(f"{UNITS[kind]}/7", json={"name": "Same"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json() == {"id": 7, "name": "Same"}
    assert await count(client, UNITS[kind]) == 1


async def test_unknown_and_read_only_fields_are_ignored(client: httpx.AsyncClient, kind: str) -> None:
    response = await client.put(f"{UNITS[kind]}/3", json={"name": "Sales", "id": 99, "color": "red"})

    assert response.status_code == 201
    assert response.json() == {"id": 3, "name": "Sales"}


@pytest.mark.parametrize("name", ["x", "x" * 250, "  Spaced  Out ", "Économie & Société"])
async def test_names_are_taken_as_sent(client: httpx.AsyncClient, kind: str, name: str) -> None:
    assert (await put_unit(client, kind, 1, name=name))["name"] == name


@pytest.mark.parametrize("name", [OMIT, "", "   ", "x" * 251, None, 12, ["Sales"], True, "nul\u0000"])
async def test_invalid_name_is_400_and_nothing_written(
    client: httpx.AsyncClient, kind: str, name: Any
) -> None:
    response = await client.put(f"{UNITS[kind]}/1", json=unit_body(name=name))

    assert_problem(response, 400, "name")
    assert await count(client, UNITS[kind]) == 0


async def test_an_invalid_name_leaves_the_existing_record_as_it_was(
    client: httpx.AsyncClient, kind: str
) -> None:
    await put_unit(client, kind, 1, name="Kept")

    assert_problem(await client.put(f"{UNITS[kind]}/1", json={"name": ""}), 400, "name")

    assert (await client.get(f"{UNITS[kind]}/1")).json()["name"] == "Kept"


@pytest.mark.parametrize("body", ["[]", '"Sales"', "null", "{", ""])
async def test_a_body_that_is_not_an_object_is_400(client: httpx.AsyncClient, kind: str, body: str) -> None:
    response = await client.put(
        f"{UNITS[kind]}/1", content=body, headers={"Content-Type": "application/json"}
    )

    assert_problem(response, 400)


@pytest.mark.parametrize("unit_id", ["0", "-1", "abc", "2147483648", "1.0", "01"])
async def test_put_to_an_id_that_is_not_an_int32_id_is_404(
    client: httpx.AsyncClient, kind: str, unit_id: str
) -> None:
    assert_problem(await client.put(f"{UNITS[kind]}/{unit_id}", json=unit_body()), 404)
    assert await count(client, UNITS[kind]) == 0


async def test_the_largest_int32_id_is_accepted(client: httpx.AsyncClient, kind: str) -> None:
    assert (await put_unit(client, kind, 2147483647))["id"] == 2147483647


async def test_a_name_taken_by_another_record_is_409_on_create(client: httpx.AsyncClient, kind: str) -> None:
    await put_unit(client, kind, 1, name="Sales")

    response = await client.put(f"{UNITS[kind]}/2", json={"name": "Sales"})

    assert_problem(response, 409, "name")
    assert await list_ids(client, UNITS[kind]) == [1]


async def test_a_name_taken_by_another_record_is_409_on_replace(client: httpx.AsyncClient, kind: str) -> None:
    await put_unit(client, kind, 1, name="Sales")
    await put_unit(client, kind, 2, name="Marketing")

    response = await client.put(f"{UNITS[kind]}/2", json={"name": "Sales"})

    assert_problem(response, 409, "name")
    assert (await client.get(f"{UNITS[kind]}/2")).json()["name"] == "Marketing"


async def test_names_differing_in_case_are_different(client: httpx.AsyncClient, kind: str) -> None:
    await put_unit(client, kind, 1, name="Sales")

    assert (await put_unit(client, kind, 2, name="SALES"))["name"] == "SALES"


async def test_two_records_may_swap_names_one_after_the_other(client: httpx.AsyncClient, kind: str) -> None:
    await put_unit(client, kind, 1, name="A")
    await put_unit(client, kind, 2, name="B")

    await put_unit(client, kind, 1, name="tmp")
    await put_unit(client, kind, 2, name="A")
    await put_unit(client, kind, 1, name="B")

    assert [(await client.get(f"{UNITS[kind]}/{i}")).json()["name"] for i in (1, 2)] == ["B", "A"]


async def test_another_account_has_its_own_ids_and_names(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, kind: str
) -> None:
    await put_unit(client, kind, 1, name="Sales")

    theirs = await stranger.put(f"{UNITS[kind]}/1", json={"name": "Sales"})

    assert theirs.status_code == 201  # created in their account, not replacing ours
    assert (await client.get(f"{UNITS[kind]}/1")).json()["name"] == "Sales"
    await put_unit(stranger, kind, 1, name="Theirs")
    assert (await client.get(f"{UNITS[kind]}/1")).json()["name"] == "Sales"


async def test_another_accounts_record_is_404(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, kind: str
) -> None:
    await put_unit(stranger, kind, 5)

    assert_problem(await client.get(f"{UNITS[kind]}/5"), 404)
    assert await list_ids(client, UNITS[kind]) == []


@pytest.mark.parametrize("unit_id", ["999", "0", "abc", "2147483648"])
async def test_get_unknown_is_404(client: httpx.AsyncClient, kind: str, unit_id: str) -> None:
    await put_unit(client, kind, 1)

    assert_problem(await client.get(f"{UNITS[kind]}/{unit_id}"), 404)


async def test_list_in_id_order_with_paging(client: httpx.AsyncClient, kind: str) -> None:
    for unit_id in (30, 4, 1000, 12, 7):
        await put_unit(client, kind, unit_id)

    assert await list_ids(client, UNITS[kind]) == [4, 7, 12, 30, 1000]
    assert await list_ids(client, UNITS[kind], {"limit": 2, "page": 1}) == [12, 30]
    first = await client.get(UNITS[kind], params={"limit": 2, "fields.root": "count,next,prev"})
    assert first.status_code == 200
    body = first.json()
    assert [item["id"] for item in body["items"]] == [4, 7]
    assert (body["count"], body["prev"]) == (5, None)
    after = await client.get(UNITS[kind], params={"limit": 2, "page": body["next"]})
    assert [item["id"] for item in after.json()["items"]] == [12, 30]


async def test_list_items_are_the_records(client: httpx.AsyncClient, kind: str) -> None:
    created = await put_unit(client, kind, 3, name="Lyon")

    response = await client.get(UNITS[kind])

    assert response.json() == {"items": [created]}


@pytest.mark.parametrize(
    ("param", "value"), [("limit", "101"), ("limit", "x"), ("page", "-1"), ("fields.root", "total")]
)
async def test_invalid_paging_is_400(client: httpx.AsyncClient, kind: str, param: str, value: str) -> None:
    assert_problem(await client.get(UNITS[kind], params={param: value}), 400, param)


async def test_a_read_key_reads_but_cannot_put(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, kind: str
) -> None:
    await put_unit(client, kind, 1, name="Sales")

    assert_problem(await reader.put(f"{UNITS[kind]}/1", json={"name": "Other"}), 403)
    assert_problem(await reader.put(f"{UNITS[kind]}/2", json={"name": "Other"}), 403)
    assert (await reader.get(f"{UNITS[kind]}/1")).json()["name"] == "Sales"
    assert await list_ids(reader, UNITS[kind]) == [1]


async def test_without_a_key_it_is_401(anonymous: httpx.AsyncClient, kind: str) -> None:
    assert_problem(await anonymous.put(f"{UNITS[kind]}/1", json={"name": "Sales"}), 401)
    assert_problem(await anonymous.get(UNITS[kind]), 401)


async def test_other_methods_are_405(client: httpx.AsyncClient, kind: str) -> None:
    await put_unit(client, kind, 1)

    assert_problem(await client.post(UNITS[kind], json=unit_body()), 405)
    assert_problem(await client.delete(f"{UNITS[kind]}/1"), 405)
    assert_problem(await client.patch(f"{UNITS[kind]}/1", json=unit_body()), 405)


async def test_audit_records_the_creation_and_each_change(client: httpx.AsyncClient, kind: str) -> None:
    await put_unit(client, kind, 9, name="First")
    await put_unit(client, kind, 9, name="First")  # unchanged: nothing to record
    await put_unit(client, kind, 9, name="Second")

    events = await audit_events(client, kind, 9)

    assert [(e["action"], e["changes"]) for e in events] == [
        ("create", {"name": {"before": None, "after": "First"}}),
        ("update", {"name": {"before": "First", "after": "Second"}}),
    ]


async def test_a_refused_put_records_nothing(client: httpx.AsyncClient, kind: str) -> None:
    await put_unit(client, kind, 1, name="Sales")
    await client.put(f"{UNITS[kind]}/2", json={"name": "Sales"})

    assert await audit_events(client, kind, 2) == []
