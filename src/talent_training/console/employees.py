"""Employees: the list, and each one's page (timeline, hours per year, certifications, pending demands)."""

from __future__ import annotations

from talent_training.console.pages import Pages

pages = Pages("/employees")
