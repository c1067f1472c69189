"""Sessions: list and calendar, participants, attendance sheet, printable attendance sheet.

    /console/sessions                      GET the list (statuses, month, training and plan filters; pages)
    /console/sessions/calendar             GET a month (`?month=2026-12`), each session on its days
    /console/sessions/{id}                 GET the session, its participants and the records it produced
    /console/sessions/{id}/attendance      GET the attendance form; POST: record it              hr-admin
    /console/sessions/{id}/sheet           GET the printable attendance sheet (feuille d'émargement)

The sessions are the planning service's (the API's `GET /v1/sessions`, its `statuses` read as the API reads
them); the participants are the training demands registered on the session (present ones stay on it once
realized); attendance is the training demands service's `take_attendance`, as `POST /v1/sessions/{id}/
attendance`: all or nothing, one realized training per demand, with the user as the audit trail's actor.

Everybody sees every session of the account (a session is not a person); a manager sees only their team's
participants, records and sheet rows. Only an HR administrator takes attendance.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from starlette.responses import Response

from talent_training.console import scope
from talent_training.console.auth import PREFIX
from talent_training.console.catalog import REFUSALS, field_errors, may_write
from talent_training.console.i18n import Messages, add_messages, messages_of
from talent_training.console.messages.sessions import EN, FR
from talent_training.console.pages import Pages, redirect, render
from talent_training.console.paging import LINKS, page_links, page_of, partial
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.repository import EmployeeFilters
from talent_training.kit.clock import today
from talent_training.kit.paging import Page, PageRequest, Sort
from talent_training.kit.problems import Conflict, DomainError, Forbidden, RuleViolation
from talent_training.kit.types import hundredths_to_json, parse_choice_list, parse_id_list
from talent_training.planning import service as planning
from talent_training.planning.repository import SessionFilters
from talent_training.planning.schemas import SessionStatus
from talent_training.realized_trainings import service as realized
from talent_training.realized_trainings.repository import V1Filters
from talent_training.training_demands import service as demands
from talent_training.training_demands.repository import Filters
from talent_training.training_demands.schemas import MAX_ATTENDANCE, Attendance, DemandState
from talent_training.web.params import path_id
from talent_training.web.request import Request

pages = Pages("/sessions")
HOME = f"{PREFIX}/sessions"
TABLE = "sessions"  # the element htmx replaces as a filter is chosen
# A month's sessions in the calendar: an account plans tens a month; beyond this, the list (by month) pages.
CALENDAR_LIMIT = 500
PARTICIPANTS_LIMIT = 50  # a page of participants, and of recorded trainings, on the session's page
SHEET_LIMIT = MAX_ATTENDANCE  # one attendance form, one printed sheet: as many as one API call takes
PRINTED_DAYS = 5  # days per table of the printed sheet (two half-days each): an A4 page across
PRINTED_DAYS_MAX = 31  # a longer session is signed on the sheet of its first month
_SAID_ONCE = ("recorded",)  # the notice of a sheet just recorded: not carried to another page


add_messages(en=EN, fr=FR)


def _today(request: Request) -> date:
    return today(request.settings.zone)


def _writer(request: Request) -> None:
    """Attendance is the HR administrators' (an auditor's POST is refused by the router already)."""
    if not may_write(request):
        who = request.principal.description.capitalize()
        raise Forbidden(f"{who} may read the sessions, not take attendance.")


# What pages show ------------------------------------------------------------------------------------------


class Shown:
    """How a page writes dates, hours, places and seats, in its language (templates call it as `shown`)."""

    def __init__(self, t: Messages) -> None:
        self.t = t

    def day(self, day: date) -> str:
        return self.t(
            "sessions.date", day=day.day, month=self.t(f"sessions.month.{day.month}"), year=day.year
        )

    def month(self, first: date) -> str:
        return f"{self.t(f'sessions.month.{first.month}')} {first.year}"

    def dates(self, row: Any) -> str:
        if row.start_on == row.end_on:
            return self.day(row.start_on)
        return self.t("sessions.from_to", start=self.day(row.start_on), end=self.day(row.end_on))

    def hours(self, hundredths: int) -> str:
        hours = str(hundredths_to_json(hundredths))
        return self.t("sessions.hours", hours=hours.replace(".", ",") if self.t.language == "fr" else hours)

    def seats(self, row: Any) -> str:
        if row.capacity is None:
            return self.t("sessions.no_limit", registered=row.registered_count)
        return self.t("sessions.seats", registered=row.registered_count, capacity=row.capacity)

    def places(self, row: Any) -> list[str]:
        found = []
        if row.is_on_site:
            found.append(self.t("sessions.on_site") + (f": {row.address}" if row.address else ""))
        elif row.address:
            found.append(row.address)
        if row.is_remote:
            found.append(self.t("sessions.remote"))
        return found or [self.t("sessions.nowhere")]

    def status(self, status: str) -> str:
        return self.t(f"sessions.status.{status}")


def _shown(request: Request) -> Shown:
    return Shown(messages_of(request))


def name_of(row: Any) -> str:
    return f"{row.owner_first_name} {row.owner_last_name}"


# Lists ------------------------------------------------------------------------------------------------------


async def _page_request(request: Request, name: str = "page", limit: int | None = None) -> PageRequest:
    """The API's `page` (a cursor from the links, or an index) and `limit`, under the parameter `name`."""
    if name == "page":
        return await page_of(request, limit)
    token = request.query_params.get(name)
    codec = await request.cursor_codec()
    try:
        cursor = codec.decode(token) if token else None
    except DomainError:
        raise RuleViolation(name, "not a page of this list") from None
    return PageRequest(limit=limit or PARTICIPANTS_LIMIT, cursor=cursor, fields=LINKS)


