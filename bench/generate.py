"""Production-volume data: one account with 1,000,000 realized trainings (50,000 owners, 10 years of dates)
over a catalog of 20,000 trainings, 1,000 providers and 500 categories, and 9 small accounts, loaded with
PostgreSQL COPY into the migrated schema. The catalog is large enough for a "deep" cursor page of each list
to be one (at 90 % of the list)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import orjson

from talent_training.kit.text import fold

BIG_ROWS = 1_000_000
OWNERS = 50_000
TRAININGS = 20_000
PROVIDERS = 1_000
CATEGORIES = 500
SMALL_ACCOUNTS = 9
SMALL_ROWS = 2_000
SMALL_CATALOG = (20, 50, 20)  # trainings, providers, categories
FIRST_DAY = date(2015, 11, 1)
DAYS = 3_652  # ten years
LEVELS = ("Beginner", "Middle", "Expert")
DATA = (
    f"one account with {BIG_ROWS:,} realized trainings ({OWNERS:,} owners, 10 years of dates) over a catalog of"
    f" {TRAININGS:,} trainings, {PROVIDERS:,} providers and {CATEGORIES:,} categories, and {SMALL_ACCOUNTS}"
    f" small accounts ({SMALL_ROWS:,} realized trainings each)"
)


@dataclass(frozen=True)
class Ids:
    """The ids of one table's rows in the big account: contiguous, as COPY takes them from the sequence."""

    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True)
class Loaded:
    account_id: int
    rows: int
    realized: Ids
    trainings: Ids
    providers: Ids
    categories: Ids


async def _account(connection: asyncpg.Connection, name: str) -> int:
    found = await connection.fetchval("SELECT id FROM accounts WHERE name = $1", name)
    if found is None:
        found = await connection.fetchval(
            "INSERT INTO accounts (name, created_at) VALUES ($1, now()) RETURNING id", name
        )
    return int(found)


async def _ids(connection: asyncpg.Connection, table: str, account_id: int) -> list[int]:
    rows = await connection.fetch(f"SELECT id FROM {table} WHERE account_id = $1 ORDER BY id", account_id)
    return [row["id"] for row in rows]


async def _catalog(
    connection: asyncpg.Connection,
    account_id: int,
    sizes: tuple[int, int, int],
    rng: random.Random,
) -> list[int]:
    trainings, providers, categories = sizes
    now = datetime.now(UTC)
    await connection.copy_records_to_table(
        "providers",
        records=[
            (account_id, f"Provider {n}", f"https://provider-{n}.example", now) for n in range(providers)
        ],
        columns=["account_id", "name", "website_href", "created_at"],
    )
    await connection.copy_records_to_table(
        "categories",
        records=[
            (account_id, f"Category {n}", orjson.dumps({"Fr": f"Catégorie {n}"}).decode(), now)
            for n in range(categories)
        ],
        columns=["account_id", "name", "name_translations", "created_at"],
    )
    provider_ids = await _ids(connection, "providers", account_id)
    category_ids = await _ids(connection, "categories", account_id)
    records = []
    for n in range(trainings):
        title, subtitle, description = f"Training {n}", f"Subtitle {n}", f"Description of training {n}"
        records.append(
            (
                account_id, "Ready", "External", title, subtitle, description, rng.choice(LEVELS),
                n % 7 == 0, n % 5 == 0, rng.choice(provider_ids), rng.choice(category_ids),
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
    return await _ids(connection, "trainings", account_id)


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


async def _range(connection: asyncpg.Connection, table: str, account_id: int) -> Ids:
    first, last = await connection.fetchrow(
        f"SELECT min(id), max(id) FROM {table} WHERE account_id = $1", account_id
    )
    return Ids(int(first), int(last))


async def describe(connection: asyncpg.Connection) -> Loaded:
    """What a loaded database holds (also when it was loaded by an earlier run, BENCH_REUSE=1)."""
    big = await _account(connection, "default")
    # Rows added by a run (POSTs) come after the loaded ones: ranges are of the loaded rows only.
    realized = await _range(connection, "realized_trainings", big)
    trainings = await _range(connection, "trainings", big)
    return Loaded(
        big,
        BIG_ROWS,
        Ids(realized.first, realized.first + BIG_ROWS - 1),
        Ids(trainings.first, trainings.first + TRAININGS - 1),
        await _range(connection, "providers", big),
        await _range(connection, "categories", big),
    )


async def load(dsn: str, seed: int = 20261123) -> Loaded:
    rng = random.Random(seed)
    connection = await asyncpg.connect(dsn)
    try:
        big = await _account(connection, "default")
        big_trainings = await _catalog(connection, big, (TRAININGS, PROVIDERS, CATEGORIES), rng)
        await connection.copy_records_to_table(
            "realized_trainings",
            records=_realized(big, BIG_ROWS, OWNERS, big_trainings, rng),
            columns=REALIZED_COLUMNS,
        )
        for n in range(1, SMALL_ACCOUNTS + 1):
            small = await _account(connection, f"small-{n}")
            trainings = await _catalog(connection, small, SMALL_CATALOG, rng)
            await connection.copy_records_to_table(
                "realized_trainings",
                records=_realized(small, SMALL_ROWS, 500, trainings, rng),
                columns=REALIZED_COLUMNS,
            )
        # A loaded database has been vacuumed (autovacuum): the visibility map allows index-only scans.
        await connection.execute("VACUUM ANALYZE")
        return await describe(connection)
    finally:
        await connection.close()
