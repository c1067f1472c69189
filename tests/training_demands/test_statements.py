"""Every shape of the demands list compiles on both databases (each filter and sort on its own, and all
together), as db/statements.py requires of every statement a request may run."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from talent_training.kit.paging import Sort
from talent_training.training_demands import repository
from talent_training.training_demands.schemas import DemandState

BASE = (False, False, False, (), 0, 0, False, None, False, Sort())
AXES = [
    (0, [True]),
    (1, [True]),
    (2, [True]),
    (3, [(DemandState.REQUESTED,), tuple(DemandState)]),
    (4, [1, 2]),
    (5, [1, 2]),
    (6, [True]),
    (7, [True, False]),
    (8, [1, 2]),  # a manager's team: its ids, or joined
    (
        9,
        [
            Sort(field, descending)
            for field, descending in itertools.product(repository.SORTABLE, (False, True))
        ],
    ),
]


def shapes() -> list[tuple[object, ...]]:
    found = [
        BASE,
        (True, True, True, tuple(DemandState), 2, 1, True, True, 2, Sort("prioritization.level", True)),
    ]
    for position, values in AXES:
        for value in values:
            shape = list(BASE)
            shape[position] = value
            found.append(tuple(shape))
    return found


@pytest.mark.parametrize(
    "dialect", [postgresql.asyncpg.dialect(), sqlite.aiosqlite.dialect()], ids=["pg", "sqlite"]
)
def test_every_list_shape_compiles(dialect: object) -> None:
    for shape in shapes():
        paged = repository._search(*shape)  # type: ignore[arg-type]
        for query in (paged.first, paged.after, paged.before, paged.count, paged.any_before, paged.any_after):
            assert query.compiled(dialect).sql  # type: ignore[arg-type]
