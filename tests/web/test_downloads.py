"""A streamed download (web/responses.py `Download`), at the ASGI level: how it ends when the client does not
read, or leaves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from talent_training.web.responses import ClientStalled, Download


class Chunks:
    def __init__(self) -> None:
        self.closed = False
        self.produced = 0

    async def endless(self) -> AsyncGenerator[bytes, None]:
        try:
            while True:
                self.produced += 1
                yield b"row\r\n"
        finally:
            self.closed = True


async def primed(chunks: Chunks, stall_s: float) -> Download:
    """As `download_response` makes it: the file's first chunk already produced."""
    endless = chunks.endless()
    return Download(await anext(endless), endless, "text/csv", {}, stall_s=stall_s)


async def never() -> Any:
    await asyncio.Event().wait()


@pytest.mark.parametrize("spec_version", ["2.3", "2.4"])
async def test_a_client_that_takes_no_data_is_dropped_and_the_file_closed(spec_version: str) -> None:
    chunks = Chunks()
    download = await primed(chunks, stall_s=0.05)
    sent: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])
        if message["type"] == "http.response.body":
            await never()  # the client's window is full, and stays so

    with pytest.raises(ClientStalled):
        await download({"type": "http", "asgi": {"spec_version": spec_version}}, never, send)

    assert sent == ["http.response.start", "http.response.body"]
    assert chunks.closed and chunks.produced == 1  # nothing read beyond what was sent


async def test_a_client_gone_ends_the_download_and_closes_the_file() -> None:
    chunks = Chunks()
    download = await primed(chunks, stall_s=60)
    bodies = 0
    enough = asyncio.Event()

    async def send(message: dict[str, Any]) -> None:
        nonlocal bodies
        bodies += message["type"] == "http.response.body"
        if bodies >= 3:
            enough.set()
        await asyncio.sleep(0)

    async def receive() -> dict[str, Any]:
        await enough.wait()
        return {"type": "http.disconnect"}

    await download({"type": "http", "asgi": {"spec_version": "2.3"}}, receive, send)

    assert chunks.closed
    assert bodies >= 3
