"""What a client may send about training demands, and the words of their lifecycle (../shared/workflow.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, StrictBool

from talent_training.catalog.schemas import Input, NotNull, Text
from talent_training.kit.types import Int32Id, not_blank

MAX_ATTENDANCE = 500


class DemandState(StrEnum):
    REQUESTED = "Requested"
    REGISTERED = "Registered"
    REALIZED = "Realized"
    INVALID = "Invalid"


class DemandStatus(StrEnum):
    PENDING_APPROVAL = "PendingApproval"
    PENDING_REGISTRATION = "PendingRegistration"
    REGISTERED = "Registered"
    REALIZED = "Realized"
    REFUSED = "Refused"


class PrioritizationLevel(StrEnum):
    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"


# Lucca sorts `prioritization.level` by rank: none < Low < Medium < High. The rank is what is stored.
RANKS = {PrioritizationLevel.LOW: 1, PrioritizationLevel.MEDIUM: 2, PrioritizationLevel.HIGH: 3}
LEVELS = {rank: level for level, rank in RANKS.items()}


Reason = Annotated[Text, Field(min_length=1, max_length=2000), AfterValidator(not_blank)]


class DemandCreate(Input):
    ownerId: Int32Id
    trainingId: Int32Id
    authorId: Annotated[Int32Id | None, NotNull] = None  # the owner when left out
    reason: Annotated[Reason | None, NotNull] = None


class Prioritization(Input):
    level: PrioritizationLevel


class Acceptance(Input):
    planId: Int32Id


class Refusal(Input):
    reason: Reason


class Registration(Input):
    sessionId: Int32Id


class Presence(Input):
    demandId: Int32Id
    hasAttended: StrictBool


class Attendance(Input):
    items: Annotated[list[Presence], Field(min_length=1, max_length=MAX_ATTENDANCE)]
