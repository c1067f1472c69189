"""The realized trainings' screens over HTTP, on both databases: the list with the API's filters and cursor
pages, each record's page, the add form with the API's rules as field errors, "export these" as CSV and XLSX,
and who sees and writes what (a manager: their team only, 404 for anyone else's record)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from talent_training.app import TalentTraining
from tests.audit.test_audit_events import events
from tests.bulk.downloads import csv_rows, xlsx_rows
from tests.console.conftest import Browser, csrf_of, error_of, post
from tests.directory.helpers import put_employee
from tests.factories import TRAININGS, create_realized_training, create_training

REALIZED = "/console/realized-trainings"
NEW = f"{REALIZED}/new"
_CREATED = re.compile(r"^/console/realized-trainings/(\d+)\?created$")
_ROW = re.compile(
    r"<tr>\s*<td>(?:<a href=\"/console/employees/\d+\">)?([^<]*)(?:</a>)?</td>\s*"
    r"<td><a href=\"/console/realized-trainings/\d+\">([^<]*)</a></td>"
)


def rows_of(page: httpx.Response) -> list[tuple[str, str]]:
    """(employee, training) of each row of the list, in order."""
    return [(html.unescape(name), html.unescape(title)) for name, title in _ROW.findall(page.text)]


def link(page: httpx.Response, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page.text)
    return html.unescape(found.group(1)) if found else None


def export_link(page: httpx.Response, kind: str) -> str:
    found = re.search(rf'<a href="(/console/realized-trainings/export\.{kind}[^"]*)" download>', page.text)
    assert found is not None, page.text
    return html.unescape(found.group(1))


def form(**overrides: str) -> dict[str, str]:
    fields = {
        "ownerId": "416",
        "trainingId": "",
        "sessionStartsOn": "2025-01-02",
        "sessionEndsOn": "2025-01-03",
        "durationInHours": "14",
        "cost.amount": "",
        "cost.currency": "",
        "expiresOn": "",
        "hasAttended": "true",
    }
    return {name: value for name, value in {**fields, **overrides}.items() if value is not None}


async def a_world(client: httpx.AsyncClient) -> dict[str, Any]:
    """Max (416) manages Ana (417), who manages Léa (418); Tom (419) is in another team. Four records."""
    await put_employee(client, 416, firstName="Max", lastName="Roux", login="mroux")
    await put_employee(client, 417, firstName="Ana", lastName="Martin", login="amartin", managerId=416)
    await put_employee(client, 418, firstName="Léa", lastName="Petit", login="lpetit", managerId=417)
    await put_employee(client, 419, firstName="Tom", lastName="Blanc", login="tblanc")
    fire = await create_training(client, title="Fire safety")
    excel = await create_training(client, title="Excel basics")
    records = [
        await create_realized_training(
            client,
            fire["id"],
            ownerId=417,
            sessionStartsOn="2025-01-02",
            sessionEndsOn="2025-01-04",
            durationInHours=2.5,
            cost={"amount": 1250.5, "currency": "EUR"},
        ),
        await create_realized_training(client, excel["id"], ownerId=418, sessionEndsOn="2025-02-10"),
        await create_realized_training(client, fire["id"], ownerId=419, sessionEndsOn="2025-03-01"),
        await create_realized_training(client, excel["id"], ownerId=999, sessionEndsOn="2025-04-01"),
    ]
    return {"fire": fire, "excel": excel, "records": records}


ALL = [
    ("Ana Martin", "Fire safety"),
    ("Léa Petit", "Excel basics"),
    ("Tom Blanc", "Fire safety"),
    ("Employee 999 (not in the directory)", "Excel basics"),
]


async def test_the_list_shows_each_record_and_filters_as_the_api(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await a_world(client)
    console = await signed_in()
    home = await console.get("/console")
    assert f'href="{REALIZED}"' in home.text

    page = await console.get(REALIZED)
    assert page.status_code == 200
    assert rows_of(page) == ALL
    assert "<td>2.5 h</td>" in page.text and "<td>14 h</td>" in page.text
    assert "<td>1250.5 EUR</td>" in page.text and "<td>Yes</td>" in page.text
    assert re.search(r'<td><a href="/console/employees/\d+">', page.text)  # a name leads to its page
    assert '<time datetime="2025-01-04">' in page.text
    assert f'href="{NEW}"' in page.text

    fire = str(world["fire"]["id"])
    cases: list[tuple[dict[str, str], list[tuple[str, str]]]] = [
        ({"ownerIds": "417,419"}, [ALL[0], ALL[2]]),
        ({"ownerIds": "417", "trainingId": ""}, [ALL[0]]),
        ({"trainingId": fire}, [ALL[0], ALL[2]]),
        ({"sessionEndOnAfter": "2025-02-10"}, ALL[2:]),  # exclusive, as the API's
        ({"sessionEndOnBefore": "2025-02-10"}, ALL[:1]),
        ({"sessionEndOnAfter": "2025-01-04", "sessionEndOnBefore": "2025-03-02"}, ALL[1:3]),
        ({"hasAttended": "true"}, ALL),
        ({"hasAttended": "false"}, []),
    ]
    for params, expected in cases:
        assert rows_of(await console.get(REALIZED, params=params)) == expected, params
    filtered = await console.get(REALIZED, params={"ownerIds": "417", "hasAttended": ""})
    assert 'id="ownerIds" name="ownerIds"' in filtered.text and 'value="417"' in filtered.text
    nothing = await console.get(REALIZED, params={"hasAttended": "false"})
    assert "No realized training matches." in nothing.text


async def test_a_refused_filter_is_said_next_to_it_and_gives_no_export(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    await a_world(client)
    console = await signed_in()
    for params, field, message in (
        ({"ownerIds": "Ana"}, "ownerIds", "Ids: whole numbers from 1 to 2147483647, separated by commas."),
        ({"ownerIds": "417,417"}, "ownerIds", "Each id once."),
        ({"trainingId": "0"}, "trainingId", "Ids: whole numbers from 1 to 2147483647, separated by commas."),
        ({"sessionEndOnAfter": "04/01/2025"}, "sessionEndOnAfter", "A date written YYYY-MM-DD."),
        ({"sessionEndOnBefore": "2025-02-30"}, "sessionEndOnBefore", "Not a date of the calendar."),
        ({"hasAttended": "maybe"}, "hasAttended", "Yes or no."),
    ):
        page = await console.get(REALIZED, params=params)
        assert page.status_code == 200, params
        assert error_of(page, field) == message, params
        assert "export.csv" not in page.text, params
        assert rows_of(page) == ALL, params  # not filtered by what was refused
    french = await console.get(REALIZED, params={"sessionEndOnAfter": "x", "lang": "fr"})
    assert error_of(french, "sessionEndOnAfter") == "Une date écrite AAAA-MM-JJ."
    assert (await console.get(f"{REALIZED}/export.csv", params={"ownerIds": "x"})).status_code == 400


async def test_cursor_pages_keep_the_filters(signed_in: Browser, client: httpx.AsyncClient) -> None:
    world = await a_world(client)
    console = await signed_in()
    fire, excel = world["fire"]["id"], world["excel"]["id"]
    for day in range(1, 4):
        await create_realized_training(client, fire, ownerId=417, sessionEndsOn=f"2025-06-0{day}")

    first = await console.get(REALIZED, params={"ownerIds": "417", "limit": 2})
    assert rows_of(first) == [ALL[0], ("Ana Martin", "Fire safety")]
    assert link(first, "prev") is None
    next_url = link(first, "next")
    assert next_url is not None and "ownerIds=417" in next_url
    second = await console.get(next_url)
    assert rows_of(second) == [("Ana Martin", "Fire safety")] * 2
    assert link(second, "next") is None
    prev_url = link(second, "prev")
    assert prev_url is not None
    assert rows_of(await console.get(prev_url)) == rows_of(first)
    assert excel  # the other training's records are not on these pages


async def test_htmx_gets_only_the_table_with_its_export_links(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    await a_world(client)
    console = await signed_in()
    part = await console.get(
        REALIZED, params={"ownerIds": "418"}, headers={"HX-Request": "true", "HX-Target": "realized"}
    )
    assert part.status_code == 200
    assert part.text.startswith('<div id="realized">') and "<html" not in part.text
    assert rows_of(part) == [ALL[1]]
    assert export_link(part, "csv") == f"{REALIZED}/export.csv?ownerIds=418"
    assert "HX-Request" in part.headers["vary"]
    refused = await console.get(
        REALIZED, params={"ownerIds": "Ana"}, headers={"HX-Request": "true", "HX-Target": "realized"}
    )
    assert 'role="alert"' in refused.text and "Employee ids: Ids: whole numbers" in refused.text
    assert "export.csv" not in refused.text


async def test_export_these_downloads_exactly_the_filtered_list(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await a_world(client)
    console = await signed_in()
    page = await console.get(
        REALIZED, params={"trainingId": world["fire"]["id"], "hasAttended": "true", "limit": 1}
    )
    address = export_link(page, "csv")
    assert "limit" not in address and "page=" not in address  # every page: the whole filtered list
    answer = await console.get(address)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["content-disposition"]
    rows = csv_rows(answer.content)
    header = rows[0]
    owners = [row[header.index("ownerId")] for row in rows[1:]]
    assert owners == ["417", "419"]

    sheet = await console.get(export_link(page, "xlsx"))
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    table = xlsx_rows(sheet.content)
    assert [row[table[0].index("ownerId")] for row in table[1:]] == [417, 419]

    everything = csv_rows((await console.get(export_link(await console.get(REALIZED), "csv"))).content)
    assert len(everything) == 1 + len(world["records"])


async def test_a_record_has_its_page_and_another_accounts_is_not_found(
    signed_in: Browser, client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    world = await a_world(client)
    console = await signed_in()
    first = world["records"][0]
    page = await console.get(f"{REALIZED}/{first['id']}")
    assert page.status_code == 200
    assert "<h1>Fire safety</h1>" in page.text
    assert "Ana Martin (#417)" in page.text
    assert "1250.5 EUR" in page.text and "2.5 h" in page.text
    assert f'href="/console/catalog/trainings/{world["fire"]["id"]}"' in page.text

    theirs_training = await create_training(stranger, title="Their training")
    theirs = await create_realized_training(stranger, theirs_training["id"], ownerId=417)
    assert (await console.get(f"{REALIZED}/{theirs['id']}")).status_code == 404
    assert (await console.get(f"{REALIZED}/0")).status_code == 404
    assert (await console.get(f"{REALIZED}/abc")).status_code == 404
    assert "Their training" not in (await console.get(REALIZED)).text


async def test_a_record_added_in_the_console_is_listed_and_audited_under_the_user(
    signed_in: Browser, client: httpx.AsyncClient, reader: httpx.AsyncClient
) -> None:
    await put_employee(client, 416, firstName="Max", lastName="Roux")
    training = await create_training(client, title="Fire safety")
    console = await signed_in()
    assert 'name="ownerId"' in (await console.get(NEW)).text

    answer = await post(
        console,
        REALIZED,
        form(
            trainingId=str(training["id"]),
            durationInHours="3,5",  # as French writes it
            **{"cost.amount": "99.90", "cost.currency": "EUR"},
            expiresOn="2027-01-03",
        ),
    )
    assert answer.status_code == 303, answer.text
    found = _CREATED.match(answer.headers["location"])
    assert found is not None, answer.headers["location"]
    realized_id = int(found.group(1))
    page = await console.get(answer.headers["location"])
    assert "The realized training is recorded." in page.text
    assert "3.5 h" in page.text and "99.9 EUR" in page.text and "2027-01-03" in page.text
    assert rows_of(await console.get(REALIZED)) == [("Max Roux", "Fire safety")]

    api = await client.get(f"/talent-training/api/v2/realized-trainings/{realized_id}")
    assert api.json()["durationInHours"] == 3.5
    assert api.json()["cost"] == {"amount": 99.9, "currency": "EUR"}
    [event] = await events(reader, resourceType="realized-training", resourceId=realized_id)
    assert (event["action"], event["actor"]) == ("create", "user:ana@example.com")


async def test_each_refusal_is_shown_next_to_its_field_and_nothing_is_recorded(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    await put_employee(client, 416, firstName="Max", lastName="Roux")
    training = await create_training(client, title="Fire safety")
    archived = await create_training(client, title="Old course")
    assert (
        await client.patch(f"{TRAININGS}/{archived['id']}", json={"state": "Archived"})
    ).status_code == 200
    ours = str(training["id"])
    await create_realized_training(
        client, training["id"], ownerId=416, sessionStartsOn="2024-05-05", sessionEndsOn="2024-05-05"
    )
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    console = await signed_in()
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"ownerId": ""}, "ownerId", "Required."),
        ({"ownerId": "Max", "trainingId": ours}, "ownerId", "An id: a whole number from 1 to 2147483647."),
        ({"ownerId": "999", "trainingId": ours}, "ownerId", "No employee has this id."),
        ({}, "trainingId", "Required."),
        ({"trainingId": "2147483000"}, "trainingId", "This training does not exist."),
        ({"trainingId": str(archived["id"])}, "trainingId", "This training is archived"),
        ({"trainingId": ours, "sessionStartsOn": "2025-01-05"}, "sessionStartsOn", "The first day must not"),
        (
            {"trainingId": ours, "sessionStartsOn": "", "sessionEndsOn": tomorrow},
            "sessionStartsOn",
            "Required.",
        ),
        ({"trainingId": ours, "sessionEndsOn": tomorrow}, "sessionEndsOn", "The session must have ended"),
        ({"trainingId": ours, "sessionEndsOn": "2025-02-30"}, "sessionEndsOn", "Not a date of the calendar."),
        (
            {"trainingId": ours, "sessionStartsOn": "2024-05-05", "sessionEndsOn": "2024-05-05"},
            "sessionEndsOn",
            "This employee already has a record of this training ending on this day.",
        ),
        ({"trainingId": ours, "durationInHours": "0"}, "durationInHours", "More than 0."),
        ({"trainingId": ours, "durationInHours": "two"}, "durationInHours", "A number, such as 3.5."),
        ({"trainingId": ours, "durationInHours": "1.005"}, "durationInHours", "At most 2 decimals."),
        ({"trainingId": ours, "cost.amount": "12"}, "cost-currency", "Required."),
        ({"trainingId": ours, "cost.currency": "EUR"}, "cost-amount", "Required."),
        ({"trainingId": ours, "cost.amount": "-1", "cost.currency": "EUR"}, "cost-amount", "Not negative."),
        (
            {"trainingId": ours, "cost.amount": "1", "cost.currency": "eur"},
            "cost-currency",
            "In capitals: EUR.",
        ),
        ({"trainingId": ours, "cost.amount": "1", "cost.currency": "ZZZ"}, "cost-currency", "Not a current"),
        ({"trainingId": ours, "expiresOn": "2025-01-02"}, "expiresOn", "Must not be before the last day"),
        ({"trainingId": ours, "hasAttended": None}, "hasAttended", "Only an attended training is recorded"),
    ]
    for fields, field, message in cases:
        page = await post(console, REALIZED, form(**fields))
        assert page.status_code == 200, fields
        assert error_of(page, field).startswith(message), (fields, error_of(page, field))
        assert re.search(rf'aria-describedby="[^"]*{field}-error"', page.text), fields
        assert "Some fields need correcting" in page.text, fields
    kept = await post(console, REALIZED, form(trainingId=ours, durationInHours="0", expiresOn="2030-01-01"))
    assert 'value="2030-01-01"' in kept.text and 'value="0"' in kept.text  # what was typed is kept
    assert "Chosen: Max Roux" in kept.text and "Chosen: Fire safety" in kept.text
    french = await post(console, f"{REALIZED}?lang=fr", form(trainingId=ours, sessionEndsOn=tomorrow))
    assert error_of(french, "sessionEndsOn").startswith("La session doit être terminée")
    assert len(rows_of(await console.get(REALIZED))) == 1  # only the one made through the API


@pytest.mark.usefixtures("team_form")
async def test_a_manager_sees_and_records_for_their_team_only(
    app: TalentTraining, signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await a_world(client)
    manager = await signed_in("manager", "max@example.com", employee_id=416)
    ana, lea, tom, ghost = world["records"]

    page = await manager.get(REALIZED)
    assert rows_of(page) == [ALL[0], ALL[1]]
    assert "You see the records of your team only." in page.text
    assert rows_of(await manager.get(REALIZED, params={"ownerIds": "419"})) == []  # outside: nothing
    assert rows_of(await manager.get(REALIZED, params={"ownerIds": "418,419"})) == [ALL[1]]
    for record in (ana, lea):
        assert (await manager.get(f"{REALIZED}/{record['id']}")).status_code == 200
    for record in (tom, ghost):
        assert (await manager.get(f"{REALIZED}/{record['id']}")).status_code == 404

    exported = csv_rows((await manager.get(export_link(page, "csv"))).content)
    assert [row[exported[0].index("ownerId")] for row in exported[1:]] == ["417", "418"]
    outside = csv_rows((await manager.get(f"{REALIZED}/export.csv?ownerIds=419")).content)
    assert outside[1:] == []

    names = await manager.get(f"{REALIZED}/choices/owners", params={"ownerId": "a"})
    assert "Ana Martin (amartin)" in names.text and "Léa Petit" in names.text and "Tom" not in names.text
    assert "Tom" not in (await manager.get(f"{REALIZED}/choices/owners", params={"ownerId": "419"})).text

    training = str(world["fire"]["id"])
    refused = await post(manager, REALIZED, form(ownerId="419", trainingId=training))
    assert error_of(refused, "ownerId") == "Not an employee of your team."
    assert "Tom Blanc" not in refused.text
    assert error_of(await post(manager, REALIZED, form(ownerId="999", trainingId=training)), "ownerId") == (
        "Not an employee of your team."
    )
    answer = await post(manager, REALIZED, form(ownerId="418", trainingId=training))
    assert answer.status_code == 303, answer.text
    assert ("Léa Petit", "Fire safety") in rows_of(await manager.get(REALIZED))


async def test_a_manager_without_a_team_sees_nothing(signed_in: Browser, client: httpx.AsyncClient) -> None:
    await a_world(client)
    manager = await signed_in("manager", "lea@example.com", employee_id=418)
    page = await manager.get(REALIZED)
    assert rows_of(page) == [] and "Nothing yet." in page.text


async def test_an_auditor_reads_and_exports_but_records_nothing(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await a_world(client)
    admin = await signed_in()
    token_of_an_admin = csrf_of(await admin.get("/console"))
    auditor = await signed_in("auditor", "bob@example.com")

    page = await auditor.get(REALIZED)
    assert rows_of(page) == ALL
    assert f'href="{NEW}"' not in page.text and 'method="post" action="/console/realized' not in page.text
    assert "only HR administrators and managers add them" in page.text
    assert (await auditor.get(f"{REALIZED}/{world['records'][2]['id']}")).status_code == 200
    assert (await auditor.get(export_link(page, "xlsx"))).status_code == 200
    assert (await auditor.get(NEW)).status_code == 403
    data = form(trainingId=str(world["fire"]["id"]), ownerId="417", sessionEndsOn="2024-12-12")
    assert (await post(auditor, REALIZED, data)).status_code == 403
    assert (await auditor.post(REALIZED, data={**data, "csrf": token_of_an_admin})).status_code == 403
    assert (await admin.post(REALIZED, data=data)).status_code == 403  # no token: refused too
    assert rows_of(await auditor.get(REALIZED)) == ALL


async def test_suggestions_find_employees_and_trainings_by_name_or_id(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await a_world(client)
    console = await signed_in()
    by_name = await console.get(f"{REALIZED}/choices/owners", params={"ownerId": "mart"})
    assert by_name.status_code == 200
    assert by_name.text.startswith('<datalist id="owner-choices">')
    assert '<option value="417" label="Ana Martin (amartin)">' in by_name.text
    by_id = await console.get(f"{REALIZED}/choices/owners", params={"ownerIds": "417,419"})
    assert '<option value="419"' in by_id.text and "417" not in by_id.text  # the id being typed
    empty = await console.get(f"{REALIZED}/choices/owners", params={"ownerId": ""})
    assert "<option" not in empty.text

    trainings = await console.get(f"{REALIZED}/choices/trainings", params={"trainingId": "excel"})
    assert f'<option value="{world["excel"]["id"]}" label="Excel basics">' in trainings.text
    assert "Fire safety" not in trainings.text
    by_training_id = await console.get(
        f"{REALIZED}/choices/trainings", params={"trainingId": str(world["fire"]["id"])}
    )
    assert "Fire safety" in by_training_id.text
    french = await console.get(REALIZED, params={"lang": "fr"})
    assert "<h1>Formations réalisées</h1>" in french.text and "Collaborateur" in french.text
