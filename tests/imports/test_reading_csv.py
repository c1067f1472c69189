"""Reading CSV files: encodings, separators, RFC 4180 quoting, headers in either language, row numbers."""

from __future__ import annotations

import io
import types
from pathlib import Path

import pytest

from talent_training.imports.cells import CellError, parse_text
from talent_training.imports.columns import EMPLOYEES, REALIZED_TRAININGS
from talent_training.imports.problems import FileRefused
from talent_training.imports.reading import CHUNK, FileFormat, open_table
from tests.imports.helpers import Trickle, read_rows, values, write

HEADER = "Employee login,Training title,Start date,End date,Duration (hours)\r\n"
ROW = "jdoe,Sécurité incendie,03/01/2025,03/02/2025,14\r\n"
EXPECTED = {
    "login": "jdoe",
    "trainingTitle": "Sécurité incendie",
    "sessionStartsOn": "03/01/2025",
    "sessionEndsOn": "03/02/2025",
    "durationInHours": "14",
}


def refusal(source: Path | io.IOBase, **options: str) -> FileRefused:
    with pytest.raises(FileRefused) as caught:
        read_rows(source, REALIZED_TRAININGS, **options)  # type: ignore[arg-type]
    return caught.value


# Encodings


def test_utf8_without_bom(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + ROW).encode("utf-8"))
    with open_table(path, REALIZED_TRAININGS) as table:
        assert [row.values for row in table.rows()] == [EXPECTED]
        assert table.format is FileFormat.CSV
        assert table.encoding == "utf-8"


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + (HEADER + ROW).encode("utf-8"))
    with open_table(path, REALIZED_TRAININGS) as table:
        assert table.headers["login"] == "Employee login"
        assert [row.values for row in table.rows()] == [EXPECTED]
        assert table.encoding == "utf-8"


def test_windows_1252_with_accents_and_the_euro_sign(tmp_path: Path) -> None:
    text = (
        "Identifiant du collaborateur;Intitulé de la formation;Coût;Devise\r\n"
        "jdoe;Sécurité € incendie;12,5;EUR\r\n"
    )
    path = write(tmp_path, text.encode("cp1252"))
    with open_table(path, REALIZED_TRAININGS) as table:
        assert table.headers["trainingTitle"] == "Intitulé de la formation"
        assert [row.values for row in table.rows()] == [
            {"login": "jdoe", "trainingTitle": "Sécurité € incendie", "cost": "12,5", "currency": "EUR"}
        ]
        assert table.encoding == "cp1252"


def test_a_windows_1252_file_whose_first_accent_is_past_the_first_chunk(tmp_path: Path) -> None:
    ascii_rows = "".join(f"user{n},Plain title {n},03/01/2025,03/02/2025,7\r\n" for n in range(3000))
    assert len(ascii_rows) > 2 * CHUNK
    path = write(
        tmp_path, (HEADER + ascii_rows + "zoé,Déjà vu à 5 €,03/01/2025,03/02/2025,7\r\n").encode("cp1252")
    )
    with open_table(path, REALIZED_TRAININGS) as table:
        assert table.encoding == "ascii"  # undecided: nothing beyond ASCII read yet
        rows = list(table.rows())
        assert table.encoding == "cp1252"
    assert len(rows) == 3001
    assert rows[-1].number == 3002
    assert rows[-1].values["login"] == "zoé"
    assert rows[-1].values["trainingTitle"] == "Déjà vu à 5 €"


def test_a_utf8_file_whose_first_accent_is_past_the_first_chunk(tmp_path: Path) -> None:
    ascii_rows = "".join(f"user{n},Plain title {n},03/01/2025,03/02/2025,7\r\n" for n in range(3000))
    path = write(tmp_path, (HEADER + ascii_rows + ROW).encode("utf-8"))
    rows = read_rows(path)
    assert rows[-1].values == EXPECTED


