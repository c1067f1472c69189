"""Catalog tables. The account id leads every index and unique constraint, and references between
records are composite `(account_id, id)` keys, so a record can only point inside its own account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from talent_training.db.base import Base, UTCDateTime


class CatalogEntry:
    """What providers and categories share: an id, an account, and a name unique within the account."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (UniqueConstraint("account_id", "id"), UniqueConstraint("account_id", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    name: Mapped[str] = mapped_column(String(250))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Provider(CatalogEntry, Base):
    __tablename__ = "providers"

    website_href: Mapped[str | None] = mapped_column(String(2048))


class Category(CatalogEntry, Base):
    __tablename__ = "categories"

    name_translations: Mapped[dict[str, Any]] = mapped_column(JSON)
    code: Mapped[str | None] = mapped_column(String(100))  # optional; the v1 list's trainingCategoryCode


class Training(Base):
    __tablename__ = "trainings"
    __table_args__ = (
        UniqueConstraint("account_id", "id"),
        ForeignKeyConstraint(["account_id", "provider_id"], ["providers.account_id", "providers.id"]),
        ForeignKeyConstraint(["account_id", "category_id"], ["categories.account_id", "categories.id"]),
        Index("ix_trainings_account_id_provider_id_id", "account_id", "provider_id", "id"),
        Index("ix_trainings_account_id_category_id_id", "account_id", "category_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    state: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(250))
    subtitle: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    is_certifying: Mapped[bool] = mapped_column(Boolean)
    is_mandatory: Mapped[bool] = mapped_column(Boolean)
    provider_id: Mapped[int | None] = mapped_column()
    category_id: Mapped[int | None] = mapped_column()
    # Title, subtitle and description folded (case and accents) once at write time, so that `search`
    # matches the same rows on SQLite and PostgreSQL whatever their collations.
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
