"""The SQLite pool's connections: every one it opens is closed, even when opening it fails half-way."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import threading
import warnings
from pathlib import Path

import pytest

from talent_training.db.errors import Unavailable
from talent_training.db.sqlite import open_connection


async def test_a_file_that_is_not_a_database_is_unavailable_and_its_connection_closed(tmp_path: Path) -> None:
    # SQLite opens any file; the first statement finds it is not a database. The connection opened for it
    # must not be left to the garbage collector (a ResourceWarning, and a thread, per attempt).
    path = tmp_path / "not-a-database.db"
    path.write_bytes(b"this is not an SQLite file" * 100)
    threads = threading.active_count()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert "not a database" in await _refusal(path)
        await _threads_back_to(threads)
        gc.collect()

    assert threading.active_count() <= threads  # the driver's thread ended: the connection was closed
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


async def _refusal(path: Path) -> str:
    """What opening the file is refused with; nothing of the attempt is kept (no traceback, no frame)."""
    try:
        await open_connection(str(path))
    except Unavailable as refused:
        return str(refused)
    raise AssertionError("opened")


async def test_a_connection_given_up_while_it_opens_is_closed(tmp_path: Path) -> None:
    # The import job runner is cancelled when the service stops, possibly while a connection is opening:
    # here its first statement waits for a lock another connection holds, and the opening is cancelled.
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    threads = threading.active_count()
    opening = asyncio.create_task(open_connection(str(path)))
    await asyncio.sleep(0.2)  # its thread is waiting on the lock

    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    holder.execute("COMMIT")
    holder.close()
    await _threads_back_to(threads)  # the driver's thread ends once the statement it was running returns

    assert threading.active_count() <= threads
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


async def _threads_back_to(count: int) -> None:
    """Wait, up to 5 s, for the threads started meanwhile (each aiosqlite connection has one) to end."""
    for _ in range(100):
        if threading.active_count() <= count:
            return
        await asyncio.sleep(0.05)
