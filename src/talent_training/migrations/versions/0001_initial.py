"""Accounts, API keys, the catalog and realized trainings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def created_at() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    accounts = op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("name", name="uq_accounts_name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        created_at(),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_api_keys_account_id_accounts"),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )
    op.create_index("ix_api_keys_account_id_id", "api_keys", ["account_id", "id"])
    secrets_table = op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_service_secrets"),
    )
    for named in ("providers", "categories"):
        extra = (
            [sa.Column("website_href", sa.String(2048), nullable=True)]
            if named == "providers"
            else [sa.Column("name_translations", sa.JSON(), nullable=False)]
        )
        op.create_table(
            named,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("account_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(250), nullable=False),
            *extra,
            created_at(),
            sa.PrimaryKeyConstraint("id", name=f"pk_{named}"),
            sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=f"fk_{named}_account_id_accounts"),
            sa.UniqueConstraint("account_id", "id", name=f"uq_{named}_account_id_id"),
            sa.UniqueConstraint("account_id", "name", name=f"uq_{named}_account_id_name"),
        )
    op.create_table(
        "trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(250), nullable=False),
        sa.Column("subtitle", sa.String(1000), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("is_certifying", sa.Boolean(), nullable=False),
        sa.Column("is_mandatory", sa.Boolean(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        created_at(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trainings"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_trainings_account_id_accounts"),
        sa.ForeignKeyConstraint(
            ["account_id", "provider_id"],
            ["providers.account_id", "providers.id"],
            name="fk_trainings_account_id_provider_id_providers",
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "category_id"],
            ["categories.account_id", "categories.id"],
            name="fk_trainings_account_id_category_id_categories",
        ),
        sa.UniqueConstraint("account_id", "id", name="uq_trainings_account_id_id"),
    )
    op.create_index(
        "ix_trainings_account_id_provider_id_id", "trainings", ["account_id", "provider_id", "id"]
    )
    op.create_index(
        "ix_trainings_account_id_category_id_id", "trainings", ["account_id", "category_id", "id"]
    )
    op.create_table(
        "realized_trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("session_starts_on", sa.Date(), nullable=False),
        sa.Column("session_ends_on", sa.Date(), nullable=False),
        sa.Column("duration_hundredths", sa.Integer(), nullable=False),
        sa.Column("has_attended", sa.Boolean(), nullable=False),
        sa.Column("training_demand_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_realized_trainings"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_realized_trainings_account_id_accounts"
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "training_id"],
            ["trainings.account_id", "trainings.id"],
            name="fk_realized_trainings_account_id_training_id_trainings",
        ),
        sa.UniqueConstraint("account_id", "id", name="uq_realized_trainings_account_id_id"),
        sa.UniqueConstraint(
            "account_id", "owner_id", "training_id", "session_ends_on", name="uq_realized_trainings_session"
        ),
    )
    for name, column in (
        ("owner", "owner_id"),
        ("training", "training_id"),
        ("ends_on", "session_ends_on"),
        ("attended", "has_attended"),
    ):
        op.create_index(f"ix_realized_trainings_{name}", "realized_trainings", ["account_id", column, "id"])

    op.bulk_insert(accounts, [{"name": "default", "created_at": datetime.now(UTC)}])
    # Signs paging cursors; kept in the database so that every worker and replica agrees on it.
    op.bulk_insert(secrets_table, [{"name": "cursor-signing", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    for table in (
        "realized_trainings",
        "trainings",
        "categories",
        "providers",
        "service_secrets",
        "api_keys",
    ):
        op.drop_table(table)
    op.drop_table("accounts")
