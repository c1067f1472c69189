"""Input that once reached the database or the decimal module unchecked: each is a clean 400 that writes
nothing, on every database, and the lists stay readable afterwards."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.factories import (
    CATEGORIES,
    PROVIDERS,
    REALIZED,
    TRAININGS,
    assert_problem,
    category_body,
    count,
    create_training,
    provider_body,
    realized_body,
    training_body,
)

LONE_SURROGATE = "\ud800"


async def post_raw(client: httpx.AsyncClient, path: str, text: str) -> httpx.Response:
    return await client.post(path, content=text, headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (TRAININGS, training_body(title=f"a{LONE_SURROGATE}"), "title"),
        (TRAININGS, training_body(subtitle=LONE_SURROGATE), "subtitle"),
        (TRAININGS, training_body(description=LONE_SURROGATE), "description"),
        (PROVIDERS, provider_body(name=LONE_SURROGATE), "name"),
        (CATEGORIES, category_body(name=LONE_SURROGATE), "name"),
        (CATEGORIES, category_body(t9n={"name": {"Fr": LONE_SURROGATE}}), "t9n.name.Fr"),
    ],
)
async def test_a_lone_surrogate_is_400_and_writes_nothing(
    client: httpx.AsyncClient, path: str, body: dict[str, object], field: str
) -> None:
    response = await post_raw(client, path, json.dumps(body))  # escaped as \ud800, as a client sends it

    assert_problem(response, 400, field)
    assert await count(client, path) == 0
    assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize("number", ["1e9999999999999999999", "1.5e-99999999999999999999"])
async def test_a_number_beyond_decimal_range_is_400(client: httpx.AsyncClient, number: str) -> None:
    response = await post_raw(client, PROVIDERS, f'{{"name": "p", "junk": {number}}}')

    assert_problem(response, 400, "body")
    assert await count(client, PROVIDERS) == 0


@pytest.mark.parametrize("hours", ["1E-1000000000", "1E-400", "0.001", "0E-5", "-0.00"])
async def test_a_duration_that_rounds_to_zero_is_refused(client: httpx.AsyncClient, hours: str) -> None:
    training = await create_training(client)
    raw = realized_body(training["id"], durationInHours=0)
    text = (
        httpx.Request("POST", "/", json=raw)
        .content.decode()
        .replace('"durationInHours":0', f'"durationInHours":{hours}')
    )
    text = text.replace('"durationInHours": 0', f'"durationInHours": {hours}')
    assert hours in text

    response = await client.post(REALIZED, content=text, headers={"Content-Type": "application/json"})

    assert_problem(response, 400, "durationInHours")
    assert await count(client, REALIZED) == 0


@pytest.mark.parametrize("limit", ["5.0", "+5", " 5", "1_0", "\u0665"])
async def test_limit_is_plain_digits(client: httpx.AsyncClient, limit: str) -> None:
    assert_problem(await client.get(PROVIDERS, params={"limit": limit}), 400, "limit")


THOUSANDS_OF_DIGITS = "9" * 5000


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        (f"{REALIZED}/{THOUSANDS_OF_DIGITS}", {}, 404, None),
        (REALIZED, {"limit": THOUSANDS_OF_DIGITS}, 400, "limit"),
        (REALIZED, {"page": THOUSANDS_OF_DIGITS}, 400, "page"),
        (REALIZED, {"ownerIds": THOUSANDS_OF_DIGITS}, 400, "ownerIds"),
        (REALIZED, {"trainingId": f"1,{THOUSANDS_OF_DIGITS}"}, 400, "trainingId"),
        (TRAININGS, {"id": THOUSANDS_OF_DIGITS}, 400, "id"),
        # An offset beyond what a 32-bit integer holds: refused, not sent to the database.
        (TRAININGS, {"page": "30000000", "limit": "100"}, 400, "page"),
    ],
)
async def test_numbers_of_any_size_are_refused_before_they_are_converted(
    client: httpx.AsyncClient, path: str, params: dict[str, str], status: int, field: str | None
) -> None:
    response = await client.get(path, params=params)
    assert_problem(response, status, *([field] if field else []))


async def test_a_content_length_of_thousands_of_digits_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        TRAININGS,
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": THOUSANDS_OF_DIGITS},
    )
    assert_problem(response, 413)


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        (f"{REALIZED}?limit=5&limit=50", "limit"),
        (f"{REALIZED}?hasAttended=true&hasAttended=false", "hasAttended"),
        (f"{REALIZED}?sessionEndOnAfter=2020-01-01&sessionEndOnAfter=2024-01-01", "sessionEndOnAfter"),
    ],
)
async def test_a_parameter_of_one_value_given_twice_is_400(
    client: httpx.AsyncClient, path: str, parameter: str
) -> None:
    """Ambiguous: which one did the client mean? Taking the last (or the first) would answer another list."""
    assert_problem(await client.get(path), 400, parameter)
