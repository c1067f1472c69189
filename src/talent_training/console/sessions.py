"""Sessions: list and calendar, participants, attendance sheet, printable attendance sheet."""

from __future__ import annotations

from talent_training.console.pages import Pages

pages = Pages("/sessions")
