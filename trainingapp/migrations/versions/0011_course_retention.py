"""course retention: each course may keep its participants' personal data for its own number of
months after it ends (NULL: the RETENTION_MONTHS setting), then `flask retention run`
anonymises it

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 21:00:00

"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHECK_NAME = "ck_events_retention_months_range"
CHECK = "retention_months IS NULL OR (retention_months >= 1 AND retention_months <= 240)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: recreating "events" with foreign keys on would cascade-delete every
        # session, registration and attendance of every course. SQLite adds a column with its
        # own CHECK in place.
        op.execute(
            "ALTER TABLE events ADD COLUMN retention_months INTEGER"
            f" CONSTRAINT {CHECK_NAME} CHECK ({CHECK})"
        )
        return
    op.add_column("events", sa.Column("retention_months", sa.Integer(), nullable=True))
    op.create_check_constraint(op.f(CHECK_NAME), "events", CHECK)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        table_sql = bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'")
        ).scalar_one()
        if re.search(r"retention_months\s+INTEGER\s+CONSTRAINT", table_sql, re.IGNORECASE):
            # SQLite >= 3.35 drops a column in place, its own CHECK with it (see upgrade()).
            op.execute("ALTER TABLE events DROP COLUMN retention_months")
            return
        # A later downgrade recreated the table (batch mode) and made the CHECK a table one,
        # which a column cannot be dropped from in place.
        with op.batch_alter_table("events", schema=None) as batch_op:
            batch_op.drop_constraint(op.f(CHECK_NAME), type_="check")
            batch_op.drop_column("retention_months")
        return
    op.drop_constraint(op.f(CHECK_NAME), "events", type_="check")
    op.drop_column("events", "retention_months")
