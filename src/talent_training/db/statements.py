"""Statements written once with SQLAlchemy Core, compiled once per dialect, run by our own thin drivers.

Every statement a request runs is a `Query`: a module-level constant, or one per *shape* from a cached
builder (list filters, db/paging.py), so that it is compiled once per process and its SQL text is one
prepared statement on each connection. What compiling keeps is what SQLAlchemy's own execution layer would
use, read through public APIs: the SQL text, the order of its parameters, the per-type conversions of
values on the way in (`TypeEngine.bind_processor`) and out (`result_processor`), and the names of the
result's columns, which rows are read by (`row.title`).

Only what a request needs is supported: no expanding `IN` lists (use `db.expressions.any_of`), no ORM
entities, no column defaults computed in Python (a statement sets every value it writes, `null()` included;
compiling refuses it otherwise, rather than writing NULL), and result columns named by plain identifiers.
Checked against the SQLAlchemy minor version pinned in pyproject.toml; tests/db/test_statements.py compiles
every statement of every shape on both dialects.
"""

from __future__ import annotations

import keyword
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase

Processor = Callable[[Any], Any]
# SQLAlchemy 2.1 types a select by the tuple of its columns; any will do here.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
Statement: TypeAlias = AnySelect | UpdateBase
_FROM_PARAMS = object()


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    names: tuple[str, ...]  # the bind names, in the order of the driver's positional parameters
    constants: tuple[Any, ...]  # a value written into the statement itself, or _FROM_PARAMS
    bind_processors: tuple[Processor | None, ...]
    row: Any  # a namedtuple class
    result_processors: tuple[Processor | None, ...] | None  # None: no column needs converting

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        arguments = []
        for name, constant, process in zip(self.names, self.constants, self.bind_processors, strict=True):
            if constant is _FROM_PARAMS:
                try:
                    value = params[name]
                except KeyError:
                    raise TypeError(f"the statement needs a value for {name!r}") from None
            else:
                value = constant
            arguments.append(value if process is None else process(value))
        return arguments

    def rows(self, records: Sequence[Sequence[Any]]) -> list[Any]:
        make = self.row._make
        processors = self.result_processors
        if processors is None:
            return [make(record) for record in records]
        return [
            make([value if p is None else p(value) for value, p in zip(record, processors, strict=True)])
            for record in records
        ]


def compile_statement(statement: Statement, dialect: Dialect) -> Compiled:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if "POSTCOMPILE" in compiled.string:
        raise TypeError("expanding IN parameters are not supported: use db.expressions.any_of")
    names = tuple(compiled.positiontup or ())
    binds = [compiled.binds[name] for name in names]
    for bind in binds:
        if not bind.required and bind.value is None and bind.callable is None:
            raise TypeError(f"{bind.key!r} would be written NULL by default: give the statement its value")
    columns = list(statement.exported_columns)
    # An unnamed column (`count(*)`) is read by position, or by this made-up name.
    keys = [column.key or f"column{n}" for n, column in enumerate(columns)]
    if len(set(keys)) != len(keys):
        raise TypeError(f"result columns must have distinct names (use .label()): {keys}")
    for key in keys:  # rows are read by attribute: row.title
        if not key.isidentifier() or keyword.iskeyword(key) or key.startswith("_"):
            raise TypeError(f"result column {key!r} needs a .label() that is a plain name")
    results = []
    for key, column in zip(keys, columns, strict=True):
        try:
            results.append(column.type.dialect_impl(dialect).result_processor(dialect, None))
        except TypeError as error:  # e.g. Numeric, whose conversion depends on the driver's type code
            raise TypeError(
                f"result column {key!r} ({column.type}) needs a type the driver reads as is"
            ) from error
    return Compiled(
        sql=compiled.string,
        names=names,
        constants=tuple(_FROM_PARAMS if bind.required else bind.effective_value for bind in binds),
        bind_processors=tuple(bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in binds),
        row=namedtuple("Row", keys),
        result_processors=tuple(results) if any(results) else None,
    )


class Query:
    """A statement built once, compiled on first use with each dialect that runs it."""

    __slots__ = ("_compiled", "statement", "writes")

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self.writes = isinstance(statement, UpdateBase)  # INSERT, UPDATE or DELETE
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = compile_statement(self.statement, dialect)
        return found

    def __repr__(self) -> str:
        return f"Query({str(self.statement)[:80]!r}...)"
