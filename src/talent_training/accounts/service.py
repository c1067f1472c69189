"""Issuing, finding, listing and revoking API keys.

A key is `tt_<prefix>_<secret>`. The prefix finds the row; only SHA-256 of the secret is kept, and it is
compared in constant time. The secret has 256 random bits, so a fast hash is enough (no password stretching).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import bindparam, insert, select, update

from talent_training.accounts.tables import Account, ApiKey
from talent_training.db.base import utcnow
from talent_training.db.database import Tx
from talent_training.db.errors import UniqueViolation
from talent_training.db.statements import Query
from talent_training.kit.types import INT32_MAX, int32_digits

KEY_PREFIX = "tt"
LABEL_MAX = 100  # key names and account names, as the columns allow


class Role(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class StoredKey:
    id: int
    account_id: int
    role: Role
    secret_sha256: str


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: int
    account: str
    role: Role
    prefix: str
    token: str


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: int
    name: str
    account: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


_ACTIVE_KEY = Query(
    select(ApiKey.id, ApiKey.account_id, ApiKey.role, ApiKey.secret_sha256).where(
        ApiKey.prefix == bindparam("prefix"), ApiKey.revoked_at.is_(None)
    )
)
_ACCOUNT_NAMED = Query(select(Account.id).where(Account.name == bindparam("name")))
_NEW_ACCOUNT = Query(
    insert(Account).values(name=bindparam("name"), created_at=bindparam("now")).returning(Account.id)
)
_NEW_KEY = Query(
    insert(ApiKey)
    .values(
        account_id=bindparam("account_id"),
        name=bindparam("name"),
        role=bindparam("role"),
        prefix=bindparam("prefix"),
        secret_sha256=bindparam("secret_sha256"),
        created_at=bindparam("now"),
    )
    .returning(ApiKey.id)
)
_KEYS = Query(
    select(
        ApiKey.id,
        ApiKey.name,
        Account.name.label("account"),
        ApiKey.role,
        ApiKey.prefix,
        ApiKey.created_at,
        ApiKey.revoked_at,
    )
    .join(Account, Account.id == ApiKey.account_id)
    .order_by(ApiKey.id)
)
# Revoking notifies every process that caches keys: see the api_keys trigger (migration 0002).
_REVOKE_BY_ID = Query(
    update(ApiKey)
    .where(ApiKey.id == bindparam("key_id"), ApiKey.revoked_at.is_(None))
    .values(revoked_at=bindparam("now"))
    .returning(ApiKey.prefix)
)
_REVOKE_BY_PREFIX = Query(
    update(ApiKey)
    .where(ApiKey.prefix == bindparam("prefix"), ApiKey.revoked_at.is_(None))
    .values(revoked_at=bindparam("now"))
    .returning(ApiKey.prefix)
)
_ANY_ACTIVE_KEY = Query(select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1))


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


async def issue_api_key(tx: Tx, *, name: str, role: str, account: str = "default") -> IssuedKey:
    """Create the account if it is new, and a key in it; the token exists only in the return value."""
    key_role = Role(role)
    prefix = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    account_id = await account_named(tx, account)
    key_id = await tx.value(
        _NEW_KEY,
        {
            "account_id": account_id,
            "name": name,
            "role": key_role.value,
            "prefix": prefix,
            "secret_sha256": digest(secret),
            "now": utcnow(),
        },
    )
    return IssuedKey(int(key_id), account, key_role, prefix, f"{KEY_PREFIX}_{prefix}_{secret}")


async def find_active_key(tx: Tx, prefix: str) -> StoredKey | None:
    row = await tx.one(_ACTIVE_KEY, {"prefix": prefix})
    if row is None:
        return None
    return StoredKey(row.id, row.account_id, Role(row.role), row.secret_sha256)


async def list_api_keys(tx: Tx) -> list[KeyInfo]:
    return [
        KeyInfo(row.id, row.name, row.account, Role(row.role), row.prefix, row.created_at, row.revoked_at)
        for row in await tx.all(_KEYS)
    ]


async def revoke_api_key(tx: Tx, key: str) -> str | None:
    """Revoke by id or by prefix; the key's prefix, or None when no such active key exists."""
    if int32_digits(key) and int(key) <= INT32_MAX:
        revoked = await tx.one(_REVOKE_BY_ID, {"key_id": int(key), "now": utcnow()})
    else:
        revoked = await tx.one(_REVOKE_BY_PREFIX, {"prefix": key, "now": utcnow()})
    return None if revoked is None else str(revoked.prefix)


async def has_active_key(tx: Tx) -> bool:
    return await tx.one(_ANY_ACTIVE_KEY) is not None
