"""Fixtures for export tests: a course like the reference one, with two sessions, units of
several kinds, registrations in every status, attendance, and a signed-in staff client."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
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
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.events.models import EventStaff
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Gender
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus

#: typed with decomposed accents, as some keyboards send it; stored NFC
DECOMPOSED_HANG = unicodedata.normalize("NFD", "Nguyễn Thị Hằng")


@dataclass
class Course:
    event_id: int
    slug: str
    morning_id: int
    afternoon_id: int
    border_post_id: int
    ids: dict[str, int]


def login(client: FlaskClient, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303


@pytest.fixture
def course(app: Flask) -> Course:
    """The course of 16/08/2023: sessions "Sáng" and "Chiều", eight registrations."""
    with app.app_context():
        host = make_organization(
            db.session, name="Sở Thông tin và Truyền thông", kind=OrganizationKind.PROVINCIAL_AGENCY
        )
        partner = make_organization(
            db.session,
            name="Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
            kind=OrganizationKind.PROVINCIAL_AGENCY,
        )
        post = make_organization(
            db.session, name="Đồn Biên phòng Cam Ranh", kind=OrganizationKind.BORDER_POST
        )
        newsroom = make_organization(
            db.session, name="Báo Khánh Hòa", kind=OrganizationKind.NEWSROOM
        )
        event = make_event(
            db.session,
            title="Lớp tập huấn công tác thông tin đối ngoại năm 2023",
            slug="thong-tin-doi-ngoai-2023",
            organizer=host,
            co_organizers=[partner],
            start_date=date(2023, 8, 16),
            venue="Hội trường Sở Thông tin và Truyền thông",
        )
        morning = make_session(db.session, event, name="Sáng", date=date(2023, 8, 16))
        afternoon = make_session(
            db.session,
            event,
            name="Chiều",
            date=date(2023, 8, 16),
            start_time=time(13, 30),
            end_time=time(17, 0),
        )
        people: list[tuple[str, dict[str, Any]]] = [
            (
                "hang",
                {
                    "full_name": DECOMPOSED_HANG,
                    "organization": post,
                    "gender": Gender.FEMALE,
                    "birth_year": 1990,
                    "position": "Chính trị viên",
                    "phone": "0905123456",
                    "email": "hang@example.vn",
                    "created_at": datetime(2023, 8, 1, 1, 30),
                },
            ),
            (
                "an",
                {
                    "full_name": "Trần Văn An",
                    "organization": newsroom,
                    "gender": Gender.MALE,
                    "position": "Phóng viên",
                    "source": RegistrationSource.IMPORT,
                },
            ),
            (
                "anh",
                {
                    "full_name": "Lê Thị Ánh",
                    "organization": post,
                    "position": '=HYPERLINK("http://x")',
                },
            ),
            (
                "binh",
                {
                    "full_name": "Phạm Bình",
                    "organization": None,
                    "source": RegistrationSource.WALK_IN,
                },
            ),
            (
                "formula",
                {
                    "full_name": "+Cmd Hack",
                    "organization": newsroom,
                    "position": "@SUM(A1)",
                    "email": "-x@example.vn",
                },
            ),
            (
                "pending",
                {
                    "full_name": "Võ Thị Chờ",
                    "status": RegistrationStatus.PENDING,
                    "organization": post,
                },
            ),
            (
                "waiting",
                {
                    "full_name": "Đặng Văn Đợi",
                    "status": RegistrationStatus.WAITLISTED,
                    "organization": newsroom,
                },
            ),
            (
                "cancelled",
                {
                    "full_name": "Hồ Văn Hủy",
                    "status": RegistrationStatus.CANCELLED,
                    "organization": post,
                },
            ),
        ]
        ids = {}
        for key, values in people:
            ids[key] = make_registration(db.session, event, **values).id
        # Hằng attended both sessions, An the morning only (08:05 local = 01:05 UTC).
        for key, event_session, instant in [
            ("hang", morning, datetime(2023, 8, 16, 0, 31)),
            ("hang", afternoon, datetime(2023, 8, 16, 6, 40)),
            ("an", morning, datetime(2023, 8, 16, 1, 5)),
        ]:
            db.session.add(
                Attendance(
                    registration_id=ids[key],
                    session_id=event_session.id,
                    checked_in_at=instant,
                    method=CheckInMethod.CODE,
                )
            )
        db.session.commit()
        return Course(event.id, event.slug, morning.id, afternoon.id, post.id, ids)


@pytest.fixture
def staff_client(app: Flask, course: Course, make_user: Callable[..., User]) -> FlaskClient:
    """A client signed in as a staff account of ``course``."""
    user = make_user("canbo@example.vn", role=Role.STAFF)
    with app.app_context():
        db.session.add(EventStaff(event_id=course.event_id, user_id=user.id, role=StaffRole.STAFF))
        db.session.commit()
    client = app.test_client()
    login(client, "canbo@example.vn")
    return client


def add_confirmed(app: Flask, event_id: int, count: int, unit_id: int | None = None) -> None:
    """``count`` more confirmed registrations, bulk-inserted (fast enough for thousands)."""
    from trainingapp.common.text import fold
    from trainingapp.common.text import name_sort_key
    from trainingapp.registration.models import Registration

    family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"]
    given = ["An", "Bình", "Cường", "Dũng", "Hằng", "Lan", "Minh", "Thảo", "Đức", "Ánh"]
    with app.app_context():
        rows = []
        for n in range(count):
            name = f"{family[n % 8]} Văn {given[(n // 8) % 10]} {n}"
            rows.append(
                {
                    "event_id": event_id,
                    "full_name": name,
                    "sort_key": name_sort_key(name),
                    "search_name": fold(name),
                    "organization_id": unit_id,
                    "position": "Chuyên viên phòng Thông tin đối ngoại",
                    "phone": f"08{n:08d}",
                    "status": RegistrationStatus.CONFIRMED,
                    "source": RegistrationSource.ONLINE,
                    "manage_token": f"bulk-token-{event_id}-{n}",
                    "checkin_code": f"B{n:07d}",
                }
            )
        db.session.execute(db.insert(Registration), rows)
        db.session.commit()


def vi(msgid: str, expected: str) -> str:
    """What the Vietnamese interface shows for ``msgid``: ``expected`` (the SPEC term) once the
    catalogue translates it; the English text while the string awaits translation."""
    from babel.support import Translations

    from trainingapp import PACKAGE_ROOT

    catalogue = Translations.load(str(PACKAGE_ROOT / "translations"), ["vi"])
    shown = catalogue.gettext(msgid)
    if shown != msgid:
        assert shown == expected, f"{msgid!r} is translated {shown!r}, SPEC says {expected!r}"
    return shown
