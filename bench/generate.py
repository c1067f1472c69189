"""Production-volume data: one account with 1,000,000 realized trainings (50,000 owners, 2,000 trainings,
10 years of dates) and 9 small accounts, loaded with PostgreSQL COPY into the migrated schema."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from talent_training.kit.text import fold

BIG_ROWS = 1_000_000
OWNERS = 50_000
TRAININGS = 2_000
SMALL_ACCOUNTS = 9
SMALL_ROWS = 2_000
FIRST_DAY = date(2015, 11, 1)
DAYS = 3_652  # ten years
LEVELS = ("Beginner", "Middle", "Expert")


@dataclass(frozen=True)
class Loaded:
    account_id: int
    rows: int
    first_id: int
    last_id: int


async def _account(connection: asyncpg.Connection, name: str) -> int:
    found = await connection.fetchval("SELECT id FROM accounts WHERE name = $1", name)
    if found is None:
        found = await connection.fetchval(
            "INSERT INTO accounts (name, created_at) VALUES ($1, now()) RETURNING id", name
        )
    return int(found)


async def _catalog(
    connection: asyncpg.Connection, account_id: int, trainings: int, rng: random.Random
) -> list[int]:
    now = datetime.now(UTC)
    providers = [
        await connection.fetchval(
            "INSERT INTO providers (account_id, name, website_href, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            account_id,
            f"Provider {n}",
            f"https://provider-{n}.example",
            now,
        )
        for n in range(50)
    ]
    categories = [
        await connection.fetchval(
            "INSERT INTO categories (account_id, name, name_translations, created_at) VALUES ($1, $2, $3, $4) "
            "RETURNING id",
            account_id,
            f"Category {n}",
            f'{{"Fr": "Catégorie {n}"}}',
            now,
        )
        for n in range(20)
    ]
    records = []
    for n in range(trainings):
        title, subtitle, description = f"Training {n}", f"Subtitle {n}", f"Description of training {n}"
        records.append(
            (
                account_id, "Ready", "External", title, subtitle, description, rng.choice(LEVELS),
                n % 7 == 0, n % 5 == 0, rng.choice(providers), rng.choice(categories),
                fold(f"{title}\n{subtitle}\n{description}"), now, now,
            )
        )  # fmt: skip
    await connection.copy_records_to_table(
        "trainings",
        records=records,
        columns=[
            "account_id", "state", "type", "title", "subtitle", "description", "level", "is_certifying",
            "is_mandatory", "provider_id", "category_id", "search_text", "created_at", "updated_at",
        ],
    )  # fmt: skip
    rows = await connection.fetch("SELECT id FROM trainings WHERE account_id = $1 ORDER BY id", account_id)
    return [row["id"] for row in rows]


def _realized(
    account_id: int, rows: int, owners: int, trainings: list[int], rng: random.Random
) -> list[tuple[Any, ...]]:
    """Unique (owner, training, last day), as the constraint requires; ids come from the sequence."""
    seen: set[int] = set()
    now = datetime.now(UTC)
    records: list[tuple[Any, ...]] = []
    while len(records) < rows:
        owner, training, day = rng.randint(1, owners), rng.choice(trainings), rng.randrange(DAYS)
        key = (owner * 100_000 + training) * 10_000 + day
        if key in seen:
            continue
        seen.add(key)
        ends_on = FIRST_DAY + timedelta(days=day)
        starts_on = ends_on - timedelta(days=rng.randint(0, 4))
        attended = rng.random() > 0.05
        records.append(
            (account_id, owner, training, starts_on, ends_on, rng.randint(1, 400) * 25, attended, now)
        )
    return records


REALIZED_COLUMNS = [
    "account_id", "owner_id", "training_id", "session_starts_on", "session_ends_on",
    "duration_hundredths", "has_attended", "created_at",
]  # fmt: skip


async def load(dsn: str, seed: int = 20261123) -> Loaded:
    rng = random.Random(seed)
    connection = await asyncpg.connect(dsn)
    try:
        big = await _account(connection, "default")
        big_trainings = await _catalog(connection, big, TRAININGS, rng)
        await connection.copy_records_to_table(
            "realized_trainings",
            records=_realized(big, BIG_ROWS, OWNERS, big_trainings, rng),
            columns=REALIZED_COLUMNS,
        )
        for n in range(1, SMALL_ACCOUNTS + 1):
            small = await _account(connection, f"small-{n}")
            trainings = await _catalog(connection, small, 20, rng)
            await connection.copy_records_to_table(
                "realized_trainings",
                records=_realized(small, SMALL_ROWS, 500, trainings, rng),
                columns=REALIZED_COLUMNS,
            )
        # A loaded database has been vacuumed (autovacuum): the visibility map allows index-only scans.
        await connection.execute("VACUUM ANALYZE")
        first, last = await connection.fetchrow(
            "SELECT min(id), max(id) FROM realized_trainings WHERE account_id = $1", big
        )
        return Loaded(big, BIG_ROWS, int(first), int(last))
    finally:
        await connection.close()
