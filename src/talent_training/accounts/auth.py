"""`Authorization: lucca application={api_key}`: the guard of the API mount (web/auth.py).

A key found valid is remembered by the process, so that a request costs no extra round trip for its key
(docs/architecture.md). A revocation still takes effect on the very next request: revoking (or any change
to `api_keys`, even by hand in psql) makes PostgreSQL NOTIFY every process, which forgets that key before
it serves another request that reads it. The memory is used only while that notification channel is known
to work: when its connection drops, everything remembered is forgotten, and keys are read from the
database on every request until it is back. SQLite has no such channel, so there keys are always read.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from talent_training.accounts.service import (
    Role,
    Rotated,
    StoredKey,
    find_active_key,
    note_use,
    revoke_api_key,
    rotate_api_key,
    secret_matches,
    split_token,
)
from talent_training.db.base import utcnow
from talent_training.db.database import Database, Listener, Tx
from talent_training.kit.problems import Unauthenticated
from talent_training.web.auth import Permission
from talent_training.web.request import Request

SCHEME = "lucca application="
# Migration 0002's triggers send the prefix of every api_keys row that changes on this channel, or
# EVERY_KEY when the table is truncated.
KEYS_CHANGED = "api_keys_changed"
EVERY_KEY = "*"
# Each serving process answers there `<its listening connection's pid> <prefix>` once it has forgotten a key
# (and `<pid> *` when it starts listening, having forgotten them all): what `revoke_everywhere` waits for.
KEYS_FORGOTTEN = "api_keys_forgotten"
MAX_REMEMBERED = 10_000
USE_RESOLUTION_S = 60  # lastUsedAt is to the minute
T = TypeVar("T")
logger = logging.getLogger("talent_training")


@dataclass(frozen=True, slots=True)
class KeyPrincipal:
    account_id: int
    key_id: int
    role: Role
    prefix: str
    expires_at: datetime | None = None

    @property
    def actor(self) -> str:
        return f"key:{self.prefix}"

    @property
    def description(self) -> str:
        return f"a {self.role.value} key"

    def allows(self, permission: Permission) -> bool:
        return self.role is Role.WRITE or permission is Permission.READ


def key_in(header: str) -> str | None:
    """The key in `lucca application={api_key}` (scheme in any letter case), or None."""
    if not header.lower().startswith(SCHEME):
        return None
    return header[len(SCHEME) :].strip()


class RememberedKeys:
    """Valid keys by prefix, with what proves them (the secret's digest) and who they are."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, KeyPrincipal]] = {}
        # Bumped by every eviction: a key read before an eviction is not remembered after it, or a
        # revocation that arrived while it was being read would be undone.
        self.generation = 0

    def get(self, prefix: str) -> tuple[str, KeyPrincipal] | None:  # (secret's digest, who)
        return self._keys.get(prefix)

    def remember(self, prefix: str, digest: str, principal: KeyPrincipal, generation: int) -> None:
        if generation != self.generation:
            return
        if len(self._keys) >= MAX_REMEMBERED:
            self._keys.clear()
        self._keys[prefix] = (digest, principal)

    def forget(self, prefix: str) -> None:
        if prefix == EVERY_KEY:
            self.forget_all()
            return
        self.generation += 1
        self._keys.pop(prefix, None)

    def forget_all(self) -> None:
        self.generation += 1
        self._keys.clear()


class ApiKeyGuard:
    def __init__(self, database: Database, *, remember: bool = True) -> None:
        self._database = database
        self._remembered = RememberedKeys()
        self._listener: Listener | None = None
        # Without memory, nothing ever listens, so keys are read on every request.
        self._listening_started = not remember
        self._used: dict[int, float] = {}  # key id -> when its use was last written (monotonic)
        self._writing: set[asyncio.Task[None]] = set()

    @property
    def listener(self) -> Listener | None:
        return self._listener

    @property
    def remembering(self) -> bool:
        return self._listener is not None and self._listener.listening

    def remembers(self, prefix: str) -> bool:
        return self._remembered.get(prefix) is not None

    async def authenticate(self, request: Request) -> KeyPrincipal:
        header = request.headers.get("authorization")
        if header is None:
            raise Unauthenticated("Send the header Authorization: lucca application={api_key}.")
        token = key_in(header)
        parts = split_token(token) if token is not None else None
        if parts is None:
            raise Unauthenticated("The Authorization header must read: lucca application={api_key}.")
        prefix, secret = parts
        if not self._listening_started:
            self._start_listening()
        remembered = self._remembered.get(prefix) if self.remembering else None
        if remembered is None:
            generation = self._remembered.generation
            async with self._database.read() as tx:
                stored = await find_active_key(tx, prefix)
            if stored is None or not secret_matches(secret, stored.secret_sha256):
                raise Unauthenticated("The API key is unknown or revoked.")
            principal = _principal(prefix, stored)
            if self.remembering:
                self._remembered.remember(prefix, stored.secret_sha256, principal, generation)
        else:
            digest, principal = remembered
            if not secret_matches(secret, digest):
                raise Unauthenticated("The API key is unknown or revoked.")
        if principal.expires_at is not None and principal.expires_at <= utcnow():
            raise Unauthenticated("The API key has expired.")
        self._note_use(principal.key_id)
        return principal

    def _note_use(self, key_id: int) -> None:
        """`lastUsedAt`, written at most once a minute per key and process, after the answer, off the request:
        a write on every request would cost more than the request."""
        now = time.monotonic()
        if now - self._used.get(key_id, -USE_RESOLUTION_S) < USE_RESOLUTION_S:
            return
        self._used[key_id] = now
        if len(self._used) > MAX_REMEMBERED:
            self._used.clear()
        task = asyncio.get_running_loop().create_task(self._write_use(key_id), context=contextvars.Context())
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _write_use(self, key_id: int) -> None:
        try:
            async with self._database.transaction() as tx:
                await note_use(tx, key_id)
        except Exception:  # the database may be away: the next use will say it
            logger.debug("could not note the use of key %s", key_id, exc_info=True)

    async def close(self) -> None:
        """Let the uses being written finish (they take one short statement)."""
        await asyncio.gather(*self._writing, return_exceptions=True)

    def _start_listening(self) -> None:
        self._listening_started = True
        self._listener = self._database.listen(
            KEYS_CHANGED, self._remembered.forget, self._remembered.forget_all, acknowledge_on=KEYS_FORGOTTEN
        )


async def revoke_everywhere(
    database: Database, key: str, *, by: str, account_id: int | None = None, patience_s: float = 5
) -> str | None:
    """Revoke a key (by id or prefix; of `account_id` only, when given) and return once every serving
    process has forgotten it, so that every request sent afterwards is refused. The key's prefix, or None
    when there is no such active key."""
    return await forget_everywhere(
        database,
        lambda tx: revoke_api_key(tx, key, by=by, account_id=account_id),
        lambda prefix: prefix,
        patience_s=patience_s,
    )


async def rotate_everywhere(
    database: Database, key: str, *, by: str, grace: timedelta | None = None, patience_s: float = 5
) -> Rotated | None:
    """`rotate_api_key`; when the old key is revoked at once, returns once every serving process has
    forgotten it, as `revoke_everywhere` does."""
    return await forget_everywhere(
        database,
        lambda tx: rotate_api_key(tx, key, by=by, grace=grace),
        lambda rotated: rotated.revoked if rotated is not None else None,
        patience_s=patience_s,
    )


async def forget_everywhere(
    database: Database,
    change: Callable[[Tx], Awaitable[T]],
    revoked: Callable[[T], str | None],
    *,
    patience_s: float = 5,
) -> T:
    """Commit `change` and, if it revoked a key (`revoked` says its prefix), return once every serving
    process has forgotten that key.

    Every process remembering keys listens with a connection of its own and says on KEYS_FORGOTTEN when it
    has acted on a notice; this waits for each process listening when the change committed (a process that
    starts listening later remembers nothing yet). A process that does not answer within `patience_s` (hung,
    or cut off: it then forgets everything by itself) delays the answer, never the revocation."""
    forgotten: dict[int, set[str]] = {}
    answered = asyncio.Event()

    def note(payload: str) -> None:
        process, _, prefix = payload.partition(" ")
        if process.isdigit():
            forgotten.setdefault(int(process), set()).add(prefix)
            answered.set()

    listener = database.listen(KEYS_FORGOTTEN, note, lambda: None)
    try:
        # Listen first, or an answer could pass before anyone hears it.
        if listener is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(patience_s):
                    while not listener.listening:  # noqa: ASYNC110 -- the listener's task sets it
                        await asyncio.sleep(0.01)
        processes = await _listening_processes(database)
        async with database.transaction() as tx:
            outcome = await change(tx)
        prefix = revoked(outcome)
        if prefix is None or listener is None or not listener.listening:
            return outcome

        def waiting() -> set[int]:
            return {p for p in processes if not forgotten.get(p, set()) & {prefix, EVERY_KEY}}

        try:
            async with asyncio.timeout(patience_s):
                while waiting():
                    answered.clear()
                    await answered.wait()
        except TimeoutError:
            logger.warning(
                "key %s is revoked, but %d serving process(es) did not say within %g s that they forgot it",
                prefix,
                len(waiting()),
                patience_s,
            )
        return outcome
    finally:
        if listener is not None:
            await listener.close()


async def _listening_processes(database: Database) -> set[int]:
    try:
        return await database.acknowledging(KEYS_CHANGED)
    except Exception:  # not knowing whom to wait for delays nobody; the revocation itself says if it fails
        logger.debug("could not list the processes listening for key changes", exc_info=True)
        return set()


def _principal(prefix: str, stored: StoredKey) -> KeyPrincipal:
    return KeyPrincipal(stored.account_id, stored.id, stored.role, prefix, stored.expires_at)
