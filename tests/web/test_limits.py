"""Rate limits: failed authentication per client address (on by default), requests per key (when set);
429 with `Retry-After` and `RateLimit-*`, counted where every worker sees them (the database, or Redis)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import coredis
import httpx
import pytest
from sqlalchemy import func, select

from talent_training.app import TalentTraining, create_app
from talent_training.db.statements import Query
from talent_training.settings import Settings
from talent_training.web.limits import RateLimitCounter
from tests.conftest import new_key
from tests.factories import PROVIDERS, assert_problem

REDIS_URL = "redis://127.0.0.1:6379/0"
_COUNTERS = Query(select(func.count().label("n")).select_from(RateLimitCounter))
WRONG = {"Authorization": "lucca application=tt_0000000000000000_wrong"}


def from_address(app: TalentTraining, address: str, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"lucca application={token}"} if token else WRONG
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),
        base_url="http://testserver",
        headers=headers,
    )


def an_address() -> str:
    """A fresh address per test: counts in a shared Redis outlive a test by up to their window."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture
async def limited(database_url: str) -> AsyncIterator[TalentTraining]:
    app = create_app(Settings(database_url=database_url, rate_limit_failed_auth="3/minute"))
    yield app
    await app.close()


async def test_failed_authentications_are_limited_per_address(limited: TalentTraining) -> None:
    guesser, other = an_address(), an_address()
    async with from_address(limited, guesser) as client:
        answers = [await client.get(PROVIDERS) for _ in range(5)]

    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    refused = assert_problem(answers[3], 429)
    assert "failed authentications" in refused["detail"]
    headers = answers[3].headers
    assert 0 < int(headers["retry-after"]) <= 60
    assert headers["ratelimit-limit"] == "3" and headers["ratelimit-remaining"] == "0"
    assert 0 < int(headers["ratelimit-reset"]) <= 60 and headers["ratelimit-policy"] == "3;w=60"
    async with from_address(limited, other) as client:
        assert (await client.get(PROVIDERS)).status_code == 401  # another address is not concerned


async def test_a_blocked_address_is_refused_even_with_a_good_key(limited: TalentTraining) -> None:
    token = await new_key(limited)
    guesser = an_address()
    async with from_address(limited, guesser) as client:
        for _ in range(4):
            await client.get(PROVIDERS)
    async with from_address(limited, guesser, token) as client:
        assert_problem(await client.get(PROVIDERS), 429)
    async with from_address(limited, an_address(), token) as client:
        assert (await client.get(PROVIDERS)).status_code == 200


async def test_successes_do_not_count(limited: TalentTraining) -> None:
    token = await new_key(limited)
    async with from_address(limited, an_address(), token) as client:
        answers = [await client.get(PROVIDERS) for _ in range(10)]

    assert {a.status_code for a in answers} == {200}
    assert "ratelimit-limit" not in answers[0].headers


async def test_workers_share_the_count(database_url: str) -> None:
    """Two processes' applications on one database: failures at either one add up."""
    settings = Settings(database_url=database_url, rate_limit_failed_auth="4/minute")
    one, two = create_app(settings), create_app(settings)
    guesser = an_address()
    try:
        async with from_address(one, guesser) as first, from_address(two, guesser) as second:
            statuses = [(await (first if n % 2 else second).get(PROVIDERS)).status_code for n in range(5)]
        assert statuses == [401, 401, 401, 401, 429]
    finally:
        await one.close()
        await two.close()


async def test_on_by_default_at_100_failures_a_minute(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url))
    try:
        async with from_address(app, an_address()) as client:
            statuses = [(await client.get(PROVIDERS)).status_code for _ in range(101)]
        assert statuses.count(401) == 100 and statuses[-1] == 429
    finally:
        await app.close()


async def test_requests_per_key_when_configured(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, rate_limit_per_key="3/minute"))
    try:
        busy, calm = await new_key(app), await new_key(app)
        address = an_address()
        async with from_address(app, address, busy) as client:
            statuses = [(await client.get(PROVIDERS)).status_code for _ in range(4)]
            refused = await client.get(PROVIDERS)
        async with from_address(app, address, calm) as client:
            assert (await client.get(PROVIDERS)).status_code == 200
        assert statuses == [200, 200, 200, 429]
        assert "this key" in assert_problem(refused, 429)["detail"]
        assert refused.headers["ratelimit-policy"] == "3;w=60"
    finally:
        await app.close()


@pytest.mark.parametrize("value", ["often", "100 per fortnight", "-1/minute"])
def test_a_wrong_rate_is_a_clear_setting_error(value: str) -> None:
    with pytest.raises(ValueError, match="rate such as"):
        Settings(rate_limit_failed_auth=value)


@pytest.fixture
async def redis_url() -> str:
    """The Redis server .ci/run makes sure of (127.0.0.1:6379)."""
    pool = coredis.ConnectionPool.from_url(REDIS_URL)
    await coredis.Redis(connection_pool=pool).ping()
    pool.disconnect()
    return REDIS_URL


async def test_counts_in_redis_when_configured(database_url: str, redis_url: str) -> None:
    settings = Settings(
        database_url=database_url, rate_limit_failed_auth="3/minute", rate_limit_storage_url=redis_url
    )
    one, two = create_app(settings), create_app(settings)
    guesser = an_address()
    try:
        async with from_address(one, guesser) as first, from_address(two, guesser) as second:
            statuses = [(await (first if n % 2 else second).get(PROVIDERS)).status_code for n in range(4)]
        assert statuses == [401, 401, 401, 429]
        pool = coredis.ConnectionPool.from_url(redis_url)
        counted = [key async for key in coredis.Redis(connection_pool=pool).scan_iter(f"*{guesser}*")]
        pool.disconnect()
        assert counted, "the count is not in Redis"
        async with one.database.read() as tx:
            assert await tx.value(_COUNTERS) == 0  # and not in the database
    finally:
        await one.close()
        await two.close()


async def test_counts_out_of_reach_are_a_503_not_a_500(database_url: str) -> None:
    """Redis configured but not answering (a port nothing listens on): the request cannot be counted."""
    settings = Settings(
        database_url=database_url,
        rate_limit_failed_auth="3/minute",
        rate_limit_storage_url="redis://127.0.0.1:9",
    )
    app = create_app(settings)
    try:
        async with from_address(app, an_address()) as client:
            response = await client.get(PROVIDERS)
        assert "cannot be reached" in assert_problem(response, 503)["detail"]
        assert response.headers["retry-after"] == "1"
    finally:
        await app.close()


async def test_an_absurdly_long_forwarded_address_is_counted_not_a_500(limited: TalentTraining) -> None:
    address = "2001:db8::" + "f" * 300
    async with from_address(limited, address) as client:
        statuses = [(await client.get(PROVIDERS)).status_code for _ in range(4)]

    assert statuses == [401, 401, 401, 429]


async def test_a_long_address_is_let_in_again_when_its_window_ends(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, rate_limit_failed_auth="2/second"))
    address = an_address() + "::" + "e" * 300
    try:
        async with from_address(app, address) as client:
            assert [(await client.get(PROVIDERS)).status_code for _ in range(3)] == [401, 401, 429]
            await asyncio.sleep(1.1)
            assert (await client.get(PROVIDERS)).status_code == 401  # the block ended: not a 500
    finally:
        await app.close()
