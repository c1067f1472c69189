"""Export files, CSV or XLSX, written as a stream of byte chunks in the import's format, so that an export
re-imports unchanged (docs/exports.md): English headers, ISO dates, `.` decimals, true/false.

    async for chunk in write(FIELDS, batches_of_rows, FileFormat.CSV):
        ...

`batches` yields lists of rows (sequences of values in the order of the fields, None for an absent value),
as `Tx.stream` reads them; `write` consumes it as it goes and closes it. The first chunk comes once the
first batch has been read, so that a source that fails at once fails before anything was sent.

- CSV: UTF-8 with a BOM (Excel reads the file as UTF-8 only then), `,` separators, CRLF line ends and
  quotes where RFC 4180 needs them (a value holding `,`, `"`, CR or LF). One chunk per batch: the rows go
  through `csv.writer` into a small buffer, with only the cells that need it converted (dates and ids are
  already written right by `str`).
- XLSX: one sheet, written by openpyxl's write-only mode (rows go to its temporary file as they come, memory
  stays flat), then streamed from a temporary file: the whole workbook is built before its first byte.
  Dates are date cells, numbers numbers, booleans booleans; a text is always a text (never a formula,
  whatever it starts with). Building the workbook is CPU work, done in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import enum
import io
import re
import tempfile
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, Protocol

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ERROR_CODES  # type: ignore[import-untyped]

from talent_training.imports.reading import CHUNK, FileFormat
from talent_training.kit.problems import DomainError

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {FileFormat.CSV: CSV_MEDIA_TYPE, FileFormat.XLSX: XLSX_MEDIA_TYPE}
BOM = "\ufeff"
# A sheet has 1,048,576 rows, the header's included.
XLSX_MAX_ROWS = 1_048_575


class Cell(enum.Enum):
    """What a column holds, which says how each format writes it."""

    TEXT = "text"
    INTEGER = "integer"
    DATE = "date"
    MOMENT = "moment"  # an aware datetime: ISO 8601 with its offset in CSV, UTC in XLSX (no zones there)
    BOOLEAN = "boolean"
    HUNDREDTHS = "hundredths"  # an integer count of hundredths (hours, money), written as a decimal


@dataclass(frozen=True, slots=True)
class Field:
    header: str
    cell: Cell


Fields = tuple[Field, ...]
Rows = Sequence[Sequence[Any]]


class TooManyRows(DomainError):
    """An export larger than an XLSX sheet holds (known before anything is sent: the workbook is built
    first)."""

    status = 400

    def __init__(self) -> None:
        super().__init__(
            f"An XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows and this export has more: "
            "export as CSV, or narrow the filters."
        )


def hundredths_text(hundredths: int) -> str:
    """250 is `2.5`, 1400 is `14`, 7 is `0.07`: as the API writes it, with a `.` whatever the locale."""
    sign = "-" if hundredths < 0 else ""
    whole, rest = divmod(abs(hundredths), 100)
    if not rest:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{rest:02d}".rstrip("0")


class _Streams(Protocol):
    def stream(self, query: Any, params: Any) -> AsyncIterable[Rows]: ...


class _Reads(Protocol):
    """A database (db/database.py's `Database`), as an export uses it: this package imports no database."""

    def read(self) -> AbstractAsyncContextManager[_Streams]: ...


async def export(
    database: _Reads, query: Any, params: Any, fields: Fields, file_format: FileFormat, *, title: str
) -> AsyncGenerator[bytes, None]:
    """Every row of `query`, read from one snapshot in batches, as the file's bytes, chunk by chunk; the first
    once the first rows are read, so that a database failure comes before anything is written."""
    async with database.read() as tx:
        chunks = write(fields, tx.stream(query, params), file_format, title=title)
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                yield chunk


async def write(
    fields: Fields, batches: AsyncIterable[Rows], file_format: FileFormat, *, title: str = "Export"
) -> AsyncGenerator[bytes, None]:
    """`title`: the XLSX sheet's name (at most 31 characters)."""
    chunks = (
        write_csv(fields, batches) if file_format is FileFormat.CSV else write_xlsx(fields, batches, title)
    )
    async with contextlib.aclosing(chunks):
        async for chunk in chunks:
            yield chunk


# CSV --------------------------------------------------------------------------------------------------------

_CSV_TEXT: dict[Cell, Callable[[Any], Any] | None] = {
    Cell.TEXT: None,
    Cell.INTEGER: None,
    Cell.DATE: None,  # str(date) is ISO 8601
    Cell.MOMENT: datetime.isoformat,
    Cell.BOOLEAN: {True: "true", False: "false"}.__getitem__,
    Cell.HUNDREDTHS: hundredths_text,
}


def _converter(
    fields: Fields, conversions: dict[Cell, Callable[[Any], Any] | None]
) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
    """A row's values as written: only the cells whose kind needs it converted, None left absent. None when
    no cell needs converting."""
    converted = [
        (index, convert) for index, field in enumerate(fields) if (convert := conversions[field.cell])
    ]
    if not converted:
        return None

    def convert_row(row: Sequence[Any]) -> Sequence[Any]:
        values = list(row)
        for index, convert in converted:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
        return values

    return convert_row


async def write_csv(fields: Fields, batches: AsyncIterable[Rows]) -> AsyncGenerator[bytes, None]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    convert = _converter(fields, _CSV_TEXT)
    buffer.write(BOM)
    writer.writerow([field.header for field in fields])
    try:
        async for rows in batches:
            writer.writerows(rows if convert is None else map(convert, rows))
            chunk = buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            yield chunk
        if buffer.tell():  # no rows at all: the header alone
            yield buffer.getvalue().encode("utf-8")
    finally:
        await _close(batches)


# XLSX -------------------------------------------------------------------------------------------------------

# What XML 1.0 cannot hold (openpyxl refuses the cell): control characters but tab, LF and CR.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_moment(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _xlsx_hundredths(value: int) -> float:
    return value / 100  # the nearest float reads back as the same 2 decimals (imports/xlsx.py)


class _Sheet:
    """A write-only sheet, filled and saved by a worker thread of its own, one job after the other (a batch's
    rows, the save), so that the event loop keeps serving meanwhile and a job still running when the export
    is abandoned (a time limit, an error) is never raced by the cleanup, queued behind it."""

    def __init__(self, fields: Fields, title: str) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlsx")
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title)
        self.sheet.freeze_panes = "A2"
        self.rows = 0
        conversions: dict[Cell, Callable[[Any], Any] | None] = {
            Cell.TEXT: self._text,
            Cell.INTEGER: None,
            Cell.DATE: None,
            Cell.MOMENT: _xlsx_moment,
            Cell.BOOLEAN: None,
            Cell.HUNDREDTHS: _xlsx_hundredths,
        }
        self.convert = _converter(fields, conversions)
        self.sheet.append([field.header for field in fields])

    def _text(self, value: str) -> Any:
        if _NOT_IN_XML.search(value):
            value = _NOT_IN_XML.sub("\ufffd", value)
        if value.startswith("=") or value in ERROR_CODES:
            # openpyxl would write `=...` as a formula and `#N/A` as an error: a text stays a text.
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.data_type = "s"
            return cell
        return value

    def _append(self, rows: Rows) -> None:
        self.rows += len(rows)
        if self.rows > XLSX_MAX_ROWS:
            raise TooManyRows()
        append, convert = self.sheet.append, self.convert
        for row in rows:
            append(row if convert is None else convert(row))

    async def append(self, rows: Rows) -> None:
        await asyncio.wrap_future(self._worker.submit(self._append, rows))

    async def save(self, file: IO[bytes]) -> None:
        await asyncio.wrap_future(self._worker.submit(self.workbook.save, file))
        self._worker.shutdown(wait=False)

    def discard(self) -> None:
        """Once the job under way is over: the sheet closed and openpyxl's temporary file of its rows
        removed now (it would otherwise stay until the process ends). Best effort: whatever state a
        failed job left the sheet in, nothing of it is kept."""
        self._worker.submit(self._discard)
        self._worker.shutdown(wait=False)

    def _discard(self) -> None:
        writer = self.sheet._writer  # openpyxl's, holding the temporary file (no public way to it)
        with contextlib.suppress(Exception):
            self.sheet.close()
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


async def write_xlsx(
    fields: Fields, batches: AsyncIterable[Rows], title: str = "Export"
) -> AsyncGenerator[bytes, None]:
    sheet = _Sheet(fields, title)
    with tempfile.TemporaryFile() as file:
        try:
            try:
                async for rows in batches:
                    await sheet.append(rows)
            finally:
                await _close(batches)
            await sheet.save(file)
        except BaseException:
            sheet.discard()
            raise
        file.seek(0)
        while chunk := file.read(CHUNK):
            yield chunk


async def _close(batches: AsyncIterable[Rows]) -> None:
    """The source is the writer's once given: closed when the writer ends, however it ends (its cursor and
    snapshot released before the read block that holds them ends)."""
    close = getattr(batches, "aclose", None)
    if close is not None:
        await close()
