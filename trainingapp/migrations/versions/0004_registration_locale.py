"""registration locale: the participant's language as a column

Revision ID: 0004
Revises: 0003_mail_outbox
Create Date: 2026-12-06 15:50:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003_mail_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))
    # Until now the language was kept in the creation's audit entry: copy it over.
    audit = sa.table(
        'audit_entries', sa.column('object_type', sa.String), sa.column('object_id', sa.Integer),
        sa.column('action', sa.String), sa.column('details', sa.JSON),
    )
    registrations = sa.table(
        'registrations', sa.column('id', sa.Integer), sa.column('locale', sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(audit.c.object_id, audit.c.details).where(
            audit.c.object_type == 'Registration', audit.c.action == 'registration.create'
        )
    ).all()
    for object_id, details in rows:
        if isinstance(details, str):
            details = json.loads(details)
        locale = (details or {}).get('locale')
        if locale:
            conn.execute(
                registrations.update()
                .where(registrations.c.id == object_id)
                .values(locale=str(locale)[:10])
            )


def downgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('locale')
