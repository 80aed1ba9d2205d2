"""invitations: units asked to nominate within their quota; held seats; units' contacts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 09:58:02.865490

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('first_opened_at', sa.DateTime(), nullable=True),
    sa.Column('last_opened_at', sa.DateTime(), nullable=True),
    sa.Column('last_change_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('last_reminded_at', sa.DateTime(), nullable=True),
    sa.Column('reminders', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invitations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_invitations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_invitations_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('event_id', 'organization_id', name=op.f('uq_invitations_event_id_organization_id')),
    sa.UniqueConstraint('token', name=op.f('uq_invitations_token'))
    )
    op.create_table('letter_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_letter_templates_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_letter_templates_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_templates')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_letter_templates_organization_id'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nominations_close_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('held_seats_released_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registrations_source_valid'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_registrations_source_valid'),
            "source IN ('online', 'import', 'walk_in', 'nomination')",
        )


def downgrade() -> None:
    op.execute("UPDATE registrations SET source = 'import' WHERE source = 'nomination'")
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registrations_source_valid'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_registrations_source_valid'), "source IN ('online', 'import', 'walk_in')"
        )

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_name')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('held_seats_released_at')
        batch_op.drop_column('nominations_close_at')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_organization_id'))

    op.drop_table('invitations')
    op.drop_table('letter_templates')
