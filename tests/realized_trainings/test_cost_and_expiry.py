"""A realized training's cost and expiry date (extensions): sent on creation, stored exactly, returned by the
v2 answers only when set, refused with the field named."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.contract.checker import our_document, validate
from tests.factories import (
    OMIT,
    PREFIX,
    REALIZED,
    assert_problem,
    count,
    create_realized_training,
    create_training,
    realized_body,
)

V1 = f"{PREFIX}/v1/realized-trainings"
EVENTS = f"{PREFIX}/v1/audit-events"
EXTENSIONS = {"cost", "expiresOn"}


@pytest.fixture
async def training(client: httpx.AsyncClient) -> dict[str, Any]:
    return await create_training(client)


def as_documented(body: dict[str, Any]) -> None:
    """The seed operations' answers are checked against Lucca's schema, which knows nothing of the
    extensions: check them against ours too. Numbers as Decimal, so that `multipleOf: 0.01` is exact."""
    exact = json.loads(json.dumps(body), parse_float=Decimal)
    validate(our_document(), {"$ref": "#/components/schemas/v2.RealizedTraining"}, exact)


async def read_back(client: httpx.AsyncClient, realized_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The record as GET shows it, and as the v2 list shows it."""
    one = await client.get(f"{REALIZED}/{realized_id}")
    assert one.status_code == 200, one.text
    listed = await client.get(REALIZED)
    assert listed.status_code == 200, listed.text
    [item] = [item for item in listed.json()["items"] if item["id"] == realized_id]
    return one.json(), item


async def test_cost_and_expiry_are_returned_as_sent_by_every_v2_answer(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    created = await create_realized_training(
        client,
        training["id"],
        sessionEndsOn="2025-01-04",
        cost={"amount": 1250.5, "currency": "EUR"},
        expiresOn="2028-01-04",
    )

    assert created["cost"] == {"amount": 1250.5, "currency": "EUR"}
    assert created["expiresOn"] == "2028-01-04"
    one, listed = await read_back(client, created["id"])
    assert one == listed == created
    as_documented(created)


async def test_absent_when_not_set(client: httpx.AsyncClient, training: dict[str, Any]) -> None:
    created = await create_realized_training(client, training["id"])
    with_cost = await create_realized_training(
        client, training["id"], ownerId=417, cost={"amount": 80, "currency": "CHF"}
    )
    with_expiry = await create_realized_training(client, training["id"], ownerId=418, expiresOn="2030-06-30")

    assert not EXTENSIONS & created.keys()
    assert "expiresOn" not in with_cost and "cost" not in with_expiry
    for body in (created, with_cost, with_expiry):
        assert await read_back(client, body["id"]) == (body, body)
        as_documented(body)


@pytest.mark.parametrize(
    ("sent", "returned"),
    [
        ("0", "0"),
        ("0.00", "0"),
        ("12.5", "12.5"),
        ("12.50", "12.5"),
        ("14.0", "14"),
        ("0.07", "0.07"),
        ("1234567.89", "1234567.89"),
        ("9999999999999.99", "9999999999999.99"),
    ],
)
async def test_the_amount_is_exact_without_spurious_digits(
    client: httpx.AsyncClient, training: dict[str, Any], sent: str, returned: str
) -> None:
    body = realized_body(training["id"], cost={"amount": "@", "currency": "JPY"})
    raw = json.dumps(body).replace('"@"', sent)

    created = await client.post(REALIZED, content=raw, headers={"Content-Type": "application/json"})
    assert created.status_code == 201, created.text
    fetched = await client.get(f"{REALIZED}/{created.json()['id']}")
    listed = await client.get(REALIZED)

    pattern = re.compile(r'"amount"\s*:\s*' + re.escape(returned) + r"\s*[,}]")
    for response in (created, fetched, listed):
        assert pattern.search(response.text), response.text
    assert json.loads(fetched.text, parse_float=Decimal)["cost"]["amount"] == Decimal(sent)


async def test_an_expiry_on_the_last_day_of_the_session_is_accepted(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    created = await create_realized_training(
        client, training["id"], sessionEndsOn="2025-01-04", expiresOn="2025-01-04"
    )

    assert created["expiresOn"] == "2025-01-04"


def cost(amount: Any = 12.5, currency: Any = "EUR") -> dict[str, Any]:
    return {key: value for key, value in (("amount", amount), ("currency", currency)) if value is not OMIT}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cost": cost(amount=-1)}, "cost.amount"),
        ({"cost": cost(amount=-0.01)}, "cost.amount"),
        ({"cost": cost(amount=12.345)}, "cost.amount"),
        ({"cost": cost(amount=0.001)}, "cost.amount"),
        ({"cost": cost(amount=10000000000000)}, "cost.amount"),
        ({"cost": cost(amount="12.5")}, "cost.amount"),
        ({"cost": cost(amount=True)}, "cost.amount"),
        ({"cost": cost(amount=None)}, "cost.amount"),
        ({"cost": cost(amount=OMIT)}, "cost.amount"),  # a currency without an amount
        ({"cost": cost(currency=OMIT)}, "cost.currency"),  # an amount without a currency
        ({"cost": cost(currency="XYZ")}, "cost.currency"),
        ({"cost": cost(currency="eur")}, "cost.currency"),
        ({"cost": cost(currency="EURO")}, "cost.currency"),
        ({"cost": cost(currency="€")}, "cost.currency"),
        ({"cost": cost(currency=978)}, "cost.currency"),
        ({"cost": cost(currency=None)}, "cost.currency"),
        ({"cost": {}}, "cost.amount"),
        ({"cost": 12.5}, "cost"),
        ({"cost": "12.5 EUR"}, "cost"),
        ({"cost": [12.5, "EUR"]}, "cost"),
        ({"cost": None}, "cost"),
        ({"expiresOn": "2025-01-03"}, "expiresOn"),  # before sessionEndsOn
        ({"expiresOn": "2025-02-30"}, "expiresOn"),
        ({"expiresOn": "01/04/2026"}, "expiresOn"),
        ({"expiresOn": "2026-01-04T00:00:00"}, "expiresOn"),
        ({"expiresOn": 20260104}, "expiresOn"),
        ({"expiresOn": None}, "expiresOn"),
    ],
)
async def test_each_refusal_is_400_naming_the_field_and_writes_nothing(
    client: httpx.AsyncClient, training: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    events_before = (await client.get(EVENTS)).json()["items"]

    response = await client.post(REALIZED, json=realized_body(training["id"], **overrides))

    assert_problem(response, 400, field)
    assert await count(client, REALIZED) == 0
    assert (await client.get(EVENTS)).json()["items"] == events_before


async def test_a_lower_case_currency_is_refused_naming_the_code(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    response = await client.post(REALIZED, json=realized_body(training["id"], cost=cost(currency="eur")))

    body = assert_problem(response, 400, "cost.currency")
    assert "EUR" in body["errors"]["cost.currency"][0]


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        (0, "EUR"),
        (9999999999999.99, "EUR"),
        (10000000000000, "EUR"),
        (-0.01, "EUR"),
        (0.005, "EUR"),
        (12.5, "eur"),
        (12.5, "EU"),
    ],
)
async def test_the_document_accepts_what_the_service_accepts(
    client: httpx.AsyncClient, training: dict[str, Any], amount: Any, currency: str
) -> None:
    body = realized_body(training["id"], cost={"amount": amount, "currency": currency})
    try:
        as_documented(body)
        documented = True
    except AssertionError:
        documented = False

    response = await client.post(REALIZED, json=body)

    assert (response.status_code == 201) is documented, response.text


