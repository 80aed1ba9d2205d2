"""The registrant list: search, filters, order, pagination."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from tests.attendance.world import Desk
from tests.factories import make_registration
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.common.time import utcnow
from trainingapp.events.models import Event
from trainingapp.extensions import db


def _names(client: FlaskClient, desk: Desk, **query: str) -> list[str]:
    response = client.get(f"/manage/events/{desk.event_id}/registrations", query_string=query)
    assert response.status_code == 200, query
    html = response.get_data(as_text=True)
    return re.findall(r'/registrations/\d+">([^<]+)</a>', html)


def test_default_order_is_the_official_name_order(staff_client: FlaskClient, desk: Desk) -> None:
    # given name first: An, Bình, Cường, Dung, Em, Giang
    assert _names(staff_client, desk) == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Văn Cường",
        "Phạm Thị Dung",
        "Hoàng Văn Em",
        "Võ Thị Giang",
    ]


def test_search_ignores_case_and_accents(staff_client: FlaskClient, desk: Desk) -> None:
    assert _names(staff_client, desk, q="nguyen van AN") == ["Nguyễn Văn An"]
    assert _names(staff_client, desk, q="TRẦN thị") == ["Trần Thị Bình"]
    assert _names(staff_client, desk, q="cuong") == ["Lê Văn Cường"]
    # unit names, accents and case ignored
    assert set(_names(staff_client, desk, q="dai truyen thanh")) == {
        "Trần Thị Bình",
        "Phạm Thị Dung",
        "Hoàng Văn Em",
    }
    assert "Nguyễn Văn An" in _names(staff_client, desk, q="BIÊN PHÒNG cam ranh")
    # check-in code, typed in lower case
    assert _names(staff_client, desk, q="ddd555") == ["Phạm Thị Dung"]
    # never another course's people
    assert _names(staff_client, desk, q="Người Khác") == []
    assert _names(staff_client, desk, q="ZZZ999") == []


def test_search_matches_phone_digits_in_any_format(staff_client: FlaskClient, desk: Desk) -> None:
    for term in (
        "0905123456",
        "0905 123 456",
        "+84 905 123 456",
        "84-905-123-456",
        "905.123",
        "(0905)",
    ):
        assert _names(staff_client, desk, q=term) == ["Nguyễn Văn An"], term


def test_hostile_search_terms(staff_client: FlaskClient, desk: Desk) -> None:
    assert _names(staff_client, desk, q="%") == []
    assert _names(staff_client, desk, q="_") == []
    for term in ("\\", "' OR 1=1 --", "a\x00b", "🙂", "x" * 5000, "<script>"):
        _names(staff_client, desk, q=term)
    for query in (
        {"status": "bogus"},
        {"kind": "nope"},
        {"organization": "abc"},
        {"organization": "9" * 40},
        {"source": "x"},
        {"session": "-1", "attendance": "attended"},
        {"sort": "'; DROP TABLE x"},
        {"page": "999"},
        {"page": "-3"},
    ):
        _names(staff_client, desk, **query)


def test_filters(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    assert _names(staff_client, desk, status="waitlisted") == ["Phạm Thị Dung"]
    assert _names(staff_client, desk, status="confirmed") == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert _names(staff_client, desk, source="import") == ["Võ Thị Giang"]
    assert _names(staff_client, desk, organization=str(desk.units["post"])) == [
        "Nguyễn Văn An",
        "Lê Văn Cường",
        "Võ Thị Giang",
    ]
    assert _names(staff_client, desk, kind="commune_radio") == [
        "Trần Thị Bình",
        "Phạm Thị Dung",
        "Hoàng Văn Em",
    ]
    assert _names(staff_client, desk, kind="commune_radio", status="pending") == ["Hoàng Văn Em"]
    with app.app_context():
        db.session.add(
            Attendance(
                registration_id=desk.people["Trần Thị Bình"],
                session_id=desk.morning_id,
                method=CheckInMethod.CODE,
            )
        )
        db.session.commit()
    assert _names(staff_client, desk, session=str(desk.morning_id), attendance="attended") == [
        "Trần Thị Bình"
    ]
    assert _names(staff_client, desk, session=str(desk.afternoon_id), attendance="attended") == []
    assert _names(
        staff_client,
        desk,
        session=str(desk.morning_id),
        attendance="not_attended",
        status="confirmed",
    ) == ["Nguyễn Văn An"]
    # without a session (or with another course's, which is ignored): any session of the course
    assert _names(staff_client, desk, attendance="attended") == ["Trần Thị Bình"]
    assert _names(
        staff_client, desk, session=str(desk.other_session_id), attendance="attended"
    ) == ["Trần Thị Bình"]
    not_attended = _names(staff_client, desk, attendance="not_attended")
    assert "Trần Thị Bình" not in not_attended
    assert len(not_attended) == 5


def test_sort_by_registration_time(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    with app.app_context():
        event = db.session.get(Event, desk.event_id)
        make_registration(
            db.session, event, full_name="Zô Mới Nhất", created_at=utcnow() + timedelta(hours=1)
        )
        db.session.commit()
    names = _names(staff_client, desk, sort="time")
    assert names[0] == "Zô Mới Nhất"
    assert _names(staff_client, desk)[-1] == "Zô Mới Nhất"  # given name "Nhất" comes last


def test_pages_of_fifty(app: Flask, staff_client: FlaskClient, desk: Desk) -> None:
    with app.app_context():
        event = db.session.get(Event, desk.event_id)
        for i in range(60):
            make_registration(db.session, event, full_name=f"Người Số {i:02d}")
        db.session.commit()
    first = _names(staff_client, desk)
    second = _names(staff_client, desk, page="2")
    assert len(first) == 50
    assert len(second) == 16
    assert not set(first) & set(second)
    html = staff_client.get(
        f"/manage/events/{desk.event_id}/registrations?status=confirmed"
    ).get_data(as_text=True)
    assert "page=2" in html
    assert "status=confirmed" in html
