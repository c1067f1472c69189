"""A report's table as a CSV file, as the other exports write theirs (imports/writing.py): UTF-8 with a BOM,
`,` separators, CRLF line ends, English headers, `.` decimals. Every line of the report is in it (the page
shows the largest ones); no total line, so that summing a column gives the total."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from talent_training.imports.writing import BOM
from talent_training.reports.repository import MONTH
from talent_training.reports.service import Line, StaffLine, YearReports

STAFF = "staff"
KINDS = ("month", "department", "category", "provider", STAFF)


def decimal(hundredths: int | None) -> str:
    """12.5 for 1250: exact, two decimals at most."""
    if hundredths is None:
        return ""
    whole, cents = divmod(hundredths, 100)
    return f"{whole}.{cents:02d}".removesuffix(".00").removesuffix("0") if cents else str(whole)


def percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}"


def rows(
    reports: YearReports, kind: str, name_of: Callable[[str, Line], str]
) -> tuple[list[str], list[list[Any]]]:
    """The header and the lines of one report (`kind`), names as `name_of(kind, line)` gives them."""
    if kind == STAFF:
        header = ["departmentId", "department", "activeEmployees", "trainedEmployees", "trainedPercent"]
        return header, [_staff_row(line, name_of) for line in reports.staff]
    key = "month" if kind == MONTH else f"{kind}Id"
    header = [key, kind, "trainings", "hours", *(f"cost{currency}" for currency in reports.currencies)]
    found = []
    for line in reports.lines[kind]:
        if kind == MONTH:
            key_value: Any = f"{reports.year}-{line.key:02d}"
        else:
            key_value = "" if line.key is None else line.key
        found.append(
            [
                key_value,
                name_of(kind, line),
                line.trainings,
                decimal(line.hours),
                *(decimal(line.costs.get(currency)) for currency in reports.currencies),
            ]
        )
    return header, found


def _staff_row(line: StaffLine, name_of: Callable[[str, Line], str]) -> list[Any]:
    as_line = Line(line.department_id, line.name)
    return [
        "" if line.department_id is None else line.department_id,
        name_of("department", as_line),
        line.headcount,
        line.trained,
        percent(line.share),
    ]


# A name a spreadsheet would run as a formula (a department renamed `=HYPERLINK(...)`). Unlike the exports
# of records, which re-import exactly (docs/exports.md), a report is only ever read: such a text is written
# behind an apostrophe, which spreadsheets show as the text itself.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(cell: Any) -> Any:
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell


def csv_bytes(header: Sequence[str], lines: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_inert(cell) for cell in line] for line in lines)
    return buffer.getvalue().encode("utf-8")