async def test_the_deprecated_v1_list_does_not_show_them(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    await create_realized_training(
        client, training["id"], cost={"amount": 99, "currency": "USD"}, expiresOn="2027-01-01"
    )

    response = await client.get(V1)

    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert not EXTENSIONS & item.keys()
    assert not {"amount", "currency"} & item.keys()


async def test_the_audit_trail_records_them_when_set(
    client: httpx.AsyncClient, training: dict[str, Any]
) -> None:
    with_both = await create_realized_training(
        client, training["id"], cost={"amount": 12.5, "currency": "GBP"}, expiresOn="2027-01-01"
    )
    without = await create_realized_training(client, training["id"], ownerId=417)

    [recorded] = await events_of(client, with_both["id"])
    [bare] = await events_of(client, without["id"])

    assert recorded["changes"]["cost"] == {"before": None, "after": {"amount": 12.5, "currency": "GBP"}}
    assert recorded["changes"]["expiresOn"] == {"before": None, "after": "2027-01-01"}
    assert not EXTENSIONS & bare["changes"].keys()


async def events_of(client: httpx.AsyncClient, realized_id: int) -> list[dict[str, Any]]:
    params = {"resourceType": "realized-training", "resourceId": realized_id}
    response = await client.get(EVENTS, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_an_invalid_cost_breaks_the_document_too() -> None:
    """What `as_documented` relies on: the document's schema does judge the extensions."""
    with pytest.raises(AssertionError):
        as_documented({"ownerId": 1, "sessionStartsOn": "2025-01-04", "sessionEndsOn": "2025-01-04",
                       "durationInHours": 1, "cost": {"amount": 1}})  # fmt: skip
    with pytest.raises(AssertionError):
        as_documented({"ownerId": 1, "sessionStartsOn": "2025-01-04", "sessionEndsOn": "2025-01-04",
                       "durationInHours": 1, "expiresOn": "soon"})  # fmt: skip
