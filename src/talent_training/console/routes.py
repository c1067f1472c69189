"""The console's routes, and the mounts they go in (app.py puts them in the one router, beside the API's).

    /                          -> /console (in the public root mount)
    /console                   the home page                                    signed in
    /console/sign-out          POST: this session ends                          signed in
    /console/sign-out-everywhere  POST: every session of the user ends          signed in
    /console/sign-in           GET the form, POST email and password            public
    /console/reset/{token}     GET the form, POST a new password                public
    /console/static/{file}     the vendored htmx and CSS, and ours              public
    /console/catalog/...       trainings, providers, categories (console/catalog.py)  signed in

Console routes have no operation id: they are not part of the API, nor of /openapi.json. Every POST goes
through `checked_form` (console/auth.py: Origin and CSRF token) before anything else, by `Pages.form`.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from starlette.responses import Response

from talent_training.console import admin, catalog, demands, employees, imports, realized, reports, sessions
from talent_training.console.auth import (
    CSRF_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    SIGN_IN,
    SessionGuard,
    UserPrincipal,
    anonymous_form_token,
    forget_cookie,
    form_text,
    set_cookie,
)
from talent_training.console.pages import Pages, error_page, redirect, render, safe_next
from talent_training.kit.problems import DomainError, RuleViolation
from talent_training.users import passwords
from talent_training.users import service as users
from talent_training.web.auth import Permission
from talent_training.web.limits import RateLimits
from talent_training.web.request import Request
from talent_training.web.routing import Mount

# What console/static/ serves: every script and style sheet in it (a screen may bring its own sheet).
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_ASSETS = {
    entry.name: _TYPES[suffix]
    for entry in files("talent_training.console").joinpath("static").iterdir()
    if (suffix := entry.name[entry.name.rfind(".") :]) in _TYPES
}


signed_in = Pages()


def _principal(request: Request) -> UserPrincipal:
    principal = request.principal
    assert isinstance(principal, UserPrincipal)
    return principal


@signed_in.page("")
async def home(request: Request) -> Response:
    user = _principal(request)
    async with request.read() as tx:
        found = await users.find_user(tx, user.email)
    account = found.account if found is not None else ""
    return render(request, "home.html", account=account)


@signed_in.page("/")
async def home_with_slash(request: Request) -> Response:
    return redirect(PREFIX, 302)


# Signing out is for every role, an auditor's included: it changes nothing but the caller's own session.
@signed_in.form("/sign-out", Permission.READ)
async def sign_out(request: Request) -> Response:
    async with request.transaction() as tx:
        await users.sign_out(tx, request.cookies[SESSION_COOKIE])
    response = redirect(f"{SIGN_IN}?signed-out")
    forget_cookie(request, response, SESSION_COOKIE)
    return response


@signed_in.form("/sign-out-everywhere", Permission.READ)
async def sign_out_everywhere(request: Request) -> Response:
    async with request.transaction() as tx:
        await users.sign_out_everywhere(tx, _principal(request).user_id)
    response = redirect(f"{SIGN_IN}?signed-out")
    forget_cookie(request, response, SESSION_COOKIE)
    return response


async def _anonymous_form(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    """A page whose form is posted before sign-in: its token, and the cookie it is checked against."""
    token, nonce = await anonymous_form_token(request)
    response = render(request, template, status, csrf=token, **context)
    if nonce is not None:
        set_cookie(request, response, CSRF_COOKIE, nonce)
    return response


def _sign_in_routes(limits: RateLimits | None) -> Pages:
    """The sign-in page; its POST counts wrong passwords per client address with the API's failed keys
    (web/limits.py: over the limit, 429 until the window ends, right password or not)."""
    pages = Pages()

    @pages.page("")
    async def sign_in_page(request: Request) -> Response:
        next_page = safe_next(request.query_params.get("next"))
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            async with request.transaction() as tx:
                still = await users.signed_in(tx, token)
            if still is not None:
                return redirect(next_page, 302)
        notice = next((key for key in ("signed-out", "password-set") if key in request.query_params), None)
        return await _anonymous_form(
            request, "sign_in.html", next=next_page, notice=notice, email="", wrong=False
        )

    @pages.form("")
    async def sign_in(request: Request) -> Response:
        form = await request.form()
        client = request.scope.get("client")
        address = client[0] if client else "unknown"
        if limits is not None:
            limits.refuse_if_blocked(address)
        email, password = form_text(form, "email"), form_text(form, "password")
        next_page = safe_next(form_text(form, "next"))
        async with request.transaction() as tx:
            signed = await users.sign_in(tx, email, password)
            earlier = request.cookies.get(SESSION_COOKIE)
            if (
                signed is not None and earlier
            ):  # someone else signing in on this browser: one session at a time
                await users.sign_out(tx, earlier)
        if signed is None:
            if limits is not None:
                await limits.failed_authentication(address)  # over the limit: 429
            return await _anonymous_form(
                request, "sign_in.html", next=next_page, notice=None, email=email[:320], wrong=True
            )
        _, token = signed
        response = redirect(next_page)
        set_cookie(request, response, SESSION_COOKIE, token)
        forget_cookie(request, response, CSRF_COOKIE)
        return response

    return pages


reset = Pages()


async def _reset_form(request: Request, status: int = 200, error: str | None = None) -> Response:
    token = request.path_params["token"]
    return await _anonymous_form(
        request,
        "reset.html",
        status,
        action=f"{PREFIX}/reset/{token}",
        error=error,
        min=passwords.MIN_LENGTH,
        longest=passwords.MAX_LENGTH,
    )


@reset.page("/{token}")
async def reset_page(request: Request) -> Response:
    return await _reset_form(request)


@reset.form("/{token}")
async def set_password(request: Request) -> Response:
    form = await request.form()
    password, confirmation = form_text(form, "password"), form_text(form, "confirmation")
    if password != confirmation:
        return await _reset_form(request, error="reset.mismatch")
    try:
        async with request.transaction() as tx:
            await users.set_password(tx, request.path_params["token"], password)
    except RuleViolation as refused:
        return await _reset_form(request, error=_reset_error(refused, password))
    response = redirect(f"{SIGN_IN}?password-set")
    forget_cookie(request, response, SESSION_COOKIE)  # every session of the user has just ended
    return response


def _reset_error(refused: DomainError, password: str) -> str:
    if "password" not in refused.errors:
        return "reset.link_invalid"
    if len(password) < passwords.MIN_LENGTH:
        return "reset.too_short"
    if len(password) > passwords.MAX_LENGTH:
        return "reset.too_long"
    return "reset.unusable"


assets = Pages()


@cache
def _asset(name: str) -> bytes:
    return files("talent_training.console").joinpath("static", name).read_bytes()


def _serve_asset(name: str) -> None:
    async def asset(request: Request) -> Response:
        return Response(
            _asset(name), media_type=_ASSETS[name], headers={"Cache-Control": "public, max-age=86400"}
        )

    assets.page(f"/{name}")(asset)


for _name in _ASSETS:
    _serve_asset(_name)

root = Pages()


@root.page("/")
async def to_console(request: Request) -> Response:
    return redirect(PREFIX, 302)


def console_mounts(limits: RateLimits | None) -> list[Mount]:
    """The console's mounts: its pages behind the session guard, and the few that must be public (to sign
    in, to set a password, the files pages load), each answering its errors as pages."""
    return [
        Mount(
            PREFIX,
            SessionGuard(),
            signed_in,
            catalog.pages,
            realized.pages,
            employees.pages,
            demands.pages,
            sessions.pages,
            imports.pages,
            reports.pages,
            admin.pages,
            errors=error_page,
        ),
        Mount(SIGN_IN, None, _sign_in_routes(limits), errors=error_page),
        Mount(f"{PREFIX}/reset", None, reset, errors=error_page),
        Mount(f"{PREFIX}/static", None, assets, errors=error_page),
    ]
