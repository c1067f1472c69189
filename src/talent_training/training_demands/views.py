"""A training demand in JSON: Lucca's item shape (../shared/workflow.md), absent values omitted."""

from __future__ import annotations

from typing import Any

from talent_training.kit.types import hundredths_to_json
from talent_training.training_demands.schemas import LEVELS


def _author_type(row: Any) -> str:
    if row.author_id == row.owner_id:
        return "Owner"
    if row.author_id == row.owner_manager_id:
        return "Manager"
    return "Administrator"


def training_demand(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "training": {"id": row.training_id, "title": row.training_title, "level": row.training_level},
    }
    if row.provider_id is not None:
        provider: dict[str, Any] = {"id": row.provider_id, "name": row.provider_name}
        if row.provider_url is not None:
            provider["url"] = row.provider_url
        out["provider"] = provider
    out["author"] = {
        "id": row.author_id,
        "firstName": row.author_first_name,
        "lastName": row.author_last_name,
        "type": _author_type(row),
    }
    owner: dict[str, Any] = {
        "id": row.owner_id,
        "firstName": row.owner_first_name,
        "lastName": row.owner_last_name,
    }
    if row.owner_establishment_id is not None:
        owner["establishmentId"] = row.owner_establishment_id
    if row.owner_department_id is not None:
        owner["departmentId"] = row.owner_department_id
    if row.owner_manager_id is not None:
        owner["manager"] = {
            "id": row.owner_manager_id,
            "firstName": row.manager_first_name,
            "lastName": row.manager_last_name,
        }
    out["owner"] = owner
    if row.plan_id is not None:
        out["plan"] = {"id": row.plan_id, "name": row.plan_name, "startOn": row.plan_start_on.isoformat()}
    out["createdAt"] = row.created_at.isoformat()
    if row.session_id is not None:
        location: dict[str, Any] = {"isOnSite": row.session_is_on_site, "isRemote": row.session_is_remote}
        if row.session_address is not None:
            location["address"] = row.session_address
        if row.session_remote_url is not None:
            location["remoteUrl"] = row.session_remote_url
        out["session"] = {
            "id": row.session_id,
            "durationInHours": hundredths_to_json(row.session_duration_hundredths),
            "startOn": row.session_start_on.isoformat(),
            "endOn": row.session_end_on.isoformat(),
            "location": location,
        }
    if row.prioritization_rank:
        level = LEVELS[row.prioritization_rank]
        out["prioritization"] = {
            "id": row.prioritization_rank,
            "name": level.value,
            "level": level.value,
            "lastModifiedAt": row.prioritized_at.isoformat(),
        }
    out["state"] = row.state
    out["status"] = row.status
    if row.reason is not None:
        out["reason"] = row.reason
    if row.refusal_reason is not None:
        out["refusalReason"] = row.refusal_reason
    if row.registered_on is not None:
        out["registeredOn"] = row.registered_on.isoformat()
    return out
