"""Reading the database's own words on a failed write, the same way on every backend."""

from __future__ import annotations

from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# What a client cannot cause and a retry may cure: the database is down, unreachable, restarting, or out of
# connections. Answered 503 with Retry-After, never 500.
UNAVAILABLE: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
    PoolTimeoutError,
)

# Driver errors on a connection the server has closed (restart, pg_terminate_backend) that SQLAlchemy does
# not itself count as disconnects: asyncpg then reports a confused protocol state on the next use.
_DEAD_CONNECTION_ERRORS = ("InternalClientError", "AdminShutdownError", "CrashShutdownError")


def is_unavailable(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, UNAVAILABLE)


def mark_dead_connections(context: ExceptionContext) -> None:
    """`handle_error` hook: count a dead connection as a disconnect, so that SQLAlchemy discards it and every
    pooled connection as old as it, and the next request connects afresh."""
    original = context.original_exception
    names = {cls.__name__ for cls in type(original).__mro__}
    cause = original.__cause__
    if cause is not None:
        names |= {cls.__name__ for cls in type(cause).__mro__}
    if names & set(_DEAD_CONNECTION_ERRORS):
        context.is_disconnect = True


def is_unique_violation(error: IntegrityError) -> bool:
    original = error.orig
    # asyncpg (through SQLAlchemy's adapter) carries the SQLSTATE; SQLite only a message.
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    return "UNIQUE constraint failed" in str(original)
