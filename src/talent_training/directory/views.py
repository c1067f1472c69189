"""The directory in JSON: `ext.Department`, `ext.Establishment` and `ext.Employee`. Absent values are
omitted (an employee without a manager has no `manager` key), see docs/decisions.md."""

from __future__ import annotations

from typing import Any


def unit(row: Any) -> dict[str, Any]:
    """A department or an establishment."""
    return {"id": row.id, "name": row.name}


def employee(row: Any) -> dict[str, Any]:
    """A row of the employee statements: the employee's columns, then its manager's names."""
    out: dict[str, Any] = {
        "id": row.id,
        "login": row.login,
        "firstName": row.first_name,
        "lastName": row.last_name,
    }
    if row.email is not None:
        out["email"] = row.email
    if row.department_id is not None:
        out["departmentId"] = row.department_id
    if row.establishment_id is not None:
        out["establishmentId"] = row.establishment_id
    if row.manager_id is not None:
        out["manager"] = {
            "id": row.manager_id,
            "firstName": row.manager_first_name,
            "lastName": row.manager_last_name,
        }
    if row.hired_on is not None:
        out["hiredOn"] = row.hired_on.isoformat()
    if row.left_on is not None:
        out["leftOn"] = row.left_on.isoformat()
    return out
