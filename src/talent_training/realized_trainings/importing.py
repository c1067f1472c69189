"""Importing realized trainings from a file (Lucca's template, in English or French): every row recorded, or
none, and every bad row named.

How a million rows fit in a minute and a flat memory (docs/imports.md):
1. Rows are streamed and checked one by one in Python, against the account's logins, trainings, providers
   and categories read once at the start: no round trip per row.
2. Valid rows are copied, 5,000 at a time, into a temporary staging table of the import's transaction
   (COPY on PostgreSQL), so that memory holds a batch, never the file.
3. SQL on the staging table finds the rows that repeat another row of the file, and those already recorded.
4. Nothing wrong and not a dry run: one INSERT ... SELECT from the staging table, and one audit event for
   the whole import. Anything wrong: the transaction rolls back, trainings created on the way included.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    column,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable

from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.catalog import service as catalog_service
from talent_training.catalog.schemas import (
    CategoryCreate,
    ProviderCreate,
    TrainingCreate,
    TrainingState,
)
from talent_training.catalog.tables import Category, Provider, Training
from talent_training.db.base import UTCDateTime, utcnow
from talent_training.db.database import Database, Tx
from talent_training.db.errors import UniqueViolation
from talent_training.db.statements import Query
from talent_training.directory.tables import Employee
from talent_training.imports import (
    NO_PROGRESS,
    REALIZED_TRAININGS,
    CellError,
    FileOptions,
    FileRefused,
    ImportProblem,
    ImportReport,
    Problems,
    Progress,
    Recorded,
    Row,
    cells,
)
from talent_training.imports import Table as FileTable
from talent_training.imports.reading import Source
from talent_training.kit.actor import Actor
from talent_training.kit.problems import DomainError
from talent_training.kit.types import exact_hours
from talent_training.realized_trainings.schemas import exact_amount
from talent_training.realized_trainings.tables import RealizedTraining

KIND = "realized-trainings"
AUDIT_TYPE = "realized-training-import"
BATCH = 5000  # rows per COPY into the staging table, and per progress report
TITLE_MAX = 250  # a training's title, a provider's or a category's name (catalog/schemas.py)

T = TypeVar("T")

# The staging table -------------------------------------------------------------------------------------

# A row of the file as it will be recorded, plus its row number, to name it in problems. Temporary: each
# connection sees its own, and PostgreSQL drops it when the transaction ends (SQLite: dropped at the end).
STAGING = Table(
    "realized_training_import",
    MetaData(),
    Column("row_number", Integer, nullable=False),
    Column("owner_id", Integer, nullable=False),
    Column("training_id", Integer, nullable=False),
    Column("session_starts_on", Date, nullable=False),
    Column("session_ends_on", Date, nullable=False),
    Column("duration_hundredths", Integer, nullable=False),
    Column("has_attended", Boolean, nullable=False),
    Column("cost_hundredths", BigInteger),
    Column("cost_currency", String(3)),
    Column("expires_on", Date),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
_STAGED = tuple(column.name for column in STAGING.c)
_S = STAGING.c

_ACCOUNT = bindparam("account_id", type_=Integer)


@dataclass(frozen=True, slots=True)
class _Housekeeping:
    """Statements SQLAlchemy has no `Query` for, written for one dialect."""

    begin: tuple[Query, ...]  # the import's settings, then its staging table made afresh
    analyze: Query  # the staging table's figures, for the planner of the checks
    drop: Query
    # PostgreSQL: the catalog's figures as the planner knows them, and a statement renewing them.
    catalog_figures: Query | None = None
    analyze_catalog: Query | None = None


_HOUSEKEEPING: dict[str, _Housekeeping] = {}


def _housekeeping(dialect: Dialect) -> _Housekeeping:
    found = _HOUSEKEEPING.get(dialect.name)
    if found is None:
        found = _HOUSEKEEPING[dialect.name] = _write_housekeeping(dialect)
    return found


def _write_housekeeping(dialect: Dialect) -> _Housekeeping:
    postgresql = dialect.name == "postgresql"
    # A staging table left over (a test's transaction, a connection reused) goes first.
    drop = _plain(f"DROP TABLE IF EXISTS {'pg_temp' if postgresql else 'temp'}.{STAGING.name}")
    create = _plain(str(CreateTable(STAGING).compile(dialect=dialect)).strip())
    # PostgreSQL never analyses a temporary table by itself.
    analyze = _plain(f"ANALYZE {STAGING.name}")
    if not postgresql:
        return _Housekeeping((drop, create), analyze, drop)
    settings = (
        # A million rows take longer than a request's statements may: the import's own are not cut short.
        "SET LOCAL statement_timeout = 0",
        # Sorting and grouping a million staged rows in memory rather than in temporary files.
        "SET LOCAL work_mem = '64MB'",
    )
    sql = "SELECT reltuples::bigint AS reltuples FROM pg_class WHERE oid = 'trainings'::regclass"
    figures = text(sql).columns(column("reltuples", BigInteger))
    return _Housekeeping(
        (*map(_plain, settings), drop, create),
        analyze,
        drop,
        Query(figures),  # type: ignore[arg-type]  # a TextualSelect, as in _plain
        _plain("ANALYZE trainings"),
    )


def _plain(sql: str) -> Query:
    """A statement without parameters or rows, as a `Query` (a textual select of no columns)."""
    # A TextualSelect compiles as a select of no columns would; Query's type names the usual statements only.
    return Query(text(sql).columns())  # type: ignore[arg-type]


# What the checks read once: the account's logins, trainings, providers and categories.
_LOGINS = Query(select(Employee.login, Employee.id).where(Employee.account_id == _ACCOUNT))
_TRAININGS = Query(select(Training.id, Training.title, Training.state).where(Training.account_id == _ACCOUNT))
_PROVIDERS = Query(select(Provider.name, Provider.id).where(Provider.account_id == _ACCOUNT))
_CATEGORIES = Query(select(Category.name, Category.id).where(Category.account_id == _ACCOUNT))

# Rows repeating an earlier row of the file (same employee, training and last day), with the first of them;
# the first thousand (as many as a report keeps), and how many there are when there may be more. (A cursor
# would stay open until the transaction ends on PostgreSQL, and keep the staging table from being dropped.)
_SAME_SESSION = (_S.owner_id, _S.training_id, _S.session_ends_on)
_FIRSTS = (
    select(*_SAME_SESSION, func.min(_S.row_number).label("first_row"))
    .group_by(*_SAME_SESSION)
    .having(func.count() > 1)
    .subquery("repeated")
)
_REPEATING = (
    select(_S.row_number, _S.session_ends_on, _FIRSTS.c.first_row)
    .select_from(STAGING)
    .join(
        _FIRSTS,
        and_(
            _FIRSTS.c.owner_id == _S.owner_id,
            _FIRSTS.c.training_id == _S.training_id,
            _FIRSTS.c.session_ends_on == _S.session_ends_on,
        ),
    )
    .where(_S.row_number > _FIRSTS.c.first_row)
)
# Rows whose session is recorded already (by the unique constraint's columns, so by its index).
_RECORDED = (
    select(_S.row_number, _S.session_ends_on, RealizedTraining.id.label("recorded_id"))
    .select_from(STAGING)
    .join(
        RealizedTraining,
        and_(
            RealizedTraining.account_id == _ACCOUNT,
            RealizedTraining.owner_id == _S.owner_id,
            RealizedTraining.training_id == _S.training_id,
            RealizedTraining.session_ends_on == _S.session_ends_on,
        ),
    )
)
_LIMIT = bindparam("limit", type_=Integer)


def _first_and_count(query: Any) -> tuple[Query, Query]:
    listed = query.order_by(_S.row_number).limit(_LIMIT)
    return Query(listed), Query(select(func.count().label("found")).select_from(query.subquery()))


_REPEATS, _REPEAT_COUNT = _first_and_count(_REPEATING)
_ALREADY, _ALREADY_COUNT = _first_and_count(_RECORDED)
# Every staged row, recorded. (Not sorted by row number: a million rows cost a sort for no rule.)
_INSERT = insert(RealizedTraining).from_select(
    [
        RealizedTraining.account_id, RealizedTraining.owner_id, RealizedTraining.training_id,
        RealizedTraining.session_starts_on, RealizedTraining.session_ends_on,
        RealizedTraining.duration_hundredths, RealizedTraining.has_attended, RealizedTraining.cost_hundredths,
        RealizedTraining.cost_currency, RealizedTraining.expires_on, RealizedTraining.created_at,
    ],
    select(
        _ACCOUNT, _S.owner_id, _S.training_id, _S.session_starts_on, _S.session_ends_on,
        _S.duration_hundredths, _S.has_attended, _S.cost_hundredths, _S.cost_currency, _S.expires_on,
        bindparam("now", type_=UTCDateTime),
    ),
)  # fmt: skip
# The audit event names the first record. PostgreSQL counts what its statement inserted (other sessions may
# insert meanwhile); SQLite, whose writers take turns, gives the rows ids after the largest one.
_RECORD = Query(_INSERT)
_INSERTED = _INSERT.returning(RealizedTraining.id).cte("inserted")
_RECORD_COUNTED = Query(
    select(func.count().label("recorded"), func.min(_INSERTED.c.id).label("first_id")).select_from(_INSERTED)
)
_LAST_ID = Query(select(func.coalesce(func.max(RealizedTraining.id), 0).label("last_id")))


# Names ----------------------------------------------------------------------------------------------------

SEVERAL = -1  # a name that, ignoring case, names several things


class Names:
    """Names to ids: a name as written, else ignoring case when that names one thing only."""

    __slots__ = ("exact", "folded")

    def __init__(self, pairs: Iterable[tuple[str, int]] = ()) -> None:
        self.exact: dict[str, int] = {}
        self.folded: dict[str, int] = {}
        for name, id_ in pairs:
            self.add(name, id_)

    def add(self, name: str, id_: int) -> None:
        self.exact[name] = id_
        key = name.casefold()
        self.folded[key] = id_ if self.folded.get(key, id_) == id_ else SEVERAL

    def find(self, name: str) -> int | None:
        """The id, None for an unknown name, SEVERAL when only the case tells several apart."""
        found = self.exact.get(name)
        return found if found is not None else self.folded.get(name.casefold())


@dataclass(slots=True)
class Catalog:
    """The account's trainings as the checks need them, and its providers' and categories' names."""

    trainings: dict[int, tuple[str, str]]  # id -> (title, state)
    ready_titles: dict[str, int]  # casefolded title of Ready trainings -> id, or SEVERAL
    archived_titles: dict[str, int]  # casefolded title of Archived trainings -> one of their ids
    providers: Names
    categories: Names

    @classmethod
    async def read(cls, tx: Tx, account_id: int) -> Catalog:
        params = {"account_id": account_id}
        trainings: dict[int, tuple[str, str]] = {}
        ready: dict[str, int] = {}
        archived: dict[str, int] = {}
        for row in await tx.all(_TRAININGS, params):
            trainings[row.id] = (row.title, row.state)
            key = row.title.casefold()
            if row.state == TrainingState.READY:
                ready[key] = row.id if key not in ready else SEVERAL
            else:
                archived[key] = row.id
        providers = Names((row.name, row.id) for row in await tx.all(_PROVIDERS, params))
        categories = Names((row.name, row.id) for row in await tx.all(_CATEGORIES, params))
        return cls(trainings, ready, archived, providers, categories)


