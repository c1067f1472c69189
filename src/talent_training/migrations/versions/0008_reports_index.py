"""The reports' index: a year's attended realized trainings, with every column the reports sum, so that
PostgreSQL reads them from the index alone rather than from ~11,000 heap pages scattered over the table
(reports/repository.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COLUMNS = [
    "account_id",
    "session_ends_on",
    "owner_id",
    "training_id",
    "duration_hundredths",
    "cost_hundredths",
    "cost_currency",
]


def upgrade() -> None:
    with op.batch_alter_table("realized_trainings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_realized_trainings_reports",
            _COLUMNS,
            unique=False,
            postgresql_where=sa.text("has_attended"),
            sqlite_where=sa.text("has_attended"),
        )


def downgrade() -> None:
    with op.batch_alter_table("realized_trainings", schema=None) as batch_op:
        batch_op.drop_index("ix_realized_trainings_reports")
