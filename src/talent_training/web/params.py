"""Reading a request: path ids, paging, array filters, JSON bodies and uploaded files, each refused with the
field named."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from decimal import Decimal
from tempfile import SpooledTemporaryFile
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from talent_training.kit.paging import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, parse_page_request
from talent_training.kit.problems import (
    InvalidRequest,
    NotFound,
    PayloadTooLarge,
    RuleViolation,
    UnsupportedMediaType,
)
from talent_training.kit.types import INT32_MAX, int32_digits, parse_id_list, parse_query_int
from talent_training.web.request import Request

M = TypeVar("M", bound=BaseModel)


def path_id(request: Request, what: str, name: str = "id") -> int:
    """A path segment that is not an int32 id names no record: 404, as an unknown id would."""
    value: str = request.path_params[name]
    # Canonical digits only: `01` is no more an id than `1.0` is.
    if int32_digits(value) and not value.startswith("0") and int(value) <= INT32_MAX:
        return int(value)
    raise NotFound(f"{what} {value[:40]!r}")


def query(request: Request, name: str) -> str | None:
    """A parameter that takes one value; given twice (`limit=5&limit=50`) it is 400, not the last one."""
    params = request.query_params
    value: str | None = params.get(name)
    if value is not None and len(params.getlist(name)) > 1:
        raise RuleViolation(name, "must be given once")
    return value


def id_list(request: Request, name: str) -> list[int] | None:
    """`ownerIds=1,2&ownerIds=3`: OpenAPI's repeated form and Lucca's comma list, mixed at will."""
    return parse_id_list(name, request.query_params.getlist(name))


async def page_request(request: Request) -> PageRequest:
    limit = query(request, "limit")
    items = DEFAULT_LIMIT if limit is None else parse_query_int("limit", limit, 0, MAX_LIMIT)
    return parse_page_request(
        query(request, "page"),
        items,
        request.query_params.getlist("fields.root"),
        await request.cursor_codec(),
    )


async def json_body(request: Request, model: type[M]) -> M:
    document = await read_json(request, request.settings.max_body_bytes)
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise InvalidRequest(validation_errors(exc, root="body")) from None


def validation_errors(exc: ValidationError, root: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        location = [str(part) for part in error["loc"]]
        field = ".".join(location) if location else root
        errors.setdefault(field, []).append(_message(error))
    return errors


def _message(error: Any) -> str:
    """Pydantic's message, in a client's words where Pydantic's are its own: a text's length is counted in
    characters (a length checked after a validator reads "items" otherwise), and a body that is not an object
    says so without naming our classes."""
    kind, context, given = error["type"], error.get("ctx") or {}, error.get("input")
    unit = "character" if isinstance(given, str) else "item"
    if kind == "too_short" and "min_length" in context:
        least = context["min_length"]
        return "must not be empty" if least == 1 else f"must have at least {least} {unit}s"
    if kind == "too_long" and "max_length" in context:
        most, actual = context["max_length"], context.get("actual_length")
        return f"must have at most {most} {unit}{'s' * (most != 1)} (it has {actual})"
    if kind == "model_type":
        return "must be a JSON object"
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


def _is_json_media_type(content_type: str) -> bool:
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return False
    name, _, charset = parameters.partition("=")
    return not name.strip() or name.strip().lower() != "charset" or charset.strip(' "').lower() == "utf-8"


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, refused (413) as soon as it is known to exceed `max_bytes`. Read once: every later
    read of the request's body gets the same bytes (Starlette keeps them)."""
    body = b"".join([chunk async for chunk in limited_body(request, max_bytes)])
    request._body = body  # what Starlette's own `body()` keeps, so that `stream()` replays it
    return body


async def read_json(request: Request, max_bytes: int) -> Any:
    """The request's JSON document, numbers with a fraction as `Decimal` so that 0.07 stays 0.07.

    The body must say it is JSON (`Content-Type: application/json`, or any `+json` type) and be UTF-8, as
    RFC 8259 requires: a body sent without a type, or in UTF-16, is refused rather than guessed at. No body at
    all is the clearer mistake and says so (400)."""
    content_type = request.headers.get("content-type")
    if content_type is not None and not _is_json_media_type(content_type):
        raise UnsupportedMediaType(f"Content-Type {content_type!r} is not supported: send application/json.")
    raw = await read_body(request, max_bytes)
    if content_type is None and raw:
        raise UnsupportedMediaType("The body has no Content-Type: send application/json.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleViolation("body", "The body is not UTF-8.") from None
    if not text.strip():
        raise RuleViolation("body", "A JSON object is required.")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError, ArithmeticError) as exc:  # Decimal("1e9999999999999999999")
        raise RuleViolation("body", "The body is not valid JSON.") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Uploads: a file as the whole body, or as the `file` part of a form. A route that takes one says so
