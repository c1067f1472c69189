"""Plans and sessions in JSON: `ext.Plan` and `ext.Session`. Absent values are omitted (docs/decisions.md)."""

from __future__ import annotations

from typing import Any

from talent_training.kit.types import hundredths_to_json


def plan(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "startOn": row.start_on.isoformat(),
        "endOn": row.end_on.isoformat(),
    }


def location(row: Any) -> dict[str, Any]:
    """A session's `location`, also nested in a training demand's `session`."""
    out: dict[str, Any] = {"isOnSite": row.is_on_site, "isRemote": row.is_remote}
    if row.address is not None:
        out["address"] = row.address
    if row.remote_url is not None:
        out["remoteUrl"] = row.remote_url
    return out


def session(row: Any) -> dict[str, Any]:
    """A row of the session statements, its `status` already as displayed (planning/service.py)."""
    out: dict[str, Any] = {
        "id": row.id,
        "trainingId": row.training_id,
        "training": {"id": row.training_id, "title": row.training_title, "level": row.training_level},
        "planId": row.plan_id,
        "startOn": row.start_on.isoformat(),
        "endOn": row.end_on.isoformat(),
        "durationInHours": hundredths_to_json(row.duration_hundredths),
    }
    if row.capacity is not None:
        out["capacity"] = row.capacity
    out["location"] = location(row)
    out["status"] = row.status
    out["registeredCount"] = row.registered_count
    return out
