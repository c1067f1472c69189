"""One row per change: written in the transaction of the change itself, never updated, purged when older than
the retention setting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from talent_training.db.base import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        # One index behind each filter, ending with the id so that keyset pages need no sort.
        Index("ix_audit_events_account_id_id", "account_id", "id"),
        Index("ix_audit_events_resource", "account_id", "resource_type", "resource_id", "id"),
        Index("ix_audit_events_actor", "account_id", "actor", "id"),
        Index("ix_audit_events_occurred_at", "account_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    resource_type: Mapped[str] = mapped_column(String(50))
    resource_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    # {field: [before, after]}, fields named as the API names them; before is null on creation.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
