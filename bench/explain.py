"""The query plans behind each list scenario: the SQL the app really sends (captured from the engine),
run again under EXPLAIN (ANALYZE, BUFFERS)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
from sqlalchemy import event

from talent_training.db.database import Database
from talent_training.kit.paging import Cursor, PageRequest, RootField
from talent_training.realized_trainings import repository
from talent_training.realized_trainings.repository import Filters


async def explain_list_queries(database_url: str, account_id: int, deep_after: int) -> dict[str, str]:
    connection = await asyncpg.connect(database_url)
    try:
        deep_id = await connection.fetchval(
            "SELECT id FROM realized_trainings WHERE account_id = $1 ORDER BY id OFFSET $2 LIMIT 1",
            account_id,
            deep_after,
        )
        owner = await connection.fetchval(
            "SELECT owner_id FROM realized_trainings WHERE account_id = $1 LIMIT 1", account_id
        )
        cases: list[tuple[str, Filters, PageRequest]] = [
            ("list by ownerIds (page 1)", Filters(owner_ids=[owner]), PageRequest()),
            ("list first page", Filters(), PageRequest()),
            ("list deep cursor (>900k)", Filters(), PageRequest(cursor=Cursor("after", deep_id))),
            (
                "count under date range",
                Filters(ends_after=date(2020, 1, 1), ends_before=date(2021, 1, 1)),
                PageRequest(limit=0, fields=frozenset({RootField.COUNT})),
            ),
        ]
        plans: dict[str, str] = {}
        for name, filters, request in cases:
            for number, (statement, parameters) in enumerate(
                await _captured(database_url, account_id, filters, request)
            ):
                rows = await connection.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *parameters)
                plans[f"{name} — query {number + 1}"] = (
                    statement.strip() + "\n\n" + "\n".join(r[0] for r in rows)
                )
        return plans
    finally:
        await connection.close()


async def _captured(
    database_url: str, account_id: int, filters: Filters, request: PageRequest
) -> list[tuple[str, tuple[Any, ...]]]:
    database = Database(database_url.replace("postgresql://", "postgresql+asyncpg://"))
    statements: list[tuple[str, tuple[Any, ...]]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        statements.append((statement, tuple(parameters)))

    event.listen(database._write_engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with database.read_connection() as connection:
            await repository.search(connection, account_id, filters, request)
    finally:
        await database.dispose()
    return statements
