"""Keyset and index paging over a filtered SELECT, ordered by its `id`.

A `Paged` is one list query *shape* (which filters are present, not their values) with the statements its
pages need, built once: a repository keeps one per shape in a cached builder, so that each is compiled once
and stays one prepared statement per connection.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Integer, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute

from talent_training.db.database import Params, Tx
from talent_training.db.statements import AnySelect, Query
from talent_training.kit.paging import Cursor, Page, PageRequest, RootField

Key: TypeAlias = ColumnElement[int] | InstrumentedAttribute[int]


class Paged:
    """`rows` gives a page's rows (with an `id` column, the key); `base`, the same filters without the joins
    that only decorate rows, answers `count` and whether rows exist before or after the page (much cheaper
    at a million rows)."""

    def __init__(self, rows: AnySelect, key: Key, base: AnySelect | None = None) -> None:
        base = rows if base is None else base
        limit = bindparam("limit", type_=Integer)
        cursor = bindparam("cursor", type_=Integer)
        self.first = Query(rows.order_by(key).limit(limit).offset(bindparam("offset", type_=Integer)))
        self.after = Query(rows.where(key > cursor).order_by(key).limit(limit))
        self.before = Query(rows.where(key < cursor).order_by(key.desc()).limit(limit))
        keys = base.with_only_columns(key).order_by(None)
        self.count = Query(select(func.count()).select_from(keys.subquery()))
        self.any_before = Query(keys.where(key < cursor).limit(1))
        self.any_after = Query(keys.where(key > cursor).limit(1))


async def paginate(tx: Tx, paged: Paged, params: Params, request: PageRequest) -> Page[Any]:
    count: int | None = await tx.value(paged.count, params) if RootField.COUNT in request.fields else None
    if request.limit == 0:
        return Page([], None, None, count)

    more_before: bool | None = None
    more_after: bool | None = None
    cursor = request.cursor
    # One row more than the page: whether there is a next page comes with the page.
    limit = request.limit + 1
    if cursor is None:
        rows = await tx.all(paged.first, {**params, "limit": limit, "offset": request.offset})
        more_after = len(rows) > request.limit
        rows = rows[: request.limit]
    elif cursor.direction == "after":
        rows = await tx.all(paged.after, {**params, "limit": limit, "cursor": cursor.key})
        more_after = len(rows) > request.limit
        rows = rows[: request.limit]
    else:
        rows = await tx.all(paged.before, {**params, "limit": limit, "cursor": cursor.key})
        more_before = len(rows) > request.limit
        rows = rows[: request.limit][::-1]

    if not rows:
        return Page([], None, None, count)
    first, last = rows[0].id, rows[-1].id
    prev = nxt = None
    if RootField.PREV in request.fields:
        if more_before is None:
            more_before = await tx.one(paged.any_before, {**params, "cursor": first}) is not None
        prev = Cursor("before", first) if more_before else None
    if RootField.NEXT in request.fields:
        if more_after is None:
            more_after = await tx.one(paged.any_after, {**params, "cursor": last}) is not None
        nxt = Cursor("after", last) if more_after else None
    return Page(rows, prev, nxt, count)
