"""Who acts, in the words of the audit trail: an account and a name that is never a secret."""

from __future__ import annotations

import getpass
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    account_id: int
    name: str  # "key:<prefix>" for an API key, "cli:<user>" for the command line, later "user:<email>"


def command_line(account_id: int) -> Actor:
    """The person at the terminal, as the operating system names them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (e.g. a container's)
        user = "unknown"
    return Actor(account_id, f"cli:{user}")
