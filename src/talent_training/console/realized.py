"""Realized trainings: the list with the API's filters and cursor pages, each record's page, the add form
and "export these", behind the session guard.

    /console/realized-trainings                  GET the list (filters, pages); POST: record one
    /console/realized-trainings/new              the form of a new record            hr-admin, manager
    /console/realized-trainings/{id}             the record
    /console/realized-trainings/export.csv       every record the list's filters select, as a file
    /console/realized-trainings/export.xlsx      (the API's export: realized_trainings/exporting.py)
    /console/realized-trainings/choices/owners   htmx: the <datalist> of employees matching what is typed
    /console/realized-trainings/choices/trainings  htmx: the <datalist> of trainings matching what is typed

The filters are the API's (`GET /v2/realized-trainings`): `ownerIds`, `trainingId`, `hasAttended`,
`sessionEndOnAfter`, `sessionEndOnBefore`, read as the API reads them (ids as lists, strict dates, exclusive
bounds), an empty field of the form being no filter. A manager sees only their team: the list's `team`
filter holds it to the team, within the owners asked for (an owner outside the team gives an empty list, as
an owner without records would), and another team's record is 404.

The add form becomes the API's body (`RealizedTrainingCreate`) and goes to `service.record`, the function the
API's POST calls, with the user as the audit trail's actor; what they refuse is shown next to its field. The
console also refuses an owner the user cannot see (an unknown employee, or for a manager one outside the
team), since the user picks the owner from the directory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from talent_training.catalog import service as catalog
from talent_training.console import scope
from talent_training.console.auth import PREFIX, form_text
from talent_training.console.catalog import REFUSALS
from talent_training.console.i18n import Messages, add_messages, language_of, messages_of
from talent_training.console.messages.realized import EN, FR
from talent_training.console.pages import Pages, redirect, render
from talent_training.console.paging import page_links, page_of, partial
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.repository import EmployeeFilters
from talent_training.imports.reading import FileFormat
from talent_training.kit.clock import today
from talent_training.kit.paging import PageRequest
from talent_training.kit.problems import DomainError, Forbidden, InvalidRequest, RuleViolation
from talent_training.kit.types import (
    INT32_MAX,
    MAX_FILTER_VALUES,
    parse_id_list,
    parse_query_bool,
    parse_query_date,
)
from talent_training.realized_trainings import exporting, service
from talent_training.realized_trainings.repository import Filters
from talent_training.realized_trainings.schemas import RealizedTrainingCreate
from talent_training.web.params import path_id
from talent_training.web.request import Request
from talent_training.web.responses import download_response

pages = Pages("/realized-trainings")
HOME = f"{PREFIX}/realized-trainings"
TABLE = "realized"  # the element htmx replaces as a filter changes
CHOICES = 20  # suggestions a datalist offers
SEARCH_MAX = 250

# The API's filters, in the order of the form.
OWNERS, TRAINING, ATTENDED, AFTER, BEFORE = (
    "ownerIds",
    "trainingId",
    "hasAttended",
    "sessionEndOnAfter",
    "sessionEndOnBefore",
)
FILTERS = (OWNERS, TRAINING, ATTENDED, AFTER, BEFORE)
_LABELS = {
    OWNERS: "realized.owners",
    TRAINING: "realized.training_id",
    ATTENDED: "realized.attended",
    AFTER: "realized.after",
    BEFORE: "realized.before",
}
_FORM_FIELDS = (
    "ownerId",
    "trainingId",
    "sessionStartsOn",
    "sessionEndsOn",
    "durationInHours",
    "cost.amount",
    "cost.currency",
    "expiresOn",
)
_DIGITS = re.compile(r"[0-9]{1,10}")

add_messages(en=EN, fr=FR)


# Refusals, next to their fields, in the page's language -----------------------------------------------------

# The API's messages (schemas, kit/types.py, imports/cells.py, service.py) we say in the page's language; any
# other is shown as the API words it. Each pattern's named groups fill its message.
_KNOWN = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"must be a date written YYYY-MM-DD", "realized.field.date"),
        (r"is not a calendar date", "realized.field.calendar"),
        (r"must be a JSON number|must be a finite number", "realized.field.number"),
        (r"must be greater than 0", "realized.field.positive"),
        (r"must not be negative", "realized.field.negative"),
        (r"must be at most (?P<max>[0-9.]+)", "realized.field.at_most"),
        (r"must have at most 2 decimals.*", "realized.field.decimals"),
        (r"must be a currency code of three letters.*", "realized.field.currency"),
        (r"is not a current ISO 4217 currency code", "realized.field.currency_unknown"),
        (r"must be written in capitals: (?P<code>[A-Z]{3})", "realized.field.capitals"),
        (r"must be true or omitted.*", "realized.field.attended"),
        (r"must not be after today \((?P<today>[0-9-]+)\)", "realized.rule.future"),
        (r"must not be after sessionEndsOn", "realized.rule.start_after_end"),
        (r"must not be before sessionEndsOn \((?P<ends>[0-9-]+)\)", "realized.rule.expiry"),
        (r"training [0-9]+ does not exist", "realized.rule.unknown_training"),
        (r"training [0-9]+ is \w+: it must be Ready", "realized.rule.not_ready"),
        (r"Employee [0-9]+ already has a realized training .*", "realized.rule.duplicate"),
        (r"not an employee of your team", "realized.rule.not_in_team"),
        (r"no employee has this id", "realized.rule.unknown_owner"),
    )
)


def _said(message: str, t: Messages) -> str:
    message = message.removeprefix("Value error, ")
    for pattern, key in _KNOWN:
        found = pattern.fullmatch(message)
        if found:
            return t(key, **found.groupdict())
    return message


def field_errors(refused: Exception, t: Messages) -> dict[str, list[str]]:
    """What the schema or the service refused, by form field (the API's names: `ownerId`, `cost.amount`)."""
    found: dict[str, list[str]] = {}
    if isinstance(refused, ValidationError):
        for error in refused.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"])
            if error["type"] == "missing":
                message = t("field.required")
            elif field in ("ownerId", "trainingId"):
                message = t("realized.field.id", max=INT32_MAX)
            else:
                message = _said(error["msg"], t)
            found.setdefault(field, []).append(message)
        return found
    assert isinstance(refused, DomainError)
    if not refused.errors:
        return {"": [refused.detail]}
    for field, messages in refused.errors.items():
        found[field] = [_said(message, t) for message in messages]
    return found


# The list's filters, read as the API reads them -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Asked:
    filters: Filters
    values: dict[str, str]  # as typed, to show them again
    errors: dict[str, list[str]]  # a filter refused is not applied, and said next to its field

    @property
    def given(self) -> dict[str, str]:
        """The filters to carry to another page (the export's links): those given, and accepted."""
        return {name: value for name, value in self.values.items() if value and name not in self.errors}


def _asked(request: Request, t: Messages) -> Asked:
    """The API's filters from the query, an empty field of the form being no filter."""
    params = request.query_params
    sent = {name: [value.strip() for value in params.getlist(name) if value.strip()] for name in FILTERS}
    values = {name: ",".join(found) for name, found in sent.items()}
    errors: dict[str, list[str]] = {}
    found: dict[str, Any] = {}
    for name in (OWNERS, TRAINING):
        try:
            found[name] = parse_id_list(name, sent[name])
        except RuleViolation as refused:
            errors[name] = [_id_list_message(refused, t)]
    single = {ATTENDED: parse_query_bool, AFTER: parse_query_date, BEFORE: parse_query_date}
    for name, parse in single.items():
        if len(sent[name]) > 1:
            errors[name] = [t("realized.field.once")]
            continue
        try:
            found[name] = parse(name, sent[name][0] if sent[name] else None)
        except RuleViolation as refused:
            errors[name] = [
                t("realized.field.bool") if name == ATTENDED else _said(refused.errors[name][0], t)
            ]
    filters = Filters(
        owner_ids=found.get(OWNERS),
        training_ids=found.get(TRAINING),
        has_attended=found.get(ATTENDED),
        ends_after=found.get(AFTER),
        ends_before=found.get(BEFORE),
    )
    return Asked(filters, values, errors)


def _id_list_message(refused: RuleViolation, t: Messages) -> str:
    message = next(iter(refused.errors.values()))[0]
    if message.startswith("at most"):
        return t("realized.field.many", max=MAX_FILTER_VALUES)
    if "not an id" in message:
        return t("realized.field.ids", max=INT32_MAX)
    return t("realized.field.twice")


async def _scoped(tx: Tx, request: Request, filters: Filters) -> Filters:
    """A manager's list is their team's, within the owners asked for."""
    return replace(filters, team=await scope.team(tx, request))


def _full_name(row: Any) -> str:
    return f"{row.first_name} {row.last_name}"


async def _names(tx: Tx, account_id: int, ids: list[int]) -> dict[int, str]:
    """The names of these employees, in one statement (a page's owners)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = await directory.list_employees(
        tx, account_id, EmployeeFilters(ids=wanted), PageRequest(limit=len(wanted))
    )
    return {row.id: _full_name(row) for row in found.items}


def hours(hundredths: int, language: str) -> str:
    """14 h, 2.5 h (2,5 h in French): as the API writes them, with the page's decimal mark."""
    whole, rest = divmod(hundredths, 100)
    text = str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
    return text.replace(".", ",") if language == "fr" else text


def _shown(request: Request) -> dict[str, Any]:
    """How a record's values are written on a page."""
    language = language_of(request)
    t = messages_of(request)

    def duration(row: Any) -> str:
        return t("realized.hours", hours=hours(row.duration_hundredths, language))

    def cost(row: Any) -> str:
        if row.cost_hundredths is None:
            return ""
        return f"{hours(row.cost_hundredths, language)} {row.cost_currency}"

    return {"duration_of": duration, "cost_of": cost}


def _export_links(asked: Asked) -> dict[str, str] | None:
    """The addresses of the files of exactly this list (no page): none while a filter is refused."""
    if asked.errors:
        return None
    query = urlencode(asked.given)
    suffix = f"?{query}" if query else ""
    return {kind: f"{HOME}/export.{kind}{suffix}" for kind in ("csv", "xlsx")}


def may_write(request: Request) -> bool:
    """HR administrators, and managers for their team; an auditor reads only."""
    return scope.is_hr_admin(request) or scope.is_manager(request)


def _writer(request: Request) -> None:
    if not may_write(request):
        who = request.principal.description.capitalize()
        raise Forbidden(f"{who} may read the realized trainings, not record them.")


@pages.page("")
async def realized_trainings(request: Request) -> Response:
    t = messages_of(request)
    asked = _asked(request, t)
    page = await page_of(request)
    account = request.principal.account_id
    async with request.read() as tx:
        filters = await _scoped(tx, request, asked.filters)
        result = await service.search(tx, account, filters, page)
        names = await _names(tx, account, [row.owner_id for row in result.items])
    context: dict[str, Any] = {
        "rows": result.items,
        "names": names,
        "filtered": bool(asked.given),
        "exports": _export_links(asked),
        **_shown(request),
        **await page_links(request, result),
    }
    vary = {"Vary": "Accept-Language, Cookie, HX-Request, HX-Target"}
    if partial(request, TABLE):
        # The form is not replaced: what it refused is said above the table instead.
        refused = [(_LABELS[name], messages) for name, messages in asked.errors.items()]
        return render(request, "realized/_table.html", headers=vary, refused=refused, **context)
    return render(
        request,
        "realized/list.html",
        headers=vary,
        values=asked.values,
        errors=asked.errors,
        refused=[],
        may_write=may_write(request),
        manager=scope.is_manager(request),
        attended_choices=[("true", t("realized.yes")), ("false", t("realized.no"))],
        **context,
    )


async def _export(request: Request, file_format: FileFormat) -> Response:
    """The API's export (`Accept: text/csv` on its list) of the list as filtered here, every page of it."""
    asked = _asked(request, messages_of(request))
    if asked.errors:
        raise InvalidRequest(asked.errors)
    async with request.read() as tx:
        filters = await _scoped(tx, request, asked.filters)
    chunks = exporting.export_realized_trainings(
        request.state_of_app.database, request.principal.account_id, filters, file_format
    )
    return await download_response(request, chunks, file_format, "realized-trainings")


@pages.page("/export.csv")
async def export_csv(request: Request) -> Response:
    return await _export(request, FileFormat.CSV)


@pages.page("/export.xlsx")
async def export_xlsx(request: Request) -> Response:
    return await _export(request, FileFormat.XLSX)


# One record -------------------------------------------------------------------------------------------------


@pages.page("/{id}")
async def realized_training(request: Request) -> Response:
    realized_id = path_id(request, "Realized training")
    account = request.principal.account_id
    async with request.read() as tx:
        row = await service.get(tx, account, realized_id)
        await scope.check_in_team(tx, request, row.owner_id, f"Realized training {realized_id}")
        names = await _names(tx, account, [row.owner_id])
    return render(
        request,
        "realized/record.html",
        row=row,
        name=names.get(row.owner_id),
        created="created" in request.query_params,
        **_shown(request),
    )


# The add form -----------------------------------------------------------------------------------------------

_NEW = {**{name: "" for name in _FORM_FIELDS}, "hasAttended": True}


def _values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: form_text(form, name).strip() for name in _FORM_FIELDS}
    values["hasAttended"] = form_text(form, "hasAttended") != ""  # an unticked box sends nothing: false
    return values


