"""Who a session is, as the request path sees it: the account, the actor, and what the role allows."""

from __future__ import annotations

import pytest

from talent_training.accounts.service import existing_account
from talent_training.app import TalentTraining
from talent_training.console.auth import SessionGuard, SignInNeeded, UserPrincipal
from talent_training.web.auth import Permission
from talent_training.web.request import Request
from tests.console.conftest import Browser


async def _principal(app: TalentTraining, token: str | None) -> UserPrincipal:
    headers = [(b"cookie", f"tt_session={token}".encode())] if token is not None else []
    scope = {"type": "http", "method": "GET", "path": "/console", "headers": headers, "query_string": b""}
    scope["talent_training"] = app.state
    return await SessionGuard().authenticate(Request(scope))


@pytest.mark.parametrize(
    ("role", "writes", "description"),
    [("hr-admin", True, "an HR administrator"), ("auditor", False, "an auditor")],
)
async def test_a_sessions_principal(
    app: TalentTraining, signed_in: Browser, role: str, writes: bool, description: str
) -> None:
    client = await signed_in(role, "Ana@Example.com")
    principal = await _principal(app, client.cookies["tt_session"])

    assert principal.actor == "user:Ana@Example.com"
    assert principal.role == role
    assert principal.description == description
    assert principal.allows(Permission.READ)
    assert principal.allows(Permission.WRITE) is writes
    async with app.database.read() as tx:
        assert principal.account_id == await existing_account(tx, "default")


@pytest.mark.parametrize("token", [None, "", "unknown-token", "x" * 5000])
async def test_no_live_session_is_no_principal(app: TalentTraining, token: str | None) -> None:
    with pytest.raises(SignInNeeded):
        await _principal(app, token)
