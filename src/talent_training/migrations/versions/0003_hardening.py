"""The audit trail, idempotency records, rate limit counters, and API keys' expiry and last use.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("resource_type", sa.String(50), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_audit_events_account_id_accounts"),
    )
    op.create_index("ix_audit_events_account_id_id", "audit_events", ["account_id", "id"])
    op.create_index(
        "ix_audit_events_resource", "audit_events", ["account_id", "resource_type", "resource_id", "id"]
    )
    op.create_index("ix_audit_events_actor", "audit_events", ["account_id", "actor", "id"])
    op.create_index("ix_audit_events_occurred_at", "audit_events", ["account_id", "occurred_at", "id"])

    op.create_table(
        "idempotency_records",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(100), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "key", name="pk_idempotency_records"),
    )
    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limit_counters"),
    )
    with op.batch_alter_table("api_keys") as table:
        table.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Writing when a key was last used (once a minute) changes nothing a serving process remembers: it
        # must not make them all forget the key.
        op.execute(
            """
            CREATE OR REPLACE FUNCTION api_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE'
                   AND NEW.prefix = OLD.prefix
                   AND NEW.account_id = OLD.account_id
                   AND NEW.role = OLD.role
                   AND NEW.secret_sha256 = OLD.secret_sha256
                   AND NEW.revoked_at IS NOT DISTINCT FROM OLD.revoked_at
                   AND NEW.expires_at IS NOT DISTINCT FROM OLD.expires_at THEN
                    RETURN NULL;
                END IF;
                PERFORM pg_notify('api_keys_changed', OLD.prefix);
                IF TG_OP = 'UPDATE' AND NEW.prefix <> OLD.prefix THEN
                    PERFORM pg_notify('api_keys_changed', NEW.prefix);
                END IF;
                RETURN NULL;
            END
            $$
            """
        )


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as table:
        table.drop_column("last_used_at")
        table.drop_column("expires_at")
    op.drop_table("rate_limit_counters")
    op.drop_table("idempotency_records")
    for index in ("occurred_at", "actor", "resource", "account_id_id"):
        op.drop_index(f"ix_audit_events_{index}", "audit_events")
    op.drop_table("audit_events")
