"""One employee's history, read only, as the console's employee page shows it: who they are, their realized
trainings newest first, their hours per year, their certifications, their pending demands.

Every statement reads one employee's rows of one account by an equality on both, so that each is a range of
an index led by `(account_id, owner_id)` (realized_trainings' `ix_realized_trainings_owner`, training_demands'
`ix_training_demands_owner`) whatever the account's size: its cost is that employee's rows, not the account's.

It lives here, in the top layer of the domain, because it reads the directory, the catalog, realized
trainings and demands together; nothing here writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, bindparam, extract, func, literal, or_, select, true

from talent_training.catalog.tables import Provider, Training
from talent_training.db.database import Tx
from talent_training.db.paging import Paged, SortColumn, paginate
from talent_training.db.statements import Query
from talent_training.directory.tables import Department, Employee, Establishment
from talent_training.kit.paging import Page, PageRequest
from talent_training.planning.tables import TrainingSession
from talent_training.realized_trainings.tables import RealizedTraining
from talent_training.training_demands.schemas import DemandState
from talent_training.training_demands.tables import TrainingDemand

ACCOUNT = bindparam("account_id", type_=Integer)
OWNER = bindparam("owner_id", type_=Integer)
LIMIT = bindparam("limit", type_=Integer)
# Demands still on their way: neither realized nor refused (`Realized` and `Invalid` are final).
PENDING = (DemandState.REQUESTED, DemandState.REGISTERED)

# Who the employee is ----------------------------------------------------------------------------------------

_MANAGER = Employee.__table__.alias("manager")
_PROFILE = Query(
    select(
        Employee.id,
        Employee.login,
        Employee.first_name,
        Employee.last_name,
        Employee.email,
        Employee.hired_on,
        Employee.left_on,
        Employee.department_id,
        Department.name.label("department_name"),
        Employee.establishment_id,
        Establishment.name.label("establishment_name"),
        Employee.manager_id,
        _MANAGER.c.first_name.label("manager_first_name"),
        _MANAGER.c.last_name.label("manager_last_name"),
    )
    .select_from(Employee)
    .outerjoin(
        Department,
        and_(Department.account_id == Employee.account_id, Department.id == Employee.department_id),
    )
    .outerjoin(
        Establishment,
        and_(Establishment.account_id == Employee.account_id, Establishment.id == Employee.establishment_id),
    )
    .outerjoin(
        _MANAGER, and_(_MANAGER.c.account_id == Employee.account_id, _MANAGER.c.id == Employee.manager_id)
    )
    .where(Employee.account_id == ACCOUNT, Employee.id == OWNER)
)


async def profile(tx: Tx, account_id: int, employee_id: int) -> Any | None:
    """The employee with their department's, establishment's and manager's names (primary keys)."""
    return await tx.one(_PROFILE, {"account_id": account_id, "owner_id": employee_id})


# Their realized trainings, newest first ---------------------------------------------------------------------

_OF_OWNER = (RealizedTraining.account_id == ACCOUNT, RealizedTraining.owner_id == OWNER)
_ITS_TRAINING = and_(
    Training.account_id == RealizedTraining.account_id, Training.id == RealizedTraining.training_id
)
# The last day, hidden from the planner behind a COALESCE of itself (the same value, never NULL): ordered by
# the bare column, PostgreSQL may walk the account's whole `(account_id, session_ends_on, id)` index backwards
# until it meets the employee's rows (4.2 s at a million records for an employee whose records are all old);
# this way it reads the employee's rows from `(account_id, owner_id, ...)` and sorts them (hundreds: < 1 ms).
_ENDS_ON = func.coalesce(RealizedTraining.session_ends_on, RealizedTraining.session_ends_on)
_TIMELINE = Paged(
    select(
        RealizedTraining.id,
        RealizedTraining.training_id,
        RealizedTraining.session_starts_on,
        RealizedTraining.session_ends_on,
        RealizedTraining.duration_hundredths,
        RealizedTraining.has_attended,
        RealizedTraining.training_demand_id,
        RealizedTraining.expires_on,
        Training.title,
        Training.is_certifying,
        Provider.name.label("provider_name"),
    )
    .join(Training, _ITS_TRAINING)
    .outerjoin(
        Provider, and_(Provider.account_id == Training.account_id, Provider.id == Training.provider_id)
    )
    .where(*_OF_OWNER),
    RealizedTraining.id,
    base=select(RealizedTraining.id).where(*_OF_OWNER),
    # By the session's last day, then the id: what happened last first, whatever order it was recorded in.
    sort=SortColumn(_ENDS_ON, date.toordinal, date.fromordinal),
    descending=True,
    name="-sessionEndOn",
    # The owner leads the cursor's comparison, as it leads the index the rows are read from.
    within=(RealizedTraining.owner_id, OWNER),
)


