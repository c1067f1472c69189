"""The administration's screens over HTTP, on both databases: the account's users (create with a one-time
link, role, reset link, sign-out everywhere), its API keys (the key shown once, revoked as the command line
revokes), and its recent writes; who may see them (HR administrators and auditors) and change them (HR
administrators), and nobody reaching another account's users or keys."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from talent_training.accounts.service import issue_api_key
from talent_training.app import TalentTraining
from tests.audit.test_audit_events import events, key_actor
from tests.conftest import http_client
from tests.console.conftest import PASSWORD, Browser, add_user, browser, csrf_of, error_of, post, sign_in
from tests.directory.helpers import put_employee
from tests.factories import TRAININGS, create_training

ADMIN = "/console/admin"
USERS = f"{ADMIN}/users"
KEYS = f"{ADMIN}/keys"
AUDIT = f"{ADMIN}/audit"
_LINK = re.compile(r'id="reset-link" class="secret" type="text" value="([^"]+)"')
_KEY = re.compile(r'id="new-key" class="secret" type="text" value="([^"]+)"')
_USER_ID = re.compile(r'<a href="/console/admin/users/(\d+)" aria-label="Manage ([^"]+)">')


People = Callable[..., Awaitable[tuple[httpx.AsyncClient, int]]]


@pytest.fixture
async def person(app: TalentTraining) -> AsyncIterator[People]:
    """`await person(email, role, name, employee_id=None)`: a browser signed in as a new user; their id."""
    opened: list[httpx.AsyncClient] = []

    async def open_browser(
        email: str, role: str, name: str, employee_id: int | None = None
    ) -> tuple[httpx.AsyncClient, int]:
        user_id = await add_user(app, email, role, name=name, employee_id=employee_id)
        client = browser(app)
        opened.append(client)
        assert (await sign_in(client, email)).status_code == 303
        return client, user_id

    yield open_browser
    for client in opened:
        await client.aclose()


def user_form(**overrides: str) -> dict[str, str]:
    return {"email": "max@example.com", "name": "Max Roux", "role": "auditor", "employee": "", **overrides}


def link_of(page: httpx.Response) -> str:
    found = _LINK.search(page.text)
    assert found is not None, page.text
    return html.unescape(found.group(1))


def key_of(page: httpx.Response) -> str:
    found = _KEY.search(page.text)
    assert found is not None, page.text
    return html.unescape(found.group(1))


async def listed_users(client: httpx.AsyncClient) -> dict[str, int]:
    """The users' list: name -> id."""
    page = await client.get(USERS)
    assert page.status_code == 200, page.text
    return {html.unescape(name): int(user_id) for user_id, name in _USER_ID.findall(page.text)}


async def create_key(client: httpx.AsyncClient, **fields: str) -> str:
    answer = await post(client, KEYS, {"name": "Payroll sync", "role": "read", "expiresIn": "", **fields})
    assert answer.status_code == 303, answer.text
    shown = await client.get(answer.headers["location"])
    assert shown.status_code == 200, shown.text
    return key_of(shown)


def prefix_of(token: str) -> str:
    return token.split("_")[1]


def rows_of(page: httpx.Response) -> list[str]:
    """The audit table's rows, as text."""
    body = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page.text else ""
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


# Users ------------------------------------------------------------------------------------------------------


async def test_the_administration_lists_the_accounts_users(signed_in: Browser, app: TalentTraining) -> None:
    await add_user(app, "zoe@example.com", "auditor", name="Zoé Petit", account="other")  # another account's
    client = await signed_in()
    answer = await client.get(ADMIN)
    assert (answer.status_code, answer.headers["location"]) == (302, USERS)
    page = await client.get(USERS)
    for tab in (USERS, KEYS, AUDIT):
        assert f'href="{tab}"' in page.text
    assert await listed_users(client) == {"Ana Martin": await user_id_of(client, "Ana Martin")}
    assert "ana@example.com" in page.text and "HR administrator" in page.text
    assert "zoe@example.com" not in page.text
    assert 'action="/console/admin/users"' in page.text


async def user_id_of(client: httpx.AsyncClient, name: str) -> int:
    return (await listed_users(client))[name]