def test_a_file_mixing_utf8_and_windows_1252_is_refused_at_the_row_of_the_wrong_byte(tmp_path: Path) -> None:
    utf8_rows = "".join(f"zoé{n},Title {n},03/01/2025,03/02/2025,7\n" for n in range(5000))
    data = (HEADER + utf8_rows).encode("utf-8") + "bad,Déjà,03/01/2025,03/02/2025,7\n".encode("cp1252")
    assert len(data) > 2 * CHUNK
    rows_before: list[int] = []
    with open_table(io.BytesIO(data), REALIZED_TRAININGS) as table, pytest.raises(FileRefused) as caught:
        rows_before.extend(row.number for row in table.rows())
    (problem,) = caught.value.problems
    assert problem.row == 5002
    assert "0xE9" in problem.message
    assert "not UTF-8" in problem.message
    assert rows_before[-1] == 5001  # every good row before it was read


def test_an_undefined_windows_1252_byte_is_refused(tmp_path: Path) -> None:
    data = HEADER.encode() + "jdoe,Déjà,03/01/2025,03/02/2025,7\n".encode("cp1252") + b"jdoe,\x81,x,y,z\n"
    (problem,) = refusal(write(tmp_path, data)).problems
    assert problem.row == 3
    assert "0x81" in problem.message
    assert "Windows-1252" in problem.message


def test_the_encoding_can_be_chosen(tmp_path: Path) -> None:
    # UTF-8 bytes for "é" read as Windows-1252, since the user says so
    path = write(tmp_path, (HEADER + ROW).encode("utf-8"))
    (row,) = values(path, encoding="windows-1252")
    assert row["trainingTitle"] == "SÃ©curitÃ© incendie"
    assert values(write(tmp_path, (HEADER + ROW).encode("latin-1")), encoding="latin-1") == [EXPECTED]


def test_a_chosen_encoding_that_does_not_fit_is_refused_at_the_row(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + ROW).encode("cp1252"))
    (problem,) = refusal(path, encoding="utf-8").problems
    assert problem.row == 2
    assert "cannot be read as utf-8" in problem.message


def test_an_unknown_encoding_name_is_the_caller_s_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown text encoding"):
        open_table(write(tmp_path, HEADER), REALIZED_TRAININGS, encoding="klingon")


def test_utf16_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + ROW).encode("utf-16"))
    (problem,) = refusal(path).problems
    assert "UTF-16" in problem.message


def test_an_accent_cut_by_a_chunk_boundary_is_read_whole() -> None:
    data = (HEADER + ROW * 200 + "zoé,Été,03/01/2025,03/02/2025,7\r\n").encode("utf-8")
    for step in (1, 2, 3, 5):
        rows = read_rows(Trickle(data, step))
        assert len(rows) == 201
        assert rows[0].values == EXPECTED
        assert rows[-1].values["trainingTitle"] == "Été"


# Separators and quoting


def test_semicolons_are_sniffed_from_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "Employee login;Training title;Cost\njdoe;Excel, advanced;12,5\n")
    with open_table(path, REALIZED_TRAININGS) as table:
        assert table.separator == ";"
        assert list(row.values for row in table.rows()) == [
            {"login": "jdoe", "trainingTitle": "Excel, advanced", "cost": "12,5"}
        ]


def test_commas_are_the_default(tmp_path: Path) -> None:
    path = write(tmp_path, "Training title\nExcel; advanced\n")
    with open_table(path, REALIZED_TRAININGS) as table:
        assert table.separator == ","
        assert [row.values for row in table.rows()] == [{"trainingTitle": "Excel; advanced"}]


def test_the_separator_can_be_chosen(tmp_path: Path) -> None:
    path = write(tmp_path, "Employee login;Training title\njdoe;Excel, advanced\n")
    (problem,) = refusal(path, separator=",").problems  # one header, "Employee login;Training title"
    assert problem.column == "Employee login;Training title"
    with pytest.raises(ValueError, match="separator"):
        open_table(path, REALIZED_TRAININGS, separator="|")


def test_quoted_cells_hold_separators_quotes_and_line_ends(tmp_path: Path) -> None:
    text = (
        "Training title,Provider name,Employee login\r\n"
        '"Excel, advanced","The ""Best"" School",jdoe\r\n'
        '"Line one\r\nline two\nline three",Acme,jane\r\n'
        'plain,"",john\r\n'
    )
    rows = read_rows(write(tmp_path, text))
    assert [row.values for row in rows] == [
        {"trainingTitle": "Excel, advanced", "providerName": 'The "Best" School', "login": "jdoe"},
        {"trainingTitle": "Line one\r\nline two\nline three", "providerName": "Acme", "login": "jane"},
        {"trainingTitle": "plain", "login": "john"},
    ]
    # A spreadsheet shows a record spanning several lines as one row.
    assert [row.number for row in rows] == [2, 3, 4]


