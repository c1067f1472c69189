"""What a client may send to create a realized training (notes §4). Read-only and unknown fields are
ignored; `trainingId` is required although the seed schema forgot it, since every rule needs it."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictBool

from talent_training.kit.types import Hours, Int32Id, LuccaDate


def _attended(value: bool) -> bool:
    if not value:
        raise ValueError("must be true or omitted: non-attendance is recorded only by the training workflow")
    return value


class RealizedTrainingCreate(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    ownerId: Int32Id
    trainingId: Int32Id
    sessionStartsOn: LuccaDate
    sessionEndsOn: LuccaDate
    durationInHours: Hours
    hasAttended: Annotated[StrictBool, AfterValidator(_attended)] = True