async def test_a_new_user_gets_a_one_time_link_to_set_their_password(
    app: TalentTraining, signed_in: Browser, client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    await put_employee(client, 416, firstName="Max", lastName="Roux")
    console = await signed_in()
    answer = await post(console, USERS, user_form(role="manager", employee="416", email=" Max@Example.com "))
    # The link is in the page answering the form, never in an address the browser would keep.
    assert answer.status_code == 200 and "location" not in answer.headers
    assert answer.headers["cache-control"] == "no-store"
    assert "The user Max@Example.com is created" in answer.text
    link = link_of(answer)
    assert re.fullmatch(r"http://testserver/console/reset/[\w-]{40,}", link), link

    users = await listed_users(console)
    assert set(users) == {"Ana Martin", "Max Roux"}
    page = await console.get(USERS)
    assert "Max Roux (#416)" in page.text and "Not set yet" in page.text
    assert link.rsplit("/", 1)[1] not in page.text  # shown once

    created = [event for event in await events(reader, resourceType="user") if event["action"] == "create"]
    max_created = next(event for event in created if event["changes"]["email"]["after"] == "Max@Example.com")
    assert max_created["actor"] == "user:ana@example.com"
    assert max_created["changes"]["role"]["after"] == "manager"
    assert max_created["changes"]["hasPassword"]["after"] is False

    async with browser(app) as max_browser:
        path = link.removeprefix("http://testserver")
        form = await max_browser.get(path)
        assert form.status_code == 200
        data = {
            "csrf": csrf_of(form),
            "password": "a brand new passphrase",
            "confirmation": "a brand new passphrase",
        }
        assert (await max_browser.post(path, data=data)).status_code == 303
        again = await max_browser.post(path, data=data)  # once only: the form again, refused
        assert again.status_code == 200 and "unknown, already used or expired" in again.text
        assert (await sign_in(max_browser, "max@example.com", "a brand new passphrase")).status_code == 303
    assert "Not set yet" not in (await console.get(USERS)).text


@pytest.mark.parametrize(
    ("fields", "field", "english"),
    [
        ({"email": "ANA@example.com"}, "email", "This email already has a user."),
        ({"email": "not an email"}, "email", "An email address, such as ana@example.com."),
        ({"name": "   "}, "name", "Required."),
        ({"name": "x" * 251}, "name", "At most 250 characters."),
        ({"role": "boss"}, "role", "Choose a value from the list."),
        (
            {"role": "manager"},
            "employee",
            "A manager sees their team: give the id of their own employee record.",
        ),
        ({"role": "manager", "employee": "999"}, "employee", "There is no such employee in this account."),
        ({"employee": "12a"}, "employee", "An employee id: digits only."),
    ],
)
async def test_a_refused_user_field_is_shown_next_to_it_and_nothing_is_created(
    signed_in: Browser, fields: dict[str, str], field: str, english: str
) -> None:
    console = await signed_in()
    answer = await post(console, USERS, user_form(**fields))
    assert answer.status_code == 200
    assert error_of(answer, field) == english
    assert "Some fields need correcting" in answer.text
    assert f'aria-describedby="{field}-error"' in answer.text
    assert "reset-link" not in answer.text
    assert await listed_users(console) == {"Ana Martin": await user_id_of(console, "Ana Martin")}


async def test_refusals_are_said_in_french(signed_in: Browser) -> None:
    console = await signed_in()
    await console.get(f"{USERS}?lang=fr")
    answer = await post(console, USERS, user_form(email="ana@example.com"))
    assert error_of(answer, "email") == "Cet e-mail a déjà un utilisateur."
    answer = await post(console, USERS, user_form(role="manager"))
    assert error_of(answer, "employee").startswith("Un manager voit son équipe")
    assert "<h1>Utilisateurs</h1>" in answer.text and "Créer l&#39;utilisateur" in answer.text


async def test_a_role_is_changed_with_its_rules_and_applies_on_the_next_page(
    signed_in: Browser, person: People, client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    await put_employee(client, 416, firstName="Max", lastName="Roux")
    console = await signed_in()
    max_browser, max_id = await person("max@example.com", "auditor", "Max Roux")
    assert (await max_browser.get(USERS)).status_code == 200
    assert 'action="/console/admin/users"' not in (await max_browser.get(USERS)).text
    assert "max@example.com" in (await console.get(f"{USERS}/{max_id}")).text

    refused = await post(console, f"{USERS}/{max_id}/role", {"role": "manager", "employee": ""})
    assert error_of(refused, "employee").startswith("A manager sees their team")
    assert 'value="manager" selected' in refused.text  # what was chosen is kept
    refused = await post(console, f"{USERS}/{max_id}/role", {"role": "manager", "employee": "417"})
    assert error_of(refused, "employee") == "There is no such employee in this account."

    saved = await post(console, f"{USERS}/{max_id}/role", {"role": "manager", "employee": "416"})
    assert (saved.status_code, saved.headers["location"]) == (303, f"{USERS}/{max_id}?saved")
    page = await console.get(saved.headers["location"])
    assert "The role is saved" in page.text and "Max Roux (#416)" in page.text
    # A manager has no business in the administration, from their very next request.
    assert (await max_browser.get(USERS)).status_code == 403
    trail = await events(reader, resourceType="user", resourceId=max_id)
    [changed] = [event for event in trail if event["action"] == "update"]
    assert changed["actor"] == "user:ana@example.com"
    assert changed["changes"] == {
        "role": {"before": "auditor", "after": "manager"},
        "employeeId": {"before": None, "after": 416},
    }
    same = await post(console, f"{USERS}/{max_id}/role", {"role": "manager", "employee": "416"})
    assert same.headers["location"] == f"{USERS}/{max_id}?unchanged"
    assert len(await events(reader, resourceType="user", resourceId=max_id)) == 2  # no event for nothing


async def test_the_last_hr_administrator_keeps_that_role(signed_in: Browser) -> None:
    console = await signed_in()
    ana_id = await user_id_of(console, "Ana Martin")
    refused = await post(console, f"{USERS}/{ana_id}/role", {"role": "auditor", "employee": ""})
    assert error_of(refused, "role").startswith("The account's last HR administrator keeps that role")
    await post(console, USERS, user_form(role="hr-admin"))
    demoted = await post(console, f"{USERS}/{ana_id}/role", {"role": "auditor", "employee": ""})
    assert demoted.status_code == 303
    assert (await console.get(demoted.headers["location"])).status_code == 200  # an auditor reads it
    assert (
        await post(console, f"{USERS}/{ana_id}/role", {"role": "hr-admin", "employee": ""})
    ).status_code == 403


async def test_a_reset_link_voids_the_previous_one_and_sign_out_everywhere_ends_their_sessions(
    app: TalentTraining, signed_in: Browser, person: People, reader: httpx.AsyncClient
) -> None:
    console = await signed_in()
    bob, bob_id = await person("bob@example.com", "auditor", "Bob Durand")
    page = await console.get(f"{USERS}/{bob_id}")
    assert "Issue a reset link" in page.text and "Sign Bob Durand out everywhere" in page.text

    first = link_of(await post(console, f"{USERS}/{bob_id}/reset", {}))
    second_page = await post(console, f"{USERS}/{bob_id}/reset", {})
    assert second_page.status_code == 200 and "A reset link for bob@example.com" in second_page.text
    second = link_of(second_page)
    assert first != second
    new_password = "another long passphrase"
    async with browser(app) as anyone:
        for link, works in ((first, False), (second, True)):
            path = link.removeprefix("http://testserver")
            form = await anyone.get(path)
            data = {"csrf": csrf_of(form), "password": new_password, "confirmation": new_password}
            answer = await anyone.post(path, data=data)
            assert (answer.status_code == 303) is works, link
    assert (await sign_in(bob, "bob@example.com", new_password)).status_code == 303

    assert (await bob.get("/console")).status_code == 200
    ended = await post(console, f"{USERS}/{bob_id}/sign-out", {})
    assert ended.headers["location"] == f"{USERS}/{bob_id}?signed-out&ended=1"
    assert "Sessions ended: 1." in (await console.get(ended.headers["location"])).text
    assert (await bob.get("/console")).status_code == 302  # to the sign-in page
    assert (await console.get("/console")).status_code == 200  # nobody else's
    trail = await events(reader, resourceType="user", resourceId=bob_id)
    [revoked] = [event for event in trail if event["action"] == "revoke"]
    assert revoked["actor"] == "user:ana@example.com"
    assert revoked["changes"] == {"liveSessions": {"before": 1, "after": 0}}


# API keys ---------------------------------------------------------------------------------------------------


async def test_a_key_is_shown_once_works_and_is_listed_by_its_prefix_only(
    app: TalentTraining, signed_in: Browser, reader: httpx.AsyncClient
) -> None:
    console = await signed_in()
    answer = await post(console, KEYS, {"name": "  Payroll sync ", "role": "write", "expiresIn": "90"})
    assert (answer.status_code, answer.headers["location"]) == (303, f"{KEYS}/new")
    carried = answer.headers["set-cookie"]  # for that page alone, out of scripts' reach, for a minute
    assert carried.startswith("tt_new_key=") and "; Path=/console/admin/keys/new;" in carried
    assert all(part in carried for part in ("; HttpOnly", "; Max-Age=60", "; SameSite=strict"))
    shown = await console.get(f"{KEYS}/new")
    assert shown.status_code == 200
    assert shown.headers["set-cookie"].startswith('tt_new_key=""; ')  # deleted
    assert "Max-Age=0" in shown.headers["set-cookie"]
    assert shown.headers["cache-control"] == "no-store"
    assert "The key Payroll sync is created" in shown.text and "shown only this once" in shown.text
    token = key_of(shown)
    prefix = prefix_of(token)
    secret = token.split("_", 2)[2]
    assert '<time datetime="' in shown.text and "write (everything)" in shown.text  # expires, in 90 days

    async with http_client(app, token) as api:
        assert (await api.get(TRAININGS)).status_code == 200
        assert (await create_training(api, title="Written with it"))["title"] == "Written with it"
    page = await console.get(KEYS)
    assert f"<code>{prefix}</code>" in page.text
    assert '<th scope="row">Payroll sync</th>' in page.text and "write (everything)" in page.text
    assert secret not in page.text and secret not in (await console.get(AUDIT)).text
    [created] = [
        e for e in await events(reader, resourceType="api-key") if e["changes"]["prefix"]["after"] == prefix
    ]
    assert created["actor"] == "user:ana@example.com"
    assert created["changes"]["name"]["after"] == "Payroll sync"
    assert created["changes"]["expiresAt"]["after"] is not None


async def test_reloading_the_page_of_a_new_key_makes_no_other_key_and_shows_it_no_more(
    signed_in: Browser, reader: httpx.AsyncClient
) -> None:
    console = await signed_in()
    token = await create_key(console)
    made = await events(reader, resourceType="api-key")

    again = await console.get(f"{KEYS}/new")  # a reload: the cookie that brought the key is gone
    assert (again.status_code, again.headers["location"]) == (303, KEYS)
    assert token not in again.text
    assert await events(reader, resourceType="api-key") == made


def sealed(session: httpx.AsyncClient, token: str) -> str:
    """The cookie that takes `token` to the page of a new key in this browser's session."""
    seal = hmac.new(session.cookies["tt_session"].encode(), b"new key " + token.encode(), hashlib.sha256)
    return f"{seal.hexdigest()}.{token}"


async def test_the_page_of_a_new_key_shows_it_to_the_session_that_made_it_alone(
    signed_in: Browser, person: People
) -> None:
    console = await signed_in()
    made = await post(console, KEYS, {"name": "Payroll sync", "role": "read", "expiresIn": ""})
    assert made.status_code == 303
    cookie = console.cookies["tt_new_key"]
    other, _ = await person("zoe@example.com", "hr-admin", "Zoé")  # the next user of the same browser, say
    other.cookies.set("tt_new_key", cookie, path=f"{KEYS}/new")

    refused = await other.get(f"{KEYS}/new")
    assert (refused.status_code, refused.headers["location"]) == (303, KEYS)
    shown = await console.get(f"{KEYS}/new")  # the very cookie, in the session that made the key
    assert shown.status_code == 200 and key_of(shown) == cookie.split(".", 1)[1]
    assert key_of(shown) not in refused.text


async def test_the_page_of_a_new_key_shows_only_a_key_of_the_users_account_that_the_cookie_proves(
    app: TalentTraining, signed_in: Browser
) -> None:
    console = await signed_in()
    token = await create_key(console)
    prefix, secret = token.split("_", 2)[1:]
    async with app.database.transaction() as tx:  # another account's key, with its very secret
        stranger = await issue_api_key(tx, name="theirs", role="write", account="elsewhere", by="test")
    forged = (
        f"tt_{prefix}_{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}",  # its prefix, not its secret
        "tt_0123456789abcdef_" + secret,  # no such key
        "not a key",
        stranger.token,
    )
    for token_given in (*forged, token):
        console.cookies.set("tt_new_key", sealed(console, token_given), path=f"{KEYS}/new")
        answer = await console.get(f"{KEYS}/new")
        if token_given == token:  # the key of the account, its secret: shown (the cookie is read)
            assert answer.status_code == 200 and key_of(answer) == token
        else:
            assert (answer.status_code, answer.headers["location"]) == (303, KEYS), token_given
            assert secret not in answer.text


async def test_a_read_key_made_in_the_console_only_reads(app: TalentTraining, signed_in: Browser) -> None:
    console = await signed_in()
    token = await create_key(console, role="read")
    async with http_client(app, token) as api:
        assert (await api.get(TRAININGS)).status_code == 200
        assert (await api.post(TRAININGS, json={"title": "No"})).status_code == 403
    assert "read (GET only)</td>" in (await console.get(KEYS)).text


@pytest.mark.parametrize(
    ("fields", "field", "english"),
    [
        ({"name": "  "}, "name", "Required."),
        ({"name": "k" * 101}, "name", "At most 100 characters."),
        ({"role": "admin"}, "role", "Choose a value from the list."),
        ({"expiresIn": "7"}, "expiresIn", "Choose a value from the list."),
    ],
)
async def test_a_refused_key_field_is_shown_next_to_it_and_no_key_is_made(
    signed_in: Browser, reader: httpx.AsyncClient, fields: dict[str, str], field: str, english: str
) -> None:
    console = await signed_in()
    before = await events(reader, resourceType="api-key")
    answer = await post(console, KEYS, {"name": "Payroll sync", "role": "read", "expiresIn": "", **fields})
    assert answer.status_code == 200
    assert error_of(answer, field) == english
    assert "new-key" in answer.text and 'class="secret"' not in answer.text
    assert await events(reader, resourceType="api-key") == before


async def test_a_key_revoked_after_confirming_is_refused_and_gone_from_the_list(
    app: TalentTraining, signed_in: Browser, reader: httpx.AsyncClient
) -> None:
    console = await signed_in()
    token = await create_key(console)
    prefix = prefix_of(token)
    page = await console.get(KEYS)
    found = re.search(rf'<a href="(/console/admin/keys/(\d+)/revoke)">Revoke the key {prefix}</a>', page.text)
    assert found is not None, page.text
    confirm_path, key_id = found.group(1), int(found.group(2))
    confirm = await console.get(confirm_path)
    assert confirm.status_code == 200 and f"Yes, revoke the key {prefix}" in confirm.text
    assert "Payroll sync" in confirm.text

    answer = await post(console, confirm_path, {})
    assert (answer.status_code, answer.headers["location"]) == (303, f"{KEYS}?revoked={prefix}")
    page = await console.get(answer.headers["location"])
    assert f"The key {prefix} is revoked" in page.text
    assert f"<code>{prefix}</code>" not in page.text
    async with http_client(app, token) as api:
        assert (await api.get(TRAININGS)).status_code == 401
    [revoked] = [
        e for e in await events(reader, resourceType="api-key", resourceId=key_id) if e["action"] == "revoke"
    ]
    assert revoked["actor"] == "user:ana@example.com"
    # Revoked already: nothing to confirm or revoke.
    assert (await console.get(confirm_path)).status_code == 404
    assert (await post(console, confirm_path, {})).status_code == 404


async def test_another_accounts_keys_and_users_are_not_found(
    app: TalentTraining, signed_in: Browser, stranger: httpx.AsyncClient
) -> None:
    their_prefix = key_actor(stranger).removeprefix("key:")
    [their_key] = await events(stranger, resourceType="api-key")
    zoe_id = await add_user(app, "zoe@example.com", "hr-admin", name="Zoé Petit", account="other")
    console = await signed_in()
    assert their_prefix not in (await console.get(KEYS)).text
    revoke = f"{KEYS}/{their_key['resourceId']}/revoke"
    assert (await console.get(revoke)).status_code == 404
    assert (await post(console, revoke, {})).status_code == 404
    assert (await stranger.get(TRAININGS)).status_code == 200  # still valid

    assert (await console.get(f"{USERS}/{zoe_id}")).status_code == 404
    for action, data in (("role", {"role": "auditor", "employee": ""}), ("reset", {}), ("sign-out", {})):
        assert (await post(console, f"{USERS}/{zoe_id}/{action}", data)).status_code == 404, action
    for path in (f"{USERS}/0", f"{USERS}/abc", f"{KEYS}/0/revoke"):
        assert (await console.get(path)).status_code == 404
    assert "Zoé" not in (await console.get(USERS)).text + (await console.get(AUDIT)).text


# Recent writes ----------------------------------------------------------------------------------------------


async def test_recent_writes_newest_first_with_their_changes_filters_and_pages(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    key = key_actor(client)
    ids = [(await create_training(client, title=f"Training {n}"))["id"] for n in range(3)]
    await client.patch(f"{TRAININGS}/{ids[2]}", json={"title": "Renamed"})
    console = await signed_in()
    await post(console, USERS, user_form())

    rows = rows_of(await console.get(AUDIT))
    # Newest first: Max's reset link, Max's creation, Ana's (by the test), then the key's writes.
    assert "user:ana@example.com changed User" in rows[0] and "resetLinkExpiresAt: — →" in rows[0]
    assert "user:ana@example.com created User" in rows[1] and "email: — → max@example.com" in rows[1]
    assert "test created User" in rows[2] and "hasPassword: — → true" in rows[2]
    assert f"{key} changed Training {ids[2]} title: Training 2 → Renamed" in rows[3]
    assert f"{key} created Training {ids[0]}" in rows[6] and "title: — → Training 0" in rows[6]
    assert "test created API key" in rows[7]  # the test's own key, first
    assert len(rows) == 8

    by_type = rows_of(await console.get(AUDIT, params={"resourceType": "training"}))
    assert len(by_type) == 4 and all(f"{key} " in row for row in by_type)
    by_actor = await console.get(AUDIT, params={"actor": "user:ana@example.com"})
    assert len(rows_of(by_actor)) == 2 and all("user:ana@example.com" in row for row in rows_of(by_actor))
    assert 'value="user:ana@example.com"' in by_actor.text  # the filter, as typed
    both = await console.get(AUDIT, params={"actor": key, "resourceType": "user"})
    assert "No write matches." in both.text

    first = await console.get(AUDIT, params={"resourceType": "training", "limit": "3"})
    assert len(rows_of(first)) == 3 and 'rel="prev"' not in first.text
    following = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert following is not None
    second = await console.get(html.unescape(following.group(1)))
    [last] = rows_of(second)
    assert f"{key} created Training {ids[0]}" in last
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


async def test_a_bad_filter_is_said_and_not_applied(signed_in: Browser) -> None:
    console = await signed_in()
    page = await console.get(AUDIT, params={"resourceType": "spaceship", "actor": "x" * 201})
    assert page.status_code == 200
    assert error_of(page, "resourceType") == "Choose a value from the list."
    assert error_of(page, "actor") == "At most 200 characters."
    french = await console.get(AUDIT, params={"lang": "fr"})
    assert "<h1>Dernières modifications</h1>" in french.text and "Type de ressource" in french.text


# Who ------------------------------------------------------------------------------------------------------


async def test_an_auditor_reads_every_page_and_changes_nothing(
    app: TalentTraining, signed_in: Browser, person: People
) -> None:
    admin = await signed_in()
    token = await create_key(admin)
    key_id = await key_id_in(admin, prefix_of(token))
    auditor, bob_id = await person("bob@example.com", "auditor", "Bob Durand")
    for path in (USERS, f"{USERS}/{bob_id}", KEYS, AUDIT):
        page = await auditor.get(path)
        assert page.status_code == 200, path
        assert 'method="post" action="/console/admin' not in page.text, path
        assert "only HR administrators change it" in page.text
    keys_page = await auditor.get(KEYS)
    assert prefix_of(token) in keys_page.text and "/revoke" not in keys_page.text
    assert (await auditor.get(f"{KEYS}/{key_id}/revoke")).status_code == 403
    for path, data in (
        (USERS, user_form()),
        (f"{USERS}/{bob_id}/role", {"role": "hr-admin", "employee": ""}),
        (f"{USERS}/{bob_id}/reset", {}),
        (f"{USERS}/{bob_id}/sign-out", {}),
        (KEYS, {"name": "Mine", "role": "write", "expiresIn": ""}),
        (f"{KEYS}/{key_id}/revoke", {}),
    ):
        assert (await post(auditor, path, data)).status_code == 403, path
    async with http_client(app, token) as api:
        assert (await api.get(TRAININGS)).status_code == 200
    assert "Max Roux" not in (await admin.get(USERS)).text


async def key_id_in(client: httpx.AsyncClient, prefix: str) -> int:
    found = re.search(
        rf'/console/admin/keys/(\d+)/revoke">Revoke the key {prefix}<', (await client.get(KEYS)).text
    )
    assert found is not None
    return int(found.group(1))


async def test_a_manager_is_refused_every_page_and_form(
    app: TalentTraining, signed_in: Browser, client: httpx.AsyncClient
) -> None:
    admin = await signed_in()
    token = await create_key(admin)
    key_id = await key_id_in(admin, prefix_of(token))
    ana_id = await user_id_of(admin, "Ana Martin")
    await put_employee(client, 416)
    manager = await signed_in("manager", "max@example.com", employee_id=416)
    for path in (ADMIN, USERS, f"{USERS}/{ana_id}", KEYS, f"{KEYS}/{key_id}/revoke", AUDIT):
        page = await manager.get(path)
        assert page.status_code == 403, path
        assert "Not allowed" in page.text
    for path, data in (
        (USERS, user_form()),
        (f"{USERS}/{ana_id}/role", {"role": "auditor", "employee": ""}),
        (f"{USERS}/{ana_id}/reset", {}),
        (f"{USERS}/{ana_id}/sign-out", {}),
        (KEYS, {"name": "Mine", "role": "write", "expiresIn": ""}),
        (f"{KEYS}/{key_id}/revoke", {}),
    ):
        assert (await post(manager, path, data)).status_code == 403, path
    assert (await admin.get("/console")).status_code == 200  # not signed out by the manager
    async with http_client(app, token) as api:
        assert (await api.get(TRAININGS)).status_code == 200


async def test_a_form_without_its_token_or_from_elsewhere_is_refused(signed_in: Browser) -> None:
    console = await signed_in()
    for path, data in ((USERS, user_form()), (KEYS, {"name": "Forged", "role": "write", "expiresIn": ""})):
        assert (await console.post(path, data=data)).status_code == 403, path
        forged = await console.post(
            path,
            data={**data, "csrf": csrf_of(await console.get("/console"))},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403, path
    assert "Forged" not in (await console.get(KEYS)).text
    assert "Max Roux" not in (await console.get(USERS)).text


# Revoking as the command line does --------------------------------------------------------------------------


@pytest.mark.postgresql_only
async def test_a_key_revoked_in_the_console_is_forgotten_by_the_time_the_page_answers(
    committed_app: TalentTraining,
) -> None:
    """The key is remembered by the process (no round trip for it); the console's revoke answers only once
    every serving process has forgotten it, as `api-key revoke` does."""
    from tests.accounts.test_key_memory import remembered_client

    api, prefix = await remembered_client(committed_app)
    await add_user(committed_app)
    async with browser(committed_app) as console:
        assert (await sign_in(console, "ana@example.com", PASSWORD)).status_code == 303
        page = await console.get(KEYS)
        found = re.search(rf'/console/admin/keys/(\d+)/revoke">Revoke the key {prefix}<', page.text)
        assert found is not None, page.text
        answer = await post(console, f"{KEYS}/{found.group(1)}/revoke", {})
        assert answer.status_code == 303
        assert not committed_app.api_keys.remembers(prefix)
    assert (await api.get(TRAININGS)).status_code == 401
    await api.aclose()
