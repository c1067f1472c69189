"""Reading exports in tests: the rows of a CSV or XLSX answer."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl  # type: ignore[import-untyped]

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = b"\xef\xbb\xbf"


def csv_rows(content: bytes) -> list[list[str]]:
    """Header first; the BOM checked and dropped, CRLF line ends checked."""
    assert content.startswith(BOM)
    text = content[len(BOM) :].decode("utf-8")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_rows(content: bytes) -> list[tuple[Any, ...]]:
    """Header first, each cell's value as openpyxl reads it (dates as datetimes), each row as wide as the
    header (a row's empty cells at its end are not in the file)."""
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        rows = [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    width = len(rows[0])
    return [row + (None,) * (width - len(row)) for row in rows]
