"""Secrets that belong to the database rather than to a process, so every worker and replica agrees."""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from talent_training.db.base import Base
from talent_training.db.database import Database
from talent_training.kit.paging import CursorCodec

CURSOR_SECRET = "cursor-signing"  # noqa: S105 -- the name of the secret, not the secret


class ServiceSecret(Base):
    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


async def cursor_codec(database: Database) -> CursorCodec:
    codec = database.cache.get(CURSOR_SECRET)
    if codec is None:
        async with database.reading() as session:
            secret = (
                await session.execute(select(ServiceSecret.value).where(ServiceSecret.name == CURSOR_SECRET))
            ).scalar_one()
        codec = database.cache[CURSOR_SECRET] = CursorCodec(bytes.fromhex(secret))
    assert isinstance(codec, CursorCodec)
    return codec
