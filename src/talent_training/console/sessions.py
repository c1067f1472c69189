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
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from starlette.responses import Response

from talent_training.console import scope
from talent_training.console.auth import PREFIX
from talent_training.console.catalog import REFUSALS, field_errors, may_write
from talent_training.console.i18n import Messages, add_messages, language_of
from talent_training.console.pages import Pages, redirect, render
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.repository import EmployeeFilters
from talent_training.kit.clock import today
from talent_training.kit.paging import Page, PageRequest, RootField, Sort
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
from talent_training.web.params import page_request, path_id
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
_LINKS = frozenset({RootField.PREV, RootField.NEXT})

_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre",
)  # fmt: skip

add_messages(
    en={
        "sessions.title": "Sessions",
        "sessions.list": "List",
        "sessions.calendar": "Calendar",
        "sessions.views": "Views of the sessions",
        "sessions.filters": "Filters",
        "sessions.statuses": "Status",
        "sessions.month": "Month",
        "sessions.filter": "Filter",
        "sessions.empty": "No session matches.",
        "sessions.nothing": "No session yet.",
        "sessions.pages": "Pages",
        "sessions.prev": "Previous page",
        "sessions.next": "Next page",
        "sessions.training": "Training",
        "sessions.dates": "Dates",
        "sessions.from_to": "{start} to {end}",
        "sessions.duration": "Duration",
        "sessions.hours": "{hours} h",
        "sessions.location": "Location",
        "sessions.on_site": "On site",
        "sessions.remote": "Remote",
        "sessions.nowhere": "Not said",
        "sessions.capacity": "Seats",
        "sessions.registered": "Registered",
        "sessions.seats": "{registered} of {capacity}",
        "sessions.no_limit": "{registered} (no limit)",
        "sessions.status": "Status",
        "sessions.plan": "Plan",
        "sessions.status.Draft": "Draft",
        "sessions.status.Open": "Open",
        "sessions.status.Running": "Running",
        "sessions.status.Finished": "Finished",
        "sessions.status.Closed": "Closed",
        "sessions.bad_month": "A month as 2026-12.",
        "sessions.calendar.title": "Calendar of the sessions",
        "sessions.calendar.prev": "Previous month: {month}",
        "sessions.calendar.next": "Next month: {month}",
        "sessions.calendar.months": "Months",
        "sessions.calendar.more": "Only the first {count} sessions are shown: see the month in the list.",
        "sessions.calendar.as_list": "This month as a list",
        "sessions.session": "Session of {title}",
        "sessions.participants": "Participants",
        "sessions.participants.team": "Only your team's participants are shown.",
        "sessions.participants.none": "Nobody is registered.",
        "sessions.participant": "Participant",
        "sessions.attendance": "Attendance",
        "sessions.awaiting": "Awaiting attendance",
        "sessions.present": "Present",
        "sessions.absent": "Absent",
        "sessions.recorded": "Realized trainings recorded",
        "sessions.recorded.none": "No attendance recorded yet.",
        "sessions.recorded.done": "Attendance recorded: {count} realized trainings.",
        "sessions.take": "Take attendance",
        "sessions.print": "Printable attendance sheet",
        "sessions.attendance.title": "Attendance: {title}",
        "sessions.attendance.help": (
            "Everyone is ticked present: untick whoever was absent, then record. Each person gets a realized "
            "training, present or absent; an absent person's demand goes back to pending registration."
        ),
        "sessions.attendance.present_of": "{name} was present",
        "sessions.attendance.record": "Record attendance",
        "sessions.attendance.all": "Record everyone present",
        "sessions.attendance.all.help": "Records every person of this sheet present, whatever the ticks.",
        "sessions.attendance.nobody": "Nobody awaits attendance on this session.",
        "sessions.attendance.more": (
            "The first {count} people are listed: record them, and the next ones will be listed."
        ),
        "sessions.attendance.not_over": "Attendance is taken once the session is over (it ends on {date}).",
        "sessions.attendance.closed": "This session is closed: its attendance can no longer change.",
        "sessions.attendance.refused": "Nothing was recorded.",
        "sessions.attendance.already": (
            "The attendance of {name} is already recorded, or they are no longer registered: reload the "
            "sheet."
        ),
        "sessions.attendance.elsewhere": "{name} is not registered on this session.",
        "sessions.attendance.back": "Back to the session",
        "sessions.sheet.title": "Attendance sheet",
        "sessions.sheet.print": "Print",
        "sessions.sheet.trainer": "Trainer",
        "sessions.sheet.times": "Times",
        "sessions.sheet.times.blank": "Morning from ____ to ____, afternoon from ____ to ____",
        "sessions.sheet.trainee": "Trainee",
        "sessions.sheet.morning": "Morning",
        "sessions.sheet.afternoon": "Afternoon",
        "sessions.sheet.signature_of": "Trainer's signature",
        "sessions.sheet.caption": "Signatures, {start} to {end}",
        "sessions.sheet.more": "Only the first {count} trainees are on this sheet.",
        "sessions.sheet.days_more": "This sheet covers the first {count} days of the session.",
        "sessions.date": "{day} {month} {year}",
        **{f"sessions.month.{n}": calendar.month_name[n] for n in range(1, 13)},
        **{f"sessions.day.{n}": calendar.day_name[n - 1] for n in range(1, 8)},
        **{f"sessions.day_short.{n}": calendar.day_abbr[n - 1] for n in range(1, 8)},
    },
    fr={
        "sessions.title": "Sessions",
        "sessions.list": "Liste",
        "sessions.calendar": "Calendrier",
        "sessions.views": "Vues des sessions",
        "sessions.filters": "Filtres",
        "sessions.statuses": "Statut",
        "sessions.month": "Mois",
        "sessions.filter": "Filtrer",
        "sessions.empty": "Aucune session ne correspond.",
        "sessions.nothing": "Aucune session pour l'instant.",
        "sessions.pages": "Pages",
        "sessions.prev": "Page précédente",
        "sessions.next": "Page suivante",
        "sessions.training": "Formation",
        "sessions.dates": "Dates",
        "sessions.from_to": "du {start} au {end}",
        "sessions.duration": "Durée",
        "sessions.hours": "{hours} h",
        "sessions.location": "Lieu",
        "sessions.on_site": "Sur site",
        "sessions.remote": "À distance",
        "sessions.nowhere": "Non précisé",
        "sessions.capacity": "Places",
        "sessions.registered": "Inscrits",
        "sessions.seats": "{registered} sur {capacity}",
        "sessions.no_limit": "{registered} (sans limite)",
        "sessions.status": "Statut",
        "sessions.plan": "Plan",
        "sessions.status.Draft": "Brouillon",
        "sessions.status.Open": "Ouverte",
        "sessions.status.Running": "En cours",
        "sessions.status.Finished": "Terminée",
        "sessions.status.Closed": "Clôturée",
        "sessions.bad_month": "Un mois sous la forme 2026-12.",
        "sessions.calendar.title": "Calendrier des sessions",
        "sessions.calendar.prev": "Mois précédent : {month}",
        "sessions.calendar.next": "Mois suivant : {month}",
        "sessions.calendar.months": "Mois",
        "sessions.calendar.more": (
            "Seules les {count} premières sessions sont affichées : voyez le mois dans la liste."
        ),
        "sessions.calendar.as_list": "Ce mois en liste",
        "sessions.session": "Session de {title}",
        "sessions.participants": "Participants",
        "sessions.participants.team": "Seuls les participants de votre équipe sont affichés.",
        "sessions.participants.none": "Personne n'est inscrit.",
        "sessions.participant": "Participant",
        "sessions.attendance": "Présence",
        "sessions.awaiting": "Présence à confirmer",
        "sessions.present": "Présent",
        "sessions.absent": "Absent",
        "sessions.recorded": "Formations réalisées enregistrées",
        "sessions.recorded.none": "Aucune présence enregistrée pour l'instant.",
        "sessions.recorded.done": "Présences enregistrées : {count} formations réalisées.",
        "sessions.take": "Saisir les présences",
        "sessions.print": "Feuille d'émargement à imprimer",
        "sessions.attendance.title": "Présences : {title}",
        "sessions.attendance.help": (
            "Tout le monde est coché présent : décochez les absents, puis enregistrez. Chacun reçoit une "
            "formation réalisée, présent ou absent ; la demande d'un absent revient en attente d'inscription."
        ),
        "sessions.attendance.present_of": "{name} était présent",
        "sessions.attendance.record": "Enregistrer les présences",
        "sessions.attendance.all": "Enregistrer tout le monde présent",
        "sessions.attendance.all.help": (
            "Enregistre présentes toutes les personnes de cette feuille, quelles que soient les cases."
        ),
        "sessions.attendance.nobody": "Personne n'attend de confirmation de présence sur cette session.",
        "sessions.attendance.more": (
            "Les {count} premières personnes sont listées : enregistrez-les, les suivantes le seront ensuite."
        ),
        "sessions.attendance.not_over": (
            "Les présences se saisissent une fois la session terminée (elle finit le {date})."
        ),
        "sessions.attendance.closed": "Cette session est clôturée : ses présences ne peuvent plus changer.",
        "sessions.attendance.refused": "Rien n'a été enregistré.",
        "sessions.attendance.already": (
            "La présence de {name} est déjà enregistrée, ou cette personne n'est plus inscrite : rechargez "
            "la feuille."
        ),
        "sessions.attendance.elsewhere": "{name} n'est pas inscrit à cette session.",
        "sessions.attendance.back": "Retour à la session",
        "sessions.sheet.title": "Feuille d'émargement",
        "sessions.sheet.print": "Imprimer",
        "sessions.sheet.trainer": "Formateur",
        "sessions.sheet.times": "Horaires",
        "sessions.sheet.times.blank": "Matin de ____ à ____, après-midi de ____ à ____",
        "sessions.sheet.trainee": "Stagiaire",
        "sessions.sheet.morning": "Matin",
        "sessions.sheet.afternoon": "Après-midi",
        "sessions.sheet.signature_of": "Signature du formateur",
        "sessions.sheet.caption": "Signatures, du {start} au {end}",
        "sessions.sheet.more": "Seuls les {count} premiers stagiaires figurent sur cette feuille.",
        "sessions.sheet.days_more": "Cette feuille couvre les {count} premiers jours de la session.",
        "sessions.date": "{day} {month} {year}",
        **{f"sessions.month.{n}": name for n, name in enumerate(_MONTHS_FR, start=1)},
        **{
            f"sessions.day.{n}": name
            for n, name in enumerate(
                ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"), start=1
            )
        },
        **{
            f"sessions.day_short.{n}": name
            for n, name in enumerate(("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."), start=1)
        },
    },
)


