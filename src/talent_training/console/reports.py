"""Reports: hours and cost by year, department, category, provider; share of staff trained; charts and CSV."""

from __future__ import annotations

from talent_training.console.pages import Pages

pages = Pages("/reports")
