"""People who sign in to the console: users, their sessions and their password-reset links (users/tables.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_folded", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_users_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["account_id", "employee_id"],
            ["employees.account_id", "employees.id"],
            name=op.f("fk_users_account_id_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_users_account_id_id")),
        sa.UniqueConstraint("email_folded", name=op.f("uq_users_email_folded")),
        # ORs, not IN: PostgreSQL's text of `IN` on a varchar does not survive a dump and restore unchanged.
        sa.CheckConstraint(
            "role = 'hr-admin' OR role = 'manager' OR role = 'auditor'", name=op.f("ck_users_role")
        ),
        sa.CheckConstraint(
            "role <> 'manager' OR employee_id IS NOT NULL", name=op.f("ck_users_manager_employee")
        ),
    )
    _of_a_user(
        "user_sessions",
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    _of_a_user(
        "password_resets",
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )


def _of_a_user(table: str, *columns: sa.Column[object]) -> None:
    """A table of tokens of a user, found by the token's SHA-256."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["account_id", "user_id"],
            ["users.account_id", "users.id"],
            name=op.f(f"fk_{table}_account_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("token_sha256", name=op.f(f"uq_{table}_token_sha256")),
    )
    op.create_index(f"ix_{table}_user", table, ["account_id", "user_id"], unique=False)


def downgrade() -> None:
    for table in ("password_resets", "user_sessions"):
        op.drop_index(f"ix_{table}_user", table_name=table)
        op.drop_table(table)
    op.drop_table("users")