def _messages(request: Request) -> Messages:
    return Messages(language_of(request))


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
    return Shown(_messages(request))


def name_of(row: Any) -> str:
    return f"{row.owner_first_name} {row.owner_last_name}"


# Lists ------------------------------------------------------------------------------------------------------


async def _page_request(request: Request, name: str = "page", limit: int | None = None) -> PageRequest:
    """The API's `page` (a cursor from the links, or an index) and `limit`, under the parameter `name`."""
    if name == "page":
        asked = await page_request(request)
        if limit is not None and "limit" not in request.query_params:
            asked = replace(asked, limit=limit)
        return replace(asked, fields=_LINKS)
    token = request.query_params.get(name)
    codec = await request.cursor_codec()
    try:
        cursor = codec.decode(token) if token else None
    except DomainError:
        raise RuleViolation(name, "not a page of this list") from None
    return PageRequest(limit=limit or PARTICIPANTS_LIMIT, cursor=cursor, fields=_LINKS)


async def _page_links(request: Request, result: Page[Any], name: str = "page") -> dict[str, Any]:
    codec = await request.cursor_codec()

    def link(cursor: Any) -> str | None:
        if cursor is None:
            return None
        # Not the notice of a sheet just recorded: it was said once.
        url = request.url.remove_query_params("recorded").include_query_params(**{name: codec.encode(cursor)})
        return f"{request.url.path}?{url.query}"

    return {"prev_url": link(result.prev), "next_url": link(result.next)}


