"""An audit event in JSON (`ext.AuditEvent`)."""

from __future__ import annotations

from typing import Any


def audit_event(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "occurredAt": row.occurred_at.isoformat().replace("+00:00", "Z"),
        "actor": row.actor,
        "resourceType": row.resource_type,
        "resourceId": row.resource_id,
        "action": row.action,
        "changes": {field: {"before": pair[0], "after": pair[1]} for field, pair in row.changes.items()},
    }
