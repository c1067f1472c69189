"""Administration: the account's users and their roles, its API keys, and its recent writes (issue 12).

    /console/admin                           -> /console/admin/users
    /console/admin/users                     GET the users (pages) and, for an HR administrator, the form of a
                                             new one; POST: create it (no password: the answer shows the
                                             one-time link where they set it)
    /console/admin/users/{id}                GET a user: their role and employee, what can be done to them
    /console/admin/users/{id}/role           POST: another role or employee                    hr-admin
    /console/admin/users/{id}/reset          POST: a new one-time link to set a password       hr-admin
    /console/admin/users/{id}/sign-out       POST: end every session of the user               hr-admin
    /console/admin/keys                      GET the keys in use (prefix, never a secret); POST: create one,
                                             then -> /console/admin/keys/new
    /console/admin/keys/new                  GET the key just created, this once               hr-admin
    /console/admin/keys/{id}/revoke          GET: are you sure?; POST: revoke it                hr-admin
    /console/admin/audit                     GET the account's writes, newest first; by resource type, actor

Who: an HR administrator does everything; an auditor ("read only": the issue's words) reads every page,
with no form (the router refuses their POST with 403); a manager has no business here: 403 on every page.

A secret (an API key, a reset link) is never put in an address (the browser's history and the access log
would keep it) and never stored by the service: the key's hash and the link's hash are all the database
has (a new key's browser holds it for the minute until its page shows it). A reset link
is shown on the page that answers the POST that made it. A key goes from the POST that made it to the page
that shows it in a cookie of that page alone, sealed to the session, which that page deletes: reloading it
shows the list rather than sending the form again, which made a second key.

Revoking a key is the command line's revoke (accounts/auth.py `revoke_everywhere`): the page answers once
every serving process has forgotten the key, so the next request with it is refused, whichever worker gets
it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response

from talent_training.accounts import service as keys
from talent_training.accounts.auth import revoke_everywhere
from talent_training.audit import service as audit
from talent_training.audit.service import RESOURCE_TYPES
from talent_training.console.auth import PREFIX, SESSION_COOKIE, UserPrincipal, form_text, own_origin
from talent_training.console.i18n import Messages, add_messages, messages_of
from talent_training.console.messages.admin import EN, FR
from talent_training.console.pages import Pages, redirect, render
from talent_training.console.paging import page_links, page_of
from talent_training.directory import service as directory
from talent_training.directory.repository import EmployeeFilters
from talent_training.kit.paging import PageRequest
from talent_training.kit.problems import Conflict, DomainError, Forbidden, NotFound, RuleViolation
from talent_training.kit.types import INT32_MAX, int32_digits
from talent_training.users import service as users
from talent_training.users.tables import UserRole
from talent_training.web.params import path_id
from talent_training.web.request import Request

pages = Pages("/admin")
HOME = f"{PREFIX}/admin"
RESET_PATH = f"{PREFIX}/reset/"
# What a form may be refused for, shown next to its fields (as the catalog's REFUSALS).
REFUSALS = (RuleViolation, Conflict)
ACTOR_MAX = 200  # as the API's `actor` filter
SHOWN_MAX = 200  # a value longer than this (a description) is cut in the trail's table
EXPIRIES = ("", "30", "90", "180", "365")  # a new key's lifetime in days; '' never expires
_USER_FIELDS = ("email", "name", "role", "employee")
_KEY_FIELDS = ("name", "role", "expiresIn")


# Who may do what --------------------------------------------------------------------------------------------


def _user(request: Request) -> UserPrincipal:
    principal = request.principal
    assert isinstance(principal, UserPrincipal)
    return principal


def may_write(request: Request) -> bool:
    return _user(request).role == UserRole.HR_ADMIN.value


def _reader(request: Request) -> None:
    """HR administrators and auditors read the administration; a manager's business is their team."""
    if _user(request).role == UserRole.MANAGER.value:
        raise Forbidden("A manager may not see the administration of the account.")


def _writer(request: Request) -> None:
    if not may_write(request):
        raise Forbidden(f"{_user(request).description.capitalize()} may not change the administration.")


# Refusals, next to their fields -----------------------------------------------------------------------------


def field_errors(refused: DomainError, t: Messages) -> dict[str, list[str]]:
    """What the services refused, by form field, in the page's language when we know the rule (else as the
    service words it). A refusal naming no field is under ''."""
    if not refused.errors:
        return {"": [refused.detail]}
    return {
        field: [_message(refused, field, message, t) for message in messages]
        for field, messages in refused.errors.items()
    }


