"""Lucca paging: `limit`, a 0-based page index or an opaque cursor, and the `fields.root` envelope.

Cursors are keyset positions (`after:<id>` / `before:<id>`, and for a list sorted by something else than
its id, the sort's name and the row's value of it) signed with a per-database secret, so that they survive
inserts and a tampered one is refused rather than silently followed.
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


INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Cursor:
    direction: Literal["after", "before"]
    key: int
    sort: str = ""  # the sort it belongs to, when not by id ascending
    sort_key: int = 0  # that row's value of the sort, as an integer


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
        position = f"{cursor.direction[0]}{cursor.key}"
        if cursor.sort:
            position += f"|{cursor.sort}|{cursor.sort_key}"
        payload = position.encode()
        return base64.urlsafe_b64encode(payload + b"." + self._mac(payload)).rstrip(b"=").decode()

    def decode(self, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError) as exc:
            raise _bad_page() from exc
        # The MAC has a fixed length; the payload may hold a dot (`prioritization.level`).
        payload, dot, mac = raw[: -_MAC_BYTES - 1], raw[-_MAC_BYTES - 1 : -_MAC_BYTES], raw[-_MAC_BYTES:]
        if dot != b"." or not hmac.compare_digest(mac, self._mac(payload)):
            raise _bad_page()
        direction = {b"a": "after", b"b": "before"}.get(payload[:1])
        key, *sorted_by = payload[1:].decode("ascii", "replace").split("|")
        if direction is None or not int32_digits(key) or int(key) > INT32_MAX:
            raise _bad_page()
        sort, sort_key = "", 0
        if sorted_by:
            if len(sorted_by) != 2 or not _int64(sorted_by[1]):
                raise _bad_page()
            sort, sort_key = sorted_by[0], int(sorted_by[1])
        return Cursor("after" if direction == "after" else "before", int(key), sort, sort_key)


def _int64(text: str) -> bool:
    digits = text.removeprefix("-")
    return 0 < len(digits) <= 19 and digits.isascii() and digits.isdigit() and abs(int(text)) <= INT64_MAX


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
        if not int32_digits(page):
            raise _bad_page()
        if int(page) * limit > INT32_MAX:
            raise RuleViolation(
                "page", f"is too far: page x limit must be at most {INT32_MAX} (follow next cursors instead)"
            )
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


@dataclass(frozen=True, slots=True)
class Sort:
    """A list's `sort`: a field as the client names it (`createdAt`), `-` before it for descending."""

    field: str = "id"
    descending: bool = False

    @property
    def name(self) -> str:
        return f"-{self.field}" if self.descending else self.field


def parse_sort(value: str | None, allowed: tuple[str, ...]) -> Sort:
    if value is None or value == "":
        return Sort()
    field = value.removeprefix("-")
    if field not in allowed:
        choices = ", ".join(allowed)
        raise RuleViolation("sort", f"must be one of {choices}, each with '-' before it for descending order")
    return Sort(field, value.startswith("-"))
