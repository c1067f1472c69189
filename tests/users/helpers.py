"""Users and raw reads of what is stored, for the users' tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, bindparam, select

from talent_training.app import TalentTraining
from talent_training.db.database import Tx
from talent_training.db.statements import Query
from talent_training.users import service
from talent_training.users.tables import PasswordReset, User, UserSession

PASSWORD = "correct horse battery staple"

_USER = Query(
    select(User.email, User.email_folded, User.password_hash).where(User.id == bindparam("id", type_=Integer))
)
_SESSION = Query(
    select(
        UserSession.account_id,
        UserSession.user_id,
        UserSession.token_sha256,
        UserSession.created_at,
        UserSession.last_seen_at,
        UserSession.expires_at,
        UserSession.ended_at,
    ).where(UserSession.id == bindparam("id", type_=Integer))
)
_RESETS = Query(select(PasswordReset.token_sha256, PasswordReset.used_at).order_by(PasswordReset.id))


async def create(tx: Tx, email: str = "ana@example.com", **overrides: Any) -> int:
    arguments: dict[str, Any] = {
        "account": "default",
        "name": "Ana Lima",
        "role": "hr-admin",
        "employee_id": None,
        "password": PASSWORD,
        "by": "test",
    }
    return await service.create_user(tx, email=email, **(arguments | overrides))


async def create_user(app: TalentTraining, email: str = "ana@example.com", **overrides: Any) -> int:
    async with app.database.transaction() as tx:
        return await create(tx, email, **overrides)


async def stored_user(app: TalentTraining, user_id: int) -> Any:
    async with app.database.read() as tx:
        return await tx.one(_USER, {"id": user_id})


async def stored_session(app: TalentTraining, session_id: int) -> Any:
    async with app.database.read() as tx:
        return await tx.one(_SESSION, {"id": session_id})


async def stored_resets(app: TalentTraining) -> list[Any]:
    async with app.database.read() as tx:
        return await tx.all(_RESETS)
