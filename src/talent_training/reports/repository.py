"""The reports' statements. A year's numbers are two statements, whatever the account's size:

- `_sums`: the year's attended realized trainings, summed three ways, each by currency: by month of the last
  day, by the owner's department (the directory's, today) and by training (PostgreSQL: GROUPING SETS, one
  pass; SQLite, which has none: the rows once in a CTE, three GROUP BYs in a UNION ALL). One result row per
  (report, key, currency): tens to a few thousand rows. The sums by category and by provider are the
  trainings' sums added up (`training_keys` names each training's category and provider): joining the
  trainings to each of the year's rows cost a fifth of the statement.
- `_staff`: the directory's employees active in the year (hired on or before its last day, not left before
  its first; no date known counts as active), by department, and how many of them have at least one
  attended realized training ending in the year.

A manager's reports are the same statements held to their team: the employees below them in the chains of
command, each row checked against the team read once into a hash table (directory's `team_checked`):
the year's rows are read in full either way, at the same cost however many people the team has.
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
from talent_training.directory.repository import Team, team_checked, team_params
from talent_training.directory.tables import Department, Employee
from talent_training.realized_trainings.tables import RealizedTraining

ACCOUNT = bindparam("account_id", type_=Integer)
FIRST = bindparam("first_day", type_=Date)
LAST = bindparam("last_day", type_=Date)

# The reports and the key each is summed by; TRAINING's sums make CATEGORY's and PROVIDER's.
MONTH, DEPARTMENT, CATEGORY, PROVIDER, TRAINING = "month", "department", "category", "provider", "training"


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
        found.append(team_checked(RealizedTraining.owner_id))
    return found


def _year_rows(team: bool) -> Any:
    """The year's records with what they are summed by: the month of the last day, the owner's department,
    the training."""
    return (
        select(
            cast(extract("month", RealizedTraining.session_ends_on), Integer).label("month"),
            Employee.department_id,
            RealizedTraining.training_id,
            RealizedTraining.cost_currency.label("currency"),
            RealizedTraining.duration_hundredths.label("hours"),
            RealizedTraining.cost_hundredths.label("cost"),
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
    """SQLite: the year's rows once (a CTE), summed three ways (UNION ALL)."""
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
        by(TRAINING, done.c.training_id),
    ).subquery("sums")
    return Query(
        select(parts.c.report, parts.c.key, parts.c.currency, parts.c.trainings, parts.c.hours, parts.c.cost)
    )


@cache
def _grouping_sums(team: bool) -> Query:
    """PostgreSQL: the same sums in one pass over the index (GROUPING SETS: PostgreSQL mixes hash tables and
    sorts, which spill to disk at the default `work_mem`, docs/operations.md); GROUPING() says which report a
    row belongs to, one bit per key, 1 when not grouped by it: 011 the month's, 101 the department's, 110
    the training's."""
    rows = _year_rows(team).subquery("done")
    keys = (rows.c.month, rows.c.department_id, rows.c.training_id)
    which = func.grouping(*keys)
    reports = ((0b011, MONTH), (0b101, DEPARTMENT), (0b110, TRAINING))
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
    """Each active employee (of the team) joined to the year's owners, each once (of the whole account's year:
    the employees joined are the team's already). A join rather than a lookup in a hash table, which was
    faster (28 ms rather than 41 for the benchmark's account) but becomes a scan of the year's owners per
    employee once they no longer fit in memory: this statement runs beside the sums, which take longer."""
    owners = select(RealizedTraining.owner_id).where(*_attended_in_year(False))
    trained = owners.distinct().subquery("trained")
    active = [
        Employee.account_id == ACCOUNT,
        or_(Employee.hired_on.is_(None), Employee.hired_on <= LAST),
        or_(Employee.left_on.is_(None), Employee.left_on >= FIRST),
    ]
    if team:
        active.append(team_checked(Employee.id))
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


# PostgreSQL groups the year's rows in hash tables when it has the memory for them, and spills sorts to disk
# at its default `work_mem` (4 MB); it reads a team into a hash table (`team_checked`) only when it fits (a
# team of about 2 million people at 32 MB, 260,000 at 4 MB: past that, a scan of the team per row); and a
# prepared statement's generic plan, which cannot know the dates it is given, takes a year for a few
# thousand rows: 81,000 owners then found one by one in the employees' index. Both statements run with more.
_SUMMING = {"work_mem": "32MB", "plan_cache_mode": "force_custom_plan"}


async def sums(tx: Tx, account_id: int, first: date, last: date, team: Team | None) -> list[Any]:
    """(report, key, currency, trainings, hours, cost) of MONTH, DEPARTMENT and TRAINING: hours and cost in
    hundredths, cost None when no training of the group had one (then its currency is None too)."""
    statement = _grouping_sums if tx.dialect.name == "postgresql" else _sums
    async with tx.tuned(_SUMMING):
        return await tx.all(
            statement(team is not None),
            {"account_id": account_id, "first_day": first, "last_day": last, **team_params(team)},
        )


async def staff(tx: Tx, account_id: int, first: date, last: date, team: Team | None) -> list[Any]:
    """(department_id, headcount, trained) of the employees active in the year."""
    async with tx.tuned(_SUMMING):
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
_TRAINING_KEYS = Query(
    select(Training.id, Training.category_id, Training.provider_id).where(
        Training.account_id == ACCOUNT, any_of(Training.id, IDS)
    )
)
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


async def training_keys(tx: Tx, account_id: int, ids: list[int]) -> list[Any]:
    """(id, category_id, provider_id) of those trainings: what their sums add to."""
    return await tx.all(_TRAINING_KEYS, {"account_id": account_id, IDS: ids}) if ids else []


async def names(tx: Tx, account_id: int, report: str, ids: list[int]) -> list[Any]:
    """(id, name[, name_translations]) of those departments, categories or providers."""
    if not ids:
        return []
    return await tx.all(_NAMES[report], {"account_id": account_id, IDS: ids})
