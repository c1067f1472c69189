"""Training demands: the inbox of managers and HR (prioritise, accept, refuse, register, bulk actions).

    /console/demands                       GET the inbox: the API's list, its filters and sort, cursor pages
    /console/demands/bulk                  POST: one action on the ticked demands, each on its own
    /console/demands/{id}                  GET the demand: owner, training, state, priority, history, actions
    /console/demands/{id}/prioritize       POST {level}                          Requested or Registered
    /console/demands/{id}/accept           POST {planId}                         Requested, pending approval
    /console/demands/{id}/refuse           POST {reason}                         Requested
    /console/demands/{id}/register         POST {sessionId}                      Requested
    /console/demands/{id}/unregister       POST                                  Registered

Who: an HR administrator acts on every demand, a manager on their team's (anyone else's is 404, as if it did
not exist), an auditor reads everything and gets no form (the router refuses their POSTs: 403). The workflow
contract gives no transition to one role only, so a manager may do on their team's demands all that HR may.
The rules are the service's (training_demands/service.py, the API's): a form becomes the API's body and goes
to the same function with the user as the audit trail's actor; what it refuses (a 409 transition, a full
session, a missing reason) is said on the page, next to its field, in the page's language.

The inbox opens on what needs action (`states=Requested`: pending approval or registration), highest
priority first, as the API sorts `-prioritization.level`. Bulk actions apply to each ticked demand in a
savepoint of one transaction: each succeeds or fails alone, and the page says which did what.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from talent_training.audit import service as audit
from talent_training.catalog import service as catalog
from talent_training.console import scope
from talent_training.console.auth import PREFIX, UserPrincipal, form_text
from talent_training.console.catalog import REFUSALS, field_errors
from talent_training.console.i18n import Messages, add_messages, messages_of
from talent_training.console.messages.demands import EN, FR
from talent_training.console.pages import Pages, redirect, render
from talent_training.console.paging import page_links, page_of, partial
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.repository import Team
from talent_training.kit.clock import today
from talent_training.kit.paging import PageRequest, parse_sort
from talent_training.kit.problems import Conflict, DomainError, Forbidden, NotFound, RuleViolation
from talent_training.kit.types import parse_choice_list, parse_id_list, parse_query_bool
from talent_training.planning import service as planning
from talent_training.planning.repository import SessionFilters
from talent_training.planning.schemas import SessionStatus
from talent_training.training_demands import service
from talent_training.training_demands.repository import SORTABLE, Filters
from talent_training.training_demands.schemas import (
    LEVELS,
    RANKS,
    Acceptance,
    DemandState,
    DemandStatus,
    Prioritization,
    PrioritizationLevel,
    Refusal,
    Registration,
)
from talent_training.users.tables import UserRole
from talent_training.web.params import path_id
from talent_training.web.request import Request

pages = Pages("/demands")
HOME = f"{PREFIX}/demands"
TABLE = "demands"  # the element htmx replaces as a filter is chosen
DEMAND = "Training demand"
CHOICES = PageRequest(limit=1000)  # departments, trainings, plans: tens, not thousands
SESSION_CHOICES = PageRequest(limit=200)  # the sessions one training offers
HISTORY = PageRequest(limit=50)  # a demand's changes: a handful in its whole life
BULK_MAX = 100  # ticked demands per bulk action: a page of the inbox at most
DEFAULT_SORT = "-prioritization.level"
SORTS_SHOWN = ("-prioritization.level", "prioritization.level", "-createdAt", "createdAt")
NEEDS_ACTION = (DemandState.REQUESTED,)  # pending approval, or accepted and pending registration
REGISTRABLE = (SessionStatus.OPEN, SessionStatus.RUNNING, SessionStatus.FINISHED)
BULK_ACTIONS = ("prioritize", "accept", "refuse")
_HEADERS = {"Vary": "Accept-Language, Cookie, HX-Request, HX-Target"}


# Who may do what --------------------------------------------------------------------------------------------


def may_act(request: Request) -> bool:
    """HR administrators and managers (on their team's demands); an auditor reads only."""
    principal = request.principal
    return isinstance(principal, UserPrincipal) and principal.role in (
        UserRole.HR_ADMIN.value,
        UserRole.MANAGER.value,
    )


def _actor(request: Request) -> None:
    if not may_act(request):
        who = request.principal.description.capitalize()
        raise Forbidden(f"{who} may read training demands, not change them.")


def allowed_actions(row: Any) -> tuple[str, ...]:
    """What the workflow allows from the demand's state (shared/workflow.md), to offer only those forms. The
    service decides, whatever was offered: a page shown before a colleague's change gets its refusal."""
    state, status = row.state, row.status
    found = []
    if state in (DemandState.REQUESTED, DemandState.REGISTERED):
        found.append("prioritize")
    if state == DemandState.REQUESTED and status == DemandStatus.PENDING_APPROVAL:
        found.append("accept")
    if state == DemandState.REQUESTED:
        found += ["register", "refuse"]
    if state == DemandState.REGISTERED:
        found.append("unregister")
    return tuple(found)


async def _in_scope(tx: Tx, request: Request, demand_id: int) -> Any:
    """The demand, or 404 when it is not the user's to see (another account's, another team's)."""
    row = await service.get(tx, request.principal.account_id, demand_id)
    await scope.check_in_team(tx, request, row.owner_id, f"{DEMAND} {demand_id}")
    return row


# Refusals in the page's words -------------------------------------------------------------------------------

# The service's refusals (training_demands/service.py), recognised by their words, then said in the page's
# language; anything else is shown as the API words it.
_KNOWN: tuple[tuple[type[DomainError], re.Pattern[str], str], ...] = (
    (Conflict, re.compile(r" is \w+ \((?P<status>\w+)\): it cannot be "), "demands.refused.state"),
    (Conflict, re.compile(r" is full \((?P<capacity>\d+) seats\)"), "demands.refused.full"),
    (Conflict, re.compile(r" is (?P<status>\w+): registrations need an open"), "demands.refused.not_open"),
    (
        Conflict,
        re.compile(r"already registered on session \d+ by another demand"),
        "demands.refused.registered_twice",
    ),
    (
        Conflict,
        re.compile(r"already registered on session \d+ of this training|registered meanwhile on a session"),
        "demands.refused.registered_same_day",
    ),
    (Conflict, re.compile(r"already has a realized training"), "demands.refused.recorded"),
    (Conflict, re.compile(r"is Closed: its registrations"), "demands.refused.closed"),
    (RuleViolation, re.compile(r"^plan \d+ does not exist"), "demands.refused.unknown_plan"),
    (
        RuleViolation,
        re.compile(r"^session \d+ (does not exist|is a session of)"),
        "demands.refused.unknown_session",
    ),
)


def _said(refused: DomainError, message: str, t: Messages) -> str:
    for kind, pattern, key in _KNOWN:
        found = pattern.search(message)
        if isinstance(refused, kind) and found is not None:
            values = found.groupdict()
            if "status" in values:
                values["status"] = _status_name(values["status"], t)
            return t(key, **values)
    return message


def _status_name(status: str, t: Messages) -> str:
    key = f"demands.status.{status}"
    return (
        t(key)
        if t.has(key)
        else t(f"demands.session.{status}")
        if t.has(f"demands.session.{status}")
        else status
    )


def refusals(refused: Exception, t: Messages) -> dict[str, list[str]]:
    """What was refused, by form field ('' for the demand itself), in the page's language."""
    found = field_errors(refused, t)
    if isinstance(refused, Conflict | RuleViolation):
        for field, messages in found.items():
            source = [refused.detail] if field == "" or not refused.errors else messages
            found[field] = [_said(refused, message, t) for message in source]
    return found


# The inbox --------------------------------------------------------------------------------------------------


def _inbox_query(request: Request) -> dict[str, Any]:
    """The filters as the inbox's form shows them, from the query (the API's names). No `states` at all is
    the default, what needs action; `states=` (the select's "any") is every state."""
    params = request.query_params
    states = (
        parse_choice_list("states", [v for v in params.getlist("states") if v], DemandState)
        if "states" in params
        else None
    )
    return {
        "states": NEEDS_ACTION if "states" not in params else states or (),
        "levels": parse_choice_list(
            "prioritizationLevels",
            [v for v in params.getlist("prioritizationLevels") if v],
            PrioritizationLevel,
        ),
        "department_ids": parse_id_list("departmentIds", [v for v in params.getlist("departmentIds") if v]),
        "training_ids": parse_id_list("trainingId", [v for v in params.getlist("trainingId") if v]),
        "planned": parse_query_bool("isSessionPlanned", params.get("isSessionPlanned") or None),
        "sort": params.get("sort") or DEFAULT_SORT,
    }


def _filters(chosen: dict[str, Any], team: Team | None) -> Filters:
    levels = chosen["levels"]
    return Filters(
        team=team,  # a manager's team; None: everyone
        training_ids=chosen["training_ids"],
        states=chosen["states"],
        department_ids=chosen["department_ids"],
        ranks=None if levels is None else [RANKS[level] for level in levels],
        is_session_planned=chosen["planned"],
    )


def _choice(value: Any) -> str:
    return "" if value is None else str(value[0]) if isinstance(value, list | tuple) and value else ""


async def _inbox(
    request: Request,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    selected: frozenset[int] = frozenset(),
) -> Response:
    chosen = _inbox_query(request)
    sort = parse_sort(chosen["sort"], SORTABLE)
    page = await page_of(request)
    account = request.principal.account_id
    table_only = partial(request, TABLE)
    acting = may_act(request)
    choices: dict[str, Any] = {}
    async with request.read() as tx:
        result = await service.search(
            tx, account, _filters(chosen, await scope.team(tx, request)), sort, page
        )
        if not table_only:
            departments = await directory.list_units(tx, directory.DEPARTMENT, account, CHOICES)
            trainings = await catalog.list_trainings(
                tx, account, CHOICES, search=None, provider_ids=None, category_ids=None, ids=None
            )
            choices["departments"] = [(row.id, row.name) for row in departments.items]
            choices["trainings"] = [(row.id, row.title) for row in trainings.items]
        plans = await _plans(tx, account) if acting else []  # the bulk form's, in the table's part too
    t = messages_of(request)
    context: dict[str, Any] = {
        "rows": result.items,
        "level_of": _level_of,
        "may_act": acting,
        "filtered": "states" in request.query_params
        or any(chosen[name] is not None for name in ("levels", "department_ids", "training_ids", "planned")),
        "values": values or {"level": "", "planId": "", "reason": ""},
        "errors": errors or {},
        "selected": selected,
        "plans": plans,
        "action_query": request.url.query,
        **_kinds(t),
        **await page_links(request, result, path=HOME),
    }
    if table_only:
        return render(request, "demands/_inbox_table.html", headers=_HEADERS, **context)
    states = chosen["states"]
    return render(
        request,
        "demands/inbox.html",
        headers=_HEADERS,
        chosen={
            "states": states[0].value if len(states) == 1 else "" if not states else ",".join(states),
            "prioritizationLevels": _choice(chosen["levels"]),
            "departmentIds": _choice(chosen["department_ids"]),
            "trainingId": _choice(chosen["training_ids"]),
            "isSessionPlanned": "" if chosen["planned"] is None else str(chosen["planned"]).lower(),
            "sort": chosen["sort"],
        },
        state_filters=[(state.value, t(f"demands.state.{state.value}")) for state in DemandState],
        sorts=[(sort_name, t(f"demands.sort.{sort_name}")) for sort_name in SORTS_SHOWN],
        planned_choices=[("true", t("demands.planned.true")), ("false", t("demands.planned.false"))],
        **choices,
        **context,
    )


async def _plans(tx: Tx, account_id: int) -> list[tuple[int, str]]:
    plans = await planning.list_plans(tx, account_id, CHOICES)
    return [
        (row.id, f"{row.name} ({row.start_on.isoformat()} \N{EN DASH} {row.end_on.isoformat()})")
        for row in plans.items
    ]


def _level_of(row: Any) -> str | None:
    level = LEVELS.get(row.prioritization_rank)
    return None if level is None else level.value


def _kinds(t: Messages) -> dict[str, Any]:
    return {
        "levels_shown": [(level.value, t(f"demands.level.{level.value}")) for level in PrioritizationLevel]
    }


@pages.page("")
async def inbox(request: Request) -> Response:
    return await _inbox(request)


# Bulk actions -----------------------------------------------------------------------------------------------


def _number(value: str) -> int | str:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 11 else value


def _body(action: str, values: dict[str, str]) -> tuple[type[BaseModel], dict[str, Any]]:
    """The API's body of an action's form: a select left blank is a field left out (Required)."""
    if action == "prioritize":
        return Prioritization, {"level": values["level"]} if values["level"] else {}
    if action == "accept":
        return Acceptance, {"planId": _number(values["planId"])} if values["planId"] else {}
    if action == "refuse":
        return Refusal, {"reason": values["reason"]}
    if action == "register":
        return Registration, {"sessionId": _number(values["sessionId"])} if values["sessionId"] else {}
    raise RuleViolation("action", f"must be one of {', '.join(BULK_ACTIONS)}")


async def _apply(tx: Tx, request: Request, action: str, demand_id: int, data: Any) -> Any:
    """One action on one demand: the service function the API's route calls, with the user as the actor."""
    actor = request.actor
    if action == "prioritize":
        return await service.prioritize(tx, actor, demand_id, data.level)
    if action == "accept":
        return await service.accept(tx, actor, demand_id, data.planId)
    if action == "refuse":
        return await service.refuse(tx, actor, demand_id, data.reason)
    if action == "register":
        return await service.register(tx, actor, demand_id, data.sessionId, today(request.settings.zone))
    return await service.unregister(tx, actor, demand_id)


def _ticked(form: FormData) -> list[int]:
    ids = []
    for value in form.getlist("ids"):
        if isinstance(value, str) and value.isascii() and value.isdigit() and 0 < len(value) < 11:
            ids.append(int(value))
    return sorted(set(ids))  # in id order, as every path locks several demands


@pages.form("/bulk")
async def bulk(request: Request) -> Response:
    """One action on each ticked demand. Each is applied in a savepoint of one transaction: one refused (a
    colleague refused it meanwhile, it is not the manager's) leaves the others done, and the page lists each
    with its result. The form itself (the action's field, nothing ticked) is checked first, for all."""
    _actor(request)
    t = messages_of(request)
    form = await request.form()
    action = form_text(form, "action")
    values = {name: form_text(form, name) for name in ("level", "planId", "reason")}
    ids = _ticked(form)
    if action not in BULK_ACTIONS:
        raise RuleViolation("action", f"must be one of {', '.join(BULK_ACTIONS)}")
    errors: dict[str, list[str]] = {}
    data: Any = None
    try:
        model, body = _body(action, {**values, "sessionId": ""})
        data = model.model_validate(body)
    except ValidationError as refused:
        errors = refusals(refused, t)
    if not ids:
        errors.setdefault("ids", []).append(t("demands.bulk.none"))
    elif len(ids) > BULK_MAX:
        errors.setdefault("ids", []).append(t("demands.bulk.too_many", max=BULK_MAX))
    if errors:
        return await _inbox(request, values, errors, frozenset(ids))
    results: list[dict[str, Any]] = []
    async with request.transaction() as tx:
        manager = scope.is_manager(request)
        owners = await service.owners(tx, request.principal.account_id, ids) if manager else {}
        for demand_id in ids:
            try:
                owner = owners.get(demand_id)
                if manager and (owner is None or not await scope.may_see(tx, request, owner)):
                    raise NotFound(f"{DEMAND} {demand_id}")  # as if it did not exist: not theirs
                async with tx.savepoint():
                    row = await _apply(tx, request, action, demand_id, data)
            except NotFound:
                results.append({"id": demand_id, "row": None, "messages": [t("demands.bulk.not_found")]})
            except (Conflict, RuleViolation) as refused:
                said = [message for messages in refusals(refused, t).values() for message in messages]
                results.append({"id": demand_id, "row": None, "messages": said})
            else:
                results.append({"id": demand_id, "row": row, "messages": []})
    done = sum(1 for result in results if result["row"] is not None)
    return render(
        request,
        "demands/bulk.html",
        action=action,
        results=results,
        done=done,
        failed=len(results) - done,
        back=f"{HOME}?{request.url.query}" if request.url.query else HOME,
    )


# One demand -------------------------------------------------------------------------------------------------

_NOTICES = ("prioritized", "accepted", "refused", "registered", "unregistered")
_EMPTY = {"level": "", "planId": "", "reason": "", "sessionId": ""}


async def _demand_page(
    request: Request,
    demand_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    account = request.principal.account_id
    t = messages_of(request)
    acting = may_act(request)
    async with request.read() as tx:
        row = await _in_scope(tx, request, demand_id)
        actions = allowed_actions(row) if acting else ()
        history = await audit.search(
            tx,
            account,
            HISTORY,
            resource_type=service.RESOURCE,
            resource_id=demand_id,
            actor=None,
            since=None,
        )
        plans = await _plans(tx, account) if "accept" in actions else []
        sessions = []
        if "register" in actions:
            found = await planning.list_sessions(
                tx,
                account,
                SessionFilters(training_ids=[row.training_id], statuses=REGISTRABLE),
                today(request.settings.zone),
                SESSION_CHOICES,
            )
            sessions = [(session.id, _session_text(session, t)) for session in found.items]
    notice = next((key for key in _NOTICES if key in request.query_params), None)
    return render(
        request,
        "demands/demand.html",
        row=row,
        level=_level_of(row),
        actions=actions,
        may_act=acting,
        history=history.items,
        plans=plans,
        sessions=sessions,
        values={**_EMPTY, **(values or {})},
        errors=errors or {},
        notice=None if errors else notice,
        shown=_shown(t),
        **_kinds(t),
    )


def _shown(t: Messages) -> Any:
    """A value of the history, in the page's words where it is one of the workflow's (a status, a level)."""

    def shown(field: str, value: Any) -> str:
        if value is None:
            return "—"
        for name, prefix in (("status", "demands.status."), ("prioritization.level", "demands.level.")):
            if field == name and t.has(f"{prefix}{value}"):
                return t(f"{prefix}{value}")
        return str(value)

    return shown


def _session_text(session: Any, t: Messages) -> str:
    """A session as its select offers it: dates, seats taken, and what it reads (Open, Running, Finished)."""
    seats = (
        t("demands.seats", taken=session.registered_count, capacity=session.capacity)
        if session.capacity is not None
        else t("demands.seats.unlimited", taken=session.registered_count)
    )
    dates = _dates(session.start_on, session.end_on)
    return f"{dates} · {seats} · {_status_name(session.status, t)}"


def _dates(start: date, end: date) -> str:
    return start.isoformat() if start == end else f"{start.isoformat()} \N{EN DASH} {end.isoformat()}"


@pages.page("/{id}")
async def demand(request: Request) -> Response:
    return await _demand_page(request, path_id(request, DEMAND))


async def _act(request: Request, action: str, notice: str) -> Response:
    """A demand's action from its form: the API's body, the service's function, the page again with what was
    refused, or the page with its notice (303)."""
    _actor(request)
    demand_id = path_id(request, DEMAND)
    form = await request.form()
    values = {name: form_text(form, name) for name in _EMPTY}
    try:
        data: Any = None
        if action != "unregister":
            model, body = _body(action, values)
            data = model.model_validate(body)
        async with request.transaction() as tx:
            await _in_scope(tx, request, demand_id)
            await _apply(tx, request, action, demand_id, data)
    except REFUSALS as refused:
        return await _demand_page(request, demand_id, values, refusals(refused, messages_of(request)))
    return redirect(f"{HOME}/{demand_id}?{notice}")


@pages.form("/{id}/prioritize")
async def prioritize(request: Request) -> Response:
    return await _act(request, "prioritize", "prioritized")


@pages.form("/{id}/accept")
async def accept(request: Request) -> Response:
    return await _act(request, "accept", "accepted")


@pages.form("/{id}/refuse")
async def refuse(request: Request) -> Response:
    return await _act(request, "refuse", "refused")


@pages.form("/{id}/register")
async def register(request: Request) -> Response:
    return await _act(request, "register", "registered")


@pages.form("/{id}/unregister")
async def unregister(request: Request) -> Response:
    return await _act(request, "unregister", "unregistered")


# Messages ---------------------------------------------------------------------------------------------------

add_messages(en=EN, fr=FR)
