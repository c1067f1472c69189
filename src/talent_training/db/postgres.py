"""PostgreSQL on asyncpg: the pool every request draws from, and the listener for NOTIFY.

One pool per process, opened on demand. asyncpg prepares each statement once per connection (its statement
cache, keyed by the SQL text that `Query` keeps stable) and decodes rows without SQLAlchemy's execution layer,
which cost several times a primary-key read (docs/benchmarks.md). Values are converted as SQLAlchemy's own
asyncpg dialect converts them: its per-type processors (db/statements.py) and its JSON codecs (below).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

import asyncpg
import orjson
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Dialect, make_url

from talent_training.db.database import Connection
from talent_training.db.errors import Busy, Unavailable, translate_asyncpg
from talent_training.db.statements import Compiled

logger = logging.getLogger("talent_training.db")
# Distinct SQL texts a process prepares: every statement and list shape fits, with room to spare.
STATEMENT_CACHE_SIZE = 1024


def connect_arguments(url: str, timeout: float) -> dict[str, Any]:
    """asyncpg's keyword arguments for a SQLAlchemy URL, read the way SQLAlchemy's dialect reads them."""
    _, arguments = asyncpg_dialect().create_connect_args(make_url(url))  # type: ignore[no-untyped-call]
    # PgBouncer in transaction mode needs prepared statements off: SQLAlchemy's URL option, asyncpg's name.
    cache_size = arguments.pop("prepared_statement_cache_size", STATEMENT_CACHE_SIZE)
    arguments["statement_cache_size"] = int(cache_size)
    settings = arguments.setdefault("server_settings", {})
    settings["application_name"] = "talent-training"
    # Joins run in the order the statement writes them (each repository writes them from the filtered table
    # outwards): planning the best order of the demands list's eight tables took 10 to 16 ms on every
    # request, for a statement that runs in 1 ms (docs/benchmarks.md).
    settings["join_collapse_limit"] = "1"
    return {**arguments, "timeout": timeout}


async def codecs(connection: asyncpg.Connection) -> None:
    """JSON in and out as SQLAlchemy's asyncpg dialect does: its bind processors hand over JSON text."""
    await connection.set_type_codec(
        "json", encoder=str.encode, decoder=orjson.loads, schema="pg_catalog", format="binary"
    )
    await connection.set_type_codec(
        "jsonb",
        encoder=lambda text: b"\x01" + text.encode(),
        decoder=lambda data: orjson.loads(data[1:]),
        schema="pg_catalog",
        format="binary",
    )


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """No reset query when a connection goes back to the pool (a round trip per request): no statement we
    run changes session state (no SET but `SET LOCAL` in a transaction, `Tx.tuned`; no LISTEN, no
    session-level lock), and asyncpg still rolls back a transaction left open."""


class PostgresConnection:
    __slots__ = ("broken", "raw")

    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw
        self.broken = False

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: Any) -> None:
        """The driver's errors in our words (db/errors.py); a dead connection marks itself broken."""
        if not isinstance(error, Exception):
            return
        translated = translate_asyncpg(error, connection_closed=self._closed())
        if isinstance(translated, Unavailable) and translated.connection_lost:
            self.broken = True
        if translated is not error:
            raise translated from error

    def _closed(self) -> bool:
        try:
            return bool(self.raw.is_closed())
        except asyncpg.InterfaceError:  # the pool took back a connection that died while in use
            return True

    async def fetch_one(self, compiled: Compiled, arguments: list[Any]) -> Sequence[Any] | None:
        with self:
            record: Sequence[Any] | None = await self.raw.fetchrow(compiled.sql, *arguments)
        return record

    async def fetch_all(self, compiled: Compiled, arguments: list[Any]) -> list[Sequence[Any]]:
        with self:
            records: list[Sequence[Any]] = await self.raw.fetch(compiled.sql, *arguments)
        return records

    async def execute(self, compiled: Compiled, arguments: list[Any]) -> int:
        with self:
            status: str = await self.raw.execute(compiled.sql, *arguments)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def run(self, sql: str) -> None:
        with self:
            await self.raw.execute(sql)

    async def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        with self:
            await self.raw.copy_records_to_table(table, records=rows, columns=list(columns))

    async def stream(
        self, compiled: Compiled, arguments: list[Any], batch: int
    ) -> AsyncIterator[list[Sequence[Any]]]:
        with self:
            # A cursor lives in a transaction: a read block has none, so it gets one of its own, read-only
            # and on one snapshot (what an export of the whole table must be).
            async with contextlib.AsyncExitStack() as stack:
                if not self.raw.is_in_transaction():
                    await stack.enter_async_context(
                        self.raw.transaction(isolation="repeatable_read", readonly=True)
                    )
                cursor = await self.raw.cursor(compiled.sql, *arguments)
                while records := await cursor.fetch(batch):
                    yield records


