"""The pieces every router shares: the database, paging parameters, path ids and JSON bodies."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel, ValidationError

from talent_training.db.database import Database
from talent_training.db.secrets import cursor_codec
from talent_training.kit.json import read_json_body
from talent_training.kit.paging import DEFAULT_LIMIT, MAX_LIMIT, CursorCodec, PageRequest, parse_page_request
from talent_training.kit.problems import InvalidRequest, NotFound
from talent_training.kit.types import INT32_MAX, parse_query_int

M = TypeVar("M", bound=BaseModel)


async def get_database(request: Request) -> Database:
    # async: a plain `def` dependency would be run in a worker thread on every request.
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_codec(database: DatabaseDep) -> CursorCodec:
    return await cursor_codec(database)


CodecDep = Annotated[CursorCodec, Depends(get_codec)]


async def get_page_request(
    codec: CodecDep,
    page: Annotated[str | None, Query(description="0-based page index, or a cursor from prev/next")] = None,
    limit: Annotated[str | None, Query(description=f"Items per page, 0 to {MAX_LIMIT}")] = None,
    fields_root: Annotated[
        list[str] | None, Query(alias="fields.root", description="Comma list of count, prev, next")
    ] = None,
) -> PageRequest:
    items = DEFAULT_LIMIT if limit is None else parse_query_int("limit", limit, 0, MAX_LIMIT)
    return parse_page_request(page, items, fields_root, codec)


PageRequestDep = Annotated[PageRequest, Depends(get_page_request)]

PATH_ID_SCHEMA = {"type": "integer", "format": "int32", "minimum": 1}
PathId = Annotated[str, Path(json_schema_extra=PATH_ID_SCHEMA)]
# Array filters are parsed by `kit.types.parse_id_list`, which also takes Lucca's comma lists.
IdsQuery = Annotated[list[str] | None, Query(description="Ids, repeated or comma-separated")]


def path_id(value: str, what: str) -> int:
    """A path segment that is not an int32 id names no record: 404, as an unknown id would."""
    # Canonical digits only: `01` is no more an id than `1.0` is.
    if value.isascii() and value.isdigit() and not value.startswith("0") and int(value) <= INT32_MAX:
        return int(value)
    raise NotFound(f"{what} {value[:40]!r}")


async def parse_body(request: Request, model: type[M]) -> M:
    document: Any = await read_json_body(request, request.app.state.settings.max_body_bytes)
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise InvalidRequest(validation_errors(exc, root="body")) from None


def validation_errors(exc: ValidationError, root: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        location = [str(part) for part in error["loc"]]
        field = ".".join(location) if location else root
        message = error["msg"].removeprefix("Value error, ")
        errors.setdefault(field, []).append(message)
    return errors
