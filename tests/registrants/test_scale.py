"""A course of 10,000 registrations: the list, its search and the check-in search run the same
number of SQL statements as for 100."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from tests.attendance.world import PASSWORD
from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_session
from trainingapp.attendance.models import Attendance
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.common.text import fold
from trainingapp.common.text import name_sort_key
from trainingapp.common.time import local_today
from trainingapp.common.time import utcnow
from trainingapp.extensions import db
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Em", "Giang", "Hà", "Hùng", "Lan", "Mai", "Nam", "Yến"]


def bulk_registrations(event_id: int, count: int, unit_ids: list[int], session_id: int) -> None:
    """Insert ``count`` confirmed registrations with Core ``insert()`` (fast: one executemany),
    and attendance for every third of them."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for i in range(count):
        name = f"{FAMILY[i % 10]} {MIDDLE[i % 6]} {GIVEN[i % 12]}"
        rows.append(
            {
                "event_id": event_id,
                "full_name": name,
                "sort_key": name_sort_key(name),
                "search_name": fold(name),
                "organization_id": unit_ids[i % len(unit_ids)],
                "position": "Chuyên viên",
                "phone": f"09{event_id:02d}{i:06d}",
                "status": "confirmed",
                "source": "online",
                "over_capacity": False,
                "manage_token": secrets.token_urlsafe(24),
                "checkin_code": f"S{i:07d}",
                "created_at": now,
                "updated_at": now,
                "status_changed_at": now,
            }
        )
    db.session.execute(insert(Registration), rows)
    ids = db.session.scalars(
        db.select(Registration.id)
        .where(Registration.event_id == event_id)
        .order_by(Registration.id)
    ).all()
    db.session.execute(
        insert(Attendance),
        [
            {
                "registration_id": rid,
                "session_id": session_id,
                "method": "code",
                "checked_in_at": now,
            }
            for rid in ids[::3]
        ],
    )


@pytest.fixture
def courses(app: Flask) -> dict[str, Any]:
    with app.app_context():
        user = User(email="organizer@example.vn", role=Role.ORGANIZER)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.flush()
        units = [
            make_organization(
                db.session, name=f"Đồn Biên phòng {n}", kind=OrganizationKind.BORDER_POST
            ).id
            for n in range(20)
        ]
        result: dict[str, Any] = {"email": user.email}
        for size in (100, 10_000):
            event = make_event(
                db.session, created_by_id=user.id, capacity=20_000, start_date=local_today()
            )
            event_session = make_session(db.session, event)
            bulk_registrations(event.id, size, units, event_session.id)
            result[size] = (event.id, event_session.id)
        db.session.commit()
        return result


def _count(client: FlaskClient, statements: list[str], url: str) -> int:
    client.get(url)  # warm-up: the first request of a client loads more (e.g. the account)
    statements.clear()
    response = client.get(url)
    assert response.status_code == 200
    return len(
        [s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]
    )


def test_fixed_number_of_queries_whatever_the_size(
    client: FlaskClient, courses: dict[str, Any], sql_statements: list[str]
) -> None:
    client.post("/login", data={"email": courses["email"], "password": PASSWORD})
    counts: dict[str, list[int]] = {}
    for size in (100, 10_000):
        event_id, session_id = courses[size]
        base = f"/manage/events/{event_id}"
        pages = {
            "list": f"{base}/registrations",
            "list page 2 by time": f"{base}/registrations?page=2&sort=time",
            "search name": f"{base}/registrations?q=nguyen+van",
            "search phone": f"{base}/registrations?q=0000+4",
            "filters": f"{base}/registrations?status=confirmed&session={session_id}&attendance=attended&kind=border_post",
            "checkin search": f"{base}/checkin?session={session_id}&q=tran+thi",
            "checkin page": f"{base}/checkin?session={session_id}",
            "counts": f"{base}/checkin/counts?session={session_id}",
            "paper": f"{base}/sessions/{session_id}/paper",
        }
        for name, url in pages.items():
            counts.setdefault(name, []).append(_count(client, sql_statements, url))
    for name, (small, large) in counts.items():
        assert small == large, f"{name}: {small} statements for 100 rows, {large} for 10,000"
        assert large <= 12, f"{name}: {large} statements"
