"""Reading XLSX workbooks: the first sheet, its cells as the user typed them, row numbers as Excel shows."""

from __future__ import annotations

import io
import re
import types
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from talent_training.imports.columns import REALIZED_TRAININGS
from talent_training.imports.problems import FileRefused
from talent_training.imports.reading import FileFormat, open_table
from talent_training.imports.xlsx import cell_text
from tests.imports.helpers import Trickle, read_rows, values, write


def workbook(tmp_path: Path, *rows: Sequence[object], name: str = "file.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_cells_read_as_the_user_typed_them(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [
            "Employee login",
            "Training title",
            "Start date",
            "End date",
            "Duration (hours)",
            "Certified",
            "Cost",
        ],
        ["jdoe", "Sécurité", date(2025, 3, 1), datetime(2025, 3, 2), 14, True, 1250.5],
        ["jane", "Excel", "03/01/2025", "2025-03-02", 2.5, False, 0.1 + 0.2],
        ["john", 1984, datetime(2025, 3, 1, 9, 30), date(2025, 3, 2), 14.0, 1, 1e20],
    )
    with open_table(path, REALIZED_TRAININGS) as table:
        assert table.format is FileFormat.XLSX
        assert table.encoding is None
        rows = list(table.rows())
    assert [row.values for row in rows] == [
        {
            "login": "jdoe",
            "trainingTitle": "Sécurité",
            "sessionStartsOn": "2025-03-01",
            "sessionEndsOn": "2025-03-02",
            "durationInHours": "14",
            "isCertifying": "true",
            "cost": "1250.5",
        },
        {
            "login": "jane",
            "trainingTitle": "Excel",
            "sessionStartsOn": "03/01/2025",
            "sessionEndsOn": "2025-03-02",
            "durationInHours": "2.5",
            "isCertifying": "false",
            "cost": "0.3",
        },
        {
            "login": "john",
            "trainingTitle": "1984",
            "sessionStartsOn": "2025-03-01 09:30:00",  # a time of day: the date parser will say so
            "sessionEndsOn": "2025-03-02",
            "durationInHours": "14",
            "isCertifying": "1",
            "cost": "100000000000000000000",
        },
    ]
    assert [row.number for row in rows] == [2, 3, 4]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (0.07, "0.07"),
        (-2.5, "-2.5"),
        (-0.0, "0"),
        (1e-05, "0.00001"),
        (123456789.12, "123456789.12"),
        (14.000000000000002, "14"),
        (7, "7"),
        (time(9, 30), "09:30:00"),
        (timedelta(hours=26), "1 day, 2:00:00"),
        (datetime(2025, 1, 2), "2025-01-02"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_headers_in_any_order_and_either_language(tmp_path: Path) -> None:
    path = workbook(tmp_path, ["  DURÉE (heures)", "intitulé de la formation", "ownerId"], [7.5, "Excel", 42])
    assert values(path) == [{"durationInHours": "7.5", "trainingTitle": "Excel", "ownerId": "42"}]


def test_unknown_and_repeated_headers_are_refused(tmp_path: Path) -> None:
    path = workbook(
        tmp_path, ["Employee login", "Colour", "Identifiant du collaborateur"], ["jdoe", "x", "y"]
    )
    with pytest.raises(FileRefused) as caught:
        read_rows(path)
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (1, "Colour"),
        (1, "Identifiant du collaborateur"),
    ]


def test_empty_rows_keep_the_numbers_excel_shows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Employee login", "Training title"])
    sheet["A2"] = "jdoe"
    sheet["A5"] = "jane"
    sheet["B5"] = "Excel"
    sheet["B7"] = "   "
    path = tmp_path / "gaps.xlsx"
    book.save(path)
    rows = read_rows(path)
    assert [(row.number, row.values) for row in rows] == [
        (2, {"login": "jdoe"}),
        (5, {"login": "jane", "trainingTitle": "Excel"}),
    ]


def test_values_beyond_the_header_are_problems(tmp_path: Path) -> None:
    path = workbook(tmp_path, ["Employee login", None, "Training title"], ["jdoe", "stray", "Excel", None, 3])
    (row,) = read_rows(path)
    assert row.values == {"login": "jdoe", "trainingTitle": "Excel"}
    assert [(p.row, p.value, p.message) for p in row.problems] == [
        (2, "stray", "column B holds a value but has no header"),
        (2, "3", "column E holds a value but has no header"),
    ]


def test_the_first_sheet_is_read_whichever_is_active(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Employee login"])
    book.active.append(["first"])
    other = book.create_sheet("Other")
    other.append(["Employee login"])
    other.append(["second"])
    book.active = 1
    path = tmp_path / "two.xlsx"
    book.save(path)
    assert values(path) == [{"login": "first"}]


def test_every_row_is_read_even_when_the_declared_size_is_wrong(tmp_path: Path) -> None:
    path = workbook(tmp_path, ["Employee login"], ["a"], ["b"], ["c"])
    patched = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, replaced = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:A2"', data)
                assert replaced == 1
            target.writestr(item, data)
    assert values(patched) == [{"login": "a"}, {"login": "b"}, {"login": "c"}]


def test_a_stream_that_cannot_seek_is_read_too(tmp_path: Path) -> None:
    data = workbook(tmp_path, ["Employee login"], ["jdoe"]).read_bytes()
    stream = Trickle(data, 1000)
    assert values(stream) == [{"login": "jdoe"}]
    assert values(io.BytesIO(data)) == [{"login": "jdoe"}]


def test_rows_are_a_generator(tmp_path: Path) -> None:
    path = workbook(tmp_path, ["Employee login"], *([f"user{n}"] for n in range(1000)))
    with open_table(path, REALIZED_TRAININGS) as table:
        rows = table.rows()
        assert isinstance(rows, types.GeneratorType)
        assert next(rows).values == {"login": "user0"}
        assert sum(1 for _ in rows) == 999


def test_an_empty_workbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as caught:
        read_rows(workbook(tmp_path))
    assert caught.value.problems[0].row == 1


def test_a_damaged_workbook_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as caught:
        read_rows(write(tmp_path, b"PK\x03\x04" + b"\x00" * 100, "broken.xlsx"))
    assert "not a readable XLSX workbook" in caught.value.problems[0].message


def test_a_zip_that_is_no_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(FileRefused, match="not a readable XLSX workbook"):
        read_rows(path)


def test_an_old_xls_workbook_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
    with pytest.raises(FileRefused, match=r"\.xls"):
        read_rows(path)


def test_a_workbook_whose_texts_would_fill_the_memory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workbook(tmp_path, ["Employee login"], ["jdoe"])
    with zipfile.ZipFile(path, "a") as archive:  # as Excel writes texts (openpyxl writes them inline)
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 100 + "</sst>")
    assert values(path) == [{"login": "jdoe"}]
    monkeypatch.setattr("talent_training.imports.xlsx.SHARED_STRINGS_LIMIT", 200)
    with pytest.raises(FileRefused, match="split it, or save it as CSV"):
        read_rows(path)