async def _logins(tx: Tx, account_id: int) -> Names:
    return Names((row.login, row.id) for row in await tx.all(_LOGINS, {"account_id": account_id}))


# Cells ----------------------------------------------------------------------------------------------------


def _memo(parse: Callable[[str], T], limit: int = 50_000) -> Callable[[str], T]:
    """`parse`, remembering its answers: a million rows repeat a few thousand dates and durations. Bounded,
    so that memory stays flat whatever the file."""
    cache: dict[str, T] = {}

    def parsed(text: str) -> T:
        value = cache.get(text, cache)
        if value is not cache:
            return value  # type: ignore[return-value]
        value = parse(text)
        if len(cache) >= limit:
            cache.clear()
        cache[text] = value
        return value

    return parsed


def _rule(check: Callable[[Decimal], Decimal]) -> Callable[[str], int]:
    """A decimal cell held to the API's rule for the same field, in hundredths."""

    def hundredths(text: str) -> int:
        try:
            return int(check(cells.parse_decimal(text)) * 100)
        except CellError:
            raise
        except ValueError as error:
            raise CellError(str(error)) from None

    return hundredths


def _text(text: str) -> str:
    return cells.parse_text(text, TITLE_MAX)


_BAD: Any = object()  # a cell found wrong: its problem is added, the row is not staged
_COLUMNS = {column.key: column for column in REALIZED_TRAININGS}
# The columns describing a training: what a training created from the file is made of.
DESCRIBING = ("type", "providerName", "providerUrl", "isCertifying", "category", "level")