def test_line_ends_of_every_kind(tmp_path: Path) -> None:
    for end in ("\n", "\r\n", "\r"):
        text = end.join(["Training title,Employee login", "A,jdoe", "B,jane"]) + end
        assert values(write(tmp_path, text)) == [
            {"trainingTitle": "A", "login": "jdoe"},
            {"trainingTitle": "B", "login": "jane"},
        ]


def test_a_carriage_return_line_feed_cut_by_a_chunk_boundary_is_one_line_end() -> None:
    data = ("Training title,Employee login\r\n" + "".join(f"T{n},u{n}\r\n" for n in range(3000))).encode()
    rows = read_rows(Trickle(data, 2))
    assert [row.number for row in rows] == list(range(2, 3002))


def test_a_quoted_cell_never_closed_is_refused_at_its_row(tmp_path: Path) -> None:
    path = write(tmp_path, 'Training title,Employee login\nA,jdoe\n"B,jane\nC,john\n')
    (problem,) = refusal(path).problems
    assert problem.row == 3
    assert "never closed" in problem.message


def test_text_after_a_closing_quote_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, 'Training title,Employee login\n"A"x,jdoe\n')
    (problem,) = refusal(path).problems
    assert problem.row == 2
    assert "closing quote" in problem.message


def test_a_nul_byte_reaches_the_cell_whose_parser_refuses_it(tmp_path: Path) -> None:
    path = write(tmp_path, b"Training title,Employee login\nA,jdoe\nB\x00,jane\n")
    rows = read_rows(path)
    assert rows[1].values["trainingTitle"] == "B\x00"
    with pytest.raises(CellError, match="U\\+0000"):
        parse_text(rows[1].values["trainingTitle"], 250)


# Headers


def test_headers_in_french_english_or_api_names_any_order_case_and_accents(tmp_path: Path) -> None:
    text = (
        "  durée (HEURES) ,SESSIONSTARTSON,Date de fin,intitule de la formation,EMPLOYEE LOGIN,ownerId,"
        "Date d\u2019expiration,PRESENT\n14,2025-03-01,03/02/2025,Excel,jdoe,42,2026-01-01,oui\n"
    )
    with open_table(write(tmp_path, text), REALIZED_TRAININGS) as table:
        assert table.keys == {
            "durationInHours",
            "sessionStartsOn",
            "sessionEndsOn",
            "trainingTitle",
            "login",
            "ownerId",
            "expiresOn",
            "hasAttended",
        }
        assert table.headers["durationInHours"] == "durée (HEURES)"
        assert [row.values for row in table.rows()] == [
            {
                "durationInHours": "14",
                "sessionStartsOn": "2025-03-01",
                "sessionEndsOn": "03/02/2025",
                "trainingTitle": "Excel",
                "login": "jdoe",
                "ownerId": "42",
                "expiresOn": "2026-01-01",
                "hasAttended": "oui",
            }
        ]


def test_employee_headers(tmp_path: Path) -> None:
    text = (
        "id,login,Prénom,lastName,email,Département,établissement,managerLogin,hiredOn,leftOn\n"
        "7,jdoe,Jane,Doe,,,,,,\n"
    )
    assert values(write(tmp_path, text), EMPLOYEES) == [
        {"id": "7", "login": "jdoe", "firstName": "Jane", "lastName": "Doe"}
    ]


def test_unknown_headers_are_all_named(tmp_path: Path) -> None:
    path = write(tmp_path, "Employee login,Strat date,Colour\njdoe,x,y\n")
    problems = refusal(path).problems
    assert [(problem.row, problem.column) for problem in problems] == [(1, "Strat date"), (1, "Colour")]
    assert "did you mean 'Start date'?" in problems[0].message
    assert problems[1].message == "is not a column of this import"


