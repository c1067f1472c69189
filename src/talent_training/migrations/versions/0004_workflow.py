"""The training workflow: directory (departments, establishments, employees), plans, sessions and training
demands; categories' optional code; realized trainings found by session.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# A demand carries its owner's department and establishment (training_demands/tables.py): the database keeps
# them in step when the employee moves, in the employee's own transaction.
_FOLLOW = (
    "UPDATE training_demands SET owner_department_id = NEW.department_id,"
    " owner_establishment_id = NEW.establishment_id"
    " WHERE account_id = NEW.account_id AND owner_id = NEW.id"
)


def _create_triggers() -> None:
    if _postgres():
        op.execute(
            "CREATE FUNCTION employees_moved() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {_FOLLOW}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER employees_moved AFTER UPDATE OF department_id, establishment_id ON employees"
            " FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id"
            " OR OLD.establishment_id IS DISTINCT FROM NEW.establishment_id)"
            " EXECUTE FUNCTION employees_moved()"
        )
    else:
        op.execute(
            "CREATE TRIGGER employees_moved AFTER UPDATE OF department_id, establishment_id ON employees"
            " FOR EACH ROW WHEN OLD.department_id IS NOT NEW.department_id"
            " OR OLD.establishment_id IS NOT NEW.establishment_id"
            f" BEGIN {_FOLLOW}; END"
        )


def _drop_triggers() -> None:
    op.execute("DROP TRIGGER employees_moved" + (" ON employees" if _postgres() else ""))
    if _postgres():
        op.execute("DROP FUNCTION employees_moved()")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_departments_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_departments")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_departments_account_id_name")),
    )
    op.create_table(
        "establishments",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_establishments_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_establishments")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_establishments_account_id_name")),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_plans_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_plans_dates")),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_plans_account_id_id")),
    )
    op.create_table(
        "employees",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("login", sa.String(length=250), nullable=False),
        sa.Column("first_name", sa.String(length=250), nullable=False),
        sa.Column("last_name", sa.String(length=250), nullable=False),
        sa.Column("email", sa.String(length=250), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("establishment_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("hired_on", sa.Date(), nullable=True),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "department_id"],
            ["departments.account_id", "departments.id"],
            name=op.f("fk_employees_account_id_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "establishment_id"],
            ["establishments.account_id", "establishments.id"],
            name=op.f("fk_employees_account_id_establishment_id_establishments"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "manager_id"],
            ["employees.account_id", "employees.id"],
            name=op.f("fk_employees_account_id_manager_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_employees_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", "id", name=op.f("pk_employees")),
        sa.CheckConstraint(
            "manager_id IS NULL OR manager_id <> id", name=op.f("ck_employees_not_own_manager")
        ),
        sa.CheckConstraint(
            "left_on IS NULL OR hired_on IS NULL OR left_on >= hired_on", name=op.f("ck_employees_dates")
        ),
        sa.UniqueConstraint("account_id", "login", name=op.f("uq_employees_account_id_login")),
    )
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.create_index("ix_employees_department", ["account_id", "department_id", "id"], unique=False)
        batch_op.create_index(
            "ix_employees_establishment", ["account_id", "establishment_id", "id"], unique=False
        )
        batch_op.create_index("ix_employees_manager", ["account_id", "manager_id", "id"], unique=False)

    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("duration_hundredths", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("is_on_site", sa.Boolean(), nullable=False),
        sa.Column("is_remote", sa.Boolean(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("remote_url", sa.String(length=2048), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_count", sa.Integer(), nullable=False),
        sa.Column("confirmed_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("recorded_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "plan_id"],
            ["plans.account_id", "plans.id"],
            name=op.f("fk_training_sessions_account_id_plan_id_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "training_id"],
            ["trainings.account_id", "trainings.id"],
            name=op.f("fk_training_sessions_account_id_training_id_trainings"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_training_sessions_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
        sa.CheckConstraint("end_on >= start_on", name=op.f("ck_training_sessions_dates")),
        sa.CheckConstraint("duration_hundredths > 0", name=op.f("ck_training_sessions_duration")),
        sa.CheckConstraint(
            "registered_count >= 0 AND confirmed_count >= 0 AND confirmed_count <= registered_count",
            name=op.f("ck_training_sessions_counts"),
        ),
        sa.CheckConstraint(
            "capacity IS NULL OR (capacity >= 1 AND registered_count <= capacity)",
            name=op.f("ck_training_sessions_capacity"),
        ),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_training_sessions_account_id_id")),
    )
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_training_sessions_plan", ["account_id", "plan_id", "id"], unique=False)
        batch_op.create_index(
            "ix_training_sessions_training", ["account_id", "training_id", "id"], unique=False
        )

    op.create_table(
        "training_demands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("training_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("prioritization_rank", sa.SmallInteger(), nullable=False),
        sa.Column("prioritized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.String(length=2000), nullable=True),
        sa.Column("owner_department_id", sa.Integer(), nullable=True),
        sa.Column("owner_establishment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id", "author_id"],
            ["employees.account_id", "employees.id"],
            name=op.f("fk_training_demands_account_id_author_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "owner_id"],
            ["employees.account_id", "employees.id"],
            name=op.f("fk_training_demands_account_id_owner_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "plan_id"],
            ["plans.account_id", "plans.id"],
            name=op.f("fk_training_demands_account_id_plan_id_plans"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "session_id"],
            ["training_sessions.account_id", "training_sessions.id"],
            name=op.f("fk_training_demands_account_id_session_id_training_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "training_id"],
            ["trainings.account_id", "trainings.id"],
            name=op.f("fk_training_demands_account_id_training_id_trainings"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_training_demands_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_demands")),
        sa.CheckConstraint("prioritization_rank BETWEEN 0 AND 3", name=op.f("ck_training_demands_rank")),
        sa.CheckConstraint(
            "(session_id IS NOT NULL) = (state = 'Registered' OR state = 'Realized')",
            name=op.f("ck_training_demands_session"),
        ),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_training_demands_account_id_id")),
    )
    with op.batch_alter_table("training_demands", schema=None) as batch_op:
        batch_op.create_index(
            "uq_training_demands_owner_session",
            ["account_id", "owner_id", "session_id"],
            unique=True,
            postgresql_where=sa.text("state = 'Registered'"),
            sqlite_where=sa.text("state = 'Registered'"),
        )
        batch_op.create_index("ix_training_demands_created", ["account_id", "created_at", "id"], unique=False)
        batch_op.create_index(
            "ix_training_demands_department_rank",
            ["account_id", "owner_department_id", "prioritization_rank", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_training_demands_establishment_rank",
            ["account_id", "owner_establishment_id", "prioritization_rank", "id"],
            unique=False,
        )
        batch_op.create_index("ix_training_demands_owner", ["account_id", "owner_id", "id"], unique=False)
        batch_op.create_index(
            "ix_training_demands_rank", ["account_id", "prioritization_rank", "id"], unique=False
        )
        batch_op.create_index("ix_training_demands_session", ["account_id", "session_id", "id"], unique=False)
        batch_op.create_index("ix_training_demands_state", ["account_id", "state", "id"], unique=False)
        batch_op.create_index(
            "ix_training_demands_training", ["account_id", "training_id", "id"], unique=False
        )

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=100), nullable=True))

    with op.batch_alter_table("realized_trainings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_realized_trainings_session", ["account_id", "session_id", "id"], unique=False
        )

    _create_triggers()

    if _postgres():
        # A department's share of the demands decides between reading it by department or by rank: keep a
        # frequency for every department (and establishment), not only the hundred most common.
        for column in ("owner_department_id", "owner_establishment_id"):
            op.execute(f"ALTER TABLE training_demands ALTER COLUMN {column} SET STATISTICS 1000")


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("realized_trainings", schema=None) as batch_op:
        batch_op.drop_index("ix_realized_trainings_session")

    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("code")

    with op.batch_alter_table("training_demands", schema=None) as batch_op:
        batch_op.drop_index("uq_training_demands_owner_session")
        batch_op.drop_index("ix_training_demands_training")
        batch_op.drop_index("ix_training_demands_state")
        batch_op.drop_index("ix_training_demands_session")
        batch_op.drop_index("ix_training_demands_rank")
        batch_op.drop_index("ix_training_demands_owner")
        batch_op.drop_index("ix_training_demands_establishment_rank")
        batch_op.drop_index("ix_training_demands_department_rank")
        batch_op.drop_index("ix_training_demands_created")

    op.drop_table("training_demands")
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_training_sessions_training")
        batch_op.drop_index("ix_training_sessions_plan")

    op.drop_table("training_sessions")
    with op.batch_alter_table("employees", schema=None) as batch_op:
        batch_op.drop_index("ix_employees_manager")
        batch_op.drop_index("ix_employees_establishment")
        batch_op.drop_index("ix_employees_department")

    op.drop_table("employees")
    op.drop_table("plans")
    op.drop_table("establishments")
    op.drop_table("departments")
