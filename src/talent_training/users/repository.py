"""The statements of users, sessions and reset links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, delete, insert, null, or_, select, update

from talent_training.db.base import UTCDateTime
from talent_training.db.database import Tx
from talent_training.db.paging import Paged, paginate
from talent_training.db.statements import Query
from talent_training.kit.paging import Page, PageRequest
from talent_training.users.tables import PasswordReset, User, UserSession, accounts

_NOW = bindparam("now", type_=UTCDateTime)
_ACCOUNT_ID = bindparam("account_id", type_=Integer)
_USER_ID = bindparam("user_id", type_=Integer)
_TOKEN = bindparam("token_sha256", type_=String)
_OF_THE_USER = (UserSession.account_id == _ACCOUNT_ID, UserSession.user_id == _USER_ID)

_ACCOUNT_NAMED = Query(select(accounts.c.id).where(accounts.c.name == bindparam("name", type_=String)))
_ACCOUNT_WITH_ID = Query(select(accounts.c.id).where(accounts.c.id == _ACCOUNT_ID))
_USER_COLUMNS = (User.id, User.account_id, User.email, User.name, User.role, User.employee_id)
_USER_BY_EMAIL = Query(
    select(*_USER_COLUMNS, User.password_hash).where(
        User.email_folded == bindparam("email_folded", type_=String)
    )
)
_USER_BY_ID = Query(select(*_USER_COLUMNS).where(User.id == _USER_ID))
_ANY_USER = Query(select(User.id).limit(1))
_NEW_USER = Query(
    insert(User)
    .values(
        account_id=_ACCOUNT_ID,
        email=bindparam("email", type_=String),
        email_folded=bindparam("email_folded", type_=String),
        name=bindparam("name", type_=String),
        role=bindparam("role", type_=String),
        employee_id=bindparam("employee_id", type_=Integer),
        password_hash=bindparam("password_hash", type_=String),
        created_at=_NOW,
        updated_at=_NOW,
    )
    .returning(User.id)
)
_LISTED = select(
    User.id,
    accounts.c.name.label("account"),
    User.email,
    User.name,
    User.role,
    User.employee_id,
    User.password_hash.is_not(None).label("has_password"),
    User.created_at,
).join(accounts, accounts.c.id == User.account_id)
_USERS = Query(_LISTED.order_by(accounts.c.name, User.email_folded))
_USERS_OF = Query(_LISTED.where(User.account_id == _ACCOUNT_ID).order_by(User.email_folded))
_USER_LISTED = Query(_LISTED.where(User.email_folded == bindparam("email_folded", type_=String)))
_OF_ACCOUNT = User.account_id == _ACCOUNT_ID
# The console's pages of an account's users, by id (the order they were created in).
_USERS_PAGED = Paged(_LISTED.where(_OF_ACCOUNT), User.id, base=select(User.id).where(_OF_ACCOUNT))
_USER_IN_ACCOUNT = Query(_LISTED.where(_OF_ACCOUNT, User.id == _USER_ID))
# Every HR administrator of the account, locked until the transaction ends (PostgreSQL; SQLite serialises
# writes anyway): of two demotions at once, the second sees the first's outcome, so one administrator stays.
_HR_ADMINS = Query(
    select(User.id)
    .where(_OF_ACCOUNT, User.role == bindparam("role", type_=String))
    .order_by(User.id)
    .with_for_update()
)
_SET_ROLE = Query(
    update(User)
    .where(_OF_ACCOUNT, User.id == _USER_ID)
    .values(
        role=bindparam("role", type_=String),
        employee_id=bindparam("employee_id", type_=Integer),
        updated_at=_NOW,
    )
)
_SET_PASSWORD = Query(
    update(User)
    .where(User.account_id == _ACCOUNT_ID, User.id == _USER_ID)
    .values(password_hash=bindparam("password_hash", type_=String), updated_at=_NOW)
)

_NEW_SESSION = Query(
    insert(UserSession)
    .values(
        account_id=_ACCOUNT_ID,
        user_id=_USER_ID,
        token_sha256=_TOKEN,
        created_at=_NOW,
        last_seen_at=_NOW,
        expires_at=bindparam("expires_at", type_=UTCDateTime),
        ended_at=null(),
    )
    .returning(UserSession.id)
)
_SESSION = Query(
    select(
        UserSession.id.label("session_id"),
        UserSession.last_seen_at,
        UserSession.expires_at,
        *_USER_COLUMNS,
    )
    .join(User, and_(User.account_id == UserSession.account_id, User.id == UserSession.user_id))
    .where(UserSession.token_sha256 == _TOKEN, UserSession.ended_at.is_(None))
)
_SEEN = Query(
    update(UserSession)
    .where(UserSession.id == bindparam("session_id", type_=Integer))
    .values(last_seen_at=_NOW)
)
_END_SESSION = Query(
    update(UserSession)
    .where(UserSession.token_sha256 == _TOKEN, UserSession.ended_at.is_(None))
    .values(ended_at=_NOW)
)
_IDLE_SINCE = bindparam("idle_since", type_=UTCDateTime)
_END_LIVE_SESSIONS = Query(
    update(UserSession)
    .where(
        *_OF_THE_USER,
        UserSession.ended_at.is_(None),
        UserSession.expires_at > _NOW,
        UserSession.last_seen_at > _IDLE_SINCE,
    )
    .values(ended_at=_NOW)
)
_FORGET_DEAD_SESSIONS = Query(
    delete(UserSession).where(
        *_OF_THE_USER,
        or_(
            UserSession.ended_at.is_not(None),
            UserSession.expires_at <= _NOW,
            UserSession.last_seen_at <= _IDLE_SINCE,
        ),
    )
)

_FORGET_RESETS = Query(
    delete(PasswordReset).where(PasswordReset.account_id == _ACCOUNT_ID, PasswordReset.user_id == _USER_ID)
)
_NEW_RESET = Query(
    insert(PasswordReset)
    .values(
        account_id=_ACCOUNT_ID,
        user_id=_USER_ID,
        token_sha256=_TOKEN,
        created_at=_NOW,
        expires_at=bindparam("expires_at", type_=UTCDateTime),
        used_at=null(),
    )
    .returning(PasswordReset.id)
)
# Used in the statement that finds it: of two uses at once, one finds it unused.
_USE_RESET = Query(
    update(PasswordReset)
    .where(
        PasswordReset.token_sha256 == _TOKEN, PasswordReset.used_at.is_(None), PasswordReset.expires_at > _NOW
    )
    .values(used_at=_NOW)
    .returning(PasswordReset.account_id, PasswordReset.user_id)
)


async def account_named(tx: Tx, name: str) -> int | None:
    found = await tx.value(_ACCOUNT_NAMED, {"name": name})
    return None if found is None else int(found)


async def account_exists(tx: Tx, account_id: int) -> bool:
    return await tx.value(_ACCOUNT_WITH_ID, {"account_id": account_id}) is not None


async def user_by_email(tx: Tx, email_folded: str) -> Any:
    return await tx.one(_USER_BY_EMAIL, {"email_folded": email_folded})


async def user_by_id(tx: Tx, user_id: int) -> Any:
    return await tx.one(_USER_BY_ID, {"user_id": user_id})


async def any_user(tx: Tx) -> bool:
    return await tx.one(_ANY_USER) is not None


async def insert_user(tx: Tx, values: dict[str, Any]) -> int:
    return int(await tx.value(_NEW_USER, values))


async def users(tx: Tx, account_id: int | None) -> list[Any]:
    if account_id is None:
        return await tx.all(_USERS)
    return await tx.all(_USERS_OF, {"account_id": account_id})


async def listed_user(tx: Tx, email_folded: str) -> Any:
    return await tx.one(_USER_LISTED, {"email_folded": email_folded})


async def users_page(tx: Tx, account_id: int, request: PageRequest) -> Page[Any]:
    return await paginate(tx, _USERS_PAGED, {"account_id": account_id}, request)


async def user_in_account(tx: Tx, account_id: int, user_id: int) -> Any:
    return await tx.one(_USER_IN_ACCOUNT, {"account_id": account_id, "user_id": user_id})


async def locked_users_with_role(tx: Tx, account_id: int, role: str) -> list[int]:
    return [int(row.id) for row in await tx.all(_HR_ADMINS, {"account_id": account_id, "role": role})]


async def set_role(
    tx: Tx, account_id: int, user_id: int, role: str, employee_id: int | None, now: datetime
) -> None:
    values = {
        "account_id": account_id,
        "user_id": user_id,
        "role": role,
        "employee_id": employee_id,
        "now": now,
    }
    await tx.execute(_SET_ROLE, values)


async def set_password_hash(tx: Tx, account_id: int, user_id: int, password_hash: str, now: datetime) -> None:
    values = {"account_id": account_id, "user_id": user_id, "password_hash": password_hash, "now": now}
    await tx.execute(_SET_PASSWORD, values)


async def insert_session(
    tx: Tx, account_id: int, user_id: int, token_sha256: str, now: datetime, expires_at: datetime
) -> int:
    values = {
        "account_id": account_id,
        "user_id": user_id,
        "token_sha256": token_sha256,
        "now": now,
        "expires_at": expires_at,
    }
    return int(await tx.value(_NEW_SESSION, values))


async def live_session(tx: Tx, token_sha256: str) -> Any:
    """The session not signed out, with its user; whether it has expired is the caller's to say."""
    return await tx.one(_SESSION, {"token_sha256": token_sha256})


