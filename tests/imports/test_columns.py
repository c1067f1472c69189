"""Column sets: every name of a set designates one column only."""

from __future__ import annotations

import pytest

from talent_training.imports.columns import (
    EMPLOYEES,
    REALIZED_TRAININGS,
    Column,
    Columns,
    by_header,
    header_name,
)


@pytest.mark.parametrize("columns", [REALIZED_TRAININGS, EMPLOYEES])
def test_no_name_designates_two_columns(columns: Columns) -> None:
    known = by_header(columns)
    assert {column.key for column in known.values()} == {column.key for column in columns}
    assert len({column.key for column in columns}) == len(columns)


def test_two_columns_sharing_a_name_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="names both"):
        by_header((Column("a", "Date", "Date"), Column("b", "Day", "DATE")))


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("  Durée (heures) ", "duree (heures)"),
        ("DATE D\u2019EXPIRATION", "date d'expiration"),
        ("Start\u00a0 date", "start date"),
        ("\ufeffEmployee login", "employee login"),
        ("sessionStartsOn", "sessionstartson"),
    ],
)
def test_headers_are_compared_folded(written: str, folded: str) -> None:
    assert header_name(written) == folded


def test_the_realized_trainings_columns_are_lucca_s_template_and_our_api_names() -> None:
    names = {header_name(name) for column in REALIZED_TRAININGS for name in column.names}
    for header in (
        "Employee login",
        "Identifiant du collaborateur",
        "Training title",
        "Intitulé de la formation",
        "Provider URL",
        "Durée (heures)",
        "Date d'expiration",
        "Présent",
        "ownerId",
        "trainingId",
        "sessionStartsOn",
        "sessionEndsOn",
        "durationInHours",
        "hasAttended",
    ):
        assert header_name(header) in names
