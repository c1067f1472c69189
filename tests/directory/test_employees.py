"""Employees (extension): PUT by the HR system's id (create or replace the whole record), GET one; every
field's rule, references within the account, unique logins, and the manager rules (no self, no cycle)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.directory.helpers import (
    EMPLOYEES,
    audit_events,
    employee_body,
    put_department,
    put_employee,
    put_establishment,
)
from tests.factories import OMIT, assert_problem, count, list_ids

FULL = {
    "login": "jdupont",
    "firstName": "Jeanne",
    "lastName": "Dupont",
    "email": "jeanne.dupont@example.com",
    "departmentId": 10,
    "establishmentId": 20,
    "managerId": 1,
    "hiredOn": "2021-09-01",
    "leftOn": "2025-06-30",
}


async def with_references(client: httpx.AsyncClient) -> None:
    """Department 10, establishment 20, and employee 1 (Marie Curie), the manager FULL names."""
    await put_department(client, 10)
    await put_establishment(client, 20)
    await put_employee(client, 1, firstName="Marie", lastName="Curie")


async def test_put_of_a_new_id_creates_the_employee_with_every_field(client: httpx.AsyncClient) -> None:
    await with_references(client)

    response = await client.put(f"{EMPLOYEES}/416", json=FULL)

    assert response.status_code == 201, response.text
    expected = {
        **{k: v for k, v in FULL.items() if k != "managerId"},
        "id": 416,
        "manager": {"id": 1, "firstName": "Marie", "lastName": "Curie"},
    }
    assert response.json() == expected
    fetched = await client.get(f"{EMPLOYEES}/416")
    assert fetched.status_code == 200
    assert fetched.json() == expected


async def test_only_the_names_and_login_are_required_and_absent_values_are_omitted(
    client: httpx.AsyncClient,
) -> None:
    response = await client.put(f"{EMPLOYEES}/3", json={"login": "a", "firstName": "B", "lastName": "C"})

    assert response.status_code == 201
    assert response.json() == {"id": 3, "login": "a", "firstName": "B", "lastName": "C"}
    assert (await client.get(f"{EMPLOYEES}/3")).json() == response.json()


async def test_null_optional_fields_are_absent(client: httpx.AsyncClient) -> None:
    body = {**employee_body(login="n"), **dict.fromkeys(FULL.keys() - {"login", "firstName", "lastName"})}

    response = await client.put(f"{EMPLOYEES}/3", json=body)

    assert response.status_code == 201, response.text
    assert set(response.json()) == {"id", "login", "firstName", "lastName"}


async def test_put_of_an_existing_id_replaces_the_whole_record(client: httpx.AsyncClient) -> None:
    await with_references(client)
    await put_employee(client, 416, **FULL)

    response = await client.put(f"{EMPLOYEES}/416", json={"login": "jd", "firstName": "J", "lastName": "D"})

    assert response.status_code == 200, response.text
    replaced = {"id": 416, "login": "jd", "firstName": "J", "lastName": "D"}
    assert response.json() == replaced  # what was left out is gone
    assert (await client.get(f"{EMPLOYEES}/416")).json() == replaced
    assert await count(client, EMPLOYEES) == 2


async def test_put_is_idempotent(client: httpx.AsyncClient) -> None:
    await with_references(client)

    first = await client.put(f"{EMPLOYEES}/416", json=FULL)
    again = await client.put(f"{EMPLOYEES}/416", json=FULL)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()


async def test_unknown_and_read_only_fields_are_ignored(client: httpx.AsyncClient) -> None:
    await with_references(client)
    body = employee_body(login="x", id=99, manager={"id": 1, "firstName": "Z", "lastName": "Z"}, age=40)

    response = await client.put(f"{EMPLOYEES}/5", json=body)

    assert response.status_code == 201
    assert response.json() == {
        "id": 5,
        "login": "x",
        "firstName": body["firstName"],
        "lastName": body["lastName"],
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("login", "x" * 250),
        ("login", "Jean.Dupont@corp"),
        ("firstName", "x" * 250),
        ("firstName", " Zoé "),
        ("lastName", "x" * 250),
        ("lastName", "d'Alembert-Núñez"),
        ("email", "a@b.co"),
        ("email", "jean+training@mail.example.org"),
        ("email", "x" * 240 + "@ample.com"),
        ("hiredOn", "2024-02-29"),
        ("leftOn", "1999-12-31"),
    ],
)
async def test_valid_values_are_taken_as_sent(client: httpx.AsyncClient, field: str, value: str) -> None:
    assert (await put_employee(client, 1, **{field: value}))[field] == value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("login", OMIT),
        ("login", ""),
        ("login", "   "),
        ("login", "x" * 251),
        ("login", None),
        ("login", 12),
        ("login", "nul\u0000"),
        ("firstName", OMIT),
        ("firstName", ""),
        ("firstName", " \t"),
        ("firstName", "x" * 251),
        ("firstName", None),
        ("firstName", ["Jane"]),
        ("lastName", OMIT),
        ("lastName", ""),
        ("lastName", "  "),
        ("lastName", "x" * 251),
        ("lastName", None),
        ("lastName", False),
        ("email", ""),
        ("email", "jane"),
        ("email", "jane@"),
        ("email", "@example.com"),
        ("email", "jane@example"),
        ("email", "jane@example."),
        ("email", "jane doe@example.com"),
        ("email", "jane@@example.com"),
        ("email", " jane@example.com"),
        ("email", "x" * 241 + "@ample.com"),
        ("email", 12),
        ("departmentId", 0),
        ("departmentId", -1),
        ("departmentId", 2147483648),
        ("departmentId", "10"),
        ("departmentId", 1.5),
        ("departmentId", True),
        ("establishmentId", 0),
        ("establishmentId", "20"),
        ("managerId", 0),
        ("managerId", "1"),
        ("managerId", 2147483648),
        ("hiredOn", "2025-02-30"),
        ("hiredOn", "04/01/2025"),
        ("hiredOn", "2025-01-04T00:00:00"),
        ("hiredOn", 20250104),
        ("leftOn", "2025-1-4"),
        ("leftOn", ""),
    ],
)
async def test_invalid_field_is_400_naming_it_and_nothing_written(
    client: httpx.AsyncClient, field: str, value: Any
) -> None:
    response = await client.put(f"{EMPLOYEES}/2", json=employee_body(**{field: value}))

    assert_problem(response, 400, field)
    assert await count(client, EMPLOYEES) == 0


@pytest.mark.parametrize(
    ("field", "kind"), [("departmentId", "department"), ("establishmentId", "establishment")]
)
async def test_an_unknown_unit_is_400(client: httpx.AsyncClient, field: str, kind: str) -> None:
    await put_department(client, 10)
    await put_establishment(client, 20)

    response = await client.put(f"{EMPLOYEES}/2", json=employee_body(**{field: 11}))

    body = assert_problem(response, 400, field)
    assert body["errors"][field] == [f"{kind} 11 does not exist"]
    assert await count(client, EMPLOYEES) == 0


@pytest.mark.parametrize(
    ("field", "kind"), [("departmentId", "department"), ("establishmentId", "establishment")]
)
async def test_another_accounts_unit_does_not_exist(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient, field: str, kind: str
) -> None:
    await put_department(stranger, 10)
    await put_establishment(stranger, 10)

    response = await client.put(f"{EMPLOYEES}/2", json=employee_body(**{field: 10}))

    assert assert_problem(response, 400, field)["errors"][field] == [f"{kind} 10 does not exist"]


async def test_an_unknown_manager_is_400(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1)

    response = await client.put(f"{EMPLOYEES}/2", json=employee_body(managerId=3))

    assert assert_problem(response, 400, "managerId")["errors"]["managerId"] == ["employee 3 does not exist"]
    assert await list_ids(client, EMPLOYEES) == [1]


async def test_another_accounts_employee_cannot_be_a_manager(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await put_employee(stranger, 1)

    response = await client.put(f"{EMPLOYEES}/2", json=employee_body(managerId=1))

    assert assert_problem(response, 400, "managerId")["errors"]["managerId"] == ["employee 1 does not exist"]


async def test_an_invalid_replacement_leaves_the_employee_as_it_was(client: httpx.AsyncClient) -> None:
    await with_references(client)
    before = await put_employee(client, 416, **FULL)

    for field, value in (
        ("departmentId", 11),
        ("managerId", 99),
        ("email", "nope"),
        ("leftOn", "2000-01-01"),
    ):
        response = await client.put(f"{EMPLOYEES}/416", json={**FULL, field: value})
        assert_problem(response, 400, field)

    assert (await client.get(f"{EMPLOYEES}/416")).json() == before


# Dates ------------------------------------------------------------------------------------------------------


async def test_left_before_hired_is_400_on_left_on(client: httpx.AsyncClient) -> None:
    response = await client.put(
        f"{EMPLOYEES}/2", json=employee_body(hiredOn="2025-01-04", leftOn="2025-01-03")
    )

    assert_problem(response, 400, "leftOn")
    assert await count(client, EMPLOYEES) == 0


@pytest.mark.parametrize(
    ("hired", "left"), [("2025-01-04", "2025-01-04"), ("2025-01-04", "2030-01-01"), (OMIT, "2020-01-01")]
)
async def test_left_on_or_after_hired_or_alone_is_accepted(
    client: httpx.AsyncClient, hired: Any, left: str
) -> None:
    body = await put_employee(client, 2, hiredOn=hired, leftOn=left)

    assert body["leftOn"] == left
    assert body.get("hiredOn") == (None if hired is OMIT else hired)


# Logins -----------------------------------------------------------------------------------------------------


async def test_a_login_taken_by_another_employee_is_409(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="jdupont")
    await put_employee(client, 2, login="mcurie")

    on_create = await client.put(f"{EMPLOYEES}/3", json=employee_body(login="jdupont"))
    on_replace = await client.put(f"{EMPLOYEES}/2", json=employee_body(login="jdupont"))

    assert_problem(on_create, 409, "login")
    assert_problem(on_replace, 409, "login")
    assert await list_ids(client, EMPLOYEES) == [1, 2]
    assert (await client.get(f"{EMPLOYEES}/2")).json()["login"] == "mcurie"


async def test_an_employee_keeps_its_own_login_on_replace(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="jdupont", firstName="Jean")

    response = await client.put(f"{EMPLOYEES}/1", json=employee_body(login="jdupont", firstName="Jeanne"))

    assert response.status_code == 200
    assert response.json()["firstName"] == "Jeanne"


async def test_logins_differing_in_case_are_different(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="jdupont")

    assert (await put_employee(client, 2, login="JDupont"))["login"] == "JDupont"


async def test_another_account_has_its_own_ids_and_logins(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    ours = await put_employee(client, 1, login="jdupont", firstName="Ours")

    theirs = await stranger.put(f"{EMPLOYEES}/1", json=employee_body(login="jdupont", firstName="Theirs"))

    assert theirs.status_code == 201
    assert (await client.get(f"{EMPLOYEES}/1")).json() == ours


# Managers ---------------------------------------------------------------------------------------------------


async def test_the_manager_is_shown_with_their_current_names(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, firstName="Marie", lastName="Curie", login="mc")
    await put_employee(client, 2, managerId=1)

    await put_employee(client, 1, firstName="Marie", lastName="Skłodowska-Curie", login="mc")

    fetched = (await client.get(f"{EMPLOYEES}/2")).json()
    assert fetched["manager"] == {"id": 1, "firstName": "Marie", "lastName": "Skłodowska-Curie"}


async def test_a_manager_may_change_and_be_removed(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, firstName="A", lastName="One")
    await put_employee(client, 2, firstName="B", lastName="Two")
    await put_employee(client, 3, login="c", managerId=1)

    changed = await put_employee(client, 3, login="c", managerId=2)
    removed = await put_employee(client, 3, login="c")

    assert changed["manager"] == {"id": 2, "firstName": "B", "lastName": "Two"}
    assert "manager" not in removed


async def test_an_employee_may_not_be_their_own_manager(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1)

    on_replace = await client.put(f"{EMPLOYEES}/1", json=employee_body(managerId=1))
    on_create = await client.put(f"{EMPLOYEES}/2", json=employee_body(managerId=2))

    for response in (on_replace, on_create):
        body = assert_problem(response, 400, "managerId")
        assert "own manager" in body["errors"]["managerId"][0]
    assert await list_ids(client, EMPLOYEES) == [1]


async def test_a_direct_cycle_is_400(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="boss")
    await put_employee(client, 2, login="report", managerId=1)

    response = await client.put(f"{EMPLOYEES}/1", json=employee_body(login="boss", managerId=2))

    body = assert_problem(response, 400, "managerId")
    assert "cycle" in body["errors"]["managerId"][0]
    assert "manager" not in (await client.get(f"{EMPLOYEES}/1")).json()


async def test_a_cycle_through_others_is_400(client: httpx.AsyncClient) -> None:
    # 1 manages 2, who manages 3, who manages 4.
    await put_employee(client, 1, login="e1")
    for employee_id in (2, 3, 4):
        await put_employee(client, employee_id, login=f"e{employee_id}", managerId=employee_id - 1)

    response = await client.put(f"{EMPLOYEES}/1", json=employee_body(login="e1", managerId=4))

    body = assert_problem(response, 400, "managerId")
    assert "cycle" in body["errors"]["managerId"][0]


async def test_a_manager_from_another_branch_is_allowed(client: httpx.AsyncClient) -> None:
    # 1 manages 2 and 3; 3 manages 4. Moving 2 under 4 closes no loop.
    await put_employee(client, 1, login="e1")
    await put_employee(client, 2, login="e2", managerId=1)
    await put_employee(client, 3, login="e3", managerId=1)
    await put_employee(client, 4, login="e4", managerId=3)

    moved = await put_employee(client, 2, login="e2", managerId=4)

    assert moved["manager"]["id"] == 4
    # and the top of a chain may be put under someone outside it
    await put_employee(client, 5, login="e5")
    assert (await put_employee(client, 1, login="e1", managerId=5))["manager"]["id"] == 5


async def test_a_report_may_be_moved_to_their_managers_manager(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="e1")
    await put_employee(client, 2, login="e2", managerId=1)
    await put_employee(client, 3, login="e3", managerId=2)

    assert (await put_employee(client, 3, login="e3", managerId=1))["manager"]["id"] == 1


# Access -----------------------------------------------------------------------------------------------------


async def test_another_accounts_employee_is_404(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await put_employee(stranger, 7)

    assert_problem(await client.get(f"{EMPLOYEES}/7"), 404)


@pytest.mark.parametrize("employee_id", ["999", "0", "-1", "abc", "2147483648", "01"])
async def test_get_unknown_is_404(client: httpx.AsyncClient, employee_id: str) -> None:
    await put_employee(client, 1)

    assert_problem(await client.get(f"{EMPLOYEES}/{employee_id}"), 404)


@pytest.mark.parametrize("employee_id", ["0", "-1", "abc", "2147483648", "1.0"])
async def test_put_to_an_id_that_is_not_an_int32_id_is_404(
    client: httpx.AsyncClient, employee_id: str
) -> None:
    assert_problem(await client.put(f"{EMPLOYEES}/{employee_id}", json=employee_body()), 404)
    assert await count(client, EMPLOYEES) == 0


async def test_a_read_key_reads_but_cannot_put(client: httpx.AsyncClient, reader: httpx.AsyncClient) -> None:
    created = await put_employee(client, 1)

    assert_problem(await reader.put(f"{EMPLOYEES}/1", json=employee_body()), 403)
    assert_problem(await reader.put(f"{EMPLOYEES}/2", json=employee_body()), 403)
    assert (await reader.get(f"{EMPLOYEES}/1")).json() == created
    assert await list_ids(reader, EMPLOYEES) == [1]


async def test_without_a_key_it_is_401(anonymous: httpx.AsyncClient) -> None:
    assert_problem(await anonymous.put(f"{EMPLOYEES}/1", json=employee_body()), 401)
    assert_problem(await anonymous.get(f"{EMPLOYEES}/1"), 401)


# Audit ------------------------------------------------------------------------------------------------------


async def test_audit_records_the_creation_with_every_field(client: httpx.AsyncClient) -> None:
    await with_references(client)
    await put_employee(client, 416, **FULL)

    [event] = await audit_events(client, "employee", 416)

    assert event["action"] == "create"
    assert event["changes"] == {field: {"before": None, "after": value} for field, value in FULL.items()}


async def test_audit_records_only_the_fields_a_replacement_changed(client: httpx.AsyncClient) -> None:
    await with_references(client)
    await put_employee(client, 416, **FULL)
    await put_employee(client, 416, **FULL)  # unchanged: nothing recorded

    await put_employee(client, 416, **{**FULL, "lastName": "Martin", "managerId": OMIT, "leftOn": OMIT})

    events = await audit_events(client, "employee", 416)
    assert [e["action"] for e in events] == ["create", "update"]
    assert events[1]["changes"] == {
        "lastName": {"before": "Dupont", "after": "Martin"},
        "managerId": {"before": 1, "after": None},
        "leftOn": {"before": "2025-06-30", "after": None},
    }


async def test_a_refused_put_records_nothing(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, login="taken")
    await client.put(f"{EMPLOYEES}/2", json=employee_body(login="taken"))
    await client.put(f"{EMPLOYEES}/2", json=employee_body(managerId=2))

    assert await audit_events(client, "employee", 2) == []
