"""Rate limits, with the `limits` library (fixed windows), answered 429 with `Retry-After` and the
`RateLimit-*` fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers).

- Failed authentication, per client address: on by default (`rate_limit_failed_auth`, 100 per minute). Only
  failures count, so a valid caller pays nothing; once an address is over, every worker that learns it refuses
  that address at once, before looking at its key, until the window ends.
- Requests per API key: off by default (`rate_limit_per_key`, e.g. "6000/minute"); it costs one storage
  round trip per request.

Counts live where every worker of a host, and every replica, sees them: in the service's own database by
default (a table of counters), or in Redis when `rate_limit_storage_url` is set (`redis://host:6379/0`),
which is faster under heavy per-key limits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import limits
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from sqlalchemy import Integer, String, bindparam, case, delete, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.orm import Mapped, mapped_column

from talent_training.db.base import Base, UTCDateTime, utcnow
from talent_training.db.database import Database
from talent_training.db.errors import DatabaseError
from talent_training.db.statements import Query
from talent_training.kit.problems import DomainError


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[Any] = mapped_column(UTCDateTime)


_KEY = bindparam("key", type_=String)
_NOW = bindparam("now", type_=UTCDateTime)
_ENDS = bindparam("ends", type_=UTCDateTime)
_AMOUNT = bindparam("amount", type_=Integer)
_fresh = RateLimitCounter.expires_at <= _NOW
# One statement: a new window, or the current one counted on. PostgreSQL's upsert, which SQLite compiles too.
_INCREMENT = Query(
    upsert(RateLimitCounter)
    .values(key=_KEY, count=_AMOUNT, expires_at=_ENDS)
    .on_conflict_do_update(
        index_elements=[RateLimitCounter.key],
        set_={
            "count": case((_fresh, _AMOUNT), else_=RateLimitCounter.count + _AMOUNT),
            "expires_at": case((_fresh, _ENDS), else_=RateLimitCounter.expires_at),
        },
    )
    .returning(RateLimitCounter.count)
)
_COUNTER = Query(
    select(RateLimitCounter.count, RateLimitCounter.expires_at).where(RateLimitCounter.key == _KEY, ~_fresh)
)
_CLEAR = Query(delete(RateLimitCounter).where(RateLimitCounter.key == _KEY))
_PURGE = Query(delete(RateLimitCounter).where(_fresh))


# An address as a trusted proxy forwarded it: an IPv6 address takes 45 characters; longer is nonsense, cut
# so that its counter's key fits (rate_limit_counters.key is 200 characters).
MAX_ADDRESS = 64


class DatabaseStorage(Storage):
    """`limits`' storage for fixed windows, in the service's database."""

    STORAGE_SCHEME = ["talent-training-database"]

    def __init__(self, database: Database) -> None:
        super().__init__()
        self._database = database

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return DatabaseError

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = utcnow()
        params = {"key": key, "amount": amount, "now": now, "ends": now + timedelta(seconds=expiry)}
        async with self._database.transaction() as tx:
            return int(await tx.value(_INCREMENT, params))

    async def get(self, key: str) -> int:
        async with self._database.read() as tx:
            row = await tx.one(_COUNTER, {"key": key, "now": utcnow()})
        return 0 if row is None else int(row.count)

    async def get_expiry(self, key: str) -> float:
        async with self._database.read() as tx:
            row = await tx.one(_COUNTER, {"key": key, "now": utcnow()})
        return time.time() if row is None else float(row.expires_at.timestamp())

    async def check(self) -> bool:
        return True

    async def reset(self) -> int | None:
        return None

    async def clear(self, key: str) -> None:
        async with self._database.transaction() as tx:
            await tx.execute(_CLEAR, {"key": key})


async def purge(database: Database) -> int:
    """Forget every counter whose window has ended."""
    async with database.transaction() as tx:
        return await tx.execute(_PURGE, {"now": utcnow()})


class TooManyRequests(DomainError):
    status = 429

    def __init__(self, detail: str, limit: limits.RateLimitItem, reset_at: float) -> None:
        super().__init__(detail)
        self.limit = limit
        self.reset_at = reset_at

    @property
    def headers(self) -> dict[str, str]:
        seconds = max(1, math.ceil(self.reset_at - time.time()))
        window = self.limit.get_expiry()
        return {
            "Retry-After": str(seconds),
            "RateLimit-Limit": str(self.limit.amount),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(seconds),
            "RateLimit-Policy": f"{self.limit.amount};w={window}",
        }


class CountsUnavailable(DomainError):
    """Where the counts are kept cannot be reached: the request cannot be counted, so it is not served."""

    status = 503

    def __init__(self) -> None:
        super().__init__("The rate limit counts cannot be reached; try again shortly.")

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class RateLimits:
    """What the request path asks: may this address still try a key, and may this key make a request."""

    def __init__(
        self,
        storage: Storage,
        failed_auth: str | None,
        per_key: str | None,
        *,
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self._limiter = FixedWindowRateLimiter(storage)
        self.close = close  # what the storage holds open (Redis connections)
        self._failed_auth = limits.parse(failed_auth) if failed_auth else None
        self.per_key = limits.parse(per_key) if per_key else None
        # Addresses known to be over their limit, and until when: refused without a round trip.
        self._blocked: dict[str, float] = {}

    async def _hit(self, limit: limits.RateLimitItem, *identifiers: str) -> bool:
        try:
            return await self._limiter.hit(limit, *identifiers)
        except StorageError as error:  # Redis away (the database's own errors are 503s already)
            raise CountsUnavailable() from error

    async def _stats(self, limit: limits.RateLimitItem, *identifiers: str) -> Any:
        try:
            return await self._limiter.get_window_stats(limit, *identifiers)
        except StorageError as error:
            raise CountsUnavailable() from error

    @property
    def blocking(self) -> bool:
        """Whether any address is refused now (most of the time none is: nothing to look up)."""
        return bool(self._blocked)

    def refuse_if_blocked(self, address: str) -> None:
        address = address[:MAX_ADDRESS]
        until = self._blocked.get(address)
        if until is None:
            return
        if until <= time.time():
            del self._blocked[address]
            return
        assert self._failed_auth is not None
        raise TooManyRequests(
            "Too many failed authentications from this address: wait.", self._failed_auth, until
        )

    async def failed_authentication(self, address: str) -> None:
        """Count a failure; over the limit, it is 429 rather than 401, and so is every try until it ends."""
        if self._failed_auth is None:
            return
        address = address[:MAX_ADDRESS]
        if not await self._hit(self._failed_auth, "failed-auth", address):
            stats = await self._stats(self._failed_auth, "failed-auth", address)
            if len(self._blocked) > 100_000:
                self._blocked.clear()
            self._blocked[address] = stats.reset_time
            self.refuse_if_blocked(address)

    async def request_by_key(self, prefix: str) -> None:
        if self.per_key is None:
            return
        if not await self._hit(self.per_key, "key", prefix):
            stats = await self._stats(self.per_key, "key", prefix)
            raise TooManyRequests("Too many requests with this key: wait.", self.per_key, stats.reset_time)
