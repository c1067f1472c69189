"""PostgreSQL tells every serving process when an API key changes, so that they forget it at once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

A trigger rather than a NOTIFY in the revoking code: a key revoked or deleted by any means, psql included,
is forgotten by every process (accounts/auth.py). The notification is sent when the transaction commits.
SQLite has no such channel and nothing to forget (keys are read on every request there).
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION api_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('api_keys_changed', OLD.prefix);
            IF TG_OP = 'UPDATE' AND NEW.prefix <> OLD.prefix THEN
                PERFORM pg_notify('api_keys_changed', NEW.prefix);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys"
        " FOR EACH ROW EXECUTE FUNCTION api_keys_changed()"
    )
    # TRUNCATE fires no row trigger: every key is then forgotten ('*').
    op.execute(
        """
        CREATE FUNCTION api_keys_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('api_keys_changed', '*');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER api_keys_truncated AFTER TRUNCATE ON api_keys"
        " FOR EACH STATEMENT EXECUTE FUNCTION api_keys_truncated()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER api_keys_truncated ON api_keys")
    op.execute("DROP FUNCTION api_keys_truncated()")
    op.execute("DROP TRIGGER api_keys_changed ON api_keys")
    op.execute("DROP FUNCTION api_keys_changed()")
