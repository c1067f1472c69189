"""The employees' screens over HTTP, on both databases: the list (search, department, pages), an employee's
page (details, certifications Valid / Expiring / Expired, pending demands, hours per year, timeline), who
sees whom (a manager their team only, 404 for anyone else), in English and French."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.console.conftest import Browser
from tests.factories import create_provider, create_realized_training, create_training
from tests.training_demands.helpers import (
    DEMANDS,
    DEPARTMENTS,
    ESTABLISHMENTS,
    SESSIONS,
    demand_url,
    make_world,
    ok,
    put_employee,
    put_unit,
    registered_demand,
    today,
)

EMPLOYEES = "/console/employees"
_LINK = re.compile(r'<a href="/console/employees/(\d+)">([^<]*)</a>')


def listed(page: httpx.Response) -> list[str]:
    """The employees' names the list links to, in its order."""
    assert page.status_code == 200, page.text
    return [html.unescape(name) for _, name in _LINK.findall(page.text)]


def section(page: httpx.Response, title_id: str) -> str:
    """The text of one section of an employee's page (up to the next section)."""
    found = re.search(rf'<h2 id="{title_id}">(.*?)(?:</section>)', page.text, re.S)
    assert found is not None, title_id
    return html.unescape(found.group(1))


def rows_of(part: str) -> list[list[str]]:
    """A section's table, row by row, each cell's text without its tags."""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", part, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in cells])
    return rows[1:]  # without the header


@dataclass
class Team:
    """A manager (Grace) with Ada under her and Bob under Ada; Carl elsewhere."""

    department: int
    other_department: int
    establishment: int
    grace: dict[str, Any]
    ada: dict[str, Any]
    bob: dict[str, Any]
    carl: dict[str, Any]


@pytest.fixture
async def team(client: httpx.AsyncClient) -> Team:
    department = await put_unit(client, DEPARTMENTS, "Sales")
    other = await put_unit(client, DEPARTMENTS, "Finance")
    establishment = await put_unit(client, ESTABLISHMENTS, "Lyon")
    grace = await put_employee(client, firstName="Grace", lastName="Hopper", login="ghopper")
    ada = await put_employee(
        client,
        firstName="Ada",
        lastName="Lovelace",
        login="alovelace",
        email="ada@example.com",
        managerId=grace["id"],
        departmentId=department,
        establishmentId=establishment,
    )
    bob = await put_employee(
        client, firstName="Bob", lastName="Étienne", login="betienne", managerId=ada["id"], departmentId=other
    )
    carl = await put_employee(client, firstName="Carl", lastName="Outsider", login="coutsider")
    return Team(department, other, establishment, grace, ada, bob, carl)


def page_of(employee: dict[str, Any]) -> str:
    return f"{EMPLOYEES}/{employee['id']}"


async def test_the_list_searches_filters_and_pages(signed_in: Browser, team: Team) -> None:
    console = await signed_in()
    home = await console.get("/console")
    assert f'href="{EMPLOYEES}"' in home.text

    everyone = await console.get(EMPLOYEES)
    assert listed(everyone) == ["Grace Hopper", "Ada Lovelace", "Bob Étienne", "Carl Outsider"]
    assert (
        "<td>Sales</td>" in everyone.text and "<td>Grace Hopper</td>" in everyone.text
    )  # department, manager
    assert "your team" not in everyone.text
    # Search by name (accents and case folded), by login, by email.
    assert listed(await console.get(EMPLOYEES, params={"search": "etienne"})) == ["Bob Étienne"]
    assert listed(await console.get(EMPLOYEES, params={"search": "COUTS"})) == ["Carl Outsider"]
    assert listed(await console.get(EMPLOYEES, params={"search": "ada@example"})) == ["Ada Lovelace"]
    by_department = await console.get(EMPLOYEES, params={"departmentIds": team.other_department})
    assert listed(by_department) == ["Bob Étienne"]
    assert re.search(
        rf'<option value="{team.other_department}" selected>Finance</option>', by_department.text
    )
    nobody = await console.get(EMPLOYEES, params={"search": "nobody like that"})
    assert listed(nobody) == [] and "No employee matches." in nobody.text

    # Pages of two, by cursor links that keep the filters.
    first = await console.get(EMPLOYEES, params={"limit": 2})
    assert listed(first) == ["Grace Hopper", "Ada Lovelace"]
    next_url = html.unescape(re.findall(r'<a href="([^"]+)" rel="next"', first.text)[0])
    second = await console.get(next_url)
    assert listed(second) == ["Bob Étienne", "Carl Outsider"]
    assert 'rel="next"' not in second.text and 'rel="prev"' in second.text

    # htmx asks for the table only as the search is typed.
    partial = await console.get(
        EMPLOYEES, params={"search": "ada"}, headers={"HX-Request": "true", "HX-Target": "employees"}
    )
    assert partial.text.startswith('<div id="employees">') and "<h1>" not in partial.text
    assert listed(partial) == ["Ada Lovelace"]
    # A search the API would refuse is said next to the box, and the list is not filtered by it.
    too_long = await console.get(EMPLOYEES, params={"search": "x" * 251})
    assert 'id="search-error"' in too_long.text and len(listed(too_long)) == 4


