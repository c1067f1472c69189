"""create_app(settings): the request path every request takes, and the life cycle of its database.

The path, outermost first (docs/architecture.md):
1. `Observed` (web/observe.py): request id, access log line, metrics, on every answer.
2. `Router` (web/routing.py): the mount's guard says who calls (401), the route is found (404, 405), its
   permission checked (403), the endpoint called; every error becomes its problem+json (web/errors.py), or,
   under /console, its page (console/pages.py).
3. The endpoint (`<resource>/routes.py`): parse, open the request's unit of work, call the service,
   serialise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from functools import cache

import orjson
from limits.aio.storage import Storage
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from talent_training.accounts.auth import ApiKeyGuard
from talent_training.audit import service as audit_service
from talent_training.audit.routes import routes as audit_routes
from talent_training.bulk import jobs as import_jobs
from talent_training.bulk.routes import routes as import_routes
from talent_training.catalog.routes import routes as catalog_routes
from talent_training.console.routes import console_mounts
from talent_training.console.routes import root as console_root
from talent_training.contract.openapi import build_openapi
from talent_training.db.database import Database
from talent_training.directory.routes import routes as directory_routes
from talent_training.ops.routes import metrics_routes
from talent_training.ops.routes import routes as ops_routes
from talent_training.planning.routes import routes as planning_routes
from talent_training.realized_trainings.routes import routes as realized_training_routes
from talent_training.realized_trainings.routes import v1_routes as realized_training_v1_routes
from talent_training.settings import Settings
from talent_training.training_demands.routes import routes as training_demand_routes
from talent_training.web import idempotency
from talent_training.web.cors import Cors
from talent_training.web.limits import DatabaseStorage, RateLimits
from talent_training.web.limits import purge as limits_purge
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
        settings = state.settings
        inner: ASGIApp = router
        if settings.cors_origins:  # off unless an allow-list is set
            inner = Cors(router, settings.cors_origins)
        self._path = Observed(inner, metrics=state.metrics, settings=settings)
        state.pause_time_limit = self._path.time_limit.paused
        self._maintenance: asyncio.Task[None] | None = None
        # Every serving process runs import jobs (docs/imports.md); the tests' application, which gets no
        # lifespan, runs none unless a test starts a runner of its own.
        self.import_jobs = import_jobs.JobRunner(state.database, settings)

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
                self._maintenance = asyncio.create_task(self._maintain_hourly(), name="maintenance")
                if self.state.settings.import_jobs:
                    self.import_jobs.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        await self.import_jobs.stop()  # a job running goes back to the queue while the database is still here
        if self._maintenance is not None:
            self._maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintenance
        await self.api_keys.close()
        if self.router.limits is not None:
            self.router.limits.close()
        await self.state.database.dispose()

    async def maintain(self) -> dict[str, int]:
        """Forget what has outlived its retention: audit events, answers kept for idempotency keys, rate limit
        windows, finished import jobs. Every worker does it now and then; twice at once does no harm."""
        database = self.state.database
        settings = self.state.settings
        async with database.transaction() as tx:
            audit_events = await audit_service.purge(tx, settings.audit_retention_days)
        return {
            "audit_events": audit_events,
            "idempotency_records": await idempotency.purge(database),
            "rate_limit_counters": await limits_purge(database),
            "import_jobs": await import_jobs.purge(database, settings.import_job_retention_days),
        }

    async def _maintain_hourly(self) -> None:
        await asyncio.sleep(random.uniform(30, 300))  # noqa: S311 -- workers need not start in step
        while True:
            try:
                await self.maintain()
            except Exception:  # the database may be away: the next hour will do
                logging.getLogger("talent_training").warning("maintenance failed", exc_info=True)
            await asyncio.sleep(3600)


def create_app(settings: Settings | None = None, database: Database | None = None) -> TalentTraining:
    """The application; `database` is for tests that run it inside a transaction of their own."""
    settings = settings or Settings()
    install_request_ids()
    database = database or Database.connect(
        settings.database_url,
        pool_size=settings.db_pool_size,
        timeout=settings.db_pool_timeout,
        statement_timeout_s=settings.statement_timeout_s,
    )
    pool = database.pool
    metrics = Metrics(connections=lambda: (pool.in_use, pool.waiting)) if settings.metrics_enabled else None
    state = AppState(settings, database, metrics)
    api_keys = ApiKeyGuard(database, remember=settings.remember_keys)
    public = [ops_routes, metrics_routes] if metrics is not None else [ops_routes]
    limits = _rate_limits(settings, database)  # the API's keys and the console's passwords alike
    router = Router(
        state,
        [
            Mount(
                API_PREFIX,
                api_keys,
                catalog_routes,
                realized_training_routes,
                realized_training_v1_routes,
                directory_routes,
                planning_routes,
                training_demand_routes,
                audit_routes,
                import_routes,
            ),
            *console_mounts(limits),  # HTML pages, people signed in by a session cookie
            Mount("/", None, *public, console_root),
        ],
        limits=limits,
        write_steps=[idempotency.once],
    )
    state.openapi_json = _openapi_json(
        frozenset((r.method, r.path, r.operation_id) for r in router.routes if r.operation_id)
    )
    return TalentTraining(state, router, api_keys)


def _rate_limits(settings: Settings, database: Database) -> RateLimits | None:
    if settings.rate_limit_failed_auth is None and settings.rate_limit_per_key is None:
        return None
    storage: Storage
    if settings.rate_limit_storage_url:
        import coredis  # limits' asyncio Redis client; ours to close, so given as a pool of ours

        pool = coredis.ConnectionPool.from_url(settings.rate_limit_storage_url)
        # limits' asyncio storages go by their own scheme: async+redis://
        storage = storage_from_string(  # type: ignore[assignment]
            "async+" + settings.rate_limit_storage_url,
            connection_pool=pool,  # type: ignore[arg-type]
            wrap_exceptions=True,  # its errors as limits' StorageError: a 503 (web/limits.py)
        )
        return RateLimits(
            storage, settings.rate_limit_failed_auth, settings.rate_limit_per_key, close=pool.disconnect
        )
    storage = DatabaseStorage(database)
    return RateLimits(storage, settings.rate_limit_failed_auth, settings.rate_limit_per_key)


@cache
def _openapi_json(served: frozenset[tuple[str, str, str | None]]) -> bytes:
    return orjson.dumps(build_openapi(served))