def column_name(key: str) -> str:
    """A column as a message names it: 'Start date' (Date de début)."""
    column = _COLUMNS[key]
    if column.english == column.french:
        return repr(column.english)
    return f"{column.english!r} ({column.french})"


@dataclass(slots=True)
class NewTraining:
    """A training the file names and the catalog lacks (create-missing), made from the first row naming it;
    every other row naming it must describe it the same way."""

    first_row: int
    title: str
    type: str
    provider: str | None
    url: str | None
    certifying: bool
    category: str | None
    level: str
    id: int | None = None  # once created

    def compared(self) -> tuple[Any, ...]:
        """In the order of DESCRIBING; names ignoring case, as they are looked up."""
        provider = self.provider and self.provider.casefold()
        category = self.category and self.category.casefold()
        return (self.type, provider, self.url, self.certifying, category, self.level)


# The cells that name and describe a row's training: rows alike in these have the same training.
_TRAINING_CELLS = ("trainingTitle", "trainingId", *DESCRIBING)


class _Seen:
    """Parts of the valid rows met so far, by their cells as written: what a row like them gives. Bounded,
    each forgotten whole when full (then learnt again), so that memory stays flat whatever the file."""

    LIMIT = 65_536

    def __init__(self) -> None:
        self.owners: dict[tuple[str | None, str | None], int] = {}
        self.trainings: dict[tuple[str | None, ...], int] = {}
        self.dates: dict[str | None, date] = {}  # None (an empty cell) is never in it
        self.hours: dict[str | None, int] = {}
        self.costs: dict[tuple[str | None, str | None], tuple[int | None, str | None]] = {
            (None, None): (None, None)
        }
        self.attended: dict[str | None, bool] = {None: True}

    def remember(self, values: dict[str, str], staged: tuple[Any, ...]) -> None:
        get = values.get
        _, owner, training, starts, ends, hundredths, attended, cost, currency, expires = staged
        _keep(self.owners, (get("login"), get("ownerId")), owner)
        if training is not None:  # None: created once the row is checked, remembered from the next row on
            _keep(self.trainings, tuple(map(get, _TRAINING_CELLS)), training)
        _keep(self.dates, values["sessionStartsOn"], starts)
        _keep(self.dates, values["sessionEndsOn"], ends)
        if expires is not None:
            _keep(self.dates, values["expiresOn"], expires)
        _keep(self.hours, values["durationInHours"], hundredths)
        _keep(self.costs, (get("cost"), get("currency")), (cost, currency))
        _keep(self.attended, get("hasAttended"), attended)


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _Seen.LIMIT and key not in cache:
        cache.clear()
    cache[key] = value


