"""A year's reports on a small account, each number computed by hand (tests/reports/helpers.py), on both
databases: attended records only, by the year of their last day; costs per currency, never added across
currencies; the owner's department; the share of the employees active in the year who were trained."""

from __future__ import annotations

from typing import Any

import httpx

from talent_training.accounts.service import account_named
from talent_training.app import TalentTraining
from talent_training.directory import service as directory
from talent_training.reports import exporting
from talent_training.reports import service as reports
from talent_training.reports.service import Line, YearReports
from tests.conftest import ClientFactory
from tests.reports.helpers import MANAGER, SALES, SUPPORT, YEAR, seed


async def year_of(app: TalentTraining, year: int, team_of: int | None = None) -> YearReports:
    """The year's reports over the account, or over the team of the manager `team_of`."""
    async with app.database.read() as tx:
        account = await account_named(tx, "default")
        team = None if team_of is None else await directory.team(tx, account, team_of)
        return await reports.year_reports(tx, account, year, team)


def sums(line: Line) -> tuple[Any, ...]:
    return (line.name, line.trainings, line.hours, line.costs)


async def test_the_years_sums_by_month_department_category_and_provider(
    client: httpx.AsyncClient, app: TalentTraining
) -> None:
    ids = await seed(client, app)
    found = await year_of(app, YEAR)

    assert found.currencies == ["EUR", "USD"]
    # 7 + 3.5 + 2.25 + 4 + 1 hours; 100 + 20 + 10 EUR and 50.50 USD, never added together.
    assert (found.total.trainings, found.total.hours, found.total.costs) == (
        5,
        1775,
        {"EUR": 13000, "USD": 5050},
    )
    months = {line.key: (line.trainings, line.hours, line.costs) for line in found.lines["month"]}
    assert list(months) == list(range(1, 13))
    assert months[1] == (1, 700, {"EUR": 10000})
    assert months[2] == (1, 400, {"EUR": 2000})
    assert months[3] == (2, 575, {"USD": 5050})  # 2.25 hours without a cost: hours, no cost
    assert months[12] == (1, 100, {"EUR": 1000})
    assert all(months[m] == (0, 0, {}) for m in (4, 5, 6, 7, 8, 9, 10, 11))
    # Largest first; the owner unknown to the directory is under "no department" (None).
    assert [(line.key, *sums(line)) for line in found.lines["department"]] == [
        (SALES, "Sales", 3, 1275, {"EUR": 10000, "USD": 5050}),
        (SUPPORT, "Support", 1, 400, {"EUR": 2000}),
        (None, None, 1, 100, {"EUR": 1000}),
    ]
    assert [(line.key, *sums(line)) for line in found.lines["category"]] == [
        (ids["category"], "Safety", 3, 1025, {"EUR": 11000}),
        (None, None, 2, 750, {"EUR": 2000, "USD": 5050}),
    ]
    assert found.lines["category"][0].translations == {"Fr": "Sécurité"}
    assert [(line.key, *sums(line)) for line in found.lines["provider"]] == [
        (ids["provider"], "Acme", 3, 1025, {"EUR": 11000}),
        (None, None, 2, 750, {"EUR": 2000, "USD": 5050}),
    ]


async def test_the_share_of_staff_trained_counts_the_employees_active_in_the_year(
    client: httpx.AsyncClient, app: TalentTraining
) -> None:
    await seed(client, app)
    found = await year_of(app, YEAR)

    # Active in 2025: 100, 1, 2 (hired in June), 3 (left in March), 6 (no dates); not 4 (left the day
    # before), nor 5 (hired after). Trained: 1, 2, 3; not 6 (absent), nor 999 (not in the directory).
    assert (found.staff_total.headcount, found.staff_total.trained) == (5, 3)
    assert found.staff_total.share == 0.6
    assert [(s.department_id, s.name, s.headcount, s.trained) for s in found.staff] == [
        (SALES, "Sales", 3, 2),
        (None, None, 1, 0),
        (SUPPORT, "Support", 1, 1),
    ]
    before = await year_of(app, YEAR - 1)  # 100, 1, 3, 4, 6 active; 4 trained on the 31st of December
    assert (before.total.trainings, before.total.hours, before.total.costs) == (1, 500, {"EUR": 3000})
    assert (before.staff_total.headcount, before.staff_total.trained) == (5, 1)


async def test_a_team_s_reports_hold_only_its_people(client: httpx.AsyncClient, app: TalentTraining) -> None:
    await seed(client, app)
    found = await year_of(app, YEAR, MANAGER)  # 1 and 2

    assert (found.total.trainings, found.total.hours, found.total.costs) == (
        3,
        1275,
        {"EUR": 10000, "USD": 5050},
    )
    assert [line.key for line in found.lines["department"]] == [SALES]
    assert (found.staff_total.headcount, found.staff_total.trained) == (2, 2)
    nobody = await year_of(app, YEAR, 1)  # manages nobody
    assert (nobody.total.trainings, nobody.staff_total.headcount, nobody.currencies) == (0, 0, [])


async def test_on_a_database_of_their_own_the_statements_read_side_by_side_to_the_same_numbers(
    committed_app: TalentTraining, make_committed_client: ClientFactory
) -> None:
    # As in production: each year's two statements on a connection of their own (`Tx.at_once`), the sums in
    # a transaction with settings of their own on PostgreSQL (`Tx.tuned`). The tests above share one
    # connection, where they run one after the other.
    ids = await seed(await make_committed_client(), committed_app)
    found = await year_of(committed_app, YEAR)
    team = await year_of(committed_app, YEAR, MANAGER)

    assert (found.total.trainings, found.total.hours, found.total.costs) == (
        5,
        1775,
        {"EUR": 13000, "USD": 5050},
    )
    assert [(line.key, line.trainings) for line in found.lines["category"]] == [
        (ids["category"], 3),
        (None, 2),
    ]
    assert (found.staff_total.headcount, found.staff_total.trained) == (5, 3)
    assert (team.total.trainings, team.staff_total.headcount, team.staff_total.trained) == (3, 2, 2)
    assert committed_app.database.pool.in_use == 0  # every connection given back


async def test_a_year_without_records_is_all_zeros(client: httpx.AsyncClient, app: TalentTraining) -> None:
    await seed(client, app)
    found = await year_of(app, 2010)
    assert (found.total.trainings, found.total.hours, found.currencies) == (0, 0, [])
    assert [line.hours for line in found.lines["month"]] == [0] * 12
    assert found.lines["department"] == found.lines["category"] == found.lines["provider"] == []
    # Nobody was hired by then but 6, whose dates are unknown.
    assert (found.staff_total.headcount, found.staff_total.trained) == (1, 0)
    async with app.database.read() as tx:
        assert await reports.years_with_records(tx, await account_named(tx, "default")) == (2024, 2025)


def test_amounts_are_written_exactly() -> None:
    assert [exporting.decimal(n) for n in (0, 5, 50, 1205, 1250, 1200, 123456789)] == [
        "0", "0.05", "0.5", "12.05", "12.5", "12", "1234567.89"
    ]  # fmt: skip
    assert exporting.decimal(None) == ""
