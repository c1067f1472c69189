"""The columns of import files, as data: canonical key, English header, French header, other names.

A header matches a column when both read the same once folded: case, accents, surrounding and repeated
spaces and the typographic apostrophe (Excel's autocorrect types a curly one) are ignored.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from talent_training.kit.text import fold


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    english: str
    french: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.english, self.french, *self.aliases)


Columns = tuple[Column, ...]

# Lucca's template (English and French), plus our API's names: a file may name people and trainings by id.
REALIZED_TRAININGS: Columns = (
    Column("login", "Employee login", "Identifiant du collaborateur"),
    Column("ownerId", "ownerId", "ownerId"),
    Column("trainingTitle", "Training title", "Intitulé de la formation"),
    Column("trainingId", "trainingId", "trainingId"),
    Column("type", "Type", "Type"),
    Column("providerName", "Provider name", "Nom de l'organisme"),
    Column("providerUrl", "Provider URL", "URL de l'organisme"),
    Column("sessionStartsOn", "Start date", "Date de début", ("sessionStartsOn",)),
    Column("sessionEndsOn", "End date", "Date de fin", ("sessionEndsOn",)),
    Column("durationInHours", "Duration (hours)", "Durée (heures)", ("durationInHours",)),
    Column("isCertifying", "Certified", "Certifiante"),
    Column("category", "Category", "Catégorie"),
    Column("level", "Level", "Niveau"),
    Column("cost", "Cost", "Coût"),
    Column("currency", "Currency", "Devise"),
    Column("expiresOn", "Expiry date", "Date d'expiration"),
    Column("hasAttended", "Attended", "Présent", ("hasAttended",)),
)

# Our API's names are the English headers (import-format.md); the French ones are ours.
EMPLOYEES: Columns = (
    Column("id", "id", "id"),
    Column("login", "login", "Identifiant"),
    Column("firstName", "firstName", "Prénom", ("First name",)),
    Column("lastName", "lastName", "Nom", ("Last name",)),
    Column("email", "email", "E-mail", ("Courriel",)),
    Column("department", "department", "Département", ("Service",)),
    Column("establishment", "establishment", "Établissement"),
    Column("managerLogin", "managerLogin", "Identifiant du manager", ("Manager login",)),
    Column("hiredOn", "hiredOn", "Date d'entrée", ("Hire date",)),
    Column("leftOn", "leftOn", "Date de sortie", ("Leaving date",)),
)

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\ufeff": None})


def header_name(text: str) -> str:
    """A header as compared: folded, apostrophes straightened, spaces trimmed and collapsed."""
    return " ".join(fold(text.translate(_APOSTROPHES)).split())


@functools.cache
def by_header(columns: Columns) -> Mapping[str, Column]:
    """Each accepted header name, folded, and its column; two columns may not share a name."""
    found: dict[str, Column] = {}
    for column in columns:
        for name in column.names:
            folded = header_name(name)
            if found.setdefault(folded, column) is not column:
                raise ValueError(f"{name!r} names both {found[folded].key!r} and {column.key!r}")
    return found
