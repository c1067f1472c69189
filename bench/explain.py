"""The query plans behind each list scenario: the statements the app runs for them (our `Query` objects,
compiled as our PostgreSQL driver compiles them, with the values the app binds), run again under
EXPLAIN (ANALYZE, BUFFERS)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from talent_training.catalog import repository as catalog
from talent_training.db.paging import Paged
from talent_training.db.statements import Query
from talent_training.realized_trainings import repository as realized

PAGE = 20  # a client's `limit`; the app asks one row more, to know whether a next page exists

# The lists, by the label the benchmark gives them: their statements when no filter is given.
LISTS: dict[str, Paged] = {
    "trainings": catalog._trainings(False, False, False, False),
    "providers": catalog._PROVIDERS,
    "categories": catalog._CATEGORIES,
    "realized trainings": realized._search(False, False, False, False, False),
}


def list_cases(
    account_id: int, deep: Mapping[str, int], owner: int
) -> list[tuple[str, Query, dict[str, Any]]]:
    """(scenario, statement, values) of every list scenario; `deep` is each list's cursor position."""
    account = {"account_id": account_id}
    cases: list[tuple[str, Query, dict[str, Any]]] = []
    for label, paged in LISTS.items():
        cases.append((f"{label}: first page", paged.first, {**account, "limit": PAGE + 1, "offset": 0}))
        if label in deep:
            values = {**account, "cursor": deep[label], "limit": PAGE + 1}
            cases.append((f"{label}: deep cursor page", paged.after, values))
    by_owner = realized._search(True, False, False, False, False)
    cases.append(
        (
            "realized trainings by ownerIds (page 1)",
            by_owner.first,
            {**account, "owner_ids": [owner], "limit": PAGE + 1, "offset": 0},
        )
    )
    dated = realized._search(False, False, False, True, True)
    cases.append(
        (
            "count of realized trainings under a date range",
            dated.count,
            {**account, "ends_after": date(2020, 1, 1), "ends_before": date(2021, 1, 1)},
        )
    )
    return cases


async def explain_list_queries(database_url: str, account_id: int, deep: Mapping[str, int]) -> dict[str, str]:
    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    connection = await asyncpg.connect(database_url)
    try:
        owner = await connection.fetchval(
            "SELECT owner_id FROM realized_trainings WHERE account_id = $1 LIMIT 1", account_id
        )
        plans: dict[str, str] = {}
        for name, query, values in list_cases(account_id, deep, owner):
            compiled = query.compiled(dialect)
            arguments = compiled.arguments(values)
            await connection.fetch(compiled.sql, *arguments)  # warm, as it is under load
            rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {compiled.sql}", *arguments)
            shown = ", ".join(
                f"${n} {name} = {value!r}"
                for n, (name, value) in enumerate(zip(compiled.names, arguments, strict=True), 1)
            )
            plans[name] = f"{compiled.sql.strip()}\n\n-- {shown}\n\n" + "\n".join(r[0] for r in rows)
        return plans
    finally:
        await connection.close()
