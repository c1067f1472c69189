"""`talent-training user ...` through typer's CliRunner, on a committed database of the test's own (both
databases): the password from standard input or a hidden prompt, never an argument; the refusals' exit codes;
the reset link; the first-run hint of `serve`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner, Result

from talent_training.cli import app as cli
from talent_training.db.database import Database, Tx
from talent_training.settings import Settings
from talent_training.users import cli as user_cli
from talent_training.users import service
from tests.users.helpers import PASSWORD, create

T = TypeVar("T")
LINK = "http://127.0.0.1:8000/console/reset/"


def invoke(url: str, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["user", *args, "--database-url", url], input=input, env=env)


def in_database(url: str, work: Callable[[Tx], Awaitable[T]]) -> T:
    async def run() -> T:
        database = Database.connect(url, pool_size=1)
        try:
            async with database.transaction() as tx:
                return await work(tx)
        finally:
            await database.dispose()

    return asyncio.run(run())


def signs_in(url: str, email: str, password: str) -> bool:
    return in_database(url, lambda tx: service.sign_in(tx, email, password)) is not None


def emails(url: str) -> list[str]:
    async def listed(tx: Tx) -> list[str]:
        return [user.email for user in await service.list_users(tx)]

    return in_database(url, listed)


def create_ana(url: str, *extra: str, input: str | None = PASSWORD + "\n") -> Result:
    return invoke(
        url, "create", "ana@example.com", "--name", "Ana Lima", "--role", "hr-admin", *extra, input=input
    )


def test_create_reads_the_password_from_standard_input(database_url: str) -> None:
    result = create_ana(database_url)

    assert result.exit_code == 0, result.output
    assert "Created hr-admin user 1, ana@example.com, in account 'default'." in result.stdout
    assert PASSWORD not in result.output
    assert signs_in(database_url, "ana@example.com", PASSWORD)


def test_create_without_a_password_on_standard_input_is_refused(database_url: str) -> None:
    result = create_ana(database_url, input="")

    assert result.exit_code == 2, result.output
    assert "No password on standard input" in result.output
    assert emails(database_url) == []


def test_a_password_too_short_is_refused_before_anything_is_written(database_url: str) -> None:
    result = create_ana(database_url, input="short\n")

    assert result.exit_code == 2, result.output
    assert "password: must be at least 12 characters long" in result.output
    assert "short" not in result.output.replace("at least", "")
    assert emails(database_url) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--password", PASSWORD],
        ["--password=" + PASSWORD],
        ["-p", PASSWORD],
        [PASSWORD],
    ],
)
def test_a_password_is_never_accepted_as_an_argument(database_url: str, args: list[str]) -> None:
    result = create_ana(database_url, *args)

    assert result.exit_code == 2, result.output
    assert "No such option" in result.output or "unexpected extra argument" in result.output
    assert emails(database_url) == []


def test_on_a_terminal_the_password_is_asked_twice_hidden(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_cli, "_on_terminal", lambda: True)

    result = create_ana(database_url, input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Password" in result.output and PASSWORD not in result.output  # not echoed
    assert signs_in(database_url, "ana@example.com", PASSWORD)


def test_on_a_terminal_two_different_passwords_are_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(user_cli, "_on_terminal", lambda: True)

    result = create_ana(database_url, input=f"{PASSWORD}\n{PASSWORD}!\n")

    assert result.exit_code == 2, result.output
    assert "The two passwords differ" in result.output
    assert emails(database_url) == []


def test_an_unknown_account_is_refused_with_exit_2(database_url: str) -> None:
    created = create_ana(database_url, "--account", "acme")
    listed = invoke(database_url, "list", "--account", "acme")

    assert created.exit_code == 2, created.output
    assert "account: there is no account 'acme'" in created.output
    assert listed.exit_code == 2, listed.output
    assert emails(database_url) == []


def test_a_manager_needs_an_employee_and_a_role_must_be_known(database_url: str) -> None:
    manager = invoke(
        database_url, "create", "m@example.com", "--name", "M", "--role", "manager", input=PASSWORD + "\n"
    )
    unknown = invoke(
        database_url, "create", "m@example.com", "--name", "M", "--role", "boss", input=PASSWORD + "\n"
    )

    assert manager.exit_code == 2 and "employee:" in manager.output, manager.output
    assert unknown.exit_code == 2 and "--role" in unknown.output, unknown.output
    assert emails(database_url) == []


def test_an_email_already_used_is_refused_with_exit_1(database_url: str) -> None:
    assert create_ana(database_url).exit_code == 0

    again = invoke(
        database_url, "create", "ANA@example.com", "--name", "Ana", "--role", "auditor", input=PASSWORD + "\n"
    )

    assert again.exit_code == 1, again.output
    assert "ANA@example.com already has a user" in again.output
    assert emails(database_url) == ["ana@example.com"]


def test_list_shows_users_and_whether_they_have_a_password(database_url: str) -> None:
    create_ana(database_url)
    invoke(
        database_url, "create", "bob@example.com", "--name", "Bob Stone", "--role", "auditor", "--no-password"
    )

    result = invoke(database_url, "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any("ana@example.com" in line and "hr-admin" in line and " set " in line for line in lines)
    assert any("bob@example.com" in line and "auditor" in line and "not set" in line for line in lines)
    assert "argon2" not in result.output


def test_create_without_a_password_prints_a_link_that_sets_it(database_url: str) -> None:
    result = create_ana(database_url, "--no-password", input=None)

    assert result.exit_code == 0, result.output
    link = result.stdout.splitlines()[-1]
    assert link.startswith(LINK)
    token = link.removeprefix(LINK)
    in_database(database_url, lambda tx: service.set_password(tx, token, PASSWORD))
    assert signs_in(database_url, "ana@example.com", PASSWORD)


def test_reset_password_prints_a_one_time_link_under_the_public_url(database_url: str) -> None:
    create_ana(database_url)

    result = invoke(
        database_url,
        "reset-password",
        "Ana@Example.com",
        env={"TALENT_TRAINING_PUBLIC_URL": "https://training.example/hr/"},
    )

    assert result.exit_code == 0, result.output
    link = result.stdout.splitlines()[-1]
    assert link.startswith("https://training.example/hr/console/reset/")
    token = link.rsplit("/", 1)[1]
    in_database(database_url, lambda tx: service.set_password(tx, token, "a brand new passphrase"))
    assert signs_in(database_url, "ana@example.com", "a brand new passphrase")
    assert not signs_in(database_url, "ana@example.com", PASSWORD)


def test_reset_password_of_an_unknown_email_exits_1(database_url: str) -> None:
    result = invoke(database_url, "reset-password", "nobody@example.com")

    assert result.exit_code == 1, result.output
    assert "nobody@example.com" in result.output and LINK not in result.output


def test_sign_out_everywhere_ends_the_users_sessions(database_url: str) -> None:
    create_ana(database_url)
    sessions = [
        in_database(database_url, lambda tx: service.sign_in(tx, "ana@example.com", PASSWORD))
        for _ in range(2)
    ]

    result = invoke(database_url, "sign-out-everywhere", "ana@example.com")
    unknown = invoke(database_url, "sign-out-everywhere", "nobody@example.com")

    assert result.exit_code == 0, result.output
    assert "Ended 2 session(s) of ana@example.com." in result.stdout
    assert unknown.exit_code == 1, unknown.output
    for found in sessions:
        assert found is not None
        token = found[1]
        assert in_database(database_url, lambda tx: service.signed_in(tx, token)) is None  # noqa: B023


def test_serve_says_how_to_create_the_first_user_until_one_exists(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=database_url, public_url="https://training.example")

    assert user_cli.say_how_to_create_the_first_user(settings)
    hint = capsys.readouterr().err
    in_database(database_url, lambda tx: create(tx))
    assert not user_cli.say_how_to_create_the_first_user(settings)

    assert "talent-training user create EMAIL --name 'FULL NAME' --role hr-admin" in hint
    assert "https://training.example/console" in hint
    assert capsys.readouterr().err == ""


def test_the_hint_never_stops_serve_when_the_database_cannot_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/missing/dir/db.sqlite")

    assert not user_cli.say_how_to_create_the_first_user(settings)
    assert capsys.readouterr().err == ""


def test_without_a_public_url_the_hint_names_the_address_served(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=database_url, host="127.0.0.1", port=8765)

    assert user_cli.say_how_to_create_the_first_user(settings)

    assert "http://127.0.0.1:8765/console" in capsys.readouterr().err