def _integer(text: str) -> int | str:
    """An id as typed: its number, else the text, for the schema to refuse."""
    return int(text) if _DIGITS.fullmatch(text) else text


def _number(text: str) -> Decimal | str:
    """Hours or an amount as typed (`3.5`, or `3,5` as French writes it), exact; else the text, refused."""
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return text
    return number if number.is_finite() else text


def _body(values: dict[str, Any]) -> dict[str, Any]:
    """The API's body of the form: an empty field is left out (the schema then says it is required)."""
    body: dict[str, Any] = {"hasAttended": values["hasAttended"]}
    for name in ("ownerId", "trainingId"):
        if values[name]:
            body[name] = _integer(values[name])
    for name in ("sessionStartsOn", "sessionEndsOn", "expiresOn"):
        if values[name]:
            body[name] = values[name]
    if values["durationInHours"]:
        body["durationInHours"] = _number(values["durationInHours"])
    amount, currency = values["cost.amount"], values["cost.currency"]
    if amount or currency:  # both, or no cost: one alone is refused as the other missing
        cost: dict[str, Any] = {}
        if amount:
            cost["amount"] = _number(amount)
        if currency:
            cost["currency"] = currency
        body["cost"] = cost
    return body


async def _check_owner(tx: Tx, request: Request, owner_id: int) -> None:
    """The owner is picked from the directory: an employee the user may see (for a manager, of the team)."""
    if scope.is_manager(request):
        if not await scope.may_see(tx, request, owner_id):
            raise RuleViolation("ownerId", "not an employee of your team")
        return
    if not await _names(tx, request.principal.account_id, [owner_id]):
        raise RuleViolation("ownerId", "no employee has this id")


