"""An employee's history (training_demands/history.py), read directly, on both databases: scoped by account
and employee, the latest record per certifying training, absences not counted as hours; and the console's
certification status and hours as shown."""

from __future__ import annotations

from datetime import date

import httpx

from talent_training.accounts.service import account_named
from talent_training.app import TalentTraining
from talent_training.console.employees import certification_status, hours
from talent_training.kit.paging import PageRequest
from talent_training.training_demands import history
from tests.factories import create_realized_training, create_training
from tests.training_demands.helpers import put_employee


def test_a_certification_is_expired_after_its_day_and_expiring_within_90_days() -> None:
    on = date(2025, 6, 1)
    assert certification_status(None, on) == "valid"
    assert certification_status(date(2025, 5, 31), on) == "expired"
    assert certification_status(date(2025, 6, 1), on) == "expiring"  # valid on its expiry day
    assert certification_status(date(2025, 8, 30), on) == "expiring"  # 90 days on
    assert certification_status(date(2025, 8, 31), on) == "valid"


def test_hours_are_written_as_a_person_writes_them() -> None:
    assert [hours(h, "en") for h in (0, 1400, 250, 125, 5)] == ["0", "14", "2.5", "1.25", "0.05"]
    assert hours(250, "fr") == "2,5"


async def test_the_history_reads_one_employee_of_one_account(
    app: TalentTraining, client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    employee = await put_employee(client, id=77)
    await put_employee(stranger, id=77)  # the same HR id in another account
    certifying = await create_training(client, title="First aid", isCertifying=True)
    plain = await create_training(client, title="Excel")
    for ends_on, expires_on in (("2023-05-02", "2025-05-02"), ("2024-05-02", "2026-05-02")):
        await create_realized_training(
            client, certifying["id"], ownerId=77, sessionStartsOn=ends_on, sessionEndsOn=ends_on,
            expiresOn=expires_on, durationInHours=7,
        )  # fmt: skip
    await create_realized_training(
        client,
        plain["id"],
        ownerId=77,
        sessionStartsOn="2024-01-10",
        sessionEndsOn="2024-01-10",
        durationInHours=2.5,
    )
    await create_realized_training(client, plain["id"], ownerId=78)
    theirs = await create_training(stranger, isCertifying=True)
    await create_realized_training(stranger, theirs["id"], ownerId=77)

    async with app.database.read() as tx:
        account = await account_named(tx, "default")
        person = await history.profile(tx, account, 77)
        page = await history.timeline(tx, account, 77, PageRequest(limit=10))
        per_year = await history.hours_per_year(tx, account, 77)
        certifications = await history.certifications(tx, account, 77)
        demands, more = await history.pending_demands(tx, account, 77)
        nobody = await history.profile(tx, account, 79)
    assert person.last_name == employee["lastName"] and nobody is None
    assert [(row.title, row.session_ends_on) for row in page.items] == [
        ("First aid", date(2024, 5, 2)),
        ("Excel", date(2024, 1, 10)),
        ("First aid", date(2023, 5, 2)),
    ]
    assert [(row.year, row.hundredths, row.trainings) for row in per_year] == [(2024, 950, 2), (2023, 700, 1)]
    assert [(row.title, row.expires_on) for row in certifications] == [("First aid", date(2026, 5, 2))]
    assert (demands, more) == ([], False)
