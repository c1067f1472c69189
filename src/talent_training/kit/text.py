"""Text folding for search: case- and accent-insensitive, identical on every database."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    if (
        text.isascii()
    ):  # most names and titles: NFKD leaves ASCII alone, casefold is lower (imports call it per row)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def like_contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with LIKE's wildcards escaped (use ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
