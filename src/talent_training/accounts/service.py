"""Issuing, verifying, listing and revoking API keys.

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

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from talent_training.accounts.tables import Account, ApiKey
from talent_training.db.base import utcnow
from talent_training.db.database import Database
from talent_training.kit.types import INT32_MAX

KEY_PREFIX = "tt"
LABEL_MAX = 100  # key names and account names, as the columns allow


class Role(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: int
    key_id: int
    role: Role


@dataclass(frozen=True, slots=True)
class IssuedKey:
    id: int
    account: str
    role: Role
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


# Built once: this runs on every request.
_ACTIVE_KEY = select(ApiKey.id, ApiKey.account_id, ApiKey.role, ApiKey.secret_sha256).where(
    ApiKey.prefix == bindparam("prefix"), ApiKey.revoked_at.is_(None)
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def get_or_create_account(session: AsyncSession, name: str) -> Account:
    query = select(Account).where(Account.name == name)
    account = (await session.execute(query)).scalar_one_or_none()
    if account is not None:
        return account
    try:
        # A savepoint, so that losing a race with another creator leaves the transaction usable.
        async with session.begin_nested():
            account = Account(name=name)
            session.add(account)
        return account
    except IntegrityError:
        return (await session.execute(query)).scalar_one()


async def issue_api_key(database: Database, *, name: str, role: str, account: str = "default") -> IssuedKey:
    """Create the account if it is new, and a key in it; the token exists only in the return value."""
    key_role = Role(role)
    prefix = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    async with database.writing() as session:
        owner = await get_or_create_account(session, account)
        key = ApiKey(
            account_id=owner.id, name=name, role=key_role.value, prefix=prefix, secret_sha256=_digest(secret)
        )
        session.add(key)
        await session.flush()
        return IssuedKey(key.id, owner.name, key_role, f"{KEY_PREFIX}_{prefix}_{secret}")


def split_token(token: str) -> tuple[str, str] | None:
    """`tt_<prefix>_<secret>` -> (prefix, secret), or None for anything else."""
    scheme, _, rest = token.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != KEY_PREFIX or not prefix or not secret:
        return None
    return prefix, secret


def secret_matches(secret: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(stored_sha256, _digest(secret))


async def verify_api_key(database: Database, token: str) -> Principal | None:
    parts = split_token(token)
    if parts is None:
        return None
    prefix, secret = parts
    row = await database.query_one(_ACTIVE_KEY, {"prefix": prefix})
    if row is None or not secret_matches(secret, row.secret_sha256):
        return None
    return Principal(account_id=row.account_id, key_id=row.id, role=Role(row.role))


async def list_api_keys(database: Database) -> list[KeyInfo]:
    async with database.reading() as session:
        rows = await session.execute(
            select(ApiKey, Account.name).join(Account, Account.id == ApiKey.account_id).order_by(ApiKey.id)
        )
        return [
            KeyInfo(key.id, key.name, account, Role(key.role), key.prefix, key.created_at, key.revoked_at)
            for key, account in rows.tuples()
        ]


async def revoke_api_key(database: Database, key: str) -> bool:
    """Revoke by id or by prefix; False when no such active key exists."""
    async with database.writing() as session:
        is_id = key.isascii() and key.isdigit() and int(key) <= INT32_MAX
        criterion = ApiKey.id == int(key) if is_id else ApiKey.prefix == key
        found = (
            await session.execute(select(ApiKey).where(criterion, ApiKey.revoked_at.is_(None)))
        ).scalar_one_or_none()
        if found is None:
            return False
        found.revoked_at = utcnow()
        return True


async def has_active_key(database: Database) -> bool:
    async with database.reading() as session:
        found = await session.execute(select(ApiKey.id).where(ApiKey.revoked_at.is_(None)).limit(1))
        return found.first() is not None
