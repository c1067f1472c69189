"""The hottest statements on PostgreSQL, run on asyncpg directly from a pool of its own.

SQLAlchemy's asyncio layer (connection checkout, greenlet switches, result wrapping) costs several times the
query itself on a primary-key read: profiled in docs/benchmarks.md. These statements are still written with
SQLAlchemy, next to their repository, and compiled here once with the engine's own dialect; only their
execution skips the layer. Their errors are translated into SQLAlchemy's, so callers and error handlers
cannot tell the two paths apart.

Only statements whose values need no conversion by SQLAlchemy qualify (ints, text, dates, booleans,
aware datetimes): `compile` refuses any other, so a column type that would need one fails loudly in tests.
"""

from __future__ import annotations

import asyncio
from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler

# SQLSTATE classes that say the server or the connection is unusable, not the statement wrong: connection
# exception, insufficient resources, operator intervention (shutdown, restart), system error.
_UNAVAILABLE_CLASSES = frozenset({"08", "53", "57", "58"})


@dataclass(frozen=True, slots=True)
class DriverStatement:
    sql: str
    params: tuple[str, ...]  # bind names, in the order of $1, $2, ...
    constants: dict[str, Any]  # the values written into the statement itself (`state = 'Ready'`)
    row: type[tuple[Any, ...]]  # rows read by attribute, like SQLAlchemy's

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] if name in params else self.constants[name] for name in self.params]


def compile_for_driver(statement: Executable, dialect: Dialect) -> DriverStatement:
    compiled = cast(SQLCompiler, cast(ClauseElement, statement).compile(dialect=dialect))
    if compiled._bind_processors:
        raise TypeError(f"binds that need SQLAlchemy's conversion: {sorted(compiled._bind_processors)}")
    columns = compiled._result_columns
    converted = [c[0] for c in columns if c[3]._cached_result_processor(dialect, None) is not None]
    if converted:
        raise TypeError(f"columns that need SQLAlchemy's conversion: {converted}")
    return DriverStatement(
        compiled.string,
        tuple(compiled.positiontup or ()),
        {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required},
        namedtuple("DriverRow", [c[0] for c in columns]),
    )


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """No reset query on release (a round trip per statement): these statements change no session state
    (no SET, LISTEN or advisory lock), and asyncpg still rolls back any transaction left open."""


class PostgresDriver:
    """An asyncpg pool for the statements that `Database.query_one` and `Database.execute_one` run."""

    def __init__(self, url: URL, dialect: Dialect, *, pool_size: int, timeout: float) -> None:
        _, connect_args = dialect.create_connect_args(url)
        # The URL option SQLAlchemy's adapter reads for PgBouncer's transaction mode, in asyncpg's words.
        cache_size = connect_args.pop("prepared_statement_cache_size", None)
        if cache_size is not None:
            connect_args["statement_cache_size"] = int(cache_size)
        self._connect_args = {**connect_args, "timeout": timeout}
        self._dialect = dialect
        self._pool_size = pool_size
        self._timeout = timeout
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._statements: dict[int, tuple[Executable, DriverStatement]] = {}

    def statement(self, statement: Executable) -> DriverStatement:
        # Keyed by identity: the statements are module-level constants (the pair keeps each alive).
        known = self._statements.get(id(statement))
        if known is None:
            known = self._statements[id(statement)] = (
                statement,
                compile_for_driver(statement, self._dialect),
            )
        return known[1]

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                # min_size=0: nothing is connected up front, so a database that is down at start-up fails
                # requests with a 503 instead of failing the start.
                self._pool = await asyncpg.create_pool(
                    min_size=0, max_size=self._pool_size, reset=_keep_session, **self._connect_args
                )
        return self._pool

    async def fetch_one(self, statement: Executable, params: Mapping[str, Any]) -> Any | None:
        compiled = self.statement(statement)
        pool = self._pool or await self._open()
        args = compiled.arguments(params)
        try:
            # asyncio.timeout rather than acquire(timeout=...): the latter runs every acquire in a new task.
            async with asyncio.timeout(self._timeout):
                connection = await pool.acquire()
            try:
                record = await connection.fetchrow(compiled.sql, *args)
            finally:
                await pool.release(connection)
        except (OSError, TimeoutError):  # unreachable, or no connection free in time: answered 503
            raise
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(compiled.sql, args, exc) from exc
        except ValueError:
            raise  # asyncpg refusing a parameter's type: a bug of ours, a 500, never taken for an outage
        except (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError) as exc:
            if isinstance(exc, asyncpg.PostgresError) and exc.sqlstate[:2] not in _UNAVAILABLE_CLASSES:
                raise DBAPIError(compiled.sql, args, exc) from exc
            # The connection is dead or the server is going away: this request is answered 503, and
            # Database.connections_lost renews both pools.
            raise OperationalError(compiled.sql, args, exc, connection_invalidated=True) from exc
        return None if record is None else compiled.row(*record)

    async def expire(self) -> None:
        """Every pooled connection is replaced when next acquired; those in use finish their statement."""
        if self._pool is not None:
            await self._pool.expire_connections()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
