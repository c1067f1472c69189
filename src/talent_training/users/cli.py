"""`talent-training user create|list|reset-password|sign-out-everywhere`: who signs in to the console.

A password is never an argument, which the process list and the shell's history would show: on a terminal it
is asked twice, hidden; otherwise it is the first line of standard input (`printf '%s\\n' "$PASSWORD" | ...`).
A refused value names what is wrong and exits 2; a user that is missing or already there exits 1.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from talent_training.command_line import (
    USAGE,
    DatabaseUrl,
    err,
    in_transaction,
    settings_or_exit,
    unit_of_work,
)
from talent_training.db.database import Tx
from talent_training.kit.actor import command_line
from talent_training.kit.problems import DomainError, RuleViolation
from talent_training.settings import Settings
from talent_training.users import passwords
from talent_training.users.service import (
    RESET_LIFETIME,
    any_user,
    create_user,
    find_user,
    list_users,
    reset_token,
    sign_out_everywhere,
)
from talent_training.users.tables import UserRole

T = TypeVar("T")
RESET_PATH = "/console/reset/"
FIRST_USER = (
    "No one can sign in to the console yet. Create its first HR administrator (the password is asked for):\n"
    "  talent-training user create EMAIL --name 'FULL NAME' --role hr-admin\n"
    "then sign in at {url}/console"
)

user_app = typer.Typer(
    no_args_is_help=True, help="Create and list the people who sign in to the console, reset their password."
)
Email = Annotated[str, typer.Argument(help="The email they sign in with (any letter case)")]


def _who() -> str:
    return command_line(0).name


def _refuse(message: str, code: int = USAGE) -> typer.Exit:
    err.print(message, markup=False, highlight=False)
    return typer.Exit(code=code)


def _with_database(settings: Settings, work: Callable[[Tx], Awaitable[T]], *, write: bool = True) -> T:
    """`work` in one transaction (committed when it returns, rolled back if it raises); what the service
    refuses is said, exit 2 for a bad value, 1 otherwise."""
    try:
        return in_transaction(settings, work, write=write)
    except RuleViolation as refused:
        raise _refuse(f"Refused: {refused.detail}. Nothing was changed.") from None
    except DomainError as refused:
        raise _refuse(f"Refused: {refused.detail} Nothing was changed.", code=1) from None


def _on_terminal() -> bool:
    return sys.stdin.isatty()


def _new_password() -> str:
    """Asked twice on a terminal, else the first line of standard input; refused (exit 2) if it breaks a
    rule, before anything is written."""
    if _on_terminal():
        password: str = typer.prompt("Password", hide_input=True)
        if typer.prompt("The same password again", hide_input=True) != password:
            raise _refuse("The two passwords differ. Nothing was changed.")
    else:
        line = sys.stdin.readline()
        if not line:
            raise _refuse(
                "No password on standard input: give it as its first line, or use --no-password to print a "
                "link where the user sets it. Nothing was changed."
            )
        password = line.removesuffix("\n").removesuffix("\r")
    try:
        passwords.check(password)
    except RuleViolation as refused:
        raise _refuse(f"Refused: {refused.detail}. Nothing was changed.") from None
    return password


def _reset_link(settings: Settings, token: str) -> str:
    return f"{settings.public_address}{RESET_PATH}{token}"


def _validity() -> str:
    return f"valid {int(RESET_LIFETIME.total_seconds() // 3600)} hours, once"


@user_app.command("create")
def create(
    email: Email,
    name: Annotated[str, typer.Option("--name", help="Their name, as the console shows it")],
    role: Annotated[
        UserRole,
        typer.Option(
            "--role", help="hr-admin: everything; manager: their team (needs --employee); auditor: read only"
        ),
    ],
    account: Annotated[str, typer.Option("--account", help="Their account, which must exist")] = "default",
    employee: Annotated[
        int | None,
        typer.Option("--employee", help="The id of their own employee record (a manager's is required)"),
    ] = None,
    no_password: Annotated[
        bool,
        typer.Option("--no-password", help="Create them without a password; print a link to set one"),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user; the password is asked for (hidden, twice) or read from standard input's first line."""
    settings = settings_or_exit(database_url=database_url)
    password = None if no_password else _new_password()
    by = _who()

    async def work(tx: Tx) -> tuple[int, str | None]:
        user_id = await create_user(
            tx,
            account=account,
            email=email,
            name=name,
            role=role.value,
            employee_id=employee,
            password=password,
            by=by,
        )
        return user_id, (await reset_token(tx, email, by=by) if no_password else None)

    user_id, token = _with_database(settings, work)
    print(f"Created {role.value} user {user_id}, {email.strip()}, in account {account!r}.")
    if token is not None:
        print(f"They set their password at this link ({_validity()}):")
        print(_reset_link(settings, token))


@user_app.command("list")
def list_(
    account: Annotated[str | None, typer.Option("--account", help="Only this account's users")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List users (never their password)."""
    settings = settings_or_exit(database_url=database_url)
    users = _with_database(settings, lambda tx: list_users(tx, account), write=False)
    table = Table("id", "account", "email", "name", "role", "employee", "password", "created")
    for user in users:
        table.add_row(
            str(user.id),
            user.account,
            user.email,
            user.name,
            user.role,
            "" if user.employee_id is None else str(user.employee_id),
            "set" if user.has_password else "not set",
            user.created_at.isoformat(timespec="minutes"),
        )
    Console(width=200, highlight=False).print(table)


@user_app.command("reset-password")
def reset_password(email: Email, database_url: DatabaseUrl = None) -> None:
    """Print a one-time link where the user sets a new password; any earlier link stops working."""
    settings = settings_or_exit(database_url=database_url)
    by = _who()
    token = _with_database(settings, lambda tx: reset_token(tx, email, by=by))
    print(f"{email.strip()} sets a new password at this link ({_validity()}):")
    print(_reset_link(settings, token))


@user_app.command("sign-out-everywhere")
def sign_out_user_everywhere(email: Email, database_url: DatabaseUrl = None) -> None:
    """End every session of the user, in every browser."""
    settings = settings_or_exit(database_url=database_url)
    by = _who()

    async def work(tx: Tx) -> int | None:
        user = await find_user(tx, email)
        return None if user is None else await sign_out_everywhere(tx, user.id, by=by)

    ended = _with_database(settings, work)
    if ended is None:
        raise _refuse(f"There is no user with the email {email.strip()!r}.", code=1)
    print(f"Ended {ended} session(s) of {email.strip()}.")


def say_how_to_create_the_first_user(settings: Settings) -> bool:
    """On a database with no user yet, say (on stderr) how to create the first one; whether it was said."""
    try:
        exists = unit_of_work(settings, any_user, write=False)
    except Exception:  # advice only: a database that cannot answer it never stops the service from starting
        return False
    if exists:
        return False
    err.print(FIRST_USER.format(url=settings.public_address), markup=False, highlight=False)
    return True