class Checker:
    """The checks of one row, in Python, against lookups read once. Every problem of the row is added (not
    just the first); a valid row comes out as the staging table's tuple. A checked value is _BAD when wrong
    (its problem added), hence the `Any`s."""

    def __init__(
        self,
        headers: dict[str, str],
        logins: Names,
        catalog: Catalog,
        problems: Problems,
        today: date,
        create_missing: bool,
    ) -> None:
        self.headers = headers
        self.logins = logins
        self.catalog = catalog
        self.problems = problems
        self.today = today
        self.create_missing = create_missing
        self.new_trainings: dict[str, NewTraining] = {}
        # What the last row needs created before the next one is checked (_Import.create_pending).
        self.pending_categories: list[tuple[int, str]] = []
        self.pending_training: NewTraining | None = None
        self.date = _memo(cells.parse_date)
        self.hours = _memo(_rule(exact_hours))
        self.cost = _memo(_rule(exact_amount))
        self.boolean = _memo(cells.parse_bool)
        self.currency = _memo(cells.parse_currency)
        self.type = _memo(cells.parse_type)
        self.level = _memo(cells.parse_level)
        self.url = _memo(cells.parse_url)
        self.text = _memo(_text)
        self.seen = _Seen()

    def header(self, key: str) -> str:
        """The column as the file writes it, or as a message names it when the file lacks it."""
        written = self.headers.get(key)
        return repr(written) if written else column_name(key)

    def problem(self, number: int, key: str | None, value: str | None, message: str) -> Any:
        """Adds the problem; _BAD, for the caller to return."""
        self.problems.add(ImportProblem(number, self.headers.get(key) if key else None, value, message))
        return _BAD

    def cell(self, number: int, key: str, text: str | None, parse: Callable[[str], Any]) -> Any:
        """The cell's value; None when empty; _BAD, its problem added, when wrong."""
        if text is None:
            return None
        try:
            return parse(text)
        except CellError as error:
            return self.problem(number, key, text, error.message)

    def required(self, number: int, key: str, values: dict[str, str], parse: Callable[[str], Any]) -> Any:
        text = values.get(key)
        if text is None:
            return self.problem(number, key, None, "is required")
        return self.cell(number, key, text, parse)

    def check(self, row: Row) -> tuple[Any, ...] | None:
        """The row as the staging table takes it, or None (its problems added).

        A shortcut first, for speed: each part of the row (its employee's cells, its training's, each date,
        the duration, the cost) is looked up among the same cells of the valid rows met before. Any part
        never met, or a rule between cells broken, and the row takes the full checks (`check_fully`), which
        name every problem: the rules are written once, there."""
        values = row.values
        get = values.get
        seen = self.seen
        owner = seen.owners.get((get("login"), get("ownerId")))
        training = seen.trainings.get(tuple(map(get, _TRAINING_CELLS)))
        dates = seen.dates
        starts = dates.get(get("sessionStartsOn"))
        ends = dates.get(get("sessionEndsOn"))
        hundredths = seen.hours.get(get("durationInHours"))
        cost = seen.costs.get((get("cost"), get("currency")))
        expires_text = get("expiresOn")
        expires = None if expires_text is None else dates.get(expires_text, _BAD)
        attended = seen.attended.get(get("hasAttended"))
        if (
            row.problems
            or owner is None
            or training is None
            or starts is None
            or ends is None
            or hundredths is None
            or cost is None
            or expires is _BAD
            or attended is None
            or ends > self.today
            or starts > ends
            or (expires is not None and expires < ends)
        ):
            return self.check_fully(row)
        return (row.number, owner, training, starts, ends, hundredths, attended, *cost, expires)

    def check_fully(self, row: Row) -> tuple[Any, ...] | None:
        number, values = row.number, row.values
        get = values.get
        if row.problems:
            self.problems.extend(row.problems)
        owner = self.owner(number, get("login"), get("ownerId"))
        training = self.training(number, values)
        starts = self.required(number, "sessionStartsOn", values, self.date)
        ends = self.required(number, "sessionEndsOn", values, self.date)
        if ends is not _BAD and ends > self.today:
            message = f"must not be after today ({self.today.isoformat()})"
            ends = self.problem(number, "sessionEndsOn", get("sessionEndsOn"), message)
        if starts is not _BAD and ends is not _BAD and starts > ends:
            message = f"must not be after the end date ({ends.isoformat()})"
            starts = self.problem(number, "sessionStartsOn", get("sessionStartsOn"), message)
        hundredths = self.required(number, "durationInHours", values, self.hours)
        cost, currency = self.costs(number, get("cost"), get("currency"))
        expires = self.cell(number, "expiresOn", get("expiresOn"), self.date)
        if expires is not None and expires is not _BAD and ends is not _BAD and expires < ends:
            message = f"must not be before the end date ({ends.isoformat()})"
            expires = self.problem(number, "expiresOn", get("expiresOn"), message)
        attended = self.cell(number, "hasAttended", get("hasAttended"), self.boolean)
        staged = (
            number, owner, training, starts, ends, hundredths, True if attended is None else attended,
            cost, currency, expires,
        )  # fmt: skip
        if row.problems or _BAD in staged:
            return None
        self.seen.remember(values, staged)
        return staged

    def owner(self, number: int, login: str | None, owner_text: str | None) -> Any:
        """By login, or by id (taken as is, as the API takes `ownerId`); both must then agree."""
        owner = self.cell(number, "ownerId", owner_text, cells.parse_id)
        if login is None:
            if owner is None:
                key = "login" if "login" in self.headers else "ownerId"
                message = f"is empty: each row names its employee, by {column_name('login')} or 'ownerId'"
                return self.problem(number, key, None, message)
            return owner
        found = self.logins.find(login)
        if found is None:
            message = "is not the login of an employee of the directory"
            return self.problem(number, "login", login, message)
        if found == SEVERAL:
            message = "is the login of several employees, written in other cases: write it exactly"
            return self.problem(number, "login", login, message)
        if owner is not None and owner is not _BAD and owner != found:
            message = f"is employee {owner}, but {self.header('login')} {login!r} is employee {found}"
            return self.problem(number, "ownerId", owner_text, message)
        return found

    def training(self, number: int, values: dict[str, str]) -> Any:
        """The training's id, by id or title (both must then agree); None for a training to create, from
        this row (then `pending_training`)."""
        get = values.get
        describing = self.describing(number, values)
        id_text, title_text = get("trainingId"), get("trainingTitle")
        training_id = self.cell(number, "trainingId", id_text, cells.parse_id)
        if training_id is not None and training_id is not _BAD:
            known = self.catalog.trainings.get(training_id)
            if known is None:
                training_id = self.problem(
                    number, "trainingId", id_text, f"training {training_id} does not exist"
                )
            elif known[1] != TrainingState.READY:
                message = f"training {training_id} is {known[1]}: it must be Ready"
                training_id = self.problem(number, "trainingId", id_text, message)
        if title_text is None:
            if id_text is None:
                key = "trainingTitle" if "trainingTitle" in self.headers else "trainingId"
                name = column_name("trainingTitle")
                message = f"is empty: each row names its training, by {name} or 'trainingId'"
                return self.problem(number, key, None, message)
            return training_id
        title = self.cell(number, "trainingTitle", title_text, self.text)
        if title is _BAD or training_id is _BAD:
            return _BAD
        assert title is not None
        key = title.casefold()
        if training_id is not None:
            known_title = self.catalog.trainings[training_id][0]
            if known_title.casefold() != key:
                message = f"is not the title of training {training_id} ({known_title!r})"
                return self.problem(number, "trainingTitle", title_text, message)
            return training_id
        found = self.catalog.ready_titles.get(key)
        if found == SEVERAL:
            message = (
                "is the title of several trainings: name the one meant by its id, in a 'trainingId' column"
            )
            return self.problem(number, "trainingTitle", title_text, message)
        if found is not None:
            return found
        archived = self.catalog.archived_titles.get(key)
        if archived is not None:
            message = f"is the title of training {archived}, which is Archived: it must be Ready"
            return self.problem(number, "trainingTitle", title_text, message)
        if not self.create_missing:
            message = (
                "is not the title of a training of the catalog (create it, or import with create-missing)"
            )
            return self.problem(number, "trainingTitle", title_text, message)
        if describing is None:
            return _BAD
        return self.new_training(number, title, describing, values)

    def describing(self, number: int, values: dict[str, str]) -> tuple[Any, ...] | None:
        """The cells describing the row's training, in the order of DESCRIBING: checked on every row (a
        wrong cell is a problem, whatever the training), used only to create one. None when one is wrong."""
        get = values.get
        parsed = (
            self.cell(number, "type", get("type"), self.type),
            self.cell(number, "providerName", get("providerName"), self.text),
            self.cell(number, "providerUrl", get("providerUrl"), self.url),
            self.cell(number, "isCertifying", get("isCertifying"), self.boolean),
            self.category(number, get("category")),
            self.cell(number, "level", get("level"), self.level),
        )
        return None if _BAD in parsed else parsed

    def category(self, number: int, text: str | None) -> Any:
        """Must be a category of the catalog; with create-missing, one it lacks is created."""
        name = self.cell(number, "category", text, self.text)
        if name is None or name is _BAD:
            return name
        found = self.catalog.categories.find(name)
        if found == SEVERAL:
            message = "names several categories, written in other cases: write it exactly"
            return self.problem(number, "category", text, message)
        if found is None:
            if not self.create_missing:
                message = "is not a category of the catalog (create it, or import with create-missing)"
                return self.problem(number, "category", text, message)
            if all(pending != name for _, pending in self.pending_categories):
                self.pending_categories.append((number, name))
        return name

    def new_training(
        self, number: int, title: str, describing: tuple[Any, ...], values: dict[str, str]
    ) -> Any:
        kind, provider, url, certifying, category, level = describing
        if level is None:
            message = (
                f"{column_name('level')} is required to create the training {title!r}, not in the catalog"
            )
            return self.problem(number, "level", None, message)
        new = NewTraining(number, title, kind or "External", provider, url, bool(certifying), category, level)
        known = self.new_trainings.get(title.casefold())
        if known is None:
            self.new_trainings[title.casefold()] = self.pending_training = new
            return None
        for key, theirs, mine in zip(DESCRIBING, known.compared(), new.compared(), strict=True):
            if theirs != mine:
                message = (
                    f"describes the new training {title!r} otherwise than row {known.first_row} did "
                    "(the rows creating a training must agree)"
                )
                return self.problem(number, key, values.get(key), message)
        return known.id

    def costs(self, number: int, cost_text: str | None, currency_text: str | None) -> tuple[Any, Any]:
        """Both or neither."""
        cost = self.cell(number, "cost", cost_text, self.cost)
        currency = self.cell(number, "currency", currency_text, self.currency)
        if cost_text is not None and currency_text is None:
            message = f"needs its currency, in {self.header('currency')}"
            return self.problem(number, "cost", cost_text, message), _BAD
        if currency_text is not None and cost_text is None:
            message = f"is given without a cost, in {self.header('cost')}"
            return _BAD, self.problem(number, "currency", currency_text, message)
        return cost, currency


