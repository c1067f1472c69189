"""Imports over HTTP, answered during the request: the file as the body or a form's part, the report as the
answer (200), or inside the refusal (400, 409); parameters, media types and the size limit; on both
databases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from talent_training.settings import Settings
from tests.bulk.import_helpers import (
    CSV,
    EMPLOYEES_IMPORT,
    LIMIT,
    REALIZED_IMPORT,
    ROWS,
    XLSX,
    csv_bytes,
    directory,
    import_settings,
    recorded,
    xlsx_bytes,
)
from tests.conftest import Databases
from tests.directory.helpers import EMPLOYEES
from tests.factories import PREFIX, assert_problem

RECORDED = [(416, "2025-01-31"), (417, "2025-03-04")]


@pytest.fixture
def settings(databases: Databases) -> Settings:
    return import_settings(databases.work_url)


@pytest.fixture
async def training(client: httpx.AsyncClient) -> dict[str, Any]:
    return await directory(client)


async def post(
    client: httpx.AsyncClient, data: bytes, media_type: str = CSV, path: str = REALIZED_IMPORT, **kw: Any
) -> httpx.Response:
    headers = {"Content-Type": media_type, **kw.pop("headers", {})}
    return await client.post(path, content=data, headers=headers, **kw)


def key_actor(client: httpx.AsyncClient) -> str:
    """The audit trail's name for the client's key: `key:<prefix>` of `tt_<prefix>_<secret>`."""
    token = client.headers["Authorization"].removeprefix("lucca application=")
    return "key:" + token.split("_")[1]


# Recorded during the request --------------------------------------------------------------------------------


@pytest.mark.usefixtures("training")
async def test_a_small_file_is_recorded_during_the_request_by_the_key(client: httpx.AsyncClient) -> None:
    response = await post(client, csv_bytes())

    assert response.status_code == 200, response.text
    report = response.json()
    assert report == {
        "kind": "realized-trainings",
        "dryRun": False,
        "rows": 2,
        "recorded": 2,
        "created": {},
        "problemCount": 0,
        "problems": [],
    }
    assert await recorded(client) == RECORDED
    events = await client.get(f"{PREFIX}/v1/audit-events", params={"actor": key_actor(client)})
    assert events.status_code == 200
    assert "realized-training-import" in {event["resourceType"] for event in events.json()["items"]}


@pytest.mark.usefixtures("training")
async def test_a_dry_run_checks_and_records_nothing(client: httpx.AsyncClient) -> None:
    response = await post(client, csv_bytes(), params={"dryRun": "true"})

    assert response.status_code == 200, response.text
    assert response.json()["dryRun"] is True
    assert (response.json()["rows"], response.json()["recorded"]) == (2, 0)
    assert await recorded(client) == []


@pytest.mark.usefixtures("training")
async def test_a_file_with_a_bad_row_is_refused_whole_with_its_report(client: httpx.AsyncClient) -> None:
    rows = [ROWS[0], [*ROWS[1][:4], "-3"]]

    response = await post(client, csv_bytes(rows))

    body = assert_problem(response, 400, "Duration (hours)")
    assert body["errors"]["Duration (hours)"][0].startswith("row 3: ")
    report = body["report"]
    assert (report["rows"], report["recorded"], report["problemCount"]) == (2, 0, 1)
    [problem] = report["problems"]
    assert (problem["row"], problem["column"], problem["value"], problem["kind"]) == (
        3,
        "Duration (hours)",
        "-3",
        "invalid",
    )
    assert await recorded(client) == []


@pytest.mark.usefixtures("training")
async def test_a_file_refused_as_a_whole_names_the_file(client: httpx.AsyncClient) -> None:
    response = await post(client, b"Employee login,Trainnig title\r\njdoe,First aid\r\n")

    body = assert_problem(response, 400, "Trainnig title")
    assert body["report"]["problemCount"] >= 1
    empty = assert_problem(await post(client, b""), 400, "file")
    assert empty["report"]["rows"] == 0


@pytest.mark.usefixtures("training")
async def test_a_file_whose_only_problems_are_duplicates_is_409(client: httpx.AsyncClient) -> None:
    assert (await post(client, csv_bytes())).status_code == 200

    response = await post(client, csv_bytes())

    body = assert_problem(response, 409)
    assert "repeat" in body["detail"]
    assert body["report"]["problemCount"] == 2
    assert {problem["kind"] for problem in body["report"]["problems"]} == {"duplicate"}
    assert await recorded(client) == RECORDED


@pytest.mark.usefixtures("training")
async def test_duplicates_among_other_problems_are_400(client: httpx.AsyncClient) -> None:
    rows = [ROWS[0], ROWS[0], [*ROWS[1][:4], "x"]]

    assert_problem(await post(client, csv_bytes(rows)), 400, "Duration (hours)")


# The file as sent -------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("training")
async def test_a_form_upload_as_a_browser_sends_it(client: httpx.AsyncClient) -> None:
    files = {"file": ("trainings.csv", csv_bytes(), "application/vnd.ms-excel")}

    response = await client.post(REALIZED_IMPORT, files=files, data={"note": "ignored"})

    assert response.status_code == 200, response.text
    assert response.json()["recorded"] == 2
    assert await recorded(client) == RECORDED


@pytest.mark.usefixtures("training")
async def test_a_form_without_its_file_part_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(REALIZED_IMPORT, files={"upload": ("x.csv", csv_bytes(), CSV)})

    assert_problem(response, 400, "file")
    broken = await post(client, b"--nope\r\n", "multipart/form-data; boundary=b")
    assert_problem(broken, 400, "body")


@pytest.mark.usefixtures("training")
@pytest.mark.parametrize("media_type", [XLSX, "application/octet-stream"])
async def test_a_raw_xlsx_file(client: httpx.AsyncClient, media_type: str) -> None:
    response = await post(client, xlsx_bytes(), media_type)

    assert response.status_code == 200, response.text
    assert await recorded(client) == RECORDED


@pytest.mark.usefixtures("training")
async def test_format_encoding_and_separator_say_how_to_read_the_file(client: httpx.AsyncClient) -> None:
    french = (
        "Identifiant du collaborateur;Intitulé de la formation;Date de début;Date de fin;Durée (heures)\r\n"
    )
    data = (french + "jdoe;First aid;2025-01-30;2025-01-31;14\r\n").encode("cp1252")
    # Read as CSV, not detected: refused at its header, since a zip signature is no CSV header.
    assert_problem(await post(client, xlsx_bytes(), params={"format": "csv"}), 400)
    refused = await post(client, data, params={"separator": ","})  # one column, whose name is the header
    assert_problem(refused, 400)

    response = await post(
        client, data, params={"encoding": "windows-1252", "separator": ";", "format": "CSV"}
    )

    assert response.status_code == 200, response.text
    assert await recorded(client) == [(416, "2025-01-31")]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("dryRun", "yes"),
        ("createMissing", "1"),
        ("format", "xls"),
        ("encoding", "rot13"),
        ("encoding", "no-such-encoding"),
        ("encoding", "utf-8\x00"),  # a name no codec could have (the fuzzer found it a 500)
        ("separator", "|"),
        ("separator", ""),
    ],
)
async def test_a_bad_parameter_is_400_naming_it(
    client: httpx.AsyncClient, parameter: str, value: str
) -> None:
    assert_problem(await post(client, csv_bytes(), params={parameter: value}), 400, parameter)


async def test_create_missing_is_not_a_parameter_of_employees(client: httpx.AsyncClient) -> None:
    data = b"id,login,firstName,lastName\r\n501,pdurand,Paul,Durand\r\n"

    response = await post(client, data, path=EMPLOYEES_IMPORT, params={"createMissing": "nonsense"})

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("media_type", [None, "application/json", "text/plain"])
async def test_a_body_that_is_no_file_is_415(client: httpx.AsyncClient, media_type: str | None) -> None:
    headers = {"Content-Type": media_type} if media_type else {}

    response = await client.post(REALIZED_IMPORT, content=csv_bytes(), headers=headers)

    assert_problem(response, 415)


async def test_a_body_over_the_upload_limit_is_413(client: httpx.AsyncClient) -> None:
    too_large = csv_bytes() + b"\r\n" * (LIMIT // 2)

    assert_problem(await post(client, too_large), 413)

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        for _ in range(LIMIT // 1024 + 1):
            yield b"\r\n" * 512

    assert_problem(await post(client, streamed()), 413)  # type: ignore[arg-type]
    form = await client.post(REALIZED_IMPORT, files={"file": ("big.csv", too_large, CSV)})
    assert_problem(form, 413)
    assert await recorded(client) == []


async def test_the_upload_limit_is_its_own_not_the_json_one(client: httpx.AsyncClient) -> None:
    above_json_limit = csv_bytes() + b"\r\n" * 3000  # 6 kB: over a JSON body limit of 4 kB, under INLINE

    response = await post(client, above_json_limit, path=EMPLOYEES_IMPORT)

    assert_problem(response, 400)  # read, and refused for its columns: not 413
    assert response.json()["report"]["kind"] == "employees"


async def test_a_read_key_may_not_import(reader: httpx.AsyncClient) -> None:
    assert_problem(await post(reader, csv_bytes()), 403)
    assert_problem(await post(reader, csv_bytes(), path=EMPLOYEES_IMPORT), 403)


async def test_employees_are_created_from_a_file(client: httpx.AsyncClient) -> None:
    data = (
        b"id,login,firstName,lastName,department,managerLogin\r\n"
        b"501,pdurand,Paul,Durand,Sales,\r\n"
        b"502,mleroy,Marie,Leroy,Sales,pdurand\r\n"
    )

    response = await post(client, data, path=EMPLOYEES_IMPORT)

    assert response.status_code == 200, response.text
    assert (response.json()["kind"], response.json()["recorded"]) == ("employees", 2)
    employee = (await client.get(f"{EMPLOYEES}/502")).json()
    assert (employee["login"], employee["manager"]["id"]) == ("mleroy", 501)


# Idempotency-Key: the file's bytes are the request's body ---------------------------------------------------


@pytest.mark.usefixtures("training")
async def test_the_same_key_and_file_replay_the_first_answer(client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "import-2025-01"}
    first = await post(client, csv_bytes(), headers=key)
    assert first.status_code == 200, first.text

    again = await client.post(REALIZED_IMPORT, files={"file": ("same.csv", csv_bytes(), CSV)}, headers=key)

    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert await recorded(client) == RECORDED
    other = await post(client, csv_bytes(ROWS[:1]), headers=key)
    assert_problem(other, 422)


@pytest.mark.usefixtures("training")
async def test_a_keyed_refusal_is_replayed_too(client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": "bad-file"}
    first = await post(client, csv_bytes([[*ROWS[0][:4], "0"]]), headers=key)
    assert_problem(first, 400, "Duration (hours)")

    again = await post(client, csv_bytes([[*ROWS[0][:4], "0"]]), headers=key)

    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (400, "true")
    assert again.content == first.content


async def test_a_keyed_upload_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    too_large = b"\r\n" * (LIMIT // 2 + 1)

    assert_problem(await post(client, too_large, headers={"Idempotency-Key": "big"}), 413)
