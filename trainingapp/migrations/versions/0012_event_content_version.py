"""events.content_version: the version of what a course's public pages show, the key of their
cached fragments and ETags

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE on every database: batch mode would rebuild ``events`` on SQLite, and with
    # foreign keys on, dropping the old table cascades to its sessions.
    op.add_column(
        "events", sa.Column("content_version", sa.Integer(), server_default="1", nullable=False)
    )


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place (see upgrade() for why not batch mode).
    op.drop_column("events", "content_version")
