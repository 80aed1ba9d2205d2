"""Builders shared by the course-workspace tests: each commits and returns the new row's id."""

from __future__ import annotations

import secrets
from datetime import date
from datetime import time
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select

from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.common.text import fold
from trainingapp.common.text import name_sort_key
from trainingapp.events.models import Event
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStaff
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Quota
from trainingapp.events.models import StaffRole
from trainingapp.events.models import Topic
from trainingapp.extensions import db
from trainingapp.lecturers.models import Lecturer
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus

SOON = date.today() + timedelta(days=60)


def _save(app: Flask, obj: Any) -> int:
    with app.app_context():
        db.session.add(obj)
        db.session.commit()
        return int(obj.id)


def make_org(
    app: Flask,
    name: str = "Sở Thông tin và Truyền thông",
    kind: OrganizationKind = OrganizationKind.PROVINCIAL_AGENCY,
    **kwargs: Any,
) -> int:
    return _save(app, Organization(name=name, kind=kind, **kwargs))


def make_event(app: Flask, organizer_id: int, **kwargs: Any) -> int:
    values: dict[str, Any] = {
        "title": "Tập huấn thông tin đối ngoại",
        "slug": f"course-{secrets.token_hex(4)}",
        "start_date": SOON,
        "end_date": SOON,
        "capacity": 100,
        "status": EventStatus.DRAFT,
    }
    values.update(kwargs)
    return _save(app, Event(organizer_id=organizer_id, **values))


def make_session(app: Flask, event_id: int, name: str = "Sáng", **kwargs: Any) -> int:
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event is not None
        day = kwargs.pop("date", event.start_date)
    values = {"start_time": time(7, 30), "end_time": time(11, 30)} | kwargs
    return _save(app, EventSession(event_id=event_id, name=name, date=day, **values))


def make_lecturer(app: Flask, full_name: str, rank: str = "Thượng tá", **kwargs: Any) -> int:
    return _save(app, Lecturer(full_name=full_name, rank=rank, **kwargs))


def make_topic(
    app: Flask, event_id: int, title: str, session_id: int | None = None, **kwargs: Any
) -> int:
    lecturer_ids = kwargs.pop("lecturer_ids", [])
    with app.app_context():
        topic = Topic(event_id=event_id, title=title, session_id=session_id, **kwargs)
        topic.lecturers = [db.session.get(Lecturer, i) for i in lecturer_ids]
        db.session.add(topic)
        db.session.commit()
        return topic.id


def make_quota(app: Flask, event_id: int, organization_id: int, seats: int) -> int:
    return _save(app, Quota(event_id=event_id, organization_id=organization_id, seats=seats))


def make_registration(
    app: Flask,
    event_id: int,
    full_name: str = "Nguyễn Văn An",
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
    organization_id: int | None = None,
    phone: str | None = None,
) -> int:
    return _save(
        app,
        Registration(
            event_id=event_id,
            full_name=full_name,
            sort_key=name_sort_key(full_name),
            search_name=fold(full_name),
            organization_id=organization_id,
            phone=phone or f"09{secrets.randbelow(10**8):08d}",
            status=status,
            manage_token=secrets.token_urlsafe(16),
            checkin_code=secrets.token_hex(3),
        ),
    )


def make_attendance(app: Flask, registration_id: int, session_id: int) -> int:
    return _save(
        app,
        Attendance(registration_id=registration_id, session_id=session_id, method=CheckInMethod.QR),
    )


def assign(app: Flask, event_id: int, user_id: int, role: StaffRole) -> int:
    return _save(app, EventStaff(event_id=event_id, user_id=user_id, role=role))


def count(app: Flask, model: Any, *where: Any) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def audit(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        for entry in entries:
            db.session.expunge(entry)
        return list(entries)


def get(app: Flask, model: Any, pk: int) -> Any:
    """The row, detached, with its column attributes loaded."""
    with app.app_context():
        obj = db.session.get(model, pk)
        if obj is not None:
            db.session.expunge(obj)
        return obj


def event_form(organizer: int, /, **overrides: Any) -> dict[str, Any]:
    """Valid POST data of the course form."""
    data: dict[str, Any] = {
        "title": "Tập huấn thông tin đối ngoại 2023",
        "slug": "",
        "description": "Lớp tập huấn về công tác thông tin đối ngoại.",
        "organizer_id": str(organizer),
        "venue": "Hội trường Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
        "start_date": SOON.isoformat(),
        "end_date": SOON.isoformat(),
        "registration_opens_at": "",
        "registration_closes_at": "",
        "capacity": "250",
        "waitlist_enabled": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
