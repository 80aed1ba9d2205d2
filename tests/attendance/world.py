"""A course ready for the door: organizer and staff accounts, two sessions, registrations in every
status. Shared by the attendance and registrant-list tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from flask import Flask

from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_session
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.common.time import local_today
from trainingapp.events.models import EventStaff
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus

PASSWORD = "correct horse battery"


@dataclass
class Desk:
    event_id: int
    other_event_id: int
    morning_id: int
    afternoon_id: int
    other_session_id: int
    organizer_email: str
    staff_email: str
    staff_id: int
    units: dict[str, int]
    #: name -> registration id
    people: dict[str, int]
    codes: dict[str, str]


def build_desk(app: Flask, **event_options: Any) -> Desk:
    with app.app_context():
        organizer = User(email="organizer@example.vn", role=Role.ORGANIZER)
        staff = User(email="staff@example.vn", role=Role.STAFF)
        for user in (organizer, staff):
            user.set_password(PASSWORD)
        db.session.add_all([organizer, staff])
        db.session.flush()
        event = make_event(
            db.session, created_by_id=organizer.id, start_date=local_today(), **event_options
        )
        other = make_event(db.session, created_by_id=organizer.id, start_date=local_today())
        db.session.add(EventStaff(event_id=event.id, user_id=staff.id, role=StaffRole.STAFF))
        morning = make_session(db.session, event, name="Sáng 16/08")
        afternoon = make_session(
            db.session,
            event,
            name="Chiều 16/08",
            start_time=time(13, 30),
            end_time=time(17, 0),
            position=1,
        )
        other_session = make_session(db.session, other)
        post = make_organization(
            db.session, name="Đồn Biên phòng Cam Ranh", kind=OrganizationKind.BORDER_POST
        )
        radio = make_organization(
            db.session, name="Đài Truyền thanh xã Ninh Hải", kind=OrganizationKind.COMMUNE_RADIO
        )
        people = {
            "Nguyễn Văn An": dict(organization=post, phone="0905123456", checkin_code="AAA222"),
            "Trần Thị Bình": dict(organization=radio, phone="0912345678", checkin_code="BBB333"),
            "Lê Văn Cường": dict(
                organization=post,
                phone="0987654321",
                checkin_code="CCC444",
                status=RegistrationStatus.CANCELLED,
            ),
            "Phạm Thị Dung": dict(
                organization=radio,
                phone="0934567890",
                checkin_code="DDD555",
                status=RegistrationStatus.WAITLISTED,
            ),
            "Hoàng Văn Em": dict(
                organization=radio,
                phone="0945678901",
                checkin_code="EEE666",
                status=RegistrationStatus.PENDING,
            ),
            "Võ Thị Giang": dict(
                organization=post,
                phone="0956789012",
                checkin_code="GGG777",
                status=RegistrationStatus.REJECTED,
                source=RegistrationSource.IMPORT,
            ),
        }
        ids = {}
        for name, values in people.items():
            ids[name] = make_registration(db.session, event, full_name=name, **values).id
        stranger = make_registration(
            db.session, other, full_name="Người Khác", phone="0901111111", checkin_code="ZZZ999"
        )
        db.session.commit()
        return Desk(
            event_id=event.id,
            other_event_id=other.id,
            morning_id=morning.id,
            afternoon_id=afternoon.id,
            other_session_id=other_session.id,
            organizer_email=organizer.email,
            staff_email=staff.email,
            staff_id=staff.id,
            units={"post": post.id, "radio": radio.id},
            people={**ids, "Người Khác": stranger.id},
            codes={name: values["checkin_code"] for name, values in people.items()}
            | {"Người Khác": "ZZZ999"},
        )
