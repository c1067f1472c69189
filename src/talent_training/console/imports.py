"""Import wizard: upload, dry run over every row, the table of problems, then import all or nothing.

    /console/imports                  GET the upload form; POST (multipart) the file: a dry run job   hr-admin
    /console/imports/{id}             GET the job: its progress (htmx polls it), then its report      hr-admin
    /console/imports/{id}/import      POST: import the file the clean dry run {id} kept              hr-admin
    /console/imports/{id}/discard     POST: drop that file                                            hr-admin

Both steps are import jobs (bulk/jobs.py), as the API's large imports are, so a file of any size up to
`max_upload_bytes` is checked and imported by a job runner, never within the request's time limit:

- The upload stores the file in the job's parts (the durable `import_jobs` tables) as a dry run that keeps
  its file (`JobOptions.keep_file`). The browser is trusted with nothing but the job's id: the file between
  the two steps is the server's copy, and a job is its uploader's alone (another user's is 404).
- "Import" makes a second job, no dry run, of the same kind and options, which takes the kept parts over
  (`jobs.import_kept`): the importer runs again over every row, all or nothing, against the data as they are
  then. A second click finds no kept file (409 page) rather than importing twice.
- The job's page polls itself with htmx every 2 s while the job is queued or running; without JavaScript a
  link reloads it.

The upload's body is a multipart form far larger than `max_body_bytes`, which `checked_form` (console/auth.py)
reads whole before parsing: this route does its checks itself, in the same order and with the same refusals
(role, then Origin, before a byte is read; the form's token once parsed), and streams the body under
`max_upload_bytes` to a spooled file as web/params.py's `read_upload` does.
"""

from __future__ import annotations

from typing import IO, Any

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.responses import Response

from talent_training.bulk import jobs
from talent_training.bulk.tables import FAILED, QUEUED, REFUSED, RUNNING, SUCCEEDED
from talent_training.console.auth import (
    CSRF_FIELD,
    PREFIX,
    SESSION_COOKIE,
    FormRefused,
    check_token,
    checked_form,
    form_text,
    from_this_site,
    session_csrf,
)
from talent_training.console.i18n import Messages, add_messages, messages_of
from talent_training.console.messages.imports import EN, FR
from talent_training.console.pages import Pages, redirect, render
from talent_training.console.paging import partial
from talent_training.console.scope import is_hr_admin, principal
from talent_training.imports import FileOptions
from talent_training.imports.decoding import encoding_name
from talent_training.imports.reading import SEPARATORS
from talent_training.kit.problems import Forbidden, NotFound
from talent_training.web.logs import NO_REQUEST, REQUEST_ID
from talent_training.web.params import FILE_PART, FORM, limited_body, path_id
from talent_training.web.request import Request

pages = Pages("/imports")
HOME = f"{PREFIX}/imports"
JOB = "job"  # the element htmx replaces while the job runs
KINDS = (jobs.REALIZED_TRAININGS, jobs.EMPLOYEES)
PROBLEMS_PER_PAGE = 200  # of the 1,000 the importer keeps
POLL = "every 2s"
_FIELDS = ("kind", "createMissing", "encoding", "separator")
_NEW = {"kind": jobs.REALIZED_TRAININGS, "createMissing": False, "encoding": "", "separator": ""}

add_messages(en=EN, fr=FR)


def _hr_admin(request: Request) -> None:
    """Imports write the directory and the records of everyone: an HR administrator's alone (a manager or an
    auditor gets 403, and never sees the wizard)."""
    if not is_hr_admin(request):
        raise Forbidden(f"{principal(request).description.capitalize()} may not import files.")


# The upload form -------------------------------------------------------------------------------------------


