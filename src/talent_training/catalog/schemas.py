"""What a client may send to the catalog, with the contract's limits. Unknown and read-only fields are
ignored; types are strict (see docs/decisions.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictStr

from talent_training.kit.types import Int32Id, not_blank, storable_text


class Level(StrEnum):
    BEGINNER = "Beginner"
    MIDDLE = "Middle"
    EXPERT = "Expert"


class TrainingType(StrEnum):
    EXTERNAL = "External"
    INTERNAL = "Internal"


class TrainingState(StrEnum):
    READY = "Ready"
    ARCHIVED = "Archived"


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("must be an absolute http or https URL")
    return value


def _not_null(value: object) -> object:
    if value is None:
        raise ValueError("must not be null: leave the field out instead")
    return value


# An optional field of a create body may be left out, but the contract gives it no null (a merge patch does).
NotNull = BeforeValidator(_not_null)

Text = Annotated[StrictStr, AfterValidator(storable_text)]
Name = Annotated[Text, Field(min_length=1, max_length=250), AfterValidator(not_blank)]
Title = Name
Subtitle = Annotated[Text, Field(max_length=1000)]
Description = Annotated[Text, Field(max_length=6000)]
WebUrl = Annotated[Text, Field(max_length=2048), AfterValidator(_web_url)]
Translation = Annotated[Text, Field(max_length=250)]
# A category's code, as the HR system knows it (the v1 list's `trainingCategoryCode`); not unique.
CategoryCode = Annotated[Text, Field(min_length=1, max_length=100), AfterValidator(not_blank)]


class Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ProviderCreate(Input):
    name: Name
    websiteHref: Annotated[WebUrl | None, NotNull] = None


class ProviderPatch(Input):
    """JSON merge patch of a provider: `name` may not be null; a null `websiteHref` removes it."""

    name: Name | None = None
    websiteHref: WebUrl | None = None


class NameTranslations(Input):
    """`t9n.name`: the seven languages Lucca translates into; any other key is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    De: Translation | None = None
    En: Translation | None = None
    Es: Translation | None = None
    Fr: Translation | None = None
    It: Translation | None = None
    Nl: Translation | None = None
    Pt: Translation | None = None


class CategoryT9n(Input):
    # The seed schema's `t9n` is nullable: null means no translations.
    name: NameTranslations | None = None


class CategoryCreate(Input):
    name: Name
    t9n: CategoryT9n | None = None
    code: Annotated[CategoryCode | None, NotNull] = None

    def translations(self) -> dict[str, str | None]:
        if self.t9n is None or self.t9n.name is None:
            return {}
        return self.t9n.name.model_dump(exclude_unset=True)


class CategoryPatch(Input):
    """JSON merge patch of a category (RFC 7396): `name` may not be null; a null `code` removes it; `t9n.name`
    is merged language by language, a null language removing its name, and a null `t9n` or `t9n.name`
    removing them all."""

    name: Name | None = None
    code: CategoryCode | None = None
    t9n: CategoryT9n | None = None

    def translated(self, current: dict[str, str | None]) -> dict[str, str | None]:
        """The translations once this patch is applied to `current`."""
        if "t9n" not in self.model_fields_set:
            return dict(current)
        if self.t9n is None or "name" not in self.t9n.model_fields_set:
            return {} if self.t9n is None else dict(current)
        if self.t9n.name is None:
            return {}
        merged = dict(current)
        for language, name in self.t9n.name.model_dump(exclude_unset=True).items():
            if name is None:
                merged.pop(language, None)
            else:
                merged[language] = name
        return merged


class TrainingCreate(Input):
    title: Title
    subtitle: Subtitle
    description: Description
    level: Level
    isCertifying: StrictBool
    isMandatory: StrictBool
    type: TrainingType = TrainingType.EXTERNAL
    providerId: Annotated[Int32Id | None, NotNull] = None
    categoryId: Annotated[Int32Id | None, NotNull] = None
    # Read-only: a new training is Ready whatever is sent, but what is sent must be a state (the contract's
    # enum), not any text.
    state: Annotated[TrainingState | None, NotNull] = None


class TrainingPatch(Input):
    """JSON merge patch: a field that is absent stays as it is (see `model_fields_set`)."""

    title: Title | None = None
    subtitle: Subtitle | None = None
    description: Description | None = None
    level: Level | None = None
    isCertifying: StrictBool | None = None
    isMandatory: StrictBool | None = None
    type: TrainingType | None = None
    state: TrainingState | None = None
    providerId: Int32Id | None = None
    categoryId: Int32Id | None = None
