"""Creating users through users/service.py, on both databases: roles, the rules on each field, the email
unique in any letter case across accounts, the password kept only as an Argon2id hash, the audit trail."""

from __future__ import annotations

import httpx
import orjson
import pytest
from argon2 import PasswordHasher

from talent_training.app import TalentTraining
from talent_training.kit.problems import Conflict, DomainError, RuleViolation
from talent_training.users import service
from tests.audit.test_audit_events import events
from tests.directory.helpers import put_employee
from tests.users.helpers import PASSWORD, create_user, stored_user


@pytest.mark.parametrize("role", ["hr-admin", "manager", "auditor"])
async def test_each_role_is_created(app: TalentTraining, client: httpx.AsyncClient, role: str) -> None:
    await put_employee(client, 416)

    user_id = await create_user(
        app, "Ana@Example.com", role=role, employee_id=416 if role == "manager" else None
    )

    async with app.database.read() as tx:
        [user] = await service.list_users(tx, "default")
        assert await service.any_user(tx)
    assert (user.id, user.email, user.role, user.has_password) == (user_id, "Ana@Example.com", role, True)
    assert user.account == "default" and user.name == "Ana Lima"
    assert user.employee_id == (416 if role == "manager" else None)


async def test_any_user_is_false_before_the_first(app: TalentTraining) -> None:
    async with app.database.read() as tx:
        assert not await service.any_user(tx)


async def refused(app: TalentTraining, kind: type[DomainError], **arguments: object) -> DomainError:
    with pytest.raises(kind) as raised:
        await create_user(app, **arguments)  # type: ignore[arg-type]
    async with app.database.read() as tx:
        assert await service.list_users(tx) == []  # nothing was created
    return raised.value


async def test_a_manager_without_an_employee_is_refused(app: TalentTraining) -> None:
    error = await refused(app, RuleViolation, role="manager")

    assert list(error.errors) == ["employee"]


async def test_an_employee_of_another_account_is_refused(
    app: TalentTraining, stranger: httpx.AsyncClient
) -> None:
    await put_employee(stranger, 7)  # in account "other"

    error = await refused(app, RuleViolation, role="manager", employee_id=7)

    assert error.errors == {"employee": ["there is no employee 7 in account 'default'"]}


async def test_an_unknown_account_is_refused_not_created(app: TalentTraining) -> None:
    error = await refused(app, RuleViolation, account="acme")

    assert list(error.errors) == ["account"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "ana"),
        ("email", "@example.com"),
        ("email", "ana@"),
        ("email", "ana lima@example.com"),
        ("email", "a" * 190 + "@example.com"),
        ("name", "   "),
        ("name", "x" * 251),
        ("name", "Ana\x00"),
        ("role", "admin"),
        ("employee", 0),
    ],
)
async def test_a_bad_value_is_refused_naming_its_field(
    app: TalentTraining, field: str, value: object
) -> None:
    argument = {"employee": "employee_id"}.get(field, field)

    error = await refused(app, RuleViolation, **{argument: value})

    assert list(error.errors) == [field]


async def test_an_email_already_used_in_any_case_and_any_account_is_a_conflict(
    app: TalentTraining, stranger: httpx.AsyncClient
) -> None:
    await create_user(app, "ana@example.com")

    with pytest.raises(Conflict) as raised:
        await create_user(app, "  ANA@Example.COM ", account="other")

    assert list(raised.value.errors) == ["email"]
    async with app.database.read() as tx:
        assert [user.email for user in await service.list_users(tx)] == ["ana@example.com"]


@pytest.mark.parametrize("password", ["x" * 11, "short", "", "y" * 1025])
async def test_a_password_too_short_or_too_long_is_refused_and_nothing_stored(
    app: TalentTraining, password: str
) -> None:
    error = await refused(app, RuleViolation, password=password)

    assert list(error.errors) == ["password"]
    assert error.detail.endswith("characters long")  # the rule, never the password itself


