"""Realized trainings' cost (an amount in hundredths and its currency) and expiry date, all optional.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CHECKS = {
    "cost_currency": "(cost_hundredths IS NULL) = (cost_currency IS NULL)",
    "cost_not_negative": "cost_hundredths >= 0",
    "expiry": "expires_on IS NULL OR expires_on >= session_ends_on",
}


def upgrade() -> None:
    # On SQLite a new CHECK means copying the table (batch mode does it, keeping every row, key and index);
    # on PostgreSQL the columns are added in place and the checks read rows whose new columns are all null.
    with op.batch_alter_table("realized_trainings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_hundredths", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("cost_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("expires_on", sa.Date(), nullable=True))
        for name, condition in _CHECKS.items():
            batch_op.create_check_constraint(op.f(f"ck_realized_trainings_{name}"), condition)


def downgrade() -> None:
    with op.batch_alter_table("realized_trainings", schema=None) as batch_op:
        for name in _CHECKS:
            batch_op.drop_constraint(op.f(f"ck_realized_trainings_{name}"), type_="check")
        batch_op.drop_column("expires_on")
        batch_op.drop_column("cost_currency")
        batch_op.drop_column("cost_hundredths")
