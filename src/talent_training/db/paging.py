"""Keyset and index paging over a filtered SELECT, ordered by its `id`, or by another column then the id.

A `Paged` is one list query *shape* (which filters are present, not their values, and the sort) with the
statements its pages need, built once: a repository keeps one per shape in a cached builder, so that each is
compiled once and stays one prepared statement per connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import ColumnElement, Integer, bindparam, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from talent_training.db.database import Params, Tx
from talent_training.db.statements import AnySelect, Query
from talent_training.kit.paging import Cursor, Page, PageRequest, RootField
from talent_training.kit.problems import RuleViolation

Key: TypeAlias = ColumnElement[int] | InstrumentedAttribute[int]


@dataclass(frozen=True)
class SortColumn:
    """A column a list may be sorted by, and how a row's value of it travels in a cursor (as an integer)."""

    column: Any
    to_cursor: Callable[[Any], int]
    from_cursor: Callable[[int], Any]


class Paged:
    """`rows` gives a page's rows (with an `id` column, the key); `base`, the same filters without the joins
    that only decorate rows, answers `count` and whether rows exist before or after the page (much cheaper
    at a million rows).

    Sorted by `sort` (then the id, so that the order is total), rows carry the sort's value as `sort_key`,
    and a cursor names the sort it was made for (`name`): followed under another sort, it is refused."""

    def __init__(
        self,
        rows: AnySelect,
        key: Key,
        base: AnySelect | None = None,
        *,
        sort: SortColumn | None = None,
        descending: bool = False,
        name: str = "",
        within: tuple[Any, Any] | None = None,
    ) -> None:
        base = rows if base is None else base
        self.sort = sort
        self.name = name
        limit = bindparam("limit", type_=Integer)
        cursor = bindparam("cursor", type_=Integer)
        if sort is None:
            columns: tuple[Any, ...] = (key,)
            position: Any = key
            at: Any = cursor
            later, earlier = (position < at, position > at) if descending else (position > at, position < at)
        else:
            rows = rows.add_columns(sort.column.label("sort_key"))
            columns = (sort.column, key)
            value = bindparam("sort_cursor", type_=sort.column.type)
            if within is None:
                position, at = tuple_(sort.column, key), tuple_(value, cursor)
            else:
                # A list held to one value of a column (`within`: the column and that value's parameter) puts
                # the column first in the cursor's comparison. It changes nothing to the rows, but PostgreSQL
                # estimates a row comparison by its first column alone: led by the sort's column, the rows
                # beyond a cursor of rank 0 look like none, and the planner walked the whole rank index for
                # a small department's deep page (300,000 rows, 65 ms) rather than its (department, rank, id).
                column, held = within
                position, at = tuple_(column, sort.column, key), tuple_(held, value, cursor)
            later, earlier = (position < at, position > at) if descending else (position > at, position < at)
        forward = [c.desc() for c in columns] if descending else list(columns)
        backward = list(columns) if descending else [c.desc() for c in columns]
        self.first = Query(rows.order_by(*forward).limit(limit).offset(bindparam("offset", type_=Integer)))
        self.after = Query(rows.where(later).order_by(*forward).limit(limit))
        self.before = Query(rows.where(earlier).order_by(*backward).limit(limit))
        keys = base.with_only_columns(key).order_by(None)
        self.count = Query(select(func.count()).select_from(keys.subquery()))
        # Ordered away from the cursor, as the pages are: the probe reads the index from the cursor on and
        # stops at the first row. Unordered, PostgreSQL took `id < :cursor LIMIT 1` for any row of the table
        # and walked the ids of the accounts made before this one: 236 ms to learn that the first page of an
        # account whose ids start at 1,018,001 has nothing before it (0.06 ms ordered).
        self.any_before = Query(keys.where(earlier).order_by(*backward).limit(1))
        self.any_after = Query(keys.where(later).order_by(*forward).limit(1))

    def position(self, direction: str, row: Any) -> Cursor:
        sort_key = 0 if self.sort is None else self.sort.to_cursor(row.sort_key)
        return Cursor("after" if direction == "after" else "before", row.id, self.name, sort_key)

    def at(self, cursor: Cursor) -> dict[str, Any]:
        """The statement parameters of a cursor's position."""
        if cursor.sort != self.name:
            raise RuleViolation(
                "page", "this cursor belongs to another sort: start again from the first page"
            )
        if self.sort is None:
            return {"cursor": cursor.key}
        return {"cursor": cursor.key, "sort_cursor": self.sort.from_cursor(cursor.sort_key)}


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
        rows = await tx.all(paged.after, {**params, "limit": limit, **paged.at(cursor)})
        more_after = len(rows) > request.limit
        rows = rows[: request.limit]
    else:
        rows = await tx.all(paged.before, {**params, "limit": limit, **paged.at(cursor)})
        more_before = len(rows) > request.limit
        rows = rows[: request.limit][::-1]

    if not rows:
        return Page([], None, None, count)
    first, last = paged.position("before", rows[0]), paged.position("after", rows[-1])
    prev = nxt = None
    if RootField.PREV in request.fields:
        if more_before is None:
            more_before = await tx.one(paged.any_before, {**params, **paged.at(first)}) is not None
        prev = first if more_before else None
    if RootField.NEXT in request.fields:
        if more_after is None:
            more_after = await tx.one(paged.any_after, {**params, **paged.at(last)}) is not None
        nxt = last if more_after else None
    return Page(rows, prev, nxt, count)
