"""Plans and sessions. A session's stored `status` is `Draft`, `Open` or `Closed`; `Running` and `Finished`
are read from an open session's dates (planning/service.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from talent_training.db.base import Base, UTCDateTime


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("account_id", "id"),
        CheckConstraint("end_on >= start_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(250))
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrainingSession(Base):
    __tablename__ = "training_sessions"
    __table_args__ = (
        UniqueConstraint("account_id", "id"),
        ForeignKeyConstraint(["account_id", "training_id"], ["trainings.account_id", "trainings.id"]),
        ForeignKeyConstraint(["account_id", "plan_id"], ["plans.account_id", "plans.id"]),
        Index("ix_training_sessions_training", "account_id", "training_id", "id"),
        Index("ix_training_sessions_plan", "account_id", "plan_id", "id"),
        # What the services keep true, kept true by the database too.
        CheckConstraint("end_on >= start_on", name="dates"),
        CheckConstraint("duration_hundredths > 0", name="duration"),
        CheckConstraint(
            "registered_count >= 0 AND confirmed_count >= 0 AND confirmed_count <= registered_count",
            name="counts",
        ),
        CheckConstraint(
            "capacity IS NULL OR (capacity >= 1 AND registered_count <= capacity)", name="capacity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    training_id: Mapped[int] = mapped_column(Integer)
    plan_id: Mapped[int] = mapped_column(Integer)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    duration_hundredths: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int | None] = mapped_column(Integer)
    is_on_site: Mapped[bool] = mapped_column(Boolean)
    is_remote: Mapped[bool] = mapped_column(Boolean)
    address: Mapped[str | None] = mapped_column(String(500))
    remote_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16))
    # Demands registered on it (Registered or Realized): counted here, in the row that a registration
    # updates, so that the last seat goes to exactly one of concurrent registrations.
    registered_count: Mapped[int] = mapped_column(Integer)
    # Of those, the demands confirmed present (Realized): the others still await attendance, and the session
    # cannot be closed on them.
    confirmed_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Realized trainings recorded from it, present or absent: they carry its training, dates and duration,
    # which can then no longer change.
    recorded_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
