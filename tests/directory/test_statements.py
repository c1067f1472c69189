"""Every directory statement, each list shape included, compiles on both dialects (tests/db/test_statements.py
covers the module constants; the employee list's shapes are built here)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect

from talent_training.db.paging import Paged
from talent_training.db.statements import Query
from talent_training.directory import repository


def directory_statements() -> list[Query]:
    queries = [value for value in vars(repository).values() if isinstance(value, Query)]
    pages: list[Paged] = [units.list for units in repository._UNITS.values()]
    for units in repository._UNITS.values():
        queries += [units.get, units.lock, units.insert, units.update]
    pages += [
        repository._employees(*shape, team)
        for shape in itertools.product([False, True], repeat=5)
        for team in (0, 1, 2)  # a manager's team: none, its ids, joined
    ]
    for paged in pages:
        queries += [paged.first, paged.after, paged.before, paged.count, paged.any_before, paged.any_after]
    return queries


DIALECTS = [asyncpg_dialect(), aiosqlite_dialect()]  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_every_directory_statement_compiles(dialect: Any) -> None:
    queries = directory_statements()
    assert len(queries) > 200
    for query in queries:
        assert "POSTCOMPILE" not in query.compiled(dialect).sql
