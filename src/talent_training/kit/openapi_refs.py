"""Short-hands for pointing a route's OpenAPI at the contract's schemas (see contract/)."""

from __future__ import annotations

from typing import Any


def ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def body(schema: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, **json_content(ref(schema))}}


def returns(status: int, schema: str, description: str = "OK") -> dict[int | str, dict[str, Any]]:
    return {status: {"description": description, **json_content(ref(schema))}}


def returns_list(schema: str) -> dict[int | str, dict[str, Any]]:
    envelope = {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": ref(schema)},
            "prev": {"type": ["string", "null"]},
            "next": {"type": ["string", "null"]},
            "count": {"type": ["integer", "null"], "format": "int32", "minimum": 0},
        },
    }
    return {200: {"description": "OK", **json_content(envelope)}}
