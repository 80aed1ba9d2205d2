"""Attendance marks: late arrivals and excused absences, set by staff on a registration's page,
read by the list, the exports, the report and the certificate rule (``attendance.marks``)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.attendance.world import Desk
from trainingapp.attendance.marks import Mark
from trainingapp.attendance.marks import attended_counts
from trainingapp.attendance.marks import mark_counts
from trainingapp.attendance.marks import marks_for
from trainingapp.attendance.marks import set_mark
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.attendance.services import AttendanceError
from trainingapp.attendance.services import check_in_by_id
from trainingapp.attendance.services import undo
from trainingapp.audit.models import AuditEntry
from trainingapp.events.models import EventSession
from trainingapp.extensions import db

AN, BINH, DUNG = "Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"


def _check_in(desk: Desk, name: str, session_id: int) -> int:
    event_session = db.session.get(EventSession, session_id)
    assert event_session is not None
    result = check_in_by_id(
        desk.event_id, event_session, desk.people[name], CheckInMethod.SEARCH, None
    )
    assert result.ok
    db.session.commit()
    assert result.attendance is not None
    return result.attendance.id


def test_late_needs_a_check_in_and_excused_needs_none(app: Flask, desk: Desk) -> None:
    with app.app_context():
        with pytest.raises(AttendanceError, match="not checked in"):
            set_mark(desk.event_id, desk.people[AN], desk.morning_id, Mark.LATE, None)
        db.session.rollback()
        _check_in(desk, AN, desk.morning_id)
        set_mark(desk.event_id, desk.people[AN], desk.morning_id, Mark.LATE, None)
        db.session.commit()
        with pytest.raises(AttendanceError, match="undo the check-in"):
            set_mark(desk.event_id, desk.people[AN], desk.morning_id, Mark.EXCUSED, None)
        db.session.rollback()
        set_mark(
            desk.event_id, desk.people[BINH], desk.afternoon_id, Mark.EXCUSED, None, reason=" Ốm "
        )
        db.session.commit()
        marks = marks_for([desk.people[AN], desk.people[BINH]])
        assert marks[desk.people[AN]] == {desk.morning_id: Mark.LATE}
        assert marks[desk.people[BINH]] == {desk.afternoon_id: Mark.EXCUSED}
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "attendance.mark")
        ).all()
        assert [(e.details["from"], e.details["to"]) for e in entries] == [
            ("present", "late"),
            ("absent", "excused"),
        ]
        assert entries[1].details["reason"] == "Ốm"


def test_only_a_confirmed_participant_is_excused(app: Flask, desk: Desk) -> None:
    with app.app_context(), pytest.raises(AttendanceError, match="confirmed"):
        set_mark(desk.event_id, desk.people[DUNG], desk.morning_id, Mark.EXCUSED, None)


def test_another_courses_session_is_refused(app: Flask, desk: Desk) -> None:
    with app.app_context(), pytest.raises(AttendanceError, match="session"):
        set_mark(desk.event_id, desk.people[AN], desk.other_session_id, Mark.EXCUSED, None)


def test_a_check_in_wins_over_an_excuse_and_undo_brings_it_back(app: Flask, desk: Desk) -> None:
    with app.app_context():
        set_mark(desk.event_id, desk.people[BINH], desk.morning_id, Mark.EXCUSED, None)
        db.session.commit()
        attendance_id = _check_in(desk, BINH, desk.morning_id)
        assert marks_for([desk.people[BINH]])[desk.people[BINH]] == {desk.morning_id: Mark.PRESENT}
        assert mark_counts(desk.event_id)[desk.morning_id] == {Mark.PRESENT: 1}
        assert attended_counts(desk.event_id, count_excused=True) == {desk.people[BINH]: 1}
        undo(desk.event_id, attendance_id, None)
        db.session.commit()
        assert marks_for([desk.people[BINH]])[desk.people[BINH]] == {desk.morning_id: Mark.EXCUSED}


def test_counts_for_the_report_and_the_certificate_rule(app: Flask, desk: Desk) -> None:
    with app.app_context():
        _check_in(desk, AN, desk.morning_id)
        _check_in(desk, AN, desk.afternoon_id)
        _check_in(desk, BINH, desk.morning_id)
        set_mark(desk.event_id, desk.people[AN], desk.afternoon_id, Mark.LATE, None)
        set_mark(desk.event_id, desk.people[BINH], desk.afternoon_id, Mark.EXCUSED, None)
        db.session.commit()
        assert mark_counts(desk.event_id) == {
            desk.morning_id: {Mark.PRESENT: 2},
            desk.afternoon_id: {Mark.LATE: 1, Mark.EXCUSED: 1},
        }
        # A late arrival attended; an excuse counts only when the rule says so.
        assert attended_counts(desk.event_id) == {desk.people[AN]: 2, desk.people[BINH]: 1}
        assert attended_counts(desk.event_id, count_excused=True) == {
            desk.people[AN]: 2,
            desk.people[BINH]: 2,
        }


def test_staff_mark_from_the_registration_page(
    app: Flask, desk: Desk, staff_client: FlaskClient
) -> None:
    with app.app_context():
        _check_in(desk, AN, desk.morning_id)
    page = f"/manage/events/{desk.event_id}/registrations/{desk.people[AN]}"
    response = staff_client.post(
        f"{page}/mark", data={"session_id": desk.morning_id, "mark": "late"}
    )
    assert response.status_code == 303
    html = staff_client.get(page).get_data(as_text=True)
    assert "Marked: Late." in html
    assert 'value="late" selected' in html
    # Excusing a session he was checked in for is refused with the reason, nothing saved.
    response = staff_client.post(
        f"{page}/mark", data={"session_id": desk.morning_id, "mark": "excused"}
    )
    assert "undo the check-in first" in staff_client.get(page).get_data(as_text=True)
    response = staff_client.post(
        f"{page}/mark",
        data={"session_id": desk.afternoon_id, "mark": "excused", "reason": "Đi công tác"},
    )
    html = staff_client.get(page).get_data(as_text=True)
    assert "Reason: Đi công tác" in html
    listing = staff_client.get(f"/manage/events/{desk.event_id}/registrations").get_data(
        as_text=True
    )
    assert "Excused absence" in listing
    assert "Late" in listing


@pytest.mark.parametrize("data", [{}, {"session_id": "x", "mark": "late"}, {"mark": "gone"}])
def test_bad_mark_posts_get_a_message(
    desk: Desk, staff_client: FlaskClient, data: dict[str, str]
) -> None:
    page = f"/manage/events/{desk.event_id}/registrations/{desk.people[AN]}"
    response = staff_client.post(f"{page}/mark", data=data)
    assert response.status_code == 303
    assert "The mark was not saved" in staff_client.get(page).get_data(as_text=True)


def test_another_courses_registration_is_not_found(desk: Desk, staff_client: FlaskClient) -> None:
    response = staff_client.post(
        f"/manage/events/{desk.other_event_id}/registrations/{desk.people[AN]}/mark",
        data={"session_id": desk.morning_id, "mark": "late"},
    )
    assert response.status_code in (403, 404)


def test_the_door_marks_a_check_in_late_and_on_time_again(
    app: Flask, desk: Desk, staff_client: FlaskClient
) -> None:
    checkin = f"/manage/events/{desk.event_id}/checkin"
    response = staff_client.post(checkin, data={"code": "AAA222", "session": desk.morning_id})
    panel = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mark late" in panel
    with app.app_context():
        attendance = db.session.scalars(
            select(Attendance).where(Attendance.registration_id == desk.people[AN])
        ).one()
    url = f"/manage/events/{desk.event_id}/attendance/{attendance.id}/late"
    response = staff_client.post(url, data={"session": desk.morning_id, "late": "1"})
    assert response.headers["Location"].endswith(f"/checkin?session={desk.morning_id}")
    assert f"{AN}: Late." in staff_client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert marks_for([desk.people[AN]])[desk.people[AN]] == {desk.morning_id: Mark.LATE}
    staff_client.post(url, data={"session": desk.morning_id, "late": "0"})
    with app.app_context():
        assert marks_for([desk.people[AN]])[desk.people[AN]] == {desk.morning_id: Mark.PRESENT}
    # An unknown check-in: a message, no error.
    gone = staff_client.post(
        f"/manage/events/{desk.event_id}/attendance/999999/late",
        data={"session": desk.morning_id},
        follow_redirects=True,
    )
    assert "This check-in no longer exists." in gone.get_data(as_text=True)
