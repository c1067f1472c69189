"""The sessions' screens over HTTP, on both databases: the list (statuses, month, pages) and the month
calendar; a session with its participants; the attendance form, recording realized trainings through the
API's attendance service, its refusals said on the page; the printable attendance sheet; who sees and does
what (an HR administrator takes attendance, a manager sees only their team's people, nobody another
account's sessions)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from talent_training.app import TalentTraining
from tests.console.conftest import Browser, browser, csrf_of, post, sign_in
from tests.console.conftest import add_user as add_console_user
from tests.factories import create_realized_training
from tests.training_demands.helpers import (
    LAST_MONTH,
    SESSIONS,
    World,
    create_session,
    demand_url,
    make_world,
    ok,
    put_employee,
    registered_demand,
    today,
)

HOME = "/console/sessions"


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await make_world(client)


def session_url(world: World, part: str = "") -> str:
    return f"{HOME}/{world.session['id']}{part}"


def session_titles(page: httpx.Response) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<a href="/console/sessions/\d+">([^<]*)</a>', page.text)]


def rows_of(page: httpx.Response, table: str) -> list[tuple[str, str]]:
    """(name, attendance) of each row of a table of the session's page."""
    found = re.search(rf'<table id="{table}">(.*?)</table>', page.text, re.S)
    assert found is not None, f"no table {table}"
    return [
        (html.unescape(name), html.unescape(state))
        for name, state in re.findall(r'<th scope="row">([^<]*)</th>\s*<td>([^<]*)</td>', found.group(1))
    ]


async def people(client: httpx.AsyncClient, world: World, *names: str) -> list[dict[str, Any]]:
    """Demands registered on the world's session, one per named employee ("First Last")."""
    found = []
    for name in names:
        first, last = name.split(" ")
        owner = await put_employee(client, firstName=first, lastName=last)
        found.append(await registered_demand(client, world, ownerId=owner["id"]))
    return found


async def sheet_form(console: httpx.AsyncClient, world: World) -> dict[str, list[str]]:
    """The attendance form as the page sends it untouched: every demand listed and ticked present."""
    page = await console.get(session_url(world, "/attendance"))
    assert page.status_code == 200, page.text
    listed = re.findall(r'name="demandId" value="(\d+)"', page.text)
    ticked = re.findall(r'name="present" type="checkbox" value="(\d+)" checked', page.text)
    return {"demandId": listed, "present": ticked, "csrf": [csrf_of(page)]}


# The list and the calendar ---------------------------------------------------------------------------------


