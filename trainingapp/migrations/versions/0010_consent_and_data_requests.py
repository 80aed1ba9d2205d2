"""consent and data requests: each registration records the notice version it agreed to, who
vouched for informing the person and a withdrawal; participants' requests about their data

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 21:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FK_NAME = "fk_registrations_consent_vouched_by_id_users"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: recreating "registrations" with foreign keys on would cascade-delete
        # every attendance, certificate and excuse. SQLite adds these columns in place, the
        # foreign key as the column's own constraint (SQLite keeps no name for it, and an ON
        # DELETE clause there would not be reflected: the model's key has none).
        op.execute("ALTER TABLE registrations ADD COLUMN consent_version VARCHAR(20)")
        op.execute(
            "ALTER TABLE registrations ADD COLUMN consent_vouched_by_id INTEGER"
            " REFERENCES users (id)"
        )
        op.execute("ALTER TABLE registrations ADD COLUMN consent_withdrawn_at DATETIME")
    else:
        op.add_column(
            "registrations", sa.Column("consent_version", sa.String(length=20), nullable=True)
        )
        op.add_column(
            "registrations", sa.Column("consent_vouched_by_id", sa.Integer(), nullable=True)
        )
        op.add_column(
            "registrations", sa.Column("consent_withdrawn_at", sa.DateTime(), nullable=True)
        )
        op.create_foreign_key(
            op.f(FK_NAME),
            "registrations",
            "users",
            ["consent_vouched_by_id"],
            ["id"],
        )
    op.create_table(
        "data_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('deletion', 'correction', 'access', 'other')",
            name=op.f("ck_data_requests_kind_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'refused')",
            name=op.f("ck_data_requests_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_data_requests_answered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_data_requests_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_data_requests_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_requests")),
    )
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_data_requests_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_data_requests_registration_id"), ["registration_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_data_requests_status_due_on"), ["status", "due_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("data_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_requests_status_due_on"))
        batch_op.drop_index(batch_op.f("ix_data_requests_registration_id"))
        batch_op.drop_index(batch_op.f("ix_data_requests_event_id"))
    op.drop_table("data_requests")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite >= 3.35 drops a column in place (its own foreign key goes with it).
        for column in ("consent_withdrawn_at", "consent_vouched_by_id", "consent_version"):
            op.execute(f"ALTER TABLE registrations DROP COLUMN {column}")
        return
    op.drop_constraint(op.f(FK_NAME), "registrations", type_="foreignkey")
    op.drop_column("registrations", "consent_withdrawn_at")
    op.drop_column("registrations", "consent_vouched_by_id")
    op.drop_column("registrations", "consent_version")
