"""create_app(settings): routers, error handlers, OpenAPI, and the database's life cycle."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp

from talent_training import __version__, health
from talent_training.catalog.router import router as catalog_router
from talent_training.contract import openapi
from talent_training.db.database import Database
from talent_training.db.errors import UNAVAILABLE, is_unavailable
from talent_training.kit.problems import (
    DomainError,
    domain_error_response,
    problem_response,
    unavailable_response,
    unexpected_response,
)
from talent_training.realized_trainings.fast_path import Shortcuts
from talent_training.realized_trainings.router import router as realized_trainings_router
from talent_training.settings import Settings

logger = logging.getLogger("talent_training")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    database = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        timeout=settings.db_pool_timeout,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await database.dispose()

    app = TalentTraining(
        title="talent-training",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.include_router(health.router)
    app.include_router(catalog_router)
    app.include_router(realized_trainings_router)
    _install_error_handlers(app)
    openapi.install(app)
    return app


class TalentTraining(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # The shortcuts go around the whole stack: they answer only successes, exactly as the stack would,
        # and hand everything else to it (realized_trainings/fast_path.py).
        return Shortcuts(super().build_middleware_stack(), self, self.state.database)


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    # Read from the OpenAPI document: routers nest routes in ways that differ between FastAPI versions.
    methods: set[str] = set()
    for template, item in app.openapi()["paths"].items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {method.upper() for method in item}
    return sorted(methods)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> Response:
        return domain_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        # FastAPI would answer 422 with its own body; the contract says 400 problem+json, naming the field.
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            location = [str(part) for part in error.get("loc", ())]
            field = ".".join(location[1:]) or (location[0] if location else "request")
            errors.setdefault(field, []).append(str(error.get("msg", "is invalid")))
        return problem_response(400, f"The request is invalid: see {', '.join(errors)}.", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; a path has one route per method.
            headers["Allow"] = ", ".join(_allowed_methods(app, request))
        detail = {404: "No such resource.", 405: "Method not allowed on this resource."}.get(
            exc.status_code, str(exc.detail)
        )
        return problem_response(exc.status_code, detail, headers=headers)

    async def _database_unavailable(request: Request, exc: Exception) -> Response:
        # A client cannot cause these (db/errors.py): say so (503, retry) rather than 500.
        logger.error("database unavailable: %s: %s", exc.__class__.__name__, exc)
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            await request.app.state.database.connections_lost()
        return unavailable_response()

    for unavailable in UNAVAILABLE:
        app.add_exception_handler(unavailable, _database_unavailable)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        if is_unavailable(exc):  # e.g. a connection the server closed, now discarded with its pool
            return await _database_unavailable(request, exc)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> Response:
        logger.exception("unexpected error", exc_info=exc)
        return unexpected_response()
