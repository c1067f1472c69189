"""Reading the database's own words on a failed write, the same way on every backend."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError


def is_unique_violation(error: IntegrityError) -> bool:
    original = error.orig
    # asyncpg (through SQLAlchemy's adapter) carries the SQLSTATE; SQLite only a message.
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    return "UNIQUE constraint failed" in str(original)