async def _form(request: Request, values: dict[str, Any], errors: dict[str, list[str]]) -> Response:
    """The form, with the names of the owner and training typed, when the user may see them."""
    account = request.principal.account_id
    owner_name = training_title = None
    async with request.read() as tx:
        if _DIGITS.fullmatch(values["ownerId"]) and int(values["ownerId"]) <= INT32_MAX:
            owner_id = int(values["ownerId"])
            if await scope.may_see(tx, request, owner_id):
                owner_name = (await _names(tx, account, [owner_id])).get(owner_id)
        if _DIGITS.fullmatch(values["trainingId"]) and int(values["trainingId"]) <= INT32_MAX:
            found = await catalog.list_trainings(
                tx,
                account,
                PageRequest(limit=1),
                search=None,
                provider_ids=None,
                category_ids=None,
                ids=[int(values["trainingId"])],
            )
            training_title = found.items[0].title if found.items else None
    return render(
        request,
        "realized/new.html",
        values=values,
        errors=errors,
        owner_name=owner_name,
        training_title=training_title,
        manager=scope.is_manager(request),
    )


@pages.page("/new")
async def new_realized_training(request: Request) -> Response:
    _writer(request)
    return await _form(request, _NEW, {})


@pages.form("")
async def record_realized_training(request: Request) -> Response:
    _writer(request)
    values = _values(await request.form())
    try:
        data = RealizedTrainingCreate.model_validate(_body(values))
        async with request.transaction() as tx:
            await _check_owner(tx, request, data.ownerId)
            row = await service.record(tx, request.actor, data, today(request.settings.zone))
    except REFUSALS as refused:
        return await _form(request, values, field_errors(refused, messages_of(request)))
    return redirect(f"{HOME}/{row.id}?created")


