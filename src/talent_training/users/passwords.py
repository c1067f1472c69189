"""Passwords: Argon2id with argon2-cffi's defaults, checked in constant time, never stored or logged in clear.

A hash costs tens of milliseconds and 64 MiB (the defaults): it runs in a worker thread, so that the event
loop keeps serving meanwhile, and at most HASHING_AT_ONCE run at a time, so that a burst of sign-ins cannot
exhaust memory. An unknown email is checked against a dummy hash, so that it costs what a wrong password
costs: the time of an answer does not tell which emails have an account.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import storable_text

MIN_LENGTH = 12
MAX_LENGTH = 1024
HASHING_AT_ONCE = 4

_hasher = PasswordHasher()
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)


@dataclass(frozen=True, slots=True)
class Verdict:
    matches: bool
    rehashed: str | None = None  # the password's new hash, when the stored one used older parameters


def check(password: str) -> None:
    """The rules a new password must follow; RuleViolation naming `password` otherwise (never quoting it)."""
    if len(password) < MIN_LENGTH:
        raise RuleViolation("password", f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise RuleViolation("password", f"must be at most {MAX_LENGTH} characters long")
    try:
        storable_text(password)
    except ValueError as error:
        raise RuleViolation("password", str(error)) from None


async def hashed(password: str) -> str:
    return await asyncio.to_thread(_hash, password)


async def verify(stored: str | None, password: str) -> Verdict:
    """Whether `password` is the one `stored` was made from; with no stored hash (unknown email, no password
    set yet), a dummy one is checked all the same, and the answer is no."""
    return await asyncio.to_thread(_verify, stored, password)


def _hash(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def _verify(stored: str | None, password: str) -> Verdict:
    with _hashing:
        dummy = _dummy()  # made by the first sign-in of any kind, not only by the first unknown email's
        try:
            _hasher.verify(stored or dummy, password)
        except (VerificationError, InvalidHashError, UnicodeEncodeError):
            return Verdict(matches=False)
        if stored is None:
            return Verdict(matches=False)
        if _hasher.check_needs_rehash(stored):
            return Verdict(matches=True, rehashed=_hasher.hash(password))
        return Verdict(matches=True)


@functools.cache
def _dummy() -> str:
    return _hasher.hash(secrets.token_urlsafe(32))
