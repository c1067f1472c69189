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
import logging
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

# What says the connection is gone (and every pooled one with it, as after a restart): SQLSTATE class 08
# (connection exception), admin or crash shutdown, a server still starting, an idle-session timeout.
_DEAD_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03", "57P05")
# What says the server cannot serve now, with the connection still good: insufficient resources (too many
# connections, disk full), operator intervention (query cancelled), system error. 503, nothing renewed.
_BUSY_CLASSES = ("53", "57", "58")
logger = logging.getLogger("talent_training")


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
        connection: asyncpg.Connection | None = None
        try:
            # asyncio.timeout rather than acquire(timeout=...): the latter runs every acquire in a new task.
            async with asyncio.timeout(self._timeout):
                connection = await pool.acquire()
            record = await connection.fetchrow(compiled.sql, *args)
        except (OSError, TimeoutError):  # unreachable, or no connection free in time: answered 503
            raise
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(compiled.sql, args, exc) from exc
        except asyncpg.PostgresError as exc:
            dead = exc.sqlstate.startswith(_DEAD_CONNECTION_STATES)
            if dead or exc.sqlstate.startswith(_BUSY_CLASSES):
                raise OperationalError(compiled.sql, args, exc, connection_invalidated=dead) from exc
            raise DBAPIError(compiled.sql, args, exc) from exc
        except (asyncpg.InterfaceError, asyncpg.InternalClientError) as exc:
            # A connection the server has closed shows as one of these; any other is a bug of ours (500).
            closed = connection is None or connection.is_closed()
            if isinstance(exc, asyncpg.ConnectionDoesNotExistError | asyncpg.InternalClientError) or closed:
                raise OperationalError(compiled.sql, args, exc, connection_invalidated=True) from exc
            raise
        finally:
            if connection is not None:
                await self._release(pool, connection)
        return None if record is None else compiled.row(*record)

    @staticmethod
    async def _release(pool: asyncpg.Pool, connection: asyncpg.Connection) -> None:
        # The statement's outcome stands (a write may be committed): a connection that cannot go back
        # quietly is closed by asyncpg and replaced on a later acquire.
        try:
            await pool.release(connection)
        except Exception:
            logger.warning("a database connection could not be returned to its pool", exc_info=True)

    async def expire(self) -> None:
        """Every pooled connection is replaced when next acquired; those in use finish their statement."""
        if self._pool is not None:
            await self._pool.expire_connections()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
