"""Walk-ins: the public form's validation, confirmed even over capacity, checked in at once."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.attendance.world import Desk
from tests.attendance.world import build_desk
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.extensions import db
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationSource
from trainingapp.registration.models import RegistrationStatus


def walk_in_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "full_name": "  đặng   THỊ  hoa ",
        "gender": "female",
        "birth_year": "1990",
        "organization": "Trung tâm Văn hóa - Thông tin và Thể thao huyện Ninh Hải",
        "position": "Viên chức",
        "phone": "+84 977 888 999",
        "email": "",
        "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _url(desk: Desk, session_id: int | None = None) -> str:
    return f"/manage/events/{desk.event_id}/walk-in?session={session_id or desk.morning_id}"


def test_form_is_shown_with_the_session(staff_client: FlaskClient, desk: Desk) -> None:
    html = staff_client.get(_url(desk, desk.afternoon_id)).get_data(as_text=True)
    assert "Register a walk-in" in html
    assert f'name="session" type="hidden" value="{desk.afternoon_id}"' in html
    for name in ("full_name", "gender", "birth_year", "organization", "position", "phone", "email"):
        assert f'name="{name}"' in html
    assert 'name="consent"' in html


def test_valid_walk_in_is_confirmed_and_checked_in(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    data = walk_in_data(session=str(desk.afternoon_id))
    response = staff_client.post(_url(desk, desk.afternoon_id), data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/checkin?session={desk.afternoon_id}")
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đặng Thị Hoa registered as a walk-in." in page
    assert 'data-outcome="checked_in"' in page
    with app.app_context():
        registration = db.session.scalars(
            select(Registration).where(Registration.phone == "0977888999")
        ).one()
        assert registration.full_name == "Đặng Thị Hoa"
        assert registration.status == RegistrationStatus.CONFIRMED
        assert registration.source == RegistrationSource.WALK_IN
        assert registration.over_capacity is False
        assert registration.consent_at is not None
        (attendance,) = db.session.scalars(
            select(Attendance).where(Attendance.registration_id == registration.id)
        )
        assert attendance.session_id == desk.afternoon_id
        assert attendance.method == CheckInMethod.WALK_IN
        actions = set(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.object_id == registration.id)
            )
        )
        assert {"registration.create", "attendance.check_in"} <= actions
        create = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_id == registration.id,
                AuditEntry.action == "registration.create",
            )
        ).one()
        assert create.details["source"] == "walk_in"
        assert create.details["consent"] == "recorded by staff"


def test_walk_in_over_capacity_is_confirmed_and_flagged(app: Flask, client: FlaskClient) -> None:
    # capacity 2 and two confirmed registrations already: the course is full, no waiting list
    desk = build_desk(app, capacity=2, waitlist_enabled=False)
    client.post("/login", data={"email": desk.staff_email, "password": "correct horse battery"})
    response = client.post(
        _url(desk), data=walk_in_data(session=str(desk.morning_id)), follow_redirects=True
    )
    assert response.status_code == 200
    assert "registered as a walk-in over capacity" in response.get_data(as_text=True)
    with app.app_context():
        registration = db.session.scalars(
            select(Registration).where(Registration.phone == "0977888999")
        ).one()
        assert registration.status == RegistrationStatus.CONFIRMED
        assert registration.over_capacity is True
    listing = client.get(f"/manage/events/{desk.event_id}/registrations?q=0977888999")
    assert "over capacity" in listing.get_data(as_text=True)


def test_invalid_input_is_shown_next_to_each_field_and_kept(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    data = walk_in_data(
        full_name="\x00",
        phone="12345",
        email="not-an-email",
        birth_year="85",
        organization="",
        consent=None,
        gender="robot",
        session=str(desk.morning_id),
    )
    response = staff_client.post(_url(desk), data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please correct the marked fields." in html
    assert "Please enter a Vietnamese phone number" in html
    assert "Please enter a valid e-mail address" in html
    assert "Please enter a year of birth with four digits" in html
    assert "Please enter your organization." in html
    assert "The participant must agree to the processing of personal data." in html
    assert 'value="12345"' in html
    assert 'value="not-an-email"' in html
    with app.app_context():
        assert (
            db.session.scalars(select(Registration).where(Registration.phone == "12345")).all()
            == []
        )


def test_hostile_and_huge_input_never_breaks(staff_client: FlaskClient, desk: Desk) -> None:
    for overrides in (
        {"full_name": "<script>alert(1)</script>" * 20},
        {"organization": "x" * 10_000},
        {"position": "\x07bell"},
        {"phone": "0905123456" * 50},
        {"session": "999999999999999999999999"},
        {"birth_year": "١٩٨٥"},
    ):
        response = staff_client.post(_url(desk), data=walk_in_data(**overrides))
        assert response.status_code in (303, 400), overrides
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_someone_already_registered_is_refused_next_to_the_phone(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    response = staff_client.post(
        _url(desk), data=walk_in_data(phone="0905 123 456", session=str(desk.morning_id))
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This phone number is already registered for this course." in html
    assert "Already registered:" in html
    assert "Nguyễn Văn An" in html
    with app.app_context():
        assert (
            len(
                db.session.scalars(
                    select(Registration).where(Registration.phone == "0905123456")
                ).all()
            )
            == 1
        )
