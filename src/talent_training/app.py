"""create_app(settings): the request path every request takes, and the life cycle of its database.

The path, outermost first (docs/architecture.md):
1. `Observed` (web/observe.py): request id, access log line, metrics, on every answer.
2. `Router` (web/routing.py): the mount's guard says who calls (401), the route is found (404, 405), its
   permission checked (403), the endpoint called; every error becomes its problem+json (web/errors.py).
3. The endpoint (`<resource>/routes.py`): parse, open the request's unit of work, call the service,
   serialise.
"""

from __future__ import annotations

from functools import cache

import orjson
from starlette.types import Receive, Scope, Send

from talent_training.accounts.auth import ApiKeyGuard
from talent_training.catalog.routes import routes as catalog_routes
from talent_training.contract.openapi import build_openapi
from talent_training.db.database import Database
from talent_training.ops.routes import metrics_routes
from talent_training.ops.routes import routes as ops_routes
from talent_training.realized_trainings.routes import routes as realized_training_routes
from talent_training.settings import Settings
from talent_training.web.logs import install_request_ids
from talent_training.web.metrics import Metrics
from talent_training.web.observe import Observed
from talent_training.web.request import AppState
from talent_training.web.routing import Mount, Route, Router

API_PREFIX = "/talent-training/api"


class TalentTraining:
    """The ASGI application."""

    def __init__(self, state: AppState, router: Router, api_keys: ApiKeyGuard) -> None:
        self.state = state
        self.router = router
        self.api_keys = api_keys
        self._path = Observed(router, metrics=state.metrics, access_log=state.settings.access_log)

    @property
    def database(self) -> Database:
        return self.state.database

    @property
    def routes(self) -> list[Route]:
        return self.router.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # policy violation: no websockets here
        else:
            await self._path(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        # Nothing to open at start: connections are made on demand, so a database that is down when the
        # service starts is a 503 until it is up, not a failed start.
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        await self.state.database.dispose()


def create_app(settings: Settings | None = None, database: Database | None = None) -> TalentTraining:
    """The application; `database` is for tests that run it inside a transaction of their own."""
    settings = settings or Settings()
    install_request_ids()
    database = database or Database.connect(
        settings.database_url, pool_size=settings.db_pool_size, timeout=settings.db_pool_timeout
    )
    pool = database.pool
    metrics = Metrics(connections=lambda: (pool.in_use, pool.waiting)) if settings.metrics_enabled else None
    state = AppState(settings, database, metrics)
    api_keys = ApiKeyGuard(database, remember=settings.remember_keys)
    public = [ops_routes, metrics_routes] if metrics is not None else [ops_routes]
    router = Router(
        state,
        [
            Mount(API_PREFIX, api_keys, catalog_routes, realized_training_routes),
            Mount("/", None, *public),
        ],
    )
    state.openapi_json = _openapi_json(
        frozenset((r.method, r.path, r.operation_id) for r in router.routes if r.operation_id)
    )
    return TalentTraining(state, router, api_keys)


@cache
def _openapi_json(served: frozenset[tuple[str, str, str | None]]) -> bytes:
    return orjson.dumps(build_openapi(served))
