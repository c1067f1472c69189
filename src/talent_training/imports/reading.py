"""Open an import file, CSV or XLSX, and stream its rows keyed by our columns' keys.

    with open_table(path_or_binary_stream, REALIZED_TRAININGS) as table:
        table.keys            # the columns the file has
        for row in table.rows():
            row.number, row.values, row.problems
            table.fraction    # how much of the file was read so far (0..1), None when its size is unknown

`row.values` holds the row's non-empty cells only, trimmed of surrounding spaces: an empty cell is an
absent key (never None, never ""). `row.number` is the row a spreadsheet shows, the header being row 1.
Header problems (unknown, repeated, missing) and unreadable files raise `FileRefused` from `open_table`;
a byte that the encoding cannot read raises it from `rows()`, naming the row.
"""

from __future__ import annotations

import csv
import difflib
import enum
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, TypeVar

from talent_training.imports import decoding, xlsx
from talent_training.imports.columns import Column, Columns, by_header, header_name
from talent_training.imports.problems import FileRefused, ImportProblem

CHUNK = 64 * 1024
XLSX_SIGNATURE = b"PK\x03\x04"
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003, and encrypted workbooks
SEPARATORS = (",", ";")
UNNAMED = ""  # the key of a column whose header cell is empty


class BinaryStream(Protocol):
    """What is read of a stream: a file opened "rb", io.BytesIO, an upload's spooled file, a raw stream."""

    def read(self, size: int = -1, /) -> bytes | None: ...
    def seekable(self) -> bool: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...


Source = str | os.PathLike[str] | BinaryStream
_T = TypeVar("_T")


class Closable(Protocol):
    def close(self) -> None: ...


class FileFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class FileOptions:
    """How to read a file where detection must not decide: each None is detected (format, encoding,
    separator), as the CLI's options and the HTTP parameters of an import say."""

    file_format: FileFormat | None = None
    encoding: str | None = None
    separator: str | None = None

    def open(self, source: Source, columns: Columns) -> Table:
        return open_table(
            source, columns, file_format=self.file_format, encoding=self.encoding, separator=self.separator
        )


@dataclass(slots=True)  # not frozen: a frozen dataclass costs twice as much to build, per row
class Row:
    number: int
    values: dict[str, str]
    # Found while reading: a value under a column without header, or beyond the last column.
    problems: tuple[ImportProblem, ...] = ()


def open_table(
    source: Source,
    columns: Columns,
    *,
    file_format: FileFormat | None = None,
    encoding: str | None = None,
    separator: str | None = None,
) -> Table:
    """Open `source` (a path, or a binary stream the caller keeps and closes) and read its header.

    The format is XLSX when the file starts as a zip archive, else CSV; a CSV's encoding is UTF-8 (BOM or
    not) or else Windows-1252, its separator `;` when the header has more `;` than `,`: each overridable.
    """
    if separator is not None and separator not in SEPARATORS:
        raise ValueError(f"the separator must be one of {SEPARATORS}")
    if encoding is not None:
        decoding.encoding_name(encoding)  # an unknown name is the caller's error, raised now
    stream: BinaryStream
    owned: Closable | None = None
    if isinstance(source, str | os.PathLike):
        stream = owned = open(source, "rb")  # noqa: SIM115 (closed with the table)
    else:
        stream = source
    try:
        head = _read_head(stream)
        if file_format is None:
            file_format = _detect(head)
        if file_format is FileFormat.XLSX:
            return _open_xlsx(stream, owned, head, columns)
        return _open_csv(stream, owned, head, columns, encoding, separator)
    except BaseException:
        if owned:
            owned.close()
        raise


def _read_head(stream: BinaryStream) -> bytes:
    """The first CHUNK bytes, however few a stream hands over at a time."""
    head = b""
    while len(head) < CHUNK and (more := stream.read(CHUNK - len(head))):
        head += more
    return head


def _chunks(stream: BinaryStream) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _detect(head: bytes) -> FileFormat:
    if head.startswith(XLSX_SIGNATURE):
        return FileFormat.XLSX
    if head.startswith(XLS_SIGNATURE):
        message = (
            "an Excel 97-2003 (.xls) or password-protected workbook is not read: save it as .xlsx or CSV"
        )
        raise _refused(None, message)
    return FileFormat.CSV