def _form_page(
    request: Request, values: dict[str, Any], errors: dict[str, list[str]] | None = None
) -> Response:
    t = messages_of(request)
    return render(
        request,
        "imports/upload.html",
        values=values,
        errors=errors or {},
        kinds=[(kind, t(f"imports.kind.{kind}")) for kind in KINDS],
        separators=[
            ("", t("imports.separator.auto")),
            (",", t("imports.separator.comma")),
            (";", t("imports.separator.semicolon")),
        ],
    )


@pages.page("")
async def upload_form(request: Request) -> Response:
    _hr_admin(request)
    return _form_page(request, dict(_NEW))


@pages.post("", None)
async def upload(request: Request) -> Response:
    """The file, streamed under `max_upload_bytes`, becomes a dry run job keeping it; the browser goes to the
    job's page. A urlencoded POST (no file) goes through the console's usual `checked_form`."""
    _hr_admin(request)
    if not from_this_site(request):
        raise FormRefused("The form did not come from this site (its Origin is not this site's).")
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != FORM:
        form = await checked_form(request)  # the token checked as every form's; then "choose a file"
        return _refused(request, _values(form), {"file": [messages_of(request)("imports.file.required")]})
    form = await _multipart(request)
    try:
        check_token(form.get(CSRF_FIELD), session_csrf(request.cookies[SESSION_COOKIE]))
        values = _values(form)
        options, errors = _options(values, messages_of(request))
        file = form.get(FILE_PART)
        size = _size(file.file) if isinstance(file, UploadFile) else 0
        if not size:
            errors["file"] = [messages_of(request)("imports.file.required")]
        if errors or not isinstance(file, UploadFile):
            return _refused(request, values, errors)
        request_id = REQUEST_ID.get() or NO_REQUEST
        async with request.transaction() as tx:
            job = await jobs.enqueue(tx, request.actor, values["kind"], options, file.file, size, request_id)
    finally:
        await form.close()
    return redirect(f"{HOME}/{job.id}")


async def _multipart(request: Request) -> FormData:
    """The form, its file part spooled (in memory up to 1 MiB, then on disk), the body refused (413) once
    known to be over `max_upload_bytes`; the request's time limit paused meanwhile, as for the API's
    uploads."""
    limited = limited_body(request, request.settings.max_upload_bytes)
    parser = MultiPartParser(request.headers, limited, max_files=1, max_fields=10)
    with request.state_of_app.pause_time_limit():  # a large file takes what the client's link takes
        try:
            return await parser.parse()
        except MultiPartException as error:  # before the token could be read: the form is not ours
            raise FormRefused(f"The form cannot be read: {error.message}") from None


def _size(file: IO[bytes]) -> int:
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    return size


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: form_text(form, name) for name in _FIELDS}
    values["createMissing"] = values["createMissing"] != ""
    return values


def _options(values: dict[str, Any], t: Messages) -> tuple[jobs.JobOptions, dict[str, list[str]]]:
    """The form's options as the API's parameters (`createMissing`, `encoding`, `separator`), each refused
    next to its field; the format is found from the file's first bytes (XLSX is a zip), as the API does."""
    errors: dict[str, list[str]] = {}
    if values["kind"] not in KINDS:
        errors["kind"] = [t("imports.kind.choice")]
    encoding = values["encoding"].strip() or None
    if encoding is not None:
        try:
            encoding_name(encoding)
        except ValueError:
            errors["encoding"] = [t("imports.encoding.unknown")]
    separator = values["separator"] or None
    if separator is not None and separator not in SEPARATORS:
        errors["separator"] = [t("imports.kind.choice")]
    options = jobs.JobOptions(
        dry_run=True,
        create_missing=values["createMissing"] and values["kind"] == jobs.REALIZED_TRAININGS,
        file=FileOptions(encoding=encoding, separator=separator),
        keep_file=True,
    )
    return options, errors


def _refused(request: Request, values: dict[str, Any], errors: dict[str, list[str]]) -> Response:
    """The form again, as filled, its refusals next to their fields (200, as every console form)."""
    if values.get("kind") not in KINDS:
        values = {**values, "kind": jobs.REALIZED_TRAININGS}
    return _form_page(request, values, errors)


