"""What a client may send to create a realized training (notes §4). Read-only and unknown fields are
ignored; `trainingId` is required although the seed schema forgot it, since every rule needs it."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StrictBool, StrictStr

from talent_training.catalog.schemas import Input, NotNull
from talent_training.imports.cells import parse_currency
from talent_training.kit.types import Hours, Int32Id, LuccaDate, exact_hundredths

# 15 significant digits: every amount up to this one is a JSON number that a reader holding numbers as
# doubles (JavaScript, most JSON libraries) gets back exactly. Imports of costs hold to the same bound.
COST_MAX = Decimal("9999999999999.99")


def exact_amount(value: Any) -> Decimal:
    """From 0 (a free training) to COST_MAX, kept exact as hours are."""
    return exact_hundredths(value, COST_MAX, zero=True)


def exact_currency(value: str) -> str:
    """A current ISO 4217 code, in capitals as ISO writes it: the API takes codes exactly, as it takes levels
    and states (`eur` is refused, naming `EUR`); imports, typed by people, accept any case."""
    code = parse_currency(value)  # its CellError is a ValueError: the message names what is wrong
    if code != value:
        raise ValueError(f"must be written in capitals: {code}")
    return code


Amount = Annotated[Decimal, BeforeValidator(exact_amount)]
Currency = Annotated[StrictStr, AfterValidator(exact_currency)]


def _attended(value: bool) -> bool:
    if not value:
        raise ValueError("must be true or omitted: non-attendance is recorded only by the training workflow")
    return value


class Cost(Input):
    """An extension: both parts or no cost at all (a currency alone is refused as a missing `amount`)."""

    amount: Amount
    currency: Currency

    @property
    def hundredths(self) -> int:
        """The amount as stored, exactly: 12.5 is 1250."""
        return int(self.amount * 100)


class RealizedTrainingCreate(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ownerId: Int32Id
    trainingId: Int32Id
    sessionStartsOn: LuccaDate
    sessionEndsOn: LuccaDate
    durationInHours: Hours
    hasAttended: Annotated[StrictBool, AfterValidator(_attended)] = True
    # Extensions, optional: left out, not sent as null (as every optional field of a create body).
    cost: Annotated[Cost | None, NotNull] = None
    expiresOn: Annotated[LuccaDate | None, NotNull] = None