# Suggestions for the owner and training inputs (htmx) -------------------------------------------------------


def _typed(request: Request, *names: str) -> str:
    for name in names:
        value = request.query_params.get(name, "").strip()
        if value:
            return value[:SEARCH_MAX]
    return ""


@pages.page("/choices/owners")
async def owner_choices(request: Request) -> Response:
    """The employees matching what is typed (a name, a login, an email, or an id), the user's team only."""
    typed = _typed(request, "ownerId", OWNERS).rpartition(",")[2].strip()  # a list's last id is being typed
    options: list[tuple[int, str]] = []
    if typed and "\x00" not in typed:
        account = request.principal.account_id
        async with request.read() as tx:
            if _DIGITS.fullmatch(typed):
                wanted = int(typed)
                visible = wanted <= INT32_MAX and await scope.may_see(tx, request, wanted)
                filters = EmployeeFilters(ids=[wanted] if visible else [])
            else:
                filters = EmployeeFilters(team=await scope.team(tx, request), search=typed)
            found = await directory.list_employees(tx, account, filters, PageRequest(limit=CHOICES))
        options = [(row.id, f"{_full_name(row)} ({row.login})") for row in found.items]
    return render(request, "realized/_choices.html", choices_id="owner-choices", options=options)


@pages.page("/choices/trainings")
async def training_choices(request: Request) -> Response:
    """The trainings matching what is typed (a title, or an id)."""
    typed = _typed(request, "trainingId").rpartition(",")[2].strip()
    t = messages_of(request)
    options: list[tuple[int, str]] = []
    if typed and "\x00" not in typed:
        digits = _DIGITS.fullmatch(typed) is not None and int(typed) <= INT32_MAX
        async with request.read() as tx:
            found = await catalog.list_trainings(
                tx,
                request.principal.account_id,
                PageRequest(limit=CHOICES),
                search=None if digits else typed,
                provider_ids=None,
                category_ids=None,
                ids=[int(typed)] if digits else None,
            )
        options = [
            (row.id, row.title if row.state == "Ready" else f"{row.title} ({t('realized.state.Archived')})")
            for row in found.items
        ]
    return render(request, "realized/_choices.html", choices_id="training-choices", options=options)
