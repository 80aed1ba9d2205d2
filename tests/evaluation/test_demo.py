"""The demo data's evaluation: most participants answered, mostly 4–5, a few comments approved."""

from __future__ import annotations

import random

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from tests.evaluation.conftest import Course
from trainingapp.evaluation import results
from trainingapp.evaluation import services
from trainingapp.evaluation.demo import answer_demo_evaluation
from trainingapp.evaluation.models import CommentStatus
from trainingapp.evaluation.models import EvaluationAnswer
from trainingapp.evaluation.models import EvaluationResponse
from trainingapp.events.models import Event
from trainingapp.extensions import db
from trainingapp.registration.models import Registration


def test_demo_answers_most_participants(app: Flask, course: Course) -> None:
    with app.app_context():
        event = db.session.get(Event, course.event_id)
        answered = answer_demo_evaluation(event, random.Random(7))
        db.session.commit()
        assert 3 <= answered <= 7
        assert db.session.scalar(select(func.count()).select_from(EvaluationResponse)) == answered
        flagged = db.session.scalar(
            select(func.count()).select_from(Registration).where(Registration.has_evaluated)
        )
        assert flagged == answered
        form = services.form_of(event.id)
        assert form is not None
        assert form.is_opened
        scores = list(
            db.session.scalars(select(EvaluationAnswer.score).where(EvaluationAnswer.score > 0))
        )
        assert sum(score >= 4 for score in scores) / len(scores) > 0.6
        statuses = set(
            db.session.scalars(
                select(EvaluationAnswer.comment_status).where(EvaluationAnswer.text.is_not(None))
            )
        )
        assert statuses <= set(CommentStatus)
        summary = results.summary(event)
        assert summary.responses == answered
        # Running it again adds nobody twice.
        assert answer_demo_evaluation(event, random.Random(8)) <= 7 - answered


def test_demo_on_a_large_course_approves_some_comments(app: Flask, course: Course) -> None:
    from tests.factories import make_registration

    with app.app_context():
        event = db.session.get(Event, course.event_id)
        for _ in range(200):
            make_registration(db.session, event)
        db.session.commit()
        answered = answer_demo_evaluation(event, random.Random(1))
        db.session.commit()
        assert 0.7 * 207 <= answered <= 0.9 * 207
        summary = results.summary(event)
        assert not summary.averages_hidden
        assert summary.overall_average is not None
        assert 3.8 <= summary.overall_average <= 4.8
        assert summary.comments  # some approved
        pending = db.session.scalar(
            select(func.count())
            .select_from(EvaluationAnswer)
            .where(EvaluationAnswer.comment_status == CommentStatus.PENDING)
        )
        assert pending  # and some left to review
