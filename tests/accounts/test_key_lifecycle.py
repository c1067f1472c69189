"""A key's life: an optional expiry, when it was last used (not a write per request), rotation, and the
first key of a new database (never printed to a log)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import bindparam, update

from talent_training.accounts.service import issue_api_key, list_api_keys
from talent_training.accounts.tables import ApiKey
from talent_training.app import TalentTraining
from talent_training.db.base import UTCDateTime
from talent_training.db.statements import Query
from tests.cli.test_api_keys import EXECUTABLE, run, run_async
from tests.conftest import http_client
from tests.e2e.test_server import free_port
from tests.factories import PROVIDERS, assert_problem

_SET_LAST_USE = Query(update(ApiKey).values(last_used_at=bindparam("at", type_=UTCDateTime)))
LONG_AGO = "2001-01-01T00:00"


async def key(app: TalentTraining, expires_in: timedelta | None = None) -> str:
    async with app.database.transaction() as tx:
        issued = await issue_api_key(tx, name="k", role="write", expires_in=expires_in, by="test")
    return issued.token


async def providers(app: TalentTraining, token: str) -> httpx.Response:
    async with http_client(app, token) as client:
        return await client.get(PROVIDERS)


async def test_an_expired_key_is_refused_and_says_so(app: TalentTraining) -> None:
    token = await key(app, expires_in=timedelta(microseconds=1))

    body = assert_problem(await providers(app, token), 401)

    assert "expired" in body["detail"]


async def test_a_key_works_until_it_expires(app: TalentTraining) -> None:
    token = await key(app, expires_in=timedelta(days=1))

    assert (await providers(app, token)).status_code == 200


async def test_last_use_is_written_once_a_minute_not_on_every_request(committed_app: TalentTraining) -> None:
    token = await key(committed_app)
    assert (await providers(committed_app, token)).status_code == 200
    await committed_app.api_keys.close()  # the use is written after the answer
    async with committed_app.database.read() as tx:
        [used] = [k.last_used_at for k in await list_api_keys(tx)]
    assert used is not None

    async with committed_app.database.transaction() as tx:
        await tx.execute(_SET_LAST_USE, {"at": used - timedelta(days=365)})
    for _ in range(5):
        assert (await providers(committed_app, token)).status_code == 200
    await committed_app.api_keys.close()

    async with committed_app.database.read() as tx:
        [unchanged] = [k.last_used_at for k in await list_api_keys(tx)]
    assert unchanged == used - timedelta(days=365)  # this process wrote it less than a minute ago


async def test_create_with_an_expiry_and_list_shows_it(database_url: str) -> None:
    created = run(database_url, "api-key", "create", "temp", "--expires-in", "90d").stdout

    assert "valid until" in created
    listing = run(database_url, "api-key", "list").stdout
    assert (
        "temp" in listing
        and str(time.gmtime().tm_year + (0 if time.gmtime().tm_yday < 270 else 1)) in listing
    )


@pytest.mark.parametrize("lifetime", ["0d", "90", "d", "-1d", "90y", "99999999999d"])
def test_a_wrong_lifetime_is_refused_clearly(database_url: str, lifetime: str) -> None:
    result = run(database_url, "api-key", "create", "temp", "--expires-in", lifetime, check=False)

    assert result.returncode == 2
    assert "90d" in result.stderr and "Traceback" not in result.stderr
    assert "tt_" not in result.stdout


async def test_rotate_replaces_the_key_at_once(database_url: str, committed_app: TalentTraining) -> None:
    old = run(database_url, "api-key", "create", "sync", "--role", "write").stdout.splitlines()[-1]
    assert (await providers(committed_app, old)).status_code == 200

    rotated = await run_async(database_url, "api-key", "rotate", old.split("_")[1])
    new = rotated.splitlines()[-1]

    assert new.startswith("tt_") and new != old
    assert_problem(await providers(committed_app, old), 401)
    assert (await providers(committed_app, new)).status_code == 200
    # Asynchronously: the application may be writing a key's last use, which a blocked loop would hold.
    listing = await run_async(database_url, "api-key", "list")
    assert listing.count("sync") == 2


async def test_rotate_with_grace_keeps_the_old_key_for_a_while(
    database_url: str, committed_app: TalentTraining
) -> None:
    old = run(database_url, "api-key", "create", "sync", "--expires-in", "90d").stdout.splitlines()[-1]

    new = (
        await run_async(database_url, "api-key", "rotate", old.split("_")[1], "--grace", "1h")
    ).splitlines()[-1]

    assert (await providers(committed_app, old)).status_code == 200
    assert (await providers(committed_app, new)).status_code == 200
    async with committed_app.database.read() as tx:
        keys = {k.prefix: k for k in await list_api_keys(tx)}
    old_key, new_key = keys[old.split("_")[1]], keys[new.split("_")[1]]
    assert old_key.expires_at is not None and new_key.expires_at is not None
    assert old_key.expires_at - old_key.created_at < timedelta(hours=1, minutes=1)
    assert new_key.expires_at - new_key.created_at == timedelta(days=90)


def test_rotating_an_unknown_key_fails_loudly(database_url: str) -> None:
    result = run(database_url, "api-key", "rotate", "nope", check=False)

    assert result.returncode == 1 and "No active key" in result.stderr


def serve_until(database_url: str, key_file: Path, *, tty: bool, until: str) -> str:
    """`talent-training serve` on a fresh port, its output read until `until` appears; then stopped."""
    env = {
        **os.environ,
        "TALENT_TRAINING_DATABASE_URL": database_url,
        "TALENT_TRAINING_INITIAL_KEY_FILE": str(key_file),
        "TALENT_TRAINING_METRICS": "false",
    }
    reader, writer = pty.openpty() if tty else os.pipe()
    process = subprocess.Popen(
        [str(EXECUTABLE), "serve", "--port", str(free_port())], env=env, stdout=writer, stderr=writer
    )
    os.close(writer)
    output = b""
    try:
        deadline = time.monotonic() + 120
        while until.encode() not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([reader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(reader, 65536)
                except OSError:  # the pty's other end closed
                    break
                if not chunk:
                    break
                output += chunk
        return output.decode(errors="replace")
    finally:
        process.terminate()
        process.wait(timeout=30)
        os.close(reader)


def test_first_start_on_a_terminal_shows_the_key_there_and_writes_no_file(
    database_url: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "initial-key"

    output = serve_until(database_url, key_file, tty=True, until="Application startup complete")

    [line] = [line for line in output.splitlines() if line.startswith("API key: ")]
    assert line.removeprefix("API key: ").strip().startswith("tt_")
    assert not key_file.exists()


def test_first_start_off_a_terminal_writes_the_key_to_a_private_file_not_the_log(
    database_url: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "initial-key"

    log = serve_until(database_url, key_file, tty=False, until="Application startup complete")

    token = key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert token.startswith("tt_") and token not in log and str(key_file) in log


async def test_no_new_key_once_the_database_had_one_even_if_all_were_revoked(
    database_url: str, tmp_path: Path
) -> None:
    first = tmp_path / "first-key"
    serve_until(database_url, first, tty=False, until="Application startup complete")
    prefix = first.read_text().split("_")[1]
    await run_async(database_url, "api-key", "revoke", prefix)

    second = tmp_path / "second-key"
    log = serve_until(database_url, second, tty=False, until="Application startup complete")

    assert not second.exists()
    assert "created write key" not in log
    assert run(database_url, "api-key", "list").stdout.count("initial") == 1
