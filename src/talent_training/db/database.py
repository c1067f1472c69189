"""The one way to read and write data: `Database.read()` and `Database.transaction()` yield a `Tx`.

    async with database.read() as tx:            # statements run one by one, each atomic on its own
        row = await tx.one(GET_TRAINING, {"account_id": 1, "id": 7})

    async with database.transaction() as tx:     # all or nothing: committed when the block ends,
        await tx.execute(INSERT_SOMETHING, {...})  # rolled back entirely when it raises
        await tx.execute(INSERT_ITS_AUDIT_ROW, {...})

The same on SQLite and PostgreSQL: statements are `Query` objects (db/statements.py), compiled once per
dialect and run by a thin driver of each (db/postgres.py on asyncpg, db/sqlite.py on aiosqlite), from one
pool per process. A block takes a connection at its first statement, not before, so a request refused
before it touches the database takes none.

Round trips are the cost of a request (docs/architecture.md), so a transaction sends `BEGIN` only with its
first statement, and a read block runs each statement on its own (no BEGIN/COMMIT).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import itertools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, Protocol, TypeVar

from sqlalchemy import Table
from sqlalchemy.engine import Dialect, make_url

from talent_training.db.statements import Compiled, Query

Params = Mapping[str, Any]
T = TypeVar("T")
NO_PARAMS: Params = {}


class Connection(Protocol):
    """A driver connection, as a `Tx` uses it. Errors come out translated (db/errors.py)."""

    broken: bool

    async def fetch_one(self, compiled: Compiled, arguments: list[Any]) -> Sequence[Any] | None: ...
    async def fetch_all(self, compiled: Compiled, arguments: list[Any]) -> list[Sequence[Any]]: ...
    async def execute(self, compiled: Compiled, arguments: list[Any]) -> int: ...
    async def run(self, sql: str) -> None: ...
    async def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None: ...
    def stream(
        self, compiled: Compiled, arguments: list[Any], batch: int
    ) -> AsyncIterator[list[Sequence[Any]]]: ...


class Pool(Protocol):
    @property
    def dialect(self) -> Dialect: ...

    begin_sql: str  # how a writing transaction starts on this database
    nested: bool  # every block is a savepoint inside a transaction someone else owns (tests)
    in_use: int  # connections held by blocks
    waiting: int  # blocks waiting for a connection

    def spare(self) -> bool:
        """Whether a read block would have a connection now, without waiting."""
        ...

    async def acquire(self, *, write: bool) -> Connection: ...
    async def release(self, connection: Connection, *, write: bool) -> None: ...
    async def close(self) -> None: ...


class Listener(Protocol):
    listening: bool

    async def close(self) -> None: ...


class _State(enum.Enum):
    IDLE = "idle"  # nothing sent yet
    BEGUN = "begun"  # BEGIN (or SAVEPOINT) sent


_savepoints = itertools.count(1)


class Tx:
    """The statements of one unit of work, on one connection taken at the first of them."""

    __slots__ = ("_connection", "_name", "_pool", "_state", "_write", "dialect")

    def __init__(self, pool: Pool, *, write: bool) -> None:
        self._pool = pool
        self._write = write
        self._connection: Connection | None = None
        self._state = _State.IDLE
        self._name = ""
        self.dialect = pool.dialect

    async def one(self, query: Query, params: Params = NO_PARAMS) -> Any:
        """The first row, or None."""
        compiled = query.compiled(self.dialect)
        connection = await self._connection_for()
        record = await connection.fetch_one(compiled, compiled.arguments(params))
        return None if record is None else compiled.rows([record])[0]

    async def all(self, query: Query, params: Params = NO_PARAMS) -> list[Any]:
        compiled = query.compiled(self.dialect)
        connection = await self._connection_for()
        return compiled.rows(await connection.fetch_all(compiled, compiled.arguments(params)))

    async def value(self, query: Query, params: Params = NO_PARAMS) -> Any:
        """The first column of the first row, or None."""
        row = await self.one(query, params)
        return None if row is None else row[0]

    async def execute(self, query: Query, params: Params = NO_PARAMS) -> int:
        """A statement whose rows are not read; the number of rows it changed."""
        compiled = query.compiled(self.dialect)
        connection = await self._connection_for()
        return await connection.execute(compiled, compiled.arguments(params))

    async def copy(
        self,
        table: Table,
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        ready: Sequence[str] = (),
    ) -> None:
        """Many rows into `table` at once, in this transaction: COPY on PostgreSQL (the fastest way in, about
        ten times an INSERT per row), one prepared INSERT on SQLite. Values in the order of `columns`, each
        converted as a statement binds it (SQLite keeps dates and datetimes as text in SQLAlchemy's format,
        which every statement reads and compares), except the `ready` columns', given as the driver takes
        them (JSON text written by orjson, say); `rows` is consumed as it goes, never held whole."""
        if not self._write:
            raise RuntimeError("rows are copied in a transaction: use Database.transaction()")
        dialect = self.dialect
        processors = [
            None if name in ready else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in columns
        ]
        if any(processors):
            rows = (
                [
                    value if process is None else process(value)
                    for value, process in zip(row, processors, strict=True)
                ]
                for row in rows
            )
        connection = await self._connection_for()
        await connection.copy(table.name, columns, rows)

    async def stream(
        self, query: Query, params: Params = NO_PARAMS, *, batch: int = 2000
    ) -> AsyncIterator[list[Any]]:
        """The rows of `query` in batches, read as they are consumed (a cursor), so that an export of a
        million rows holds one batch in memory. Every batch comes from one snapshot of the database.
        Inside a writing transaction on PostgreSQL the cursor stays open until the transaction ends (asyncpg
        closes portals only then): a table it read cannot be dropped before that."""
        compiled = query.compiled(self.dialect)
        connection = await self._connection_for()
        async for records in connection.stream(compiled, compiled.arguments(params), batch):
            yield compiled.rows(records)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A part of the transaction that can fail alone: undone if the block raises, the rest kept."""
        if not self._write:
            raise RuntimeError("a savepoint is part of a transaction: use Database.transaction()")
        connection = await self._connection_for()
        name = f"sp{next(_savepoints)}"
        await connection.run(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if not connection.broken:
                await connection.run(f"ROLLBACK TO SAVEPOINT {name}")
                await connection.run(f"RELEASE SAVEPOINT {name}")
            raise
        await connection.run(f"RELEASE SAVEPOINT {name}")

    @asynccontextmanager
    async def tuned(self, settings: Mapping[str, str]) -> AsyncIterator[None]:
        """PostgreSQL settings for the statements of the block alone (SET LOCAL), for a read that needs more
        than the service's defaults (the reports: memory to group in, plans for the dates they are given).

        A read block's statements otherwise stand alone: here they share a transaction of their own, whose
        end undoes the settings, even when cancelled (asyncpg rolls back a connection handed back in a
        transaction), so that no pooled connection keeps them. In a transaction, they hold until the block
        ends (then the server's defaults), or, when it fails, until the transaction ends: never beyond it.
        SQLite has no such settings."""
        if self.dialect.name != "postgresql":
            yield
            return
        connection = await self._connection_for()
        # Names and values come from our code, never from a request.
        assignments = "; ".join(f"SET LOCAL {name} = '{value}'" for name, value in settings.items())
        if self._state is _State.BEGUN:
            await connection.run(assignments)
            yield  # after a failure, the transaction is rolled back with its settings
            await connection.run("; ".join(f"SET LOCAL {name} TO DEFAULT" for name in settings))
            return
        await connection.run(f"BEGIN; {assignments}")
        try:
            yield
        except BaseException:
            if not connection.broken:  # else the error says why; asyncpg's reset ends the transaction
                try:
                    await connection.run("ROLLBACK")
                except Exception:  # the error that ended the block is the one to tell
                    connection.broken = True
            raise
        await connection.run("COMMIT")

    async def at_once(self, *reads: Callable[[Tx], Coroutine[Any, Any, T]]) -> list[T]:
        """What each of `reads` returns, given a block to read with: side by side, each on a connection of its
        own, when this is a read block (whose statements stand alone: side by side, each sees what it would
        have seen one after the other) and the pool has a connection to spare for each, now; else one after
        the other in this block. For reads whose statements each take long enough for it to matter (the
        reports), never more connections than are free: a request waiting for a second connection while
        holding one could wait on others doing the same. A read that fails ends the others (each waited for,
        its connection given back), and its error is raised as it is, as one after the other would."""
        if self._write or self._pool.nested:
            return [await read(self) for read in reads]
        await self._connection_for()  # this block's own first: the pool's spare connections are the others
        async with contextlib.AsyncExitStack() as sides_open:
            sides: list[Tx] = []
            while len(sides) < len(reads) - 1 and self._pool.spare():
                side = Tx(self._pool, write=False)
                side._connection = await self._pool.acquire(write=False)
                sides_open.push_async_callback(side._close, failed=False)
                sides.append(side)
            if len(sides) < len(reads) - 1:
                await sides_open.aclose()
                return [await read(self) for read in reads]
            failure: BaseException | None = None
            try:
                async with asyncio.TaskGroup() as group:  # one failing cancels the others, and waits for them
                    tasks = [
                        group.create_task(read(tx)) for read, tx in zip(reads, [self, *sides], strict=True)
                    ]
            except BaseExceptionGroup as failed:
                failure = failed.exceptions[0]
            if failure is not None:
                raise failure  # as it is, cause and all: what the request's error handling knows (Busy: 503)
            return [task.result() for task in tasks]

    async def _connection_for(self) -> Connection:
        connection = self._connection
        if connection is None:
            connection = self._connection = await self._pool.acquire(write=self._write)
        if self._state is _State.BEGUN:
            return connection
        if self._pool.nested:
            self._name = f"tx{next(_savepoints)}"
            await connection.run(f"SAVEPOINT {self._name}")
            self._state = _State.BEGUN
        elif self._write:
            try:
                await connection.run(self._pool.begin_sql)
            except BaseException:
                # Cancelled (the request's time limit) or failed while BEGIN waited for a lock: it may yet
                # succeed behind our back (aiosqlite's thread carries on), so the connection is not reused.
                connection.broken = True
                raise
            self._state = _State.BEGUN
        # A read runs each statement on its own (autocommit): no BEGIN/COMMIT round trips.
        return connection

    async def _close(self, failed: bool) -> None:
        connection = self._connection
        if connection is None:
            return
        self._connection = None
        try:
            if self._state is _State.BEGUN and not connection.broken:
                if self._pool.nested:
                    if failed:
                        await connection.run(f"ROLLBACK TO SAVEPOINT {self._name}")
                    await connection.run(f"RELEASE SAVEPOINT {self._name}")
                else:
                    await connection.run("ROLLBACK" if failed else "COMMIT")
        except BaseException:
            connection.broken = True
            raise
        finally:
            await self._pool.release(connection, write=self._write)


class _Block:
    __slots__ = ("_tx",)

    def __init__(self, pool: Pool, write: bool) -> None:
        self._tx = Tx(pool, write=write)

    async def __aenter__(self) -> Tx:
        return self._tx

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self._tx._close(failed=error is not None)


class Database:
    """The database of one process: its pool, the dialect its statements compile to, its listeners."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.dialect = pool.dialect
        self._listeners: list[Listener] = []

    @classmethod
    def connect(
        cls, url: str, *, pool_size: int = 16, timeout: float = 5, statement_timeout_s: float | None = None
    ) -> Database:
        """A database whose connections are opened on demand (none now: a database that is down when the
        service starts is a 503 until it is up, not a failed start). `statement_timeout_s`: PostgreSQL
        cancels a statement running longer (SQLite has no such thing: the request's own limit answers)."""
        pool: Pool
        if is_sqlite(url):
            from talent_training.db.sqlite import SqlitePool

            pool = SqlitePool(url, size=pool_size, timeout=timeout)
        else:
            from talent_training.db.postgres import PostgresPool

            pool = PostgresPool(url, size=pool_size, timeout=timeout, statement_timeout_s=statement_timeout_s)
        return cls(pool)

    def read(self) -> _Block:
        return _Block(self.pool, write=False)

    def transaction(self) -> _Block:
        return _Block(self.pool, write=True)

    def listen(
        self,
        channel: str,
        on_message: Callable[[str], None],
        on_reset: Callable[[], None],
        *,
        acknowledge_on: str | None = None,
    ) -> Listener | None:
        """Messages sent on `channel` (NOTIFY) from any process, as long as `.listening`; `on_reset`
        whenever messages may have been missed (the connection dropped). None where there is no such thing
        (SQLite, or a pool inside someone else's transaction). With `acknowledge_on`, every message handled
        is acknowledged on that channel as `<process> <payload>`, and listening (again) as `<process> *`."""
        start = getattr(self.pool, "listen", None)
        if start is None or self.pool.nested:
            return None
        listener: Listener = start(channel, on_message, on_reset, acknowledge_on)
        self._listeners.append(listener)
        return listener

    async def acknowledging(self, channel: str) -> set[int]:
        """The processes (server pids) listening on `channel` that acknowledge what they hear; none where
        nothing can listen."""
        listed = getattr(self.pool, "acknowledging", None)
        if listed is None or self.pool.nested:
            return set()
        processes: set[int] = await listed(channel)
        return processes

    async def dispose(self) -> None:
        for listener in self._listeners:
            await listener.close()
        self._listeners.clear()
        await self.pool.close()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"
