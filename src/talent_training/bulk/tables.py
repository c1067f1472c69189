"""Import jobs: an upload kept in the database until a job runner has imported it (bulk/jobs.py).

A job and its file are written in one transaction before the client hears 202, so an accepted upload is never
held only in a process's memory or disk: any serving process can run it, and a job whose process died is
found by its stale heartbeat (`updated_at`) and run again, or failed, never lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from talent_training.db.base import Base, UTCDateTime

QUEUED, RUNNING, SUCCEEDED, REFUSED, FAILED = "Queued", "Running", "Succeeded", "Refused", "Failed"
STATUSES = (QUEUED, RUNNING, SUCCEEDED, REFUSED, FAILED)
PART_BYTES = 1024 * 1024  # an upload is stored in parts of this size: no statement carries the whole file
# Status lists as ORs, not IN: PostgreSQL writes `IN` on a varchar back in a form it then reads differently
# (a restored backup would not match the migrated schema), and both planners see that `status = 'Queued'`
# implies an OR holding it (the partial index below serves the runners' statements).
_UNFINISHED = text("status = 'Queued' OR status = 'Running'")
_KNOWN = " OR ".join(f"status = '{status}'" for status in STATUSES)


class ImportJob(Base):
    __tablename__ = "import_jobs"
    __table_args__ = (
        UniqueConstraint("account_id", "id"),
        # The jobs a runner may claim or take for dead, whatever their account: few at any time, so the
        # runners read this small index whole rather than the table.
        Index(
            "ix_import_jobs_unfinished",
            "account_id",
            "id",
            postgresql_where=_UNFINISHED,
            sqlite_where=_UNFINISHED,
        ),
        CheckConstraint(_KNOWN, name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(30))  # "realized-trainings" or "employees"
    status: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(200))  # who sent the file: the import's audit events name them
    request_id: Mapped[str] = mapped_column(String(128))  # the upload's, carried by the job's log lines
    # How to read the file and what to do with it: {"dryRun", "createMissing", "format", "encoding",
    # "separator"}, as the request's parameters said.
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(BigInteger)
    # Runs begun; each claim counts one, and names the run: a runner writes only to the job it still holds.
    attempts: Mapped[int] = mapped_column(Integer)
    progress_stage: Mapped[str | None] = mapped_column(String(20))
    progress_rows: Mapped[int] = mapped_column(Integer)
    progress_read: Mapped[int | None] = mapped_column(Integer)  # of the file, in ten-thousandths
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # ImportReport.as_json(), once done
    error: Mapped[str | None] = mapped_column(String(1000))  # why a job Failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The running job's heartbeat: its runner moves it every few seconds.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportJobPart(Base):
    """One part of a job's upload, in order; deleted once the job is done."""

    __tablename__ = "import_job_parts"
    __table_args__ = (
        PrimaryKeyConstraint("account_id", "job_id", "sequence"),
        ForeignKeyConstraint(
            ["account_id", "job_id"], ["import_jobs.account_id", "import_jobs.id"], ondelete="CASCADE"
        ),
    )

    account_id: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
