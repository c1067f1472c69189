"""Users of the console, their sessions and their password-reset links.

A person is not an API key (accounts/): a user has an email, a name, a role and a password. One sign-in per
person across the service: `email_folded` is unique over every account, since an email is all a sign-in form
knows before any account is. Sessions and reset links are found by the SHA-256 of their token, likewise
before any account is known. These three unique keys are the exceptions, like api_keys' prefix, to the
account leading every unique key.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    column,
    table,
)
from sqlalchemy.orm import Mapped, mapped_column

from talent_training.db.base import Base, UTCDateTime


class UserRole(StrEnum):
    HR_ADMIN = "hr-admin"  # everything
    MANAGER = "manager"  # their team, through the directory's managers: linked to their own employee record
    AUDITOR = "auditor"  # reads everything, writes nothing


# ORs, not IN: PostgreSQL's text of `IN` on a varchar does not survive a dump and restore unchanged.
_KNOWN_ROLE = " OR ".join(f"role = '{role.value}'" for role in UserRole)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("account_id", "id"),
        # The employee is of the user's own account: another account's employee 416 is not theirs.
        ForeignKeyConstraint(["account_id", "employee_id"], ["employees.account_id", "employees.id"]),
        CheckConstraint(_KNOWN_ROLE, name="role"),
        CheckConstraint("role <> 'manager' OR employee_id IS NOT NULL", name="manager_employee"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    email: Mapped[str] = mapped_column(String(320))  # as given (trimmed), for display
    email_folded: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased: what signs in
    name: Mapped[str] = mapped_column(String(250))
    role: Mapped[str] = mapped_column(String(20))
    employee_id: Mapped[int | None] = mapped_column(Integer)
    # Argon2id (users/passwords.py); none until the user follows their reset link.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class UserSession(Base):
    """A signed-in browser; its token lives only in the browser's cookie."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        ForeignKeyConstraint(["account_id", "user_id"], ["users.account_id", "users.id"], ondelete="CASCADE"),
        Index("ix_user_sessions_user", "account_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Moved at most once a minute (users/service.py): the idle expiry is counted from it.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the absolute expiry, however active
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # signed out


class PasswordReset(Base):
    """A one-time link to set a password; a newer link for the same user voids this one."""

    __tablename__ = "password_resets"
    __table_args__ = (
        ForeignKeyConstraint(["account_id", "user_id"], ["users.account_id", "users.id"], ondelete="CASCADE"),
        Index("ix_password_resets_user", "account_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# accounts/ is this package's sibling, which it may not import (pyproject's layers): the two columns of its
# table that users are found and listed by.
accounts = table("accounts", column("id", Integer), column("name", String))
