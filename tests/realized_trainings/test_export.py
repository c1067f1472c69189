"""GET /v2/realized-trainings as a file (`Accept: text/csv` or XLSX): the import's columns, every record the
list's filters select, streamed."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from talent_training.db.database import Tx
from talent_training.db.errors import Unavailable
from talent_training.imports import REALIZED_TRAININGS, open_table
from tests.bulk.downloads import CSV, XLSX, csv_rows, xlsx_rows
from tests.directory.helpers import put_employee
from tests.factories import (
    REALIZED,
    assert_problem,
    create_category,
    create_provider,
    create_realized_training,
    create_training,
)
from tests.training_demands.helpers import SESSIONS, make_world, registered_demand

HEADERS = [column.english for column in REALIZED_TRAININGS]
TRICKY_TITLE = 'Safety; "first" steps,\nthen more'


@pytest.fixture
async def exporter(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return client


async def two_records(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """One of everything (a directory owner, a provider, a category, a cost, an expiry), one bare (its owner
    absent from the directory)."""
    await put_employee(client, 416, login="jdupont")
    provider = await create_provider(client, name="ACME; Training", websiteHref="https://acme.example/x")
    category = await create_category(client, name="Safety")
    training = await create_training(
        client,
        title=TRICKY_TITLE,
        type="Internal",
        level="Expert",
        isCertifying=True,
        providerId=provider["id"],
        categoryId=category["id"],
    )
    full = await create_realized_training(
        client,
        training["id"],
        ownerId=416,
        sessionStartsOn="2025-01-02",
        sessionEndsOn="2025-01-04",
        durationInHours=2.5,
        cost={"amount": 1250.5, "currency": "EUR"},
        expiresOn="2028-01-04",
    )
    plain = await create_training(client, title="Plain")
    bare = await create_realized_training(
        client, plain["id"], ownerId=9999, sessionStartsOn="2025-03-01", sessionEndsOn="2025-03-01"
    )
    return full, bare


def expected_rows(full: dict[str, Any], bare: dict[str, Any]) -> list[list[str]]:
    return [
        [
            "jdupont", "416", TRICKY_TITLE, str(full["trainingId"]), "Internal", "ACME; Training",
            "https://acme.example/x", "2025-01-02", "2025-01-04", "2.5", "true", "Safety", "Expert",
            "1250.5", "EUR", "2028-01-04", "true",
        ],
        [
            "", "9999", "Plain", str(bare["trainingId"]), "External", "", "", "2025-03-01", "2025-03-01",
            "14", "false", "", "Beginner", "", "", "", "true",
        ],
    ]  # fmt: skip


async def test_csv_is_the_import_format_utf8_with_bom_iso_dates_and_dot_decimals(
    exporter: httpx.AsyncClient,
) -> None:
    full, bare = await two_records(exporter)

    response = await exporter.get(REALIZED, headers={"Accept": CSV})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == f'attachment; filename="realized-trainings-{today}.csv"'
    assert response.headers["x-request-id"]
    assert response.headers["vary"] == "Accept"
    rows = csv_rows(response.content)
    assert rows[0] == HEADERS
    assert rows[1:] == expected_rows(full, bare)
    # RFC 4180: a value holding the separator, a quote or a line end is quoted, its quotes doubled.
    assert b'"Safety; ""first"" steps,\nthen more"' in response.content


async def test_the_csv_reads_back_through_the_importers_reader_unchanged(
    exporter: httpx.AsyncClient, tmp_path: Any
) -> None:
    full, bare = await two_records(exporter)
    path = tmp_path / "export.csv"
    path.write_bytes((await exporter.get(REALIZED, headers={"Accept": CSV})).content)

    with open_table(path, REALIZED_TRAININGS) as table:
        assert table.keys == {column.key for column in REALIZED_TRAININGS}
        values = [row.values for row in table.rows()]

    keys = [column.key for column in REALIZED_TRAININGS]
    assert values == [
        {key: value for key, value in zip(keys, row, strict=True) if value}
        for row in expected_rows(full, bare)
    ]


async def test_xlsx_has_the_same_rows_as_typed_cells(exporter: httpx.AsyncClient) -> None:
    full, bare = await two_records(exporter)

    response = await exporter.get(REALIZED, headers={"Accept": XLSX})

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    day = datetime.now(UTC).date().isoformat()
    assert response.headers["content-disposition"] == f'attachment; filename="realized-trainings-{day}.xlsx"'
    rows = xlsx_rows(response.content)
    assert list(rows[0]) == HEADERS
    assert rows[1] == (
        "jdupont", 416, TRICKY_TITLE, full["trainingId"], "Internal", "ACME; Training",
        "https://acme.example/x", datetime(2025, 1, 2), datetime(2025, 1, 4), 2.5, True, "Safety", "Expert",
        1250.5, "EUR", datetime(2028, 1, 4), True,
    )  # fmt: skip
    assert rows[2] == (
        None, 9999, "Plain", bare["trainingId"], "External", None, None, datetime(2025, 3, 1),
        datetime(2025, 3, 1), 14, False, None, "Beginner", None, None, None, True,
    )  # fmt: skip


def exported_keys(content: bytes) -> list[tuple[int, int, str]]:
    """(ownerId, trainingId, End date): what identifies a record (its unique constraint)."""
    rows = csv_rows(content)
    owner, training, end = (rows[0].index(name) for name in ("ownerId", "trainingId", "End date"))
    return [(int(row[owner]), int(row[training]), row[end]) for row in rows[1:]]


async def listed_keys(client: httpx.AsyncClient, params: dict[str, Any]) -> list[tuple[int, int, str]]:
    response = await client.get(REALIZED, params={**params, "limit": 100})
    assert response.status_code == 200
    return [(i["ownerId"], i["trainingId"], i["sessionEndsOn"]) for i in response.json()["items"]]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ownerIds": "1,3"},
        {"trainingId": "{second}"},
        {"hasAttended": "false"},
        {"hasAttended": "true", "sessionEndOnAfter": "2025-01-02"},
        {"sessionEndOnBefore": "2025-01-03", "ownerIds": "1,2"},
    ],
)
async def test_an_export_selects_what_the_list_selects_in_its_order(
    exporter: httpx.AsyncClient, params: dict[str, str]
) -> None:
    first, second = await create_training(exporter), await create_training(exporter)
    for owner in (1, 2, 3):
        for day, training in enumerate((first, second, first), start=1):
            await create_realized_training(
                exporter, training["id"], ownerId=owner, sessionStartsOn=f"2025-01-0{day}",
                sessionEndsOn=f"2025-01-0{day}",
            )  # fmt: skip
    world = await make_world(exporter)
    absent = await registered_demand(exporter, world)
    sheet = {"items": [{"demandId": absent["id"], "hasAttended": False}]}
    attendance = f"{SESSIONS}/{world.session['id']}/attendance"
    assert (await exporter.post(attendance, json=sheet)).status_code == 200
    params = {name: value.format(second=second["id"]) for name, value in params.items()}

    response = await exporter.get(REALIZED, params=params, headers={"Accept": CSV})

    assert response.status_code == 200
    exported = exported_keys(response.content)
    assert exported == await listed_keys(exporter, params)
    assert exported  # each case selects something


async def test_paging_parameters_do_not_apply_to_an_export(exporter: httpx.AsyncClient) -> None:
    training = await create_training(exporter)
    for owner in (1, 2, 3):
        await create_realized_training(exporter, training["id"], ownerId=owner)

    response = await exporter.get(REALIZED, params={"limit": 1, "page": 1}, headers={"Accept": CSV})

    assert [owner for owner, _, _ in exported_keys(response.content)] == [1, 2, 3]


async def test_another_accounts_records_are_not_exported(
    exporter: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    training = await create_training(stranger)
    await create_realized_training(stranger, training["id"])

    rows = csv_rows((await exporter.get(REALIZED, headers={"Accept": CSV})).content)

    assert rows == [HEADERS]


@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("text/html", "application/json"),  # nothing offered is acceptable: JSON, as always (not a 406)
        ("text/csv;q=0.5, application/json", "application/json"),
        ("text/csv, application/json", "application/json"),  # a tie: JSON
        ("text/csv;q=0, */*", "application/json"),
        ("text/csv", CSV),
        ("TEXT/CSV; charset=utf-8", CSV),
        ("text/*", CSV),
        ("application/json;q=0.1, text/csv", CSV),
        (f"text/csv;q=0.4, {XLSX};q=0.8", XLSX),
        (f"application/*;q=0.9, {XLSX}", XLSX),
    ],
)
async def test_accept_chooses_the_answer_and_json_stays_the_default(
    exporter: httpx.AsyncClient, accept: str | None, answer: str
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    if accept is None:
        exporter.headers.pop("Accept", None)  # httpx sends */* by itself otherwise

    response = await exporter.get(REALIZED, headers=headers)

    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == answer
    assert response.headers["vary"] == "Accept"
    if answer == "application/json":
        assert response.json()["items"] == []


@pytest.mark.parametrize("accept", [CSV, XLSX])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"ownerIds": "x"}, "ownerIds"),
        ({"hasAttended": "yes"}, "hasAttended"),
        ({"sessionEndOnBefore": "04/01/2025"}, "sessionEndOnBefore"),
        ({"trainingId": ""}, "trainingId"),
    ],
)
async def test_a_bad_filter_is_a_400_problem_whatever_the_accept(
    exporter: httpx.AsyncClient, accept: str, params: dict[str, str], field: str
) -> None:
    response = await exporter.get(REALIZED, params=params, headers={"Accept": accept})

    assert_problem(response, 400, field)
    assert response.headers["x-request-id"]


async def test_a_database_failure_before_the_first_byte_is_a_503_problem(
    exporter: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(*_: Any, **__: Any) -> AsyncIterator[list[Any]]:
        raise Unavailable("the connection was refused")
        yield []  # an async generator, as Tx.stream is

    monkeypatch.setattr(Tx, "stream", unavailable)

    response = await exporter.get(REALIZED, headers={"Accept": CSV})

    assert_problem(response, 503)
    assert response.headers["retry-after"] == "1"
    assert "content-disposition" not in response.headers


async def test_head_answers_the_headers_of_the_file(exporter: httpx.AsyncClient) -> None:
    training = await create_training(exporter)
    await create_realized_training(exporter, training["id"])

    response = await exporter.head(REALIZED, headers={"Accept": CSV})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.content == b""


async def test_a_read_key_may_export(reader: httpx.AsyncClient, exporter: httpx.AsyncClient) -> None:
    training = await create_training(exporter)
    await create_realized_training(exporter, training["id"], sessionEndsOn="2025-01-04")

    response = await reader.get(REALIZED, headers={"Accept": CSV})

    assert response.status_code == 200
    assert exported_keys(response.content) == [(416, training["id"], date(2025, 1, 4).isoformat())]


async def test_a_failure_after_the_first_byte_cuts_the_stream_and_is_logged(
    exporter: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    training = await create_training(exporter)
    await create_realized_training(exporter, training["id"])
    stream = Tx.stream

    async def dies_after_a_batch(self: Tx, *args: Any, **kwargs: Any) -> AsyncIterator[list[Any]]:
        async for batch in stream(self, *args, **kwargs):
            yield batch
        raise Unavailable("the connection was lost")

    monkeypatch.setattr(Tx, "stream", dies_after_a_batch)

    with pytest.raises(Unavailable):  # the server cuts the connection: never a complete-looking file
        await exporter.get(REALIZED, headers={"Accept": CSV, "X-Request-Id": "cut-export"})

    cut = [r for r in caplog.records if r.getMessage() == "the download was cut before its end"]
    assert [getattr(r, "request_id", None) for r in cut] == ["cut-export"]


async def test_the_streamed_answer_has_its_access_line_and_request_id(
    exporter: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="talent_training.access"):
        response = await exporter.get(REALIZED, headers={"Accept": CSV, "X-Request-Id": "an-export"})

    assert response.headers["x-request-id"] == "an-export"
    [line] = [r for r in caplog.records if r.name == "talent_training.access"]
    assert (getattr(line, "status", None), getattr(line, "route", None)) == (200, REALIZED)
    assert getattr(line, "request_id", None) == "an-export"
