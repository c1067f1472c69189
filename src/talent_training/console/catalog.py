"""The catalog's screens: trainings, providers and categories, behind the session guard.

    /console/catalog                        -> /console/catalog/trainings
    /console/catalog/trainings              the list (search; provider, category, state filters); POST: create
    /console/catalog/trainings/new          the form of a new training                            hr-admin
    /console/catalog/trainings/{id}         GET the training (its form for an hr-admin); POST: save it
    /console/catalog/trainings/{id}/state   POST: archive or restore                              hr-admin
    /console/catalog/providers              GET the list (and the form of a new one); POST: create
    /console/catalog/providers/{id}         GET the provider (its form for an hr-admin); POST: save it
    /console/catalog/categories             GET the list (and the form of a new one); POST: create
    /console/catalog/categories/{id}        GET the category (its form for an hr-admin); POST: save it

The API's rules, once: a form becomes the API's body (catalog/schemas.py) and goes to the same service
functions as the API's routes, with the user as the audit trail's actor. What they refuse is shown next to
its field (`field_errors`). Only an HR administrator changes the catalog: an auditor's POST is refused by the
router (no write access), a manager's here; both see pages without forms.

Every page works as plain HTML forms; htmx only replaces the trainings' table as the search is typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from talent_training.catalog import service
from talent_training.catalog.schemas import (
    CategoryCreate,
    CategoryPatch,
    Level,
    ProviderCreate,
    ProviderPatch,
    TrainingCreate,
    TrainingPatch,
    TrainingState,
    TrainingType,
)
from talent_training.console.auth import PREFIX, UserPrincipal, form_text
from talent_training.console.i18n import Messages, add_messages, language_of, messages_of
from talent_training.console.pages import Pages, redirect, render
from talent_training.console.paging import page_links, page_of, partial
from talent_training.db.database import Tx
from talent_training.kit.actor import Actor
from talent_training.kit.paging import PageRequest
from talent_training.kit.problems import Conflict, DomainError, Forbidden, InvalidRequest, RuleViolation
from talent_training.kit.types import parse_choice_list, parse_id_list, storable_text
from talent_training.users.tables import UserRole
from talent_training.web.params import path_id
from talent_training.web.request import Request

pages = Pages("/catalog")
HOME = f"{PREFIX}/catalog"
TABLE = "trainings"  # the element htmx replaces as the search is typed
# The choices of a provider or category select: the first ones by id (an account has tens, not thousands).
CHOICES = PageRequest(limit=1000)
SEARCH_MAX = 250  # as the API's `search`
# What a form may be refused for, shown next to its fields; anything else (404, 403) is an error page.
# The page with the refusals answers 200, as the sign-in page with a wrong password does: it is what the user
# asked for, and a browser reports a 4xx document as a failed load.
REFUSALS = (ValidationError, RuleViolation, InvalidRequest, Conflict)
_TRAINING_TEXTS = ("title", "subtitle", "description", "level", "type", "providerId", "categoryId")
_TRAINING_FLAGS = ("isCertifying", "isMandatory")
_TRAINING_ENTRIES = ("providerId", "categoryId")
_CATEGORY_LANGUAGES = ("En", "Fr")

add_messages(
    en={
        "provider.save": "Save the provider",
        "provider.saved": "The provider is saved.",
        "provider.trainings": "Trainings of this provider",
        "category.save": "Save the category",
        "category.saved": "The category is saved.",
        "category.trainings": "Trainings of this category",
        "category.other_names": "Names in other languages, given through the API, are kept.",
    },
    fr={
        "provider.save": "Enregistrer l'organisme",
        "provider.saved": "L'organisme est enregistré.",
        "provider.trainings": "Formations de cet organisme",
        "category.save": "Enregistrer la catégorie",
        "category.saved": "La catégorie est enregistrée.",
        "category.trainings": "Formations de cette catégorie",
        "category.other_names": "Les noms dans d'autres langues, donnés par l'API, sont conservés.",
    },
)


def may_write(request: Request) -> bool:
    principal = request.principal
    return isinstance(principal, UserPrincipal) and principal.role == UserRole.HR_ADMIN.value


def _writer(request: Request) -> None:
    """A manager writes their team's records elsewhere, but the catalog is the HR administrators'."""
    if not may_write(request):
        who = request.principal.description.capitalize()
        raise Forbidden(f"{who} may read the catalog, not change it.")


# Refusals, next to their fields -----------------------------------------------------------------------------


def field_errors(refused: Exception, t: Messages) -> dict[str, list[str]]:
    """What was refused, by form field (the API's field names: `title`, `providerId`, `t9n.name.Fr`), in the
    page's language when we know the rule, else as the API words it. A refusal naming no field is under ''."""
    found: dict[str, list[str]] = {}
    if isinstance(refused, ValidationError):
        for error in refused.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"])
            found.setdefault(field, []).append(_validation_message(error, t))
        return found
    assert isinstance(refused, DomainError)
    if not refused.errors:
        return {"": [refused.detail]}
    for field, messages in refused.errors.items():
        found[field] = [_rule_message(refused, field, message, t) for message in messages]
    return found


def _validation_message(error: Any, t: Messages) -> str:
    kind: str = error["type"]
    context = error.get("ctx") or {}
    message: str = error["msg"].removeprefix("Value error, ")
    if kind in ("missing", "string_too_short", "too_short") or message == "must not be blank":
        return t("field.required")
    if kind in ("string_too_long", "too_long"):  # `too_long`: a limit checked after a validator
        return t("field.too_long", max=context["max_length"])
    if kind in ("enum", "int_type", "int_parsing", "greater_than_equal", "less_than_equal"):
        return t("field.choice")
    if message == "must be an absolute http or https URL":
        return t("field.url")
    return message


def _rule_message(refused: DomainError, field: str, message: str, t: Messages) -> str:
    if isinstance(refused, Conflict) and field == "name":
        return t("field.name_taken")
    if isinstance(refused, RuleViolation) and field == "providerId":
        return t("field.unknown_provider")
    if isinstance(refused, RuleViolation) and field == "categoryId":
        return t("field.unknown_category")
    return message


# Lists ------------------------------------------------------------------------------------------------------


def _chosen_ids(request: Request, name: str) -> list[int] | None:
    """A filter's ids, as the API reads them (`providerIds=1,2`); the select's "any" sends ''."""
    return parse_id_list(name, [value for value in request.query_params.getlist(name) if value])


def _chosen_states(request: Request) -> tuple[TrainingState, ...]:
    """The state filter, as the API reads `states`; the select's "any" sends '' (every state, as the API)."""
    chosen = [value for value in request.query_params.getlist("states") if value]
    return parse_choice_list("states", chosen, TrainingState) or ()


def _search(request: Request, t: Messages) -> tuple[str, dict[str, list[str]]]:
    """The search as typed, and what is wrong with it (then the list is not filtered by it)."""
    search = request.query_params.get("search", "")
    if len(search) > SEARCH_MAX:
        return search[:SEARCH_MAX], {"search": [t("field.too_long", max=SEARCH_MAX)]}
    try:
        storable_text(search)
    except ValueError as exc:
        return "", {"search": [str(exc)]}
    return search, {}


async def _choices(request: Request) -> dict[str, Any]:
    """The providers and categories a select offers: (id, name), a category's in the page's language."""
    account = request.principal.account_id
    async with request.read() as tx:
        providers = await service.list_providers(tx, account, CHOICES)
        categories = await service.list_categories(tx, account, CHOICES)
    return {
        "providers": [(row.id, row.name) for row in providers.items],
        "categories": [
            (row.id, category_name(row.name, row.name_translations, request)) for row in categories.items
        ],
    }


def category_name(name: str, translations: dict[str, str | None] | None, request: Request) -> str:
    """A category's name in the page's language (its `t9n`, keyed `En`, `Fr`), else its name."""
    return (translations or {}).get(language_of(request).capitalize()) or name


def _category_of(request: Request) -> Callable[[Any], str]:
    """A training's category, as its page shows it."""
    return lambda row: category_name(row.category_name, row.category_translations, request)


def _kinds(request: Request) -> dict[str, Any]:
    """The levels and types a training's selects offer, in the page's language."""
    t = messages_of(request)
    return {
        "levels_shown": [(level.value, t(f"level.{level.value}")) for level in Level],
        "types_shown": [(kind.value, t(f"type.{kind.value}")) for kind in TrainingType],
    }


@pages.page("")
async def catalog_home(request: Request) -> Response:
    return redirect(f"{HOME}/trainings", 302)


@pages.page("/trainings")
async def trainings(request: Request) -> Response:
    t = messages_of(request)
    search, errors = _search(request, t)
    provider_ids = _chosen_ids(request, "providerIds")
    category_ids = _chosen_ids(request, "categoryIds")
    states = _chosen_states(request)
    page = await page_of(request)
    async with request.read() as tx:
        result = await service.list_trainings(
            tx,
            request.principal.account_id,
            page,
            search=None if errors else search or None,
            provider_ids=provider_ids,
            category_ids=category_ids,
            ids=None,
            states=states,
        )
    context: dict[str, Any] = {
        "rows": result.items,
        "category_of": _category_of(request),
        "filtered": bool(search or provider_ids or category_ids or states),
        **await page_links(request, result),
    }
    vary = {"Vary": "Accept-Language, Cookie, HX-Request, HX-Target"}
    if partial(request, TABLE):
        return render(request, "catalog/_trainings_table.html", headers=vary, **context)
    return render(
        request,
        "catalog/trainings.html",
        headers=vary,
        search=search,
        errors=errors,
        provider_ids=provider_ids or [],
        category_ids=category_ids or [],
        states_shown=[(state.value, messages_of(request)(f"state.{state.value}")) for state in TrainingState],
        state_chosen=states[0].value if len(states) == 1 else "",
        may_write=may_write(request),
        **await _choices(request),
        **context,
    )


# Trainings: create, edit, archive ---------------------------------------------------------------------------


def _training_values(form: FormData) -> dict[str, Any]:
    """The form as sent, to show it again: texts as typed, boxes ticked or not."""
    values: dict[str, Any] = {name: form_text(form, name) for name in _TRAINING_TEXTS}
    values.update({name: form_text(form, name) != "" for name in _TRAINING_FLAGS})
    return values


def _training_body(values: dict[str, Any], *, patch: bool) -> dict[str, Any]:
    """The API's body of the form: no provider or category is left out (a new one) or null (an edit)."""
    body = {name: value for name, value in values.items() if name not in _TRAINING_ENTRIES}
    for name in _TRAINING_ENTRIES:
        chosen: str = values[name]
        if chosen:  # an id from the select, else the text itself, for the schema to refuse
            body[name] = int(chosen) if chosen.isascii() and chosen.isdigit() else chosen
        elif patch:
            body[name] = None
    return body


def _values_of(row: Any) -> dict[str, Any]:
    return {
        "title": row.title,
        "subtitle": row.subtitle,
        "description": row.description,
        "level": row.level,
        "type": row.type,
        "providerId": "" if row.provider_id is None else str(row.provider_id),
        "categoryId": "" if row.category_id is None else str(row.category_id),
        "isCertifying": row.is_certifying,
        "isMandatory": row.is_mandatory,
    }


_NEW_TRAINING = {
    **{name: "" for name in _TRAINING_TEXTS},
    "level": Level.BEGINNER.value,
    "type": TrainingType.EXTERNAL.value,
    **{name: False for name in _TRAINING_FLAGS},
}


async def _new_training_form(
    request: Request, values: dict[str, Any], errors: dict[str, list[str]]
) -> Response:
    return render(
        request,
        "catalog/training_new.html",
        values=values,
        errors=errors,
        may_write=True,
        **_kinds(request),
        **await _choices(request),
    )


@pages.page("/trainings/new")
async def new_training(request: Request) -> Response:
    _writer(request)
    return await _new_training_form(request, _NEW_TRAINING, {})


@pages.form("/trainings")
async def create_training(request: Request) -> Response:
    _writer(request)
    values = _training_values(await request.form())
    try:
        data = TrainingCreate.model_validate(_training_body(values, patch=False))
        async with request.transaction() as tx:
            row = await service.create_training(tx, request.actor, data)
    except REFUSALS as refused:
        return await _new_training_form(request, values, field_errors(refused, messages_of(request)))
    return redirect(f"{HOME}/trainings/{row.id}?created")


async def _training_page(
    request: Request,
    row: Any,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    choices = await _choices(request)
    # Beyond the first choices, the training's own provider and category are offered too (an edit keeps them).
    for options, entry_id, name in (
        (choices["providers"], row.provider_id, row.provider_name),
        (choices["categories"], row.category_id, row.category_name),
    ):
        if entry_id is not None and all(option[0] != entry_id for option in options):
            options.append((entry_id, name or str(entry_id)))
    notice = next(
        (key for key in ("created", "saved", "archived", "restored") if key in request.query_params), None
    )
    return render(
        request,
        "catalog/training.html",
        row=row,
        values=values or _values_of(row),
        errors=errors or {},
        notice=None if errors else notice,
        may_write=may_write(request),
        category_of=_category_of(request),
        **_kinds(request),
        **choices,
    )


@pages.page("/trainings/{id}")
async def training(request: Request) -> Response:
    training_id = path_id(request, "Training")
    async with request.read() as tx:
        row = await service.get_training(tx, request.principal.account_id, training_id)
    return await _training_page(request, row)


@pages.form("/trainings/{id}")
async def save_training(request: Request) -> Response:
    _writer(request)
    training_id = path_id(request, "Training")
    values = _training_values(await request.form())
    try:
        patch = TrainingPatch.model_validate(_training_body(values, patch=True))
        async with request.transaction() as tx:
            await service.update_training(tx, request.actor, training_id, patch)
    except REFUSALS as refused:
        async with request.read() as tx:  # another account's, or no such training: 404
            row = await service.get_training(tx, request.principal.account_id, training_id)
        return await _training_page(request, row, values, field_errors(refused, messages_of(request)))
    return redirect(f"{HOME}/trainings/{training_id}?saved")


@pages.form("/trainings/{id}/state")
async def change_state(request: Request) -> Response:
    """Archive (`Archived`) or restore (`Ready`): the API's patch of `state`."""
    _writer(request)
    training_id = path_id(request, "Training")
    try:
        state = TrainingState(form_text(await request.form(), "state"))
    except ValueError:
        raise RuleViolation("state", "must be Ready or Archived") from None
    async with request.transaction() as tx:
        await service.update_training(tx, request.actor, training_id, TrainingPatch(state=state))
    done = "archived" if state is TrainingState.ARCHIVED else "restored"
    return redirect(f"{HOME}/trainings/{training_id}?{done}")


# Providers and categories -----------------------------------------------------------------------------------

_NEW_PROVIDER = {"name": "", "websiteHref": ""}
_NEW_CATEGORY = {"name": "", "code": "", **{f"t9n.name.{language}": "" for language in _CATEGORY_LANGUAGES}}


async def _entries_page(
    request: Request,
    kind: str,
    values: dict[str, str],
    errors: dict[str, list[str]] | None = None,
) -> Response:
    """The list of providers or categories (`kind`), with the form of a new one for an HR administrator."""
    page = await page_of(request)
    lister = service.list_providers if kind == "providers" else service.list_categories
    async with request.read() as tx:
        result = await lister(tx, request.principal.account_id, page)
    return render(
        request,
        f"catalog/{kind}.html",
        rows=result.items,
        values=values,
        errors=errors or {},
        created="created" in request.query_params and not errors,
        may_write=may_write(request),
        **await page_links(request, result),
    )


@pages.page("/providers")
async def providers(request: Request) -> Response:
    return await _entries_page(request, "providers", _NEW_PROVIDER)


@pages.form("/providers")
async def create_provider(request: Request) -> Response:
    def body(values: dict[str, str]) -> dict[str, Any]:
        return {name: value for name, value in values.items() if value or name == "name"}

    return await _create_entry(
        request, "providers", _NEW_PROVIDER, body, ProviderCreate, service.create_provider
    )


async def _create_entry(
    request: Request,
    kind: str,
    fields: Any,
    body_of: Callable[[dict[str, str]], dict[str, Any]],
    model: type[BaseModel],
    create: Callable[[Tx, Actor, Any], Awaitable[Any]],
) -> Response:
    """A provider or a category from its form, by the API's model and service; the form again, with its
    fields' errors, when refused."""
    _writer(request)
    form = await request.form()
    values = {name: form_text(form, name) for name in fields}
    try:
        data = model.model_validate(body_of(values))
        async with request.transaction() as tx:
            await create(tx, request.actor, data)
    except REFUSALS as refused:
        return await _entries_page(request, kind, values, field_errors(refused, messages_of(request)))
    return redirect(f"{HOME}/{kind}?created")


@pages.page("/categories")
async def categories(request: Request) -> Response:
    return await _entries_page(request, "categories", _NEW_CATEGORY)


@pages.form("/categories")
async def create_category(request: Request) -> Response:
    def body(values: dict[str, str]) -> dict[str, Any]:
        found: dict[str, Any] = {"name": values["name"]}
        if values["code"]:
            found["code"] = values["code"]
        names = {language: values[f"t9n.name.{language}"] for language in _CATEGORY_LANGUAGES}
        if any(names.values()):
            found["t9n"] = {"name": {language: name for language, name in names.items() if name}}
        return found

    return await _create_entry(
        request, "categories", _NEW_CATEGORY, body, CategoryCreate, service.create_category
    )


# A provider's and a category's own page: its form (an HR administrator) or what it is -----------------------


def _provider_values(row: Any) -> dict[str, str]:
    return {"name": row.name, "websiteHref": row.website_href or ""}


def _category_values(row: Any) -> dict[str, str]:
    translations = row.name_translations or {}
    return {
        "name": row.name,
        "code": row.code or "",
        **{f"t9n.name.{language}": translations.get(language) or "" for language in _CATEGORY_LANGUAGES},
    }


def _provider_patch(values: dict[str, str]) -> dict[str, Any]:
    """Every field of the form: an empty website removes it."""
    return {"name": values["name"], "websiteHref": values["websiteHref"] or None}


def _category_patch(values: dict[str, str]) -> dict[str, Any]:
    """Every field of the form: an empty code or name in English or French removes it; the names in other
    languages (the API's `t9n` has seven) are left as they are, the patch merging `t9n.name` by language."""
    names = {language: values[f"t9n.name.{language}"] or None for language in _CATEGORY_LANGUAGES}
    return {"name": values["name"], "code": values["code"] or None, "t9n": {"name": names}}


@dataclass(frozen=True)
class _Entry:
    """What differs between a provider's page and a category's."""

    kind: str  # the list's path, and the page's: /console/catalog/<kind>/<id>
    template: str
    what: str  # as a 404 names it
    fields: dict[str, str]
    get: Callable[[Tx, int, int], Awaitable[Any]]
    update: Callable[[Tx, Actor, int, Any], Awaitable[Any]]
    model: type[BaseModel]
    values_of: Callable[[Any], dict[str, str]]
    body_of: Callable[[dict[str, str]], dict[str, Any]]
    filter_name: str  # the trainings list's filter of this entry


_PROVIDER = _Entry(
    kind="providers",
    template="provider",
    what="Provider",
    fields=_NEW_PROVIDER,
    get=service.get_provider,
    update=service.update_provider,
    model=ProviderPatch,
    values_of=_provider_values,
    body_of=_provider_patch,
    filter_name="providerIds",
)
_CATEGORY = _Entry(
    kind="categories",
    template="category",
    what="Category",
    fields=_NEW_CATEGORY,
    get=service.get_category,
    update=service.update_category,
    model=CategoryPatch,
    values_of=_category_values,
    body_of=_category_patch,
    filter_name="categoryIds",
)


def _entry_page(
    request: Request,
    entry: _Entry,
    row: Any,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    return render(
        request,
        f"catalog/{entry.template}.html",
        row=row,
        values=values or entry.values_of(row),
        errors=errors or {},
        saved="saved" in request.query_params and not errors,
        trainings_url=f"{HOME}/trainings?{entry.filter_name}={row.id}",
        may_write=may_write(request),
    )


async def _show_entry(request: Request, entry: _Entry) -> Response:
    entry_id = path_id(request, entry.what)
    async with request.read() as tx:  # another account's, or no such entry: 404
        row = await entry.get(tx, request.principal.account_id, entry_id)
    return _entry_page(request, entry, row)


async def _save_entry(request: Request, entry: _Entry) -> Response:
    """Every field of the form, as the API's merge patch, by the service the API's PATCH calls."""
    _writer(request)
    entry_id = path_id(request, entry.what)
    form = await request.form()
    values = {name: form_text(form, name) for name in entry.fields}
    try:
        patch = entry.model.model_validate(entry.body_of(values))
        async with request.transaction() as tx:
            await entry.update(tx, request.actor, entry_id, patch)
    except REFUSALS as refused:
        async with request.read() as tx:  # another account's, or no such entry: 404
            row = await entry.get(tx, request.principal.account_id, entry_id)
        return _entry_page(request, entry, row, values, field_errors(refused, messages_of(request)))
    return redirect(f"{HOME}/{entry.kind}/{entry_id}?saved")


@pages.page("/providers/{id}")
async def provider(request: Request) -> Response:
    return await _show_entry(request, _PROVIDER)


@pages.form("/providers/{id}")
async def save_provider(request: Request) -> Response:
    return await _save_entry(request, _PROVIDER)


@pages.page("/categories/{id}")
async def category(request: Request) -> Response:
    return await _show_entry(request, _CATEGORY)


@pages.form("/categories/{id}")
async def save_category(request: Request) -> Response:
    return await _save_entry(request, _CATEGORY)
