"""GET /v1/employees: filters (`id`, `departmentIds`, `establishmentIds`, `managerIds`, `search`), paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.directory.helpers import EMPLOYEES, put_department, put_employee, put_establishment
from tests.factories import assert_problem, list_ids


async def directory(client: httpx.AsyncClient) -> None:
    """Departments 10, 11; establishments 20, 21; employees:
    1 (dept 10, est 20), 2 (dept 10, est 21, manager 1), 3 (dept 11, est 20, manager 1),
    4 (dept 11, manager 2), 5 (nothing)."""
    await put_department(client, 10)
    await put_department(client, 11)
    await put_establishment(client, 20)
    await put_establishment(client, 21)
    await put_employee(client, 1, departmentId=10, establishmentId=20)
    await put_employee(client, 2, departmentId=10, establishmentId=21, managerId=1)
    await put_employee(client, 3, departmentId=11, establishmentId=20, managerId=1)
    await put_employee(client, 4, departmentId=11, managerId=2)
    await put_employee(client, 5)


async def test_list_in_id_order_with_the_items_as_get_shows_them(client: httpx.AsyncClient) -> None:
    await directory(client)

    response = await client.get(EMPLOYEES)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [1, 2, 3, 4, 5]
    for item in items:
        assert (await client.get(f"{EMPLOYEES}/{item['id']}")).json() == item
    assert items[1]["manager"]["id"] == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"id": "2"}, [2]),
        ({"id": ["4", "1"]}, [1, 4]),
        ({"id": "4,1"}, [1, 4]),
        ({"id": ["5", "3,1"]}, [1, 3, 5]),
        ({"id": "99"}, []),
        ({"departmentIds": "10"}, [1, 2]),
        ({"departmentIds": ["10", "11"]}, [1, 2, 3, 4]),
        ({"departmentIds": "11,10"}, [1, 2, 3, 4]),
        ({"departmentIds": "12"}, []),
        ({"establishmentIds": "20"}, [1, 3]),
        ({"establishmentIds": "21,20"}, [1, 2, 3]),
        ({"establishmentIds": ["21"]}, [2]),
        ({"managerIds": "1"}, [2, 3]),
        ({"managerIds": ["1", "2"]}, [2, 3, 4]),
        ({"managerIds": "2,1"}, [2, 3, 4]),
        ({"managerIds": "5"}, []),
        ({"departmentIds": "10", "establishmentIds": "20"}, [1]),
        ({"departmentIds": "11", "managerIds": "1"}, [3]),
        ({"id": "1,2,3", "managerIds": "1", "establishmentIds": "21"}, [2]),
    ],
)
async def test_filters(client: httpx.AsyncClient, params: dict[str, Any], expected: list[int]) -> None:
    await directory(client)

    assert await list_ids(client, EMPLOYEES, params) == expected


@pytest.mark.parametrize("param", ["id", "departmentIds", "establishmentIds", "managerIds"])
@pytest.mark.parametrize("value", ["", "0", "x", "1,,2", "1.5", "2147483648", "1,1"])
async def test_invalid_id_filters_are_400(client: httpx.AsyncClient, param: str, value: str) -> None:
    assert_problem(await client.get(EMPLOYEES, params={param: value}), 400, param)


async def test_filters_count_the_filtered_employees(client: httpx.AsyncClient) -> None:
    await directory(client)

    response = await client.get(
        EMPLOYEES, params={"departmentIds": "10,11", "fields.root": "count", "limit": 1}
    )

    assert response.json()["count"] == 4
    assert len(response.json()["items"]) == 1


async def search_directory(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, firstName="Jérôme", lastName="Lefèvre", login="jlefevre")
    await put_employee(
        client, 2, firstName="Zoë", lastName="Martin", login="zmartin", email="zoe@corp.example"
    )
    await put_employee(client, 3, firstName="Anne", lastName="Dupont", login="adu_50%", email="anne@ÉCOLE.fr")


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("jerome", [1]),
        ("JÉRÔME", [1]),
        ("lefevre", [1]),
        ("Jerome Lefevre", [1]),  # first name then last name
        ("lefèvre jérôme", [1]),  # or the other way round
        ("zoe", [2]),  # first name and email
        ("corp.example", [2]),
        ("ZMARTIN", [2]),
        ("ecole", [3]),
        ("%", [3]),  # LIKE's wildcards are plain characters
        ("_5", [3]),
        ("n", [2, 3]),
        ("e", [1, 2, 3]),
        ("nobody", []),
        ("", [1, 2, 3]),  # empty: no filter
    ],
)
async def test_search_in_names_login_and_email_ignoring_case_and_accents(
    client: httpx.AsyncClient, search: str, expected: list[int]
) -> None:
    await search_directory(client)

    assert await list_ids(client, EMPLOYEES, {"search": search}) == expected


async def test_search_follows_a_replacement(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, firstName="Old", lastName="Name", login="before")

    await put_employee(client, 1, firstName="New", lastName="Name", login="after")

    assert await list_ids(client, EMPLOYEES, {"search": "old"}) == []
    assert await list_ids(client, EMPLOYEES, {"search": "new"}) == [1]
    assert await list_ids(client, EMPLOYEES, {"search": "before"}) == []


async def test_search_combines_with_the_other_filters(client: httpx.AsyncClient) -> None:
    await directory(client)
    await put_employee(client, 2, firstName="Ada", departmentId=10, managerId=1)
    await put_employee(client, 3, firstName="Ada", departmentId=11)

    assert await list_ids(client, EMPLOYEES, {"search": "ada", "departmentIds": "10"}) == [2]


@pytest.mark.parametrize("search", ["x" * 251, "nul\u0000"])
async def test_invalid_search_is_400(client: httpx.AsyncClient, search: str) -> None:
    assert_problem(await client.get(EMPLOYEES, params={"search": search}), 400, "search")


async def test_a_search_of_250_characters_is_accepted(client: httpx.AsyncClient) -> None:
    await put_employee(client, 1, lastName="x" * 250)

    assert await list_ids(client, EMPLOYEES, {"search": "X" * 250}) == [1]


async def test_another_accounts_employees_are_not_listed(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await put_employee(stranger, 1, firstName="Hidden", departmentId=None)
    await put_employee(client, 2)

    assert await list_ids(client, EMPLOYEES) == [2]
    assert await list_ids(client, EMPLOYEES, {"id": "1"}) == []
    assert await list_ids(client, EMPLOYEES, {"search": "hidden"}) == []


async def test_paging(client: httpx.AsyncClient) -> None:
    ids = [40, 3, 17, 2000, 8, 99, 1]
    for employee_id in ids:
        await put_employee(client, employee_id)
    ordered = sorted(ids)

    assert await list_ids(client, EMPLOYEES, {"limit": 3}) == ordered[:3]
    assert await list_ids(client, EMPLOYEES, {"limit": 3, "page": 2}) == ordered[6:]
    assert await list_ids(client, EMPLOYEES, {"limit": 0}) == []

    seen: list[int] = []
    params: dict[str, Any] = {"limit": 3, "fields.root": "next,prev,count"}
    while True:
        body = (await client.get(EMPLOYEES, params=params)).json()
        assert body["count"] == 7
        seen += [item["id"] for item in body["items"]]
        if body["next"] is None:
            break
        params["page"] = body["next"]
    assert seen == ordered
    back = (await client.get(EMPLOYEES, params={"limit": 3, "page": body["prev"]})).json()
    assert [item["id"] for item in back["items"]] == ordered[3:6]


async def test_the_default_page_is_20(client: httpx.AsyncClient) -> None:
    for employee_id in range(1, 23):
        await put_employee(client, employee_id)

    assert await list_ids(client, EMPLOYEES) == list(range(1, 21))


@pytest.mark.parametrize(
    ("param", "value"), [("limit", "101"), ("limit", "-1"), ("page", "garbage"), ("fields.root", "items")]
)
async def test_invalid_paging_is_400(client: httpx.AsyncClient, param: str, value: str) -> None:
    assert_problem(await client.get(EMPLOYEES, params={param: value}), 400, param)


async def test_a_read_key_lists(client: httpx.AsyncClient, reader: httpx.AsyncClient) -> None:
    await put_employee(client, 1)

    assert await list_ids(reader, EMPLOYEES) == [1]
