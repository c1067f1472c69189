"""The limit for any DB-backed Python endpoint: a bare ASGI app (uvicorn, asyncpg, orjson) making the same
statement as talent-training for each benchmarked route and answering the same JSON, and nothing else (no
framework, no key check, no validation, no error handling beyond 404):

- GET one training, provider, category, realized training;
- GET a page of trainings, providers, categories, realized trainings (`limit`, and `page` as a 0-based index
  or as the app's cursor, whose position is read without checking its signature);
- POST a realized training, POST a training: each, as ours, in one transaction (BEGIN, the insert, the
  insert of its audit row, COMMIT), the audit row holding the same values ours records (audit/service.py:
  the actor, the resource, `create`, and every field from nothing), its JSON written with orjson.

The SQL is not copied here: each statement's text is compiled at start from talent-training's own `Query`
objects, for the same dialect our PostgreSQL driver compiles them with, so the two cannot drift apart, and
its positional parameters follow the compiled order (`Compiled.names`). The answers are written by our own
views (catalog/views.py, realized_trainings/views.py) from rows shaped as our statements shape them.
`bench/run.py` checks, before measuring, that both servers answer every scenario with the same JSON.

Run: uvicorn bench.raw_app:app --workers N  (BENCH_DSN=postgresql://... in the environment)
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote

import asyncpg
import orjson
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.sql.compiler import SQLCompiler

from talent_training.audit import repository as audit
from talent_training.catalog import repository as catalog
from talent_training.catalog import service as catalog_service
from talent_training.catalog import views as catalog_views
from talent_training.db.paging import Paged
from talent_training.db.statements import Query
from talent_training.kit.text import fold
from talent_training.kit.types import hundredths_to_json
from talent_training.realized_trainings import repository as realized
from talent_training.realized_trainings import views as realized_views

ACCOUNT_ID = int(os.environ.get("BENCH_ACCOUNT_ID", "1"))  # the benchmark's big account (bench/generate.py)
# Who the audit rows say acted: the benchmark key's actor (`key:<prefix>`, accounts/auth.py), which run.py
# passes; the raw app checks no key, it only writes the same name.
ACTOR = os.environ.get("BENCH_ACTOR", "key:0000000000000000")
API = "/talent-training/api"
REALIZED = API + "/v2/realized-trainings"
TRAININGS = API + "/v1/trainings"
PROVIDERS = API + "/v1/providers"
CATEGORIES = API + "/v1/categories"
DEFAULT_LIMIT = 20
DIALECT = asyncpg_dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True, slots=True)
class Statement:
    """One of our statements as the driver receives it: SQL text, then values in `$1, $2, ...` order."""

    sql: str
    names: tuple[str, ...]
    constants: Mapping[str, Any]  # values compiled into the statement itself (`state = 'Ready'`)
    row: Any  # the namedtuple our statements' rows are (views read rows by attribute)

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[name] if name in values else self.constants[name] for name in self.names]


def statement(query: Query) -> Statement:
    """The SQL our PostgreSQL driver sends for `query`; its constants read off SQLAlchemy's bind parameters."""
    compiled = query.compiled(DIALECT)
    binds = query.statement.compile(dialect=DIALECT)
    assert isinstance(binds, SQLCompiler) and binds.string == compiled.sql
    constants = {
        name: binds.binds[name].effective_value for name in compiled.names if not binds.binds[name].required
    }
    return Statement(compiled.sql, compiled.names, constants, compiled.row)


@dataclass(frozen=True, slots=True)
class Resource:
    one: Statement
    first: Statement
    after: Statement
    view: Callable[[Any], dict[str, Any]]


def _resource(one: Query, paged: Paged, view: Callable[[Any], dict[str, Any]]) -> Resource:
    return Resource(statement(one), statement(paged.first), statement(paged.after), view)


