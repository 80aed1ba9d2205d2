"""Model factories for tests: plain functions that take the SQLAlchemy session, add a valid object
with realistic Vietnamese defaults, flush it (so it has an id) and return it. Any column can be
overridden by keyword. Callers commit when they need to.

    event = make_event(db.session, capacity=2)
    registration = make_registration(db.session, event, full_name="Trần Thị Mai")
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date
from datetime import time
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session

from trainingapp.common.text import clean
from trainingapp.common.text import fold
from trainingapp.common.text import name_sort_key
from trainingapp.common.time import local_today
from trainingapp.events.models import Event
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Topic
from trainingapp.lecturers.models import Lecturer
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus

DbSession = Session | scoped_session[Session]

_numbers = itertools.count(1)


def _next() -> int:
    return next(_numbers)


def _add(db_session: DbSession, obj: Any) -> Any:
    db_session.add(obj)
    db_session.flush()
    return obj


def make_organization(db_session: DbSession, **overrides: Any) -> Organization:
    """A unit with a unique name (names are unique case- and accent-insensitively)."""
    values: dict[str, Any] = {
        "name": f"Đồn Biên phòng số {_next()}",
        "kind": OrganizationKind.BORDER_POST,
    }
    values.update(overrides)
    return _add(db_session, Organization(**values))


def make_event(db_session: DbSession, **overrides: Any) -> Event:
    """A published one-day course 30 days from today, capacity 250, waiting list on.

    ``end_date`` follows ``start_date`` when only the latter is given; ``organizer`` is a new unit
    unless ``organizer`` or ``organizer_id`` is given.
    """
    number = _next()
    start: date = overrides.pop("start_date", local_today() + timedelta(days=30))
    values: dict[str, Any] = {
        "title": f"Lớp tập huấn công tác thông tin đối ngoại số {number}",
        "slug": f"lop-tap-huan-{number}",
        "description": "Dành cho cán bộ làm công tác thông tin đối ngoại.",
        "venue": "Hội trường Sở Thông tin và Truyền thông",
        "start_date": start,
        "end_date": overrides.pop("end_date", start),
        "capacity": 250,
        "waitlist_enabled": True,
        "approval_required": False,
        "status": EventStatus.PUBLISHED,
    }
    values.update(overrides)
    if "organizer" not in values and "organizer_id" not in values:
        values["organizer"] = make_organization(
            db_session,
            name=f"Sở Thông tin và Truyền thông {number}",
            kind=OrganizationKind.PROVINCIAL_AGENCY,
        )
    return _add(db_session, Event(**values))


def make_session(db_session: DbSession, event: Event, **overrides: Any) -> EventSession:
    """A morning session on the course's first day (07:30–11:30)."""
    values: dict[str, Any] = {
        "event": event,
        "name": "Sáng",
        "date": event.start_date,
        "start_time": time(7, 30),
        "end_time": time(11, 30),
    }
    values.update(overrides)
    return _add(db_session, EventSession(**values))


def make_lecturer(db_session: DbSession, **overrides: Any) -> Lecturer:
    values: dict[str, Any] = {
        "full_name": f"Nguyễn Văn Hùng {_next()}",
        "rank": "Thượng tá",
        "position": "Phó Chủ nhiệm Chính trị",
    }
    values.update(overrides)
    return _add(db_session, Lecturer(**values))


def make_topic(db_session: DbSession, event: Event, **overrides: Any) -> Topic:
    """A topic of ``event``; pass ``session=`` to schedule it and ``lecturers=[...]``."""
    values: dict[str, Any] = {"event": event, "title": f"Chuyên đề {_next()}"}
    values.update(overrides)
    return _add(db_session, Topic(**values))


def make_registration(db_session: DbSession, event: Event | None, **overrides: Any) -> Registration:
    """A confirmed online registration with a unique phone, token and check-in code.

    ``sort_key`` and ``search_name`` are derived from ``full_name`` unless given; pass ``None``
    as ``event`` with an ``event_id`` to set the key only.
    """
    number = _next()
    values: dict[str, Any] = {
        "full_name": "Nguyễn Văn An",
        "phone": f"09{number:08d}",
        "email": None,
        "position": "Chuyên viên",
        "status": RegistrationStatus.CONFIRMED,
        "source": RegistrationSource.ONLINE,
        "manage_token": secrets.token_urlsafe(32),
        "checkin_code": f"K{number:06d}",
    }
    if event is not None:
        values["event"] = event
    values.update(overrides)
    values["full_name"] = clean(values["full_name"])
    values.setdefault("sort_key", name_sort_key(values["full_name"]))
    values.setdefault("search_name", fold(values["full_name"]))
    return _add(db_session, Registration(**values))
