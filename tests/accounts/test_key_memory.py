"""A valid key is remembered by the process, so that a request costs no round trip for its key; a revoked
one is forgotten as soon as PostgreSQL says so, and nothing is remembered while it cannot say so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from talent_training.accounts.auth import KEYS_CHANGED, KEYS_FORGOTTEN, KeyPrincipal, RememberedKeys
from talent_training.accounts.service import Role
from talent_training.app import TalentTraining
from talent_training.db.postgres import acknowledging_name
from tests.conftest import http_client, new_key
from tests.factories import TRAININGS

# Notifications arrive within milliseconds: this only bounds a test that would otherwise hang.
PATIENCE_S = 5


@pytest.fixture
async def admin(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of its own, as psql or another process would have."""
    url = make_url(database_url).set(drivername="postgresql")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    yield connection
    await connection.close()


async def until(condition: object) -> None:
    async with asyncio.timeout(PATIENCE_S):
        while not condition():  # type: ignore[operator]  # noqa: ASYNC110 -- state other tasks change
            await asyncio.sleep(0.01)


async def remembered_client(app: TalentTraining) -> tuple[httpx.AsyncClient, str]:
    token = await new_key(app)
    client = http_client(app, token)
    assert (await client.get(TRAININGS)).status_code == 200
    await until(lambda: app.api_keys.remembering)
    assert (await client.get(TRAININGS)).status_code == 200
    prefix = token.split("_")[1]
    assert app.api_keys.remembers(prefix)
    return client, prefix


@pytest.mark.postgresql_only
async def test_a_remembered_key_costs_no_round_trip(
    committed_app: TalentTraining, admin: asyncpg.Connection
) -> None:
    client, _ = await remembered_client(committed_app)
    stranger_key = await new_key(committed_app)
    await admin.execute("ALTER TABLE api_keys RENAME TO api_keys_away")
    try:
        # The table is gone: only a key that is not read from it can still be served.
        assert (await client.get(TRAININGS)).status_code == 200
        async with http_client(committed_app, stranger_key) as stranger:
            assert (await stranger.get(TRAININGS)).status_code >= 500
    finally:
        await admin.execute("ALTER TABLE api_keys_away RENAME TO api_keys")
    await client.aclose()


@pytest.mark.postgresql_only
@pytest.mark.parametrize(
    "revoke",
    [
        "UPDATE api_keys SET revoked_at = now() WHERE prefix = $1",
        "DELETE FROM api_keys WHERE prefix = $1",
    ],
    ids=["revoked", "deleted"],
)
async def test_a_key_changed_by_any_process_is_forgotten(
    committed_app: TalentTraining, admin: asyncpg.Connection, revoke: str
) -> None:
    client, prefix = await remembered_client(committed_app)

    await admin.execute(revoke, prefix)  # by hand, as psql would

    await until(lambda: not committed_app.api_keys.remembers(prefix))
    assert (await client.get(TRAININGS)).status_code == 401
    await client.aclose()


@pytest.mark.postgresql_only
async def test_a_dropped_listening_connection_forgets_every_key_then_listens_again(
    committed_app: TalentTraining, admin: asyncpg.Connection
) -> None:
    client, prefix = await remembered_client(committed_app)
    listener = committed_app.api_keys.listener
    assert listener is not None

    await admin.execute("SELECT pg_terminate_backend($1)", listener.backend_pid)  # type: ignore[attr-defined]

    await until(lambda: not committed_app.api_keys.remembers(prefix))
    await until(lambda: committed_app.api_keys.remembering)  # reconnected by itself
    assert (await client.get(TRAININGS)).status_code == 200
    assert committed_app.api_keys.remembers(prefix)
    await client.aclose()


@pytest.mark.postgresql_only
async def test_while_not_listening_keys_are_read_on_every_request(
    committed_app: TalentTraining, admin: asyncpg.Connection
) -> None:
    client, prefix = await remembered_client(committed_app)
    listener = committed_app.api_keys.listener
    assert listener is not None
    await listener.close()  # no notification can arrive any more
    assert not committed_app.api_keys.remembering

    await admin.execute("UPDATE api_keys SET revoked_at = now() WHERE prefix = $1", prefix)

    assert (await client.get(TRAININGS)).status_code == 401  # the very next request, no wait
    await client.aclose()


def test_a_key_read_before_an_eviction_is_not_remembered_after_it() -> None:
    keys = RememberedKeys()
    principal = KeyPrincipal(1, 1, Role.WRITE, "abc")
    generation = keys.generation  # a request starts reading the key...
    keys.forget("abc")  # ...its revocation arrives meanwhile...
    keys.remember("abc", "digest", principal, generation)  # ...and what it read is stale
    assert keys.get("abc") is None

    keys.remember("abc", "digest", principal, keys.generation)
    assert keys.get("abc") == ("digest", principal)
    keys.forget_all()
    assert keys.get("abc") is None


