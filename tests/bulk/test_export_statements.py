"""Every shape of every export statement (one per combination of filters, and sort) compiles on both dialects,
once; the HTTP and CLI tests run the common ones on both databases."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as aiosqlite_dialect

from talent_training.db.statements import Query
from talent_training.directory import exporting as employees
from talent_training.kit.paging import Sort
from talent_training.realized_trainings import exporting as realized
from talent_training.training_demands import exporting as demands
from talent_training.training_demands.repository import SORTABLE
from talent_training.training_demands.schemas import DemandState


def every_shape() -> list[Query]:
    teams = [0, 1, 2]  # a manager's team: none, its ids, joined
    flags = [(*others, team) for others in itertools.product([False, True], repeat=5) for team in teams]
    shapes = [realized._rows(*shape) for shape in flags]
    shapes += [employees._rows(*shape) for shape in flags]
    for (owners, sessions, trainings, ranks), team in itertools.product(
        itertools.product([False, True], repeat=4), teams
    ):
        for departments, establishments in itertools.product([0, 1, 2], repeat=2):  # none, one, several
            shape = (owners, sessions, trainings, (), departments, establishments, ranks, None, team)
            shapes.append(demands._rows(shape, Sort()))
    sorts = [Sort(field, descending) for field in SORTABLE for descending in (False, True)]
    for states, planned, sort in itertools.product(
        [(), (DemandState.REQUESTED,), tuple(DemandState)], [None, False, True], sorts
    ):
        shapes.append(demands._rows((False, False, False, states, 1, 0, False, planned, 0), sort))
    return shapes


@pytest.mark.parametrize("dialect", [asyncpg_dialect(), aiosqlite_dialect()], ids=lambda d: d.name)
def test_every_export_statement_compiles_once_per_dialect(dialect: Any) -> None:
    for query in every_shape():
        compiled = query.compiled(dialect)
        assert "POSTCOMPILE" not in compiled.sql and "ORDER BY" in compiled.sql
        assert query.compiled(dialect) is compiled
