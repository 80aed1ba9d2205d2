"""Fixtures for evaluation tests: a course with an agenda of three topics by two lecturers,
seven confirmed participants (two with e-mail), one cancelled, and the accounts around it."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD
from tests.factories import make_event
from tests.factories import make_lecturer
from tests.factories import make_registration
from tests.factories import make_session
from tests.factories import make_topic
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.common.time import local_today
from trainingapp.common.time import utcnow
from trainingapp.evaluation import services
from trainingapp.events.models import EventStaff
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db
from trainingapp.registration.models import RegistrationStatus


@dataclass
class Course:
    event_id: int
    slug: str
    other_event_id: int
    lecturer_ids: list[int]
    #: confirmed participants, by name: (registration id, manage token, check-in code, phone)
    people: dict[str, tuple[int, str, str, str]] = field(default_factory=dict)
    cancelled_token: str = ""
    organizer_email: str = "bantochuc@example.vn"
    staff_email: str = "hotro@example.vn"
    other_staff_email: str = "khac@example.vn"

    def token(self, name: str) -> str:
        return self.people[name][1]

    def registration_id(self, name: str) -> int:
        return self.people[name][0]


NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Vũ Thị Giang",
    "Đặng Văn Hải",
]


@pytest.fixture
def course(app: Flask) -> Course:
    with app.app_context():
        start = local_today() - timedelta(days=1)
        event = make_event(db.session, start_date=start, slug="thong-tin-doi-ngoai")
        other = make_event(db.session, slug="lop-khac")
        morning = make_session(db.session, event, name="Sáng")
        afternoon = make_session(
            db.session,
            event,
            name="Chiều",
            start_time=morning.end_time.replace(hour=13),
            end_time=morning.end_time.replace(hour=17),
        )
        hung = make_lecturer(db.session, full_name="Nguyễn Văn Hùng", rank="Thượng tá")
        lan = make_lecturer(db.session, full_name="Trần Thị Lan", rank="Trung tá")
        make_topic(
            db.session, event, session=morning, title="Thông tin đối ngoại", lecturers=[hung]
        )
        make_topic(db.session, event, session=afternoon, title="Biên giới", lecturers=[lan])
        make_topic(db.session, event, session=afternoon, title="Biển đảo", lecturers=[hung])
        result = Course(event.id, event.slug, other.id, [hung.id, lan.id])
        for index, name in enumerate(NAMES):
            registration = make_registration(
                db.session,
                event,
                full_name=name,
                email=f"hv{index}@example.vn" if index < 2 else None,
            )
            result.people[name] = (
                registration.id,
                registration.manage_token,
                registration.checkin_code,
                registration.phone or "",
            )
        cancelled = make_registration(
            db.session, event, full_name="Bùi Văn Khoa", status=RegistrationStatus.CANCELLED
        )
        result.cancelled_token = cancelled.manage_token
        for email, role in (
            (result.organizer_email, Role.ORGANIZER),
            (result.staff_email, Role.STAFF),
            (result.other_staff_email, Role.STAFF),
        ):
            user = User(email=email, role=role)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.flush()
        users = {u.email: u for u in db.session.scalars(db.select(User))}
        db.session.add_all(
            [
                EventStaff(
                    event_id=event.id,
                    user_id=users[result.organizer_email].id,
                    role=StaffRole.ORGANIZER,
                ),
                EventStaff(
                    event_id=event.id, user_id=users[result.staff_email].id, role=StaffRole.STAFF
                ),
                EventStaff(
                    event_id=other.id,
                    user_id=users[result.other_staff_email].id,
                    role=StaffRole.ORGANIZER,
                ),
            ]
        )
        db.session.commit()
        return result


def open_evaluation(app: Flask, event_id: int, **window: Any) -> int:
    """Create the course's form from the template and open it now; its id."""
    with app.app_context():
        event = db.session.get(services.Event, event_id)
        form = services.ensure_form(None, event)
        form.opens_at = window.get("opens_at", utcnow() - timedelta(hours=1))
        form.closes_at = window.get("closes_at", utcnow() + timedelta(days=3))
        form.is_opened = True
        db.session.commit()
        return form.id


def score_answers(app: Flask, event_id: int, score: int = 4) -> dict[str, str]:
    """Posted fields answering every score question with ``score``."""
    with app.app_context():
        form = services.form_of(event_id)
        assert form is not None
        return {
            f"q{q.id}": str(score) for q in form.questions if q.kind == services.QuestionKind.SCORE
        }


def login(client: FlaskClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303


@pytest.fixture
def organizer(client: FlaskClient, course: Course) -> FlaskClient:
    login(client, course.organizer_email)
    return client
