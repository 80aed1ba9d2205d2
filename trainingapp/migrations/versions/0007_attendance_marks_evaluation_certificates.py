"""after the course: attendance marks (late, excused absence), the evaluation (anonymous
responses), certificates (numbered per year, verification codes)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:57:28.575207

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_certificate_counters")),
    )
    op.create_table(
        "certificate_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("min_sessions", sa.Integer(), nullable=False),
        sa.Column("count_excused", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("parent_body", sa.String(length=300), nullable=False),
        sa.Column("issuing_body", sa.String(length=300), nullable=False),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("signer_title", sa.String(length=200), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rule IN ('all_sessions', 'min_sessions', 'manual')",
            name=op.f("ck_certificate_settings_rule_valid"),
        ),
        sa.CheckConstraint(
            "min_sessions >= 1", name=op.f("ck_certificate_settings_min_sessions_positive")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_certificate_settings_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_settings_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_settings")),
        sa.UniqueConstraint("event_id", name=op.f("uq_certificate_settings_event_id")),
    )
    op.create_table(
        "evaluation_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("is_opened", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name=op.f("ck_evaluation_forms_window"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_evaluation_forms_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_forms")),
        sa.UniqueConstraint("event_id", name=op.f("uq_evaluation_forms_event_id")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("suffix", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=500), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("organization_name", sa.String(length=300), nullable=False),
        sa.Column("course_title", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_certificates_number_positive")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_certificates_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_certificates_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_revoked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
        sa.UniqueConstraint("year", "number", name=op.f("uq_certificates_year_number")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_event_id_registration_id"),
            ["event_id", "registration_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_certificates_registration_valid",
            ["registration_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "evaluation_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["evaluation_forms.id"],
            name=op.f("fk_evaluation_responses_form_id_evaluation_forms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_responses")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("evaluation_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_responses_form_id"), ["form_id"], unique=False
        )

    op.create_table(
        "excused_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_excused_absences_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_excused_absences_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["event_sessions.id"],
            name=op.f("fk_excused_absences_session_id_event_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_excused_absences")),
        sa.UniqueConstraint(
            "registration_id",
            "session_id",
            name=op.f("uq_excused_absences_registration_id_session_id"),
        ),
    )
    with op.batch_alter_table("excused_absences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_excused_absences_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "evaluation_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("lecturer_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('score', 'text')", name=op.f("ck_evaluation_questions_kind_valid")
        ),
        sa.CheckConstraint(
            "section IN ('content', 'lecturer', 'organisation', 'facilities', 'general')",
            name=op.f("ck_evaluation_questions_section_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["evaluation_forms.id"],
            name=op.f("fk_evaluation_questions_form_id_evaluation_forms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lecturer_id"],
            ["lecturers.id"],
            name=op.f("fk_evaluation_questions_lecturer_id_lecturers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_evaluation_questions_topic_id_topics"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_questions")),
    )
    with op.batch_alter_table("evaluation_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_questions_form_id"), ["form_id"], unique=False
        )

    op.create_table(
        "evaluation_answers",
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("comment_status", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "comment_status IN ('pending', 'approved', 'hidden')",
            name=op.f("ck_evaluation_answers_comment_status_valid"),
        ),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 1 AND score <= 5)",
            name=op.f("ck_evaluation_answers_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["evaluation_questions.id"],
            name=op.f("fk_evaluation_answers_question_id_evaluation_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["evaluation_responses.id"],
            name=op.f("fk_evaluation_answers_response_id_evaluation_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "question_id", name=op.f("pk_evaluation_answers")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("evaluation_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_answers_question_id"), ["question_id"], unique=False
        )

    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_evaluated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    _recompute_name_sort_keys()


def _recompute_name_sort_keys() -> None:
    """Names' sort keys now carry one tone per syllable, so "Hoà" and "Hòa" sort alike: the
    stored keys are made again (anonymised rows keep their numbered keys). Downgrading keeps
    the new keys; the old code orders with them just as well."""
    from trainingapp.common.text import name_sort_key

    registrations = sa.table(
        "registrations",
        sa.column("id", sa.Integer),
        sa.column("full_name", sa.String),
        sa.column("sort_key", sa.String),
        sa.column("anonymised_at", sa.DateTime),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(registrations.c.id, registrations.c.full_name).where(
            registrations.c.anonymised_at.is_(None)
        )
    ).all()
    update = (
        registrations.update()
        .where(registrations.c.id == sa.bindparam("row_id"))
        .values(sort_key=sa.bindparam("key"))
    )
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        connection.execute(
            update, [{"row_id": row_id, "key": name_sort_key(name)} for row_id, name in batch]
        )


def downgrade() -> None:
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_column("has_evaluated")

    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.drop_column("late")

    with op.batch_alter_table("evaluation_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_answers_question_id"))

    op.drop_table("evaluation_answers")
    with op.batch_alter_table("evaluation_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_questions_form_id"))

    op.drop_table("evaluation_questions")
    with op.batch_alter_table("excused_absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_excused_absences_session_id"))

    op.drop_table("excused_absences")
    with op.batch_alter_table("evaluation_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_responses_form_id"))

    op.drop_table("evaluation_responses")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificates_registration_valid",
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_certificates_event_id_registration_id"))

    op.drop_table("certificates")
    op.drop_table("evaluation_forms")
    op.drop_table("certificate_settings")
    op.drop_table("certificate_counters")
