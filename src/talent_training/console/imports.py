"""Import wizard: upload, dry run, the table of bad rows, commit all or nothing."""

from __future__ import annotations

from talent_training.console.pages import Pages

pages = Pages("/imports")
