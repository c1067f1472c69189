"""The first sheet of an XLSX workbook, row by row, its cells as text written the way a user typed them.

openpyxl's read-only mode streams the sheet's XML; the shared strings table (every distinct text of the
workbook), though, is read whole, so its size is bounded before anything is read. `data_only` gives the
values formulas had when the file was last saved.
"""

from __future__ import annotations

import bisect
import math
import os
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import openpyxl  # type: ignore[import-untyped]

from talent_training.imports.problems import FileRefused, ImportProblem

Workbook = Any  # openpyxl ships no types

# Uncompressed; about 1 M distinct texts of 40 characters. zipfile stops at a member's declared size, so a
# compressed bomb cannot go past it.
SHARED_STRINGS_LIMIT = 100 * 1024 * 1024


def open_first_sheet(source: object) -> tuple[Workbook, Iterator[tuple[object, ...]]]:
    """The workbook (to close) and its first worksheet's rows of values, gaps filled with empty rows.
    `source`: a path or a seekable binary stream."""
    try:
        _check_size(source)
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except FileRefused:
        raise
    except Exception as error:  # zip, XML or workbook structure: all mean the same to the user
        raise _unreadable(error) from error
    sheets = workbook.worksheets
    if not sheets:
        workbook.close()
        raise FileRefused([ImportProblem(None, None, None, "the workbook has no worksheet")])
    sheet = sheets[0]
    # The size a file declares may be wrong (some writers never update it): read every row there is.
    sheet.reset_dimensions()
    rows: Iterator[tuple[object, ...]] = sheet.iter_rows(values_only=True)
    return workbook, rows


class Tracked:
    """A seekable binary file that remembers where its last read ended: what openpyxl hands to its zip
    reader, so that how far into the sheet it has got can be told (`SheetProgress`)."""

    def __init__(self, file: Any) -> None:
        self._file = file
        self.position = 0

    def read(self, size: int = -1, /) -> bytes:
        data: bytes = self._file.read(size)
        self.position = self._file.seek(0, os.SEEK_CUR)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET, /) -> int:
        where: int = self._file.seek(offset, whence)
        return where

    def tell(self) -> int:
        return self.seek(0, os.SEEK_CUR)

    def seekable(self) -> bool:
        return True


class SheetProgress:
    """How much of a worksheet openpyxl has read, from where its last read ended in the archive: the sheet
    is one zip member, read from start to end while rows are streamed. Before that (the shared strings are
    read first) it is unknown."""

    def __init__(self, tracked: Tracked) -> None:
        self._tracked = tracked
        tracked.seek(0)
        with zipfile.ZipFile(tracked) as archive:
            members = sorted(archive.infolist(), key=lambda member: member.header_offset)
        self._starts = [member.header_offset for member in members]
        self._members = members
        self._read: float | None = None
        tracked.seek(0)

    def fraction(self) -> float | None:
        # A read ending where a member starts has read the member before it.
        index = bisect.bisect_left(self._starts, self._tracked.position) - 1
        if index >= 0 and self._members[index].filename.startswith("xl/worksheets/"):
            member = self._members[index]
            read = (self._tracked.position - member.header_offset) / max(member.compress_size, 1)
            self._read = max(self._read or 0.0, min(read, 1.0))
        return self._read  # once known, kept when openpyxl reads elsewhere


def next_row(rows: Iterator[tuple[object, ...]], number: int) -> tuple[object, ...] | None:
    """The next row, None at the end; a damaged sheet is refused at the row it breaks."""
    try:
        return next(rows, None)
    except Exception as error:
        raise FileRefused(
            [ImportProblem(number, None, None, f"the sheet cannot be read here ({error})")]
        ) from error


def _check_size(source: Any) -> None:
    with zipfile.ZipFile(source) as archive:
        for member in archive.infolist():
            if (
                member.filename.lower().endswith("sharedstrings.xml")
                and member.file_size > SHARED_STRINGS_LIMIT
            ):
                limit = SHARED_STRINGS_LIMIT // (1024 * 1024)
                message = f"the workbook's texts take more than {limit} MiB: split it, or save it as CSV"
                raise FileRefused([ImportProblem(None, None, None, message)])


def _unreadable(error: Exception) -> FileRefused:
    return FileRefused([ImportProblem(None, None, None, f"not a readable XLSX workbook ({error})")])


def cell_text(value: object) -> str:
    """A cell's value as the user typed it: dates ISO, numbers without a spurious `.0`, true/false."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):  # a duration format such as [h]:mm
        return str(value)
    return str(value)


def _number(value: float) -> str:
    """Excel keeps 15 significant digits (so shows 0.1 + 0.2 as 0.3); written out without an exponent."""
    if not math.isfinite(value):
        return str(value)
    text = format(Decimal(f"{value:.15g}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
