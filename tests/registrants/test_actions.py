"""Bulk actions, a registration's page and its edit form."""

from __future__ import annotations

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
from trainingapp.registration.models import RegistrationStatus


def _status(app: Flask, registration_id: int) -> RegistrationStatus:
    with app.app_context():
        return db.session.get(Registration, registration_id).status


def _bulk(client: FlaskClient, desk: Desk, action: str, *names: str, **extra: str):
    return client.post(
        f"/manage/events/{desk.event_id}/registrations",
        data={"action": action, "ids": [str(desk.people[n]) for n in names], **extra},
    )


def test_staff_may_mark_attended_but_not_change_statuses(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    for action in ("confirm", "reject", "cancel"):
        assert _bulk(staff_client, desk, action, "Hoàng Văn Em").status_code == 403
    assert _status(app, desk.people["Hoàng Văn Em"]) == RegistrationStatus.PENDING
    response = _bulk(
        staff_client,
        desk,
        "attend",
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Văn Cường",
        session=str(desk.afternoon_id),
        back="status=confirmed&q=a",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/registrations?status=confirmed&q=a")
    html = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 participants marked as attended." in html
    assert "1 not marked: only confirmed registrations can attend." in html
    with app.app_context():
        rows = db.session.scalars(select(Attendance)).all()
        assert {r.registration_id for r in rows} == {
            desk.people["Nguyễn Văn An"],
            desk.people["Trần Thị Bình"],
        }
        assert {r.method for r in rows} == {CheckInMethod.BULK}
        assert {r.session_id for r in rows} == {desk.afternoon_id}
        assert (
            len(
                db.session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "attendance.check_in")
                ).all()
            )
            == 2
        )
    again = _bulk(staff_client, desk, "attend", "Nguyễn Văn An", session=str(desk.afternoon_id))
    assert "1 was already checked in." in staff_client.get(again.headers["Location"]).get_data(
        as_text=True
    )


def test_bulk_needs_a_choice_ids_and_a_session(staff_client: FlaskClient, desk: Desk) -> None:
    url = f"/manage/events/{desk.event_id}/registrations"
    html = staff_client.post(url, data={"action": "explode"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Choose what to do with the selected registrations." in html
    html = staff_client.post(url, data={"action": "attend"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Select at least one registration." in html
    html = _bulk(staff_client, desk, "attend", "Nguyễn Văn An", session=str(desk.other_session_id))
    assert "Choose the session they attended." in staff_client.get(
        html.headers["Location"]
    ).get_data(as_text=True)


def test_bulk_confirm_and_reject(app: Flask, organizer_client: FlaskClient, desk: Desk) -> None:
    response = _bulk(
        organizer_client, desk, "confirm", "Hoàng Văn Em", "Phạm Thị Dung", "Nguyễn Văn An"
    )
    html = organizer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 registrations confirmed." in html
    assert "1 left unchanged" in html
    assert _status(app, desk.people["Hoàng Văn Em"]) == RegistrationStatus.CONFIRMED
    assert _status(app, desk.people["Phạm Thị Dung"]) == RegistrationStatus.CONFIRMED
    response = _bulk(organizer_client, desk, "reject", "Nguyễn Văn An")
    assert "1 left unchanged: only pending ones can be rejected." in organizer_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_type == "Registration")
        ).all()
        assert "registration.approve" in actions
        assert "registration.promote" in actions


def test_bulk_confirm_never_exceeds_capacity(app: Flask, client: FlaskClient) -> None:
    desk = build_desk(app, capacity=2, waitlist_enabled=True)
    client.post("/login", data={"email": desk.organizer_email, "password": "correct horse battery"})
    response = _bulk(client, desk, "confirm", "Hoàng Văn Em", "Phạm Thị Dung")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 moved to the waiting list" in html
    assert _status(app, desk.people["Hoàng Văn Em"]) == RegistrationStatus.WAITLISTED
    assert _status(app, desk.people["Phạm Thị Dung"]) == RegistrationStatus.WAITLISTED


def test_bulk_cancel_promotes_from_the_waiting_list(app: Flask, client: FlaskClient) -> None:
    desk = build_desk(app, capacity=2, waitlist_enabled=True)
    client.post("/login", data={"email": desk.organizer_email, "password": "correct horse battery"})
    response = _bulk(client, desk, "cancel", "Nguyễn Văn An", "Lê Văn Cường")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 registration cancelled." in html
    assert "1 registration confirmed from the waiting list." in html
    assert "1 left unchanged: they were already cancelled or rejected." in html
    assert _status(app, desk.people["Nguyễn Văn An"]) == RegistrationStatus.CANCELLED
    assert _status(app, desk.people["Phạm Thị Dung"]) == RegistrationStatus.CONFIRMED
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "registration.cancel",
                AuditEntry.object_id == desk.people["Nguyễn Văn An"],
            )
        ).one()
        assert entry.details == {"status": ["confirmed", "cancelled"]}


