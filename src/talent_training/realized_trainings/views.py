"""A realized training in JSON: the seed schema's `v2.RealizedTraining`."""

from __future__ import annotations

from typing import Any

from talent_training.kit.types import hundredths_to_json


def realized_training(row: Any) -> dict[str, Any]:
    """The seed schema's nested `training` and the seed example's flat `trainingId`; absent values omitted."""
    training: dict[str, Any] = {"id": row.training_id, "title": row.title}
    if row.category_id is not None:
        training["categoryId"] = row.category_id
    if row.website_href is not None:
        training["providerUrl"] = row.website_href
    training["level"] = row.level
    out: dict[str, Any] = {
        "id": row.id,
        "ownerId": row.owner_id,
        "trainingId": row.training_id,
        "training": training,
        "sessionStartsOn": row.session_starts_on.isoformat(),
        "sessionEndsOn": row.session_ends_on.isoformat(),
        "hasAttended": row.has_attended,
        "durationInHours": hundredths_to_json(row.duration_hundredths),
    }
    if row.training_demand_id is not None:
        out["trainingDemandId"] = row.training_demand_id
    if row.session_id is not None:
        out["sessionId"] = row.session_id
    # Extensions (docs/decisions.md); Lucca's deprecated v1 list does not show them.
    if row.cost_hundredths is not None:
        out["cost"] = {"amount": hundredths_to_json(row.cost_hundredths), "currency": row.cost_currency}
    if row.expires_on is not None:
        out["expiresOn"] = row.expires_on.isoformat()
    return out


def v1_realized_training(row: Any) -> dict[str, Any]:
    """Lucca's deprecated v1 item: flat, in the documented order; absent values omitted."""
    out: dict[str, Any] = {
        "id": row.id,
        "hasAttended": row.has_attended,
        "trainingId": row.training_id,
        "trainingTitle": row.title,
    }
    if row.category_code is not None:
        out["trainingCategoryCode"] = row.category_code
    if row.provider_id is not None:
        out["providerId"] = row.provider_id
        out["providerName"] = row.provider_name
        if row.website_href is not None:
            out["providerUrl"] = row.website_href
    out["sessionStartOn"] = row.session_starts_on.isoformat()
    out["sessionEndOn"] = row.session_ends_on.isoformat()
    out["sessionDurationInHours"] = hundredths_to_json(row.duration_hundredths)
    if row.training_demand_id is not None:
        out["trainingDemandId"] = row.training_demand_id
    out["ownerId"] = row.owner_id
    return out
