"""The two clocks of the request path, which move for the cost of an assignment rather than a timer each:
the request time limit (web/observe.py) and a connection's read deadline (web/server.py)."""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.types import Receive, Scope, Send

from talent_training.settings import Settings
from talent_training.web.observe import Observed
from talent_training.web.server import Deadline

LIMIT_S = 0.4


async def slow_or_fast(scope: Scope, receive: Receive, send: Send) -> None:
    """Sleeps as long as its path says (in tenths of a second), then answers 200."""
    await asyncio.sleep(int(scope["path"].strip("/")) / 10)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"done"})


def limited_client() -> httpx.AsyncClient:
    observed = Observed(
        slow_or_fast,
        metrics=None,
        settings=Settings(request_timeout_s=LIMIT_S, statement_timeout_s=LIMIT_S / 2),
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=observed), base_url="http://test")


async def test_only_the_request_that_outlives_the_limit_is_stopped() -> None:
    async with limited_client() as client:
        started = time.monotonic()
        slow, *fast = await asyncio.gather(client.get("/30"), *(client.get("/1") for _ in range(5)))
        waited = time.monotonic() - started

    assert slow.status_code == 503
    assert slow.headers["content-type"] == "application/problem+json"
    assert slow.headers["retry-after"] == "1"
    assert f"longer than {LIMIT_S:g} s" in slow.json()["detail"]
    assert [answer.status_code for answer in fast] == [200] * 5
    # Stopped at most a twentieth of the limit late (plus the loop's own slack), long before its 3 s.
    assert LIMIT_S <= waited < LIMIT_S * 3


async def test_requests_after_a_stopped_one_have_the_whole_limit() -> None:
    async with limited_client() as client:
        assert (await client.get("/30")).status_code == 503
        # Each of these runs 3/4 of the limit: none may be cut short by the clock of the stopped one.
        answers = [await client.get("/3") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 200]


async def test_a_cancellation_from_elsewhere_is_not_turned_into_an_answer() -> None:
    """A server shutting down cancels its requests: that is not the time limit's 503."""
    async with limited_client() as client:
        request = asyncio.create_task(client.get("/2"))
        await asyncio.sleep(0.05)
        request.cancel()
        try:
            await request
        except asyncio.CancelledError:
            cancelled = True
        else:
            cancelled = False

    assert cancelled


async def test_a_deadline_moved_on_fires_at_its_last_due_time_only() -> None:
    loop = asyncio.get_running_loop()
    fired: list[float] = []
    deadline = Deadline(loop, 0.2, lambda: fired.append(loop.time()))
    started = loop.time()
    deadline.start()
    await asyncio.sleep(0.15)
    deadline.start()  # moved on: due 0.35 s from the start, not 0.2
    await asyncio.sleep(0.1)
    assert fired == []
    await asyncio.sleep(0.2)

    assert len(fired) == 1
    assert fired[0] - started >= 0.35


async def test_a_stopped_deadline_never_fires_and_starts_again() -> None:
    loop = asyncio.get_running_loop()
    fired: list[float] = []
    deadline = Deadline(loop, 0.1, lambda: fired.append(loop.time()))
    deadline.start()
    deadline.stop()
    await asyncio.sleep(0.2)
    assert fired == []

    deadline.start()
    await asyncio.sleep(0.2)
    assert len(fired) == 1
    deadline.close()