class PostgresPool:
    begin_sql = "BEGIN"
    nested = False

    def __init__(
        self, url: str, *, size: int, timeout: float, statement_timeout_s: float | None = None
    ) -> None:
        self.dialect: Dialect = asyncpg_dialect()  # type: ignore[no-untyped-call]
        self._arguments = connect_arguments(url, timeout)
        if statement_timeout_s is not None:  # answered Busy (57014): a 503, not a request hanging on
            self._arguments["server_settings"]["statement_timeout"] = str(int(statement_timeout_s * 1000))
        self._size = size
        self._timeout = timeout
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self.in_use = 0
        self.waiting = 0

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    min_size=0, max_size=self._size, init=codecs, reset=_keep_session, **self._arguments
                )
        return self._pool

    def spare(self) -> bool:
        return self.in_use + self.waiting < self._size

    async def acquire(self, *, write: bool) -> PostgresConnection:
        pool = self._pool or await self._open()
        self.waiting += 1
        try:
            if self.in_use + self.waiting <= self._size:
                # A connection is free, or may be opened: no wait but asyncpg's own connect timeout. (A
                # timeout around every acquire costs about 5% of a GET by id: docs/benchmarks.md.)
                raw = await pool.acquire()
            else:
                # asyncio.timeout, not acquire(timeout=...), which runs the acquire in a task of its own.
                async with asyncio.timeout(self._timeout):
                    raw = await pool.acquire()
        except TimeoutError:
            if self.in_use >= self._size:
                raise Busy(f"no database connection free within {self._timeout:g} s") from None
            raise Unavailable(f"no database connection made within {self._timeout:g} s") from None
        except Exception as error:  # refused, unreachable, authentication failed, starting up
            raise _connect_failed(error) from error
        finally:
            self.waiting -= 1
        self.in_use += 1
        return PostgresConnection(raw)

    async def release(self, connection: Connection, *, write: bool) -> None:
        assert isinstance(connection, PostgresConnection)
        self.in_use -= 1
        assert self._pool is not None
        try:
            await self._pool.release(connection.raw)
        except Exception:
            # The statement's outcome stands: asyncpg closes a connection that cannot go back, and a later
            # acquire replaces it.
            logger.warning("a database connection could not be returned to its pool", exc_info=True)
        if connection.broken:
            # A connection found dead means a restart (or a kill) took every pooled one with it: each is
            # replaced before its next use, so one request pays, not one per connection.
            await self._pool.expire_connections()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    def listen(
        self,
        channel: str,
        on_message: Callable[[str], None],
        on_reset: Callable[[], None],
        acknowledge_on: str | None = None,
    ) -> PostgresListener:
        return PostgresListener(self._arguments, channel, on_message, on_reset, acknowledge_on)

    async def acknowledging(self, channel: str) -> set[int]:
        """The server processes of the connections that acknowledge what they hear on `channel`."""
        pool = self._pool or await self._open()
        records = await pool.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
            acknowledging_name(channel),
        )
        return {record["pid"] for record in records}


