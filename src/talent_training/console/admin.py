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
                                             the answer page showing the key this once
    /console/admin/keys/{id}/revoke          GET: are you sure?; POST: revoke it                hr-admin
    /console/admin/audit                     GET the account's writes, newest first; by resource type, actor

Who: an HR administrator does everything; an auditor ("read only": the issue's words) reads every page,
with no form (the router refuses their POST with 403); a manager has no business here: 403 on every page.

A secret (an API key, a reset link) is shown on the page that answers the POST that made it, never put in
a redirect's address (the browser's history and the access log would keep it) and never stored: the key's
hash and the link's hash are all the database has. Revoking a key is the command line's revoke
(accounts/auth.py `revoke_everywhere`): the page answers once every serving process has forgotten the key,
so the next request with it is refused, whichever worker gets it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response

from talent_training.accounts import service as keys
from talent_training.accounts.auth import revoke_everywhere
from talent_training.audit import service as audit
from talent_training.audit.service import RESOURCE_TYPES
from talent_training.console.auth import PREFIX, UserPrincipal, form_text, own_origin
from talent_training.console.i18n import Messages, add_messages, language_of
from talent_training.console.pages import Pages, redirect, render
from talent_training.directory import service as directory
from talent_training.directory.repository import EmployeeFilters
from talent_training.kit.paging import Page, PageRequest, RootField
from talent_training.kit.problems import Conflict, DomainError, Forbidden, NotFound, RuleViolation
from talent_training.kit.types import INT32_MAX, int32_digits
from talent_training.users import service as users
from talent_training.users.tables import UserRole
from talent_training.web.params import page_request, path_id
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


def _messages(request: Request) -> Messages:
    return Messages(language_of(request))


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


async def _page_request(request: Request) -> PageRequest:
    return replace(await page_request(request), fields=frozenset({RootField.PREV, RootField.NEXT}))


async def _page_links(request: Request, result: Page[Any]) -> dict[str, Any]:
    codec = await request.cursor_codec()

    def link(cursor: Any) -> str | None:
        if cursor is None:
            return None
        return f"{request.url.path}?{request.url.include_query_params(page=codec.encode(cursor)).query}"

    return {"prev_url": link(result.prev), "next_url": link(result.next)}


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
    page = await _page_request(request)
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
        roles=_roles(_messages(request)),
        may_write=may_write(request),
        moment=_moment(request),
        **await _page_links(request, result),
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
        return await _users_page(request, values, field_errors(refused, _messages(request)))
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
        roles=_roles(_messages(request)),
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
        return await _user_page(request, shown, values, field_errors(refused, _messages(request)))
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


async def _keys_page(
    request: Request, values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None
) -> Response:
    page = await _page_request(request)
    async with request.read() as tx:
        result = await keys.account_keys(tx, _user(request).account_id, page)
    t = _messages(request)
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
        **await _page_links(request, result),
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
    """The key, shown on this answer only: it is nowhere else, the database keeping its hash."""
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
        return await _keys_page(request, values, field_errors(refused, _messages(request)))
    return render(
        request,
        "admin/key_created.html",
        issued=issued,
        name=values["name"].strip(),
        moment=_moment(request),
    )


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
    t = _messages(request)
    resource_type, actor, errors = _audit_filters(request, t)
    page = await _page_request(request)
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
        **await _page_links(request, result),
    )


# Messages ---------------------------------------------------------------------------------------------------

_TYPES_EN = {
    "api-key": "API key",
    "category": "Category",
    "department": "Department",
    "employee": "Employee",
    "establishment": "Establishment",
    "plan": "Plan",
    "provider": "Provider",
    "realized-training": "Realized training",
    "realized-training-import": "Import of realized trainings",
    "session": "Session",
    "training": "Training",
    "training-demand": "Training demand",
    "user": "User",
}
_TYPES_FR = {
    "api-key": "Clé d'API",
    "category": "Catégorie",
    "department": "Service",
    "employee": "Collaborateur",
    "establishment": "Établissement",
    "plan": "Plan",
    "provider": "Organisme",
    "realized-training": "Formation réalisée",
    "realized-training-import": "Import de formations réalisées",
    "session": "Session",
    "training": "Formation",
    "training-demand": "Demande de formation",
    "user": "Utilisateur",
}