def _message(refused: DomainError, field: str, message: str, t: Messages) -> str:
    if isinstance(refused, Conflict) and field == "email":
        return t("admin.email_taken")
    if message == "must not be blank":
        return t("field.required")
    if "at most" in message:
        return t("field.too_long", max="".join(c for c in message if c.isdigit()))
    if field == "email":
        return t("admin.email_invalid")
    if field == "role":
        return t("admin.last_admin") if "last HR administrator" in message else t("field.choice")
    if field == "employee":
        if "a manager" in message:
            return t("admin.manager_needs_employee")
        if "there is no employee" in message:
            return t("admin.unknown_employee")
        return t("admin.employee_id")
    if field == "expiresIn":
        return t("field.choice")
    return message


def _employee_id(value: str) -> int | None:
    """The employee field: blank for none, else an id (whether it is the account's: the service says)."""
    value = value.strip()
    if not value:
        return None
    if int32_digits(value) and int(value) <= INT32_MAX:
        return int(value)
    raise RuleViolation("employee", f"must be an employee id, 1 to {INT32_MAX}")


# Pages and their links --------------------------------------------------------------------------------------


def _moment(request: Request) -> Any:
    """How a template shows an instant: in the service's time zone, to the minute, with the zone's name."""
    zone = request.settings.zone

    def shown(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    return shown


def _roles(t: Messages) -> list[tuple[str, str]]:
    return [(role.value, t(f"role.{role.value}")) for role in UserRole]


def _reset_link(request: Request, token: str) -> str:
    """Where the user sets their password: the service's public address when configured (as the command
    line's links), else the address this page was asked at, which the HR administrator reached."""
    return f"{request.settings.public_url or own_origin(request)}{RESET_PATH}{token}"


# Users ------------------------------------------------------------------------------------------------------

_NEW_USER = {"email": "", "name": "", "role": UserRole.MANAGER.value, "employee": ""}


@pages.page("")
async def admin_home(request: Request) -> Response:
    _reader(request)
    return redirect(f"{HOME}/users", 302)


async def _employees_named(request: Request, ids: list[int]) -> dict[int, str]:
    """The names of the employees users are linked to: one statement for the page."""
    if not ids:
        return {}
    async with request.read() as tx:
        found = await directory.list_employees(
            tx, _user(request).account_id, EmployeeFilters(ids=ids), PageRequest(limit=len(ids))
        )
    return {row.id: f"{row.first_name} {row.last_name}" for row in found.items}


async def _users_page(
    request: Request, values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None
) -> Response:
    page = await page_of(request)
    async with request.read() as tx:
        result = await users.users_page(tx, _user(request).account_id, page)
    linked = sorted({row.employee_id for row in result.items if row.employee_id is not None})
    return render(
        request,
        "admin/users.html",
        rows=result.items,
        employees=await _employees_named(request, linked),
        values=values or _NEW_USER,
        errors=errors or {},
        roles=_roles(messages_of(request)),
        may_write=may_write(request),
        moment=_moment(request),
        **await page_links(request, result),
    )


@pages.page("/users")
async def users_list(request: Request) -> Response:
    _reader(request)
    return await _users_page(request)


@pages.form("/users")
async def create_user(request: Request) -> Response:
    """A user without a password, and the one-time link where they set it (the command line's
    `user create --no-password`), shown on this answer only."""
    _writer(request)
    form = await request.form()
    values = {name: form_text(form, name) for name in _USER_FIELDS}
    user = _user(request)
    try:
        async with request.transaction() as tx:
            account = await users.get_user(tx, user.account_id, user.user_id)
            user_id = await users.create_user(
                tx,
                account=account.account,
                email=values["email"],
                name=values["name"],
                role=values["role"],
                employee_id=_employee_id(values["employee"]),
                password=None,
                by=user.actor,
            )
            token = await users.reset_token(tx, values["email"], by=user.actor)
            created = await users.get_user(tx, user.account_id, user_id)
    except REFUSALS as refused:
        return await _users_page(request, values, field_errors(refused, messages_of(request)))
    return _link_page(request, created, token, new=True)


def _link_page(request: Request, shown: users.UserInfo, token: str, *, new: bool) -> Response:
    return render(
        request,
        "admin/reset_link.html",
        shown=shown,
        link=_reset_link(request, token),
        hours=int(users.RESET_LIFETIME.total_seconds() // 3600),
        new=new,
    )


async def _user_page(
    request: Request,
    shown: users.UserInfo,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    employee = None
    if shown.employee_id is not None:
        employee = (await _employees_named(request, [shown.employee_id])).get(shown.employee_id)
    notice = (
        None
        if errors
        else next((key for key in ("saved", "unchanged", "signed-out") if key in request.query_params), None)
    )
    return render(
        request,
        "admin/user.html",
        shown=shown,
        employee=employee,
        values=values
        or {"role": shown.role, "employee": "" if shown.employee_id is None else str(shown.employee_id)},
        errors=errors or {},
        notice=notice,
        ended=request.query_params.get("ended", ""),
        roles=_roles(messages_of(request)),
        may_write=may_write(request),
        moment=_moment(request),
    )


async def _shown_user(request: Request) -> users.UserInfo:
    user_id = path_id(request, "User")
    async with request.read() as tx:
        return await users.get_user(tx, _user(request).account_id, user_id)


@pages.page("/users/{id}")
async def user_page(request: Request) -> Response:
    _reader(request)
    return await _user_page(request, await _shown_user(request))


@pages.form("/users/{id}/role")
async def change_role(request: Request) -> Response:
    _writer(request)
    user_id = path_id(request, "User")
    form = await request.form()
    values = {name: form_text(form, name) for name in ("role", "employee")}
    try:
        async with request.transaction() as tx:
            changes = await users.change_role(
                tx,
                request.actor,
                user_id,
                role=values["role"],
                employee_id=_employee_id(values["employee"]),
            )
    except REFUSALS as refused:
        shown = await _shown_user(request)  # another account's user: 404
        return await _user_page(request, shown, values, field_errors(refused, messages_of(request)))
    return redirect(f"{HOME}/users/{user_id}?{'saved' if changes else 'unchanged'}")


@pages.form("/users/{id}/reset")
async def issue_reset_link(request: Request) -> Response:
    """A new one-time link; any earlier one stops working."""
    _writer(request)
    user_id = path_id(request, "User")
    async with request.transaction() as tx:
        shown = await users.get_user(tx, _user(request).account_id, user_id)
        token = await users.reset_token(tx, shown.email, by=request.actor.name)
    return _link_page(request, shown, token, new=False)


@pages.form("/users/{id}/sign-out")
async def sign_out_everywhere(request: Request) -> Response:
    """Every session of the user ends (the HR administrator's own too, when it is them)."""
    _writer(request)
    user_id = path_id(request, "User")
    async with request.transaction() as tx:
        shown = await users.get_user(tx, _user(request).account_id, user_id)
        ended = await users.sign_out_everywhere(tx, shown.id, by=request.actor.name)
    return redirect(f"{HOME}/users/{user_id}?signed-out&ended={ended}")


# API keys ---------------------------------------------------------------------------------------------------

_NEW_KEY = {"name": "", "role": keys.Role.READ.value, "expiresIn": ""}
NEW_KEY_COOKIE = "tt_new_key"


async def _keys_page(
    request: Request, values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None
) -> Response:
    page = await page_of(request)
    async with request.read() as tx:
        result = await keys.account_keys(tx, _user(request).account_id, page)
    t = messages_of(request)
    revoked = request.query_params.get("revoked", "")
    return render(
        request,
        "admin/keys.html",
        rows=result.items,
        values=values or _NEW_KEY,
        errors=errors or {},
        permissions=[(role.value, t(f"admin.key.role.{role.value}")) for role in keys.Role],
        expiries=[
            (days, t("admin.key.days", days=days) if days else t("admin.key.never")) for days in EXPIRIES
        ],
        revoked=revoked if revoked.isalnum() and len(revoked) <= 32 and not errors else "",
        now=datetime.now(tz=request.settings.zone),
        may_write=may_write(request),
        moment=_moment(request),
        **await page_links(request, result),
    )


@pages.page("/keys")
async def keys_list(request: Request) -> Response:
    _reader(request)
    return await _keys_page(request)


def _lifetime(value: str) -> timedelta | None:
    if value == "":
        return None
    if value not in EXPIRIES:
        raise RuleViolation("expiresIn", f"must be one of {', '.join(EXPIRIES[1:])} days, or never")
    return timedelta(days=int(value))


@pages.form("/keys")
async def create_key(request: Request) -> Response:
    """A new key, then its page (`key_created`), which shows it once: the database keeps its hash only."""
    _writer(request)
    form: FormData = await request.form()
    values = {name: form_text(form, name) for name in _KEY_FIELDS}
    try:
        lifetime = _lifetime(values["expiresIn"])
        async with request.transaction() as tx:
            issued = await keys.issue_account_key(
                tx,
                _user(request).account_id,
                name=values["name"],
                role=values["role"],
                expires_in=lifetime,
                by=request.actor.name,
            )
    except REFUSALS as refused:
        return await _keys_page(request, values, field_errors(refused, messages_of(request)))
    shown = redirect(f"{HOME}/keys/new")
    # HttpOnly and for that page only: no script reads it, no other request carries it. A minute: the
    # redirect is followed at once. Sealed to this session: another session of the browser (the next user
    # to sign in on it) is not shown it.
    shown.set_cookie(
        NEW_KEY_COOKIE, f"{_seal(request, issued.token)}.{issued.token}", **_new_key_cookie(request)
    )
    return shown


def _new_key_cookie(request: Request) -> dict[str, Any]:
    return {
        "max_age": 60,
        "path": f"{HOME}/keys/new",
        "secure": request.url.scheme == "https",
        "httponly": True,
        "samesite": "strict",
    }


def _seal(request: Request, token: str) -> str:
    session = request.cookies.get(SESSION_COOKIE, "")
    return hmac.new(session.encode(), b"new key " + token.encode(), hashlib.sha256).hexdigest()


@pages.page("/keys/new")
async def key_created(request: Request) -> Response:
    """The key the form just created, from the cookie it came in, which this answer deletes: shown once.
    (A refused request, a 403 or a 503, leaves the cookie to its minute: the key is made, and a 503 retried
    still shows it.)"""
    _writer(request)
    seal, _, token = request.cookies.get(NEW_KEY_COOKIE, "").partition(".")
    sealed = hmac.compare_digest(seal, _seal(request, token))
    created = await _created_key(request, token) if sealed else None
    shown = (
        redirect(f"{HOME}/keys")
        if created is None
        else render(request, "admin/key_created.html", key=created, token=token, moment=_moment(request))
    )
    cookie = _new_key_cookie(request)
    del cookie["max_age"]
    shown.delete_cookie(NEW_KEY_COOKIE, **cookie)
    return shown


async def _created_key(request: Request, token: str) -> keys.KeyInfo | None:
    """The key of the token, if it is a key of the user's account in use and the token its secret."""
    parts = keys.split_token(token)
    if parts is None:
        return None
    prefix, secret = parts
    account_id = _user(request).account_id
    async with request.read() as tx:
        stored = await keys.find_active_key(tx, prefix)
        if (
            stored is None
            or stored.account_id != account_id
            or not keys.secret_matches(secret, stored.secret_sha256)
        ):
            return None
        return await keys.account_key(tx, account_id, stored.id)


async def _key(request: Request) -> keys.KeyInfo:
    key_id = path_id(request, "API key")
    async with request.read() as tx:
        found = await keys.account_key(tx, _user(request).account_id, key_id)
    if found is None:  # another account's, revoked already, or none
        raise NotFound(f"API key {key_id}")
    return found


@pages.page("/keys/{id}/revoke")
async def confirm_revoke(request: Request) -> Response:
    _writer(request)
    return render(request, "admin/revoke.html", key=await _key(request), moment=_moment(request))


@pages.form("/keys/{id}/revoke")
async def revoke_key(request: Request) -> Response:
    """As `talent-training api-key revoke`: answered once every serving process has forgotten the key. Not in
    the request's transaction: the revocation must commit before the processes are waited for."""
    _writer(request)
    key_id = path_id(request, "API key")
    prefix = await revoke_everywhere(
        request.state_of_app.database,
        str(key_id),
        by=request.actor.name,
        account_id=_user(request).account_id,
    )
    if prefix is None:
        raise NotFound(f"API key {key_id}")
    return redirect(f"{HOME}/keys?revoked={prefix}")


# Recent writes ----------------------------------------------------------------------------------------------


def _shown_value(value: Any) -> str:
    """A field's value in the trail: text as it is, anything else as JSON; none as a dash."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_MAX else f"{text[:SHOWN_MAX]}…"


def _audit_filters(request: Request, t: Messages) -> tuple[str, str, dict[str, list[str]]]:
    """The resource type and actor asked for, as typed, and what is wrong with them (not then applied)."""
    errors: dict[str, list[str]] = {}
    resource_type = request.query_params.get("resourceType", "")
    if resource_type and resource_type not in RESOURCE_TYPES:
        errors["resourceType"] = [t("field.choice")]
    actor = request.query_params.get("actor", "").strip()
    if len(actor) > ACTOR_MAX:
        errors["actor"] = [t("field.too_long", max=ACTOR_MAX)]
        actor = actor[:ACTOR_MAX]
    return resource_type, actor, errors


@pages.page("/audit")
async def recent_writes(request: Request) -> Response:
    _reader(request)
    t = messages_of(request)
    resource_type, actor, errors = _audit_filters(request, t)
    page = await page_of(request)
    async with request.read() as tx:
        result = await audit.search(
            tx,
            _user(request).account_id,
            page,
            resource_type=resource_type if resource_type and "resourceType" not in errors else None,
            resource_id=None,
            actor=actor if actor and "actor" not in errors else None,
            since=None,
            newest_first=True,
        )
    return render(
        request,
        "admin/audit.html",
        rows=result.items,
        resource_type=resource_type,
        actor=actor,
        errors=errors,
        types=[(kind, t(f"admin.type.{kind}")) for kind in RESOURCE_TYPES],
        filtered=bool(resource_type or actor),
        may_write=may_write(request),
        shown=_shown_value,
        moment=_moment(request),
        **await page_links(request, result),
    )


add_messages(en=EN, fr=FR)