# The import -----------------------------------------------------------------------------------------------


class _RollBack(Exception):
    """Refused, or a dry run: the transaction is rolled back, nothing is written."""


async def import_realized_trainings(
    database: Database,
    actor: Actor,
    source: Source,
    *,
    options: FileOptions = FileOptions(),
    dry_run: bool = False,
    create_missing: bool = False,
    progress: Progress = NO_PROGRESS,
    today: date,
    recorded: Recorded | None = None,
) -> ImportReport:
    """Record every row of the file, or none; `report.problems` names every bad row (the first 1,000).
    `recorded` is told in the import's transaction, once the rows are written."""
    report = ImportReport(KIND, dry_run)
    try:
        table = options.open(source, REALIZED_TRAININGS)
    except FileRefused as refused:
        report.problems.extend(refused.problems)
        return report
    with table:
        report.problems.extend(_missing_columns(table.keys))
        if report.problems:
            return report
        run = _Import(actor, report, progress, today, create_missing, _file_name(source))
        try:
            async with database.transaction() as tx:
                await run.stage(tx, table)
                await run.check(tx)
                if report.problems or dry_run:
                    raise _RollBack
                await run.record(tx)
                if recorded is not None:
                    await recorded(tx, report)
        except _RollBack:
            pass
        except FileRefused as refused:  # the file broke while it was read: the transaction rolled back
            report.problems.extend(refused.problems)
    if report.problems:
        report.recorded = 0
        report.created = {}
    return report


