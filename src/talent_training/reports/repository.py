"""The reports' statements. A year's numbers are two statements, whatever the account's size:

- `_sums`: the year's attended realized trainings, summed four ways, each by currency: by month of the last
  day, by the owner's department (the directory's, today), by the training's category and by its provider
  (PostgreSQL: GROUPING SETS, one pass; SQLite, which has none: the rows once in a CTE, four GROUP BYs in a
  UNION ALL). One result row per (report, key, currency): tens to a few thousand rows.
- `_staff`: the directory's employees active in the year (hired on or before its last day, not left before
  its first; no date known counts as active), by department, and how many of them have at least one
  attended realized training ending in the year.

A manager's reports are the same statements held to their team: the employees below them in the chains of
command, joined (directory's `team_conditions`, shape 2) whatever the team's size: the year's rows are read
in full either way, and a hash semi-join checks each at the same cost however many people the team has.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)

from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.database import Tx
from talent_training.db.expressions import any_of
from talent_training.db.statements import Query
from talent_training.directory.repository import Team, team_conditions, team_params
from talent_training.directory.tables import Department, Employee
from talent_training.realized_trainings.tables import RealizedTraining

ACCOUNT = bindparam("account_id", type_=Integer)
JOINED = 2  # a team, joined from the chains of command (directory's team_shape)
FIRST = bindparam("first_day", type_=Date)
LAST = bindparam("last_day", type_=Date)

# The reports and the key each is summed by.
MONTH, DEPARTMENT, CATEGORY, PROVIDER = "month", "department", "category", "provider"


def _attended_in_year(team: bool) -> list[Any]:
    """The year's realized trainings that count: attended, last day within the year (PostgreSQL reads them
    from the partial index `ix_realized_trainings_reports`, whose predicate is `has_attended`)."""
    found = [
        RealizedTraining.account_id == ACCOUNT,
        RealizedTraining.has_attended == true(),
        RealizedTraining.session_ends_on >= FIRST,
        RealizedTraining.session_ends_on <= LAST,
    ]
    if team:
        found += team_conditions(RealizedTraining.owner_id, JOINED)
    return found


def _year_rows(team: bool) -> Any:
    """The year's records with what they are summed by: the month of the last day, the owner's department,
    the training's category and provider."""
    return (
        select(
            cast(extract("month", RealizedTraining.session_ends_on), Integer).label("month"),
            Employee.department_id,
            Training.category_id,
            Training.provider_id,
            RealizedTraining.cost_currency.label("currency"),
            RealizedTraining.duration_hundredths.label("hours"),
            RealizedTraining.cost_hundredths.label("cost"),
        )
        .join(
            Training,
            and_(
                Training.account_id == RealizedTraining.account_id,
                Training.id == RealizedTraining.training_id,
            ),
        )
        .outerjoin(
            Employee,
            and_(
                Employee.account_id == RealizedTraining.account_id, Employee.id == RealizedTraining.owner_id
            ),
        )
        .where(*_attended_in_year(team))
    )


def _sums_of(rows: Any) -> list[Any]:
    return [
        func.count().label("trainings"),
        cast(func.sum(rows.hours), BigInteger).label("hours"),
        cast(func.sum(rows.cost), BigInteger).label("cost"),
    ]


@cache
def _sums(team: bool) -> Query:
    """SQLite: the year's rows once (a CTE), summed four ways (UNION ALL)."""
    done = _year_rows(team).cte("done")

    def by(report: str, key: Any) -> Any:
        return select(
            literal_column(f"'{report}'", String).label("report"),
            cast(key, Integer).label("key"),
            done.c.currency,
            *_sums_of(done.c),
        ).group_by(key, done.c.currency)

    parts = union_all(
        by(MONTH, done.c.month),
        by(DEPARTMENT, done.c.department_id),
        by(CATEGORY, done.c.category_id),
        by(PROVIDER, done.c.provider_id),
    ).subquery("sums")
    return Query(
        select(parts.c.report, parts.c.key, parts.c.currency, parts.c.trainings, parts.c.hours, parts.c.cost)
    )


