"""Employees: the list, and each one's page (timeline, hours per year, certifications, pending demands).

    /console/employees          the list: search by name, login or email, department filter, pages
    /console/employees/{id}     the employee: who they are, their certifications (Valid, Expiring, Expired),
                                pending demands, hours per year, and their realized trainings newest first

Read only, for every role: an HR administrator and an auditor see the whole account; a manager sees their
team (console/scope.py) in the list, and anyone else's page is 404 for them, as another account's employee
or an unknown id is for everyone.

The list is the directory's (`list_employees`, the team as its ids filter); an employee's history is
training_demands/history.py, one indexed statement per part of the page, each led by (account, employee).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from starlette.responses import Response

from talent_training.console import scope
from talent_training.console.auth import PREFIX
from talent_training.console.catalog import (
    _chosen_ids,
    _search,
)
from talent_training.console.i18n import add_messages, language_of, messages_of
from talent_training.console.messages.employees import EN, FR
from talent_training.console.pages import Pages, render
from talent_training.console.paging import page_links, page_of, partial
from talent_training.directory import service as directory
from talent_training.directory.repository import EmployeeFilters
from talent_training.kit.clock import today
from talent_training.kit.paging import PageRequest
from talent_training.kit.problems import NotFound
from talent_training.training_demands import history
from talent_training.web.params import path_id
from talent_training.web.request import Request

pages = Pages("/employees")
HOME = f"{PREFIX}/employees"
TABLE = "employees"  # the element htmx replaces as the search is typed
TIMELINE = "timeline"  # the element htmx replaces as the timeline's pages are followed
# The departments the filter offers (and the list names): the first ones by id, as the catalog's selects.
CHOICES = PageRequest(limit=1000)
# A certification expiring within this many days (its expiry day included) is "Expiring".
EXPIRING_WITHIN_DAYS = 90
VALID, EXPIRING, EXPIRED = "valid", "expiring", "expired"
_VARY = {"Vary": "Accept-Language, Cookie, HX-Request, HX-Target"}

add_messages(en=EN, fr=FR)


def certification_status(expires_on: date | None, on: date) -> str:
    """Expired once its expiry day is past (it is valid on that day); Expiring when that day is within
    EXPIRING_WITHIN_DAYS; Valid otherwise, and forever without an expiry date."""
    if expires_on is None:
        return VALID
    if expires_on < on:
        return EXPIRED
    if expires_on <= on + timedelta(days=EXPIRING_WITHIN_DAYS):
        return EXPIRING
    return VALID


def hours(hundredths: int, language: str) -> str:
    """Hours as a person writes them: 14, 2.5, 1.25 (2,5 in French)."""
    whole, part = divmod(hundredths, 100)
    text = str(whole) if part == 0 else f"{whole}.{part:02d}".rstrip("0")
    return text.replace(".", ",") if language == "fr" else text


def full_name(first: str | None, last: str | None) -> str:
    return f"{first or ''} {last or ''}".strip()


# The list ---------------------------------------------------------------------------------------------------


@pages.page("")
async def employees(request: Request) -> Response:
    t = messages_of(request)
    search, errors = _search(request, t)
    department_ids = _chosen_ids(request, "departmentIds")
    page = await page_of(request)
    account = request.principal.account_id
    async with request.read() as tx:
        team = await scope.team(tx, request)
        filters = EmployeeFilters(
            team=team, department_ids=department_ids, search=None if errors else search or None
        )
        result = await directory.list_employees(tx, account, filters, page)
        departments = await directory.list_units(tx, directory.DEPARTMENT, account, CHOICES)
    names = {row.id: row.name for row in departments.items}
    context: dict[str, Any] = {
        "rows": result.items,
        "department_names": names,
        "full_name": full_name,
        "filtered": bool(search or department_ids),
        **await page_links(request, result),
    }
    if partial(request, TABLE):
        return render(request, "employees/_table.html", headers=_VARY, **context)
    return render(
        request,
        "employees/list.html",
        headers=_VARY,
        search=search,
        errors=errors,
        departments=list(names.items()),
        department_ids=department_ids or [],
        team_only=team is not None,
        **context,
    )


# One employee -----------------------------------------------------------------------------------------------


@pages.page("/{id}")
async def employee(request: Request) -> Response:
    employee_id = path_id(request, "Employee")
    page = await page_of(request)
    account = request.principal.account_id
    language = language_of(request)
    async with request.read() as tx:
        await scope.check_in_team(tx, request, employee_id, f"Employee {employee_id}")
        person = await history.profile(tx, account, employee_id)
        if person is None:
            raise NotFound(f"Employee {employee_id}")
        timeline = await history.timeline(tx, account, employee_id, page)
        if partial(request, TIMELINE):
            return render(
                request,
                "employees/_timeline.html",
                headers=_VARY,
                rows=timeline.items,
                hours=lambda h: hours(h, language),
                **await page_links(request, timeline),
            )
        per_year = await history.hours_per_year(tx, account, employee_id)
        certifications = await history.certifications(tx, account, employee_id)
        demands, more_demands = await history.pending_demands(tx, account, employee_id)
    on = today(request.settings.zone)
    return render(
        request,
        "employees/employee.html",
        headers=_VARY,
        person=person,
        full_name=full_name,
        hours=lambda h: hours(h, language),
        per_year=per_year,
        certifications=[(row, certification_status(row.expires_on, on)) for row in certifications],
        certifications_cut=len(certifications) >= history.CERTIFICATIONS_SHOWN,
        certifications_shown=history.CERTIFICATIONS_SHOWN,
        expiring_days=EXPIRING_WITHIN_DAYS,
        demands=demands,
        more_demands=more_demands,
        demands_shown=history.DEMANDS_SHOWN,
        rows=timeline.items,
        **await page_links(request, timeline),
    )