def _month(value: str | None) -> date | None:
    """`2026-12` as the first day of its month; None when it is not one."""
    if value is None or len(value) != 7 or value[4] != "-":
        return None
    year, month = value[:4], value[5:]
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
        return None
    if not (1 <= int(year) <= 9999 and 1 <= int(month) <= 12):
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


def _partial(request: Request, target: str) -> bool:
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-target") == target
        and headers.get("hx-history-restore-request") != "true"
    )


@pages.page("")
async def sessions(request: Request) -> Response:
    t = _messages(request)
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
        **await _page_links(request, result),
    }
    vary = {"Vary": "Accept-Language, Cookie, HX-Request, HX-Target"}
    if _partial(request, TABLE):
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
    t = _messages(request)
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
            tx, account_id, Filters(session_ids=[session_id], owner_ids=team), Sort(), participants_page
        )
        recorded = await realized.v1_list(
            tx, account_id, V1Filters(session_ids=[session_id], owner_ids=team), Sort(), recorded_page
        )
        names = await _names(tx, account_id, [record.owner_id for record in recorded.items])
        may_take = may_write(request) and _may_take_attendance(row, _today(request))
        if may_take:  # and somebody awaits it
            may_take = bool((await _awaiting(tx, request, session_id, 1)).items)
    participant_links = await _page_links(request, participants)
    recorded_links = await _page_links(request, recorded, "recorded_page")
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
    t = _messages(request)
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
                "sessions.attendance.already"
                if isinstance(refused, Conflict)
                else "sessions.attendance.elsewhere"
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
    days = [row.start_on + timedelta(days=n) for n in range((row.end_on - row.start_on).days + 1)]
    cut = len(days) > PRINTED_DAYS_MAX
    days = days[:PRINTED_DAYS_MAX]
    return [days[n : n + PRINTED_DAYS] for n in range(0, len(days), PRINTED_DAYS)], cut


@pages.page("/{id}/sheet")
async def sheet(request: Request) -> Response:
    """The feuille d'émargement: the session's facts, then a row per trainee and a signature cell per
    half-day, and the trainer's; printed by the browser (sessions.css: A4 landscape, no navigation)."""
    session_id = path_id(request, "Session")
    account_id = request.principal.account_id
    async with request.read() as tx:
        row = await _session(tx, request, session_id)
        team = await scope.team(tx, request)
        trainees = await demands.search(
            tx,
            account_id,
            Filters(session_ids=[session_id], owner_ids=team),
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
