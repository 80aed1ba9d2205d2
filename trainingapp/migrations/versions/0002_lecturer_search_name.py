"""lecturer search_name (accent-insensitive directory search)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 01:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

from trainingapp.common.text import fold

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lecturers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('search_name', sa.String(length=200), nullable=False, server_default='')
        )
    # Backfill the folded names of existing lecturers.
    lecturers = sa.table(
        'lecturers', sa.column('id', sa.Integer), sa.column('full_name', sa.String),
        sa.column('search_name', sa.String),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(lecturers.c.id, lecturers.c.full_name)).all():
        conn.execute(
            lecturers.update().where(lecturers.c.id == row.id).values(search_name=fold(row.full_name))
        )
    # The model sets the value itself; drop the default used only to fill existing rows.
    with op.batch_alter_table('lecturers', schema=None) as batch_op:
        batch_op.alter_column('search_name', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('lecturers', schema=None) as batch_op:
        batch_op.drop_column('search_name')
