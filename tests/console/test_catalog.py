"""The catalog's screens over HTTP, on both databases: lists with search, filters (state too) and pages;
creating and editing trainings, providers and categories with the API's rules as field errors; archiving;
who may write (an HR administrator), and nobody seeing another account's catalog."""

from __future__ import annotations

import html
import re

import httpx

from talent_training.app import TalentTraining
from talent_training.users import service as users
from tests.audit.test_audit_events import events
from tests.console.conftest import Browser, browser, csrf_of, error_of, post, sign_in
from tests.directory.helpers import put_employee
from tests.factories import CATEGORIES as API_CATEGORIES
from tests.factories import TRAININGS as API_TRAININGS
from tests.factories import create_category, create_provider, create_training

CATALOG = "/console/catalog"
TRAININGS = f"{CATALOG}/trainings"
PROVIDERS = f"{CATALOG}/providers"
CATEGORIES = f"{CATALOG}/categories"
_TRAINING_ID = re.compile(r"/console/catalog/trainings/(\d+)\?created$")


def training_form(**overrides: str) -> dict[str, str]:
    form = {
        "title": "Fire safety",
        "subtitle": "Extinguishers",
        "description": "Half a day",
        "level": "Beginner",
        "type": "External",
        "providerId": "",
        "categoryId": "",
    }
    return {**form, **overrides}


async def create_in_console(client: httpx.AsyncClient, **fields: str) -> int:
    answer = await post(client, TRAININGS, training_form(**fields))
    assert answer.status_code == 303, answer.text
    found = _TRAINING_ID.search(answer.headers["location"])
    assert found is not None, answer.headers["location"]
    return int(found.group(1))


def names(page: httpx.Response, kind: str) -> list[str]:
    """The providers or categories (`kind`) a list shows, each a link to its page."""
    found = re.findall(rf'<a href="/console/catalog/{kind}/\d+">([^<]*)</a>', page.text)
    return [html.unescape(name) for name in found]


def titles(page: httpx.Response) -> list[str]:
    return [
        html.unescape(title)
        for title in re.findall(r'<a href="/console/catalog/trainings/\d+">([^<]*)</a>', page.text)
    ]


async def test_the_home_page_leads_to_the_catalogs_screens(signed_in: Browser) -> None:
    client = await signed_in()
    home = await client.get("/console")
    assert f'href="{CATALOG}"' in home.text
    answer = await client.get(CATALOG)
    assert (answer.status_code, answer.headers["location"]) == (302, TRAININGS)
    page = await client.get(TRAININGS)
    assert page.status_code == 200
    for screen in (TRAININGS, PROVIDERS, CATEGORIES, f"{TRAININGS}/new"):
        assert f'href="{screen}"' in page.text
    assert "Nothing yet." in page.text


async def test_a_training_created_in_the_console_is_listed_and_audited_under_the_user(
    signed_in: Browser, reader: httpx.AsyncClient
) -> None:
    client = await signed_in()
    training_id = await create_in_console(client, isCertifying="true")

    page = await client.get(f"{TRAININGS}/{training_id}?created")
    assert "The training is created." in page.text
    assert 'value="Fire safety"' in page.text
    assert re.search(r'id="isCertifying" name="isCertifying" type="checkbox" value="true" checked', page.text)
    assert titles(await client.get(TRAININGS)) == ["Fire safety"]
    [event] = await events(reader, resourceType="training", resourceId=training_id)
    assert (event["action"], event["actor"]) == ("create", "user:ana@example.com")
    assert event["changes"]["isCertifying"]["after"] is True