def test_a_column_given_twice_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "Training title,Employee login,Intitulé de la formation,trainingId\nA,jdoe,B,3\n")
    (problem,) = refusal(path).problems
    assert problem.row == 1
    assert problem.column == "Intitulé de la formation"
    assert problem.message == "repeats the column 'Training title' (column A)"


def test_an_api_name_and_its_header_are_the_same_column(tmp_path: Path) -> None:
    path = write(tmp_path, "Start date,sessionStartsOn\n2025-01-01,2025-01-01\n")
    (problem,) = refusal(path).problems
    assert problem.column == "sessionStartsOn"


def test_employee_headers_are_not_realized_training_headers(tmp_path: Path) -> None:
    (problem,) = refusal(write(tmp_path, "Employee login,firstName\njdoe,Jane\n")).problems
    assert problem.column == "firstName"


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    for data in (b"", b"\xef\xbb\xbf", b"\r\n", b",,\r\n"):
        (problem,) = refusal(write(tmp_path, data)).problems
        assert problem.row == 1


def test_a_header_alone_has_no_rows(tmp_path: Path) -> None:
    assert read_rows(write(tmp_path, "Employee login,Training title")) == []


# Cells and rows


def test_empty_cells_are_absent_and_cells_are_trimmed(tmp_path: Path) -> None:
    text = 'Employee login,Training title,Cost,Currency\n  jdoe ,\u00a0 ,,"  "\n'
    assert values(write(tmp_path, text)) == [{"login": "jdoe"}]


def test_empty_rows_are_skipped_but_counted(tmp_path: Path) -> None:
    text = "Employee login,Training title\n\njdoe,A\n,\n  ,  \njane,B\n"
    rows = read_rows(write(tmp_path, text))
    assert [(row.number, row.values["login"]) for row in rows] == [(3, "jdoe"), (6, "jane")]


def test_short_rows_lack_their_last_cells(tmp_path: Path) -> None:
    assert values(write(tmp_path, "Employee login,Training title,Cost\njdoe\n")) == [{"login": "jdoe"}]


def test_empty_header_cells_are_allowed_but_values_under_them_are_not(tmp_path: Path) -> None:
    text = "Employee login,,Training title,,\njdoe,,A,,\njane,oops,B,,\njohn,,C,,extra,more\n"
    rows = read_rows(write(tmp_path, text))
    assert [row.values for row in rows] == [
        {"login": "jdoe", "trainingTitle": "A"},
        {"login": "jane", "trainingTitle": "B"},
        {"login": "john", "trainingTitle": "C"},
    ]
    assert rows[0].problems == ()
    assert [(p.row, p.column, p.value, p.message) for p in rows[1].problems] == [
        (3, None, "oops", "column B holds a value but has no header")
    ]
    assert [p.message for p in rows[2].problems] == [
        "column E holds a value but has no header",
        "column F holds a value but has no header",
    ]


# Sources and streaming


def test_a_path_given_as_text_or_a_binary_stream(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + ROW)
    assert values(str(path)) == [EXPECTED]
    with path.open("rb") as stream:
        assert values(stream) == [EXPECTED]
        assert not stream.closed  # the caller's to close
    assert values(Trickle((HEADER + ROW).encode())) == [EXPECTED]


def test_the_format_can_be_forced(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + ROW)
    assert read_rows(path, file_format=FileFormat.CSV)[0].values == EXPECTED


def test_rows_are_read_once(tmp_path: Path) -> None:
    with open_table(write(tmp_path, HEADER + ROW), REALIZED_TRAININGS) as table:
        list(table.rows())
        with pytest.raises(RuntimeError):
            table.rows()


def test_rows_stream_without_reading_the_whole_file(tmp_path: Path) -> None:
    body = "".join(f"user{n},Title {n},03/01/2025,03/02/2025,{n % 40 + 1}\r\n" for n in range(200_000))
    data = (HEADER + body).encode()
    assert len(data) > 100 * CHUNK
    stream = Trickle(data, CHUNK)
    with open_table(stream, REALIZED_TRAININGS) as table:
        rows = table.rows()
        assert isinstance(rows, types.GeneratorType)
        first = next(rows)
        assert first.number == 2
        assert stream.given <= 3 * CHUNK  # a few chunks in, not the file
        count = 1 + sum(1 for _ in rows)
    assert count == 200_000
    assert stream.given == len(data)
