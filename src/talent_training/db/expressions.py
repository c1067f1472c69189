"""SQL pieces that read the same on every database but are written differently by each.

Custom constructs through SQLAlchemy's compiler extension (`@compiles`); `_traverse_internals` and
`_is_implicitly_boolean` are the two attributes its documentation asks such constructs to declare (what the
construct holds, and that it is a comparison).
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Boolean, Dialect, Integer, String, TypeDecorator, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeEngine


class IdArray(TypeDecorator[list[int]]):
    """A list of ids bound as one parameter: an int[] on PostgreSQL, a JSON array text on SQLite."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Integer))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[int] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return orjson.dumps(value).decode()


class AnyOf(ColumnElement[bool]):
    """`column` equals one of the ids bound to `name`. One parameter whatever the list's length, so a
    filter has one statement shape (and one prepared statement), not one per number of values."""

    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: never rendered `... = 1` on SQLite
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.ids: BindParameter[list[int]] = bindparam(name, type_=IdArray())


@compiles(AnyOf, "postgresql")
def _any_of_postgresql(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"


@compiles(AnyOf)
def _any_of_sqlite(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    ids = compiler.process(element.ids, **kw)
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"  # noqa: S608 -- a bound parameter


def any_of(column: ColumnElement[Any] | Any, name: str) -> AnyOf:
    return AnyOf(column, name)
