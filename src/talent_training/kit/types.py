"""Strict value types shared by every resource: int32 ids, exact hours, strict dates and booleans.

Pydantic's lax mode would turn `"14"` into 14 and `"yes"` into True; the contract says JSON types are
strict, so body fields use these. Query strings are text by nature, so their parsers read text strictly.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, Field, StrictInt

from talent_training.kit.problems import RuleViolation

INT32_MAX = 2**31 - 1
INT32_DIGITS = len(str(INT32_MAX))
MAX_FILTER_VALUES = 500


def int32_digits(text: str) -> bool:
    """`text` is plain ASCII digits that may fit an int32: checked before any conversion, since `int()` of a
    few thousand digits is slow and then refused (Python's limit on integer strings)."""
    return 0 < len(text) <= INT32_DIGITS and text.isascii() and text.isdigit()


Int32Id = Annotated[StrictInt, Field(ge=1, le=INT32_MAX)]


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def not_blank(value: str) -> str:
    """Something to read: not only spaces, nor invisible characters (zero-width spaces and joiners, a BOM:
    Unicode's format characters), which a name copied from a web page or a spreadsheet may be made of."""
    if all(c.isspace() or unicodedata.category(c) == "Cf" for c in value):
        raise ValueError("must not be blank")
    return value


def storable_text(value: str) -> str:
    """Text both databases store and return unchanged: no NUL (PostgreSQL cannot store it) and no lone
    UTF-16 surrogate (JSON can carry `\\ud800`, but it is not a character and cannot be encoded)."""
    found = _UNSTORABLE.search(value)
    if found is not None:
        raise ValueError(f"must not contain the character U+{ord(found.group()):04X}")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def strict_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a calendar date") from None


LuccaDate = Annotated[date, BeforeValidator(strict_date)]

HOURS_MAX = Decimal("99999.99")


def exact_hundredths(value: Any, maximum: Decimal, *, zero: bool) -> Decimal:
    """A JSON number of hundredths (hours, an amount), kept exact: the body parser hands fractions over as
    `Decimal`. From 0 when `zero` (a free training), else above 0, to `maximum`.

    Judged on the number's digits and exponent, never by decimal arithmetic, which would round
    1E-1000000000 to zero under the default context.
    """
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise ValueError("must be a JSON number")
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError("must be a finite number")
    if not any(digits):
        if zero:
            return Decimal(0)  # 0, 0.000 and -0 alike
        raise ValueError("must be greater than 0")
    if sign:
        raise ValueError("must not be negative" if zero else "must be greater than 0")
    if number > maximum:
        raise ValueError(f"must be at most {maximum}")
    below_hundredths = -2 - exponent
    if below_hundredths > 0 and (below_hundredths >= len(digits) or any(digits[-below_hundredths:])):
        raise ValueError("must have at most 2 decimals (a multiple of 0.01)")
    return number


def exact_hours(value: Any) -> Decimal:
    return exact_hundredths(value, HOURS_MAX, zero=False)


Hours = Annotated[Decimal, BeforeValidator(exact_hours)]


def hours_to_hundredths(hours: Decimal) -> int:
    return int(hours * 100)


def hundredths_to_json(hundredths: int) -> int | float:
    """14 stays `14`, 250 hundredths is `2.5`, 7 is `0.07`: the shortest float repr is exact here."""
    whole, rest = divmod(hundredths, 100)
    return whole if rest == 0 else hundredths / 100


def parse_query_int(name: str, value: str, low: int, high: int) -> int:
    """Query integers as plain ASCII digits: `5.0`, `+5`, ` 5` and `1_0` are not numbers here."""
    if not int32_digits(value) or not low <= int(value) <= high:
        raise RuleViolation(name, f"must be an integer from {low} to {high}")
    return int(value)


def parse_query_bool(name: str, value: str | None) -> bool | None:
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise RuleViolation(name, "must be true or false")


def parse_query_date(name: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return strict_date(value)
    except ValueError as exc:
        raise RuleViolation(name, str(exc)) from None


def parse_id_list(name: str, values: list[str] | None) -> list[int] | None:
    """`ownerIds=1,2&ownerIds=3`: both OpenAPI's repeated form and Lucca's comma list, mixed at will."""
    if not values:
        return None
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            if not int32_digits(part) or not 1 <= int(part) <= INT32_MAX:
                raise RuleViolation(name, f"{part!r} is not an id (an integer from 1 to {INT32_MAX})")
            ids.append(int(part))
    if len(ids) > MAX_FILTER_VALUES:
        raise RuleViolation(name, f"at most {MAX_FILTER_VALUES} values")
    if len(set(ids)) != len(ids):  # the contract's `uniqueItems`
        raise RuleViolation(name, "must not repeat a value")
    return ids


Choice = TypeVar("Choice", bound=StrEnum)


def parse_choice_list(name: str, values: list[str] | None, kind: type[Choice]) -> tuple[Choice, ...] | None:
    """`states=Requested,Registered&states=Invalid`: an enum array, repeated or comma-separated as id lists
    are, and like them a set (a repeated value is 400, the contract's `uniqueItems`). In the enum's order."""
    if not values:
        return None
    found: list[Choice] = []
    for value in values:
        for part in value.split(","):
            try:
                found.append(kind(part))
            except ValueError:
                choices = ", ".join(kind)
                raise RuleViolation(name, f"unknown value {part[:40]!r}: use {choices}") from None
    if len(set(found)) != len(found):
        raise RuleViolation(name, "must not repeat a value")
    return tuple(member for member in kind if member in found)