class Table:
    """An open file: its header read, its rows to stream once with `rows()`. Close it (or use `with`)."""

    def __init__(
        self,
        file_format: FileFormat,
        header: Sequence[str],
        columns: Columns,
        records: Iterator[Sequence[str]],
        close: Iterable[Closable],
        decoder: decoding.Decoder | None = None,
        separator: str | None = None,
        measure: Callable[[], float | None] | None = None,
    ) -> None:
        self.format = file_format
        self._slots, self.headers = _match_header(header, columns)
        self._records = records
        self._closing = tuple(close)
        self._started = False
        self.decoder = decoder
        self.separator = separator
        self._measure = measure
        self._ended = False

    @property
    def fraction(self) -> float | None:
        """How much of the file has been read (0..1), for a progress bar: 1 once every row was handed over;
        before that, None when the size is unknown (a stream that cannot seek). Reading runs a little ahead
        of the rows handed over (a chunk)."""
        if self._ended:
            return 1.0
        return self._measure() if self._measure else None

    @property
    def keys(self) -> frozenset[str]:
        """The keys of the columns the file has."""
        return frozenset(self.headers)

    @property
    def encoding(self) -> str | None:
        """A CSV's encoding as read so far (`ascii` while no other character was met); None for XLSX."""
        return self.decoder.name if self.decoder else None

    def rows(self) -> Iterator[Row]:
        """The rows after the header, wholly empty ones skipped; once only."""
        if self._started:
            raise RuntimeError("the rows of a table are read once")
        self._started = True
        return self._rows()

    def _rows(self) -> Iterator[Row]:
        slots, width = self._slots, len(self._slots)
        plain = UNNAMED not in slots
        for number, cells in enumerate(self._records, start=2):
            values = {key: text for key, cell in zip(slots, cells, strict=False) if (text := cell.strip())}
            if plain and len(cells) <= width:
                if values:
                    yield Row(number, values)
                continue
            values.pop(UNNAMED, None)
            problems = tuple(_stray_cells(number, cells, slots))
            if values or problems:
                yield Row(number, values, problems)
        self._ended = True

    def close(self) -> None:
        for thing in self._closing:
            thing.close()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def _stray_cells(number: int, cells: Sequence[str], slots: Sequence[str]) -> Iterator[ImportProblem]:
    for index, cell in enumerate(cells):
        if (index >= len(slots) or slots[index] == UNNAMED) and (text := cell.strip()):
            yield ImportProblem(
                number, None, text, f"column {column_letter(index)} holds a value but has no header"
            )


def _match_header(header: Sequence[str], columns: Columns) -> tuple[list[str], dict[str, str]]:
    """Each column's key (UNNAMED for an empty header cell) and, per key, its header as written."""
    known = by_header(columns)
    slots: list[str] = []
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    problems: list[ImportProblem] = []
    for index, cell in enumerate(header):
        written = cell.strip()
        name = header_name(written)
        column = known.get(name)
        if not name:
            slots.append(UNNAMED)
        elif column is None:
            slots.append(UNNAMED)
            problems.append(ImportProblem(1, written, written, _unknown(name, known)))
        elif column.key in headers:
            slots.append(UNNAMED)
            first = headers[column.key]
            message = f"repeats the column {first!r} (column {letters[column.key]})"
            problems.append(ImportProblem(1, written, written, message))
        else:
            slots.append(column.key)
            headers[column.key] = written
            letters[column.key] = column_letter(index)
    if not headers and not problems:
        problems.append(ImportProblem(1, None, None, "the first row must hold the column names"))
    if problems:
        raise FileRefused(problems)
    return slots, headers


def _unknown(name: str, known: Mapping[str, Column]) -> str:
    """The message for an unknown header, with the nearest known one if one is near."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    if not close:
        return "is not a column of this import"
    written = next(other for other in known[close[0]].names if header_name(other) == close[0])
    return f"is not a column of this import (did you mean {written!r}?)"


def column_letter(index: int) -> str:
    """A 0-based column index as a spreadsheet names the column: A, B, ..., Z, AA..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _refused(row: int | None, message: str) -> FileRefused:
    return FileRefused([ImportProblem(row, None, None, message)])


# CSV