# The statements our app runs for these requests (a list page without `fields.root` is one statement).
RESOURCES = {
    TRAININGS: _resource(
        catalog._GET_TRAINING, catalog._trainings(False, False, False, False, ()), catalog_views.training
    ),
    PROVIDERS: _resource(catalog._GET_PROVIDER, catalog._PROVIDERS, catalog_views.provider),
    CATEGORIES: _resource(catalog._GET_CATEGORY, catalog._CATEGORIES, catalog_views.category),
    REALIZED: _resource(
        realized._GET,
        realized._search(False, False, False, False, False, 0),
        realized_views.realized_training,
    ),
}
RECORD = statement(realized._RECORD)
NEW_TRAINING = statement(catalog._NEW_TRAINING)
AUDIT = statement(audit._RECORD)
pool: asyncpg.Pool | None = None


def cursor_key(token: str) -> tuple[str, int]:
    """(direction, id) of a cursor the app signed (kit/paging.py), read without checking the signature."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    payload = raw.partition(b".")[0]
    return ("after" if payload[:1] == b"a" else "before"), int(payload[1:])


async def _page(resource: Resource, query_string: bytes) -> bytes:
    assert pool is not None
    params = dict(part.split("=", 1) for part in query_string.decode("latin-1").split("&") if "=" in part)
    limit = int(params.get("limit", DEFAULT_LIMIT))
    page = unquote(params.get("page", "0"))
    values: dict[str, Any] = {"account_id": ACCOUNT_ID, "limit": limit + 1}
    if page.isdigit():
        query = resource.first
        values["offset"] = int(page) * limit
    else:
        query = resource.after
        values["cursor"] = cursor_key(page)[1]
    records = await pool.fetch(query.sql, *query.arguments(values))
    make, view = query.row._make, resource.view
    return orjson.dumps({"items": [view(make(record)) for record in records[:limit]]})


async def _one(resource: Resource, text: str) -> tuple[int, bytes]:
    assert pool is not None
    query = resource.one
    record = await pool.fetchrow(query.sql, *query.arguments({"account_id": ACCOUNT_ID, "id": int(text)}))
    if record is None:
        return 404, b"{}"
    return 200, orjson.dumps(resource.view(query.row._make(record)))


_REALIZED_ROW = RESOURCES[REALIZED].one.row
_TRAINING_ROW = RESOURCES[TRAININGS].one.row
# The fields of a training's audit row, as the API names them, and their columns.
_TRAINING_FIELDS = catalog_service._COLUMNS


async def _audit(
    connection: asyncpg.Connection, resource_type: str, resource_id: int, fields: Mapping[str, Any]
) -> None:
    """Our audit row of a creation (audit/service.py `record`), on the transaction's connection."""
    values = {
        "account_id": ACCOUNT_ID,
        "occurred_at": datetime.now(UTC),
        "actor": ACTOR,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "action": "create",
        "changes": orjson.dumps({field: [None, value] for field, value in fields.items()}).decode(),
    }
    await connection.execute(AUDIT.sql, *AUDIT.arguments(values))


async def _record(data: dict[str, Any]) -> tuple[int, bytes]:
    assert pool is not None
    values = {
        "account_id": ACCOUNT_ID,
        "owner_id": data["ownerId"],
        "training_id": data["trainingId"],
        "session_starts_on": date.fromisoformat(data["sessionStartsOn"]),
        "session_ends_on": date.fromisoformat(data["sessionEndsOn"]),
        "duration_hundredths": round(data["durationInHours"] * 100),
        # The benchmark's records have no cost nor expiry (issue 11's extensions): the statement binds them.
        "cost_hundredths": None,
        "cost_currency": None,
        "expires_on": None,
        "now": datetime.now(UTC),
    }
    async with pool.acquire() as connection:
        await connection.execute("BEGIN")
        try:
            row = await connection.fetchrow(RECORD.sql, *RECORD.arguments(values))
            if row is None:
                await connection.execute("ROLLBACK")
                return 422, b"{}"
            fields = {
                "ownerId": values["owner_id"],
                "trainingId": values["training_id"],
                "sessionStartsOn": data["sessionStartsOn"],
                "sessionEndsOn": data["sessionEndsOn"],
                "durationInHours": hundredths_to_json(values["duration_hundredths"]),
                "hasAttended": True,
            }
            await _audit(connection, "realized-training", row["id"], fields)
        except asyncpg.UniqueViolationError:
            await connection.execute("ROLLBACK")
            return 409, b"{}"
        await connection.execute("COMMIT")
    answer = _REALIZED_ROW(
        row["id"], values["owner_id"], values["training_id"], values["session_starts_on"],
        values["session_ends_on"], values["duration_hundredths"], True, None, None, None, None, None,
        row["title"], row["category_id"], row["level"], row["website_href"],
    )  # fmt: skip
    return 201, orjson.dumps(realized_views.realized_training(answer))