# (`Routes.post(..., uploads=True)`): its body is read by `read_upload`, under `max_upload_bytes`, never
# held whole in memory, and the request path's steps read it the same way (web/idempotency.py).
UPLOAD_TYPES = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
)
FORM = "multipart/form-data"
FILE_PART = "file"
UPLOADS = "talent_training.uploads"  # in the scope of a request to a route that takes an upload
_UPLOAD = "talent_training.upload"  # the upload, once read
_IN_MEMORY = 1024 * 1024  # an upload up to this size stays in memory; a larger one goes to a temporary file
_CHUNK = 1024 * 1024


@dataclass(slots=True)
class Upload:
    file: IO[bytes]  # at its start; closed with the request (or when dropped)
    size: int
    digest: bytes  # SHA-256 of the file's bytes (of the file part, not of the whole form)
    media_type: str  # as sent: one of UPLOAD_TYPES, or FORM


def takes_upload(request: Request) -> bool:
    return bool(request.scope.get(UPLOADS))


def close_upload(request: Request) -> None:
    """Its temporary file gone, once the request is answered (web/routing.py)."""
    upload: Upload | None = request.scope.pop(_UPLOAD, None)
    if upload is not None:
        upload.file.close()


async def read_upload(request: Request, max_bytes: int) -> Upload:
    """The uploaded file, streamed to a spooled temporary file: refused (413) as soon as the body is known to
    exceed `max_bytes`, 415 when it is neither a file type nor a form. Read once per request: a step of the
    request path and the endpoint get the same `Upload`."""
    found: Upload | None = request.scope.get(_UPLOAD)
    if found is not None:
        return found
    content_type = request.headers.get("content-type")
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type != FORM and media_type not in UPLOAD_TYPES:
        accepted = ", ".join([*UPLOAD_TYPES, FORM])
        sent = f"Content-Type {content_type!r}" if content_type else "A body without Content-Type"
        raise UnsupportedMediaType(f"{sent} is not supported: send the file as one of {accepted}.")
    with request.state_of_app.pause_time_limit():  # a large file takes what the client's link takes
        if media_type == FORM:
            upload = await _form_upload(request, max_bytes)
        else:
            upload = await _raw_upload(request, max_bytes, media_type)
    request.scope[_UPLOAD] = upload
    return upload


async def limited_body(request: Request, max_bytes: int) -> AsyncGenerator[bytes, None]:
    """The body's chunks, refused (413) as soon as it is known to exceed `max_bytes`: by its declared length
    before anything is read, else when the bytes read go past it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and (len(declared) > 15 or int(declared) > max_bytes):
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
        yield chunk


async def _raw_upload(request: Request, max_bytes: int, media_type: str) -> Upload:
    spool: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115 (the upload's)
    digest = hashlib.sha256()
    size = 0
    try:
        async for chunk in limited_body(request, max_bytes):
            digest.update(chunk)
            size += len(chunk)
            if getattr(spool, "_rolled", True):  # on disk: written off the event loop, as Starlette does
                await run_in_threadpool(spool.write, chunk)
            else:
                spool.write(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return Upload(spool, size, digest.digest(), media_type)


async def _form_upload(request: Request, max_bytes: int) -> Upload:
    parser = MultiPartParser(request.headers, limited_body(request, max_bytes), max_files=1, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise RuleViolation("body", f"The form cannot be read: {error.message}") from None
    part = form.get(FILE_PART)
    for name, value in form.multi_items():
        if name != FILE_PART and isinstance(value, UploadFile):
            value.file.close()
    if part is None:
        raise RuleViolation(FILE_PART, f"The form must hold the file, in a part named {FILE_PART!r}.")
    if isinstance(part, str):  # a plain field: small (Starlette caps it at 1 MiB), kept as its bytes
        spool: SpooledTemporaryFile[bytes] = SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115
        spool.write(part.encode("utf-8"))
        file: IO[bytes] = spool
    else:
        file = part.file
    try:
        size, digest = await run_in_threadpool(_measure, file)
    except BaseException:
        file.close()
        raise
    return Upload(file, size, digest, FORM)


def _measure(file: IO[bytes]) -> tuple[int, bytes]:
    """The size and SHA-256 of a file, left at its start."""
    file.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := file.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return size, digest.digest()
