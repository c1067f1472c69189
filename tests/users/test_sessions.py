"""Signing in and out through users/service.py, on both databases: the same answer for a wrong password and an
unknown email, tokens stored only as SHA-256, idle and absolute expiry, sign-out everywhere, reset links."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Integer, String, bindparam, update

from talent_training.app import TalentTraining
from talent_training.db.base import utcnow
from talent_training.db.statements import Query
from talent_training.kit.problems import NotFound, RuleViolation
from talent_training.users import service
from talent_training.users.service import IDLE, LIFETIME, RESET_LIFETIME, SignedIn
from talent_training.users.tables import User
from tests.users.helpers import PASSWORD, create_user, stored_resets, stored_session, stored_user

NEW_PASSWORD = "a different passphrase"
_SET_HASH = Query(
    update(User)
    .where(User.id == bindparam("id", type_=Integer))
    .values(password_hash=bindparam("password_hash", type_=String))
)


async def sign_in(
    app: TalentTraining, email: str, password: str, **when: object
) -> tuple[SignedIn, str] | None:
    async with app.database.transaction() as tx:
        return await service.sign_in(tx, email, password, **when)  # type: ignore[arg-type]


async def signed_in(app: TalentTraining, token: str, **when: object) -> SignedIn | None:
    async with app.database.transaction() as tx:
        return await service.signed_in(tx, token, **when)  # type: ignore[arg-type]


async def session_of(
    app: TalentTraining, email: str = "ana@example.com", **when: object
) -> tuple[SignedIn, str]:
    found = await sign_in(app, email, PASSWORD, **when)
    assert found is not None
    return found


async def test_the_right_password_signs_in_and_the_token_names_the_user(app: TalentTraining) -> None:
    user_id = await create_user(app, "Ana@Example.com", role="auditor")

    user, token = await session_of(app, " ANA@example.COM ")

    assert (user.user_id, user.email, user.role, user.account_id, user.employee_id) == (
        user_id,
        "Ana@Example.com",
        "auditor",
        1,
        None,
    )
    assert user.actor == "user:Ana@Example.com" and user.name == "Ana Lima"
    assert await signed_in(app, token) == user


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ana@example.com", "wrong password!"),
        ("ana@example.com", PASSWORD.upper()),
        ("ana@example.com", ""),
        ("ana@example.com", "x" * 5000),
        ("nobody@example.com", PASSWORD),
        ("nobody@example.com", "wrong password!"),
        ("", PASSWORD),
    ],
)
async def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    app: TalentTraining, email: str, password: str
) -> None:
    await create_user(app, "ana@example.com")

    assert await sign_in(app, email, password) is None


async def test_the_session_token_is_stored_only_as_its_sha256(app: TalentTraining) -> None:
    user_id = await create_user(app)

    user, token = await session_of(app)
    stored = await stored_session(app, user.session_id)

    assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in [str(value) for value in stored]
    assert (stored.user_id, stored.ended_at) == (user_id, None)
    assert stored.expires_at == stored.created_at + LIFETIME
    assert len(token) >= 43  # 256 bits, url-safe base64


async def test_unknown_or_odd_tokens_sign_in_no_one(app: TalentTraining) -> None:
    await create_user(app)
    _, token = await session_of(app)

    for odd in ("", "x", token[:-1], token + "x", "y" * 5000, hashlib.sha256(token.encode()).hexdigest()):
        assert await signed_in(app, odd) is None


async def test_a_session_ends_after_idling_eight_hours(app: TalentTraining) -> None:
    await create_user(app)
    start = utcnow()
    _, token = await session_of(app, now=start)

    used = start + IDLE - timedelta(seconds=1)
    assert await signed_in(app, token, now=used) is not None  # and the idle time starts again
    assert await signed_in(app, token, now=used + IDLE - timedelta(seconds=1)) is not None
    assert await signed_in(app, token, now=used + 2 * IDLE) is None


async def test_a_session_ends_seven_days_after_sign_in_however_busy(app: TalentTraining) -> None:
    await create_user(app)
    start = utcnow()
    _, token = await session_of(app, now=start)

    moment = start
    while moment + IDLE / 2 < start + LIFETIME:
        moment += IDLE / 2
        assert await signed_in(app, token, now=moment) is not None
    assert await signed_in(app, token, now=start + LIFETIME) is None


async def test_the_last_use_is_written_at_most_once_a_minute(app: TalentTraining) -> None:
    await create_user(app)
    start = utcnow()
    user, token = await session_of(app, now=start)

    await signed_in(app, token, now=start + timedelta(seconds=59))
    unchanged = (await stored_session(app, user.session_id)).last_seen_at
    await signed_in(app, token, now=start + timedelta(seconds=60))
    moved = (await stored_session(app, user.session_id)).last_seen_at

    assert unchanged == start and moved == start + timedelta(seconds=60)


async def test_signing_out_ends_that_session_only(app: TalentTraining) -> None:
    await create_user(app)
    _, first = await session_of(app)
    _, second = await session_of(app)

    async with app.database.transaction() as tx:
        await service.sign_out(tx, first)
        await service.sign_out(tx, first)  # twice, or an unknown token: nothing to do
        await service.sign_out(tx, "unknown")

    assert await signed_in(app, first) is None
    assert await signed_in(app, second) is not None


async def test_signing_out_everywhere_ends_every_session_of_that_user_only(app: TalentTraining) -> None:
    ana = await create_user(app, "ana@example.com")
    await create_user(app, "bob@example.com")
    tokens = [(await session_of(app, "ana@example.com"))[1] for _ in range(3)]
    _, bob = await session_of(app, "bob@example.com")
    async with app.database.transaction() as tx:
        await service.sign_out(tx, tokens[0])  # already ended: not counted

    async with app.database.transaction() as tx:
        ended = await service.sign_out_everywhere(tx, ana, by="cli:root")
        again = await service.sign_out_everywhere(tx, ana)
        nobody = await service.sign_out_everywhere(tx, 999_999)

    assert (ended, again, nobody) == (2, 0, 0)
    assert [await signed_in(app, token) for token in tokens] == [None, None, None]
    assert await signed_in(app, bob) is not None
    assert await sign_in(app, "ana@example.com", PASSWORD) is not None  # signing in again still works


async def test_a_reset_link_sets_the_password_once_and_ends_every_session(app: TalentTraining) -> None:
    user_id = await create_user(app)
    _, session = await session_of(app)
    async with app.database.transaction() as tx:
        token = await service.reset_token(tx, "ANA@example.com", by="cli:root")

    async with app.database.transaction() as tx:
        assert await service.set_password(tx, token, NEW_PASSWORD) == user_id
    with pytest.raises(RuleViolation) as reused:
        async with app.database.transaction() as tx:
            await service.set_password(tx, token, "yet another passphrase")

    assert list(reused.value.errors) == ["token"]
    assert await signed_in(app, session) is None
    assert await sign_in(app, "ana@example.com", PASSWORD) is None
    assert await sign_in(app, "ana@example.com", NEW_PASSWORD) is not None
    [stored] = await stored_resets(app)
    assert stored.token_sha256 == service.token_digest(token) and stored.used_at is not None


async def test_a_reset_link_expires_after_a_day(app: TalentTraining) -> None:
    await create_user(app)
    start = utcnow()
    async with app.database.transaction() as tx:
        token = await service.reset_token(tx, "ana@example.com", by="test", now=start)

    with pytest.raises(RuleViolation):
        async with app.database.transaction() as tx:
            await service.set_password(tx, token, NEW_PASSWORD, now=start + RESET_LIFETIME)
    async with app.database.transaction() as tx:
        await service.set_password(tx, token, NEW_PASSWORD, now=start + RESET_LIFETIME - timedelta(seconds=1))


async def test_a_new_reset_link_voids_the_earlier_one(app: TalentTraining) -> None:
    await create_user(app)
    async with app.database.transaction() as tx:
        earlier = await service.reset_token(tx, "ana@example.com", by="test")
        later = await service.reset_token(tx, "ana@example.com", by="test")

    with pytest.raises(RuleViolation):
        async with app.database.transaction() as tx:
            await service.set_password(tx, earlier, NEW_PASSWORD)
    async with app.database.transaction() as tx:
        await service.set_password(tx, later, NEW_PASSWORD)


async def test_a_password_refused_by_the_rules_leaves_the_link_usable(app: TalentTraining) -> None:
    user_id = await create_user(app)
    async with app.database.transaction() as tx:
        token = await service.reset_token(tx, "ana@example.com", by="test")
    before = (await stored_user(app, user_id)).password_hash

    with pytest.raises(RuleViolation) as refused:
        async with app.database.transaction() as tx:
            await service.set_password(tx, token, "too short")

    assert list(refused.value.errors) == ["password"]
    assert (await stored_user(app, user_id)).password_hash == before
    async with app.database.transaction() as tx:
        await service.set_password(tx, token, NEW_PASSWORD)


async def test_no_reset_link_for_an_unknown_email(app: TalentTraining) -> None:
    with pytest.raises(NotFound):
        async with app.database.transaction() as tx:
            await service.reset_token(tx, "nobody@example.com", by="test")


async def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(app: TalentTraining) -> None:
    user_id = await create_user(app)
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    async with app.database.transaction() as tx:
        await tx.execute(_SET_HASH, {"id": user_id, "password_hash": weaker})

    await session_of(app)
    renewed = (await stored_user(app, user_id)).password_hash

    assert renewed != weaker and not PasswordHasher().check_needs_rehash(renewed)
    assert await sign_in(app, "ana@example.com", PASSWORD) is not None