async def note_seen(tx: Tx, session_id: int, now: datetime) -> None:
    await tx.execute(_SEEN, {"session_id": session_id, "now": now})


async def end_session(tx: Tx, token_sha256: str, now: datetime) -> None:
    await tx.execute(_END_SESSION, {"token_sha256": token_sha256, "now": now})


async def end_live_sessions(
    tx: Tx, account_id: int, user_id: int, now: datetime, idle_since: datetime
) -> int:
    values = {"account_id": account_id, "user_id": user_id, "now": now, "idle_since": idle_since}
    return await tx.execute(_END_LIVE_SESSIONS, values)


async def forget_dead_sessions(
    tx: Tx, account_id: int, user_id: int, now: datetime, idle_since: datetime
) -> None:
    values = {"account_id": account_id, "user_id": user_id, "now": now, "idle_since": idle_since}
    await tx.execute(_FORGET_DEAD_SESSIONS, values)


async def replace_reset(
    tx: Tx, account_id: int, user_id: int, token_sha256: str, now: datetime, expires_at: datetime
) -> None:
    """The user's only reset link from now on."""
    await tx.execute(_FORGET_RESETS, {"account_id": account_id, "user_id": user_id})
    values = {
        "account_id": account_id,
        "user_id": user_id,
        "token_sha256": token_sha256,
        "now": now,
        "expires_at": expires_at,
    }
    await tx.value(_NEW_RESET, values)


async def use_reset(tx: Tx, token_sha256: str, now: datetime) -> Any:
    """(account_id, user_id) of the link, now used; None when it is unknown, used or expired."""
    return await tx.one(_USE_RESET, {"token_sha256": token_sha256, "now": now})