async def timeline(tx: Tx, account_id: int, employee_id: int, request: PageRequest) -> Page[Any]:
    """A page of the employee's realized trainings (attended or not), the latest session's end first."""
    return await paginate(tx, _TIMELINE, {"account_id": account_id, "owner_id": employee_id}, request)


# Hours per year ---------------------------------------------------------------------------------------------

_YEAR = extract("year", RealizedTraining.session_ends_on)
_HOURS = Query(
    select(
        _YEAR.label("year"),
        func.sum(RealizedTraining.duration_hundredths).label("hundredths"),
        func.count().label("trainings"),
    )
    .where(*_OF_OWNER, RealizedTraining.has_attended == true())
    .group_by(_YEAR)
    .order_by(_YEAR.desc())
)


async def hours_per_year(tx: Tx, account_id: int, employee_id: int) -> list[Any]:
    """(year, hundredths of hours, trainings) of the trainings attended, by year of the session's last day,
    latest year first. An absence (`hasAttended: false`) is not training time."""
    return await tx.all(_HOURS, {"account_id": account_id, "owner_id": employee_id})


# Certifications ---------------------------------------------------------------------------------------------

CERTIFICATIONS_SHOWN = 200
_LATEST = (
    select(
        RealizedTraining.id,
        RealizedTraining.training_id,
        RealizedTraining.session_ends_on,
        RealizedTraining.expires_on,
        Training.title,
        func.row_number()
        .over(
            partition_by=RealizedTraining.training_id,
            order_by=(RealizedTraining.session_ends_on.desc(), RealizedTraining.id.desc()),
        )
        .label("recency"),
    )
    .join(Training, _ITS_TRAINING)
    .where(*_OF_OWNER, RealizedTraining.has_attended == true(), Training.is_certifying == true())
    .subquery("latest")
)
_CERTIFICATIONS = Query(
    select(
        _LATEST.c.id,
        _LATEST.c.training_id,
        _LATEST.c.session_ends_on,
        _LATEST.c.expires_on,
        _LATEST.c.title,
    )
    .where(_LATEST.c.recency == literal(1))
    # The soonest expiry first, those that never expire last.
    .order_by(_LATEST.c.expires_on.is_(None), _LATEST.c.expires_on, _LATEST.c.title, _LATEST.c.id)
    .limit(LIMIT)
)


async def certifications(tx: Tx, account_id: int, employee_id: int) -> list[Any]:
    """For each certifying training the employee attended, its latest record (by the session's last day, then
    id) and when it expires (None: never), the soonest first; at most CERTIFICATIONS_SHOWN."""
    params = {"account_id": account_id, "owner_id": employee_id, "limit": CERTIFICATIONS_SHOWN}
    return await tx.all(_CERTIFICATIONS, params)


# Pending demands --------------------------------------------------------------------------------------------

DEMANDS_SHOWN = 50
_PENDING = Query(
    select(
        TrainingDemand.id,
        TrainingDemand.training_id,
        TrainingDemand.state,
        TrainingDemand.status,
        TrainingDemand.created_at,
        TrainingDemand.prioritization_rank,
        Training.title,
        TrainingSession.start_on.label("session_start_on"),
        TrainingSession.end_on.label("session_end_on"),
    )
    .join(
        Training,
        and_(Training.account_id == TrainingDemand.account_id, Training.id == TrainingDemand.training_id),
    )
    .outerjoin(
        TrainingSession,
        and_(
            TrainingSession.account_id == TrainingDemand.account_id,
            TrainingSession.id == TrainingDemand.session_id,
        ),
    )
    .where(
        TrainingDemand.account_id == ACCOUNT,
        TrainingDemand.owner_id == OWNER,
        or_(*(TrainingDemand.state == literal(state.value) for state in PENDING)),
    )
    .order_by(TrainingDemand.id.desc())
    .limit(LIMIT)
)


async def pending_demands(tx: Tx, account_id: int, employee_id: int) -> tuple[list[Any], bool]:
    """The employee's demands not yet realized nor refused, the newest first: at most DEMANDS_SHOWN, and
    whether there are more."""
    params = {"account_id": account_id, "owner_id": employee_id, "limit": DEMANDS_SHOWN + 1}
    rows = await tx.all(_PENDING, params)
    return rows[:DEMANDS_SHOWN], len(rows) > DEMANDS_SHOWN
