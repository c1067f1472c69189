"""The console's answers: pages rendered from the package's Jinja2 templates, in the request's language, and
every error under /console as a page of its own rather than the API's problem+json (`error_page`, the
console mount's `errors`: web/routing.py).

Every page is `no-store` (they hold an account's data, or a form's token) and carries a Content-Security-
Policy that allows nothing but this site's own files: no inline script or style (htmx is told not to add
its indicator style), no frame around it, forms posted only here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from talent_training import __version__
from talent_training.console.auth import (
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN,
    FormRefused,
    checked_form,
    session_csrf,
)
from talent_training.console.i18n import (
    COOKIE,
    COOKIE_MAX_AGE_S,
    LANGUAGES,
    Messages,
    asked_language,
    language_of,
)
from talent_training.web import request as web
from talent_training.web.auth import Permission
from talent_training.web.errors import failure_of
from talent_training.web.logs import REQUEST_ID
from talent_training.web.routing import Routes

HTML = "text/html; charset=utf-8"
STATIC = f"{PREFIX}/static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The screens of the menu on every page: (address, message key, the roles it is shown to; None: all). A
# screen hidden from a role also refuses it (403): hiding is for the menu's sake, not the protection.
_EVERYONE = None
SCREENS: tuple[tuple[str, str, frozenset[str] | None], ...] = tuple(
    (PREFIX + path, key, roles)
    for path, key, roles in (
        ("/catalog", "screen.catalog", _EVERYONE),
        ("/realized-trainings", "screen.realized", _EVERYONE),
        ("/employees", "screen.employees", _EVERYONE),
        ("/demands", "screen.demands", _EVERYONE),
        ("/sessions", "screen.sessions", _EVERYONE),
        ("/imports", "screen.imports", frozenset({"hr-admin"})),
        ("/reports", "screen.reports", _EVERYONE),
        ("/admin", "screen.admin", frozenset({"hr-admin", "auditor"})),
    )
)


def screens_of(role: str | None) -> list[tuple[str, str]]:
    """The menu of a user of that role: (address, message key)."""
    return [(address, key) for address, key, roles in SCREENS if roles is None or role in roles]


# The headers of an error worth passing on to a browser (a 405's Allow, a 429's Retry-After, ...).
_KEPT = frozenset(
    ("allow", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy")
)


class Pages(Routes):
    """Routes of the console: outside the API document, and every form checked before its endpoint."""

    def page(self, path: str) -> Callable[[web.Endpoint], web.Endpoint]:
        return self.get(path, None)

    def form(self, path: str, permission: Permission | None = None) -> Callable[[web.Endpoint], web.Endpoint]:
        def register(endpoint: web.Endpoint) -> web.Endpoint:
            async def checked(request: web.Request) -> Response:
                await checked_form(request)  # parsed once: the endpoint's `request.form()` gets it again
                return await endpoint(request)

            self.post(path, None, permission)(checked)
            return endpoint

        return register


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("talent_training.console", "templates"),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,  # a name a template lacks is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def static(name: str) -> str:
    """A file of console/static/, named by the service's version so that an upgrade is not served stale."""
    return f"{STATIC}/{name}?v={__version__}"


def _switches(request: Request) -> list[tuple[str, str]]:
    """Each language, and the address of this page in it."""
    return [
        (language, f"{request.url.path}?{request.url.include_query_params(lang=language).query}")
        for language in LANGUAGES
    ]


def render(
    request: Request,
    template: str,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> Response:
    language = language_of(request)
    principal = request.scope.get("principal")
    token = request.cookies.get(SESSION_COOKIE)
    values = {
        "t": Messages(language),
        "lang": language,
        "languages": _switches(request),
        "user": principal,
        "screens": screens_of(getattr(principal, "role", None)),
        "here": request.url.path,
        "static": static,
        "session_csrf": session_csrf(token) if principal is not None and token else "",
        **context,
    }
    html = _templates().get_template(template).render(values)
    response = Response(
        html,
        status_code=status,
        media_type=HTML,
        headers={
            "Cache-Control": "no-store",
            "Content-Language": language,
            "Vary": "Accept-Language, Cookie",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            **(headers or {}),
        },
    )
    if asked_language(request) is not None:
        response.set_cookie(
            COOKIE, language, max_age=COOKIE_MAX_AGE_S, path=PREFIX, samesite="lax", httponly=True
        )
    return response


def redirect(location: str, status: int = 303) -> Response:
    """After a form (303: the browser then GETs), or to another page."""
    return RedirectResponse(location, status_code=status, headers={"Cache-Control": "no-store"})


def sign_in_address(request: Request) -> str:
    """The sign-in page, to come back here after it (a GET only: a form's POST cannot be replayed)."""
    if request.method not in ("GET", "HEAD"):
        return SIGN_IN
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{SIGN_IN}?{urlencode({'next': here})}"


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: a page of the console, never another site (`//evil.example`,
    `https://...`), else the home page."""
    if (
        value
        and value.startswith(PREFIX)
        and (len(value) == len(PREFIX) or value[len(PREFIX)] in "/?")
        and all("!" <= c <= "~" for c in value)
        and "\\" not in value
    ):
        return value
    return PREFIX


def error_page(request: Request, error: Exception) -> Response:
    """Every error under /console: no session is the sign-in page; anything else a page saying what
    happened, with the status and headers the API would give (web/errors.py decides them, and logs)."""
    failure = failure_of(error)
    if failure.status == 401:
        target = sign_in_address(request)
        if request.headers.get("hx-request") == "true":  # htmx replaces the whole page rather than a part
            return Response(status_code=401, headers={"HX-Redirect": target, "Cache-Control": "no-store"})
        return redirect(target, 302)
    messages = Messages(language_of(request))
    status = failure.status
    key = f"error.{status}" if messages.has(f"error.{status}.title") else "error.other"
    text = (
        messages("error.form.text")
        if isinstance(error, FormRefused)
        else messages(f"{key}.text", status=status, seconds=(failure.headers or {}).get("Retry-After", "60"))
    )
    headers = {name: value for name, value in (failure.headers or {}).items() if name.lower() in _KEPT}
    return render(
        request,
        "error.html",
        status,
        headers,
        title=messages(f"{key}.title", status=status),
        text=text,
        request_id=REQUEST_ID.get() if status >= 500 else None,
    )
