"""A registered demand carries its session's last day (`training_demands.session_ends_on`), so that the
database refuses to register an employee on two sessions of one training that end the same day: attendance
could record only one of them (realized trainings are unique per employee, training and last day).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_FILL = (
    "UPDATE training_demands SET session_ends_on = (SELECT s.end_on FROM training_sessions s"
    " WHERE s.account_id = training_demands.account_id AND s.id = training_demands.session_id)"
    " WHERE state = 'Registered'"
)
# Registrations made before this revision may already pair up: the first of each pair (by id) keeps its day,
# the others are left outside the index rather than the upgrade failing. Registering still sees them (it reads
# the sessions' days), and whichever of a pair's sheets comes second is refused by name.
_UNPAIR = (
    "UPDATE training_demands SET session_ends_on = NULL WHERE state = 'Registered' AND EXISTS ("
    " SELECT 1 FROM training_demands AS first WHERE first.account_id = training_demands.account_id"
    " AND first.owner_id = training_demands.owner_id AND first.training_id = training_demands.training_id"
    " AND first.session_ends_on = training_demands.session_ends_on AND first.state = 'Registered'"
    " AND first.id < training_demands.id)"
)
# A session moved to another last day moves its demands with it, in the same statement: the unique index
# then refuses the move if it pairs two registrations of one employee, and so does the check after it if an
# employee on the session already holds a realized training of its training ending on the new day. Either is
# a unique violation, which planning/service.py reads as a 409.
_FOLLOW = (
    "UPDATE training_demands SET session_ends_on = NEW.end_on"
    " WHERE account_id = NEW.account_id AND session_id = NEW.id AND state = 'Registered'"
)
_RECORDED = (
    "EXISTS (SELECT 1 FROM training_demands d JOIN realized_trainings r ON r.account_id = d.account_id"
    " AND r.owner_id = d.owner_id AND r.training_id = d.training_id AND r.session_ends_on = NEW.end_on"
    " WHERE d.account_id = NEW.account_id AND d.session_id = NEW.id AND d.state = 'Registered')"
)
# Worded as SQLite's own unique violations begin, which db/errors.py reads as UniqueViolation (PostgreSQL
# goes by the SQLSTATE that RAISE gives).
_ALREADY = "UNIQUE constraint failed: an employee of the session already has a realized training that day"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column("training_demands", sa.Column("session_ends_on", sa.Date(), nullable=True))
    op.execute(_FILL)
    op.execute(_UNPAIR)
    op.create_index(
        "uq_training_demands_owner_training_ends_on",
        "training_demands",
        ["account_id", "owner_id", "training_id", "session_ends_on"],
        unique=True,
        postgresql_where=sa.text("state = 'Registered'"),
        sqlite_where=sa.text("state = 'Registered'"),
    )
    if _postgres():
        op.execute(
            "CREATE FUNCTION sessions_rescheduled() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {_FOLLOW}; IF {_RECORDED} THEN RAISE unique_violation USING MESSAGE = '{_ALREADY}';"
            " END IF; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER sessions_rescheduled AFTER UPDATE OF end_on ON training_sessions"
            " FOR EACH ROW WHEN (OLD.end_on IS DISTINCT FROM NEW.end_on)"
            " EXECUTE FUNCTION sessions_rescheduled()"
        )
    else:
        op.execute(
            "CREATE TRIGGER sessions_rescheduled AFTER UPDATE OF end_on ON training_sessions"
            f" FOR EACH ROW WHEN OLD.end_on IS NOT NEW.end_on BEGIN {_FOLLOW};"
            f" SELECT RAISE(ABORT, '{_ALREADY}') WHERE {_RECORDED}; END"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER sessions_rescheduled" + (" ON training_sessions" if _postgres() else ""))
    if _postgres():
        op.execute("DROP FUNCTION sessions_rescheduled()")
    op.drop_index("uq_training_demands_owner_training_ends_on", table_name="training_demands")
    # Not a batch: SQLite would rebuild the table, and the rename that ends the rebuild fails on 0004's
    # trigger, which names training_demands. Both databases drop an unindexed column in place (SQLite 3.35+).
    op.execute("ALTER TABLE training_demands DROP COLUMN session_ends_on")
