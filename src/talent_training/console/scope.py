"""What a signed-in user may see of the account's people: everything for an HR administrator or an auditor;
for a manager, their team (the employees below them in the directory, at any depth: directory's `Team`).

A manager asking for anyone else's page, record or demand gets 404, as if it did not exist: whether an
employee of another team exists is not theirs to learn. Screens read `team` once per request and pass it to
the lists they read (their `team` filter: the directory's chains of command, directory/repository.py), or
call `check_in_team` before showing one person's things.
"""

from __future__ import annotations

from talent_training.console.auth import UserPrincipal
from talent_training.db.database import Tx
from talent_training.directory import service as directory
from talent_training.directory.repository import Team
from talent_training.kit.problems import NotFound
from talent_training.users.tables import UserRole
from talent_training.web.request import Request


def principal(request: Request) -> UserPrincipal:
    found = request.principal
    assert isinstance(found, UserPrincipal)
    return found


def is_hr_admin(request: Request) -> bool:
    return principal(request).role == UserRole.HR_ADMIN.value


def is_manager(request: Request) -> bool:
    return principal(request).role == UserRole.MANAGER.value


async def team(tx: Tx, request: Request) -> Team | None:
    """The team the user sees: None for the whole account (HR administrator, auditor), else the manager's
    (a manager with nobody under them sees nobody)."""
    user = principal(request)
    if user.role != UserRole.MANAGER.value:
        return None
    assert user.employee_id is not None  # the users table's check: a manager is an employee
    return await directory.team(tx, user.account_id, user.employee_id)


async def may_see(tx: Tx, request: Request, employee_id: int) -> bool:
    """Whether the user may see this employee's things: one walk up the employee's chain of command, not the
    manager's whole team."""
    user = principal(request)
    if user.role != UserRole.MANAGER.value:
        return True
    return user.employee_id is not None and await directory.in_team(
        tx, user.account_id, user.employee_id, employee_id
    )


async def check_in_team(tx: Tx, request: Request, employee_id: int, what: str) -> None:
    """404 (`what` was not found) unless the user may see this employee's things."""
    if not await may_see(tx, request, employee_id):
        raise NotFound(what)
