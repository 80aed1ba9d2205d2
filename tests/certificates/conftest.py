"""A course of 16–17/08/2023 with three sessions and people with every kind of attendance:
all present, one session late, one excused absence, one absent, nothing at all; a cancelled
registration; an organizer, a staff member and another course's staff."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD
from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_session
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.attendance.models import ExcusedAbsence
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.events.models import EventStaff
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import RegistrationStatus

#: typed with decomposed accents; the registration (and the certificate) hold it NFC
DECOMPOSED_HANG = unicodedata.normalize("NFD", "Trần Thị Hằng")

ORGANIZER = "bantochuc@example.vn"
STAFF = "canbo@example.vn"
OTHER_STAFF = "canbo.khac@example.vn"


@dataclass
class Course:
    event_id: int
    other_event_id: int
    session_ids: list[int]
    ids: dict[str, int]
    tokens: dict[str, str] = field(default_factory=dict)


def login(client: FlaskClient, email: str) -> FlaskClient:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303
    return client


def _user(email: str, role: Role) -> User:
    user = User(email=email, role=role)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """English messages: the assertions do not depend on the Vietnamese catalogue."""
    return {**app_config, "BABEL_DEFAULT_LOCALE": "en"}


@pytest.fixture
def course(app: Flask) -> Course:
    return build_course(app)


def build_course(app: Flask) -> Course:
    """The course described above, committed in ``app``'s database."""
    with app.app_context():
        parent = make_organization(
            db.session, name="Ủy ban nhân dân tỉnh Khánh Hòa", kind=OrganizationKind.OTHER
        )
        host = make_organization(
            db.session,
            name="Sở Thông tin và Truyền thông",
            kind=OrganizationKind.PROVINCIAL_AGENCY,
            parent=parent,
        )
        post = make_organization(
            db.session, name="Đồn Biên phòng Cam Ranh", kind=OrganizationKind.BORDER_POST
        )
        event = make_event(
            db.session,
            title="Lớp tập huấn công tác thông tin đối ngoại năm 2023",
            slug="thong-tin-doi-ngoai-2023",
            organizer=host,
            start_date=date(2023, 8, 16),
            end_date=date(2023, 8, 17),
        )
        other = make_event(db.session, title="Lớp khác", slug="lop-khac", organizer=host)
        sessions = [
            make_session(db.session, event, name="Sáng 16/08", date=date(2023, 8, 16)),
            make_session(
                db.session,
                event,
                name="Chiều 16/08",
                date=date(2023, 8, 16),
                start_time=time(13, 30),
                end_time=time(17, 0),
            ),
            make_session(db.session, event, name="Sáng 17/08", date=date(2023, 8, 17)),
        ]
        people = {
            "all": make_registration(
                db.session, event, full_name="Nguyễn Văn An", organization=post
            ),
            "late": make_registration(db.session, event, full_name="Lê Văn Bình"),
            "excused": make_registration(db.session, event, full_name=DECOMPOSED_HANG),
            "two": make_registration(db.session, event, full_name="Phạm Thị Dung"),
            "none": make_registration(db.session, event, full_name="Võ Văn Em"),
            "cancelled": make_registration(
                db.session, event, full_name="Đặng Văn Giang", status=RegistrationStatus.CANCELLED
            ),
        }
        marks = {
            "all": [0, 1, 2],
            "late": [0, 1, 2],
            "excused": [0, 1],
            "two": [0, 2],
            "cancelled": [0, 1, 2],
        }
        for key, indexes in marks.items():
            for index in indexes:
                db.session.add(
                    Attendance(
                        registration=people[key],
                        session=sessions[index],
                        method=CheckInMethod.CODE,
                        late=key == "late" and index == 1,
                    )
                )
        db.session.add(ExcusedAbsence(registration=people["excused"], session=sessions[2]))
        organizer = _user(ORGANIZER, Role.ORGANIZER)
        staff = _user(STAFF, Role.STAFF)
        other_staff = _user(OTHER_STAFF, Role.STAFF)
        db.session.add_all(
            [
                EventStaff(event=event, user=organizer, role=StaffRole.ORGANIZER),
                EventStaff(event=event, user=staff, role=StaffRole.STAFF),
                EventStaff(event=other, user=other_staff, role=StaffRole.STAFF),
            ]
        )
        db.session.commit()
        return Course(
            event_id=event.id,
            other_event_id=other.id,
            session_ids=[s.id for s in sessions],
            ids={key: r.id for key, r in people.items()},
            tokens={key: r.manage_token for key, r in people.items()},
        )


@pytest.fixture
def organizer(app: Flask, course: Course) -> FlaskClient:
    return login(app.test_client(), ORGANIZER)