async def test_the_list_shows_sessions_filters_them_by_status_and_month_and_pages(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    later = today() + timedelta(days=30)
    upcoming = await create_session(
        client, world.training["id"], world.plan["id"], startOn=later.isoformat(), endOn=later.isoformat()
    )
    await create_session(client, world.training["id"], world.plan["id"], open_=False)
    console = await signed_in()

    page = await console.get(HOME)
    assert page.status_code == 200
    title = world.training["title"]
    assert session_titles(page) == [title, title, title]
    assert "<td>Finished</td>" in page.text and "<td>Open</td>" in page.text and "<td>Draft</td>" in page.text
    assert "<td>0 (no limit)</td>" in page.text and "<td>14 h</td>" in page.text

    finished = await console.get(HOME, params={"statuses": "Finished"})
    assert re.findall(r"/console/sessions/(\d+)\"", finished.text) == [str(world.session["id"])]
    assert 'value="Finished" checked' in finished.text
    both = await console.get(HOME, params=[("statuses", "Open"), ("statuses", "Draft")])
    assert len(session_titles(both)) == 2 and "<td>Finished</td>" not in both.text
    in_month = await console.get(HOME, params={"month": f"{later:%Y-%m}"})
    assert re.findall(r"/console/sessions/(\d+)\"", in_month.text) == [str(upcoming["id"])]
    none = await console.get(HOME, params={"month": "1990-01"})
    assert "No session matches." in none.text

    bad = await console.get(HOME, params={"statuses": "Sleeping", "month": "2026-13"})
    assert bad.status_code == 200
    assert 'id="statuses-error">Choose a value from the list.' in bad.text
    assert 'id="month-error">A month as 2026-12.' in bad.text
    assert len(session_titles(bad)) == 3  # shown unfiltered

    first = await console.get(HOME, params={"limit": 2})
    assert len(session_titles(first)) == 2
    following = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert following is not None
    second = await console.get(html.unescape(following.group(1)))
    assert len(session_titles(second)) == 1 and 'rel="prev"' in second.text

    part = await console.get(
        HOME, params={"statuses": "Finished"}, headers={"HX-Request": "true", "HX-Target": "sessions"}
    )
    assert part.text.startswith('<div id="sessions">') and "<h1>" not in part.text


async def test_the_calendar_puts_each_session_on_its_days(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    new_year = await create_session(
        client, world.training["id"], world.plan["id"], startOn="2026-12-30", endOn="2027-01-02"
    )
    link = f'<a href="/console/sessions/{new_year["id"]}">'
    console = await signed_in()

    def days_of(page: httpx.Response) -> list[str]:
        cells = re.findall(r'<time class="day" datetime="([0-9-]+)">\d+</time>(.*?)</td>', page.text, re.S)
        return [day for day, cell in cells if link in cell]

    december = await console.get(f"{HOME}/calendar", params={"month": "2026-12"})
    assert december.status_code == 200
    assert days_of(december) == ["2026-12-30", "2026-12-31"]
    assert "<caption>December 2026</caption>" in december.text
    assert december.text.count('<th scope="col">') == 7 and 'title="Monday">Mon</abbr>' in december.text
    assert len(re.findall(r"<tr>", december.text)) == 1 + 5  # the weekdays, then five weeks
    assert 'href="/console/sessions/calendar?month=2026-11" rel="prev"' in december.text
    assert 'href="/console/sessions/calendar?month=2027-01" rel="next"' in december.text
    assert 'href="/console/sessions?month=2026-12"' in december.text
    january = await console.get(f"{HOME}/calendar", params={"month": "2027-01"})
    assert days_of(january) == ["2027-01-01", "2027-01-02"]
    assert link not in (await console.get(f"{HOME}/calendar", params={"month": "2027-02"})).text

    french = await console.get(f"{HOME}/calendar", params={"month": "2026-12", "lang": "fr"})
    assert "<caption>décembre 2026</caption>" in french.text and 'title="lundi">lun.</abbr>' in french.text
    for wrong in ("december", "9999-12", "0001-01"):  # the last and first years: their weeks run out of dates
        bad = await console.get(f"{HOME}/calendar", params={"month": wrong, "lang": "en"})
        assert bad.status_code == 200 and 'id="month-error">A month as 2026-12.' in bad.text
    this_month = await console.get(f"{HOME}/calendar")
    assert f'value="{today():%Y-%m}"' in this_month.text and 'aria-current="date"' in this_month.text


# A session and its attendance --------------------------------------------------------------------------


async def test_a_session_shows_its_facts_and_participants(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    place = {"isOnSite": True, "address": "12 rue de la Paix, Paris"}
    await ok(
        await client.patch(f"{SESSIONS}/{world.session['id']}", json={"capacity": 12, "location": place})
    )
    await people(client, world, "Ada Lovelace", "Alan Turing")
    console = await signed_in()

    page = await console.get(session_url(world))
    assert page.status_code == 200
    assert f"<h1>Session of {world.training['title']}</h1>" in page.text
    assert "On site: 12 rue de la Paix, Paris" in page.text and "2 of 12" in page.text
    assert "<strong>Finished</strong>" in page.text
    assert rows_of(page, "participants") == [
        ("Ada Lovelace", "Awaiting attendance"),
        ("Alan Turing", "Awaiting attendance"),
    ]
    assert "No attendance recorded yet." in page.text
    assert f'href="{session_url(world, "/attendance")}">Take attendance' in page.text
    assert f'href="{session_url(world, "/sheet")}">Printable attendance sheet' in page.text

    first = await console.get(session_url(world), params={"limit": 1})
    assert rows_of(first, "participants") == [("Ada Lovelace", "Awaiting attendance")]
    following = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert following is not None
    assert rows_of(await console.get(html.unescape(following.group(1))), "participants") == [
        ("Alan Turing", "Awaiting attendance")
    ]

    french = await console.get(session_url(world), params={"lang": "fr"})
    assert "Présence à confirmer" in french.text and "Feuille d&#39;émargement à imprimer" in french.text


async def test_attendance_records_realized_trainings_as_ticked(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    ada, alan, grace = await people(client, world, "Ada Lovelace", "Alan Turing", "Grace Hopper")
    console = await signed_in()
    form = await sheet_form(console, world)
    assert form["demandId"] == [str(d["id"]) for d in (ada, alan, grace)]
    assert form["present"] == form["demandId"]  # everyone present by default
    form["present"].remove(str(alan["id"]))  # Alan untick

    answer = await console.post(session_url(world, "/attendance"), data=form)
    assert (answer.status_code, answer.headers["location"]) == (303, session_url(world, "?recorded=3"))

    page = await console.get(answer.headers["location"])
    assert "Attendance recorded: 3 realized trainings." in page.text
    assert sorted(rows_of(page, "recorded")) == [
        ("Ada Lovelace", "Present"),
        ("Alan Turing", "Absent"),
        ("Grace Hopper", "Present"),
    ]
    assert rows_of(page, "participants") == [("Ada Lovelace", "Present"), ("Grace Hopper", "Present")]
    assert "Take attendance" not in page.text  # nobody awaits it, and... the sheet says so
    assert (await ok(await client.get(demand_url(ada["id"]))))["state"] == "Realized"
    assert (await ok(await client.get(demand_url(alan["id"]))))["status"] == "PendingRegistration"
    records = await ok(
        await client.get(
            "/talent-training/api/v1/realized-trainings", params={"sessionId": world.session["id"]}
        )
    )
    assert sorted((r["trainingDemandId"], r["hasAttended"]) for r in records["items"]) == [
        (ada["id"], True),
        (alan["id"], False),
        (grace["id"], True),
    ]
    again = await console.get(session_url(world, "/attendance"))
    assert (
        "Nobody awaits attendance on this session." in again.text
        and '<form method="post" action="/console/sessions' not in again.text
    )


async def test_everyone_present_ignores_the_ticks(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    await people(client, world, "Ada Lovelace", "Alan Turing")
    console = await signed_in()
    form = await sheet_form(console, world)
    answer = await console.post(
        session_url(world, "/attendance"), data={**form, "present": [], "all": "present"}
    )
    assert answer.status_code == 303
    page = await console.get(session_url(world))
    assert rows_of(page, "recorded") == [("Ada Lovelace", "Present"), ("Alan Turing", "Present")]


async def test_a_sheet_that_would_repeat_a_record_names_whom_to_unregister(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    await people(client, world, "Ada Lovelace")
    (alan,) = await people(client, world, "Alan Turing")
    recorded = {"sessionStartsOn": world.session["startOn"], "sessionEndsOn": world.session["endOn"]}
    await create_realized_training(client, world.training["id"], ownerId=alan["owner"]["id"], **recorded)
    console = await signed_in()

    answer = await console.post(session_url(world, "/attendance"), data=await sheet_form(console, world))

    assert answer.status_code == 200
    assert "Nothing was recorded." in answer.text
    assert html.unescape(answer.text).count("Alan Turing already has a realized training") == 1


async def test_a_sheet_sent_twice_records_once_and_says_so(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    await people(client, world, "Ada Lovelace", "Alan Turing")
    console = await signed_in()
    form = await sheet_form(console, world)
    assert (await console.post(session_url(world, "/attendance"), data=form)).status_code == 303

    again = await console.post(session_url(world, "/attendance"), data=form)
    assert again.status_code == 200
    assert 'role="alert"' in again.text and "Nothing was recorded." in again.text
    assert "The attendance of Ada Lovelace is already recorded" in again.text
    records = await ok(
        await client.get(
            "/talent-training/api/v1/realized-trainings", params={"sessionId": world.session["id"]}
        )
    )
    assert len(records["items"]) == 2


async def test_attendance_waits_for_the_end_and_stops_at_closing(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    [ada] = await people(client, world, "Ada Lovelace")
    console = await signed_in()
    form = await sheet_form(console, world)
    # The session moves to the future after the form was loaded: the service refuses, the page says why.
    ends = today() + timedelta(days=3)
    moved = {"startOn": ends.isoformat(), "endOn": ends.isoformat()}
    await ok(await client.patch(f"{SESSIONS}/{world.session['id']}", json=moved))
    answer = await console.post(session_url(world, "/attendance"), data=form)
    assert answer.status_code == 200 and "Nothing was recorded." in answer.text
    assert "Attendance is taken once the session is over" in answer.text
    assert (await ok(await client.get(demand_url(ada["id"]))))["state"] == "Registered"
    page = await console.get(session_url(world))
    assert "Take attendance" not in page.text and "<strong>Open</strong>" in page.text

    # Back in the past, the sheet recorded, then the session closed: no more attendance.
    back = {"startOn": LAST_MONTH.isoformat(), "endOn": LAST_MONTH.isoformat()}
    await ok(await client.patch(f"{SESSIONS}/{world.session['id']}", json=back))
    assert (await console.post(session_url(world, "/attendance"), data=form)).status_code == 303
    await ok(await client.patch(f"{SESSIONS}/{world.session['id']}", json={"status": "Closed"}))
    closed = await console.post(session_url(world, "/attendance"), data=form)
    assert "This session is closed: its attendance can no longer change." in closed.text
    french = await console.get(session_url(world, "/attendance"), params={"lang": "fr"})
    assert "Cette session est clôturée" in french.text


# The printable sheet ---------------------------------------------------------------------------------------


async def test_the_printable_sheet_has_a_signature_per_trainee_and_half_day(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    await people(client, world, "Grace Hopper", "Ada Lovelace")
    console = await signed_in()
    page = await console.get(session_url(world, "/sheet"))
    assert page.status_code == 200
    assert f"<h1>Attendance sheet · {world.training['title']}</h1>" in page.text
    assert "sessions.css" in page.text and "sessions.js" in page.text
    assert page.text.count('<th scope="col">Morning</th>') == 2  # two days, one morning and afternoon each
    assert page.text.count('<th scope="col">Afternoon</th>') == 2
    assert page.text.count('scope="colgroup" colspan="2"') == 2
    names = re.findall(r'<th scope="row">([^<]*)</th>\s*(?:<td></td>){4}', page.text)
    assert names == ["Ada Lovelace", "Grace Hopper", "Trainer&#39;s signature"]
    assert '<dt>Trainer</dt><dd class="blank"></dd>' in page.text and "Morning from ____ to ____" in page.text

    french = await console.get(session_url(world, "/sheet"), params={"lang": "fr"})
    assert "Feuille d&#39;émargement" in french.text and "Matin" in french.text and "Stagiaire" in french.text

    css = await console.get("/console/static/sessions.css")
    assert css.status_code == 200 and "@media print" in css.text and "A4" in css.text


async def test_a_long_session_is_printed_five_days_a_table(
    signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    ends = (LAST_MONTH + timedelta(days=11)).isoformat()
    long = await create_session(
        client, world.training["id"], world.plan["id"], startOn=LAST_MONTH.isoformat(), endOn=ends
    )
    console = await signed_in()
    page = await console.get(f"{HOME}/{long['id']}/sheet")
    assert page.text.count('<table class="signatures">') == 3  # 12 days: 5, 5 and 2
    assert page.text.count('<th scope="col">Morning</th>') == 12
    # A session of decades (the API allows it): its first 31 days, without building the others.
    decades = await create_session(
        client, world.training["id"], world.plan["id"], startOn="2000-01-01", endOn="2089-12-31"
    )
    page = await console.get(f"{HOME}/{decades['id']}/sheet")
    assert page.status_code == 200 and page.text.count('<th scope="col">Morning</th>') == 31


# Who sees what ---------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("team_form")
async def test_a_manager_sees_the_session_with_their_team_only_and_takes_no_attendance(
    app: TalentTraining, signed_in: Browser, client: httpx.AsyncClient, world: World
) -> None:
    await registered_demand(client, world, ownerId=world.owner["id"])  # the manager's report
    await people(client, world, "Alan Turing")
    manager = await signed_in("manager", "max@example.com", employee_id=world.manager["id"])

    page = await manager.get(session_url(world))
    assert page.status_code == 200
    assert rows_of(page, "participants") == [(f"Ada {world.owner['lastName']}", "Awaiting attendance")]
    assert "Only your team&#39;s participants are shown." in page.text
    assert "Take attendance" not in page.text
    sheet = await manager.get(session_url(world, "/sheet"))
    assert "Alan Turing" not in sheet.text and world.owner["lastName"] in sheet.text
    assert (await manager.get(session_url(world, "/attendance"))).status_code == 403
    refused = await post(manager, session_url(world, "/attendance"), {"demandId": "1", "present": "1"})
    assert refused.status_code == 403

    hr = await signed_in()
    form = await sheet_form(hr, world)
    assert (await hr.post(session_url(world, "/attendance"), data=form)).status_code == 303
    recorded = rows_of(await manager.get(session_url(world)), "recorded")
    assert recorded == [(f"Ada {world.owner['lastName']}", "Present")]


async def test_an_auditor_reads_without_forms(
    app: TalentTraining, client: httpx.AsyncClient, world: World
) -> None:
    await people(client, world, "Ada Lovelace")
    await add_console_user(app, "audrey@example.com", "auditor")
    async with browser(app) as auditor:
        assert (await sign_in(auditor, "audrey@example.com")).status_code == 303
        page = await auditor.get(session_url(world))
        assert rows_of(page, "participants") == [("Ada Lovelace", "Awaiting attendance")]
        assert "Take attendance" not in page.text
        assert (await auditor.get(session_url(world, "/attendance"))).status_code == 403
        refused = await post(auditor, session_url(world, "/attendance"), {"demandId": "1"})
        assert refused.status_code == 403


async def test_another_accounts_session_and_an_unknown_one_are_404(
    signed_in: Browser, stranger: httpx.AsyncClient
) -> None:
    theirs = await make_world(stranger)
    console = await signed_in()
    for path in ("", "/sheet", "/attendance"):
        assert (await console.get(f"{HOME}/{theirs.session['id']}{path}")).status_code == 404
    assert (await console.get(f"{HOME}/999999")).status_code == 404
    assert (await console.get(f"{HOME}/abc")).status_code == 404
    answer = await post(
        console, f"{HOME}/{theirs.session['id']}/attendance", {"demandId": "1", "present": "1"}
    )
    assert answer.status_code == 404
    assert session_titles(await console.get(HOME)) == []
