"""A year's reports, in the words of issue 12, and the decisions it left open:

- **What counts**: realized trainings whose owner attended (`hasAttended` true), by the year of their last
  day (`sessionEndsOn`, as the API's date filters). A record of an absence took no hours and is left out.
- **Hours** are summed exactly, in hundredths. **Costs** are summed per currency and never added across
  currencies (no exchange rates here); a training without a cost adds hours, not cost.
- **Department** is the owner's department in the directory today (the directory keeps no history); an owner
  the directory does not know, or without a department, is under "no department". Category and provider
  are the training's (today's, the catalog's).
- **Share of staff trained** = employees active in the year who have at least one attended realized training
  ending in it / employees active in the year. Active: hired on or before the year's last day and not left
  before its first (an unknown date does not exclude). Both counts are of the directory's employees, so an
  owner unknown to the directory is in the hours, not in the share.
- A manager's reports are their team's (every number, the share's included); HR and auditors see the account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from talent_training.db.database import Tx
from talent_training.directory.repository import Team
from talent_training.reports import repository
from talent_training.reports.repository import CATEGORY, DEPARTMENT, MONTH, PROVIDER, TRAINING

REPORTS = (MONTH, DEPARTMENT, CATEGORY, PROVIDER)
FIRST_YEAR, LAST_YEAR = 1900, 2999  # a year the reports accept (dates of the API are within these)


@dataclass
class Line:
    """One line of a report: its key (a month 1-12, an id, or None for "none"), what the directory or the
    catalog names it, and its sums. Hours and costs are hundredths; costs by currency."""

    key: int | None
    name: str | None = None
    translations: dict[str, Any] | None = None  # a category's names by language
    trainings: int = 0
    hours: int = 0
    costs: dict[str, int] = field(default_factory=dict)

    def add(self, currency: str | None, trainings: int, hours: int, cost: int | None) -> None:
        self.trainings += trainings
        self.hours += hours
        if currency is not None and cost is not None:
            self.costs[currency] = self.costs.get(currency, 0) + cost


@dataclass
class StaffLine:
    department_id: int | None
    name: str | None
    headcount: int = 0
    trained: int = 0

    @property
    def share(self) -> float | None:
        """Trained / headcount, 0 to 1; None when nobody was active."""
        return self.trained / self.headcount if self.headcount else None


@dataclass
class YearReports:
    year: int
    currencies: list[str]  # every currency of the year's costs, sorted
    total: Line
    lines: dict[str, list[Line]]  # by report: months 1-12 in order; the others by hours, largest first
    staff: list[StaffLine]  # by department, largest headcount first
    staff_total: StaffLine


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


async def year_reports(tx: Tx, account_id: int, year: int, team: Team | None) -> YearReports:
    """Every report of the year, over the account or over a manager's team."""
    first, last = year_bounds(year)
    found: dict[str, dict[int | None, Line]] = {report: {} for report in REPORTS}
    total = Line(None)
    currencies: set[str] = set()
    by_training = []
    # The two statements that read the year side by side, on two connections when the pool has them free.
    summed, staff_rows = await tx.at_once(
        lambda tx: repository.sums(tx, account_id, first, last, team),
        lambda tx: repository.staff(tx, account_id, first, last, team),
    )
    for row in summed:
        if row.report == TRAINING:
            by_training.append(row)
            continue
        _add(found[row.report], row.key, row)
        if row.report == MONTH:
            total.add(row.currency, row.trainings, row.hours, row.cost)
        if row.currency is not None:
            currencies.add(row.currency)
    # A training's sums are its category's and its provider's (both as the catalog has them today).
    trainings = await repository.training_keys(tx, account_id, sorted({row.key for row in by_training}))
    keys = {training.id: (training.category_id, training.provider_id) for training in trainings}
    for row in by_training:
        category_id, provider_id = keys.get(row.key, (None, None))  # (trainings are never deleted)
        _add(found[CATEGORY], category_id, row)
        _add(found[PROVIDER], provider_id, row)
    department_ids = {row.department_id for row in staff_rows} | set(found[DEPARTMENT])
    department_names = await _named(tx, account_id, DEPARTMENT, department_ids)
    staff = [
        StaffLine(row.department_id, department_names.get(row.department_id), row.headcount, row.trained)
        for row in staff_rows
    ]
    staff.sort(key=lambda line: (-line.headcount, line.name or "", line.department_id or 0))
    staff_total = StaffLine(None, None, sum(s.headcount for s in staff), sum(s.trained for s in staff))
    lines = {MONTH: [found[MONTH].get(month) or Line(month) for month in range(1, 13)]}
    for report in (DEPARTMENT, CATEGORY, PROVIDER):
        named = (
            department_names
            if report == DEPARTMENT
            else await _named(tx, account_id, report, set(found[report]))
        )
        for line in found[report].values():
            if line.key is not None:
                name = named.get(line.key)
                line.name, line.translations = name if isinstance(name, tuple) else (name, None)
        lines[report] = sorted(found[report].values(), key=_largest_first)
    return YearReports(year, sorted(currencies), total, lines, staff, staff_total)


def _add(keyed: dict[int | None, Line], key: int | None, row: Any) -> None:
    line = keyed.get(key) or keyed.setdefault(key, Line(key))
    line.add(row.currency, row.trainings, row.hours, row.cost)


def _largest_first(line: Line) -> tuple[int, bool, str, int]:
    return (-line.hours, line.key is None, line.name or "", line.key or 0)


async def _named(tx: Tx, account_id: int, report: str, ids: set[int | None]) -> dict[int | None, Any]:
    """The names of those ids: a department's or provider's name; a category's (name, translations)."""
    rows = await repository.names(tx, account_id, report, sorted(i for i in ids if i is not None))
    if report == CATEGORY:
        return {row.id: (row.name, row.name_translations) for row in rows}
    return {row.id: row.name for row in rows}


async def years_with_records(tx: Tx, account_id: int) -> tuple[int, int] | None:
    """The first and last years a realized training of the account ended in, or None."""
    first, last = await repository.years(tx, account_id)
    if first is None or last is None:
        return None
    return first.year, last.year
