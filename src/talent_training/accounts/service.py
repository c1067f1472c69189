"""Issuing, finding, listing, rotating and revoking API keys.

A key is `tt_<prefix>_<secret>`. The prefix finds the row; only SHA-256 of the secret is kept, and it is
compared in constant time. The secret has 256 random bits, so a fast hash is enough (no password stretching).
Every change to a key is an audit event of its account, in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Integer, String, bindparam, insert, or_, select, update

from talent_training.accounts.tables import Account, ApiKey
from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.db.base import UTCDateTime, utcnow
from talent_training.db.database import Tx
from talent_training.db.errors import UniqueViolation
from talent_training.db.paging import Paged, paginate
from talent_training.db.statements import Query
from talent_training.kit.actor import Actor
from talent_training.kit.paging import Page, PageRequest
from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import INT32_MAX, int32_digits, storable_text

KEY_PREFIX = "tt"
LABEL_MAX = 100  # key names and account names, as the columns allow
RESOURCE = "api-key"


class Role(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class StoredKey:
    id: int
    account_id: int
    role: Role
    secret_sha256: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: int
    account: str
    role: Role
    prefix: str
    token: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: int
    name: str
    account: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None


_NOW = bindparam("now", type_=UTCDateTime)
_ACTIVE_KEY = Query(
    select(ApiKey.id, ApiKey.account_id, ApiKey.role, ApiKey.secret_sha256, ApiKey.expires_at).where(
        ApiKey.prefix == bindparam("prefix", type_=String), ApiKey.revoked_at.is_(None)
    )
)
_ACCOUNT_NAMED = Query(select(Account.id).where(Account.name == bindparam("name", type_=String)))
_NEW_ACCOUNT = Query(
    insert(Account).values(name=bindparam("name", type_=String), created_at=_NOW).returning(Account.id)
)
_NEW_KEY = Query(
    insert(ApiKey)
    .values(
        account_id=bindparam("account_id", type_=Integer),
        name=bindparam("name", type_=String),
        role=bindparam("role", type_=String),
        prefix=bindparam("prefix", type_=String),
        secret_sha256=bindparam("secret_sha256", type_=String),
        created_at=_NOW,
        expires_at=bindparam("expires_at", type_=UTCDateTime),
    )
    .returning(ApiKey.id)
)
_KEY_INFO = select(
    ApiKey.id,
    ApiKey.name,
    Account.name.label("account"),
    ApiKey.role,
    ApiKey.prefix,
    ApiKey.created_at,
    ApiKey.revoked_at,
    ApiKey.expires_at,
    ApiKey.last_used_at,
).join(Account, Account.id == ApiKey.account_id)
_KEYS = Query(_KEY_INFO.order_by(ApiKey.id))
# The console's pages of an account's keys still in use (not revoked), by id.
_IN_USE = (ApiKey.account_id == bindparam("account_id", type_=Integer), ApiKey.revoked_at.is_(None))
_ACCOUNT_KEYS = Paged(_KEY_INFO.where(*_IN_USE), ApiKey.id, base=select(ApiKey.id).where(*_IN_USE))
_ACCOUNT_KEY = Query(_KEY_INFO.where(*_IN_USE, ApiKey.id == bindparam("key_id", type_=Integer)))
_THE_KEY = or_(
    ApiKey.id == bindparam("key_id", type_=Integer), ApiKey.prefix == bindparam("prefix", type_=String)
)
_ACTIVE_NAMED = Query(
    select(
        ApiKey.id,
        ApiKey.account_id,
        ApiKey.name,
        ApiKey.role,
        ApiKey.prefix,
        ApiKey.created_at,
        ApiKey.expires_at,
    ).where(_THE_KEY, ApiKey.revoked_at.is_(None))
)
# Every change below makes each serving process forget the key: the api_keys trigger (migrations 0002, 0003).
_REVOKE = Query(
    update(ApiKey)
    .where(ApiKey.id == bindparam("key_id", type_=Integer), ApiKey.revoked_at.is_(None))
    .values(revoked_at=_NOW)
    .returning(ApiKey.prefix)
)
_EXPIRE = Query(
    update(ApiKey)
    .where(ApiKey.id == bindparam("key_id", type_=Integer), ApiKey.revoked_at.is_(None))
    .values(expires_at=bindparam("expires_at", type_=UTCDateTime))
)
_USED = Query(update(ApiKey).where(ApiKey.id == bindparam("key_id", type_=Integer)).values(last_used_at=_NOW))
_ANY_KEY = Query(select(ApiKey.id).limit(1))
_ACCOUNT_NAME = Query(select(Account.name).where(Account.id == bindparam("account_id", type_=Integer)))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(stored_sha256, digest(secret))


def split_token(token: str) -> tuple[str, str] | None:
    """`tt_<prefix>_<secret>` -> (prefix, secret), or None for anything else."""
    scheme, _, rest = token.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != KEY_PREFIX or not prefix or not secret:
        return None
    return prefix, secret


async def existing_account(tx: Tx, name: str) -> int | None:
    """The account's id, or None: what a command that must not create an account by a typo asks."""
    found = await tx.value(_ACCOUNT_NAMED, {"name": name})
    return None if found is None else int(found)


