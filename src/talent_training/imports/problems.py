"""What an import found wrong, row by row: every problem is named, the first thousand are kept."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

VALUE_LIMIT = 200
KEPT_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong in a file, located as a spreadsheet user finds it.

    `row` is 1-based, the header being row 1 (None: the file as a whole); `column` and `value` are as
    written in the file (None when the problem is not about one cell); a value longer than 200 characters
    is cut to 200, its last one an ellipsis.
    """

    row: int | None
    column: str | None
    value: str | None
    message: str
    # "duplicate": the row repeats another of the file or a record already there (an import refused for
    # duplicates only is a 409); "invalid" for everything else.
    kind: str = "invalid"

    def __post_init__(self) -> None:
        if self.value is not None and len(self.value) > VALUE_LIMIT:
            object.__setattr__(self, "value", self.value[: VALUE_LIMIT - 1] + "…")

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        return f"{where}: {self.message}"


class FileRefused(Exception):
    """The file cannot be read at all (format, encoding, header): nothing of it is imported."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


class Problems:
    """Collects problems: keeps the first `limit` (1,000) and counts them all."""

    def __init__(self, limit: int = KEPT_LIMIT) -> None:
        self.limit = limit
        self.total = 0
        self.duplicates = 0
        self._kept: list[ImportProblem] = []

    def add(self, problem: ImportProblem) -> None:
        self.total += 1
        if problem.kind == "duplicate":
            self.duplicates += 1
        if len(self._kept) < self.limit:
            self._kept.append(problem)

    def extend(self, problems: Iterable[ImportProblem]) -> None:
        for problem in problems:
            self.add(problem)

    def count_more(self, count: int, kind: str = "invalid") -> None:
        """Problems found beyond the ones kept, counted without being read (a query's count(*))."""
        self.total += count
        if kind == "duplicate":
            self.duplicates += count

    def cell(self, row: int, column: str, value: str, message: str) -> None:
        self.add(ImportProblem(row, column, value, message))

    @property
    def kept(self) -> Sequence[ImportProblem]:
        return tuple(self._kept)

    @property
    def truncated(self) -> bool:
        """More problems were found than are kept."""
        return self.total > len(self._kept)

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[ImportProblem]:
        return iter(self._kept)
