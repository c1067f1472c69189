"""Who calls, as the request path sees it: a `Guard` turns a request into a `Principal` or refuses it.

A `Mount` (web/routing.py) names its guard once for every route under it, so a route cannot forget it;
each route names the permission it needs (read for GET, write otherwise, unless it says more).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from talent_training.web.request import Request


class Permission(StrEnum):
    READ = "read"
    WRITE = "write"


class Principal(Protocol):
    @property
    def account_id(self) -> int: ...

    @property
    def actor(self) -> str:
        """Who, in logs and the audit trail, never a secret: `key:<prefix>`, later `user:<email>`."""
        ...

    @property
    def description(self) -> str:
        """What the caller is, in a refusal: "a read key"."""
        ...

    def allows(self, permission: Permission) -> bool: ...


class Guard(Protocol):
    async def authenticate(self, request: Request) -> Principal:
        """The caller, or `Unauthenticated` (401)."""
        ...
