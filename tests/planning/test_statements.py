"""Every shape of the session list compiles to one statement text per dialect (the list builder is cached)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from talent_training.planning import repository
from talent_training.planning.schemas import SessionStatus

DIALECTS = [make_url(url).get_dialect()() for url in ("postgresql+asyncpg://", "sqlite+aiosqlite://")]


def every_status_set() -> list[tuple[SessionStatus, ...] | None]:
    sets: list[tuple[SessionStatus, ...] | None] = [None]
    for size in range(1, len(SessionStatus) + 1):
        sets += list(itertools.combinations(SessionStatus, size))
    return sets


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_every_session_list_shape_compiles(dialect: Any) -> None:
    for trainings, plans, statuses in itertools.product([False, True], [False, True], every_status_set()):
        paged = repository._sessions(trainings, plans, statuses)
        for query in (paged.first, paged.after, paged.before, paged.count, paged.any_before, paged.any_after):
            compiled = query.compiled(dialect)
            assert "POSTCOMPILE" not in compiled.sql
            assert query.compiled(dialect) is compiled
