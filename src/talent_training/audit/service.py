"""Recording changes, in the transaction of the change, and reading them back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Any

from talent_training.audit import repository
from talent_training.db.base import utcnow
from talent_training.db.database import Tx
from talent_training.kit.actor import Actor

# What an event may be about; a filter on anything else is a typo, answered 400 rather than an empty list.
RESOURCE_TYPES = (
    "api-key",
    "category",
    "department",
    "employee",
    "establishment",
    "plan",
    "provider",
    "realized-training",
    "realized-training-import",
    "session",
    "training",
    "training-demand",
    "user",
)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REVOKE = "revoke"


Changes = dict[str, list[Any]]


def created(fields: Mapping[str, Any]) -> Changes:
    """What a creation changed: every field, from nothing."""
    return {field: [None, value] for field, value in fields.items()}


def changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    """The fields whose value differs, before and after."""
    return {field: [before.get(field), value] for field, value in after.items() if before.get(field) != value}


async def record(
    tx: Tx, actor: Actor, resource_type: str, resource_id: int, action: Action, changes: Changes
) -> None:
    """One event, in `tx`: it commits with the change it describes, or not at all."""
    await repository.record(
        tx,
        {
            "account_id": actor.account_id,
            "occurred_at": utcnow(),
            "actor": actor.name,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "action": action.value,
            "changes": _json_ready(changes),
        },
    )


def _json_ready(changes: Changes) -> Changes:
    return {field: [_plain(value) for value in pair] for field, pair in changes.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# Reading the trail has no rule of its own: the route calls the repository through here, like every resource.
search = repository.search


async def purge(tx: Tx, retention_days: int) -> int:
    """Forget events older than the retention period (0: keep them all); how many were forgotten."""
    if retention_days <= 0:
        return 0
    return await repository.purge(tx, utcnow() - timedelta(days=retention_days))