def _month(value: str | None) -> date | None:
    """`2026-12` as the first day of its month; None when it is not one."""
    if value is None or len(value) != 7 or value[4] != "-":
        return None
    year, month = value[:4], value[5:]
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
        return None
    # Not the first nor the last year a date can have: a month's calendar shows the weeks around it.
    if not (2 <= int(year) <= 9998 and 1 <= int(month) <= 12):
        return None
    return date(int(year), int(month), 1)


def _month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _filters(request: Request, t: Messages) -> tuple[SessionFilters, dict[str, Any], dict[str, list[str]]]:
    """The list's filters as the API reads them (`statuses`, `trainingId`, `planId`) and `month`; what is
    wrong with one is said next to it, and the list is not filtered by it."""
    params = request.query_params
    errors: dict[str, list[str]] = {}
    statuses: tuple[SessionStatus, ...] | None = None
    training_ids = plan_ids = None
    try:
        statuses = parse_choice_list("statuses", [v for v in params.getlist("statuses") if v], SessionStatus)
    except RuleViolation:
        errors["statuses"] = [t("field.choice")]
    for name in ("trainingId", "planId"):
        try:
            ids = parse_id_list(name, [v for v in params.getlist(name) if v])
        except RuleViolation as refused:
            errors[name] = [message for messages in refused.errors.values() for message in messages]
            continue
        if name == "trainingId":
            training_ids = ids
        else:
            plan_ids = ids
    month_text = params.get("month", "")
    first = _month(month_text) if month_text else None
    if month_text and first is None:
        errors["month"] = [t("sessions.bad_month")]
    filters = SessionFilters(
        training_ids=training_ids,
        plan_ids=plan_ids,
        statuses=statuses,
        overlapping=None if first is None else (first, _month_end(first)),
    )
    values = {
        "statuses": [status.value for status in statuses or ()],
        "month": month_text if first is not None else "",
        "trainingId": ",".join(str(i) for i in training_ids or ()),
        "planId": ",".join(str(i) for i in plan_ids or ()),
    }
    return filters, values, errors


@pages.page("")
async def sessions(request: Request) -> Response:
    t = messages_of(request)
    filters, values, errors = _filters(request, t)
    page = await _page_request(request)
    async with request.read() as tx:
        result = await planning.list_sessions(
            tx, request.principal.account_id, filters, _today(request), page
        )
    context: dict[str, Any] = {
        "rows": result.items,
        "shown": Shown(t),
        "filtered": filters != SessionFilters(),
        **await page_links(request, result, dropped=_SAID_ONCE),
    }
    vary = {"Vary": "Accept-Language, Cookie, HX-Request, HX-Target"}
    if partial(request, TABLE):
        return render(request, "sessions/_table.html", headers=vary, **context)
    return render(
        request,
        "sessions/list.html",
        headers=vary,
        values=values,
        errors=errors,
        statuses=[status.value for status in SessionStatus],
        **context,
    )