@pytest.mark.postgresql_only
async def test_without_memory_every_request_reads_its_key(
    database_url: str, admin: asyncpg.Connection
) -> None:
    from talent_training.app import create_app
    from talent_training.settings import Settings

    app = create_app(Settings(database_url=database_url, remember_keys=False))
    token = await new_key(app)
    async with http_client(app, token) as client:
        assert (await client.get(TRAININGS)).status_code == 200
        assert not app.api_keys.remembering and app.api_keys.listener is None
        await admin.execute("UPDATE api_keys SET revoked_at = now() WHERE prefix = $1", token.split("_")[1])
        assert (await client.get(TRAININGS)).status_code == 401
    await app.close()


@pytest.mark.postgresql_only
async def test_truncating_the_keys_forgets_them_all(
    committed_app: TalentTraining, admin: asyncpg.Connection
) -> None:
    client, prefix = await remembered_client(committed_app)

    await admin.execute("TRUNCATE api_keys")

    await until(lambda: not committed_app.api_keys.remembers(prefix))
    assert (await client.get(TRAININGS)).status_code == 401
    await client.aclose()


@pytest.mark.postgresql_only
async def test_a_revocation_returns_once_every_process_has_been_told(committed_app: TalentTraining) -> None:
    """What `api-key revoke` runs: when it returns, the notice has been delivered, and the very next request,
    without any wait, is refused."""
    from talent_training.accounts.auth import revoke_everywhere

    client, prefix = await remembered_client(committed_app)

    assert await revoke_everywhere(committed_app.database, prefix, by="test") == prefix

    assert (await client.get(TRAININGS)).status_code == 401
    await client.aclose()


async def slow_process(database_url: str) -> tuple[asyncpg.Connection, asyncio.Queue[str]]:
    """A serving process as another machine would run it, that hears key changes and says it forgot them only
    when the test lets it."""
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(
        url, server_settings={"application_name": acknowledging_name(KEYS_CHANGED)}
    )
    heard: asyncio.Queue[str] = asyncio.Queue()
    await connection.add_listener(KEYS_CHANGED, lambda _c, _p, _ch, payload: heard.put_nowait(payload))
    return connection, heard


@pytest.mark.postgresql_only
@pytest.mark.parametrize("command", ["revoke", "rotate"])
async def test_a_revocation_waits_until_every_listening_process_has_forgotten_the_key(
    committed_app: TalentTraining, database_url: str, command: str
) -> None:
    """`api-key revoke`, and `api-key rotate` without a grace (the old key revoked at once), return when every
    listening process has said it forgot the key."""
    from talent_training.accounts.auth import revoke_everywhere, rotate_everywhere
    from talent_training.accounts.service import Rotated

    client, prefix = await remembered_client(committed_app)
    process, heard = await slow_process(database_url)

    change = revoke_everywhere if command == "revoke" else rotate_everywhere
    changing = asyncio.create_task(change(committed_app.database, prefix, by="test"))
    async with asyncio.timeout(PATIENCE_S):
        assert await heard.get() == prefix
    await asyncio.sleep(0.3)
    assert not changing.done()  # that process still serves the key

    await process.execute("SELECT pg_notify($1, $2)", KEYS_FORGOTTEN, f"{process.get_server_pid()} {prefix}")
    async with asyncio.timeout(PATIENCE_S):
        outcome = await changing
    if command == "revoke":
        assert outcome == prefix
    else:
        assert isinstance(outcome, Rotated)
        assert outcome.revoked == prefix and outcome.issued.prefix != prefix
    assert (await client.get(TRAININGS)).status_code == 401
    await process.close()
    await client.aclose()


@pytest.mark.postgresql_only
async def test_a_process_that_never_answers_delays_the_revocation_without_undoing_it(
    committed_app: TalentTraining, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from talent_training.accounts.auth import revoke_everywhere

    client, prefix = await remembered_client(committed_app)
    process, _ = await slow_process(database_url)

    assert await revoke_everywhere(committed_app.database, prefix, by="test", patience_s=0.5) == prefix

    assert "1 serving process(es) did not say" in caplog.text
    assert (await client.get(TRAININGS)).status_code == 401
    await process.close()
    await client.aclose()


@pytest.mark.postgresql_only
async def test_listening_again_forgets_what_was_learnt_while_nobody_listened(
    committed_app: TalentTraining, admin: asyncpg.Connection
) -> None:
    # A key read while the channel was down could have been revoked unheard: listening again starts afresh.
    resets: list[str] = []
    listener = committed_app.database.listen(
        "api_keys_changed", lambda _: None, lambda: resets.append("reset")
    )
    assert listener is not None
    await until(lambda: listener.listening)
    assert resets == ["reset"]  # on first listening

    await admin.execute("SELECT pg_terminate_backend($1)", listener.backend_pid)  # type: ignore[attr-defined]
    await until(lambda: len(resets) == 3 and listener.listening)  # on the drop, and on listening again
    await listener.close()