async def account_named(tx: Tx, name: str) -> int:
    """The account's id, created if it is new (two creators at once both get the one account)."""
    found = await tx.value(_ACCOUNT_NAMED, {"name": name})
    if found is not None:
        return int(found)
    try:
        async with tx.savepoint():  # losing the race leaves the transaction usable
            return int(await tx.value(_NEW_ACCOUNT, {"name": name, "now": utcnow()}))
    except UniqueViolation:
        return int(await tx.value(_ACCOUNT_NAMED, {"name": name}))


async def issue_api_key(
    tx: Tx,
    *,
    name: str,
    role: str,
    account: str = "default",
    expires_in: timedelta | None = None,
    by: str,
) -> IssuedKey:
    """Create the account if it is new, and a key in it; the token exists only in the return value.
    `by`: who issues it, for the audit trail ("cli:<user>")."""
    account_id = await account_named(tx, account)
    return await _issue(tx, account_id, account, name, Role(role), expires_in, Actor(account_id, by))


async def _issue(
    tx: Tx, account_id: int, account: str, name: str, role: Role, expires_in: timedelta | None, actor: Actor
) -> IssuedKey:
    prefix = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + expires_in if expires_in is not None else None
    values = {
        "account_id": account_id,
        "name": name,
        "role": role.value,
        "prefix": prefix,
        "secret_sha256": digest(secret),
        "now": now,
        "expires_at": expires_at,
    }
    key_id = int(await tx.value(_NEW_KEY, values))
    fields = {"name": name, "role": role.value, "prefix": prefix, "expiresAt": expires_at}
    await audit.record(tx, actor, RESOURCE, key_id, Action.CREATE, audit.created(fields))
    return IssuedKey(key_id, account, role, prefix, f"{KEY_PREFIX}_{prefix}_{secret}", expires_at)


async def issue_account_key(
    tx: Tx, account_id: int, *, name: str, role: str, expires_in: timedelta | None, by: str
) -> IssuedKey:
    """A key in an existing account (the console's, where the account is the signed-in user's); the token
    exists only in the return value. RuleViolation naming `name` or `role` for a bad value."""
    label = name.strip()
    if not label:
        raise RuleViolation("name", "must not be blank")
    if len(label) > LABEL_MAX:
        raise RuleViolation("name", f"must be at most {LABEL_MAX} characters long")
    try:
        storable_text(label)
    except ValueError as error:
        raise RuleViolation("name", str(error)) from None
    try:
        chosen = Role(role)
    except ValueError:
        raise RuleViolation("role", "must be read or write") from None
    if expires_in is not None and expires_in <= timedelta(0):
        raise RuleViolation("expiresIn", "must be a positive duration")
    account = await tx.value(_ACCOUNT_NAME, {"account_id": account_id})
    return await _issue(tx, account_id, str(account), label, chosen, expires_in, Actor(account_id, by))


async def find_active_key(tx: Tx, prefix: str) -> StoredKey | None:
    row = await tx.one(_ACTIVE_KEY, {"prefix": prefix})
    if row is None:
        return None
    return StoredKey(row.id, row.account_id, Role(row.role), row.secret_sha256, row.expires_at)


