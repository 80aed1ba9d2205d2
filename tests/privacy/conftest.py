"""A course with two sessions, its organizer and staff, another organizer's course, and people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD
from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_session
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.events.models import EventStaff
from trainingapp.events.models import StaffRole
from trainingapp.extensions import db


@dataclass
class World:
    event_id: int
    slug: str
    other_event_id: int
    morning_id: int
    afternoon_id: int
    unit_id: int
    organizer_id: int
    organizer_email: str
    staff_id: int
    staff_email: str
    other_organizer_email: str
    admin_email: str


def _user(email: str, role: Role) -> User:
    user = User(email=email, role=role)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        organizer = _user("bantochuc@example.vn", Role.ORGANIZER)
        staff = _user("canbo@example.vn", Role.STAFF)
        other_organizer = _user("khac@example.vn", Role.ORGANIZER)
        _user("quantri@example.vn", Role.ADMIN)
        event = make_event(db.session, created_by_id=organizer.id, capacity=2)
        other = make_event(db.session, created_by_id=other_organizer.id)
        morning = make_session(db.session, event)
        afternoon = make_session(db.session, event, name="Chiều")
        unit = make_organization(db.session, name="Đồn Biên phòng Cà Ná")
        db.session.add(EventStaff(event_id=event.id, user_id=staff.id, role=StaffRole.STAFF))
        db.session.commit()
        return World(
            event_id=event.id,
            slug=event.slug,
            other_event_id=other.id,
            morning_id=morning.id,
            afternoon_id=afternoon.id,
            unit_id=unit.id,
            organizer_id=organizer.id,
            organizer_email=organizer.email,
            staff_id=staff.id,
            staff_email=staff.email,
            other_organizer_email=other_organizer.email,
            admin_email="quantri@example.vn",
        )


@pytest.fixture
def person(app: Flask, world: World) -> Any:
    """``person(**overrides)``: a confirmed registration of the world's course; (id, token)."""

    def _person(event_id: int | None = None, **overrides: Any) -> tuple[int, str]:
        with app.app_context():
            overrides.setdefault("organization_id", world.unit_id)
            overrides.setdefault("email", None)
            registration = make_registration(
                db.session, None, event_id=event_id or world.event_id, **overrides
            )
            db.session.commit()
            return registration.id, registration.manage_token

    return _person