async def test_the_list_searches_filters_and_pages(signed_in: Browser, client: httpx.AsyncClient) -> None:
    acme = await create_provider(client, name="Acme")
    safety = await create_category(client, name="Safety", t9n={"name": {"Fr": "Sécurité"}})
    await create_training(client, title="Fire safety", providerId=acme["id"], categoryId=safety["id"])
    await create_training(client, title="Excel basics")
    await create_training(client, title="Advanced fire drills")
    console = await signed_in()

    assert titles(await console.get(TRAININGS)) == ["Fire safety", "Excel basics", "Advanced fire drills"]
    assert titles(await console.get(TRAININGS, params={"search": "FIRE"})) == [
        "Fire safety",
        "Advanced fire drills",
    ]
    by_provider = await console.get(TRAININGS, params={"providerIds": acme["id"], "categoryIds": ""})
    assert titles(by_provider) == ["Fire safety"]
    assert re.search(rf'<option value="{acme["id"]}" selected>Acme</option>', by_provider.text)
    by_category = await console.get(TRAININGS, params={"categoryIds": safety["id"], "lang": "fr"})
    assert titles(by_category) == ["Fire safety"]
    assert "<td>Sécurité</td>" in by_category.text  # the category's French name on a French page
    nothing = await console.get(TRAININGS, params={"search": "cooking", "lang": "en"})
    assert titles(nothing) == [] and "No training matches." in nothing.text

    first = await console.get(TRAININGS, params={"limit": 2})
    assert titles(first) == ["Fire safety", "Excel basics"]
    next_page = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert next_page is not None and 'rel="prev"' not in first.text
    second = await console.get(html.unescape(next_page.group(1)))
    assert titles(second) == ["Advanced fire drills"]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


async def test_htmx_gets_only_the_table_and_a_bad_search_is_said_not_served(signed_in: Browser) -> None:
    client = await signed_in()
    await create_in_console(client)

    part = await client.get(
        TRAININGS, params={"search": "fire"}, headers={"HX-Request": "true", "HX-Target": "trainings"}
    )
    assert part.status_code == 200
    assert part.text.startswith('<div id="trainings">') and "<html" not in part.text
    assert titles(part) == ["Fire safety"]
    assert "HX-Request" in part.headers["vary"]

    too_long = await client.get(TRAININGS, params={"search": "x" * 251})
    assert too_long.status_code == 200
    assert error_of(too_long, "search") == "At most 250 characters."
    assert titles(too_long) == ["Fire safety"]  # not filtered by a search it refused


