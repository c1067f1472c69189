"""Who uses the console: the session cookie's guard (web/auth.py's `Guard`), and what every form must prove.

- The session: `tt_session` holds the token users/service.py gave at sign-in (only its digest is stored);
  HttpOnly, SameSite=Lax, Path=/console, Secure when the request came over https. No Max-Age: it goes when
  the browser closes, and the server ends it sooner (8 h idle, 7 days at most, sign-out).
- A missing, ended or unknown session is `SignInNeeded`, which the console answers with the sign-in page. It
  is not counted as a failed authentication (web/limits.py): arriving without a session, or with last
  week's, is how every visit starts, and a 256-bit token cannot be guessed anyway. Passwords are what is
  counted, at sign-in (console/routes.py).
- Every POST proves it comes from a page of ours: `Origin` (else `Referer`) is this site's own origin (the
  request's, or that of `TALENT_TRAINING_PUBLIC_URL`), and the form's `csrf` field is HMAC-SHA256(session
  token, "csrf") once signed in, or before (the sign-in and reset forms) a signed double-submit cookie:
  `tt_csrf` holds a random nonce, the form its HMAC under a key of the service's (derived from a secret the
  migrations created, so every worker agrees). Either failing is 403. The pages say
  `<meta name="referrer" content="same-origin">`: under the service's `Referrer-Policy: no-referrer`, a
  browser sends `Origin: null` on a form's POST.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.responses import Response

from talent_training.db.secrets import CURSOR_SECRET, read_secret
from talent_training.kit.problems import DomainError, Forbidden
from talent_training.users import service as users
from talent_training.users.service import SignedIn
from talent_training.users.tables import UserRole
from talent_training.web.auth import Permission
from talent_training.web.params import read_body
from talent_training.web.request import Request

PREFIX = "/console"
SIGN_IN = f"{PREFIX}/sign-in"
SESSION_COOKIE = "tt_session"
CSRF_COOKIE = "tt_csrf"
CSRF_FIELD = "csrf"
_DESCRIPTIONS = {
    UserRole.HR_ADMIN.value: "an HR administrator",
    UserRole.MANAGER.value: "a manager",
    UserRole.AUDITOR.value: "an auditor",
}


class SignInNeeded(DomainError):
    """No live session: the sign-in page (console/pages.py). A 401, but not `Unauthenticated`, which the
    router counts as a guess (see the module's docstring)."""

    status = 401

    def __init__(self) -> None:
        super().__init__("Sign in to use the console.")


class FormRefused(Forbidden):
    """A POST without this site's origin or the form's token: a forged or stale form."""


@dataclass(frozen=True, slots=True)
class UserPrincipal(SignedIn):
    """A signed-in user, as the request path sees a caller (web/auth.py's `Principal`)."""

    @property
    def description(self) -> str:
        return _DESCRIPTIONS.get(self.role, "a user")

    def allows(self, permission: Permission) -> bool:
        # A manager writes too: which records are theirs (their team) is each screen's question.
        return permission is Permission.READ or self.role != UserRole.AUDITOR.value


class SessionGuard:
    async def authenticate(self, request: Request) -> UserPrincipal:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise SignInNeeded()
        async with request.transaction() as tx:  # it may note the session's use
            user = await users.signed_in(tx, token)
        if user is None:
            raise SignInNeeded()
        return principal_of(user)


def principal_of(user: SignedIn) -> UserPrincipal:
    return UserPrincipal(**{field.name: getattr(user, field.name) for field in fields(SignedIn)})


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=PREFIX,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


def forget_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name, path=PREFIX, secure=request.url.scheme == "https", httponly=True, samesite="lax"
    )


# CSRF -------------------------------------------------------------------------------------------------------


def session_csrf(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"csrf", hashlib.sha256).hexdigest()


async def _form_key(request: Request) -> bytes:
    """The key that signs the nonces of forms shown before sign-in: one of the service's secrets, used for
    this alone through a derivation."""
    async with request.read() as tx:
        secret = await read_secret(tx, CURSOR_SECRET)
    return hmac.new(secret, b"console csrf nonces", hashlib.sha256).digest()


async def anonymous_csrf(request: Request, nonce: str) -> str:
    return hmac.new(await _form_key(request), nonce.encode(), hashlib.sha256).hexdigest()


async def anonymous_form_token(request: Request) -> tuple[str, str | None]:
    """The token for a form shown before sign-in, and the nonce to set in `tt_csrf` (None: the browser's
    is kept, so that two tabs' forms both stay valid)."""
    kept = request.cookies.get(CSRF_COOKIE)
    if kept and len(kept) <= 64:
        return await anonymous_csrf(request, kept), None
    nonce = secrets.token_urlsafe(24)
    return await anonymous_csrf(request, nonce), nonce


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def from_this_site(request: Request) -> bool:
    """Whether the POST says it comes from a page of ours: `Origin`, or `Referer` when a browser sent none."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        origin = _origin(referer) if referer else None
    # The service's public address too: behind a proxy that does not pass the browser's Host along.
    ours = (own_origin(request), _origin(request.settings.public_address))
    return origin is not None and origin.lower() in ours


async def checked_form(request: Request) -> FormData:
    """The POST's form, once its origin and token are found to be ours; else FormRefused (403)."""
    if not from_this_site(request):
        raise FormRefused("The form did not come from this site (its Origin is not this site's).")
    await read_body(request, request.settings.max_body_bytes)  # bounded, before Starlette parses it
    form = await request.form()
    check_token(form.get(CSRF_FIELD), await _expected_csrf(request))
    return form


def check_token(sent: object, expected: str | None) -> None:
    """FormRefused (403) unless the form's token is the expected one, compared in constant time (as bytes:
    `compare_digest` refuses text beyond ASCII, which a forged form may well send)."""
    if (
        not isinstance(sent, str)
        or expected is None
        or not hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), expected.encode())
    ):
        raise FormRefused("The form's token is missing or wrong: reload the page.")


async def _expected_csrf(request: Request) -> str | None:
    if request.scope.get("principal") is not None:  # the guard found the session: its token signs
        return session_csrf(request.cookies[SESSION_COOKIE])
    nonce = request.cookies.get(CSRF_COOKIE)
    return await anonymous_csrf(request, nonce) if nonce and len(nonce) <= 64 else None


def form_text(form: FormData, name: str) -> str:
    """A text field of the form: '' when absent (or a file)."""
    value: Any = form.get(name)
    return value if isinstance(value, str) else ""
