"""The query plans behind each list scenario: the statements the app runs for them (our `Query` objects,
compiled as our PostgreSQL driver compiles them, with the values the app binds), run again under
EXPLAIN (ANALYZE, BUFFERS)."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from bench.workflow import DemandList
from talent_training.catalog import repository as catalog
from talent_training.db.database import Tx
from talent_training.db.paging import Paged
from talent_training.db.statements import Query
from talent_training.kit.paging import Cursor, PageRequest, Sort
from talent_training.realized_trainings import repository as realized
from talent_training.training_demands import repository as demands
from talent_training.training_demands.schemas import DemandState

PAGE = 20  # a client's `limit`; the app asks one row more, to know whether a next page exists

# The lists, by the label the benchmark gives them: their statements when no filter is given.
LISTS: dict[str, Paged] = {
    "trainings": catalog._trainings(False, False, False, False, ()),
    "providers": catalog._PROVIDERS,
    "categories": catalog._CATEGORIES,
    "realized trainings": realized._search(False, False, False, False, False, 0),
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
    by_owner = realized._search(True, False, False, False, False, 0)
    cases.append(
        (
            "realized trainings by ownerIds (page 1)",
            by_owner.first,
            {**account, "owner_ids": [owner], "limit": PAGE + 1, "offset": 0},
        )
    )
    dated = realized._search(False, False, False, True, True, 0)
    cases.append(
        (
            "count of realized trainings under a date range",
            dated.count,
            {**account, "ends_after": date(2020, 1, 1), "ends_before": date(2021, 1, 1)},
        )
    )
    return cases


async def _explain(database_url: str, cases: Sequence[tuple[str, Query, dict[str, Any]]]) -> dict[str, str]:
    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    connection = await asyncpg.connect(database_url)
    try:
        plans: dict[str, str] = {}
        for name, query, values in cases:
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


async def explain_list_queries(database_url: str, account_id: int, deep: Mapping[str, int]) -> dict[str, str]:
    connection = await asyncpg.connect(database_url)
    try:
        owner = await connection.fetchval(
            "SELECT owner_id FROM realized_trainings WHERE account_id = $1 LIMIT 1", account_id
        )
    finally:
        await connection.close()
    return await _explain(database_url, list_cases(account_id, deep, owner))


class _Recorder:
    """Stands for a transaction: keeps the statements a repository function runs, answers nothing. So the
    statement and the values of a list page are the repository's own, whatever shape it gives them."""

    def __init__(self) -> None:
        self.runs: list[tuple[Query, dict[str, Any]]] = []

    async def all(self, query: Query, params: Mapping[str, Any]) -> list[Any]:
        self.runs.append((query, dict(params)))
        return []

    async def one(self, query: Query, params: Mapping[str, Any]) -> Any:
        self.runs.append((query, dict(params)))
        return None

    async def value(self, query: Query, params: Mapping[str, Any]) -> Any:
        self.runs.append((query, dict(params)))
        return 0


async def _page_statement(
    account_id: int, departments: tuple[int, ...], cursor: Cursor | None
) -> tuple[Query, dict[str, Any]]:
    """The statement and values of a manager's list page (bench/workflow.py) as training_demands/repository.py
    makes them: departmentIds, states=Requested,Registered, sort=-prioritization.level, limit 20."""
    recorder = _Recorder()
    filters = demands.Filters(
        states=(DemandState.REQUESTED, DemandState.REGISTERED), department_ids=list(departments)
    )
    await demands.search(
        cast(Tx, recorder), account_id, filters, SORT, PageRequest(limit=PAGE, cursor=cursor)
    )
    (query, values), *_ = recorder.runs
    return query, values


SORT = Sort("prioritization.level", descending=True)


async def demand_cases(
    account_id: int, lists: Sequence[DemandList]
) -> list[tuple[str, Query, dict[str, Any]]]:
    """The first and the deep page of the smallest and of the largest of the managers' lists."""
    cases: list[tuple[str, Query, dict[str, Any]]] = []
    by_size = sorted(lists, key=lambda listed: listed.rows)
    for size, listed in (("smallest", by_size[0]), ("largest", by_size[-1])):
        name = f"training demands by department, the {size} list ({listed.label}: {listed.rows:,} demands)"
        query, values = await _page_statement(account_id, listed.departments, None)
        cases.append((f"{name}: first page", query, values))
        key, rank = listed.deep_position
        query, values = await _page_statement(
            account_id, listed.departments, Cursor("after", key, SORT.name, rank)
        )
        cases.append((f"{name}: deep cursor page", query, values))
    return cases


@dataclass(frozen=True)
class StatementTimes:
    """PostgreSQL's time for one statement: EXPLAIN's planning and execution, and the statement as the app
    runs it (prepared once on the connection, then executed again and again), with the plans PostgreSQL
    made for those executions (pg_prepared_statements): a custom plan is planned anew at each execution."""

    name: str
    planning_ms: float
    execution_ms: float
    prepared_ms: float  # median of the prepared statement's executions, round trip included
    custom_plans: int
    generic_plans: int
    index: str  # the index EXPLAIN's plan reads training_demands with
    dropped: int  # rows of that index scan that its filter dropped
    estimated: int  # rows the planner expected of that scan
    returned: int  # rows it returned


async def explain_demand_lists(
    database_url: str, account_id: int, lists: Sequence[DemandList], executions: int = 20
) -> tuple[dict[str, str], list[StatementTimes]]:
    cases = await demand_cases(account_id, lists)
    plans = await _explain(database_url, cases)
    dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
    times = []
    connection = await asyncpg.connect(database_url)
    try:
        for name, query, values in cases:
            compiled = query.compiled(dialect)
            arguments = compiled.arguments(values)
            statement = await connection.prepare(compiled.sql)
            took = []
            for _ in range(executions):
                started = time.perf_counter()
                await statement.fetch(*arguments)
                took.append((time.perf_counter() - started) * 1000)
            custom, generic = await connection.fetchrow(
                "SELECT custom_plans, generic_plans FROM pg_prepared_statements"
                " WHERE NOT from_sql AND statement = $1",
                compiled.sql,
            )
            planning = re.search(r"^Planning Time: ([\d.]+) ms", plans[name], re.M)
            execution = re.search(r"^Execution Time: ([\d.]+) ms", plans[name], re.M)
            scan = re.search(
                r"Index Scan (?:Backward )?using (\w+) on training_demands\b.*?rows=(\d+).*?rows=(\d+)",
                plans[name],
            )
            # The scan's own lines: up to the next node of the plan.
            own = plans[name][scan.end() :].split("->")[0] if scan else ""
            dropped = re.search(r"Rows Removed by Filter: (\d+)", own)
            times.append(
                StatementTimes(
                    name,
                    float(planning.group(1)) if planning else 0.0,
                    float(execution.group(1)) if execution else 0.0,
                    statistics.median(took),
                    int(custom),
                    int(generic),
                    scan.group(1) if scan else "",
                    int(dropped.group(1)) if dropped else 0,
                    int(scan.group(2)) if scan else 0,
                    int(scan.group(3)) if scan else 0,
                )
            )
    finally:
        await connection.close()
    return plans, times
