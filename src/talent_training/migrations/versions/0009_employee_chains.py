"""The chains of command as a closure table (directory/tables.py `EmployeeChain`): one row per employee and
each manager above them, filled here from the directory as it stands.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Every employee's managers, up to the top of their chain (UNION: it ends even if a cycle had crept in).
_FILL = """
INSERT INTO employee_chains (account_id, manager_id, employee_id)
WITH RECURSIVE chains (account_id, manager_id, employee_id) AS (
    SELECT account_id, manager_id, id FROM employees WHERE manager_id IS NOT NULL
    UNION
    SELECT above.account_id, above.manager_id, chains.employee_id
    FROM chains JOIN employees AS above
        ON above.account_id = chains.account_id AND above.id = chains.manager_id
    WHERE above.manager_id IS NOT NULL
)
SELECT account_id, manager_id, employee_id FROM chains
"""


def upgrade() -> None:
    op.create_table(
        "employee_chains",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "manager_id", "employee_id", name=op.f("pk_employee_chains")),
    )
    op.create_index(
        "ix_employee_chains_employee", "employee_chains", ["account_id", "employee_id", "manager_id"]
    )
    op.execute(_FILL)
    if op.get_bind().dialect.name == "postgresql":
        # Statistics now, not at autovacuum's next pass: the lists' plans depend on the teams' sizes.
        op.execute("ANALYZE employee_chains")


def downgrade() -> None:
    op.drop_index("ix_employee_chains_employee", table_name="employee_chains")
    op.drop_table("employee_chains")
