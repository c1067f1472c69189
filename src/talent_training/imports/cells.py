"""Parsers for the cells of import files: each returns the value or raises `CellError(message)`.

Cells arrive as text, surrounding spaces trimmed and never empty (reading.py drops empty cells). Messages
complete a sentence naming the column: "Start date: must be a date written MM/DD/YYYY or YYYY-MM-DD".
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Literal
from urllib.parse import urlsplit

from talent_training.kit.text import fold
from talent_training.kit.types import INT32_MAX, int32_digits, storable_text

TrainingType = Literal["External", "Internal"]
Level = Literal["Beginner", "Middle", "Expert"]


class CellError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Month first, as Lucca's template writes dates (and as Excel shows them in the US: 3/5/2025), or ISO.
# ASCII digits only: `\d` would take other scripts' digits.
_SLASHED_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def parse_date(text: str) -> date:
    if found := _ISO_DATE.fullmatch(text):
        year, month, day = found.groups()
    elif found := _SLASHED_DATE.fullmatch(text):
        month, day, year = found.groups()
    else:
        raise CellError("must be a date written MM/DD/YYYY or YYYY-MM-DD")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise CellError("is not a calendar date (dates are written MM/DD/YYYY or YYYY-MM-DD)") from None


_NUMBER = re.compile(r"(-?)([0-9]*)(?:[.,]([0-9]*))?")
_GROUPED = re.compile(r"-?[0-9][0-9 \u00a0\u202f'.,]*")
MAX_INTEGER_DIGITS = 15


def parse_decimal(text: str, places: int = 2) -> Decimal:
    """`1234.5` or `1234,5`, exactly. No thousands separator, ever: `1 234,5` and `1,234.5` are refused,
    and so is `1,234` (three decimals), which could mean either 1234 or 1.234."""
    found = _NUMBER.fullmatch(text)
    if found is None or not (found.group(2) or found.group(3)):
        if _GROUPED.fullmatch(text):
            raise CellError("must be written without thousands separators, such as 1234.5 or 1234,5")
        raise CellError("must be a number, such as 12.5 or 12,5")
    sign, whole, fraction = found.group(1), found.group(2).lstrip("0"), found.group(3) or ""
    if len(fraction) > places:
        hint = " (a thousands separator is not allowed)" if len(fraction) == 3 else ""
        raise CellError(f"must have at most {places} decimals{hint}")
    if len(whole) > MAX_INTEGER_DIGITS:
        raise CellError("is too large")
    number = Decimal(f"{sign}{whole or '0'}.{fraction}" if fraction else f"{sign}{whole or '0'}")
    return number.copy_abs() if number.is_zero() else number


_BOOLEANS = {
    **dict.fromkeys(("1", "true", "yes", "oui", "vrai"), True),
    **dict.fromkeys(("0", "false", "no", "non", "faux"), False),
}


def parse_bool(text: str) -> bool:
    """`vrai`/`faux` too: Excel in French writes its booleans so when it saves a CSV."""
    value = _BOOLEANS.get(fold(text))
    if value is None:
        raise CellError("must be 1 or 0, true or false, yes or no, oui or non")
    return value


_TYPES: dict[str, TrainingType] = {
    "external": "External",
    "externe": "External",
    "internal": "Internal",
    "interne": "Internal",
}


def parse_type(text: str) -> TrainingType:
    value = _TYPES.get(fold(text))
    if value is None:
        raise CellError("must be External or Internal (Externe or Interne)")
    return value


_LEVELS: dict[str, Level] = {
    "beginner": "Beginner",
    "debutant": "Beginner",
    "middle": "Middle",
    "intermediate": "Middle",
    "intermediaire": "Middle",
    "expert": "Expert",
}


def parse_level(text: str) -> Level:
    value = _LEVELS.get(fold(text))
    if value is None:
        raise CellError(
            "must be Beginner, Intermediate (or Middle) or Expert (Débutant, Intermédiaire, Expert)"
        )
    return value


# ISO 4217 codes in current use (list one, 2025): currencies and funds; not the precious metals, bond
# market units, test or "no currency" codes. Renew by hand when ISO's maintenance agency amends the list.
_ISO_4217 = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN
    BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV
    MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG
    SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN
    UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XDR XOF XPF XSU XUA YER ZAR ZMW ZWG
"""
CURRENCIES = frozenset(_ISO_4217.split())


def parse_currency(text: str) -> str:
    """Three letters, in any case, returned in capitals: `eur` is EUR."""
    code = text.upper()
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise CellError("must be a currency code of three letters (ISO 4217), such as EUR")
    if code not in CURRENCIES:
        raise CellError("is not a current ISO 4217 currency code")
    return code


URL_MAX_LENGTH = 2048


def parse_url(text: str, max_length: int = URL_MAX_LENGTH) -> str:
    """An absolute http(s) URL, by the rule of the API's `websiteHref`."""
    parse_text(text, max_length)
    try:
        parts = urlsplit(text)
    except ValueError:  # such as an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or _has_space(text):
        raise CellError("must be an absolute http or https URL, such as https://example.com")
    return text


def _has_space(text: str) -> bool:
    return any(c.isspace() for c in text)


def parse_text(text: str, max_length: int) -> str:
    if len(text) > max_length:
        raise CellError(f"must be at most {max_length} characters (it has {len(text)})")
    try:
        return storable_text(text)
    except ValueError as error:
        raise CellError(str(error)) from None


def parse_id(text: str) -> int:
    if not int32_digits(text) or not 1 <= int(text) <= INT32_MAX:
        raise CellError(f"must be an id (an integer from 1 to {INT32_MAX})")
    return int(text)
