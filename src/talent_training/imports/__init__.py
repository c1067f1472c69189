"""Bulk import and export files: reading CSV and XLSX, their columns, their cells, their problems.

Pure Python: no database, no HTTP. `reading.open_table` streams a file's rows keyed by `columns`;
`cells` parses each value or raises `CellError`; `problems` names what is wrong, row by row.
"""

from talent_training.imports.cells import CellError
from talent_training.imports.columns import EMPLOYEES, REALIZED_TRAININGS, Column, Columns
from talent_training.imports.problems import FileRefused, ImportProblem, Problems
from talent_training.imports.reading import FileFormat, FileOptions, Row, Table, open_table
from talent_training.imports.report import NO_PROGRESS, ImportReport, Progress, Recorded

__all__ = [
    "EMPLOYEES",
    "NO_PROGRESS",
    "REALIZED_TRAININGS",
    "CellError",
    "Column",
    "Columns",
    "FileFormat",
    "FileOptions",
    "FileRefused",
    "ImportProblem",
    "ImportReport",
    "Problems",
    "Progress",
    "Recorded",
    "Row",
    "Table",
    "open_table",
]
