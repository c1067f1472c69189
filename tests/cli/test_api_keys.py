"""`talent-training api-key ...` through the installed console script, against a real database file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from talent_training.app import TalentTraining, create_app
from talent_training.settings import Settings

EXECUTABLE = Path(sys.executable).parent / "talent-training"


def run(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TALENT_TRAINING_DATABASE_URL": database_url}
    result = subprocess.run(
        [str(EXECUTABLE), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert not check or result.returncode == 0, result.stderr
    return result


async def run_async(database_url: str, *args: str) -> str:
    """The command, without blocking the event loop meanwhile (a serving process never stops listening)."""
    env = {**os.environ, "TALENT_TRAINING_DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        str(EXECUTABLE), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


@pytest.fixture
async def cli_app(database_url: str) -> AsyncIterator[TalentTraining]:
    app = create_app(Settings(database_url=database_url))
    yield app
    await app.close()


async def get_providers(app: TalentTraining, token: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        return await http.get(
            "/talent-training/api/v1/providers", headers={"Authorization": f"lucca application={token}"}
        )


async def test_create_prints_the_key_alone_on_the_last_line_and_it_works(
    database_url: str, cli_app: TalentTraining
) -> None:
    result = run(database_url, "api-key", "create", "payroll-sync", "--role", "write")

    token = result.stdout.rstrip("\n").splitlines()[-1]
    assert token.startswith("tt_") and " " not in token
    assert (await get_providers(cli_app, token)).status_code == 200


async def test_default_role_is_read(database_url: str, cli_app: TalentTraining) -> None:
    token = run(database_url, "api-key", "create", "dashboard").stdout.splitlines()[-1]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cli_app), base_url="http://t") as http:
        denied = await http.post(
            "/talent-training/api/v1/providers",
            json={"name": "ACME"},
            headers={"Authorization": f"lucca application={token}"},
        )
    assert denied.status_code == 403


def test_list_shows_keys_without_their_secret(database_url: str) -> None:
    token = run(database_url, "api-key", "create", "hr-tool", "--account", "acme").stdout.splitlines()[-1]

    listing = run(database_url, "api-key", "list").stdout

    assert "hr-tool" in listing and "acme" in listing and "read" in listing
    secret = token.split("_", 2)[2]
    assert secret not in listing


async def test_revoked_key_is_refused_on_the_next_request(database_url: str, cli_app: TalentTraining) -> None:
    created = run(database_url, "api-key", "create", "temp", "--role", "write").stdout.splitlines()
    token = created[-1]
    key_id = created[0].split(" key ")[1].split(" ")[0]
    assert (await get_providers(cli_app, token)).status_code == 200

    await run_async(database_url, "api-key", "revoke", key_id)

    refused = await get_providers(cli_app, token)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_revoking_an_unknown_key_fails_loudly(database_url: str) -> None:
    result = run(database_url, "api-key", "revoke", "999", check=False)
    assert result.returncode == 1
    assert "No active key" in result.stderr


def test_an_unknown_role_is_refused(database_url: str) -> None:
    result = run(database_url, "api-key", "create", "x", "--role", "admin", check=False)
    assert result.returncode != 0
    assert "tt_" not in result.stdout


def test_an_invalid_setting_is_a_clear_error_not_a_traceback(database_url: str) -> None:
    env = {
        **os.environ,
        "TALENT_TRAINING_DATABASE_URL": database_url,
        "TALENT_TRAINING_TIMEZONE": "Mars/Base",
    }
    result = subprocess.run(
        [str(EXECUTABLE), "migrate"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "TALENT_TRAINING_TIMEZONE" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("api-key", "create", "n" * 150),
        ("api-key", "create", "ok", "--account", "a" * 101),
        ("api-key", "create", "   "),
    ],
)
def test_a_name_the_database_cannot_hold_is_a_usage_error(database_url: str, args: tuple[str, ...]) -> None:
    result = run(database_url, *args, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "tt_" not in result.stdout


@pytest.mark.parametrize("key", ["99999999999", "²", "not-a-prefix"])
def test_revoking_a_key_that_cannot_exist_says_so(database_url: str, key: str) -> None:
    result = run(database_url, "api-key", "revoke", key, check=False)
    assert result.returncode == 1
    assert "No active key" in result.stderr and "Traceback" not in result.stderr


def test_the_command_line_loads_no_metrics_code_before_serving_sets_its_folder() -> None:
    # prometheus_client reads PROMETHEUS_MULTIPROC_DIR once, when imported: `serve` sets it first.
    probe = "import sys, talent_training.cli; print('prometheus_client' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        == "False\n"
    )