@pages.page("/calendar")
async def month_calendar(request: Request) -> Response:
    """A month, Monday first, each session on every day it spans; `?month=2026-12` (default: this month)."""
    t = messages_of(request)
    now = _today(request)
    asked = request.query_params.get("month")
    first = _month(asked) if asked else now.replace(day=1)
    errors = {} if first is not None else {"month": [t("sessions.bad_month")]}
    first = first or now.replace(day=1)
    last = _month_end(first)
    filters = SessionFilters(overlapping=(first, last))
    async with request.read() as tx:
        result = await planning.list_sessions(
            tx, request.principal.account_id, filters, now, PageRequest(limit=CALENDAR_LIMIT)
        )
    by_day: dict[date, list[Any]] = {}
    for row in sorted(result.items, key=lambda row: (row.start_on, row.id)):
        day = max(row.start_on, first)
        while day <= min(row.end_on, last):
            by_day.setdefault(day, []).append(row)
            day += timedelta(days=1)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return render(
        request,
        "sessions/calendar.html",
        first=first,
        today=now,
        weeks=weeks,
        by_day=by_day,
        more=result.next is not None,
        limit=CALENDAR_LIMIT,
        previous=previous,
        following=following,
        errors=errors,
        month_value=f"{first:%Y-%m}",
        shown=Shown(t),
    )


# One session ------------------------------------------------------------------------------------------------


async def _session(tx: Tx, request: Request, session_id: int) -> Any:
    """The session (404: another account's, or none), its status as displayed today."""
    return await planning.get_session(tx, request.principal.account_id, session_id, _today(request))


async def _names(tx: Tx, account_id: int, owner_ids: list[int]) -> dict[int, str]:
    """Employees' names, in one statement."""
    ids = sorted(set(owner_ids))
    if not ids:
        return {}
    found = await directory.list_employees(
        tx, account_id, EmployeeFilters(ids=ids), PageRequest(limit=len(ids))
    )
    return {row.id: f"{row.first_name} {row.last_name}" for row in found.items}


def _may_take_attendance(row: Any, now: date) -> bool:
    return bool(row.status != SessionStatus.CLOSED and row.end_on <= now)


@pages.page("/{id}")
async def session(request: Request) -> Response:
    session_id = path_id(request, "Session")
    account_id = request.principal.account_id
    participants_page = await _page_request(request, "page", PARTICIPANTS_LIMIT)
    recorded_page = await _page_request(request, "recorded_page")
    async with request.read() as tx:
        row = await _session(tx, request, session_id)
        team = await scope.team(tx, request)
        participants = await demands.search(
            tx, account_id, Filters(session_ids=[session_id], team=team), Sort(), participants_page
        )
        recorded = await realized.v1_list(
            tx, account_id, V1Filters(session_ids=[session_id], team=team), Sort(), recorded_page
        )
        names = await _names(tx, account_id, [record.owner_id for record in recorded.items])
        may_take = may_write(request) and _may_take_attendance(row, _today(request))
        if may_take:  # and somebody awaits it
            may_take = bool((await _awaiting(tx, request, session_id, 1)).items)
    participant_links = await page_links(request, participants, dropped=_SAID_ONCE)
    recorded_links = await page_links(request, recorded, name="recorded_page", dropped=_SAID_ONCE)
    done = request.query_params.get("recorded", "")
    return render(
        request,
        "sessions/session.html",
        row=row,
        shown=_shown(request),
        participants=participants.items,
        participant_links=participant_links,
        recorded=recorded.items,
        recorded_links=recorded_links,
        names=names,
        name_of=name_of,
        team_only=team is not None,
        may_take=may_take,
        done=int(done) if done.isascii() and done.isdigit() and len(done) < 6 else None,
    )


# Attendance -------------------------------------------------------------------------------------------------


async def _awaiting(tx: Tx, request: Request, session_id: int, limit: int = SHEET_LIMIT) -> Page[Any]:
    """The demands registered on the session that await attendance: the first sheet's worth, by id."""
    filters = Filters(session_ids=[session_id], states=(DemandState.REGISTERED,))
    return await demands.search(tx, request.principal.account_id, filters, Sort(), PageRequest(limit=limit))


async def _attendance_page(
    request: Request,
    session_id: int,
    present: set[int] | None = None,
    problems: list[str] | None = None,
) -> Response:
    async with request.read() as tx:
        row = await _session(tx, request, session_id)
        awaiting = await _awaiting(tx, request, session_id)
    return render(
        request,
        "sessions/attendance.html",
        row=row,
        shown=_shown(request),
        rows=awaiting.items,
        more=awaiting.next is not None,
        limit=SHEET_LIMIT,
        name_of=name_of,
        present=present,
        problems=problems or [],
        closed=row.status == SessionStatus.CLOSED,
        not_over=row.end_on > _today(request),
    )


