from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
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


class RealizedTraining(Base):
    __tablename__ = "realized_trainings"
    __table_args__ = (
        UniqueConstraint("account_id", "id"),
        # Lucca's rule: one record per employee, training and last day; the start date does not count.
        UniqueConstraint(
            "account_id", "owner_id", "training_id", "session_ends_on", name="uq_realized_trainings_session"
        ),
        ForeignKeyConstraint(["account_id", "training_id"], ["trainings.account_id", "trainings.id"]),
        # One index behind each list filter, ending with the id so that keyset pages need no sort.
        Index("ix_realized_trainings_owner", "account_id", "owner_id", "id"),
        Index("ix_realized_trainings_training", "account_id", "training_id", "id"),
        Index("ix_realized_trainings_ends_on", "account_id", "session_ends_on", "id"),
        Index("ix_realized_trainings_attended", "account_id", "has_attended", "id"),
        Index("ix_realized_trainings_session", "account_id", "session_id", "id"),
        # The reports' (reports/repository.py, migration 0008): a year's attended records and every column
        # they sum, read from the index alone.
        Index(
            "ix_realized_trainings_reports",
            "account_id",
            "session_ends_on",
            "owner_id",
            "training_id",
            "duration_hundredths",
            "cost_hundredths",
            "cost_currency",
            postgresql_where=text("has_attended"),
            sqlite_where=text("has_attended"),
        ),
        # An amount means nothing without its currency, nor a currency without an amount.
        CheckConstraint("(cost_hundredths IS NULL) = (cost_currency IS NULL)", name="cost_currency"),
        CheckConstraint("cost_hundredths >= 0", name="cost_not_negative"),
        CheckConstraint("expires_on IS NULL OR expires_on >= session_ends_on", name="expiry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    owner_id: Mapped[int] = mapped_column(Integer)
    training_id: Mapped[int] = mapped_column(Integer)
    session_starts_on: Mapped[date] = mapped_column(Date)
    session_ends_on: Mapped[date] = mapped_column(Date)
    # Hours are kept exact as an integer count of hundredths: 2.5 hours is 250.
    duration_hundredths: Mapped[int] = mapped_column(Integer)
    has_attended: Mapped[bool] = mapped_column(Boolean)
    training_demand_id: Mapped[int | None] = mapped_column(Integer)
    session_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Extensions (docs/decisions.md), last as migration 0005 added them: what the training cost, exact in
    # hundredths of its currency (12.5 is 1250), and when what it certified expires.
    cost_hundredths: Mapped[int | None] = mapped_column(BigInteger)
    cost_currency: Mapped[str | None] = mapped_column(String(3))
    expires_on: Mapped[date | None] = mapped_column(Date)
