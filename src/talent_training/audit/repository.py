"""Audit statements: one insert per change, and the list with its filters, scoped by account."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, bindparam, delete, insert, select

from talent_training.audit.tables import AuditEvent
from talent_training.db.base import UTCDateTime
from talent_training.db.database import Tx
from talent_training.db.paging import Paged, paginate
from talent_training.db.statements import Query
from talent_training.kit.paging import Page, PageRequest

ACCOUNT = bindparam("account_id", type_=Integer)

_RECORD = Query(
    insert(AuditEvent).values(
        account_id=ACCOUNT,
        occurred_at=bindparam("occurred_at", type_=UTCDateTime),
        actor=bindparam("actor", type_=String),
        resource_type=bindparam("resource_type", type_=String),
        resource_id=bindparam("resource_id", type_=Integer),
        action=bindparam("action", type_=String),
        changes=bindparam("changes", type_=AuditEvent.changes.type),
    )
)
_EVENT = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.actor,
    AuditEvent.resource_type,
    AuditEvent.resource_id,
    AuditEvent.action,
    AuditEvent.changes,
)
_PURGE = Query(delete(AuditEvent).where(AuditEvent.occurred_at < bindparam("before", type_=UTCDateTime)))


async def record(tx: Tx, values: dict[str, Any]) -> None:
    await tx.execute(_RECORD, values)


NEWEST_FIRST = "newest"  # the name of the console's order in its cursors: the API's (oldest first) has none


@cache
def _events(resource_type: bool, resource_id: bool, actor: bool, since: bool, newest_first: bool) -> Paged:
    conditions = [AuditEvent.account_id == ACCOUNT]
    if resource_type:
        conditions.append(AuditEvent.resource_type == bindparam("resource_type", type_=String))
    if resource_id:
        conditions.append(AuditEvent.resource_id == bindparam("resource_id", type_=Integer))
    if actor:
        conditions.append(AuditEvent.actor == bindparam("actor", type_=String))
    if since:
        conditions.append(AuditEvent.occurred_at >= bindparam("since", type_=UTCDateTime))
    return Paged(
        select(*_EVENT).where(*conditions),
        AuditEvent.id,
        base=select(AuditEvent.id).where(*conditions),
        descending=newest_first,
        name=NEWEST_FIRST if newest_first else "",
    )


async def search(
    tx: Tx,
    account_id: int,
    request: PageRequest,
    *,
    resource_type: str | None,
    resource_id: int | None,
    actor: str | None,
    since: datetime | None,
    newest_first: bool = False,
) -> Page[Any]:
    """A page of the account's events, oldest first (the API's order), or newest first (the console's: a
    cursor of one order is refused by the other)."""
    paged = _events(
        resource_type is not None, resource_id is not None, actor is not None, since is not None, newest_first
    )
    params = {
        "account_id": account_id,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "actor": actor,
        "since": since,
    }
    return await paginate(tx, paged, params, request)


async def purge(tx: Tx, before: datetime) -> int:
    """Every account's events older than `before`; how many."""
    return await tx.execute(_PURGE, {"before": before})
