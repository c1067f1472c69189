"""Reading exports in tests: a client whose answers are checked against the contract, files included, and
the rows of a CSV or XLSX answer."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import openpyxl  # type: ignore[import-untyped]

from tests.contract.checker import contract_check, find_operation, our_document

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = b"\xef\xbb\xbf"


async def download_check(response: httpx.Response) -> None:
    """A file answer must be one the operation documents; any other answer is `contract_check`'s."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if response.status_code == 200 and media_type in (CSV, XLSX):
        await response.aread()
        method = response.request.method.lower()
        if method == "head":  # the GET's answer without its body
            assert response.content == b""
        get = find_operation(our_document(), "get", response.request.url.path)
        assert get is not None and media_type in get["responses"]["200"]["content"]
        return
    await contract_check(response)


def downloading(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The same client (its key), its answers checked by `download_check`."""
    client.event_hooks = {"response": [download_check]}
    return client


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
