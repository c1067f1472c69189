"""Lucca paging: `limit`, a 0-based page index or an opaque cursor, and the `fields.root` envelope.

Cursors are keyset positions (`after:<id>` / `before:<id>`) signed with a per-database secret, so that
they survive inserts and a tampered one is refused rather than silently followed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import INT32_MAX, int32_digits

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_MAC_BYTES = 12

T = TypeVar("T")


class RootField(StrEnum):
    COUNT = "count"
    PREV = "prev"
    NEXT = "next"


@dataclass(frozen=True, slots=True)
class Cursor:
    direction: Literal["after", "before"]
    key: int


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    index: int = 0
    cursor: Cursor | None = None
    fields: frozenset[RootField] = frozenset()

    @property
    def offset(self) -> int:
        return self.index * self.limit


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    prev: Cursor | None
    next: Cursor | None
    count: int | None


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, cursor: Cursor) -> str:
        payload = f"{cursor.direction[0]}{cursor.key}".encode()
        return base64.urlsafe_b64encode(payload + b"." + self._mac(payload)).rstrip(b"=").decode()

    def decode(self, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError) as exc:
            raise _bad_page() from exc
        payload, _, mac = raw.partition(b".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise _bad_page()
        direction = {b"a": "after", b"b": "before"}.get(payload[:1])
        key = payload[1:]
        if direction is None or not int32_digits(key.decode("ascii", "replace")) or int(key) > INT32_MAX:
            raise _bad_page()
        return Cursor("after" if direction == "after" else "before", int(key))


def _bad_page() -> RuleViolation:
    return RuleViolation("page", "must be a 0-based page index or a cursor taken from prev or next")


def parse_fields_root(values: list[str] | None) -> frozenset[RootField]:
    fields: set[RootField] = set()
    for value in values or []:
        for name in value.split(","):
            try:
                fields.add(RootField(name.strip()))
            except ValueError:
                raise RuleViolation(
                    "fields.root", f"unknown value {name.strip()!r}: use count, prev and next"
                ) from None
    return frozenset(fields)


def parse_page_request(
    page: str | None, limit: int, fields_root: list[str] | None, codec: CursorCodec
) -> PageRequest:
    fields = parse_fields_root(fields_root)
    if page is None or page == "":
        return PageRequest(limit=limit, fields=fields)
    if page.isascii() and page.isdigit():
        # The offset (index * limit) is a 32-bit integer on every database.
        if not int32_digits(page) or int(page) * limit > INT32_MAX:
            raise _bad_page()
        return PageRequest(limit=limit, index=int(page), fields=fields)
    return PageRequest(limit=limit, cursor=codec.decode(page), fields=fields)


def envelope(items: list[Any], page: Page[Any], request: PageRequest, codec: CursorCodec) -> dict[str, Any]:
    body: dict[str, Any] = {"items": items}
    if RootField.PREV in request.fields:
        body["prev"] = codec.encode(page.prev) if page.prev else None
    if RootField.NEXT in request.fields:
        body["next"] = codec.encode(page.next) if page.next else None
    if RootField.COUNT in request.fields:
        body["count"] = page.count
    return body