@pytest.mark.usefixtures("team_form")
async def test_a_manager_sees_their_team_and_nobody_else(signed_in: Browser, team: Team) -> None:
    manager = await signed_in("manager", "grace@example.com", employee_id=team.grace["id"])
    page = await manager.get(EMPLOYEES)
    assert listed(page) == ["Ada Lovelace", "Bob Étienne"]  # below her at any depth; not herself
    assert "You see the employees of your team." in page.text
    assert listed(await manager.get(EMPLOYEES, params={"search": "carl"})) == []
    assert listed(await manager.get(EMPLOYEES, params={"departmentIds": team.other_department})) == [
        "Bob Étienne"
    ]
    for mine in (team.ada, team.bob):
        assert (await manager.get(page_of(mine))).status_code == 200
    for theirs in (team.carl, team.grace):
        refused = await manager.get(page_of(theirs))
        assert refused.status_code == 404
        assert theirs["lastName"] not in refused.text
    assert (await manager.get(f"{EMPLOYEES}/999999")).status_code == 404

    # Ada manages Bob only.
    ada = await signed_in("manager", "ada@example.com", employee_id=team.ada["id"])
    assert listed(await ada.get(EMPLOYEES)) == ["Bob Étienne"]
    assert (await ada.get(page_of(team.bob))).status_code == 200
    assert (await ada.get(page_of(team.grace))).status_code == 404


async def test_an_auditor_sees_everyone_and_no_form(signed_in: Browser, team: Team) -> None:
    auditor = await signed_in("auditor", "audit@example.com")
    assert len(listed(await auditor.get(EMPLOYEES))) == 4
    for person in (team.grace, team.ada, team.bob, team.carl):
        page = await auditor.get(page_of(person))
        assert page.status_code == 200
        assert 'method="post" action="/console/employees' not in page.text


async def test_the_employee_page_shows_who_they_are(signed_in: Browser, team: Team) -> None:
    console = await signed_in()
    page = await console.get(page_of(team.ada))
    assert page.status_code == 200
    assert "<h1>Ada Lovelace</h1>" in page.text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section(page, "details")))
    for shown in ("Login alovelace", "Email ada@example.com", "Department Sales", "Establishment Lyon"):
        assert shown in text
    assert "Manager Grace Hopper" in text
    alone = re.sub(r"<[^>]+>", " ", section(await console.get(page_of(team.carl)), "details"))
    assert "Department None" in re.sub(r"\s+", " ", alone)
    assert "No certification." in page.text and "No pending demand." in page.text
    assert "No training attended yet." in page.text and "No realized training." in page.text