async def list_api_keys(tx: Tx) -> list[KeyInfo]:
    return [_key_info(row) for row in await tx.all(_KEYS)]


async def account_keys(tx: Tx, account_id: int, request: PageRequest) -> Page[KeyInfo]:
    """A page of the account's keys that are not revoked (expired ones included), never a secret."""
    found = await paginate(tx, _ACCOUNT_KEYS, {"account_id": account_id}, request)
    return Page([_key_info(row) for row in found.items], found.prev, found.next, found.count)


async def account_key(tx: Tx, account_id: int, key_id: int) -> KeyInfo | None:
    """The account's key, unless revoked; None for another account's."""
    row = await tx.one(_ACCOUNT_KEY, {"account_id": account_id, "key_id": key_id})
    return None if row is None else _key_info(row)


def _key_info(row: Any) -> KeyInfo:
    return KeyInfo(
        row.id,
        row.name,
        row.account,
        Role(row.role),
        row.prefix,
        row.created_at,
        row.revoked_at,
        row.expires_at,
        row.last_used_at,
    )


def _by_id_or_prefix(key: str) -> dict[str, object]:
    is_id = int32_digits(key) and int(key) <= INT32_MAX
    return {"key_id": int(key) if is_id else None, "prefix": None if is_id else key}


async def revoke_api_key(tx: Tx, key: str, *, by: str, account_id: int | None = None) -> str | None:
    """Revoke by id or by prefix; the key's prefix, or None when no such active key exists (in `account_id`,
    when given: the console revokes only its user's account's keys)."""
    found = await tx.one(_ACTIVE_NAMED, _by_id_or_prefix(key))
    if found is None or (account_id is not None and found.account_id != account_id):
        return None
    now = utcnow()
    if await tx.one(_REVOKE, {"key_id": found.id, "now": now}) is None:
        return None  # revoked by someone else meanwhile
    actor = Actor(found.account_id, by)
    await audit.record(tx, actor, RESOURCE, found.id, Action.REVOKE, {"revokedAt": [None, now]})
    return str(found.prefix)


@dataclass(frozen=True, slots=True)
class Rotated:
    issued: IssuedKey
    revoked: str | None  # the old key's prefix when it was revoked at once (no grace)


async def rotate_api_key(tx: Tx, key: str, *, by: str, grace: timedelta | None = None) -> Rotated | None:
    """A new key with the old one's name, role, account and lifetime (a 90-day key is replaced by a 90-day
    key); the old one revoked now, or expiring after `grace` so that its users can switch. None when no
    such active key exists."""
    found = await tx.one(_ACTIVE_NAMED, _by_id_or_prefix(key))
    if found is None:
        return None
    actor = Actor(found.account_id, by)
    lifetime = found.expires_at - found.created_at if found.expires_at is not None else None
    account = await tx.value(_ACCOUNT_NAME, {"account_id": found.account_id})
    issued = await _issue(tx, found.account_id, str(account), found.name, Role(found.role), lifetime, actor)
    now = utcnow()
    if grace is None:
        await tx.one(_REVOKE, {"key_id": found.id, "now": now})
        await audit.record(tx, actor, RESOURCE, found.id, Action.REVOKE, {"revokedAt": [None, now]})
    else:
        ends = min(now + grace, found.expires_at) if found.expires_at is not None else now + grace
        await tx.execute(_EXPIRE, {"key_id": found.id, "expires_at": ends})
        changes = {"expiresAt": [found.expires_at, ends]}
        await audit.record(tx, actor, RESOURCE, found.id, Action.UPDATE, changes)
    return Rotated(issued, found.prefix if grace is None else None)


async def note_use(tx: Tx, key_id: int) -> None:
    """When the key was last used (kept to the minute: accounts/auth.py writes it at most that often)."""
    await tx.execute(_USED, {"key_id": key_id, "now": utcnow()})


async def database_is_new(tx: Tx) -> bool:
    """No key was ever created here (a revoked or expired key still counts)."""
    return await tx.one(_ANY_KEY) is None
