"""The SQLite pool's connections: every one it opens is closed, even when opening it fails half-way."""

from __future__ import annotations

import gc
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

    with pytest.raises(Unavailable, match="not a database"):
        await open_connection(str(path))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
