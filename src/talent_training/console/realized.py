"""Realized trainings: the list with filters and cursor paging, the add form, export."""

from __future__ import annotations

from talent_training.console.pages import Pages

pages = Pages("/realized-trainings")