# The job ---------------------------------------------------------------------------------------------------


async def _own_job(request: Request) -> Any:
    """The job of the path, if it is the user's own (a job is its uploader's: anyone else's is 404)."""
    job_id = path_id(request, "Import")
    async with request.read() as tx:
        job = await jobs.get(tx, request.principal.account_id, job_id)
    if job.actor != request.actor.name:
        raise NotFound(f"Import {job_id}")
    return job


def _problems_page(request: Request, report: dict[str, Any]) -> dict[str, Any]:
    """The problems of the report to show: a page of PROBLEMS_PER_PAGE of those kept, and its links."""
    kept: list[dict[str, Any]] = report.get("problems", [])
    pages_count = max(1, -(-len(kept) // PROBLEMS_PER_PAGE))
    asked = request.query_params.get("problems", "1")
    number = int(asked) if asked.isascii() and asked.isdigit() and 1 <= int(asked) <= pages_count else 1
    start = (number - 1) * PROBLEMS_PER_PAGE
    shown = kept[start : start + PROBLEMS_PER_PAGE]

    def link(page: int) -> str | None:
        return f"{request.url.path}?problems={page}" if 1 <= page <= pages_count else None

    return {
        "problems": shown,
        "problems_first": start + 1,
        "problems_last": start + len(shown),
        "problems_kept": len(kept),
        "problems_prev": link(number - 1),
        "problems_next": link(number + 1),
    }


def _created(created: dict[str, int], t: Messages) -> str:
    """What the import made besides its rows (trainings, providers, ...; employees created, updated), said."""
    return ", ".join(
        f"{t(f'imports.made.{name}') if t.has(f'imports.made.{name}') else name} {count}"
        for name, count in created.items()
        if count
    )


@pages.page("/{id}")
async def job_page(request: Request) -> Response:
    _hr_admin(request)
    job = await _own_job(request)
    t = messages_of(request)
    options = jobs.JobOptions.from_json(job.options)
    report: dict[str, Any] = job.report or {}
    context: dict[str, Any] = {
        "job": job,
        "dry_run": options.dry_run,
        "running": job.status in (QUEUED, RUNNING),
        "succeeded": job.status == SUCCEEDED,
        "refused": job.status == REFUSED,
        "failed": job.status == FAILED,
        "kept": jobs.keeps_file(job),
        "imported_as": job.options.get("importedAs"),
        "discarded": bool(job.options.get("discarded")),
        "report": report,
        "created": _created(report.get("created") or {}, t),
        "fraction": None if job.progress_read is None else job.progress_read / jobs.READ_SCALE,
        "poll": POLL,
        **_problems_page(request, report),
    }
    vary = {"Vary": "Accept-Language, Cookie, HX-Request, HX-Target"}
    if partial(request, JOB):
        return render(request, "imports/_job.html", headers=vary, **context)
    kind = t(f"imports.kind.{job.kind}")
    title = t("imports.job.title.dry" if options.dry_run else "imports.job.title.import", kind=kind)
    return render(request, "imports/job.html", headers=vary, title=title, **context)


@pages.form("/{id}/import")
async def import_kept(request: Request) -> Response:
    _hr_admin(request)
    job_id = path_id(request, "Import")
    request_id = REQUEST_ID.get() or NO_REQUEST
    async with request.transaction() as tx:
        job = await jobs.import_kept(tx, request.actor, job_id, request_id)
    return redirect(f"{HOME}/{job.id}")


@pages.form("/{id}/discard")
async def discard(request: Request) -> Response:
    _hr_admin(request)
    job_id = path_id(request, "Import")
    async with request.transaction() as tx:
        await jobs.discard_kept(tx, request.actor, job_id)
    return redirect(f"{HOME}/{job_id}")