async def test_twelve_characters_are_enough(app: TalentTraining) -> None:
    user_id = await create_user(app, password="x" * 12)

    assert (await stored_user(app, user_id)).password_hash is not None


async def test_the_stored_hash_is_argon2id_and_never_the_password(app: TalentTraining) -> None:
    user_id = await create_user(app, "ana@example.com")

    stored = await stored_user(app, user_id)

    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert PasswordHasher().verify(stored.password_hash, PASSWORD)
    assert stored.email_folded == "ana@example.com"


async def test_a_user_created_without_a_password_has_none_until_their_link_sets_it(
    app: TalentTraining,
) -> None:
    user_id = await create_user(app, password=None)
    async with app.database.transaction() as tx:
        assert await service.sign_in(tx, "ana@example.com", "") is None
        [listed] = await service.list_users(tx)
        token = await service.reset_token(tx, "ana@example.com", by="test")
    assert not listed.has_password and (await stored_user(app, user_id)).password_hash is None

    async with app.database.transaction() as tx:
        assert await service.set_password(tx, token, PASSWORD) == user_id
        assert await service.sign_in(tx, "ana@example.com", PASSWORD) is not None


async def test_users_are_listed_by_account_then_email(
    app: TalentTraining, stranger: httpx.AsyncClient
) -> None:
    for email, account in [
        ("zoe@example.com", "default"),
        ("bob@example.com", "other"),
        ("al@example.com", "default"),
    ]:
        await create_user(app, email, account=account)

    async with app.database.read() as tx:
        everyone = [(user.account, user.email) for user in await service.list_users(tx)]
        others = [user.email for user in await service.list_users(tx, "other")]
        with pytest.raises(RuleViolation):
            await service.list_users(tx, "nobody")
        found = await service.find_user(tx, "ZOE@example.com")
        missing = await service.find_user(tx, "nobody@example.com")

    assert everyone == [
        ("default", "al@example.com"),
        ("default", "zoe@example.com"),
        ("other", "bob@example.com"),
    ]
    assert others == ["bob@example.com"]
    assert found is not None and found.email == "zoe@example.com" and missing is None


async def test_every_change_is_audited_without_a_secret(
    app: TalentTraining, client: httpx.AsyncClient
) -> None:
    user_id = await create_user(app, "ana@example.com", by="cli:root")
    async with app.database.transaction() as tx:
        signed_in, session = await service.sign_in(tx, "ana@example.com", PASSWORD) or pytest.fail(
            "no sign-in"
        )
        token = await service.reset_token(tx, "ana@example.com", by="cli:root")
    new_password = "another long passphrase"
    async with app.database.transaction() as tx:
        await service.set_password(tx, token, new_password)
        await service.sign_in(tx, "ana@example.com", new_password)
        await service.sign_out_everywhere(tx, user_id)

    trail = await events(client, resourceType="user", resourceId=user_id)

    assert [(event["action"], event["actor"]) for event in trail] == [
        ("create", "cli:root"),
        ("update", "cli:root"),
        ("update", "user:ana@example.com"),
        ("revoke", "user:ana@example.com"),
    ]
    assert trail[0]["changes"]["email"] == {"before": None, "after": "ana@example.com"}
    assert trail[0]["changes"]["role"] == {"before": None, "after": "hr-admin"}
    assert trail[0]["changes"]["hasPassword"] == {"before": None, "after": True}
    assert set(trail[1]["changes"]) == {"resetLinkExpiresAt"}
    assert set(trail[2]["changes"]) == {"passwordSetAt"}
    assert trail[3]["changes"] == {"liveSessions": {"before": 1, "after": 0}}
    written = orjson.dumps(trail).decode()
    hashed = (await stored_user(app, user_id)).password_hash
    for secret in (PASSWORD, new_password, token, session, service.token_digest(token), hashed, "argon2"):
        assert secret not in written
    assert signed_in.user_id == user_id