async def _new_training(data: dict[str, Any]) -> tuple[int, bytes]:
    assert pool is not None
    values = {
        "account_id": ACCOUNT_ID,
        "state": "Ready",
        "type": data.get("type", "External"),
        "title": data["title"],
        "subtitle": data["subtitle"],
        "description": data["description"],
        "level": data["level"],
        "is_certifying": data["isCertifying"],
        "is_mandatory": data["isMandatory"],
        "provider_id": data.get("providerId"),
        "category_id": data.get("categoryId"),
        "now": datetime.now(UTC),
    }
    values["search_text"] = fold("\n".join((values["title"], values["subtitle"], values["description"])))
    async with pool.acquire() as connection:
        await connection.execute("BEGIN")
        row = await connection.fetchrow(NEW_TRAINING.sql, *NEW_TRAINING.arguments(values))
        if row is None:
            await connection.execute("ROLLBACK")
            return 422, b"{}"
        fields = {field: values[column] for field, column in _TRAINING_FIELDS.items()}
        await _audit(connection, "training", row["id"], fields)
        await connection.execute("COMMIT")
    answer = _TRAINING_ROW(
        row["id"], values["state"], values["type"], values["title"], values["subtitle"],
        values["description"], values["level"], values["is_certifying"], values["is_mandatory"],
        values["provider_id"], row["provider_name"], row["provider_website_href"],
        values["category_id"], row["category_name"], row["category_translations"],
    )  # fmt: skip
    return 201, orjson.dumps(catalog_views.training(answer))


async def _body(receive: Any) -> dict[str, Any]:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    data: dict[str, Any] = orjson.loads(b"".join(chunks))
    return data


async def _codecs(connection: asyncpg.Connection) -> None:
    """JSON columns decoded by orjson, as our driver does (db/postgres.py)."""
    await connection.set_type_codec(
        "json", encoder=str.encode, decoder=orjson.loads, schema="pg_catalog", format="binary"
    )


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """No reset query when a connection goes back to the pool, as talent-training does (db/postgres.py): one
    round trip less per request, so that the limit stays the limit."""


async def _answer(scope: dict[str, Any], receive: Any) -> tuple[int, bytes]:
    path: str = scope["path"]
    if scope["method"] == "POST":
        data = await _body(receive)
        if path == REALIZED:
            return await _record(data)
        if path == TRAININGS:
            return await _new_training(data)
        return 404, b"{}"
    resource = RESOURCES.get(path)
    if resource is not None:
        return 200, await _page(resource, scope["query_string"])
    collection, _, text = path.rpartition("/")
    resource = RESOURCES.get(collection)
    if resource is None or not text.isdigit():
        return 404, b"{}"
    return await _one(resource, text)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # As many connections as a talent-training worker's pool (TALENT_TRAINING_DB_POOL_SIZE).
                pool = await asyncpg.create_pool(
                    os.environ["BENCH_DSN"], min_size=4, max_size=16, init=_codecs, reset=_keep_session
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if pool is not None:
                    await pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    status, body = await _answer(scope, receive)
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})
