"""What every `talent-training` command shares: its settings (a bad one named, exit code 2), the
`--database-url` option and the error console."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError
from pydantic_settings.exceptions import SettingsError
from rich.console import Console

from talent_training.settings import Settings

USAGE = 2  # the exit code of a command given something it cannot use (typer's own, for a bad option)
err = Console(stderr=True, soft_wrap=True)  # a log line is not cut at 80 columns

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="SQLAlchemy URL [env TALENT_TRAINING_DATABASE_URL]", show_default=False
    ),
]


def settings_or_exit(**overrides: Any) -> Settings:
    """The settings, the command's options (those given) over the environment; a bad one named, exit 2."""
    try:
        return Settings(**{name: value for name, value in overrides.items() if value is not None})
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            setting = "_".join(str(part) for part in error["loc"]).upper()
            name = f"TALENT_TRAINING_{setting}" if setting else "settings"
            err.print(f"Invalid {name}: {error['msg']}")
        raise typer.Exit(code=USAGE) from None
    except SettingsError as exc:  # a value that is not even of its shape, e.g. a list that is not JSON
        err.print(f"Invalid settings: {exc} (lists are JSON: '[\"https://hr.example\"]')")
        raise typer.Exit(code=USAGE) from None