def acknowledging_name(channel: str) -> str:
    # How another process finds the listeners it must hear from: pg_stat_activity shows every session's
    # application_name to every role.
    return f"talent-training acknowledges {channel}"[:63]


def _connect_failed(error: Exception) -> BaseException:
    translated = translate_asyncpg(error, connection_closed=True)
    if translated is error or not isinstance(
        translated, Exception
    ):  # e.g. a wrong password: the service cannot reach its database
        return Unavailable(f"{type(error).__name__}: {error}")
    return translated


class PostgresListener:
    """LISTEN on a connection of its own (one per process, besides the pool), reconnecting when it drops.

    `listening` is True only while messages are sure to arrive; `on_reset` is called whenever some may have
    been missed (the connection dropped), so that whatever they would have invalidated is invalidated.

    With `acknowledge_on`, each message is answered once handled by `<backend pid> <payload>` on that channel,
    and listening (again) by `<backend pid> *`: whoever sent the message can then wait until every listener
    has acted on it (`PostgresPool.acknowledging` lists them)."""

    RETRY_S = (0.1, 0.2, 0.5, 1.0, 2.0)

    def __init__(
        self,
        arguments: dict[str, Any],
        channel: str,
        on_message: Callable[[str], None],
        on_reset: Callable[[], None],
        acknowledge_on: str | None = None,
    ) -> None:
        self._arguments = {**arguments, "statement_cache_size": 0}
        if acknowledge_on is not None:
            settings = {
                **arguments.get("server_settings", {}),
                "application_name": acknowledging_name(channel),
            }
            self._arguments["server_settings"] = settings
        self._acknowledge_on = acknowledge_on
        self._acknowledging: set[asyncio.Task[None]] = set()
        self._channel = channel
        self._on_message = on_message
        self._on_reset = on_reset
        self.listening = False
        self.backend_pid: int | None = None
        self._lost = asyncio.Event()
        # A context of its own: it outlives the request that started it, and must not log under its id.
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"listen {channel}", context=contextvars.Context()
        )

    def _message(self, connection: Any, _pid: int, _channel: str, payload: str) -> None:
        self._on_message(payload)
        self._acknowledge(connection, payload)

    def _acknowledge(self, connection: asyncpg.Connection, payload: str) -> None:
        if self._acknowledge_on is None:
            return
        task = asyncio.get_running_loop().create_task(
            self._send(connection, f"{connection.get_server_pid()} {payload}")
        )
        self._acknowledging.add(task)
        task.add_done_callback(self._acknowledging.discard)

    async def _send(self, connection: asyncpg.Connection, payload: str) -> None:
        try:
            await connection.execute("SELECT pg_notify($1, $2)", self._acknowledge_on, payload)
        except Exception as error:  # the connection dropped: listening again acknowledges everything
            logger.debug("NOTIFY %s: %s: %s", self._acknowledge_on, type(error).__name__, error)

    def _dropped(self, _connection: Any = None) -> None:
        if self.listening:
            self.listening = False
            self._on_reset()
        self._lost.set()

    async def _run(self) -> None:
        failures = 0
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(**self._arguments)
                self._lost.clear()
                connection.add_termination_listener(self._dropped)
                await connection.add_listener(self._channel, self._message)
                self.backend_pid = connection.get_server_pid()
                # Whatever was learnt while nobody listened may have changed unheard: forget it first.
                self._on_reset()
                self.listening = True
                self._acknowledge(connection, "*")
                failures = 0
                await self._lost.wait()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.warning("LISTEN %s: %s: %s", self._channel, type(error).__name__, error)
            finally:
                self._dropped()
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=1)
            await asyncio.sleep(self.RETRY_S[min(failures, len(self.RETRY_S) - 1)])
            failures += 1

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
