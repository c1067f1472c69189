"""`/health`, `/ready`, `/metrics`, `/openapi.json` and `/docs`: public, so they reveal nothing but that.

`/health` says the process answers; `/ready` that the database answers and its schema is current. `/docs` is
Swagger UI from files shipped in the package (ops/static/), so it works on a machine without internet.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from starlette.responses import Response

from talent_training.db.errors import Busy
from talent_training.db.migrate import head_revision, schema_revision
from talent_training.web.metrics import CONTENT_TYPE
from talent_training.web.request import Request
from talent_training.web.responses import json_response, problem_response
from talent_training.web.routing import Routes

routes = Routes()

_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>talent-training API</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>
"""
# A file of its own rather than inline, so that a strict Content-Security-Policy needs no 'unsafe-inline'.
_DOCS_INIT = (
    'window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, '
    "validatorUrl: null});\n"  # the default asks validator.swagger.io: nothing leaves the machine
)
_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


@routes.get("/health", "ops.health")
async def health(request: Request) -> Response:
    return json_response({"status": "ok"})


@routes.get("/ready", "ops.ready")
async def ready(request: Request) -> Response:
    try:
        async with request.read() as tx:
            current = await schema_revision(tx)
    except Busy:  # it answers, but no connection was free in time
        return problem_response(503, "The database is busy.", headers={"Retry-After": "1"})
    except Exception:  # whatever the failure, the answer is "not ready", and says nothing more
        return problem_response(503, "The database is unreachable.", headers={"Retry-After": "1"})
    if current != head_revision():
        return problem_response(503, "The database schema is not current: run talent-training migrate.")
    return json_response({"status": "ready"})


@routes.get("/openapi.json", None)
async def openapi(request: Request) -> Response:
    return Response(request.state_of_app.openapi_json, media_type="application/json")


@routes.get("/docs", None)
async def docs(request: Request) -> Response:
    return Response(_DOCS_PAGE, media_type="text/html; charset=utf-8")


@routes.get("/docs/init.js", None)
async def docs_init(request: Request) -> Response:
    return Response(_DOCS_INIT, media_type="text/javascript; charset=utf-8")


@cache
def _asset(name: str) -> bytes:
    return files("talent_training.ops").joinpath("static", name).read_bytes()


def _serve_asset(name: str) -> None:
    async def asset(request: Request) -> Response:
        return Response(
            _asset(name), media_type=_ASSETS[name], headers={"Cache-Control": "public, max-age=86400"}
        )

    routes.get(f"/docs/{name}", None)(asset)


for _name in _ASSETS:
    _serve_asset(_name)

metrics_routes = Routes()


@metrics_routes.get("/metrics", None)
async def metrics(request: Request) -> Response:
    registry = request.state_of_app.metrics
    assert registry is not None
    return Response(registry.render(), media_type=CONTENT_TYPE)