@cache
def _grouping_sums(team: bool) -> Query:
    """PostgreSQL: the same sums in one pass over the index (GROUPING SETS: PostgreSQL mixes hash tables and
    sorts, which spill to disk at the default `work_mem`, docs/operations.md); GROUPING() says which report a
    row belongs to, one bit per key, 1 when not grouped by it: 0111 the month's, 1011 the department's, 1101
    the category's, 1110 the provider's."""
    rows = _year_rows(team).subquery("done")
    keys = (rows.c.month, rows.c.department_id, rows.c.category_id, rows.c.provider_id)
    which = func.grouping(*keys)
    reports = ((0b0111, MONTH), (0b1011, DEPARTMENT), (0b1101, CATEGORY), (0b1110, PROVIDER))
    return Query(
        select(
            case(*((which == bits, literal_column(f"'{name}'", String)) for bits, name in reports)).label(
                "report"
            ),
            case(*((which == bits, key) for (bits, _), key in zip(reports, keys, strict=True))).label("key"),
            rows.c.currency,
            *_sums_of(rows.c),
        ).group_by(func.grouping_sets(*(tuple_(key, rows.c.currency) for key in keys)))
    )


@cache
def _staff(team: bool) -> Query:
    trained = select(RealizedTraining.owner_id).where(*_attended_in_year(team)).distinct().subquery("trained")
    active = [
        Employee.account_id == ACCOUNT,
        or_(Employee.hired_on.is_(None), Employee.hired_on <= LAST),
        or_(Employee.left_on.is_(None), Employee.left_on >= FIRST),
    ]
    if team:
        active += team_conditions(Employee.id, JOINED)
    return Query(
        select(
            Employee.department_id,
            func.count().label("headcount"),
            func.count(trained.c.owner_id).label("trained"),
        )
        .select_from(Employee)
        .outerjoin(trained, trained.c.owner_id == Employee.id)
        .where(*active)
        .group_by(Employee.department_id)
    )


async def sums(tx: Tx, account_id: int, first: date, last: date, team: Team | None) -> list[Any]:
    """(report, key, currency, trainings, hours, cost): hours and cost in hundredths, cost None when no
    training of the group had one (then its currency is None too)."""
    statement = _grouping_sums if tx.dialect.name == "postgresql" else _sums
    return await tx.all(
        statement(team is not None),
        {"account_id": account_id, "first_day": first, "last_day": last, **team_params(team)},
    )


async def staff(tx: Tx, account_id: int, first: date, last: date, team: Team | None) -> list[Any]:
    """(department_id, headcount, trained) of the employees active in the year."""
    return await tx.all(
        _staff(team is not None),
        {"account_id": account_id, "first_day": first, "last_day": last, **team_params(team)},
    )


_YEARS = Query(
    select(
        func.min(RealizedTraining.session_ends_on).label("first"),
        func.max(RealizedTraining.session_ends_on).label("last"),
    ).where(RealizedTraining.account_id == ACCOUNT)
)


async def years(tx: Tx, account_id: int) -> tuple[date | None, date | None]:
    """The first and last days any realized training of the account ended (two index reads)."""
    row = await tx.one(_YEARS, {"account_id": account_id})
    return (row.first, row.last) if row is not None else (None, None)


# Names of the keys, for the few a year's reports show.
IDS = "ids"
_DEPARTMENTS = Query(
    select(Department.id, Department.name).where(Department.account_id == ACCOUNT, any_of(Department.id, IDS))
)
_CATEGORIES = Query(
    select(Category.id, Category.name, Category.name_translations).where(
        Category.account_id == ACCOUNT, any_of(Category.id, IDS)
    )
)
_PROVIDERS = Query(
    select(Provider.id, Provider.name).where(Provider.account_id == ACCOUNT, any_of(Provider.id, IDS))
)
_NAMES = {DEPARTMENT: _DEPARTMENTS, CATEGORY: _CATEGORIES, PROVIDER: _PROVIDERS}


async def names(tx: Tx, account_id: int, report: str, ids: list[int]) -> list[Any]:
    """(id, name[, name_translations]) of those departments, categories or providers."""
    if not ids:
        return []
    return await tx.all(_NAMES[report], {"account_id": account_id, IDS: ids})