add_messages(
    en={
        "admin.title": "Administration",
        "admin.users": "Users",
        "admin.keys": "API keys",
        "admin.audit": "Recent writes",
        "admin.read_only": "You can read the administration; only HR administrators change it.",
        "admin.nothing": "Nothing yet.",
        "admin.user.email": "Email",
        "admin.user.name": "Name",
        "admin.user.role": "Role",
        "admin.user.employee": "Linked employee",
        "admin.user.employee_id": "Employee id",
        "admin.user.employee_help": "Required for a manager: the id of their own employee record.",
        "admin.user.password": "Password",
        "admin.user.password_set": "Set",
        "admin.user.password_unset": "Not set yet",
        "admin.user.created": "Created",
        "admin.user.none": "None",
        "admin.user.new": "New user",
        "admin.user.new_help": (
            "They get no password: hand them the one-time link shown next, where they set it."
        ),
        "admin.user.create": "Create the user",
        "admin.user.open": "Manage {name}",
        "admin.user.change_role": "Role and employee",
        "admin.user.save": "Save the role",
        "admin.user.saved": "The role is saved: it applies from their next page.",
        "admin.user.unchanged": "Nothing changed.",
        "admin.user.reset": "Password",
        "admin.user.reset_issue": "Issue a reset link",
        "admin.user.reset_help": "A new one-time link; any earlier link stops working.",
        "admin.user.sign_out": "Sessions",
        "admin.user.sign_out_button": "Sign {name} out everywhere",
        "admin.user.sign_out_help": "Ends every session of this user, in every browser.",
        "admin.user.signed_out": "Sessions ended: {ended}.",
        "admin.user.back": "Back to the users",
        "admin.link.created": "The user {email} is created",
        "admin.link.issued": "A reset link for {email}",
        "admin.link.label": "Their one-time link",
        "admin.link.help": (
            "Hand this link to them: it sets their password, once, within {hours} hours. "
            "It is shown only now; a new one can be issued from their page."
        ),
        "admin.key.name": "Name",
        "admin.key.name_help": "What the key is for, e.g. the tool that uses it.",
        "admin.key.prefix": "Prefix",
        "admin.key.role": "Permission",
        "admin.key.role.read": "read (GET only)",
        "admin.key.role.write": "write (everything)",
        "admin.key.created": "Created",
        "admin.key.last_used": "Last used",
        "admin.key.expires": "Expires",
        "admin.key.expired": "expired",
        "admin.key.never": "Never",
        "admin.key.days": "In {days} days",
        "admin.key.unused": "Never",
        "admin.key.actions": "Actions",
        "admin.key.revoke": "Revoke the key {prefix}",
        "admin.key.revoked": "The key {prefix} is revoked: it is refused from now on.",
        "admin.key.new": "New API key",
        "admin.key.create": "Create the key",
        "admin.key.issued": "The key {name} is created",
        "admin.key.label": "The key",
        "admin.key.once": (
            "Copy it now and store it safely: it is shown only this once. Only its prefix, {prefix}, is kept "
            "in clear."
        ),
        "admin.key.back": "Back to the API keys",
        "admin.key.confirm": "Revoke the key {prefix}?",
        "admin.key.confirm_help": (
            "Every program using this key is refused from the next request on. This cannot be undone: a new "
            "key would have to be created and given to them."
        ),
        "admin.key.confirm_button": "Yes, revoke the key {prefix}",
        "admin.key.cancel": "No, keep it",
        "admin.audit.when": "When",
        "admin.audit.who": "Who",
        "admin.audit.what": "Action",
        "admin.audit.resource": "Resource",
        "admin.audit.changes": "Fields, before → after",
        "admin.audit.type": "Resource type",
        "admin.audit.actor": "Actor (e.g. user:ana@example.com, key:prefix)",
        "admin.audit.any": "Any",
        "admin.audit.filter": "Filter",
        "admin.audit.filters": "Filters",
        "admin.audit.by_actor": "Only the writes of {actor}",
        "admin.audit.empty": "No write matches.",
        "admin.audit.action.create": "created",
        "admin.audit.action.update": "changed",
        "admin.audit.action.revoke": "revoked",
        "admin.audit.before_after": "{field}: {before} → {after}",
        "admin.email_taken": "This email already has a user.",
        "admin.email_invalid": "An email address, such as ana@example.com.",
        "admin.manager_needs_employee": (
            "A manager sees their team: give the id of their own employee record."
        ),
        "admin.unknown_employee": "There is no such employee in this account.",
        "admin.employee_id": "An employee id: digits only.",
        "admin.last_admin": (
            "The account's last HR administrator keeps that role: make another user one first."
        ),
        **{f"admin.type.{kind}": label for kind, label in _TYPES_EN.items()},
    },
    fr={
        "admin.title": "Administration",
        "admin.users": "Utilisateurs",
        "admin.keys": "Clés d'API",
        "admin.audit": "Dernières modifications",
        "admin.read_only": (
            "Vous pouvez consulter l'administration ; seuls les administrateurs RH la modifient."
        ),
        "admin.nothing": "Rien pour l'instant.",
        "admin.user.email": "E-mail",
        "admin.user.name": "Nom",
        "admin.user.role": "Rôle",
        "admin.user.employee": "Collaborateur associé",
        "admin.user.employee_id": "Identifiant du collaborateur",
        "admin.user.employee_help": (
            "Obligatoire pour un manager : l'identifiant de sa propre fiche collaborateur."
        ),
        "admin.user.password": "Mot de passe",
        "admin.user.password_set": "Défini",
        "admin.user.password_unset": "Pas encore défini",
        "admin.user.created": "Créé le",
        "admin.user.none": "Aucun",
        "admin.user.new": "Nouvel utilisateur",
        "admin.user.new_help": (
            "Il n'a pas de mot de passe : remettez-lui le lien à usage unique affiché ensuite, "
            "où il le choisit."
        ),
        "admin.user.create": "Créer l'utilisateur",
        "admin.user.open": "Gérer {name}",
        "admin.user.change_role": "Rôle et collaborateur",
        "admin.user.save": "Enregistrer le rôle",
        "admin.user.saved": "Le rôle est enregistré : il s'applique dès sa prochaine page.",
        "admin.user.unchanged": "Rien n'a changé.",
        "admin.user.reset": "Mot de passe",
        "admin.user.reset_issue": "Émettre un lien de réinitialisation",
        "admin.user.reset_help": "Un nouveau lien à usage unique ; tout lien précédent cesse de fonctionner.",
        "admin.user.sign_out": "Sessions",
        "admin.user.sign_out_button": "Déconnecter {name} partout",
        "admin.user.sign_out_help": (
            "Met fin à toutes les sessions de cet utilisateur, dans tous les navigateurs."
        ),
        "admin.user.signed_out": "Sessions terminées : {ended}.",
        "admin.user.back": "Retour aux utilisateurs",
        "admin.link.created": "L'utilisateur {email} est créé",
        "admin.link.issued": "Un lien de réinitialisation pour {email}",
        "admin.link.label": "Son lien à usage unique",
        "admin.link.help": (
            "Remettez-lui ce lien : il y choisit son mot de passe, une seule fois, dans les {hours} heures. "
            "Il n'est affiché que maintenant ; un nouveau peut être émis depuis sa page."
        ),
        "admin.key.name": "Nom",
        "admin.key.name_help": "À quoi sert la clé, par exemple l'outil qui l'utilise.",
        "admin.key.prefix": "Préfixe",
        "admin.key.role": "Permission",
        "admin.key.role.read": "lecture (GET seulement)",
        "admin.key.role.write": "écriture (tout)",
        "admin.key.created": "Créée le",
        "admin.key.last_used": "Dernière utilisation",
        "admin.key.expires": "Expire le",
        "admin.key.expired": "expirée",
        "admin.key.never": "Jamais",
        "admin.key.days": "Dans {days} jours",
        "admin.key.unused": "Jamais",
        "admin.key.actions": "Actions",
        "admin.key.revoke": "Révoquer la clé {prefix}",
        "admin.key.revoked": "La clé {prefix} est révoquée : elle est refusée dès maintenant.",
        "admin.key.new": "Nouvelle clé d'API",
        "admin.key.create": "Créer la clé",
        "admin.key.issued": "La clé {name} est créée",
        "admin.key.label": "La clé",
        "admin.key.once": (
            "Copiez-la maintenant et conservez-la en lieu sûr : elle n'est affichée que cette fois. Seul son "
            "préfixe, {prefix}, est conservé en clair."
        ),
        "admin.key.back": "Retour aux clés d'API",
        "admin.key.confirm": "Révoquer la clé {prefix} ?",
        "admin.key.confirm_help": (
            "Tout programme qui utilise cette clé est refusé dès sa prochaine requête. C'est définitif : il "
            "faudrait créer une nouvelle clé et la lui remettre."
        ),
        "admin.key.confirm_button": "Oui, révoquer la clé {prefix}",
        "admin.key.cancel": "Non, la garder",
        "admin.audit.when": "Quand",
        "admin.audit.who": "Qui",
        "admin.audit.what": "Action",
        "admin.audit.resource": "Ressource",
        "admin.audit.changes": "Champs, avant → après",
        "admin.audit.type": "Type de ressource",
        "admin.audit.actor": "Auteur (par ex. user:ana@example.com, key:préfixe)",
        "admin.audit.any": "Tous",
        "admin.audit.filter": "Filtrer",
        "admin.audit.filters": "Filtres",
        "admin.audit.by_actor": "Seulement les modifications de {actor}",
        "admin.audit.empty": "Aucune modification ne correspond.",
        "admin.audit.action.create": "création",
        "admin.audit.action.update": "modification",
        "admin.audit.action.revoke": "révocation",
        "admin.audit.before_after": "{field} : {before} → {after}",
        "admin.email_taken": "Cet e-mail a déjà un utilisateur.",
        "admin.email_invalid": "Une adresse e-mail, comme ana@example.com.",
        "admin.manager_needs_employee": (
            "Un manager voit son équipe : indiquez l'identifiant de sa propre fiche collaborateur."
        ),
        "admin.unknown_employee": "Ce collaborateur n'existe pas dans ce compte.",
        "admin.employee_id": "Un identifiant de collaborateur : des chiffres seulement.",
        "admin.last_admin": (
            "Le dernier administrateur RH du compte garde ce rôle : nommez-en d'abord un autre."
        ),
        **{f"admin.type.{kind}": label for kind, label in _TYPES_FR.items()},
    },
)
