"""Secrets that belong to the database rather than to a process, so every worker and replica agrees."""

from __future__ import annotations

from sqlalchemy import String, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column

from talent_training.db.base import Base
from talent_training.db.database import Tx
from talent_training.db.statements import Query

CURSOR_SECRET = "cursor-signing"  # noqa: S105 -- the name of the secret, not the secret


class ServiceSecret(Base):
    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


_SECRET = Query(select(ServiceSecret.value).where(ServiceSecret.name == bindparam("name")))


async def read_secret(tx: Tx, name: str) -> bytes:
    """A secret the migrations created (a missing one is a bug, not a client error)."""
    value = await tx.value(_SECRET, {"name": name})
    if value is None:
        raise LookupError(f"no service secret {name!r}: is the database migrated?")
    return bytes.fromhex(value)
