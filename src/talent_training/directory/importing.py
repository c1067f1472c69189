"""Employees from a CSV or XLSX file: the HR system's nightly sync (docs/imports.md).

Each row creates or replaces an employee by its HR id, as `PUT /v1/employees/{id}` does, with the same rules
(service.py's, called here): names and logins as the API's schemas limit them, `leftOn` not before `hiredOn`,
nobody their own manager, logins unique in the account, no cycle of managers. What differs is what a file
needs: departments and establishments are named (created when new), managers are named by login and may
come later in the file, and the whole file is checked first, against the directory as it will be once the
file is applied, so that every problem is reported at once and nothing is written unless all rows are right.

The work is set-based, so that 50,000 employees take seconds: the file is read and checked in memory, then
new units, new employees and audit events go in with `Tx.copy` (COPY on PostgreSQL) and changed employees
are rewritten a few thousand at a time by one `UPDATE ... FROM` rows sent as one JSON parameter.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import JSON, Integer, String, Table, bindparam, cast, column, func, select, update
from sqlalchemy.sql import FromClause

from talent_training.audit import service as audit
from talent_training.audit.service import Action
from talent_training.audit.tables import AuditEvent
from talent_training.db.base import UTCDateTime, utcnow
from talent_training.db.database import Database, Tx
from talent_training.db.errors import ReferenceViolation, UniqueViolation
from talent_training.db.statements import Query
from talent_training.directory import repository, service
from talent_training.directory.schemas import Email, EmployeePut, UnitPut
from talent_training.directory.service import DEPARTMENT, EMPLOYEE_COLUMNS, ESTABLISHMENT
from talent_training.directory.tables import Department, Employee, Establishment
from talent_training.imports import (
    EMPLOYEES,
    NO_PROGRESS,
    CellError,
    FileOptions,
    FileRefused,
    ImportProblem,
    ImportReport,
    Problems,
    Progress,
    Recorded,
    Row,
)
from talent_training.imports import Table as FileTable
from talent_training.imports.cells import parse_date, parse_id, parse_text
from talent_training.imports.reading import Source
from talent_training.kit.actor import Actor
from talent_training.kit.problems import RuleViolation
from talent_training.kit.types import INT32_MAX

KIND = "employees"
REQUIRED = ("id", "login", "firstName", "lastName")
PROGRESS_EVERY = 5000  # rows between two progress updates
UPDATE_BATCH = 2000  # employees rewritten by one statement
DUPLICATE = "duplicate"

_T = TypeVar("_T")


def _max_length(model: type[BaseModel], name: str) -> int:
    """The API schema's limit on a text field, so that a file and a request are held to the same one."""
    limits = [getattr(item, "max_length", None) for item in model.model_fields[name].metadata]
    return int(next(limit for limit in limits if limit is not None))


NAME_MAX = _max_length(EmployeePut, "login")  # logins and names alike
UNIT_NAME_MAX = _max_length(UnitPut, "name")
_EMAIL = TypeAdapter(Email)


# Statements: the directory of an account whole, and employees rewritten many at a time ---------------------


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_UNIT_TABLES = {DEPARTMENT: _table(Department), ESTABLISHMENT: _table(Establishment)}
_EMPLOYEES = _table(Employee)
_AUDIT = _table(AuditEvent)
_ACCOUNT = bindparam("account_id", type_=Integer)
_NOW = bindparam("now", type_=UTCDateTime)
# An employee as the import compares it: its id, then its columns as PUT writes them, in the order of
# service.EMPLOYEE_COLUMNS (so `row[1:]` compares with `_Line.columns()`).
_DIRECTORY = Query(
    select(Employee.id, *(_EMPLOYEES.c[name] for name in EMPLOYEE_COLUMNS.values())).where(
        Employee.account_id == _ACCOUNT
    )
)
_UNITS = {
    DEPARTMENT: Query(select(Department.id, Department.name).where(Department.account_id == _ACCOUNT)),
    ESTABLISHMENT: Query(
        select(Establishment.id, Establishment.name).where(Establishment.account_id == _ACCOUNT)
    ),
}


# What a rewrite sets, besides `updated_at`: every column PUT writes.
_REWRITTEN = (*EMPLOYEE_COLUMNS.values(), "search_text")


