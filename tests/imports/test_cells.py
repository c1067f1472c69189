"""Cell parsers: every accepted form gives the exact value, every refused one a message saying why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from talent_training.imports.cells import (
    CURRENCIES,
    CellError,
    parse_bool,
    parse_currency,
    parse_date,
    parse_decimal,
    parse_id,
    parse_level,
    parse_text,
    parse_type,
    parse_url,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/15/2025", date(2025, 3, 15)),  # Lucca's template: month first
        ("3/5/2025", date(2025, 3, 5)),  # as Excel shows US dates
        ("12/31/2024", date(2024, 12, 31)),
        ("02/29/2024", date(2024, 2, 29)),
        ("2025-03-15", date(2025, 3, 15)),
        ("2024-02-29", date(2024, 2, 29)),
    ],
)
def test_dates_are_read_month_first_or_iso(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["02/30/2025", "13/01/2025", "15/03/2025", "2025-02-30", "2023-02-29", "0000-01-01"]
)
def test_a_date_that_is_not_on_the_calendar_is_refused(text: str) -> None:
    with pytest.raises(CellError, match="not a calendar date"):
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "2025/03/15",
        "15.03.2025",
        "2025-3-15",
        "03-15-2025",
        "03/15/25",
        "2025-03-15T00:00",
        "tomorrow",
        "\u0662\u0660\u0662\u0665-\u0660\u0663-\u0661\u0665",  # Arabic-Indic digits,
    ],
)
def test_other_date_forms_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="MM/DD/YYYY or YYYY-MM-DD"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14", "14"),
        ("2.5", "2.5"),
        ("2,5", "2.5"),
        ("0,07", "0.07"),
        ("1234.56", "1234.56"),
        ("007", "7"),
        (".5", "0.5"),
        ("5.", "5"),
        ("-3,25", "-3.25"),
        ("-0", "0"),
    ],
)
def test_decimals_take_a_point_or_a_comma_and_stay_exact(text: str, expected: str) -> None:
    value = parse_decimal(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


def test_a_decimal_keeps_its_digits() -> None:
    assert str(parse_decimal("2,50")) == "2.50"
    assert str(parse_decimal("-0,00")) == "0.00"


@pytest.mark.parametrize("text", ["1 234,5", "1,234.5", "1.234,5", "1\u00a0234", "1'234.50", "1,234,567"])
def test_thousands_separators_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="thousands separator"):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["1,234", "1.234", "2.500"])
def test_three_decimals_are_refused_since_they_may_be_thousands(text: str) -> None:
    with pytest.raises(CellError, match="at most 2 decimals"):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["0.125", "3,14159"])
def test_more_than_two_decimals_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="at most 2 decimals"):
        parse_decimal(text)


def test_the_number_of_decimals_is_a_parameter() -> None:
    assert parse_decimal("0.125", places=3) == Decimal("0.125")
    with pytest.raises(CellError, match="at most 0 decimals"):
        parse_decimal("1.5", places=0)


@pytest.mark.parametrize(
    "text", ["abc", "1e5", "NaN", "inf", "+5", "12h", ".", "-", "1..2", "١٢", "--1", "1-"]
)
def test_what_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(CellError, match="must be"):
        parse_decimal(text)


def test_a_huge_number_is_refused() -> None:
    with pytest.raises(CellError, match="too large"):
        parse_decimal("1" * 16)
    assert parse_decimal("9" * 15 + ".99") == Decimal("9" * 15 + ".99")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("0", False),
        ("true", True),
        ("FALSE", False),
        ("True", True),
        ("oui", True),
        ("NON", False),
        ("yes", True),
        ("No", False),
        ("VRAI", True),
        ("faux", False),
    ],
)
def test_booleans(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["2", "y", "n", "on", "off", "-1", "truee", "si"])
def test_other_booleans_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="1 or 0, true or false, yes or no, oui or non"):
        parse_bool(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("External", "External"),
        ("internal", "Internal"),
        ("Externe", "External"),
        ("INTERNE", "Internal"),
    ],
)
def test_types_in_english_or_french(text: str, expected: str) -> None:
    assert parse_type(text) == expected


@pytest.mark.parametrize("text", ["Extern", "Intra", "Both"])
def test_other_types_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="External or Internal"):
        parse_type(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beginner", "Beginner"),
        ("Middle", "Middle"),
        ("Intermediate", "Middle"),
        ("Expert", "Expert"),
        ("Débutant", "Beginner"),
        ("debutant", "Beginner"),
        ("Intermédiaire", "Middle"),
        ("EXPERT", "Expert"),
    ],
)
def test_levels_in_our_names_lucca_s_and_french(text: str, expected: str) -> None:
    assert parse_level(text) == expected


@pytest.mark.parametrize("text", ["Advanced", "Novice", "1"])
def test_other_levels_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="Beginner, Intermediate"):
        parse_level(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("EUR", "EUR"), ("usd", "USD"), ("Chf", "CHF"), ("XOF", "XOF")]
)
def test_currencies_are_current_iso_4217_codes(text: str, expected: str) -> None:
    assert parse_currency(text) == expected


@pytest.mark.parametrize("text", ["FRF", "DEM", "HRK", "XXX", "XAU", "ABC"])
def test_withdrawn_or_unknown_currencies_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="not a current ISO 4217"):
        parse_currency(text)


@pytest.mark.parametrize("text", ["EURO", "€", "E1R", "ÉUR", "US"])
def test_a_currency_is_three_letters(text: str) -> None:
    with pytest.raises(CellError, match="three letters"):
        parse_currency(text)


def test_the_currency_list_is_three_capital_letters_each() -> None:
    assert len(CURRENCIES) > 150
    assert all(len(code) == 3 and code.isascii() and code.isupper() for code in CURRENCIES)


@pytest.mark.parametrize(
    "text",
    ["https://example.com", "http://example.com/a?b=c#d", "HTTPS://EXAMPLE.COM", "https://[::1]:8443/"],
)
def test_urls_are_absolute_http_or_https(text: str) -> None:
    assert parse_url(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "example.com",
        "ftp://example.com",
        "javascript:alert(1)",
        "https://",
        "https://exa mple.com",
        "https://[::1",
    ],
)
def test_other_urls_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="absolute http or https URL"):
        parse_url(text)


def test_a_url_has_at_most_2048_characters() -> None:
    long = "https://example.com/" + "a" * 2028
    assert parse_url(long) == long
    with pytest.raises(CellError, match="at most 2048 characters"):
        parse_url(long + "a")


def test_text_is_limited_in_characters_not_bytes() -> None:
    assert parse_text("é" * 250, 250) == "é" * 250
    with pytest.raises(CellError, match="at most 250 characters"):
        parse_text("e" * 251, 250)


def test_text_that_no_database_stores_is_refused() -> None:
    with pytest.raises(CellError, match="U\\+0000"):
        parse_text("a\x00b", 250)


@pytest.mark.parametrize(("text", "expected"), [("1", 1), ("2147483647", 2147483647), ("0042", 42)])
def test_ids(text: str, expected: int) -> None:
    assert parse_id(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "2147483648", "1.0", "1e3", " 1", "abc", "٣"])
def test_other_ids_are_refused(text: str) -> None:
    with pytest.raises(CellError, match="must be an id"):
        parse_id(text)
