"""Administration: users and roles, API keys, recent writes."""

from __future__ import annotations

from talent_training.console.pages import Pages

pages = Pages("/admin")
