"""People and sign-in: creating users, their passwords, their sessions (docs/console.md).

A session token and a reset token are 256 random bits (`secrets.token_urlsafe(32)`): only their SHA-256 is
stored, so a copy of the database signs no one in, and a fast hash is enough (no stretching, unlike a
password). Every change to a user is an audit event of their account (resource type "user"), in the same
transaction, that never holds a password, a hash or a token. Signing in and out is not in the audit trail,
which records changes to records: the sessions table says who is signed in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.db.base import utcnow
from talent_training.db.database import Tx
from talent_training.db.errors import ReferenceViolation, UniqueViolation
from talent_training.kit.actor import Actor
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.problems import Conflict, NotFound, RuleViolation
from talent_training.kit.types import INT32_MAX, storable_text
from talent_training.users import passwords, repository
from talent_training.users.tables import UserRole

RESOURCE = "user"
IDLE = timedelta(hours=8)  # a session unused this long has ended
LIFETIME = timedelta(days=7)  # and any session this long after sign-in
SEEN_RESOLUTION = timedelta(minutes=1)  # last_seen_at is written at most this often per session
RESET_LIFETIME = timedelta(hours=24)
ACTOR_PREFIX = "user:"
# The audit trail names a user `user:<email>` in 200 characters; real addresses are far shorter.
EMAIL_MAX = 200 - len(ACTOR_PREFIX)
NAME_MAX = 250
TOKEN_MAX = 100  # longer than any token issued here: refused without a look


@dataclass(frozen=True, slots=True)
class SignedIn:
    user_id: int
    account_id: int
    email: str
    name: str
    role: str
    employee_id: int | None
    session_id: int

    @property
    def actor(self) -> str:
        """Who acts, in the words of the audit trail."""
        return actor_of(self.email)


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    account: str
    email: str
    name: str
    role: str
    employee_id: int | None
    has_password: bool
    created_at: datetime


def actor_of(email: str) -> str:
    return f"{ACTOR_PREFIX}{email}"


def fold_email(email: str) -> str:
    """What an email signs in as: trimmed, lower-cased (`Ana@Example.com` is `ana@example.com`)."""
    return email.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    tx: Tx,
    *,
    account: str,
    email: str,
    name: str,
    role: str,
    employee_id: int | None,
    password: str | None,
    by: str,
) -> int:
    """A new user of an existing account; without a password, they set one through a reset link. Their id.
    RuleViolation naming the field for a bad value or an unknown account or employee, Conflict for an email
    already used (in any account, in any letter case)."""
    account_id = await repository.account_named(tx, account)
    if account_id is None:
        raise RuleViolation("account", f"there is no account {account!r}")
    email = _email(email)
    name = _name(name)
    chosen = _role(role)
    _check_employee(chosen, employee_id)
    if password is not None:
        passwords.check(password)
    folded = fold_email(email)
    if await repository.user_by_email(tx, folded) is not None:
        raise Conflict(f"{email} already has a user.", "email")
    values = {
        "account_id": account_id,
        "email": email,
        "email_folded": folded,
        "name": name,
        "role": chosen.value,
        "employee_id": employee_id,
        "password_hash": None if password is None else await passwords.hashed(password),
        "now": utcnow(),
    }
    try:
        async with tx.savepoint():
            user_id = await repository.insert_user(tx, values)
    except UniqueViolation:  # created by someone else since the check
        raise Conflict(f"{email} already has a user.", "email") from None
    except ReferenceViolation:
        raise RuleViolation(
            "employee", f"there is no employee {employee_id} in account {account!r}"
        ) from None
    fields = {
        "email": email,
        "name": name,
        "role": chosen.value,
        "employeeId": employee_id,
        "hasPassword": password is not None,
    }
    await audit.record(tx, Actor(account_id, by), RESOURCE, user_id, Action.CREATE, audit.created(fields))
    return user_id


async def list_users(tx: Tx, account: str | int | None = None) -> list[UserInfo]:
    """Every user, by account then email; of one account when given, by name (the command line) or by id
    (the console's signed-in user). RuleViolation for an unknown account."""
    account_id: int | None
    if isinstance(account, str):
        account_id = await repository.account_named(tx, account)
        if account_id is None:
            raise RuleViolation("account", f"there is no account {account!r}")
    else:
        account_id = account
        if account_id is not None and not await repository.account_exists(tx, account_id):
            raise RuleViolation("account", f"there is no account {account_id}")
    return [_info(row) for row in await repository.users(tx, account_id)]


async def users_page(tx: Tx, account_id: int, request: PageRequest) -> Page[UserInfo]:
    """A page of the account's users, in the order they were created (the console's list)."""
    found = await repository.users_page(tx, account_id, request)
    return Page([_info(row) for row in found.items], found.prev, found.next, found.count)


async def get_user(tx: Tx, account_id: int, user_id: int) -> UserInfo:
    """The account's user; NotFound for another account's, as for no user at all."""
    row = await repository.user_in_account(tx, account_id, user_id)
    if row is None:
        raise NotFound(f"User {user_id}")
    return _info(row)


async def change_role(
    tx: Tx, actor: Actor, user_id: int, *, role: str, employee_id: int | None, now: datetime | None = None
) -> dict[str, list[Any]]:
    """Give a user of the actor's account another role, or link them to another employee (a manager must
    be linked). Takes effect on their next request: a session reads its user's role every time. What
    changed (nothing: no audit event). RuleViolation naming `role` or `employee`; NotFound for a user of
    another account. The account keeps at least one HR administrator, or no one could manage it."""
    user = await get_user(tx, actor.account_id, user_id)
    chosen = _role(role)
    _check_employee(chosen, employee_id)
    if user.role == UserRole.HR_ADMIN.value and chosen is not UserRole.HR_ADMIN:
        admins = await repository.locked_users_with_role(tx, actor.account_id, UserRole.HR_ADMIN.value)
        if admins == [user.id]:
            raise RuleViolation(
                "role", "the account's last HR administrator keeps that role: make another user one first"
            )
    changes = audit.changed(
        {"role": user.role, "employeeId": user.employee_id}, {"role": chosen.value, "employeeId": employee_id}
    )
    if not changes:
        return changes
    try:
        async with tx.savepoint():
            await repository.set_role(
                tx, actor.account_id, user.id, chosen.value, employee_id, now or utcnow()
            )
    except ReferenceViolation:
        raise RuleViolation("employee", f"there is no employee {employee_id} in this account") from None
    await audit.record(tx, actor, RESOURCE, user.id, Action.UPDATE, changes)
    return changes


async def find_user(tx: Tx, email: str) -> UserInfo | None:
    """The user who signs in with `email` (any letter case), or None."""
    found = await repository.listed_user(tx, fold_email(email))
    return None if found is None else _info(found)


async def any_user(tx: Tx) -> bool:
    return await repository.any_user(tx)


async def reset_token(tx: Tx, email: str, *, by: str, now: datetime | None = None) -> str:
    """A one-time token to set the user's password, valid RESET_LIFETIME; any earlier one is void.
    NotFound when no user has that email."""
    now = now or utcnow()
    user = await repository.user_by_email(tx, fold_email(email))
    if user is None:
        raise NotFound(f"A user with the email {email.strip()!r}")
    token = secrets.token_urlsafe(32)
    expires_at = now + RESET_LIFETIME
    await repository.replace_reset(tx, user.account_id, user.id, token_digest(token), now, expires_at)
    changes = {"resetLinkExpiresAt": [None, expires_at]}
    await audit.record(tx, Actor(user.account_id, by), RESOURCE, user.id, Action.UPDATE, changes)
    return str(token)


async def set_password(tx: Tx, token: str, password: str, *, now: datetime | None = None) -> int:
    """The password of the reset link's user, which the link can set only once; every session of that user
    ends. The user's id. RuleViolation naming `password` (the link is then still usable) or `token` (unknown,
    used or expired)."""
    passwords.check(password)
    now = now or utcnow()
    claimed = await repository.use_reset(tx, token_digest(token), now) if len(token) <= TOKEN_MAX else None
    if claimed is None:
        raise RuleViolation("token", "this link is unknown, already used or expired: ask for a new one")
    user = await repository.user_by_id(tx, claimed.user_id)
    await repository.set_password_hash(tx, user.account_id, user.id, await passwords.hashed(password), now)
    await repository.end_live_sessions(tx, user.account_id, user.id, now, now - IDLE)
    actor = Actor(user.account_id, actor_of(user.email))
    await audit.record(tx, actor, RESOURCE, user.id, Action.UPDATE, {"passwordSetAt": [None, now]})
    return int(user.id)


async def sign_in(
    tx: Tx, email: str, password: str, *, now: datetime | None = None
) -> tuple[SignedIn, str] | None:
    """A new session and its token (for the cookie, never stored), or None for a wrong password or an
    unknown email alike, in the same time."""
    user = await repository.user_by_email(tx, fold_email(email)) if len(email) <= EMAIL_MAX else None
    if len(password) > passwords.MAX_LENGTH:
        return None  # no user has such a password; refused without spending a hash on it
    verdict = await passwords.verify(None if user is None else user.password_hash, password)
    if user is None or not verdict.matches:
        return None
    now = now or utcnow()
    if verdict.rehashed is not None:
        await repository.set_password_hash(tx, user.account_id, user.id, verdict.rehashed, now)
    await repository.forget_dead_sessions(tx, user.account_id, user.id, now, now - IDLE)
    token = secrets.token_urlsafe(32)
    session_id = await repository.insert_session(
        tx, user.account_id, user.id, token_digest(token), now, now + LIFETIME
    )
    return _signed_in(user, session_id), token


async def signed_in(tx: Tx, token: str, *, now: datetime | None = None) -> SignedIn | None:
    """Who holds this session token; None when it is unknown, signed out, idle for IDLE or older than
    LIFETIME. Moves the session's last use (at most once per SEEN_RESOLUTION): call it in a transaction."""
    if not token or len(token) > TOKEN_MAX:
        return None
    found = await repository.live_session(tx, token_digest(token))
    if found is None:
        return None
    now = now or utcnow()
    if now >= found.expires_at or now >= found.last_seen_at + IDLE:
        return None
    if now - found.last_seen_at >= SEEN_RESOLUTION:
        await repository.note_seen(tx, found.session_id, now)
    return _signed_in(found, found.session_id)


async def sign_out(tx: Tx, token: str, *, now: datetime | None = None) -> None:
    if token and len(token) <= TOKEN_MAX:
        await repository.end_session(tx, token_digest(token), now or utcnow())


async def sign_out_everywhere(
    tx: Tx, user_id: int, *, by: str | None = None, now: datetime | None = None
) -> int:
    """End every live session of the user (every browser, this one included); how many. `by`: who asks, for
    the audit trail (the user themself unless said)."""
    user = await repository.user_by_id(tx, user_id)
    if user is None:
        return 0
    now = now or utcnow()
    ended = await repository.end_live_sessions(tx, user.account_id, user.id, now, now - IDLE)
    actor = Actor(user.account_id, by or actor_of(user.email))
    await audit.record(tx, actor, RESOURCE, user.id, Action.REVOKE, {"liveSessions": [ended, 0]})
    return ended


def _signed_in(user: Any, session_id: int) -> SignedIn:
    return SignedIn(
        user_id=int(user.id),
        account_id=int(user.account_id),
        email=user.email,
        name=user.name,
        role=user.role,
        employee_id=user.employee_id,
        session_id=int(session_id),
    )


def _info(row: Any) -> UserInfo:
    return UserInfo(
        row.id,
        row.account,
        row.email,
        row.name,
        row.role,
        row.employee_id,
        bool(row.has_password),
        row.created_at,
    )


def _email(value: str) -> str:
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or any(c.isspace() or not c.isprintable() for c in email):
        raise RuleViolation("email", "must be an email address, such as ana@example.com")
    if len(email) > EMAIL_MAX:
        raise RuleViolation("email", f"must be at most {EMAIL_MAX} characters long")
    return _storable("email", email)


def _name(value: str) -> str:
    name = value.strip()
    if not name:
        raise RuleViolation("name", "must not be blank")
    if len(name) > NAME_MAX:
        raise RuleViolation("name", f"must be at most {NAME_MAX} characters long")
    return _storable("name", name)


def _role(value: str) -> UserRole:
    try:
        return UserRole(value)
    except ValueError:
        raise RuleViolation("role", f"must be one of {', '.join(UserRole)}") from None


def _check_employee(role: UserRole, employee_id: int | None) -> None:
    if employee_id is not None and not 1 <= employee_id <= INT32_MAX:
        raise RuleViolation("employee", f"must be an employee id, 1 to {INT32_MAX}")
    if role is UserRole.MANAGER and employee_id is None:
        raise RuleViolation("employee", "a manager sees their team: give the id of their own employee record")


def _storable(field: str, value: str) -> str:
    try:
        return storable_text(value)
    except ValueError as error:
        raise RuleViolation(field, str(error)) from None