def _missing_columns(keys: frozenset[str]) -> list[ImportProblem]:
    """Columns without which no row can be right: said once, rather than on every row."""
    missing = []
    if not keys & {"login", "ownerId"}:
        missing.append(f"the file has no {column_name('login')} column (nor 'ownerId')")
    if not keys & {"trainingTitle", "trainingId"}:
        missing.append(f"the file has no {column_name('trainingTitle')} column (nor 'trainingId')")
    for key in ("sessionStartsOn", "sessionEndsOn", "durationInHours"):
        if key not in keys:
            missing.append(f"the file has no {column_name(key)} column")
    return [ImportProblem(1, None, None, message) for message in missing]


def _file_name(source: Source) -> str | None:
    if isinstance(source, str | os.PathLike):
        return os.path.basename(os.fspath(source))
    name = getattr(source, "name", None)
    return os.path.basename(name) if isinstance(name, str) else None


class _Import:
    def __init__(
        self,
        actor: Actor,
        report: ImportReport,
        progress: Progress,
        today: date,
        create_missing: bool,
        file_name: str | None,
    ) -> None:
        self.actor = actor
        self.account = {"account_id": actor.account_id}
        self.report = report
        self.progress = progress
        self.today = today
        self.create_missing = create_missing
        self.file_name = file_name
        self.created = {"trainings": 0, "providers": 0, "categories": 0}
        self.end_header: str | None = None
        self.trainings_known = 0  # the account's trainings, those this import created included

    async def stage(self, tx: Tx, table: FileTable) -> None:
        """Every row checked; the valid ones copied into the staging table."""
        self.end_header = table.headers.get("sessionEndsOn")
        for statement in _housekeeping(tx.dialect).begin:
            await tx.execute(statement)
        catalog = await Catalog.read(tx, self.actor.account_id)
        self.trainings_known = len(catalog.trainings)
        checker = Checker(
            table.headers,
            await _logins(tx, self.actor.account_id),
            catalog,
            self.report.problems,
            self.today,
            self.create_missing,
        )
        report, progress = self.report, self.progress
        batch: list[tuple[Any, ...]] = []
        for row in table.rows():
            report.rows += 1
            staged = checker.check(row)
            if checker.pending_categories or checker.pending_training:
                created = await self.create_pending(tx, checker, catalog)
                if staged is not None and staged[2] is None:
                    staged = None if created is None else (*staged[:2], created, *staged[3:])
            if staged is not None:
                batch.append(staged)
                if len(batch) == BATCH:
                    await tx.copy(STAGING, _STAGED, batch)
                    batch = []
                    progress.update("reading", report.rows, table.fraction)
            elif (
                report.rows % BATCH == 0
            ):  # nothing copied lately: a job's serving process gets a turn anyway
                progress.update("reading", report.rows, table.fraction)
                await asyncio.sleep(0)
        if batch:
            await tx.copy(STAGING, _STAGED, batch)
        progress.update("reading", report.rows, table.fraction)
        self.trainings_known += self.created["trainings"]
        if self.create_missing:
            report.created = {kind: count for kind, count in self.created.items() if count}

    async def create_pending(self, tx: Tx, checker: Checker, catalog: Catalog) -> int | None:
        """What the last row named and the catalog lacks, created now, in the import's transaction (rolled
        back with it, by catalog/service.py's rules and with its audit events); the new training's id when
        the row named one to create."""
        categories, checker.pending_categories = checker.pending_categories, []
        new, checker.pending_training = checker.pending_training, None
        actor = self.actor
        for number, name in categories:
            creation = functools.partial(
                catalog_service.create_category, tx, actor, CategoryCreate(name=name)
            )
            category = await self._refusable(tx, number, name, creation)
            if category is not None:
                catalog.categories.add(name, category.id)
                self.created["categories"] += 1
        if new is None:
            return None
        provider_id = None
        if new.provider is not None:
            provider_id = catalog.providers.find(new.provider)
            if provider_id is None:
                fields = {"name": new.provider} | ({"websiteHref": new.url} if new.url else {})
                creation = functools.partial(
                    catalog_service.create_provider, tx, actor, ProviderCreate(**fields)
                )
                provider = await self._refusable(tx, new.first_row, new.provider, creation)
                if provider is None:
                    return None
                provider_id = provider.id
                catalog.providers.add(new.provider, provider_id)
                self.created["providers"] += 1
        category_id = None if new.category is None else catalog.categories.find(new.category)
        if category_id is None and new.category is not None:
            return None  # its creation was refused (said)
        training: dict[str, Any] = {
            "title": new.title,
            "subtitle": "",
            "description": "",
            "level": new.level,
            "isCertifying": new.certifying,
            "isMandatory": False,
            "type": new.type,
        }
        if provider_id is not None:
            training["providerId"] = provider_id
        if category_id is not None:
            training["categoryId"] = category_id
        creation = functools.partial(catalog_service.create_training, tx, actor, TrainingCreate(**training))
        row = await self._refusable(tx, new.first_row, new.title, creation)
        if row is None:
            return None
        new.id = int(row.id)
        self.created["trainings"] += 1
        return new.id

    async def _refusable(
        self, tx: Tx, number: int, value: str, creation: Callable[[], Awaitable[Any]]
    ) -> Any | None:
        """What `creation` made; None when the catalog refused it (a name taken meanwhile), said as a problem
        of the row, the transaction still usable."""
        try:
            async with tx.savepoint():
                return await creation()
        except DomainError as error:
            self.report.problems.add(ImportProblem(number, None, value, error.detail))
            return None

    async def check(self, tx: Tx) -> None:
        """The rows that repeat an earlier row of the file, and those recorded already: duplicates."""
        self.progress.update("checking", self.report.rows, 1.0)
        await tx.execute(_housekeeping(tx.dialect).analyze)
        for row in await self._duplicates(tx, _REPEATS, _REPEAT_COUNT):
            message = (
                f"repeats row {row.first_row}: the same employee, training and end date "
                "(one record per employee, training and last day)"
            )
            self._duplicate(row.row_number, row.session_ends_on, message)
        await self._recorded_already(tx)

    async def _recorded_already(self, tx: Tx) -> int:
        rows = await self._duplicates(tx, _ALREADY, _ALREADY_COUNT)
        for row in rows:
            message = (
                f"is recorded already (realized training {row.recorded_id}: the same employee, "
                "training and end date)"
            )
            self._duplicate(row.row_number, row.session_ends_on, message)
        return len(rows)

    async def _duplicates(self, tx: Tx, listed: Query, counted: Query) -> list[Any]:
        """The first of the rows `listed` finds, as many as a report keeps; the others counted."""
        limit = self.report.problems.limit
        rows = await tx.all(listed, {**self.account, "limit": limit})
        if len(rows) == limit:
            more = await tx.value(counted, self.account) - limit
            self.report.problems.count_more(more, "duplicate")
        return rows

    def _duplicate(self, number: int, ends_on: date | str, message: str) -> None:
        ends = ends_on if isinstance(ends_on, str) else ends_on.isoformat()
        self.report.problems.add(ImportProblem(number, self.end_header, ends, message, kind="duplicate"))

    async def _catalog_figures(self, tx: Tx) -> None:
        """PostgreSQL checks each recorded row's training (its foreign key) with a plan made from the
        planner's figures for `trainings`. Where they are missing or behind (a catalog just created, by this
        very import included: --create-missing), that plan took a wrong index and read every training of the
        account for each row: 20 µs a row rather than 4, a million times. They are renewed then, and only
        then: ANALYZE holds a lock on the table until the import ends, which another import's ANALYZE waits
        for."""
        housekeeping = _housekeeping(tx.dialect)
        if housekeeping.catalog_figures is None or housekeeping.analyze_catalog is None:
            return
        known = await tx.value(housekeeping.catalog_figures)
        if known is None or known < self.trainings_known:
            await tx.execute(housekeeping.analyze_catalog)

    async def record(self, tx: Tx) -> None:
        """Every staged row in one statement, and one audit event for the import."""
        report = self.report
        self.progress.update("writing", 0, 1.0)
        await self._catalog_figures(tx)
        dialect = tx.dialect.name
        values = {**self.account, "now": utcnow()}
        try:
            async with tx.savepoint():
                if dialect == "postgresql":
                    counted = await tx.one(_RECORD_COUNTED, values)
                    recorded, first_id = counted.recorded, counted.first_id
                else:
                    last_id = await tx.value(_LAST_ID)
                    recorded = await tx.execute(_RECORD, values)
                    first_id = last_id + 1
        except UniqueViolation:
            # A record of the same session committed since the check (a POST racing the import): which rows
            # now repeat a record is read again, and the import refused as a duplicate.
            if not await self._recorded_already(tx):
                message = "another import or request recorded one of these rows meanwhile: import again"
                report.problems.add(ImportProblem(None, None, None, message, kind="duplicate"))
            raise _RollBack from None
        await tx.execute(_housekeeping(tx.dialect).drop)
        report.recorded = recorded
        self.progress.update("writing", recorded, 1.0)
        if recorded:
            fields: dict[str, Any] = {"rows": report.rows, "recorded": recorded, "created": report.created}
            if self.file_name is not None:
                fields["file"] = self.file_name
            await audit.record(tx, self.actor, AUDIT_TYPE, first_id, Action.CREATE, audit.created(fields))
