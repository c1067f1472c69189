"""The catalog in JSON: the seed schema's `v1.Training`, our `ext.Provider` and `ext.Category`.

Absent values are omitted (a training without a provider has no `provider` key), see docs/decisions.md.
"""

from __future__ import annotations

from typing import Any


def provider(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row.id, "name": row.name}
    if row.website_href is not None:
        out["websiteHref"] = row.website_href
    return out


def category(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row.id, "name": row.name, "t9n": {"name": dict(row.name_translations)}}
    if row.code is not None:
        out["code"] = row.code
    return out


def training(row: Any) -> dict[str, Any]:
    """A row of the training statements: the training's columns, then its provider's and category's."""
    out: dict[str, Any] = {
        "id": row.id,
        "state": row.state,
        "type": row.type,
        "title": row.title,
        "subtitle": row.subtitle,
        "description": row.description,
        "level": row.level,
        "isCertifying": row.is_certifying,
        "isMandatory": row.is_mandatory,
    }
    if row.provider_id is not None:
        out["provider"] = {"id": row.provider_id, "name": row.provider_name}
        if row.provider_website_href is not None:
            out["provider"]["websiteHref"] = row.provider_website_href
    if row.category_id is not None:
        out["category"] = {
            "id": row.category_id,
            "name": row.category_name,
            "t9n": {"name": dict(row.category_translations)},
        }
    return out
