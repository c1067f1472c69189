"""Keyset and index paging over any filtered SELECT, ordered by an integer key (the id)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from talent_training.kit.paging import Cursor, Page, PageRequest, RootField

# SQLAlchemy 2.1 types rows and selects by the tuple of their columns; paging works on any.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
Key: TypeAlias = ColumnElement[int] | InstrumentedAttribute[int]


async def paginate(
    session: AsyncSession | AsyncConnection,
    query: AnySelect,
    key: Key,
    request: PageRequest,
    key_of: Callable[[AnyRow], int],
    base: AnySelect | None = None,
) -> Page[AnyRow]:
    """`query` gives the page's rows; `base`, the same filters without the joins that only decorate rows,
    answers `count` and whether rows exist before or after the page (much cheaper at a million rows)."""
    base = query if base is None else base
    count = await _count(session, base, key) if RootField.COUNT in request.fields else None
    if request.limit == 0:
        return Page([], None, None, count)

    more_before: bool | None = None
    more_after: bool | None = None
    cursor = request.cursor
    if cursor is None:
        stmt = query.order_by(key).offset(request.offset).limit(request.limit + 1)
        rows = list((await session.execute(stmt)).all())
        more_after = len(rows) > request.limit
        rows = rows[: request.limit]
    elif cursor.direction == "after":
        stmt = query.where(key > cursor.key).order_by(key).limit(request.limit + 1)
        rows = list((await session.execute(stmt)).all())
        more_after = len(rows) > request.limit
        rows = rows[: request.limit]
    else:
        stmt = query.where(key < cursor.key).order_by(key.desc()).limit(request.limit + 1)
        rows = list((await session.execute(stmt)).all())
        more_before = len(rows) > request.limit
        rows = rows[: request.limit][::-1]

    if not rows:
        return Page([], None, None, count)
    first, last = key_of(rows[0]), key_of(rows[-1])
    prev = nxt = None
    if RootField.PREV in request.fields:
        if more_before is None:
            more_before = await _exists(session, base, key < first)
        prev = Cursor("before", first) if more_before else None
    if RootField.NEXT in request.fields:
        if more_after is None:
            more_after = await _exists(session, base, key > last)
        nxt = Cursor("after", last) if more_after else None
    return Page(rows, prev, nxt, count)


async def _count(session: AsyncSession | AsyncConnection, query: AnySelect, key: Key) -> int:
    inner = query.with_only_columns(key).order_by(None).subquery()
    return int((await session.execute(select(func.count()).select_from(inner))).scalar_one())


async def _exists(
    session: AsyncSession | AsyncConnection, query: AnySelect, condition: ColumnElement[bool]
) -> bool:
    stmt = query.with_only_columns(query.selected_columns[0]).where(condition).limit(1)
    return (await session.execute(stmt)).first() is not None
