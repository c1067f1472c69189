"""An export re-imports unchanged (issue 11): its columns are the import's, its values written as the import
reads them. Through HTTP, as an integrator moving data between accounts would, on both databases."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.bulk.downloads import CSV, XLSX
from tests.bulk.import_helpers import EMPLOYEES_IMPORT, REALIZED_IMPORT
from tests.directory.helpers import EMPLOYEES, put_department, put_employee, put_establishment
from tests.factories import (
    REALIZED,
    create_category,
    create_provider,
    create_realized_training,
    create_training,
)


async def directory(client: httpx.AsyncClient) -> None:
    """A small company: a department and an establishment, a manager listed after her reports, names with
    accents, separators and quotes, one who has left."""
    await put_department(client, 3, name='R&D; "labs"')
    await put_establishment(client, 5, name="Lyon, Part-Dieu")
    await put_employee(client, 20, login="rlucas", firstName="Rémi", lastName="Lucas", managerId=None)
    for employee, login in ((10, "jdoe"), (11, "émilie.brontë")):
        await put_employee(
            client, employee, login=login, firstName="Zoë", lastName="D'Arcy; \"Jr\"",
            email=f"{employee}@hr.example",
            departmentId=3, establishmentId=5, managerId=20, hiredOn="2019-09-02",
        )  # fmt: skip
    await put_employee(
        client, 12, login="gone", firstName="Ann", lastName="Left", hiredOn="2015-01-05", leftOn="2024-12-31"
    )


async def records(client: httpx.AsyncClient) -> None:
    provider = await create_provider(client, name="Croix-Rouge", websiteHref="https://croix-rouge.example")
    category = await create_category(client, name="Sécurité")
    certifying = await create_training(
        client, title="Premiers secours, niveau 1", providerId=provider["id"], categoryId=category["id"],
        isCertifying=True, level="Expert",
    )  # fmt: skip
    bare = await create_training(client, title="Excel")
    await create_realized_training(
        client, certifying["id"], ownerId=10, sessionStartsOn="2025-01-30", sessionEndsOn="2025-01-31",
        durationInHours=10.5, cost={"amount": 1234.5, "currency": "EUR"}, expiresOn="2028-01-31",
    )  # fmt: skip
    await create_realized_training(client, bare["id"], ownerId=11, durationInHours=0.25)
    await create_realized_training(client, bare["id"], ownerId=99)  # an owner outside the directory


async def download(client: httpx.AsyncClient, path: str, media_type: str) -> bytes:
    response = await client.get(path, headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    return response.content


async def test_an_employees_export_imports_into_another_account_unchanged(
    client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    await directory(client)
    exported = await download(client, EMPLOYEES, CSV)

    imported = await stranger.post(EMPLOYEES_IMPORT, content=exported, headers={"Content-Type": CSV})

    assert imported.status_code == 200, imported.text
    assert imported.json()["recorded"] == 4
    assert await download(stranger, EMPLOYEES, CSV) == exported  # the same people, byte for byte
    theirs = (await stranger.get(f"{EMPLOYEES}/10")).json()
    ours = (await client.get(f"{EMPLOYEES}/10")).json()
    units = ("departmentId", "establishmentId")  # files name units: the other account's have ids of their own
    assert {k: v for k, v in theirs.items() if k not in units} == {
        k: v for k, v in ours.items() if k not in units
    }


@pytest.mark.parametrize("media_type", [CSV, XLSX])
async def test_an_employees_export_imported_again_changes_nothing(
    client: httpx.AsyncClient, media_type: str
) -> None:
    await directory(client)
    exported = await download(client, EMPLOYEES, media_type)

    again = await client.post(EMPLOYEES_IMPORT, content=exported, headers={"Content-Type": media_type})

    assert again.status_code == 200, again.text
    assert again.json()["created"]["unchanged"] == 4


@pytest.mark.parametrize("media_type", [CSV, XLSX])
async def test_a_realized_trainings_export_reads_back_as_the_same_records(
    client: httpx.AsyncClient, media_type: str
) -> None:
    """Imported again into its account, every row is valid and names a record already there: the file says
    exactly what was recorded (employee, training, dates, hours, cost, expiry), nothing lost or misread."""
    await directory(client)
    await records(client)
    exported = await download(client, REALIZED, media_type)

    again = await client.post(
        REALIZED_IMPORT, content=exported, headers={"Content-Type": media_type}, params={"dryRun": "true"}
    )

    assert again.status_code == 409, again.text  # refused for duplicates alone
    report: dict[str, Any] = again.json()["report"]
    assert report["rows"] == 3
    assert report["problemCount"] == 3
    assert {problem["kind"] for problem in report["problems"]} == {"duplicate"}