async def test_each_refused_field_is_shown_next_to_it_and_nothing_is_created(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    other = await create_provider(client, name="Acme")
    console = await signed_in()
    cases = [
        ({"title": ""}, "title", "Required."),
        ({"title": "   "}, "title", "Required."),
        ({"title": "x" * 251}, "title", "At most 250 characters."),
        ({"subtitle": "x" * 1001}, "subtitle", "At most 1000 characters."),
        ({"level": "Guru"}, "level", "Choose a value from the list."),
        ({"providerId": "2147483000"}, "providerId", "This provider does not exist."),
        ({"categoryId": "2147483000"}, "categoryId", "This category does not exist."),
        ({"providerId": "abc"}, "providerId", "Choose a value from the list."),
    ]
    for fields, field, message in cases:
        page = await post(console, TRAININGS, training_form(**fields))
        assert page.status_code == 200, fields
        assert error_of(page, field) == message, fields
        assert f'aria-describedby="{field}-error"' in page.text
        assert "Some fields need correcting" in page.text
        assert ">Half a day</textarea>" in page.text  # what was typed is kept
    kept = await post(console, TRAININGS, training_form(title="", providerId=str(other["id"])))
    assert re.search(rf'<option value="{other["id"]}" selected>Acme</option>', kept.text)
    french = await post(console, f"{TRAININGS}?lang=fr", training_form(title=""))
    assert error_of(french, "title") == "Obligatoire."
    assert titles(await console.get(TRAININGS)) == []


async def test_a_training_is_edited_archived_and_restored(
    signed_in: Browser, client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    acme = await create_provider(client, name="Acme")
    console = await signed_in()
    training_id = await create_in_console(console, providerId=str(acme["id"]))
    address = f"{TRAININGS}/{training_id}"

    refused = await post(console, address, training_form(title=" "))
    assert refused.status_code == 200
    assert error_of(refused, "title") == "Required."
    saved = await post(console, address, training_form(title="Fire safety, 2nd edition", level="Expert"))
    assert (saved.status_code, saved.headers["location"]) == (303, f"{address}?saved")
    page = await console.get(saved.headers["location"])
    assert "The training is saved." in page.text and "<h1>Fire safety, 2nd edition</h1>" in page.text
    assert '<option value="Expert" selected>' in page.text
    assert f'<option value="{acme["id"]}" selected>' not in page.text  # the provider was cleared

    archived = await post(console, f"{address}/state", {"state": "Archived"})
    assert archived.headers["location"] == f"{address}?archived"
    page = await console.get(archived.headers["location"])
    assert "The training is archived." in page.text and ">Restore</button>" in page.text
    assert "<td>Archived</td>" in (await console.get(TRAININGS)).text
    restored = await post(console, f"{address}/state", {"state": "Ready"})
    assert "The training is back in the catalog." in (await console.get(restored.headers["location"])).text
    assert (await post(console, f"{address}/state", {"state": "Gone"})).status_code == 400

    trail = await events(reader, resourceType="training", resourceId=training_id)
    assert {event["actor"] for event in trail} == {"user:ana@example.com"}
    assert [event["action"] for event in trail].count("update") == 3  # saved, archived, restored
    assert any(event["changes"].get("state", {}).get("after") == "Archived" for event in trail)


async def test_providers_and_categories_are_listed_and_created_with_their_errors(
    signed_in: Browser, reader: httpx.AsyncClient
) -> None:
    console = await signed_in()

    created = await post(console, PROVIDERS, {"name": "Acme", "websiteHref": "https://acme.example"})
    assert (created.status_code, created.headers["location"]) == (303, f"{PROVIDERS}?created")
    page = await console.get(created.headers["location"])
    assert "The provider is created." in page.text and names(page, "providers") == ["Acme"]
    for form, field, message in (
        ({"name": "Acme"}, "name", "This name is already used."),
        ({"name": " "}, "name", "Required."),
        ({"name": "Beta", "websiteHref": "ftp://beta.example"}, "websiteHref", "An address starting with"),
    ):
        refused = await post(console, PROVIDERS, form)
        assert refused.status_code == 200, form
        assert error_of(refused, field).startswith(message), form
        assert names(refused, "providers") == ["Acme"]  # the list is still there

    category = {"name": "Safety", "code": "SAF", "t9n.name.Fr": "Sécurité", "t9n.name.En": ""}
    created = await post(console, CATEGORIES, category)
    assert created.status_code == 303
    page = await console.get(created.headers["location"])
    assert "The category is created." in page.text
    assert '<td lang="fr">Sécurité</td>' in page.text and "<td>SAF</td>" in page.text
    duplicate = await post(console, CATEGORIES, category)
    assert error_of(duplicate, "name") == "This name is already used."
    assert 'value="Sécurité"' in duplicate.text
    too_long = await post(console, CATEGORIES, {"name": "Law", "t9n.name.En": "x" * 251})
    assert error_of(too_long, "t9n-name-En") == "At most 250 characters."

    trail = await events(reader, actor="user:ana@example.com")
    assert sorted(event["resourceType"] for event in trail) == ["category", "provider"]


async def test_an_auditor_reads_the_catalog_and_writes_nothing(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    training = await create_training(client, title="Fire safety")
    acme = await create_provider(client, name="Acme", websiteHref="https://acme.example")
    safety = await create_category(client, name="Safety", t9n={"name": {"Fr": "Sécurité"}})
    admin = await signed_in()
    token_of_an_admin = csrf_of(await admin.get("/console"))
    auditor = await signed_in("auditor", "bob@example.com")
    address = f"{TRAININGS}/{training['id']}"
    provider_page, category_page = f"{PROVIDERS}/{acme['id']}", f"{CATEGORIES}/{safety['id']}"

    for path in (TRAININGS, address, PROVIDERS, CATEGORIES, provider_page, category_page):
        page = await auditor.get(path)
        assert page.status_code == 200, path
        assert 'method="post" action="/console/catalog' not in page.text, path
        assert "only HR administrators change it" in page.text
    assert "Fire safety" in (await auditor.get(address)).text
    shown = await auditor.get(provider_page)
    assert "<h1>Acme</h1>" in shown.text and '<dd><a href="https://acme.example"' in shown.text
    assert '<dd lang="fr">Sécurité</dd>' in (await auditor.get(category_page)).text
    assert f'href="{TRAININGS}/new"' not in (await auditor.get(TRAININGS)).text
    assert (await auditor.get(f"{TRAININGS}/new")).status_code == 403
    for path, data in (
        (TRAININGS, training_form()),
        (address, training_form(title="Changed")),
        (f"{address}/state", {"state": "Archived"}),
        (PROVIDERS, {"name": "Acme"}),
        (CATEGORIES, {"name": "Safety"}),
        (provider_page, {"name": "Changed"}),
        (category_page, {"name": "Changed"}),
    ):
        answer = await post(auditor, path, data)
        assert answer.status_code == 403, path
        assert "Not allowed" in answer.text
        assert (await auditor.post(path, data={**data, "csrf": token_of_an_admin})).status_code == 403
    assert titles(await auditor.get(TRAININGS)) == ["Fire safety"]
    assert names(await auditor.get(PROVIDERS), "providers") == ["Acme"]
    assert names(await auditor.get(CATEGORIES), "categories") == ["Safety"]


async def test_a_manager_reads_the_catalog_but_does_not_change_it(
    app: TalentTraining, client: httpx.AsyncClient
) -> None:
    """The catalog is the HR administrators': a manager writes elsewhere (their team's records), not here."""
    training = await create_training(client, title="Fire safety")
    acme = await create_provider(client, name="Acme")
    safety = await create_category(client, name="Safety")
    await put_employee(client, 416)
    async with app.database.transaction() as tx:
        await users.create_user(
            tx,
            account="default",
            email="max@example.com",
            name="Max Roux",
            role="manager",
            employee_id=416,
            password="correct horse battery staple",
            by="test",
        )
    async with browser(app) as manager:
        assert (await sign_in(manager, "max@example.com")).status_code == 303
        page = await manager.get(f"{TRAININGS}/{training['id']}")
        assert page.status_code == 200 and 'action="/console/catalog' not in page.text
        assert (await manager.get(f"{TRAININGS}/new")).status_code == 403
        answer = await post(manager, f"{TRAININGS}/{training['id']}", training_form(title="Changed"))
        assert answer.status_code == 403
        assert "<h1>Fire safety</h1>" in (await manager.get(f"{TRAININGS}/{training['id']}")).text
        for path in (f"{PROVIDERS}/{acme['id']}", f"{CATEGORIES}/{safety['id']}"):
            page = await manager.get(path)
            assert page.status_code == 200 and 'action="/console/catalog' not in page.text, path
            assert (await post(manager, path, {"name": "Changed"})).status_code == 403, path
        assert names(await manager.get(PROVIDERS), "providers") == ["Acme"]
        assert names(await manager.get(CATEGORIES), "categories") == ["Safety"]


async def test_a_form_without_its_token_or_from_elsewhere_is_refused(
    app: TalentTraining, signed_in: Browser
) -> None:
    console = await signed_in()
    training_id = await create_in_console(console)
    assert (await post(console, PROVIDERS, {"name": "Acme"})).status_code == 303
    assert (await post(console, CATEGORIES, {"name": "Safety"})).status_code == 303
    [provider_id] = re.findall(r"/console/catalog/providers/(\d+)", (await console.get(PROVIDERS)).text)
    [category_id] = re.findall(r"/console/catalog/categories/(\d+)", (await console.get(CATEGORIES)).text)
    for path, data in (
        (TRAININGS, training_form(title="Forged")),
        (f"{TRAININGS}/{training_id}", training_form(title="Forged")),
        (f"{TRAININGS}/{training_id}/state", {"state": "Archived"}),
        (PROVIDERS, {"name": "Forged"}),
        (CATEGORIES, {"name": "Forged"}),
        (f"{PROVIDERS}/{provider_id}", {"name": "Forged"}),
        (f"{CATEGORIES}/{category_id}", {"name": "Forged"}),
    ):
        assert (await console.post(path, data=data)).status_code == 403, path
        elsewhere = await console.post(
            path,
            data={**data, "csrf": csrf_of(await console.get("/console"))},
            headers={"Origin": "https://evil.example"},
        )
        assert elsewhere.status_code == 403, path
    page = await console.get(f"{TRAININGS}/{training_id}")
    assert "<h1>Fire safety</h1>" in page.text and "Forged" not in page.text
    assert "Forged" not in (await console.get(PROVIDERS)).text + (await console.get(CATEGORIES)).text


async def test_another_accounts_training_is_not_found(
    signed_in: Browser, stranger: httpx.AsyncClient
) -> None:
    theirs = await create_training(stranger, title="Their training")  # account "other"
    their_provider = await create_provider(stranger, name="Their provider")
    console = await signed_in()
    address = f"{TRAININGS}/{theirs['id']}"

    assert (await console.get(address)).status_code == 404
    assert (await post(console, address, training_form(title="Mine now"))).status_code == 404
    assert (await post(console, address, training_form(title=""))).status_code == 404
    assert (await post(console, f"{address}/state", {"state": "Archived"})).status_code == 404
    assert titles(await console.get(TRAININGS)) == []
    refused = await post(console, TRAININGS, training_form(providerId=str(their_provider["id"])))
    assert error_of(refused, "providerId") == "This provider does not exist."
    assert (await console.get(f"{TRAININGS}/0")).status_code == 404


async def test_another_accounts_provider_or_category_is_not_found(
    signed_in: Browser, stranger: httpx.AsyncClient
) -> None:
    their_provider = await create_provider(stranger, name="Their provider")
    their_category = await create_category(stranger, name="Their category")
    console = await signed_in()

    for address in (f"{PROVIDERS}/{their_provider['id']}", f"{CATEGORIES}/{their_category['id']}"):
        assert (await console.get(address)).status_code == 404, address
        assert (await post(console, address, {"name": "Mine now"})).status_code == 404, address
        assert (await post(console, address, {"name": ""})).status_code == 404, address  # refused, still 404
    assert (await console.get(f"{PROVIDERS}/2147483647")).status_code == 404
    assert (await console.get(f"{CATEGORIES}/abc")).status_code == 404
    assert names(await console.get(PROVIDERS), "providers") == []
    assert (await stranger.get(f"/talent-training/api/v1/providers/{their_provider['id']}")).json()[
        "name"
    ] == "Their provider"


async def test_the_trainings_list_filters_by_state(signed_in: Browser, client: httpx.AsyncClient) -> None:
    await create_training(client, title="Fire safety")
    archived = await create_training(client, title="Fire drills")
    patched = await client.patch(f"{API_TRAININGS}/{archived['id']}", json={"state": "Archived"})
    assert patched.status_code == 200
    console = await signed_in()

    every = await console.get(TRAININGS)
    assert titles(every) == ["Fire safety", "Fire drills"]  # every state, as the API's list
    assert re.search(r'<select id="states" name="states">\s*<option value="">Any</option>', every.text)
    assert titles(await console.get(TRAININGS, params={"states": ""})) == ["Fire safety", "Fire drills"]
    ready = await console.get(TRAININGS, params={"states": "Ready"})
    assert titles(ready) == ["Fire safety"]
    assert '<option value="Ready" selected>Ready</option>' in ready.text
    archived_only = await console.get(
        TRAININGS, params={"states": "Archived", "search": "fire", "lang": "fr"}
    )
    assert titles(archived_only) == ["Fire drills"]
    assert '<option value="Archived" selected>Archivée</option>' in archived_only.text
    part = await console.get(
        TRAININGS, params={"states": "Archived"}, headers={"HX-Request": "true", "HX-Target": "trainings"}
    )
    assert titles(part) == ["Fire drills"] and "<html" not in part.text
    nothing = await console.get(TRAININGS, params={"states": "Archived", "search": "excel", "lang": "en"})
    assert "No training matches." in nothing.text
    assert (await console.get(TRAININGS, params={"states": "Deleted"})).status_code == 400


async def test_a_provider_is_edited_on_its_page_with_its_errors_next_to_the_fields(
    signed_in: Browser, client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    acme = await create_provider(client, name="Acme", websiteHref="https://acme.example")
    await create_provider(client, name="Beta")
    training = await create_training(client, title="Fire safety", providerId=acme["id"])
    console = await signed_in()
    address = f"{PROVIDERS}/{acme['id']}"

    listed = await console.get(PROVIDERS)
    assert f'<a href="{address}">Acme</a>' in listed.text
    page = await console.get(address)
    assert "<h1>Acme</h1>" in page.text
    assert 'value="https://acme.example"' in page.text
    assert f'href="{TRAININGS}?providerIds={acme["id"]}"' in page.text
    for form, field, message in (
        ({"name": "Beta", "websiteHref": ""}, "name", "This name is already used."),
        ({"name": "  ", "websiteHref": ""}, "name", "Required."),
        ({"name": "x" * 251, "websiteHref": ""}, "name", "At most 250 characters."),
        ({"name": "Acme 2", "websiteHref": "ftp://acme.example"}, "websiteHref", "An address starting with"),
    ):
        refused = await post(console, address, form)
        assert refused.status_code == 200, form
        assert error_of(refused, field).startswith(message), form
        assert f'aria-describedby="{field}-error"' in refused.text
        assert "<h1>Acme</h1>" in refused.text  # the stored name, the form as typed
        assert f'value="{html.escape(form["name"], quote=True)}"' in refused.text, form
    french = await post(console, f"{address}?lang=fr", {"name": "Beta"})
    assert error_of(french, "name") == "Ce nom est déjà utilisé."
    await console.get(PROVIDERS, params={"lang": "en"})  # the language chosen is kept: back to English

    saved = await post(console, address, {"name": "Acme Learning", "websiteHref": ""})
    assert (saved.status_code, saved.headers["location"]) == (303, f"{address}?saved")
    page = await console.get(saved.headers["location"])
    assert "The provider is saved." in page.text and "<h1>Acme Learning</h1>" in page.text
    provider_api = await client.get(f"/talent-training/api/v1/providers/{acme['id']}")
    assert provider_api.json() == {"id": acme["id"], "name": "Acme Learning"}  # the empty website removed it
    assert (await client.get(f"{API_TRAININGS}/{training['id']}")).json()["provider"][
        "name"
    ] == "Acme Learning"

    trail = await events(reader, resourceType="provider", resourceId=acme["id"])
    assert [(event["action"], event["actor"]) for event in trail][1:] == [("update", "user:ana@example.com")]
    assert trail[1]["changes"] == {
        "name": {"before": "Acme", "after": "Acme Learning"},
        "websiteHref": {"before": "https://acme.example", "after": None},
    }


async def test_a_category_is_edited_on_its_page_and_its_other_translations_are_kept(
    signed_in: Browser, client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    languages = await create_category(
        client, name="Languages", code="LANG", t9n={"name": {"Fr": "Langues", "Es": "Idiomas"}}
    )
    await create_category(client, name="Safety")
    console = await signed_in()
    address = f"{CATEGORIES}/{languages['id']}"

    assert f'<a href="{address}">Languages</a>' in (await console.get(CATEGORIES)).text
    page = await console.get(address, params={"lang": "fr"})
    assert (
        "<h1>Languages</h1>" in page.text and 'value="Langues"' in page.text and 'value="LANG"' in page.text
    )
    assert "Enregistrer la catégorie" in page.text
    await console.get(CATEGORIES, params={"lang": "en"})
    base = {"name": "Languages", "code": "LANG", "t9n.name.En": "", "t9n.name.Fr": "Langues"}
    for changes, field, message in (
        ({"name": "Safety"}, "name", "This name is already used."),
        ({"name": ""}, "name", "Required."),
        ({"code": "x" * 101}, "code", "At most 100 characters."),
        ({"t9n.name.Fr": "x" * 251}, "t9n-name-Fr", "At most 250 characters."),
    ):
        refused = await post(console, address, {**base, **changes})
        assert refused.status_code == 200, changes
        assert error_of(refused, field) == message, changes
        assert "Some fields need correcting" in refused.text

    saved = await post(console, address, {**base, "code": "", "t9n.name.En": "Languages", "t9n.name.Fr": ""})
    assert (saved.status_code, saved.headers["location"]) == (303, f"{address}?saved")
    assert "The category is saved." in (await console.get(saved.headers["location"])).text
    category_api = (await client.get(f"{API_CATEGORIES}/{languages['id']}")).json()
    # Fr emptied: removed; En added; Es, which the console does not show, kept; the empty code removed.
    assert category_api == {
        "id": languages["id"],
        "name": "Languages",
        "t9n": {"name": {"Es": "Idiomas", "En": "Languages"}},
    }

    [update] = [
        event for event in await events(reader, resourceType="category") if event["action"] == "update"
    ]
    assert update["actor"] == "user:ana@example.com"
    assert set(update["changes"]) == {"t9n", "code"}
