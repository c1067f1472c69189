"""Routes, mounts and the router: where a request finds its endpoint, and who may call it.

    routes = Routes("/v1")                                   # one per resource module

    @routes.get("/trainings/{id}", "ext.get-training")      # GET needs READ, other methods WRITE
    async def get_training(request: Request) -> Response: ...

    Mount("/talent-training/api", api_keys, routes, ...)     # app.py: who may call, once per mount

The router authenticates with the mount's guard before it looks for the route (so an unknown path under the
API is 401 to a stranger, not a map of what exists), then finds the route (404, or 405 with `Allow`),
checks the route's permission (403), and calls the endpoint. Every error on the way, the endpoint's too,
becomes its answer in web/errors.py: problem+json, unless the mount answers its errors in a format of its own
(`Mount(errors=...)`: the console's HTML pages). There is no other way in: app.py wraps the router in the
request-wide layers (web/observe.py), and a route cannot be served outside it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from talent_training.kit.problems import Forbidden, MethodNotAllowed, NotFound, Unauthenticated
from talent_training.web.auth import Guard, Permission, Principal
from talent_training.web.errors import ERROR_ANSWER, answer_for
from talent_training.web.limits import RateLimits
from talent_training.web.params import UPLOADS, close_upload
from talent_training.web.request import AppState, Endpoint, Request

Step = Callable[[Request, Endpoint], Awaitable[Response]]
ErrorAnswer = Callable[[Request, Exception], Response]
"""How a mount answers an error met under it (web/errors.py's `failure_of` says what the error means)."""
"""Runs around every write endpoint of a guarded mount (e.g. web/idempotency.py): it calls the endpoint, or
not. Reads go straight to their endpoint: a step that has nothing to do still costs a call per request."""
_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_ROUTE_HEADERS = "talent_training.route_headers"


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # the whole template, e.g. /talent-training/api/v1/trainings/{id}
    endpoint: Endpoint
    operation_id: str | None  # None: not part of the API document (e.g. the docs page's files)
    permission: Permission
    # On every answer of the route, its refusals included (e.g. a deprecated route's `Deprecation`).
    headers: tuple[tuple[str, str], ...] = ()
    # Its body is a file (web/params.read_upload, up to `max_upload_bytes`), not a JSON document.
    uploads: bool = False


class Routes:
    """The routes of one resource, under a path prefix; the `Mount` they go in decides who may call."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        operation_id: str | None,
        permission: Permission | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        uploads: bool = False,
    ) -> Callable[[Endpoint], Endpoint]:
        needed = permission or (Permission.WRITE if method in _WRITE_METHODS else Permission.READ)
        extra = tuple((headers or {}).items())

        def register(endpoint: Endpoint) -> Endpoint:
            route = Route(method, self.prefix + path, endpoint, operation_id, needed, extra, uploads)
            self.routes.append(route)
            return endpoint

        return register

    def get(
        self,
        path: str,
        operation_id: str | None,
        permission: Permission | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        return self.route("GET", path, operation_id, permission, headers)

    def post(
        self,
        path: str,
        operation_id: str | None,
        permission: Permission | None = None,
        *,
        uploads: bool = False,
    ) -> Callable[[Endpoint], Endpoint]:
        return self.route("POST", path, operation_id, permission, uploads=uploads)

    def put(
        self, path: str, operation_id: str | None, permission: Permission | None = None
    ) -> Callable[[Endpoint], Endpoint]:
        return self.route("PUT", path, operation_id, permission)

    def patch(
        self, path: str, operation_id: str | None, permission: Permission | None = None
    ) -> Callable[[Endpoint], Endpoint]:
        return self.route("PATCH", path, operation_id, permission)

    def delete(
        self, path: str, operation_id: str | None, permission: Permission | None = None
    ) -> Callable[[Endpoint], Endpoint]:
        return self.route("DELETE", path, operation_id, permission)


class _Path:
    """The routes of one path template, by method."""

    def __init__(self, template: str) -> None:
        self.template = template
        names = _PARAMETER.findall(template)
        pattern = "".join(
            re.escape(part) if n % 2 == 0 else f"(?P<{part}>[^/]+)"
            for n, part in enumerate(_PARAMETER.split(template))
        )
        self.pattern = re.compile(pattern) if names else None
        self.methods: dict[str, Route] = {}

    def allowed(self) -> list[str]:
        methods = set(self.methods)
        if "GET" in methods:
            methods.add("HEAD")
        return sorted(methods)


class Mount:
    """A path prefix, the guard that admits callers under it, and its routes. `guard=None` says, out loud,
    that every route under it is public. `errors` answers the errors met under it, when problem+json is not
    its clients' format."""

    def __init__(
        self, prefix: str, guard: Guard | None, *groups: Routes, errors: ErrorAnswer | None = None
    ) -> None:
        self.prefix = prefix.rstrip("/")
        self.guard = guard
        self.errors = errors
        self.routes = [
            Route(
                r.method, self.prefix + r.path, r.endpoint, r.operation_id, r.permission, r.headers, r.uploads
            )
            for group in groups
            for r in group.routes
        ]
        self._static: dict[str, _Path] = {}
        self._templated: list[_Path] = []
        for route in self.routes:
            found = self._static.get(route.path) or next(
                (p for p in self._templated if p.template == route.path), None
            )
            if found is None:
                found = _Path(route.path)
                (
                    self._templated.append(found)
                    if found.pattern
                    else self._static.__setitem__(route.path, found)
                )
            if route.method in found.methods:
                raise ValueError(f"two routes for {route.method} {route.path}")
            found.methods[route.method] = route

    def owns(self, path: str) -> bool:
        return not self.prefix or path == self.prefix or path.startswith(self.prefix + "/")

    def find(self, path: str) -> tuple[_Path, dict[str, str]] | None:
        static = self._static.get(path)
        if static is not None:
            return static, {}
        for candidate in self._templated:
            assert candidate.pattern is not None
            matched = candidate.pattern.fullmatch(path)
            if matched is not None:
                return candidate, matched.groupdict()
        return None


def _around(step: Step, endpoint: Endpoint) -> Endpoint:
    async def stepped(request: Request) -> Response:
        return await step(request, endpoint)

    return stepped


class Router:
    """The end of the request path: authenticate, find the route, authorise, call the endpoint."""

    def __init__(
        self,
        state: AppState,
        mounts: list[Mount],
        *,
        limits: RateLimits | None = None,
        write_steps: Sequence[Step] = (),
    ) -> None:
        self.state = state
        self.limits = limits
        # Longest prefix first, so that the API mount is tried before the public root.
        self.mounts = sorted(mounts, key=lambda mount: len(mount.prefix), reverse=True)
        # Each guarded write endpoint wrapped in the steps once, here, rather than on every request.
        self._handlers: dict[Route, Endpoint] = {}
        for mount in self.mounts:
            for route in mount.routes:
                handler = route.endpoint
                if mount.guard is not None and route.method in _WRITE_METHODS:
                    for step in reversed(write_steps):
                        handler = _around(step, handler)
                self._handlers[route] = handler

    @property
    def routes(self) -> list[Route]:
        return [route for mount in self.mounts for route in mount.routes]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["talent_training"] = self.state
        request = Request(scope, receive)
        path: str = scope["path"]
        mount = next((m for m in self.mounts if m.owns(path)), None)
        if mount is not None and mount.errors is not None:
            scope[ERROR_ANSWER] = mount.errors
        try:
            response = await self._answer(request, mount)
        except ClientDisconnect:
            return  # the client left while sending its body: nobody to answer
        except Exception as error:
            response = answer_for(scope, error, request)
        finally:
            if UPLOADS in scope:  # whoever read it, and whether or not the endpoint ran (a replay)
                close_upload(request)
        for name, value in scope.get(_ROUTE_HEADERS, ()):
            response.headers[name] = value
        await response(scope, receive, send)

    async def _answer(self, request: Request, mount: Mount | None) -> Response:
        scope = request.scope
        method: str = scope["method"]
        if mount is None:
            raise NotFound()
        found = mount.find(scope["path"])
        route = None
        if found is not None:
            route = found[0].methods.get("GET" if method == "HEAD" else method)
            if route is not None:
                scope["route"] = route.path  # logs and metrics name the route, 401s included
                if route.headers:
                    scope[_ROUTE_HEADERS] = route.headers
                if route.uploads:
                    scope[UPLOADS] = True
        # Who calls is settled before whether the route exists: a stranger learns nothing of the API.
        principal = None
        if mount.guard is not None:
            principal = scope["principal"] = await self._authenticate(mount.guard, request)
        if found is None:
            raise NotFound()
        if route is None:
            raise MethodNotAllowed(found[0].allowed())
        if principal is not None and not principal.allows(route.permission):
            who = principal.description.capitalize()
            raise Forbidden(f"{who} may not {method} here: it needs {route.permission} access.")
        if found[1]:
            scope["path_params"] = found[1]
        return await self._handlers[route](request)

    async def _authenticate(self, guard: Guard, request: Request) -> Principal:
        limits = self.limits
        if limits is None:
            return await guard.authenticate(request)
        client = request.scope.get("client")
        address = client[0] if client else "unknown"
        if limits.blocking:
            limits.refuse_if_blocked(address)  # a guesser is refused before any key is looked up
        try:
            principal = await guard.authenticate(request)
        except Unauthenticated:
            await limits.failed_authentication(address)
            raise
        if limits.per_key is not None:
            await limits.request_by_key(principal.actor)
        return principal
