"""`talent-training import realized-trainings|employees FILE`."""

from __future__ import annotations

import typer

import_app = typer.Typer(
    no_args_is_help=True, help="Import realized trainings or employees from CSV or XLSX."
)
