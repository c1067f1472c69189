"""What a client may send to plans and sessions, with the contract's limits. Unknown and read-only fields are
ignored; types are strict (see docs/decisions.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool, StrictInt

from talent_training.catalog.schemas import Input, Name, NotNull, Text, WebUrl
from talent_training.kit.types import INT32_MAX, Hours, Int32Id, LuccaDate, not_blank


class SessionStatus(StrEnum):
    """What a session's `status` reads. `Draft`, `Open` and `Closed` are stored (and sent); `Open` reads
    `Running` or `Finished` by the dates (planning/service.py `displayed_status`)."""

    DRAFT = "Draft"
    OPEN = "Open"
    RUNNING = "Running"
    FINISHED = "Finished"
    CLOSED = "Closed"


# The statuses a PATCH may set: the others are read from the dates.
STORED_STATUSES = (SessionStatus.DRAFT, SessionStatus.OPEN, SessionStatus.CLOSED)


def _stored(value: SessionStatus) -> SessionStatus:
    if value not in STORED_STATUSES:
        raise ValueError(f"{value} is read from the session's dates: send Draft, Open or Closed")
    return value


Capacity = Annotated[StrictInt, Field(ge=1, le=INT32_MAX)]
Address = Annotated[Text, Field(min_length=1, max_length=500), AfterValidator(not_blank)]
StoredStatus = Annotated[SessionStatus, AfterValidator(_stored)]


class PlanCreate(Input):
    name: Name
    startOn: LuccaDate
    endOn: LuccaDate


class Location(Input):
    isOnSite: StrictBool = False
    isRemote: StrictBool = False
    address: Annotated[Address | None, NotNull] = None
    remoteUrl: Annotated[WebUrl | None, NotNull] = None


class SessionCreate(Input):
    trainingId: Int32Id
    planId: Int32Id
    startOn: LuccaDate
    endOn: LuccaDate
    durationInHours: Hours
    capacity: Annotated[Capacity | None, NotNull] = None
    location: Annotated[Location | None, NotNull] = None
    # Read-only: a new session is a Draft whatever is sent, but what is sent must be a status.
    status: Annotated[SessionStatus | None, NotNull] = None


class LocationPatch(Input):
    """JSON merge patch of a location: `null` removes `address` or `remoteUrl`, and nothing else."""

    isOnSite: StrictBool | None = None
    isRemote: StrictBool | None = None
    address: Address | None = None
    remoteUrl: WebUrl | None = None


class SessionPatch(Input):
    """JSON merge patch: a field that is absent stays as it is (see `model_fields_set`)."""

    trainingId: Int32Id | None = None
    planId: Int32Id | None = None
    startOn: LuccaDate | None = None
    endOn: LuccaDate | None = None
    durationInHours: Hours | None = None
    capacity: Capacity | None = None
    location: LocationPatch | None = None
    status: StoredStatus | None = None
