"""The `Authorization: lucca application={api_key}` check, as a FastAPI dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from talent_training.accounts.service import Principal, Role, verify_api_key
from talent_training.kit.problems import Forbidden, Unauthenticated

_SCHEME = "lucca application="
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token(header: str) -> str | None:
    """The key in `lucca application={api_key}` (scheme in any letter case), or None."""
    if not header.lower().startswith(_SCHEME):
        return None
    return header[len(_SCHEME) :].strip()


async def authenticate(request: Request) -> Principal:
    header = request.headers.get("authorization")
    if header is None:
        raise Unauthenticated("Send the header Authorization: lucca application={api_key}.")
    token = bearer_token(header)
    if token is None:
        raise Unauthenticated("The Authorization header must read: lucca application={api_key}.")
    principal = await verify_api_key(request.app.state.database, token)
    if principal is None:
        raise Unauthenticated("The API key is unknown or revoked.")
    if principal.role is not Role.WRITE and request.method not in _READ_METHODS:
        raise Forbidden(f"A {principal.role.value} key may not {request.method}: a write key is needed.")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
