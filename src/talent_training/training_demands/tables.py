"""Training demands. The owner's department and establishment are copied onto each demand (and kept in step
by the employee's `PUT`), so that Lucca's list filtered by department and sorted by priority is one index
range, not a join over 50,000 employees (docs/decisions.md)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from talent_training.db.base import Base, UTCDateTime


class TrainingDemand(Base):
    __tablename__ = "training_demands"
    __table_args__ = (
        UniqueConstraint("account_id", "id"),
        ForeignKeyConstraint(["account_id", "owner_id"], ["employees.account_id", "employees.id"]),
        ForeignKeyConstraint(["account_id", "author_id"], ["employees.account_id", "employees.id"]),
        ForeignKeyConstraint(["account_id", "training_id"], ["trainings.account_id", "trainings.id"]),
        ForeignKeyConstraint(["account_id", "plan_id"], ["plans.account_id", "plans.id"]),
        ForeignKeyConstraint(
            ["account_id", "session_id"], ["training_sessions.account_id", "training_sessions.id"]
        ),
        CheckConstraint("prioritization_rank BETWEEN 0 AND 3", name="rank"),
        # A session exactly while registered on it or realized from it. Not `IN`: PostgreSQL does not read
        # back its own rendering of an IN on varchar the same, so a restored schema would differ.
        CheckConstraint(
            "(session_id IS NOT NULL) = (state = 'Registered' OR state = 'Realized')", name="session"
        ),
        # Behind each filter and sort of Lucca's list, ending with the id for keyset pages.
        Index("ix_training_demands_owner", "account_id", "owner_id", "id"),
        # One registration of an employee per session, whatever the demand: both could not be recorded
        # (realized trainings are unique per employee, training and last day).
        Index(
            "uq_training_demands_owner_session",
            "account_id",
            "owner_id",
            "session_id",
            unique=True,
            postgresql_where=text("state = 'Registered'"),
            sqlite_where=text("state = 'Registered'"),
        ),
        # Nor on two sessions of one training that end the same day, for the same reason. A session moved to
        # another day moves its demands' day with it (a trigger, migration 0010), so a move is refused too.
        Index(
            "uq_training_demands_owner_training_ends_on",
            "account_id",
            "owner_id",
            "training_id",
            "session_ends_on",
            unique=True,
            postgresql_where=text("state = 'Registered'"),
            sqlite_where=text("state = 'Registered'"),
        ),
        Index("ix_training_demands_training", "account_id", "training_id", "id"),
        Index("ix_training_demands_session", "account_id", "session_id", "id"),
        Index("ix_training_demands_state", "account_id", "state", "id"),
        Index("ix_training_demands_rank", "account_id", "prioritization_rank", "id"),
        Index("ix_training_demands_created", "account_id", "created_at", "id"),
        Index(
            "ix_training_demands_department_rank",
            "account_id",
            "owner_department_id",
            "prioritization_rank",
            "id",
        ),
        Index(
            "ix_training_demands_establishment_rank",
            "account_id",
            "owner_establishment_id",
            "prioritization_rank",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    owner_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(Integer)
    training_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    plan_id: Mapped[int | None] = mapped_column(Integer)
    session_id: Mapped[int | None] = mapped_column(Integer)
    # The session's last day while the demand is registered on it (register sets it, the trigger moves it with
    # the session, unregistering and attendance clear it); None otherwise, and for a registration older than
    # migration 0010 that paired with another.
    session_ends_on: Mapped[date | None] = mapped_column(Date)
    registered_on: Mapped[date | None] = mapped_column(Date)
    # 0 when not prioritised, then Low 1, Medium 2, High 3: Lucca's sort by `prioritization.level` is by rank.
    prioritization_rank: Mapped[int] = mapped_column(SmallInteger)
    prioritized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(String(2000))
    owner_department_id: Mapped[int | None] = mapped_column(Integer)
    owner_establishment_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
