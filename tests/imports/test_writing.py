"""Export files: CSV and XLSX written batch by batch, the way the importer reads them back."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from openpyxl.worksheet._writer import ALL_TEMP_FILES  # type: ignore[import-untyped]

from talent_training.imports import writing
from talent_training.imports.reading import FileFormat
from talent_training.imports.writing import Cell, Field, TooManyRows, hundredths_text, write

FIELDS = (
    Field("Name", Cell.TEXT),
    Field("Id", Cell.INTEGER),
    Field("On", Cell.DATE),
    Field("At", Cell.MOMENT),
    Field("Done", Cell.BOOLEAN),
    Field("Hours", Cell.HUNDREDTHS),
)
PARIS_WINTER = timezone(timedelta(hours=1))


class Source:
    """Batches of rows, remembering how far they were read and whether they were closed."""

    def __init__(self, *batches: list[tuple[Any, ...]], failure: Exception | None = None) -> None:
        self.batches = batches
        self.failure = failure
        self.read = 0
        self.closed = False

    async def rows(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        try:
            if self.failure is not None:
                raise self.failure
            for batch in self.batches:
                self.read += 1
                yield batch
        finally:
            self.closed = True


async def no_temporary_file_left() -> None:
    """openpyxl keeps a sheet's rows in a temporary file until saved; an abandoned export removes it, in its
    worker thread, once the job under way there is over."""
    for _ in range(500):
        if not ALL_TEMP_FILES:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"left behind: {ALL_TEMP_FILES}")


async def chunks(source: Source, file_format: FileFormat = FileFormat.CSV) -> list[bytes]:
    return [chunk async for chunk in write(FIELDS, source.rows(), file_format)]


@pytest.mark.parametrize(
    ("hundredths", "text"),
    [(0, "0"), (7, "0.07"), (10, "0.1"), (250, "2.5"), (1400, "14"), (123456, "1234.56"), (-250, "-2.5")],
)
def test_hundredths_are_written_as_the_api_writes_them(hundredths: int, text: str) -> None:
    assert hundredths_text(hundredths) == text


async def test_csv_is_one_chunk_per_batch_the_header_with_the_first() -> None:
    source = Source(
        [("a", 1, date(2025, 1, 4), datetime(2025, 1, 4, 9, 30, tzinfo=PARIS_WINTER), True, 250)],
        [("b", None, None, None, False, None), ("c", 3, None, None, None, 7)],
    )

    written = await chunks(source)

    assert written == [
        b"\xef\xbb\xbfName,Id,On,At,Done,Hours\r\na,1,2025-01-04,2025-01-04T09:30:00+01:00,true,2.5\r\n",
        b"b,,,,false,\r\nc,3,,,,0.07\r\n",
    ]
    assert source.closed


async def test_csv_quotes_as_rfc_4180_says() -> None:
    tricky = ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "semi;colon", " spaced ", "=1+1"]
    source = Source([(value, None, None, None, None, None) for value in tricky])

    text = b"".join(await chunks(source)).decode("utf-8-sig")

    assert text.splitlines()[1:3] == ['"a,b",,,,,', '"say ""hi""",,,,,']
    assert [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:] == tricky


async def test_no_rows_is_the_header_alone() -> None:
    assert await chunks(Source()) == [b"\xef\xbb\xbfName,Id,On,At,Done,Hours\r\n"]


@pytest.mark.parametrize("file_format", list(FileFormat))
async def test_a_source_failing_at_once_fails_before_anything_is_written(file_format: FileFormat) -> None:
    source = Source(failure=ConnectionError("down"))
    produced = write(FIELDS, source.rows(), file_format)

    with pytest.raises(ConnectionError):
        await anext(produced)
    assert source.closed
    await no_temporary_file_left()


@pytest.mark.parametrize("file_format", list(FileFormat))
async def test_closing_the_writer_closes_its_source(file_format: FileFormat) -> None:
    source = Source(*[[("a", 1, None, None, True, 100)]] * 3)
    produced = write(FIELDS, source.rows(), file_format)

    await anext(produced)
    await produced.aclose()

    assert source.closed
    await no_temporary_file_left()
    if file_format is FileFormat.CSV:  # streamed: what was not asked for was not read
        assert source.read == 1


async def test_xlsx_cells_are_typed_and_a_text_is_always_a_text() -> None:
    source = Source(
        [
            ('=HYPERLINK("http://x")', 1, date(2025, 1, 4), datetime(2025, 1, 4, 9, 30, tzinfo=PARIS_WINTER),
             True, 250),
            ("#N/A", None, None, None, False, 7),
            ("bell\x07 and tab\t", 3, None, None, None, None),
        ],
    )  # fmt: skip

    content = b"".join(await chunks(source, FileFormat.XLSX))

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cells = list(workbook.worksheets[0].iter_rows())
    assert [cell.value for cell in cells[0]] == ["Name", "Id", "On", "At", "Done", "Hours"]
    assert [cell.value for cell in cells[1]] == [
        '=HYPERLINK("http://x")',
        1,
        datetime(2025, 1, 4),
        datetime(2025, 1, 4, 8, 30),
        True,
        2.5,
    ]  # the moment in UTC: a sheet has no time zones
    assert [cell.data_type for cell in cells[1][:1] + cells[2][:1]] == ["s", "s"]
    assert cells[2][0].value == "#N/A" and cells[2][5].value == 0.07
    # XML cannot hold most control characters: each becomes U+FFFD (a tab stays).
    assert cells[3][0].value == "bell\ufffd and tab\t"
    assert cells[1][2].number_format == "yyyy-mm-dd"


async def test_xlsx_refuses_more_rows_than_a_sheet_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writing, "XLSX_MAX_ROWS", 2)
    source = Source([("a", 1, None, None, None, None)] * 2, [("b", 2, None, None, None, None)])

    with pytest.raises(TooManyRows) as refused:
        await chunks(source, FileFormat.XLSX)

    assert refused.value.status == 400 and "export as CSV" in refused.value.detail
    assert source.closed
    await no_temporary_file_left()
