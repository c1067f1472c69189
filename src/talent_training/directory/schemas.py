"""What a client may send to the directory, with the contract's limits. Unknown and read-only fields are
ignored; types are strict (see docs/decisions.md).

A `PUT` replaces the whole record: an optional field left out, or sent as `null`, is absent afterwards."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr

from talent_training.kit.types import Int32Id, LuccaDate, not_blank, storable_text

# Something, an @, then a domain of at least two dot-separated labels; no spaces anywhere. Mailboxes are the
# HR system's business: this only catches what cannot be one (a name typed in the wrong column, a typo).
EMAIL_PATTERN = r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+"
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an email address, such as jane.doe@example.com")
    return value


Text = Annotated[StrictStr, AfterValidator(storable_text)]
Name = Annotated[Text, Field(min_length=1, max_length=250), AfterValidator(not_blank)]
Email = Annotated[Text, Field(max_length=250), AfterValidator(_email)]


class Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class UnitPut(Input):
    """A department or an establishment."""

    name: Name


class EmployeePut(Input):
    login: Name
    firstName: Name
    lastName: Name
    email: Email | None = None
    departmentId: Int32Id | None = None
    establishmentId: Int32Id | None = None
    managerId: Int32Id | None = None
    hiredOn: LuccaDate | None = None
    leftOn: LuccaDate | None = None
