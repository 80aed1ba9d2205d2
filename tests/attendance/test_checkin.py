"""The check-in desk: code, QR payload, search, refusals, undo, counters."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from tests.attendance.world import Desk
from trainingapp.attendance import services
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.events.models import EventSession
from trainingapp.extensions import db

JSON = {"Accept": "application/json"}


def _url(desk: Desk, suffix: str = "") -> str:
    return f"/manage/events/{desk.event_id}/checkin{suffix}"


def _rows(app: Flask, desk: Desk, name: str) -> list[Attendance]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attendance).where(Attendance.registration_id == desk.people[name])
            )
        )


def _code(client: FlaskClient, desk: Desk, code: str, session_id: int | None = None, **extra: str):
    return client.post(
        _url(desk),
        data={"code": code, "session": session_id or desk.morning_id, **extra},
    )


def test_page_shows_sessions_counters_and_code_field(staff_client: FlaskClient, desk: Desk) -> None:
    response = staff_client.get(_url(desk, f"?session={desk.afternoon_id}"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Sáng 16/08" in html
    assert "Chiều 16/08" in html
    assert f'<option value="{desk.afternoon_id}" selected>' in html
    assert 'name="code"' in html
    # two confirmed registrations expected, none checked in yet
    assert '<span data-counter="checked_in">0</span>' in html
    assert '<span data-counter="expected">2</span>' in html
    assert "vendor/jsqr/jsQR.js" in html
    assert "js/checkin.js" in html


def test_check_in_by_typed_code(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    # Typed in lower case with a space, as a hurried person would.
    response = _code(staff_client, desk, " aaa 222 ")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/checkin?session={desk.morning_id}")
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Checked in" in page
    assert "Nguyễn Văn An" in page
    assert "Đồn Biên phòng Cam Ranh" in page
    assert 'data-outcome="checked_in"' in page
    # shown once: a reload no longer shows the panel
    assert 'data-outcome="' not in staff_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    rows = _rows(app, desk, "Nguyễn Văn An")
    assert len(rows) == 1
    assert rows[0].method == CheckInMethod.CODE
    assert rows[0].session_id == desk.morning_id
    assert rows[0].checked_in_by_id == desk.staff_id
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "attendance.check_in")
        ).one()
        assert entry.object_type == "Registration"
        assert entry.object_id == desk.people["Nguyễn Văn An"]
        assert entry.details["method"] == "code"


def test_qr_payload_from_the_camera_returns_json(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    response = staff_client.post(
        _url(desk),
        data={"code": "BBB333", "session": desk.afternoon_id, "via": "camera"},
        headers=JSON,
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["outcome"] == "checked_in"
    assert data["ok"] is True
    assert "Trần Thị Bình" in data["html"]
    assert data["counts"] == {"checked_in": 1, "expected": 2}
    (row,) = _rows(app, desk, "Trần Thị Bình")
    assert row.method == CheckInMethod.QR
    assert row.session_id == desk.afternoon_id


def test_second_check_in_says_already_with_the_time(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    _code(staff_client, desk, "AAA222")
    data = staff_client.post(
        _url(desk), data={"code": "AAA222", "session": desk.morning_id}, headers=JSON
    ).get_json()
    assert data["outcome"] == "already"
    (row,) = _rows(app, desk, "Nguyễn Văn An")
    with app.test_request_context():
        from trainingapp.i18n import format_time

        assert f"Already checked in earlier, at {format_time(row.checked_in_at)}" in data["html"]
    # the same person in the afternoon is a new attendance
    assert _code(staff_client, desk, "AAA222", desk.afternoon_id).status_code == 303
    assert len(_rows(app, desk, "Nguyễn Văn An")) == 2


def test_code_of_another_course_or_unknown_is_not_registered(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    for code in ("ZZZ999", "QQQ000", "💥' OR 1=1 --", "x" * 300):
        data = staff_client.post(
            _url(desk), data={"code": code, "session": desk.morning_id}, headers=JSON
        ).get_json()
        assert data is not None, code
        if data["outcome"] == "invalid":  # longer than any code: refused by the form
            assert len(code) > 200
            continue
        assert data["outcome"] == "not_registered", code
        assert "Not registered for this course" in data["html"]
        assert "Người Khác" not in data["html"]
    assert _rows(app, desk, "Người Khác") == []


def test_refused_statuses_are_told_apart(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    expected = {
        "Lê Văn Cường": ("cancelled", "Registration cancelled"),
        "Phạm Thị Dung": ("waitlisted", "On the waiting list: not confirmed"),
        "Hoàng Văn Em": ("pending", "Pending approval: not confirmed"),
        "Võ Thị Giang": ("rejected", "Registration rejected"),
    }
    for name, (outcome, message) in expected.items():
        response = _code(staff_client, desk, desk.codes[name])
        page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
        assert f'data-outcome="{outcome}"' in page, name
        assert message in page
        assert name in page
        assert _rows(app, desk, name) == []


def test_session_of_another_course_or_missing_is_refused(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    for session in (str(desk.other_session_id), "", "abc", "99999999999999999999"):
        response = staff_client.post(_url(desk), data={"code": "AAA222", "session": session})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/manage/events/{desk.event_id}/checkin")
    assert _rows(app, desk, "Nguyễn Văn An") == []


def test_empty_code_shows_a_message(staff_client: FlaskClient, desk: Desk) -> None:
    response = staff_client.post(
        _url(desk), data={"code": "", "session": desk.morning_id}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Type or scan a check-in code." in response.get_data(as_text=True)


def test_search_ignores_accents_and_phone_format_then_one_tap(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    for term in ("nguyen van an", "NGUYỄN", "an", "+84 905 123 456", "0905-123", "cam ranh"):
        html = staff_client.get(
            _url(desk), query_string={"session": desk.morning_id, "q": term}
        ).get_data(as_text=True)
        assert "Nguyễn Văn An" in html, term
    html = staff_client.get(
        _url(desk), query_string={"session": desk.morning_id, "q": "0905 123"}
    ).get_data(as_text=True)
    assert "Trần Thị Bình" not in html
    # never someone of another course
    html = staff_client.get(
        _url(desk), query_string={"session": desk.morning_id, "q": "Người Khác"}
    ).get_data(as_text=True)
    assert "No registration of this course matches" in html
    # hostile terms never break the page
    for term in ("%", "_", "\\", "' OR '1'='1", "a\x00b", "x" * 5000):
        response = staff_client.get(
            _url(desk), query_string={"session": desk.morning_id, "q": term}
        )
        assert response.status_code == 200, term

    response = staff_client.post(
        _url(desk, f"/{desk.people['Nguyễn Văn An']}"),
        data={"session": desk.morning_id, "q": "nguyen"},
    )
    assert response.status_code == 303
    assert "q=nguyen" in response.headers["Location"]
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-outcome="checked_in"' in page
    (row,) = _rows(app, desk, "Nguyễn Văn An")
    assert row.method == CheckInMethod.SEARCH
    # the result list now shows the time instead of the button
    assert "✓" in page


def test_one_tap_on_someone_of_another_course_is_not_registered(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    data = staff_client.post(
        _url(desk, f"/{desk.people['Người Khác']}"),
        data={"session": desk.morning_id},
        headers=JSON,
    ).get_json()
    assert data["outcome"] == "not_registered"
    assert _rows(app, desk, "Người Khác") == []


def test_undo_removes_the_row_and_is_audited(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    _code(staff_client, desk, "AAA222")
    (row,) = _rows(app, desk, "Nguyễn Văn An")
    response = staff_client.post(
        f"/manage/events/{desk.event_id}/attendance/{row.id}/undo",
        data={"session": desk.morning_id},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/checkin?session={desk.morning_id}")
    assert "Check-in of Nguyễn Văn An undone." in staff_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert _rows(app, desk, "Nguyễn Văn An") == []
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "attendance.undo")
        ).one()
        assert entry.object_id == desk.people["Nguyễn Văn An"]
        assert entry.details["session_id"] == desk.morning_id
    # undoing again: a message, no error
    again = staff_client.post(
        f"/manage/events/{desk.event_id}/attendance/{row.id}/undo",
        data={"session": desk.morning_id},
        follow_redirects=True,
    )
    assert "This check-in no longer exists." in again.get_data(as_text=True)


def test_undo_of_another_course_is_refused(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    with app.app_context():
        other = Attendance(
            registration_id=desk.people["Người Khác"],
            session_id=desk.other_session_id,
            method=CheckInMethod.CODE,
        )
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    staff_client.post(
        f"/manage/events/{desk.event_id}/attendance/{other_id}/undo",
        data={"session": desk.morning_id},
    )
    assert len(_rows(app, desk, "Người Khác")) == 1


def test_counters_json(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    url = _url(desk, f"/counts?session={desk.morning_id}")
    response = staff_client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {"session_id": desk.morning_id, "checked_in": 0, "expected": 2}
    _code(staff_client, desk, "AAA222")
    assert staff_client.get(url).get_json()["checked_in"] == 1
    assert (
        staff_client.get(_url(desk, f"/counts?session={desk.afternoon_id}")).get_json()[
            "checked_in"
        ]
        == 0
    )
    assert (
        staff_client.get(_url(desk, f"/counts?session={desk.other_session_id}")).status_code == 404
    )
    assert staff_client.get(_url(desk, "/counts?session=x")).status_code == 404


def test_course_without_sessions(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    with app.app_context():
        for event_session in db.session.scalars(
            select(EventSession).where(EventSession.event_id == desk.event_id)
        ):
            db.session.delete(event_session)
        db.session.commit()
    html = staff_client.get(_url(desk)).get_data(as_text=True)
    assert "This course has no sessions yet" in html


def test_current_session_is_preselected(app: Flask, desk: Desk) -> None:
    with app.app_context():
        sessions = services.course_sessions(desk.event_id)
        morning, afternoon = sessions
        day = morning.date

        def at(hour: int, minute: int = 0) -> datetime:
            return datetime.combine(day, time(hour, minute))

        assert services.current_session(sessions, at(9)) is morning
        assert services.current_session(sessions, at(12)) is afternoon  # next one today
        assert services.current_session(sessions, at(6)) is morning
        assert services.current_session(sessions, at(14)) is afternoon
        assert services.current_session(sessions, at(19)) is afternoon  # late, last of today
        other_day = datetime.combine(date(2001, 1, 1), time(9))
        assert services.current_session(sessions, other_day) is morning  # the first
        assert services.current_session([], at(9)) is None


def test_no_get_changes_state(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    staff_client.get(_url(desk), query_string={"code": "AAA222", "session": desk.morning_id})
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 0