def _open_csv(
    stream: BinaryStream,
    owned: Closable | None,
    head: bytes,
    columns: Columns,
    encoding: str | None,
    separator: str | None,
) -> Table:
    try:
        decoder, head = decoding.Decoder.for_head(head, encoding)
    except decoding.DecodingFailed as error:
        raise _refused(None, error.message) from None
    read = _Measured(len(head), _remaining(stream))
    chunks = itertools.chain((head,), read.counting(_chunks(stream)))
    lines = decoding.lines(decoding.texts(chunks, decoder))
    first = next(_csv_errors(lines, 0), None)
    if first is None:
        raise _refused(1, "the file is empty: its first row must hold the column names")
    if separator is None:
        separator = ";" if first.count(";") > first.count(",") else ","
    records = _records(itertools.chain((first,), lines), separator)
    header = next(records)
    closing = (owned,) if owned else ()
    return Table(FileFormat.CSV, header, columns, records, closing, decoder, separator, read.fraction)


class _Measured:
    """Bytes read of a file whose size may be known."""

    __slots__ = ("done", "size")

    def __init__(self, done: int, rest: int | None) -> None:
        self.done = done
        self.size = None if rest is None else done + rest

    def counting(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.done += len(chunk)
            yield chunk

    def fraction(self) -> float | None:
        return min(self.done / self.size, 1.0) if self.size else None


def _remaining(stream: BinaryStream) -> int | None:
    """The bytes left to read in `stream`, None when it cannot tell (it cannot seek)."""
    try:
        if not stream.seekable():
            return None
        here = stream.seek(0, os.SEEK_CUR)
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
    except (OSError, ValueError):
        return None
    return end - here


def _records(lines: Iterator[str], separator: str) -> Iterator[list[str]]:
    """RFC 4180 records: quotes doubled inside quoted cells, which may hold separators and line ends; a
    blank line is an empty record (a spreadsheet shows it as an empty row)."""
    return _csv_errors(csv.reader(lines, delimiter=separator, quotechar='"', strict=True), 0)


def _csv_errors(items: Iterator[_T], done: int) -> Iterator[_T]:
    """`items`, each failure refused at the row being read (`done` rows were read before)."""
    try:
        for item in items:
            yield item
            done += 1
    except decoding.DecodingFailed as error:
        raise _refused(done + 1, error.message) from None
    except decoding.LineTooLong:
        raise _refused(done + 1, f"a line is longer than {decoding.MAX_LINE:,} characters") from None
    except csv.Error as error:
        raise _refused(done + 1, _csv_message(str(error))) from None


def _csv_message(error: str) -> str:
    if "field limit" in error:
        limit = csv.field_size_limit()
        return f"a cell is longer than {limit:,} characters, or a quoted cell is never closed"
    if "end of data" in error:
        return "a quoted cell is never closed"
    if "expected after" in error:
        return "a quoted cell goes on after its closing quote (a quote inside a quoted cell is written twice)"
    return f"the row is not valid CSV ({error})"


# XLSX


def _open_xlsx(stream: BinaryStream, owned: Closable | None, head: bytes, columns: Columns) -> Table:
    """openpyxl reads the zip's directory at its end: a stream that cannot seek is copied to a temporary
    file first."""
    if stream.seekable():
        stream.seek(-len(head), os.SEEK_CUR)
        return _xlsx_table(xlsx.Tracked(stream), columns, (owned,) if owned else ())
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the table)
    try:
        spool.write(head)
        for chunk in _chunks(stream):
            spool.write(chunk)
        spool.seek(0)
        return _xlsx_table(xlsx.Tracked(spool), columns, (spool,))
    except BaseException:
        spool.close()
        raise


def _xlsx_table(source: xlsx.Tracked, columns: Columns, files: tuple[Closable, ...]) -> Table:
    workbook, rows = xlsx.open_first_sheet(source)
    try:
        first = xlsx.next_row(rows, 1)
        if first is None or not any(xlsx.cell_text(value).strip() for value in first):
            raise _refused(1, "the first row of the first sheet must hold the column names")
        header = [xlsx.cell_text(value) for value in first]
        progress = xlsx.SheetProgress(source)
        closing = (workbook, *files)
        return Table(
            FileFormat.XLSX, header, columns, _xlsx_records(rows), closing, measure=progress.fraction
        )
    except BaseException:
        workbook.close()
        for file in files:
            file.close()
        raise


def _xlsx_records(rows: Iterator[tuple[object, ...]]) -> Iterator[list[str]]:
    number = 2
    while (row := xlsx.next_row(rows, number)) is not None:
        yield [xlsx.cell_text(value) for value in row]
        number += 1
