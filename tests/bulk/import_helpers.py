"""What the HTTP import tests share: the small limits their application runs under, a directory to import
against, files, and the job runner driven by hand."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl  # type: ignore[import-untyped]
from sqlalchemy import bindparam, func, select, update

from talent_training.bulk.tables import ImportJob, ImportJobPart
from talent_training.db.base import UTCDateTime
from talent_training.db.database import Database
from talent_training.db.statements import Query
from talent_training.settings import Settings
from tests.directory.helpers import put_employee
from tests.factories import PREFIX, create_training

IMPORTS = f"{PREFIX}/v1/imports"
REALIZED_IMPORT = f"{IMPORTS}/realized-trainings"
EMPLOYEES_IMPORT = f"{IMPORTS}/employees"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Small, so that tests go past them: files up to INLINE run during the request, a body is capped at LIMIT.
INLINE = 16 * 1024
LIMIT = 64 * 1024
JSON_LIMIT = 4 * 1024  # the limit of JSON bodies, below the size of some files here

HEADER = ["Employee login", "Training title", "Start date", "End date", "Duration (hours)"]
ROWS = [
    ["jdoe", "First aid", "01/30/2025", "01/31/2025", "14"],
    ["asmith", "First aid", "2025-03-03", "2025-03-04", "3.5"],
]


def import_settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(
        database_url=database_url,
        timezone="UTC",
        import_inline_bytes=INLINE,
        max_upload_bytes=LIMIT,
        max_body_bytes=JSON_LIMIT,
        **overrides,
    )


async def directory(client: httpx.AsyncClient) -> dict[str, Any]:
    """Employees `jdoe` (416) and `asmith` (417), and the Ready training 'First aid'."""
    await put_employee(client, 416, login="jdoe")
    await put_employee(client, 417, login="asmith")
    return await create_training(client, title="First aid")


def csv_bytes(rows: list[list[str]] = ROWS, header: list[str] = HEADER) -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx_bytes(rows: list[list[str]] = ROWS, header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def large_csv(rows: list[list[str]] = ROWS) -> bytes:
    """The rows, then blank lines (skipped by the import) until the file is over INLINE."""
    data = csv_bytes(rows)
    return data + b"\r\n" * ((INLINE - len(data)) // 2 + 1)


async def recorded(client: httpx.AsyncClient) -> list[tuple[int, str]]:
    response = await client.get(f"{PREFIX}/v2/realized-trainings", params={"limit": 100})
    assert response.status_code == 200, response.text
    return sorted((item["ownerId"], item["sessionEndsOn"]) for item in response.json()["items"])


# What a process that died leaves behind: a running job whose heartbeat stopped.
_HEARTBEAT_AT = Query(
    update(ImportJob)
    .where(ImportJob.id == bindparam("id"))
    .values(updated_at=bindparam("at", type_=UTCDateTime))
)
_FINISHED_AT = Query(
    update(ImportJob)
    .where(ImportJob.id == bindparam("id"))
    .values(finished_at=bindparam("at", type_=UTCDateTime))
)
_PARTS = Query(select(func.count()).select_from(ImportJobPart).where(ImportJobPart.job_id == bindparam("id")))


async def set_heartbeat(database: Database, job_id: int, at: Any) -> None:
    async with database.transaction() as tx:
        assert await tx.execute(_HEARTBEAT_AT, {"id": job_id, "at": at}) == 1


async def set_finished(database: Database, job_id: int, at: Any) -> None:
    async with database.transaction() as tx:
        assert await tx.execute(_FINISHED_AT, {"id": job_id, "at": at}) == 1


async def parts_of(database: Database, job_id: int) -> int:
    async with database.read() as tx:
        parts: int = await tx.value(_PARTS, {"id": job_id})
    return parts
