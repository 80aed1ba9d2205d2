"""offline check-in: the items devices queued while offline, kept for idempotent sync

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 03:20:15.332575

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkin_sync_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=100), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.CheckConstraint("outcome IN ('checked_in', 'already', 'merged', 'walk_in', 'refused', 'not_registered', 'invalid')", name=op.f('ck_checkin_sync_items_outcome_valid')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_checkin_sync_items_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_checkin_sync_items_received_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_checkin_sync_items_registration_id_registrations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['event_sessions.id'], name=op.f('fk_checkin_sync_items_session_id_event_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_sync_items')),
    sa.UniqueConstraint('event_id', 'client_id', name=op.f('uq_checkin_sync_items_event_id_client_id'))
    )


def downgrade() -> None:
    op.drop_table('checkin_sync_items')