@pages.page("/{id}/attendance")
async def attendance(request: Request) -> Response:
    _writer(request)
    return await _attendance_page(request, path_id(request, "Session"))


def _ids(values: list[Any], name: str) -> list[int]:
    found = parse_id_list(name, [value for value in values if isinstance(value, str) and value])
    return found or []


@pages.form("/{id}/attendance")
async def take_attendance(request: Request) -> Response:
    """The sheet as ticked (or everyone present), to the API's attendance service in one transaction."""
    _writer(request)
    session_id = path_id(request, "Session")
    form = await request.form()
    listed = _ids(form.getlist("demandId"), "demandId")
    everyone = form.get("all") == "present"
    present = set(listed) if everyone else set(_ids(form.getlist("present"), "present"))
    items = [{"demandId": demand_id, "hasAttended": demand_id in present} for demand_id in listed]
    try:
        data = Attendance.model_validate({"items": items})
        async with request.transaction() as tx:
            rows = await demands.take_attendance(
                tx, request.actor, session_id, list(data.items), _today(request)
            )
    except REFUSALS as refused:
        problems = await _problems(request, session_id, refused, listed)
        return await _attendance_page(request, session_id, present, problems)
    return redirect(f"{HOME}/{session_id}?recorded={len(rows)}")


async def _problems(request: Request, session_id: int, refused: Exception, listed: list[int]) -> list[str]:
    """What the attendance service refused, in the page's words: the session closed or not over, a person
    already recorded or no longer on it; else the API's own message."""
    t = messages_of(request)
    async with request.read() as tx:
        row = await _session(tx, request, session_id)
    if row.status == SessionStatus.CLOSED:
        return [t("sessions.attendance.closed")]
    if row.end_on > _today(request):
        return [t("sessions.attendance.not_over", date=Shown(t).day(row.end_on))]
    if isinstance(refused, ValidationError):
        return [message for messages in field_errors(refused, t).values() for message in messages]
    assert isinstance(refused, DomainError)
    problems: list[str] = []
    for field, messages in (refused.errors or {"": [refused.detail]}).items():
        parts = field.split(".")
        if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit() and int(parts[1]) < len(listed):
            name = await _name_of_demand(request, listed[int(parts[1])])
            key = (
                "sessions.attendance.elsewhere"
                if not isinstance(refused, Conflict)
                else "sessions.attendance.recorded"
                if any("already has realized training" in message for message in messages)
                else "sessions.attendance.already"
            )
            problems.append(t(key, name=name))
        else:
            problems += messages
    return problems


async def _name_of_demand(request: Request, demand_id: int) -> str:
    async with request.read() as tx:
        try:
            row = await demands.get(tx, request.principal.account_id, demand_id)
        except DomainError:
            return f"#{demand_id}"
    return name_of(row)


# The printable sheet ----------------------------------------------------------------------------------------


def _day_groups(row: Any) -> tuple[list[list[date]], bool]:
    """The session's days, `PRINTED_DAYS` a table; and whether days were left out (beyond the maximum)."""
    length = (row.end_on - row.start_on).days + 1  # a session may last years: only the first days are built
    cut = length > PRINTED_DAYS_MAX
    days = [row.start_on + timedelta(days=n) for n in range(min(length, PRINTED_DAYS_MAX))]
    return [days[n : n + PRINTED_DAYS] for n in range(0, len(days), PRINTED_DAYS)], cut


@pages.page("/{id}/sheet")
async def sheet(request: Request) -> Response:
    """The feuille d'émargement: the session's facts, then a row per trainee and a signature cell per
    half-day, and the trainer's; printed by the browser (sessions.css: A4 landscape, no navigation)."""
    session_id = path_id(request, "Session")
    account_id = request.principal.account_id
    async with request.read() as tx:
        row = await _session(tx, request, session_id)
        trainees = await demands.search(
            tx,
            account_id,
            Filters(session_ids=[session_id], team=await scope.team(tx, request)),
            Sort(),
            PageRequest(limit=SHEET_LIMIT),
        )
    groups, days_cut = _day_groups(row)
    return render(
        request,
        "sessions/sheet.html",
        row=row,
        shown=_shown(request),
        trainees=sorted((name_of(trainee) for trainee in trainees.items), key=str.casefold),
        more=trainees.next is not None,
        limit=SHEET_LIMIT,
        groups=groups,
        days_cut=days_cut,
        days_max=PRINTED_DAYS_MAX,
    )