async def test_certifications_are_valid_expiring_or_expired_by_their_latest_record(
    signed_in: Browser, client: httpx.AsyncClient, team: Team
) -> None:
    owner = team.ada["id"]
    now = today()

    async def certified(title: str, *records: tuple[int, int | None]) -> None:
        """A certifying training and the employee's records of it: (days ago it ended, days to expiry)."""
        training = await create_training(client, title=title, isCertifying=True)
        for ended, expires in records:
            ends_on = now - timedelta(days=ended)
            extra = {} if expires is None else {"expiresOn": (now + timedelta(days=expires)).isoformat()}
            await create_realized_training(
                client,
                training["id"],
                ownerId=owner,
                sessionStartsOn=ends_on.isoformat(),
                sessionEndsOn=ends_on.isoformat(),
                **extra,
            )

    await certified("First aid", (400, -35), (10, 700))  # renewed: only the latest counts, valid
    await certified("Forklift", (300, 30))  # within 90 days
    await certified("Electrical safety", (900, -1))  # expired yesterday
    await certified("Working at height", (100, 0))  # expires today: still valid today, expiring
    await certified("Ethics", (50, None))  # never expires
    await certified("Renewed late", (20, -5), (30, 400))  # the later session's record wins, even if sooner
    plain = await create_training(client, title="Not certifying")
    await create_realized_training(client, plain["id"], ownerId=owner, expiresOn=now.isoformat())
    elsewhere = await create_training(client, title="Carl's", isCertifying=True)
    await create_realized_training(client, elsewhere["id"], ownerId=team.carl["id"])

    console = await signed_in()
    certifications = rows_of(section(await console.get(page_of(team.ada)), "certifications"))
    day = lambda n: (now + timedelta(days=n)).isoformat()  # noqa: E731
    ended = lambda n: (now - timedelta(days=n)).isoformat()  # noqa: E731
    assert certifications == [
        ["Renewed late", ended(20), day(-5), "Expired"],
        ["Electrical safety", ended(900), day(-1), "Expired"],
        ["Working at height", ended(100), day(0), "Expiring"],
        ["Forklift", ended(300), day(30), "Expiring"],
        ["First aid", ended(10), day(700), "Valid"],
        ["Ethics", ended(50), "Never", "Valid"],
    ]
    french = await console.get(page_of(team.ada), params={"lang": "fr"})
    statuses = [row[3] for row in rows_of(section(french, "certifications"))]
    assert statuses == ["Expirée", "Expirée", "Expire bientôt", "Expire bientôt", "Valide", "Valide"]
    assert "Jamais" in section(french, "certifications")


async def test_hours_per_year_and_the_timeline_newest_first(
    signed_in: Browser, client: httpx.AsyncClient, team: Team
) -> None:
    owner = team.bob["id"]
    provider = await create_provider(client, name="Acme")
    training = await create_training(client, title="Excel", providerId=provider["id"])
    for ends_on, duration in (
        ("2023-03-01", 7),
        ("2024-12-31", 2.5),
        ("2024-01-01", 14),
        ("2022-06-30", 1.25),
    ):
        await create_realized_training(
            client,
            training["id"],
            ownerId=owner,
            sessionStartsOn=ends_on,
            sessionEndsOn=ends_on,
            durationInHours=duration,
        )
    await create_realized_training(client, training["id"], ownerId=team.carl["id"], durationInHours=99)
    console = await signed_in()
    page = await console.get(page_of(team.bob))
    assert rows_of(section(page, "hours")) == [
        ["2024", "16.5", "2"],
        ["2023", "7", "1"],
        ["2022", "1.25", "1"],
    ]
    french = await console.get(page_of(team.bob), params={"lang": "fr"})
    assert rows_of(section(french, "hours"))[0] == ["2024", "16,5", "2"]
    assert "Heures par année" in french.text and "Formations réalisées" in french.text

    def ends(answer: httpx.Response) -> list[str]:
        return re.findall(r'<time datetime="([\d-]+)">', answer.text)

    assert ends(page) == ["2024-12-31", "2024-01-01", "2023-03-01", "2022-06-30"]
    assert "(Acme)" in page.text and "Attended" in page.text

    # Pages of two, newest first; htmx follows them by replacing the timeline alone.
    first = await console.get(page_of(team.bob), params={"limit": 2, "lang": "en"})
    assert ends(first) == ["2024-12-31", "2024-01-01"]
    next_url = html.unescape(re.findall(r'<a href="([^"]+)" rel="next"', first.text)[0])
    assert "Earlier trainings" in first.text
    second = await console.get(next_url, headers={"HX-Request": "true", "HX-Target": "timeline"})
    assert second.text.startswith('<div id="timeline">') and "<h1>" not in second.text
    assert ends(second) == ["2023-03-01", "2022-06-30"]
    back = html.unescape(re.findall(r'<a href="([^"]+)" rel="prev"', second.text)[0])
    assert ends(await console.get(back)) == ["2024-12-31", "2024-01-01"]


