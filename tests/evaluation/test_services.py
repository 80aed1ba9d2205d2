"""The evaluation's rules: the default template, frozen questions, the window, who may answer,
once per registration (also under a race), and anonymity."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext
from sqlalchemy import inspect
from sqlalchemy import select

from tests.evaluation.conftest import Course
from tests.evaluation.conftest import open_evaluation
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.common.time import utcnow
from trainingapp.evaluation import services
from trainingapp.evaluation.models import EvaluationAnswer
from trainingapp.evaluation.models import EvaluationForm
from trainingapp.evaluation.models import EvaluationQuestion
from trainingapp.evaluation.models import EvaluationResponse
from trainingapp.evaluation.models import QuestionKind
from trainingapp.evaluation.models import Section
from trainingapp.events.models import Event
from trainingapp.extensions import db
from trainingapp.registration.models import Registration


def _form(event_id: int) -> EvaluationForm:
    form = services.form_of(event_id)
    assert form is not None
    return form


def _first_score(form: EvaluationForm) -> int:
    return next(q.id for q in form.questions if q.kind == QuestionKind.SCORE)


def test_default_template_has_one_block_per_lecturer_of_the_agenda(
    app: Flask, course: Course
) -> None:
    with app.app_context():
        event = db.session.get(Event, course.event_id)
        form = services.ensure_form(None, event)
        db.session.commit()
        by_section: dict[Section, list[EvaluationQuestion]] = {}
        for question in form.questions:
            by_section.setdefault(question.section, []).append(question)
        assert list(by_section) == list(Section)  # the Circular's order
        lecturer_questions = by_section[Section.LECTURER]
        # Hùng speaks twice (morning and afternoon) but gets one block; Lan one; agenda order.
        blocks = list(dict.fromkeys(q.lecturer_id for q in lecturer_questions))
        assert blocks == course.lecturer_ids
        assert len(lecturer_questions) == 8
        assert all(q.kind == QuestionKind.SCORE for q in lecturer_questions)
        # Lan has one topic: her questions name it; Hùng's two topics: none.
        topics = {q.lecturer_id: q.topic_id for q in lecturer_questions}
        assert topics[course.lecturer_ids[0]] is None
        assert topics[course.lecturer_ids[1]] is not None
        texts = [q for q in by_section[Section.GENERAL] if q.kind == QuestionKind.TEXT]
        assert len(texts) == 2
        # Written in the default language (Vietnamese), as data the organizers can reword.
        assert by_section[Section.CONTENT][0].text == gettext("The content is relevant to my work.")
        # A second visit finds the same form.
        assert services.ensure_form(None, event).id == form.id
        assert db.session.scalar(select(db.func.count()).select_from(EvaluationForm)) == 1


def test_questions_are_editable_until_the_first_response(app: Flask, course: Course) -> None:
    open_evaluation(app, course.event_id)
    with app.app_context():
        form = _form(course.event_id)
        added = services.add_question(
            None, form, section=Section.CONTENT, kind=QuestionKind.SCORE, text="  Câu hỏi  mới "
        )
        assert added.text == "Câu hỏi mới"
        services.update_question(None, form, added.id, "Câu hỏi đã sửa")
        assert services.move_question(None, form, added.id, "up") is True
        services.delete_question(None, form, added.id)
        with pytest.raises(services.EvaluationError):
            services.add_question(
                None, form, section=Section.LECTURER, kind=QuestionKind.SCORE, text="Ai?"
            )
        db.session.commit()
        first = _first_score(form)
        services.submit(course.event_id, course.registration_id("Nguyễn Văn An"), {first: 5})
        db.session.commit()
        form = _form(course.event_id)
        for attempt in (
            lambda: services.update_question(None, form, first, "Đổi câu hỏi"),
            lambda: services.delete_question(None, form, first),
            lambda: services.move_question(None, form, first, "down"),
            lambda: services.reset_questions(None, form),
            lambda: services.add_question(
                None, form, section=Section.GENERAL, kind=QuestionKind.TEXT, text="Thêm"
            ),
        ):
            with pytest.raises(services.QuestionsFrozen):
                attempt()


@pytest.mark.parametrize(
    ("window", "opened", "state"),
    [
        ({"opens_at": timedelta(hours=2), "closes_at": timedelta(days=1)}, True, "upcoming"),
        ({"opens_at": timedelta(days=-3), "closes_at": timedelta(hours=-1)}, True, "closed"),
        ({"opens_at": timedelta(hours=-1), "closes_at": timedelta(days=1)}, False, "draft"),
    ],
)
def test_answers_only_inside_the_open_window(
    app: Flask, course: Course, window: dict[str, timedelta], opened: bool, state: str
) -> None:
    now = utcnow()
    open_evaluation(app, course.event_id, **{k: now + v for k, v in window.items()})
    with app.app_context():
        form = _form(course.event_id)
        form.is_opened = opened
        db.session.commit()
        assert services.state_of(form).value == state
        with pytest.raises(services.NotOpen):
            services.submit(
                course.event_id, course.registration_id("Nguyễn Văn An"), {_first_score(form): 4}
            )


def test_one_response_per_registration(app: Flask, course: Course) -> None:
    open_evaluation(app, course.event_id)
    registration_id = course.registration_id("Trần Thị Bình")
    with app.app_context():
        first = _first_score(_form(course.event_id))
        services.submit(course.event_id, registration_id, {first: 4})
        db.session.commit()
        with pytest.raises(services.AlreadyAnswered):
            services.submit(course.event_id, registration_id, {first: 2})
        db.session.rollback()
        assert db.session.scalar(select(db.func.count()).select_from(EvaluationResponse)) == 1


def test_refusals_have_clear_messages(app: Flask, course: Course) -> None:
    open_evaluation(app, course.event_id)
    with app.test_request_context(), force_locale("en"):
        form = _form(course.event_id)
        first = _first_score(form)
        text_question = next(q.id for q in form.questions if q.kind == QuestionKind.TEXT)
        an = course.registration_id("Nguyễn Văn An")
        with pytest.raises(services.EvaluationError, match="at least one"):
            services.submit(course.event_id, an, {text_question: "   "})
        db.session.rollback()
        with pytest.raises(services.EvaluationError) as refused:
            services.submit(course.event_id, an, {first: 6})
        assert refused.value.errors == {f"q{first}": "Choose a score from 1 to 5."}
        db.session.rollback()
        with pytest.raises(services.EvaluationError):
            services.submit(course.event_id, an, {first: 4, 999_999: 3})
        db.session.rollback()
        with pytest.raises(services.NotEligible):
            services.submit(course.other_event_id, an, {first: 4})
        db.session.rollback()
        assert db.session.scalar(select(db.func.count()).select_from(EvaluationResponse)) == 0


def test_who_may_answer_follows_attendance_once_taken(app: Flask, course: Course) -> None:
    with app.app_context():
        event = db.session.get(Event, course.event_id)
        assert services.eligible_count(event.id) == 7  # confirmed; the cancelled one is out
        attended = db.session.get(Registration, course.registration_id("Nguyễn Văn An"))
        absent = db.session.get(Registration, course.registration_id("Trần Thị Bình"))
        assert services.is_eligible(absent)
        db.session.add(
            Attendance(registration=attended, session=event.sessions[1], method=CheckInMethod.CODE)
        )
        db.session.commit()
        assert services.eligible_count(event.id) == 1
        assert services.is_eligible(attended)
        assert not services.is_eligible(absent)
        # Another course's attendance changes nothing here.
        other = db.session.get(Event, course.other_event_id)
        assert services.eligible_count(other.id) == 0


def test_the_response_cannot_be_linked_to_the_registration(app: Flask, course: Course) -> None:
    # No column of the response tables refers to a registration, a person or a time.
    for model in (EvaluationResponse, EvaluationAnswer):
        columns = inspect(model).columns
        assert {c.name for c in columns} <= {
            "id",
            "form_id",
            "response_id",
            "question_id",
            "score",
            "text",
            "comment_status",
        }
        for column in columns:
            assert all(fk.column.table.name != "registrations" for fk in column.foreign_keys)
    # On SQLite not even the hidden rowid keeps the order in which people answered.
    for model in (EvaluationResponse, EvaluationAnswer):
        assert model.__table__.dialect_options["sqlite"]["with_rowid"] is False
    id_column = inspect(EvaluationResponse).columns["id"]
    assert not id_column.autoincrement or id_column.type.python_type is str

    open_evaluation(app, course.event_id)
    registration_id = course.registration_id("Lê Văn Cường")
    with app.app_context():
        before = db.session.get(Registration, registration_id)
        updated_at, entries = (
            before.updated_at,
            db.session.scalar(select(db.func.count()).select_from(AuditEntry)),
        )
        db.session.rollback()
        response_id = services.submit(
            course.event_id, registration_id, {_first_score(_form(course.event_id)): 5}
        )
        db.session.commit()
        after = db.session.get(Registration, registration_id)
        assert after.has_evaluated is True
        assert after.updated_at == updated_at  # no timestamp to match with the response
        assert len(response_id) == 32
        assert not response_id.isdigit()
        # No audit entry for the submission.
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == entries


def test_concurrent_double_submit_makes_one_response(app: Flask, course: Course) -> None:
    open_evaluation(app, course.event_id)
    registration_id = course.registration_id("Phạm Thị Dung")
    with app.app_context():
        first = _first_score(_form(course.event_id))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                try:
                    services.submit(course.event_id, registration_id, {first: 5})
                    db.session.commit()
                    outcomes.append("stored")
                except services.AlreadyAnswered:
                    db.session.rollback()
                    outcomes.append("already")
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["already", "stored"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(EvaluationResponse)) == 1


def test_two_first_visits_make_one_form(app: Flask, course: Course) -> None:
    barrier = threading.Barrier(2)
    ids: list[int] = []
    errors: list[BaseException] = []

    def visit() -> None:
        try:
            with app.app_context():
                event = db.session.get(Event, course.event_id)
                barrier.wait(timeout=10)
                ids.append(services.ensure_form(None, event).id)
                db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=visit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(set(ids)) == 1


def test_qr_lookup_by_code_or_phone(app: Flask, course: Course) -> None:
    _id, _token, code, phone = course.people["Hoàng Văn Em"]
    with app.app_context():
        for typed in (code.lower(), f" {code[:3]}-{code[3:]} ", phone, f"+84 {phone[1:]}"):
            found = services.find_participant(course.event_id, typed)
            assert found is not None, typed
            assert found.id == _id, typed
        assert services.find_participant(course.event_id, "ZZZ999") is None
        assert services.find_participant(course.event_id, "0912 000 000") is None
        assert services.find_participant(course.other_event_id, code) is None
        assert services.find_participant(course.event_id, "x" * 500) is None


def test_reminder_goes_only_to_non_answerers_with_email(app: Flask, course: Course) -> None:
    from trainingapp.mail.models import OutboxMessage

    open_evaluation(app, course.event_id)
    with app.app_context():
        form = _form(course.event_id)
        services.submit(
            course.event_id, course.registration_id("Nguyễn Văn An"), {_first_score(form): 5}
        )
        db.session.commit()
        queued = services.send_reminders(None, _form(course.event_id))
        db.session.commit()
        assert queued == 1
        rows: list[Any] = list(db.session.scalars(select(OutboxMessage)))
        assert [(r.kind, r.recipient) for r in rows] == [("evaluation.reminder", "hv1@example.vn")]
        assert rows[0].payload == {"registration_id": course.registration_id("Trần Thị Bình")}
        audit = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "evaluation.remind")
        ).one()
        assert audit.details == {"queued": 1}
        # Closed: no reminders.
        services.close_form(None, _form(course.event_id))
        with pytest.raises(services.NotOpen):
            services.send_reminders(None, _form(course.event_id))