def _json_rows(dialect: str) -> FromClause:
    """The rows of the JSON array bound to `rows` (objects keyed by `id` and the rewritten columns), as a
    table `src`: `json_to_recordset` on PostgreSQL, `json_each` on SQLite (whose dates are ISO text). SQLite's
    rows are materialised first: its planner, knowing nothing of their number, would otherwise scan the
    account's employees once per row (a minute for 2,000 rows among 50,000) rather than look each one up."""
    names = ("id", *_REWRITTEN)
    rows = bindparam("rows", type_=String)
    if dialect == "postgresql":
        typed = [column(name, _EMPLOYEES.c[name].type) for name in names]
        return (
            func.json_to_recordset(cast(rows, JSON))
            .table_valued(*typed)
            .render_derived(name="src", with_types=True)
        )
    item = func.json_each(rows).table_valued("value").alias("item")
    extracted = (func.json_extract(item.c.value, f"$.{name}").label(name) for name in names)
    return select(*extracted).cte("src").prefix_with("MATERIALIZED")


def _rewrite(dialect: str) -> Query:
    src = _json_rows(dialect)
    return Query(
        update(Employee)
        .where(Employee.account_id == _ACCOUNT, Employee.id == src.c.id)
        .values({name: src.c[name] for name in _REWRITTEN} | {"updated_at": _NOW})
    )


# One statement per dialect: each reads the JSON its own way.
_REWRITE = {dialect: _rewrite(dialect) for dialect in ("postgresql", "sqlite")}


# The file, row by row -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    """A row of the file, its cells parsed (None: empty or wrong), and what its names resolve to."""

    number: int
    id_text: str | None
    id: int | None = None
    login: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    department: str | None = None
    establishment: str | None = None
    manager_login: str | None = None
    hired_on: date | None = None
    left_on: date | None = None
    department_id: int | None = None
    establishment_id: int | None = None
    manager_id: int | None = None

    def columns(self) -> tuple[Any, ...]:
        """Its values in the order of service.EMPLOYEE_COLUMNS."""
        return (
            self.login, self.first_name, self.last_name, self.email,
            self.department_id, self.establishment_id, self.manager_id,
            self.hired_on, self.left_on,
        )  # fmt: skip


class _Reader:
    """Parses rows into lines, each wrong cell a problem named by its column as the file writes it."""

    def __init__(self, table: FileTable, problems: Problems) -> None:
        self.headers = table.headers
        self.problems = problems

    def cell(self, row: Row, key: str, parse: Callable[[str], _T], required: bool = False) -> _T | None:
        text = row.values.get(key)
        if text is None:
            if required:
                self.problems.add(ImportProblem(row.number, self.headers[key], None, "is required"))
            return None
        try:
            return parse(text)
        except CellError as error:
            self.problems.cell(row.number, self.headers[key], text, error.message)
            return None

    def line(self, row: Row) -> _Line:
        self.problems.extend(row.problems)
        cell = self.cell
        line = _Line(row.number, row.values.get("id"))
        line.id = cell(row, "id", parse_id, required=True)
        line.login = cell(row, "login", _name, required=True)
        line.first_name = cell(row, "firstName", _name, required=True)
        line.last_name = cell(row, "lastName", _name, required=True)
        line.email = cell(row, "email", _email)
        line.department = cell(row, "department", _unit_name)
        line.establishment = cell(row, "establishment", _unit_name)
        line.manager_login = cell(row, "managerLogin", _name)
        line.hired_on = cell(row, "hiredOn", parse_date)
        line.left_on = cell(row, "leftOn", parse_date)
        try:
            service.check_dates(line.hired_on, line.left_on)
        except RuleViolation as violation:
            self.problems.cell(row.number, self.headers["leftOn"], row.values["leftOn"], _message(violation))
        return line


def _name(text: str) -> str:
    return parse_text(text, NAME_MAX)  # cells are trimmed and never empty: never blank


def _unit_name(text: str) -> str:
    return parse_text(text, UNIT_NAME_MAX)


