"""What an import answers, on the command line and over HTTP alike, and how it says how far it has got."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from talent_training.imports.problems import Problems


class Progress(Protocol):
    """Told as an import goes: `stage` is "reading", "checking" or "writing"; `rows` the data rows done so
    far in that stage; `fraction` how much of the file has been read (0..1), when its size is known."""

    def update(self, stage: str, rows: int, fraction: float | None = None) -> None: ...


class Recorded(Protocol):
    """Called inside an import's transaction once its rows are written, before it commits: what must commit
    with them (an import job's outcome) is written on `tx`, so that a crash leaves both or neither."""

    async def __call__(self, tx: Any, report: ImportReport) -> None: ...


class NoProgress:
    def update(self, stage: str, rows: int, fraction: float | None = None) -> None:
        return None


NO_PROGRESS = NoProgress()


@dataclass(slots=True)
class ImportReport:
    """The outcome of one import: all of its rows recorded, or none (`problems` then says why)."""

    kind: str  # "realized-trainings" or "employees"
    dry_run: bool
    rows: int = 0  # data rows read (blank rows not counted)
    recorded: int = 0  # rows written: 0 when refused, and on a dry run
    problems: Problems = field(default_factory=Problems)
    # What the import made besides its rows, by kind: {"trainings": 2, "providers": 1} (--create-missing),
    # {"created": 10, "updated": 3} for employees.
    created: dict[str, int] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def only_duplicates(self) -> bool:
        """Refused for duplicates alone (HTTP 409 rather than 400)."""
        return bool(self.problems) and self.problems.duplicates == self.problems.total

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dryRun": self.dry_run,
            "rows": self.rows,
            "recorded": self.recorded,
            "created": self.created,
            "problemCount": self.problems.total,
            "problems": [
                {"row": p.row, "column": p.column, "value": p.value, "message": p.message, "kind": p.kind}
                for p in self.problems
            ],
        }
