"""Directory tables. Their ids are the HR system's (written by `PUT`), so each key is `(account_id, id)`:
two accounts may both have an employee 416."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from talent_training.db.base import Base, UTCDateTime


class Unit:
    """What departments and establishments share: the HR system's id, a name unique in the account."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[UniqueConstraint, ...]:
        return (UniqueConstraint("account_id", "name"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(250))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Department(Unit, Base):
    __tablename__ = "departments"


class Establishment(Unit, Base):
    __tablename__ = "establishments"


class Employee(Base):
    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("account_id", "login"),
        ForeignKeyConstraint(["account_id", "department_id"], ["departments.account_id", "departments.id"]),
        ForeignKeyConstraint(
            ["account_id", "establishment_id"], ["establishments.account_id", "establishments.id"]
        ),
        ForeignKeyConstraint(["account_id", "manager_id"], ["employees.account_id", "employees.id"]),
        Index("ix_employees_department", "account_id", "department_id", "id"),
        Index("ix_employees_establishment", "account_id", "establishment_id", "id"),
        Index("ix_employees_manager", "account_id", "manager_id", "id"),
        CheckConstraint("manager_id IS NULL OR manager_id <> id", name="not_own_manager"),
        CheckConstraint("left_on IS NULL OR hired_on IS NULL OR left_on >= hired_on", name="dates"),
    )

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    login: Mapped[str] = mapped_column(String(250))
    first_name: Mapped[str] = mapped_column(String(250))
    last_name: Mapped[str] = mapped_column(String(250))
    email: Mapped[str | None] = mapped_column(String(250))
    department_id: Mapped[int | None] = mapped_column(Integer)
    establishment_id: Mapped[int | None] = mapped_column(Integer)
    manager_id: Mapped[int | None] = mapped_column(Integer)
    hired_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # Names, login and email folded (case and accents) at write time, for `search` on both databases.
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EmployeeChain(Base):
    """The chains of command, spelled out: one row per employee and each manager above them, at any depth
    (a closure table). A manager's team is then one index range (`manager_id`), and whether someone is in
    it one key, instead of a recursive walk of `manager_id` on every request. Kept by the directory's
    writes, in the transaction that changes a manager (repository.py).

    No foreign keys: the rows are derived from `employees` (never deleted) in the transaction that writes
    them, and checking two keys per row made rebuilding 50,000 employees' chains three times slower."""

    __tablename__ = "employee_chains"
    __table_args__ = (Index("ix_employee_chains_employee", "account_id", "employee_id", "manager_id"),)

    account_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    manager_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    employee_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
