"""Import jobs over HTTP: the job, and its upload in parts until it has run (bulk/tables.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# ORs, not IN: PostgreSQL's text of `IN` on a varchar does not survive a dump and restore unchanged.
_UNFINISHED = "status = 'Queued' OR status = 'Running'"


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("progress_stage", sa.String(length=20), nullable=True),
        sa.Column("progress_rows", sa.Integer(), nullable=False),
        sa.Column("progress_read", sa.Integer(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_import_jobs_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_import_jobs_account_id_id")),
        sa.CheckConstraint(
            "status = 'Queued' OR status = 'Running' OR status = 'Succeeded' OR status = 'Refused'"
            " OR status = 'Failed'",
            name=op.f("ck_import_jobs_status"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_import_jobs_attempts")),
    )
    op.create_index(
        "ix_import_jobs_unfinished",
        "import_jobs",
        ["account_id", "id"],
        unique=False,
        postgresql_where=sa.text(_UNFINISHED),
        sqlite_where=sa.text(_UNFINISHED),
    )
    op.create_table(
        "import_job_parts",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "job_id"],
            ["import_jobs.account_id", "import_jobs.id"],
            name=op.f("fk_import_job_parts_account_id_job_id_import_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "job_id", "sequence", name=op.f("pk_import_job_parts")),
    )


def downgrade() -> None:
    op.drop_table("import_job_parts")
    op.drop_index("ix_import_jobs_unfinished", table_name="import_jobs")
    op.drop_table("import_jobs")
