"""What the desk shows staff at the door: a second scan that looks different, an unknown code
that stays typed, a session that is not today asking to confirm; and the staff page's way out
when there is no account left to assign."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.attendance.world import PASSWORD
from tests.attendance.world import Desk
from trainingapp.attendance.models import Attendance
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.common.time import local_today
from trainingapp.events.models import EventSession
from trainingapp.extensions import db

JSON = {"Accept": "application/json"}


def _url(desk: Desk, suffix: str = "") -> str:
    return f"/manage/events/{desk.event_id}/checkin{suffix}"


def _rows(app: Flask, registration_id: int) -> list[Attendance]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attendance).where(Attendance.registration_id == registration_id)
            )
        )


def _move_morning(app: Flask, desk: Desk, days: int) -> str:
    """Move the morning session ``days`` from today; returns its new date (ISO)."""
    with app.app_context():
        event_session = db.session.get(EventSession, desk.morning_id)
        assert event_session is not None
        event_session.date = local_today() + timedelta(days=days)
        db.session.commit()
        return event_session.date.isoformat()


def _panel(html: str) -> str:
    found = re.search(r'<div class="checkin-panel.*?data-feedback="[a-z]+"', html, re.DOTALL)
    assert found is not None, html
    return found.group(0)


def test_second_scan_has_its_own_words_colour_icon_and_feedback(
    staff_client: FlaskClient, desk: Desk
) -> None:
    first = staff_client.post(
        _url(desk), data={"code": "AAA222", "session": desk.morning_id}, headers=JSON
    ).get_json()
    second = staff_client.post(
        _url(desk), data={"code": "AAA222", "session": desk.morning_id}, headers=JSON
    ).get_json()
    fresh, again = _panel(first["html"]), _panel(second["html"])
    assert 'data-feedback="ok"' in fresh
    assert "text-bg-success" in fresh
    assert 'data-feedback="again"' in again
    assert "text-bg-info" in again
    assert "checkin-again" in again
    assert "✓" in first["html"]
    assert "↺" in second["html"]
    assert "↺" not in first["html"]
    assert "Already checked in earlier, at" in second["html"]
    assert "Nothing new recorded" in second["html"]


def test_second_scan_reads_in_vietnamese_with_the_earlier_time(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    staff_client.post(_url(desk), data={"code": "AAA222", "session": desk.morning_id})
    (row,) = _rows(app, desk.people["Nguyễn Văn An"])
    staff_client.post("/language/vi")
    html = staff_client.post(
        _url(desk), data={"code": "AAA222", "session": desk.morning_id}, headers=JSON
    ).get_json()["html"]
    with app.test_request_context():
        from trainingapp.i18n import format_time

        assert f"Đã điểm danh trước đó lúc {format_time(row.checked_in_at)}" in html


def test_unknown_code_stays_typed(staff_client: FlaskClient, desk: Desk) -> None:
    data = staff_client.post(
        _url(desk), data={"code": "QQQ00O", "session": desk.morning_id}, headers=JSON
    ).get_json()
    assert data["outcome"] == "not_registered"
    assert data["keep_code"] is True
    assert re.search(r"data-tried>QQQ00O<", data["html"])
    # without JavaScript: the page after the redirect has it in the input
    response = staff_client.post(_url(desk), data={"code": "QQQ00O", "session": desk.morning_id})
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="code"[^>]*value="QQQ00O"', page)
    # a code that checked someone in is cleared for the next person
    known = staff_client.post(
        _url(desk), data={"code": "AAA222", "session": desk.morning_id}, headers=JSON
    ).get_json()
    assert known["keep_code"] is False


def test_session_not_today_asks_before_recording(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    iso = _move_morning(app, desk, days=1)
    asked = staff_client.post(
        _url(desk), data={"code": "AAA222", "session": desk.morning_id}, headers=JSON
    )
    assert asked.status_code == 409
    data = asked.get_json()
    assert data["outcome"] == "confirm_date"
    assert data["session_date"] == iso
    assert data["keep_code"] is True
    assert "This session is not today" in data["html"]
    assert f'name="confirm_date" value="{iso}"' in data["html"]
    assert _rows(app, desk.people["Nguyễn Văn An"]) == []
    # a confirmation for another date does not count
    stale = staff_client.post(
        _url(desk),
        data={"code": "AAA222", "session": desk.morning_id, "confirm_date": "2020-01-01"},
        headers=JSON,
    )
    assert stale.status_code == 409
    confirmed = staff_client.post(
        _url(desk),
        data={"code": "AAA222", "session": desk.morning_id, "confirm_date": iso},
    )
    assert confirmed.status_code == 303
    assert f"confirm_date={iso}" in confirmed.headers["Location"]
    assert len(_rows(app, desk.people["Nguyễn Văn An"])) == 1
    # the page stays confirmed: the next scans need no second question
    page = staff_client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert 'id="date-warning"' in page
    assert "which is not today" in page
    assert re.search(rf'<input[^>]*name="confirm_date"[^>]*value="{iso}"', page)


def test_tap_on_a_session_not_today_asks_too(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    iso = _move_morning(app, desk, days=-3)
    registration_id = desk.people["Trần Thị Bình"]
    tap = f"/manage/events/{desk.event_id}/checkin/{registration_id}"
    response = staff_client.post(tap, data={"session": desk.morning_id, "q": "binh"})
    assert response.status_code == 303
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-outcome="confirm_date"' in page
    assert f'action="{tap}"' in page
    assert "Check-ins ask for a confirmation first" in page
    assert _rows(app, registration_id) == []
    staff_client.post(tap, data={"session": desk.morning_id, "q": "binh", "confirm_date": iso})
    assert len(_rows(app, registration_id)) == 1


def test_session_today_needs_no_confirmation(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    page = staff_client.get(_url(desk, f"?session={desk.morning_id}")).get_data(as_text=True)
    assert 'id="date-warning"' not in page
    response = staff_client.post(
        _url(desk), data={"code": "AAA222", "session": desk.morning_id}, headers=JSON
    )
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "checked_in"


def test_staff_page_with_no_account_left_links_to_creating_one(app: Flask, desk: Desk) -> None:
    with app.app_context():
        admin = User(email="admin@example.vn", role=Role.ADMIN)
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.vn", "password": PASSWORD})
    staff_page = f"/manage/events/{desk.other_event_id}/staff"
    # the other course: its organizer created it, the staff account is free to assign
    html = client.get(staff_page).get_data(as_text=True)
    assert 'id="no-accounts"' not in html
    assert "staff@example.vn" in html
    # this course: the organizer created it, the only staff account already has a role
    html = client.get(f"/manage/events/{desk.event_id}/staff").get_data(as_text=True)
    assert 'id="no-accounts"' in html
    assert 'href="/manage/accounts/new"' in html
    # an organizer cannot create accounts: told whom to ask
    organizer = app.test_client()
    organizer.post("/login", data={"email": desk.organizer_email, "password": PASSWORD})
    html = organizer.get(f"/manage/events/{desk.event_id}/staff").get_data(as_text=True)
    assert 'id="no-accounts"' in html
    assert "Ask an administrator" in html
    assert "/manage/accounts/new" not in html