def _email(text: str) -> str:
    try:
        return str(_EMAIL.validate_python(text))
    except ValidationError as error:
        raise CellError(error.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")) from None


def _message(violation: RuleViolation) -> str:
    """A rule's message without its field: the problem names the column."""
    return next(iter(violation.errors.values()))[0]


def _missing_columns(table: FileTable) -> list[ImportProblem]:
    problems = []
    for wanted in EMPLOYEES:
        if wanted.key in REQUIRED and wanted.key not in table.keys:
            names = repr(wanted.english)
            if wanted.french != wanted.english:
                names += f" (or {wanted.french!r})"
            problems.append(ImportProblem(1, None, None, f"the column {names} is required"))
    return problems


async def _read(table: FileTable, report: ImportReport, progress: Progress) -> list[_Line]:
    missing = _missing_columns(table)
    if missing:
        report.problems.extend(missing)
        return []
    reader = _Reader(table, report.problems)
    lines = []
    for row in table.rows():
        lines.append(reader.line(row))
        if len(lines) % PROGRESS_EVERY == 0:
            progress.update("reading", len(lines))
            await asyncio.sleep(0)  # a job runs in a serving process: its requests get their turn
    report.rows = len(lines)
    progress.update("reading", len(lines))
    return lines


# The directory as it is, and as the file leaves it ------------------------------------------------------


class _Units:
    """An account's departments (or establishments) by name, and those the file adds. A name matches the
    unit written exactly so, else the one unit whose name differs only by case; a new name gets the next id
    after the account's highest."""

    def __init__(self, kind: str, rows: Iterable[Any]) -> None:
        self.kind = kind
        self.ids: dict[str, int] = {}
        self.by_case: dict[str, list[str]] = {}
        for row in rows:
            self.ids[row.name] = row.id
            self.by_case.setdefault(row.name.casefold(), []).append(row.name)
        self.next_id = max(self.ids.values(), default=0) + 1
        self.new: dict[str, tuple[int, str]] = {}  # case-folded name: id, name as first written

    def resolve(self, name: str) -> int:
        found = self.ids.get(name)
        if found is not None:
            return found
        folded = name.casefold()
        existing = self.by_case.get(folded, [])
        if len(existing) > 1:
            names = ", ".join(repr(other) for other in sorted(existing))
            raise CellError(
                f"matches {names} but none exactly: write the {self.kind} as one of them is written"
            )
        if existing:
            return self.ids[existing[0]]
        if folded not in self.new:
            if self.next_id > INT32_MAX:
                raise CellError(f"is a new {self.kind}, but the account's {self.kind} ids are all used")
            self.new[folded] = (self.next_id, name)
            self.next_id += 1
        return self.new[folded][0]


@dataclass(slots=True)
class _Directory:
    employees: dict[int, Any]  # id: the row of _DIRECTORY
    departments: _Units
    establishments: _Units

    @classmethod
    async def load(cls, tx: Tx, account_id: int) -> _Directory:
        params = {"account_id": account_id}
        employees: dict[int, Any] = {}
        async for batch in tx.stream(_DIRECTORY, params, batch=5000):
            employees.update((row.id, row) for row in batch)
        departments = _Units(DEPARTMENT, await tx.all(_UNITS[DEPARTMENT], params))
        establishments = _Units(ESTABLISHMENT, await tx.all(_UNITS[ESTABLISHMENT], params))
        return cls(employees, departments, establishments)


@dataclass(slots=True)
class _Plan:
    """What the file changes: new employees (managers before their reports), changed ones (with their rows
    as they were), and how many it leaves as they are."""

    new: list[_Line] = field(default_factory=list)
    changed: list[tuple[_Line, Any]] = field(default_factory=list)
    unchanged: int = 0


class _Checker:
    """The rules that look beyond a row: ids and logins once in the file and unique in the account, names
    resolved, and no cycle of managers in the directory as the file leaves it."""

    def __init__(self, reader_headers: dict[str, str], directory: _Directory, problems: Problems) -> None:
        self.headers = reader_headers
        self.directory = directory
        self.problems = problems
        self.lines: dict[int, _Line] = {}  # by id: the file's employees (a repeated id: its first row)
        self.logins: dict[str, int] = {}  # every login once the file is applied: its employee
        self.rows_by_login: dict[str, int] = {}  # every login of the file: its first row

    def problem(self, line: _Line, key: str, value: str | None, message: str, kind: str = "invalid") -> None:
        self.problems.add(ImportProblem(line.number, self.headers[key], value, message, kind))

    def check(self, lines: list[_Line]) -> None:
        self._once_each(lines)
        self._logins_in_the_directory()
        for line in self.lines.values():
            self._resolve(line)
        self._no_cycles()

    def _once_each(self, lines: list[_Line]) -> None:
        rows_by_login = self.rows_by_login
        for line in lines:
            if line.id is not None:
                first = self.lines.setdefault(line.id, line)
                if first is not line:
                    message = f"repeats the id of row {first.number}: an employee is imported once"
                    self.problem(line, "id", line.id_text, message, DUPLICATE)
            if line.login is not None:
                row = rows_by_login.setdefault(line.login, line.number)
                if row != line.number:
                    message = f"repeats the login of row {row}: logins are unique in the account"
                    self.problem(line, "login", line.login, message, DUPLICATE)
                elif line.id is not None and self.lines[line.id] is line:
                    self.logins[line.login] = line.id

    def _logins_in_the_directory(self) -> None:
        """A login stays with a directory employee the file leaves out; one the file renames frees its own."""
        for employee_id, row in self.directory.employees.items():
            if employee_id in self.lines:
                continue
            holder = self.logins.get(row.login)
            if holder is not None:
                line = self.lines[holder]
                message = f"is the login of employee {employee_id} in the directory: logins are unique"
                self.problem(line, "login", line.login, message, DUPLICATE)
            else:
                self.logins[row.login] = employee_id

    def _resolve(self, line: _Line) -> None:
        for key, units, name in (
            ("department", self.directory.departments, line.department),
            ("establishment", self.directory.establishments, line.establishment),
        ):
            if name is not None:
                try:
                    setattr(line, f"{key}_id", units.resolve(name))
                except CellError as error:
                    self.problem(line, key, name, error.message)
        if line.manager_login is None:
            return
        manager_id = self.logins.get(line.manager_login)
        if manager_id is None and line.manager_login in self.rows_by_login:
            return  # the login of a row whose id is wrong: that row's problem says so
        if manager_id is None:
            message = "is the login of no employee, in the file or the directory"
            self.problem(line, "managerLogin", line.manager_login, message)
            return
        try:
            assert line.id is not None
            service.check_not_own_manager(line.id, manager_id)
        except RuleViolation as violation:
            self.problem(line, "managerLogin", line.manager_login, _message(violation))
            return
        line.manager_id = manager_id

    def manager(self, employee_id: int) -> int | None:
        """An employee's manager once the file is applied."""
        line = self.lines.get(employee_id)
        if line is not None:
            return line.manager_id
        row = self.directory.employees.get(employee_id)
        return None if row is None else row.manager_id

    def _no_cycles(self) -> None:
        """Up from each employee of the file; each employee is walked once. A cycle is reported once, on the
        last row of the file that takes part in it."""
        done: set[int] = set()
        for start in self.lines:
            path: list[int] = []
            on_path: set[int] = set()
            employee: int | None = start
            while employee is not None and employee not in done:
                if employee in on_path:
                    self._cycle(path[path.index(employee) :])
                    break
                path.append(employee)
                on_path.add(employee)
                employee = self.manager(employee)
            done.update(path)

    def _cycle(self, cycle: list[int]) -> None:
        in_file = [self.lines[member] for member in cycle if member in self.lines]
        if not in_file:  # the directory's own, if it ever had one: not this file's to answer for
            return
        line = max(in_file, key=lambda member: member.number)
        start = cycle.index(line.id)  # type: ignore[arg-type]
        members = cycle[start:] + cycle[:start]
        chain = [self._login(member) for member in (*members[:10], members[0])]
        shown = " → ".join(chain if len(members) <= 10 else [*chain[:-1], "…"])
        message = f"makes a cycle of managers ({shown}): a manager may not be managed by their own report"
        self.problem(line, "managerLogin", line.manager_login, message)

    def _login(self, employee_id: int) -> str:
        line = self.lines.get(employee_id)
        if line is not None and line.login is not None:
            return line.login
        return str(self.directory.employees[employee_id].login)

    def plan(self) -> _Plan:
        plan = _Plan()
        for line in self.lines.values():
            before = self.directory.employees.get(line.id)  # type: ignore[arg-type]
            if before is None:
                plan.new.append(line)
            elif tuple(before[1:]) != line.columns():
                plan.changed.append((line, before))
            else:
                plan.unchanged += 1
        plan.new = list(self._managers_first(plan.new))
        return plan

    def _managers_first(self, new: list[_Line]) -> Iterator[_Line]:
        """New employees in an order where each new manager comes before their reports: the foreign key on
        the manager holds at every row (SQLite checks it per inserted row)."""
        placed: set[int] = set()
        for line in new:
            chain: list[_Line] = []
            member: _Line | None = line
            while member is not None and member.id not in placed:
                chain.append(member)
                placed.add(member.id)  # type: ignore[arg-type]
                manager = member.manager_id
                member = None
                if manager is not None and manager not in self.directory.employees:
                    member = self.lines.get(manager)
            yield from reversed(chain)


# Writing --------------------------------------------------------------------------------------------------

_EMPLOYEE_COPY = ("account_id", "id", *_REWRITTEN, "created_at", "updated_at")
_UNIT_COPY = ("account_id", "id", "name", "created_at", "updated_at")
_AUDIT_COPY = ("account_id", "occurred_at", "actor", "resource_type", "resource_id", "action", "changes")


def _fields(values: Sequence[Any]) -> dict[str, Any]:
    """An employee's columns (service.EMPLOYEE_COLUMNS' order) by their API names, for its audit event."""
    return dict(zip(EMPLOYEE_COLUMNS, values, strict=True))


def _search_text(line: _Line) -> str:
    assert line.login and line.first_name and line.last_name
    return service.search_text(line.login, line.first_name, line.last_name, line.email)


class _Writer:
    def __init__(self, tx: Tx, actor: Actor, progress: Progress) -> None:
        self.tx = tx
        self.actor = actor
        self.account_id = actor.account_id
        self.progress = progress
        self.now = utcnow()
        self.written = 0

    async def write(self, plan: _Plan, directory: _Directory, checker: _Checker) -> None:
        units = (directory.departments, directory.establishments)
        await self._free_logins(plan, checker)
        for named in units:
            await self._units(named)
        await self._insert(plan.new)
        await self._rewrite(plan.changed)
        await self._audit(_events(plan, units))
        if _moves_managers(plan):
            # Many managers at once: the chains of command rebuilt from the directory in one statement,
            # rather than moved one employee at a time as a PUT does.
            await repository.rebuild_chains(self.tx, self.account_id)

    async def _free_logins(self, plan: _Plan, checker: _Checker) -> None:
        """An employee renamed by the file whose old login another row takes gets a placeholder first: the
        unique login holds at every row written, whatever the order (a swap of two logins included)."""
        moving = [
            (line, before)
            for line, before in plan.changed
            if before.login != line.login and before.login in checker.logins
        ]
        if moving:
            placeholder = f"~import {uuid.uuid4().hex}"  # never a login: never committed either
            await self._update(
                [(line.id, f"{placeholder} {line.id}", *before[2:]) for line, before in moving]
            )

    async def _units(self, units: _Units) -> None:
        if not units.new:
            return
        now = self.now
        await self.tx.copy(
            _UNIT_TABLES[units.kind],
            _UNIT_COPY,
            [(self.account_id, unit_id, name, now, now) for unit_id, name in units.new.values()],
        )

    async def _insert(self, new: list[_Line]) -> None:
        if not new:
            return
        account_id, now = self.account_id, self.now
        rows = ((account_id, line.id, *line.columns(), _search_text(line), now, now) for line in new)
        await self.tx.copy(_EMPLOYEES, _EMPLOYEE_COPY, rows)
        self.written += len(new)
        self.progress.update("writing", self.written)

    async def _rewrite(self, changed: list[tuple[_Line, Any]]) -> None:
        for start in range(0, len(changed), UPDATE_BATCH):
            batch = changed[start : start + UPDATE_BATCH]
            await self._update([(line.id, *line.columns()) for line, _ in batch])
            self.written += len(batch)
            self.progress.update("writing", self.written)

    async def _update(self, rows: list[tuple[Any, ...]]) -> None:
        """Rewrite employees: each row their id then their columns (service.EMPLOYEE_COLUMNS' order)."""
        names = ("id", *EMPLOYEE_COLUMNS.values())
        documents = []
        for row in rows:
            document = dict(zip(names, row, strict=True))
            document["search_text"] = service.search_text(
                document["login"], document["first_name"], document["last_name"], document["email"]
            )
            documents.append(document)
        params = {"account_id": self.account_id, "now": self.now, "rows": orjson.dumps(documents).decode()}
        await self.tx.execute(_REWRITE[self.tx.dialect.name], params)

    async def _audit(self, events: Iterator[_Event]) -> None:
        first = next(events, None)
        if first is None:
            return
        actor, now, account_id = self.actor.name, self.now, self.account_id
        # JSON as audit.record writes it: dates ISO (orjson's own way with dates).
        rows = (
            (account_id, now, actor, resource_type, resource_id, action.value, orjson.dumps(changes).decode())
            for resource_type, resource_id, action, changes in itertools.chain((first,), events)
        )
        await self.tx.copy(_AUDIT, _AUDIT_COPY, rows, ready=("changes",))


_Event = tuple[str, int, Action, audit.Changes]


def _moves_managers(plan: _Plan) -> bool:
    """Whether the file gives anyone a manager or changes one (a sync of an unchanged chart does not)."""
    return any(line.manager_id is not None for line in plan.new) or any(
        line.manager_id != before.manager_id for line, before in plan.changed
    )


def _events(plan: _Plan, units: Iterable[_Units]) -> Iterator[_Event]:
    """The audit events of what was written, as the PUTs would record them; made as they are copied."""
    for named in units:
        for unit_id, name in named.new.values():
            yield named.kind, unit_id, Action.CREATE, audit.created({"name": name})
    for line in plan.new:
        assert line.id is not None
        yield "employee", line.id, Action.CREATE, audit.created(_fields(line.columns()))
    for line, before in plan.changed:
        assert line.id is not None
        yield "employee", line.id, Action.UPDATE, audit.changed(_fields(before[1:]), _fields(line.columns()))


# The import ----------------------------------------------------------------------------------------------


async def import_employees(
    database: Database,
    actor: Actor,
    source: Source,
    *,
    options: FileOptions = FileOptions(),
    dry_run: bool = False,
    progress: Progress = NO_PROGRESS,
    today: date,
    recorded: Recorded | None = None,
) -> ImportReport:
    """Create or replace the employees of a file (and the departments and establishments it names), all of
    them or, with any problem, none. `dry_run` checks everything, against the directory too, and writes
    nothing. `today`: no employee rule depends on the date (a future `hiredOn` is a planned arrival)."""
    del today
    report = ImportReport(KIND, dry_run)
    try:
        with options.open(source, EMPLOYEES) as table:
            headers = dict(table.headers)
            lines = await _read(table, report, progress)
    except FileRefused as refused:
        report.problems.extend(refused.problems)
        return report
    if not report.rows and report.problems:
        return report
    # A file already wrong is still checked against the directory (every problem at once), but only read.
    write = not (dry_run or report.problems)
    try:
        async with database.transaction() if write else database.read() as tx:
            await _apply(tx, actor, lines, headers, report, progress, write=write)
            if write and report.accepted and recorded is not None:
                await recorded(tx, report)
    except (UniqueViolation, ReferenceViolation):
        # Only when the directory changed while the file was applied (a PUT of the same login or id).
        message = "the directory changed while the file was imported: nothing was written, import it again"
        report.problems.add(ImportProblem(None, None, None, message))
        report.recorded = 0
        report.created = {}
    return report


async def _apply(
    tx: Tx,
    actor: Actor,
    lines: list[_Line],
    headers: dict[str, str],
    report: ImportReport,
    progress: Progress,
    *,
    write: bool,
) -> None:
    if write:
        # Manager changes of the account wait until this one is done, so that the cycles checked against
        # the directory read now are all there can be (as a PUT that changes a manager does).
        await repository.lock_manager_changes(tx, actor.account_id)
    directory = await _Directory.load(tx, actor.account_id)
    checker = _Checker(headers, directory, report.problems)
    checker.check(lines)
    progress.update("checking", len(lines))
    if report.problems:
        return
    plan = checker.plan()
    report.created = {
        "created": len(plan.new),
        "updated": len(plan.changed),
        "unchanged": plan.unchanged,
        "departments": len(directory.departments.new),
        "establishments": len(directory.establishments.new),
    }
    if write:
        await _Writer(tx, actor, progress).write(plan, directory, checker)
        report.recorded = len(lines)