def test_registration_page_shows_details_attendance_and_history(
    app: Flask, staff_client: FlaskClient, organizer_client: FlaskClient, desk: Desk
) -> None:
    an = desk.people["Nguyễn Văn An"]
    staff_client.post(
        f"/manage/events/{desk.event_id}/checkin",
        data={"code": "AAA222", "session": desk.morning_id},
    )
    response = staff_client.get(f"/manage/events/{desk.event_id}/registrations/{an}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Nguyễn Văn An", "Đồn Biên phòng Cam Ranh", "0905123456", "AAA222", "Sáng 16/08"):
        assert text in html
    assert "✓" in html
    assert "not checked in" in html
    # The history in words: the action, the session and the method, no codes.
    assert "Checked in</span>" in html
    assert "Session: Sáng 16/08" in html
    assert "Method: typed code" in html
    assert "attendance.check_in" not in html
    assert "staff@example.vn" in html
    assert 'value="cancel"' not in html  # staff: no status buttons
    assert 'value="cancel"' in organizer_client.get(
        f"/manage/events/{desk.event_id}/registrations/{an}"
    ).get_data(as_text=True)
    # someone of another course is not found through this course
    assert (
        staff_client.get(
            f"/manage/events/{desk.event_id}/registrations/{desk.people['Người Khác']}"
        ).status_code
        == 404
    )
    assert (
        staff_client.get(f"/manage/events/{desk.event_id}/registrations/{10**25}").status_code
        == 404
    )
    # the page's own cancel button comes back to the page
    response = organizer_client.post(
        f"/manage/events/{desk.event_id}/registrations",
        data={"action": "cancel", "ids": str(an), "back": str(an)},
    )
    assert response.headers["Location"].endswith(f"/registrations/{an}")
    history = organizer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registration cancelled</span>" in history
    assert "Status: Confirmed → Cancelled" in history


def test_edit_with_the_public_form_rules(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    an = desk.people["Nguyễn Văn An"]
    url = f"/manage/events/{desk.event_id}/registrations/{an}/edit"
    html = staff_client.get(url).get_data(as_text=True)
    assert 'value="Nguyễn Văn An"' in html
    assert 'value="0905123456"' in html
    data = {
        "full_name": "nguyễn văn  ANH",
        "gender": "male",
        "birth_year": "1980",
        "organization": "Đồn Biên phòng Cam Ranh",
        "position": "Đồn trưởng",
        "phone": "+84 905 123 457",
        "email": "ANH@Example.vn",
    }
    response = staff_client.post(url, data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/registrations/{an}")
    with app.app_context():
        registration = db.session.get(Registration, an)
        assert registration.full_name == "Nguyễn Văn Anh"
        assert registration.search_name == "nguyen van anh"
        assert registration.phone == "0905123457"
        assert registration.email == "anh@example.vn"
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "registration.edit")
        ).one()
        assert entry.details["full_name"] == ["Nguyễn Văn An", "Nguyễn Văn Anh"]
        assert entry.details["phone"] == ["0905123456", "0905123457"]
        assert "organization_id" not in entry.details


def test_edit_refuses_a_duplicate_phone_or_email_next_to_the_field(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    an = desk.people["Nguyễn Văn An"]
    with app.app_context():
        db.session.get(Registration, desk.people["Trần Thị Bình"]).email = "binh@example.vn"
        db.session.commit()
    url = f"/manage/events/{desk.event_id}/registrations/{an}/edit"
    base = {
        "full_name": "Nguyễn Văn An",
        "gender": "male",
        "organization": "Đồn Biên phòng Cam Ranh",
        "phone": "0905123456",
    }
    response = staff_client.post(url, data={**base, "phone": "0912 345 678"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This phone number is already registered for this course." in html
    assert 'value="0912345678"' in html  # kept (normalised)
    response = staff_client.post(url, data={**base, "email": "BINH@example.vn"})
    assert "This e-mail address is already registered for this course." in response.get_data(
        as_text=True
    )
    # another course's phone is fine, and invalid input gets its own messages
    response = staff_client.post(url, data={**base, "phone": "abc", "birth_year": "3000"})
    html = response.get_data(as_text=True)
    assert "Please enter a Vietnamese phone number" in html
    assert "Please enter a year of birth between" in html
    with app.app_context():
        assert db.session.get(Registration, an).phone == "0905123456"
        assert (
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "registration.edit")
            ).all()
            == []
        )
    assert staff_client.post(url, data={**base, "phone": "0901111111"}).status_code == 303
