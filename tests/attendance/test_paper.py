"""Ticks from the signed paper sheet: same order and numbering as the printed sign-in sheet."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.attendance.world import Desk
from tests.factories import make_registration
from trainingapp.attendance.manage import PAPER_PER_PAGE
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.events.models import Event
from trainingapp.extensions import db
from trainingapp.registration.listing import signin_sheet_query


def _url(desk: Desk, session_id: int | None = None, page: int = 1) -> str:
    return (
        f"/manage/events/{desk.event_id}/sessions/{session_id or desk.morning_id}/paper?page={page}"
    )


def _present(app: Flask, session_id: int) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(Attendance.registration_id).where(Attendance.session_id == session_id)
            )
        )


def test_rows_follow_the_signin_sheet_order(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    with app.app_context():
        event = db.session.get(Event, desk.event_id)
        # given names decide first, in Vietnamese alphabet order: Anh < Ánh < Bảo < Đức
        for name in ("Trần Đức", "Lê Ánh", "Phạm Anh", "Vũ Bảo", "Đỗ Anh"):
            make_registration(db.session, event, full_name=name)
        db.session.commit()
        expected = [r.full_name for r in db.session.scalars(signin_sheet_query(desk.event_id))]
    html = staff_client.get(_url(desk)).get_data(as_text=True)
    shown = re.findall(r'<span class="fw-semibold d-block text-break">([^<]+)</span>', html)
    assert shown == expected
    # An < Anh (shorter first) < Ánh (tone after the letters), then Bảo, Bình, Đức
    assert shown == [
        "Nguyễn Văn An",
        "Đỗ Anh",
        "Phạm Anh",
        "Lê Ánh",
        "Vũ Bảo",
        "Trần Thị Bình",
        "Trần Đức",
    ]
    numbers = re.findall(r'<span class="stt[^"]*">(\d+)</span>', html)
    assert numbers == [str(i) for i in range(1, len(expected) + 1)]
    # only confirmed registrations are on the sheet
    assert "Lê Văn Cường" not in shown
    assert "Phạm Thị Dung" not in shown


def test_save_adds_and_removes_and_is_audited(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    an, binh = desk.people["Nguyễn Văn An"], desk.people["Trần Thị Bình"]
    with app.app_context():
        db.session.add(
            Attendance(registration_id=an, session_id=desk.morning_id, method=CheckInMethod.QR)
        )
        db.session.commit()
    html = staff_client.get(_url(desk)).get_data(as_text=True)
    assert re.search(rf'value="{an}" id="p-{an}" checked', html)  # pre-ticked
    assert not re.search(rf'value="{binh}" id="p-{binh}" checked', html)

    response = staff_client.post(
        _url(desk), data={"shown": [str(an), str(binh)], "present": [str(binh)]}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(_url(desk))
    assert "Sign-in sheet saved: 1 added, 1 removed." in staff_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert _present(app, desk.morning_id) == {binh}
    with app.app_context():
        (row,) = db.session.scalars(select(Attendance).where(Attendance.registration_id == binh))
        assert row.method == CheckInMethod.PAPER
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "attendance.paper")
        ).one()
        assert entry.object_type == "EventSession"
        assert entry.details["added"] == 1
        assert entry.details["removed"] == 1
    # the afternoon is untouched
    assert _present(app, desk.afternoon_id) == set()


def test_rows_not_shown_and_other_courses_are_never_touched(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    an, binh = desk.people["Nguyễn Văn An"], desk.people["Trần Thị Bình"]
    stranger, cancelled = desk.people["Người Khác"], desk.people["Lê Văn Cường"]
    with app.app_context():
        db.session.add(
            Attendance(registration_id=an, session_id=desk.morning_id, method=CheckInMethod.QR)
        )
        db.session.commit()
    # An is not among the shown rows (another page): not removed. Strangers are ignored.
    staff_client.post(
        _url(desk),
        data={
            "shown": [str(binh), str(stranger), str(cancelled), "x", "-1", "9" * 30],
            "present": [str(binh), str(stranger), str(cancelled)],
        },
    )
    assert _present(app, desk.morning_id) == {an, binh}
    # nothing to change: no audit entry
    staff_client.post(_url(desk), data={"shown": [str(binh)], "present": [str(binh)]})
    with app.app_context():
        assert (
            len(
                db.session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "attendance.paper")
                ).all()
            )
            == 1
        )


def test_numbering_continues_on_the_next_page(
    app: Flask, staff_client: FlaskClient, desk: Desk
) -> None:
    with app.app_context():
        event = db.session.get(Event, desk.event_id)
        for i in range(PAPER_PER_PAGE + 3):
            make_registration(db.session, event, full_name=f"Người Thứ {i:03d}")
        db.session.commit()
    html = staff_client.get(_url(desk, page=2)).get_data(as_text=True)
    numbers = [int(n) for n in re.findall(r'<span class="stt[^"]*">(\d+)</span>', html)]
    assert numbers == list(range(PAPER_PER_PAGE + 1, PAPER_PER_PAGE + 6))


def test_session_of_another_course_is_404(staff_client: FlaskClient, desk: Desk) -> None:
    assert staff_client.get(_url(desk, desk.other_session_id)).status_code == 404
    assert staff_client.post(_url(desk, desk.other_session_id), data={}).status_code == 404
