"""The database's failures in the words the rest of the service uses, the same on every backend.

The drivers' own exceptions never leave `db/`: `translate_asyncpg` and `translate_sqlite` turn them into
these, and anything they do not recognise (a syntax error, a bug of ours) goes on as it is, to be a 500.
"""

from __future__ import annotations

import re
import sqlite3

import asyncpg


class DatabaseError(Exception):
    """A failure the database reported or caused."""


class Unavailable(DatabaseError):
    """Down, unreachable, restarting, or the connection died: a retry a moment later may succeed (503).

    `connection_lost`: the connection was found dead, so every pooled one is suspect (a restart)."""

    def __init__(self, message: str, *, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.connection_lost = connection_lost


class Busy(DatabaseError):
    """The database answers but cannot take this now: no connection free in time, too many connections, a
    statement or lock timeout (503, with a detail that says busy)."""


class UniqueViolation(DatabaseError):
    def __init__(self, message: str, constraint: str | None) -> None:
        super().__init__(message)
        self.constraint = constraint  # None on SQLite, which names columns, not constraints


class ReferenceViolation(DatabaseError):
    """A foreign key points at nothing."""


# SQLSTATE classes and codes (PostgreSQL appendix A).
_CONNECTION_LOST = ("08", "57P01", "57P02", "57P03", "57P05")  # connection exception, shutdown, starting
_BUSY = ("53", "55P03", "57014", "40P01")  # out of resources, lock timeout, cancelled or timed out, deadlock
_FAILING = ("58",)  # system error: I/O error, missing file


def translate_asyncpg(error: BaseException, *, connection_closed: bool) -> BaseException:
    if isinstance(error, asyncpg.UniqueViolationError):
        return UniqueViolation(str(error), error.constraint_name)
    if isinstance(error, asyncpg.ForeignKeyViolationError):
        return ReferenceViolation(str(error))
    if isinstance(error, asyncpg.PostgresError):
        state = error.sqlstate or ""
        if state.startswith(_CONNECTION_LOST):
            return Unavailable(f"{type(error).__name__}: {error}", connection_lost=True)
        if state.startswith(_BUSY):
            return Busy(f"{type(error).__name__}: {error}")
        if state.startswith(_FAILING):
            return Unavailable(f"{type(error).__name__}: {error}")
        return error  # type: ignore[no-any-return]  # asyncpg is untyped
    if isinstance(error, asyncpg.InterfaceError | asyncpg.InternalClientError) and (
        connection_closed
        or isinstance(error, asyncpg.ConnectionDoesNotExistError | asyncpg.InternalClientError)
    ):
        # A connection the server closed shows as one of these on its next use.
        return Unavailable(f"{type(error).__name__}: {error}", connection_lost=True)
    if isinstance(error, OSError | ConnectionError | EOFError):
        return Unavailable(f"{type(error).__name__}: {error}", connection_lost=connection_closed)
    return error


_UNIQUE = re.compile(r"UNIQUE constraint failed")


def translate_sqlite(error: BaseException) -> BaseException:
    if isinstance(error, sqlite3.IntegrityError):
        message = str(error)
        if _UNIQUE.match(message):
            return UniqueViolation(message, None)
        if "FOREIGN KEY" in message:
            return ReferenceViolation(message)
        return error
    if isinstance(error, sqlite3.OperationalError):
        message = str(error)
        if "locked" in message or "busy" in message:
            return Busy(message)
        if "unable to open" in message or "disk I/O" in message:
            return Unavailable(message)
    return error
