"""HTTP for imports (docs/imports.md): a CSV or XLSX file as the body, or as the `file` part of a form.

A small file (up to `import_inline_bytes`) is imported during the request: 200 with the report, or the report
inside a 400 (409 when duplicates are its only problems). A larger one, or any sent with
`Prefer: respond-async`, becomes a job (bulk/jobs.py): 202, `Location` naming the job to poll.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from talent_training.bulk import jobs
from talent_training.bulk.tables import FAILED
from talent_training.imports import NO_PROGRESS, FileFormat, FileOptions, ImportReport
from talent_training.imports.decoding import encoding_name
from talent_training.imports.reading import SEPARATORS
from talent_training.kit.clock import today
from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import parse_query_bool
from talent_training.web.logs import NO_REQUEST, REQUEST_ID
from talent_training.web.params import Upload, path_id, query, read_upload
from talent_training.web.request import Request
from talent_training.web.responses import json_response, problem_response
from talent_training.web.routing import Routes

routes = Routes("/v1/imports")

ERROR_FIELDS = 5  # columns named in a refusal's `errors` (the report names every problem)
ERROR_MESSAGES = 3  # messages per column there
WHOLE_FILE = "file"  # the `errors` key of problems that are not about one column


@routes.post("/realized-trainings", "ext.post-realized-trainings-import", uploads=True)
async def import_realized_trainings(request: Request) -> Response:
    return await _import(request, jobs.REALIZED_TRAININGS)


@routes.post("/employees", "ext.post-employees-import", uploads=True)
async def import_employees(request: Request) -> Response:
    return await _import(request, jobs.EMPLOYEES)


@routes.get("/{id}", "ext.get-import")
async def get_import(request: Request) -> Response:
    job_id = path_id(request, "Import")
    async with request.read() as tx:
        job = await jobs.get(tx, request.principal.account_id, job_id)
    return json_response(_job(job))


async def _import(request: Request, kind: str) -> Response:
    options = _options(request, kind)
    settings = request.settings
    upload = await read_upload(request, settings.max_upload_bytes)  # closed by the router once answered
    asked = _prefers_async(request)
    if asked or upload.size > settings.import_inline_bytes:
        return await _enqueue(request, kind, options, upload, asked)
    database, day = request.state_of_app.database, today(settings.zone)
    report = await jobs.run_import(database, request.actor, kind, upload.file, options, NO_PROGRESS, day)
    return json_response(report.as_json()) if report.accepted else _refusal(report)


async def _enqueue(
    request: Request, kind: str, options: jobs.JobOptions, upload: Upload, asked: bool
) -> Response:
    request_id = REQUEST_ID.get() or NO_REQUEST
    async with request.transaction() as tx:
        job = await jobs.enqueue(tx, request.actor, kind, options, upload.file, upload.size, request_id)
    response = json_response(_job(job), status=202)
    response.headers["Location"] = f"{request.url.path.rsplit('/', 1)[0]}/{job.id}"
    if asked:
        response.headers["Preference-Applied"] = "respond-async"  # RFC 7240
    return response


def _options(request: Request, kind: str) -> jobs.JobOptions:
    """The query's parameters, each refused (400) by name before the file is read."""
    create_missing = None
    if kind == jobs.REALIZED_TRAININGS:
        create_missing = parse_query_bool("createMissing", query(request, "createMissing"))
    return jobs.JobOptions(
        dry_run=bool(parse_query_bool("dryRun", query(request, "dryRun"))),
        create_missing=bool(create_missing),
        file=FileOptions(
            file_format=_file_format(query(request, "format")),
            encoding=_encoding(query(request, "encoding")),
            separator=_separator(query(request, "separator")),
        ),
    )


def _file_format(value: str | None) -> FileFormat | None:
    if value is None:
        return None
    try:
        return FileFormat(value.lower())
    except ValueError:
        raise RuleViolation("format", "must be csv or xlsx") from None


def _encoding(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        encoding_name(value)
    except ValueError:
        raise RuleViolation("encoding", f"{value[:40]!r} is not a known text encoding") from None
    return value


def _separator(value: str | None) -> str | None:
    if value is not None and value not in SEPARATORS:
        raise RuleViolation("separator", "must be " + " or ".join(repr(one) for one in SEPARATORS))
    return value


def _prefers_async(request: Request) -> bool:
    """RFC 7240 `Prefer: respond-async`, among other preferences or not."""
    for header in request.headers.getlist("prefer"):
        for preference in header.split(","):
            if preference.split(";")[0].split("=")[0].strip().lower() == "respond-async":
                return True
    return False


def _refusal(report: ImportReport) -> Response:
    """The refused import as problem details: a summary in `detail` and `errors`, the report whole beside."""
    problems = report.problems
    status = 409 if report.only_duplicates else 400
    outcome = "Dry run: the file would be refused" if report.dry_run else "Nothing was imported"
    if report.only_duplicates:
        detail = (
            f"{outcome}: {problems.total} row(s) repeat a record already there or another row of the file."
        )
    else:
        detail = f"{outcome}: the file has {problems.total} problem(s), listed in `report.problems`."
    errors: dict[str, list[str]] = {}
    for problem in problems:
        key = problem.column or WHOLE_FILE
        if key not in errors and len(errors) == ERROR_FIELDS:
            continue
        messages = errors.setdefault(key, [])
        if len(messages) < ERROR_MESSAGES:
            messages.append(
                problem.message if problem.row is None else f"row {problem.row}: {problem.message}"
            )
    return problem_response(status, detail, errors, extensions={"report": report.as_json()})


def _job(row: Any) -> dict[str, Any]:
    """An import job in JSON (`ext.ImportJob`): absent values omitted."""
    job: dict[str, Any] = {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "createdAt": _instant(row.created_at),
    }
    if row.started_at is not None:
        job["startedAt"] = _instant(row.started_at)
    if row.finished_at is not None:
        job["finishedAt"] = _instant(row.finished_at)
    if row.progress_stage is not None:
        progress = {"stage": row.progress_stage, "rows": row.progress_rows}
        if row.progress_read is not None:
            progress["fraction"] = row.progress_read / jobs.READ_SCALE
        job["progress"] = progress
    if row.report is not None:
        job["report"] = row.report
    if row.status == FAILED and row.error:
        job["error"] = row.error
    return job


def _instant(value: Any) -> str:
    text: str = value.isoformat().replace("+00:00", "Z")
    return text
