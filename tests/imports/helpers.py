"""Helpers for the import tests: files written in tmp_path, streams that hand bytes over sparingly."""

from __future__ import annotations

import io
from pathlib import Path

from talent_training.imports.columns import REALIZED_TRAININGS, Columns
from talent_training.imports.reading import FileFormat, Row, Source, open_table


class Trickle(io.RawIOBase):
    """A stream that cannot seek and hands over at most `step` bytes a read, counting what it gave."""

    def __init__(self, data: bytes, step: int = 7) -> None:
        self._data = data
        self._step = step
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), self._step, len(self._data) - self.given)
        buffer[:size] = self._data[self.given : self.given + size]
        self.given += size
        return size


def write(tmp_path: Path, data: bytes | str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def read_rows(
    source: Source,
    columns: Columns = REALIZED_TRAININGS,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    file_format: FileFormat | None = None,
) -> list[Row]:
    with open_table(
        source, columns, encoding=encoding, separator=separator, file_format=file_format
    ) as table:
        return list(table.rows())


def values(
    source: Source,
    columns: Columns = REALIZED_TRAININGS,
    *,
    encoding: str | None = None,
    separator: str | None = None,
) -> list[dict[str, str]]:
    return [row.values for row in read_rows(source, columns, encoding=encoding, separator=separator)]