async def test_pending_demands_link_to_the_demand_and_absences_are_not_hours(
    signed_in: Browser, client: httpx.AsyncClient
) -> None:
    world = await make_world(client)
    owner = world.owner["id"]
    requested = await ok(await client.post(DEMANDS, json=world.body(reason="Wanted")), 201)
    refused = await ok(await client.post(DEMANDS, json=world.body()), 201)
    await ok(await client.post(demand_url(refused["id"], "refuse"), json={"reason": "No budget"}))
    registered = await registered_demand(client, world, ownerId=owner)
    # Another registered on the same (finished) session, then marked absent: back to Requested, pending.
    other = await put_employee(client, managerId=world.manager["id"])
    absent = await registered_demand(client, world, ownerId=other["id"])
    sheet = {"items": [{"demandId": absent["id"], "hasAttended": False}]}
    await ok(await client.post(f"{SESSIONS}/{world.session['id']}/attendance", json=sheet))

    console = await signed_in()
    page = await console.get(page_of(world.owner))
    demands = section(page, "demands")
    title = world.training["title"]
    assert re.findall(r'<a href="/console/demands/(\d+)">', demands) == [
        str(registered["id"]),
        str(requested["id"]),
    ]
    assert f"Demand {requested['id']}: {title}" in demands
    assert "Requested (pending approval)" in demands and "Not registered yet" in demands
    assert "Registered (registered)" in demands and world.session["startOn"] in demands
    assert f"/console/demands/{refused['id']}" not in demands  # refused: final

    theirs = await console.get(page_of(other))
    assert "Requested (accepted, pending registration)" in section(theirs, "demands")
    assert "No training attended yet." in theirs.text  # the absence is no hours
    assert "Absent" in section(theirs, "timeline-title")

    manager = await signed_in("manager", "grace@example.com", employee_id=world.manager["id"])
    assert f'href="/console/demands/{requested["id"]}"' in (await manager.get(page_of(world.owner))).text
    french = await manager.get(page_of(world.owner), params={"lang": "fr"})
    assert f"Demande {requested['id']} : {title}" in french.text and "Demandes en cours" in french.text


async def test_another_accounts_employee_is_not_found(
    signed_in: Browser, stranger: httpx.AsyncClient, team: Team
) -> None:
    theirs = await put_employee(stranger, id=team.carl["id"] + 5000, firstName="Zed", lastName="Stranger")
    admin = await signed_in()
    assert (await admin.get(page_of(theirs))).status_code == 404
    assert "Stranger" not in (await admin.get(EMPLOYEES)).text
    assert (await admin.get(f"{EMPLOYEES}/not-a-number")).status_code == 404
    assert (await admin.get(f"{EMPLOYEES}/99999999999")).status_code == 404


async def test_the_pages_speak_french(signed_in: Browser, team: Team) -> None:
    console = await signed_in()
    page = await console.get(EMPLOYEES, params={"lang": "fr"})
    assert "<h1>Salariés</h1>" in page.text
    assert "Rechercher par nom, identifiant ou e-mail" in page.text and "Département" in page.text
    employee = await console.get(page_of(team.ada))  # the cookie keeps French
    for text in ("Informations", "Établissement", "Aucune certification.", "Retour aux salariés"):
        assert text in employee.text
