"""Training demands: the inbox of managers and HR (prioritise, accept, refuse, register, bulk actions)."""

from __future__ import annotations

from talent_training.console.pages import Pages

pages = Pages("/demands")
