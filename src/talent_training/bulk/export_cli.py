"""`talent-training export realized-trainings|employees|training-demands [filters] [-o FILE]`."""

from __future__ import annotations

import typer

export_app = typer.Typer(
    no_args_is_help=True, help="Export realized trainings, employees or training demands."
)
