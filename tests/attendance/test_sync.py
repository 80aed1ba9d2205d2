"""Offline check-in: the snapshot a device keeps, and the queue it sends back (``attendance.sync``)."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select

from tests.attendance.world import PASSWORD
from tests.attendance.world import Desk
from trainingapp.attendance import sync
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.attendance.models import SyncedCheckIn
from trainingapp.audit.models import AuditEntry
from trainingapp.common.time import utcnow
from trainingapp.extensions import db
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus


def ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def minutes_ago(minutes: int) -> int:
    return int((time.time() - minutes * 60) * 1000)


def item(client_id: str, session_id: int, **values: Any) -> dict[str, Any]:
    return {"id": client_id, "session_id": session_id, "at": minutes_ago(30), "method": "code"} | (
        values
    )


def sync_url(desk: Desk) -> str:
    return f"/manage/events/{desk.event_id}/checkin/sync"


def csrf_of(client: FlaskClient, desk: Desk) -> str:
    response = client.get(f"/manage/events/{desk.event_id}/checkin/snapshot.json")
    assert response.status_code == 200
    return str(response.get_json()["csrf_token"])


def post_queue(
    client: FlaskClient, desk: Desk, items: list[dict[str, Any]], device: str = "Điện thoại A"
) -> Any:
    return client.post(
        sync_url(desk),
        json={"device": device, "items": items},
        headers={"X-CSRFToken": csrf_of(client, desk), "Accept": "application/json"},
    )


def attendance_rows(app: Flask, registration_id: int) -> list[Attendance]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attendance).where(Attendance.registration_id == registration_id)
            )
        )


# --- the snapshot ---------------------------------------------------------------------------------


def test_snapshot_holds_what_the_door_needs_and_no_contact_details(
    app: Flask, desk: Desk, staff_client: FlaskClient
) -> None:
    with app.app_context():
        registration = db.session.get(Registration, desk.people["Nguyễn Văn An"])
        db.session.add(
            Attendance(
                registration_id=registration.id,
                session_id=desk.morning_id,
                checked_in_at=utcnow(),
                method=CheckInMethod.QR,
            )
        )
        db.session.commit()
    response = staff_client.get(f"/manage/events/{desk.event_id}/checkin/snapshot.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store, private"
    data = response.get_json()
    assert data["format"] == sync.SNAPSHOT_FORMAT
    assert [s["id"] for s in data["sessions"]] == [desk.morning_id, desk.afternoon_id]
    columns = data["registrants"]
    assert sorted(columns) == ["code", "fold", "id", "name", "status", "unit"]
    by_code = {
        row[1]: row
        for row in zip(
            *(columns[key] for key in ("id", "code", "name", "fold", "unit", "status")),
            strict=True,
        )
    }
    assert set(by_code) == set(desk.codes.values()) - {"ZZZ999"}  # not the other course's
    an = by_code["AAA222"]
    assert an[2] == "Nguyễn Văn An"
    assert an[3] == "nguyen van an"
    assert data["units"][str(an[4])] == ["Đồn Biên phòng Cam Ranh", "don bien phong cam ranh"]
    assert data["statuses"][an[5]] == "confirmed"
    assert data["statuses"][by_code["CCC444"][5]] == "cancelled"
    assert [row[0] for row in data["attendance"][str(desk.morning_id)]] == [an[0]]
    assert data["attendance"][str(desk.afternoon_id)] == []
    assert "0905123456" not in response.get_data(as_text=True)  # phones stay on the server
    assert data["csrf_token"]


def test_snapshot_is_compressed_when_the_browser_accepts_it(
    desk: Desk, staff_client: FlaskClient
) -> None:
    url = f"/manage/events/{desk.event_id}/checkin/snapshot.json"
    response = staff_client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert json.loads(gzip.decompress(response.data))["event_id"] == desk.event_id


def test_snapshot_and_sync_need_a_role_on_the_course(app: Flask, desk: Desk) -> None:
    anonymous = app.test_client()
    assert anonymous.get(f"/manage/events/{desk.event_id}/checkin/snapshot.json").status_code in (
        302,
        401,
    )
    staff = app.test_client()
    staff.post("/login", data={"email": desk.staff_email, "password": PASSWORD})
    other = f"/manage/events/{desk.other_event_id}/checkin"
    assert staff.get(f"{other}/snapshot.json").status_code == 403
    assert staff.post(f"{other}/sync", json={"items": []}).status_code == 403


def test_sync_without_the_csrf_token_is_refused(app: Flask, desk: Desk) -> None:
    """With CSRF on (the tests' app has it off): no token, 400 and nothing recorded; the token
    the snapshot hands out is accepted."""
    from trainingapp import create_app

    guarded = create_app({**app.config, "WTF_CSRF_ENABLED": True}).test_client()
    login = guarded.get("/login")
    token = login.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    guarded.post(
        "/login",
        data={"email": desk.staff_email, "password": PASSWORD, "csrf_token": token.split('"')[0]},
    )
    queue = {"items": [item("abcdefgh1", desk.morning_id, code="AAA222")]}
    assert guarded.post(sync_url(desk), json=queue).status_code == 400
    assert attendance_rows(app, desk.people["Nguyễn Văn An"]) == []
    answered = guarded.post(
        sync_url(desk), json=queue, headers={"X-CSRFToken": csrf_of(guarded, desk)}
    )
    assert answered.status_code == 200
    assert len(attendance_rows(app, desk.people["Nguyễn Văn An"])) == 1


# --- the queue ------------------------------------------------------------------------------------


def test_queued_check_ins_keep_their_time_and_a_replay_adds_nothing(
    app: Flask, desk: Desk, staff_client: FlaskClient
) -> None:
    at = minutes_ago(42)
    items = [
        item("code-0001", desk.morning_id, code="aaa-222", at=at),
        item(
            "search-001",
            desk.morning_id,
            registration_id=desk.people["Trần Thị Bình"],
            method="search",
            at=at + 1000,
        ),
    ]
    first = post_queue(staff_client, desk, items)
    assert first.status_code == 200
    answers = first.get_json()["answers"]
    assert [a["outcome"] for a in answers] == ["checked_in", "checked_in"]
    (row,) = attendance_rows(app, desk.people["Nguyễn Văn An"])
    assert abs(ms(row.checked_in_at.replace(tzinfo=UTC)) - at) < 1000
    assert row.method == CheckInMethod.CODE

    again = post_queue(staff_client, desk, items)
    assert [a["outcome"] for a in again.get_json()["answers"]] == ["checked_in", "checked_in"]
    assert all(a["replay"] for a in again.get_json()["answers"])
    assert len(attendance_rows(app, desk.people["Nguyễn Văn An"])) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(SyncedCheckIn.id))) == 2
        details = db.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "attendance.check_in")
        ).all()
        assert len(details) == 2
        assert {d["device"] for d in details} == {"Điện thoại A"}
        assert all(d["offline"] for d in details)


def test_conflicts_come_back_for_review(app: Flask, desk: Desk, staff_client: FlaskClient) -> None:
    items = [
        item("cancelled1", desk.morning_id, code="CCC444"),
        item("waiting001", desk.morning_id, code="DDD555"),
        item("unknown001", desk.morning_id, code="ZZZ999"),  # the other course's code
        item("badsession", desk.other_session_id, code="AAA222"),
    ]
    answers = post_queue(staff_client, desk, items).get_json()["answers"]
    assert [(a["outcome"], a.get("status")) for a in answers] == [
        ("refused", "cancelled"),
        ("refused", "waitlisted"),
        ("not_registered", None),
        ("invalid", None),
    ]
    assert answers[0]["name"] == "Lê Văn Cường"
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_two_devices_offline_make_one_attendance_with_the_earlier_time(
    app: Flask, desk: Desk, staff_client: FlaskClient
) -> None:
    later, earlier = minutes_ago(10), minutes_ago(20)
    first = post_queue(
        staff_client, desk, [item("phone-a-01", desk.morning_id, code="AAA222", at=later)]
    )
    assert first.get_json()["answers"][0]["outcome"] == "checked_in"
    second = post_queue(
        staff_client,
        desk,
        [item("phone-b-01", desk.morning_id, code="AAA222", at=earlier)],
        device="Máy tính bảng B",
    )
    (answer,) = second.get_json()["answers"]
    assert answer["outcome"] == "already"
    assert answer["other"] == "Điện thoại A"
    assert abs(answer["at"] - earlier) < 1000
    (row,) = attendance_rows(app, desk.people["Nguyễn Văn An"])
    assert abs(ms(row.checked_in_at.replace(tzinfo=UTC)) - earlier) < 1000
    with app.app_context():
        (conflict,) = db.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "attendance.sync_conflict")
        ).all()
        assert conflict["devices"] == ["Điện thoại A", "Máy tính bảng B"]


def test_walk_ins_get_the_normal_rules_and_a_known_phone_is_merged(
    app: Flask, desk: Desk, staff_client: FlaskClient
) -> None:
    person = {
        "full_name": "đinh thị hoa",
        "organization": "Đài Truyền thanh xã Ninh Hải",
        "phone": "0977 000 111",
        "gender": "female",
        "consent": True,
    }
    known = {**person, "full_name": "Nguyễn Văn An (trùng)", "phone": "+84 905 123 456"}
    invalid = {**person, "phone": "12", "full_name": ""}
    items = [
        item("walkin-001", desk.morning_id, method="walk_in", person=person),
        item("walkin-002", desk.morning_id, method="walk_in", person=known),
        item("walkin-003", desk.morning_id, method="walk_in", person=invalid),
    ]
    answers = post_queue(staff_client, desk, items).get_json()["answers"]
    assert [a["outcome"] for a in answers] == ["walk_in", "merged", "invalid"]
    assert set(answers[2]["errors"]) == {"full_name", "phone"}
    assert answers[1]["registration_id"] == desk.people["Nguyễn Văn An"]
    with app.app_context():
        hoa = db.session.scalar(select(Registration).where(Registration.phone == "0977000111"))
        assert hoa is not None
        assert hoa.full_name == "Đinh Thị Hoa"
        assert hoa.status == RegistrationStatus.CONFIRMED
        assert answers[0]["code"] == hoa.checkin_code
        count = db.session.scalar(
            select(func.count(Registration.id)).where(Registration.event_id == desk.event_id)
        )
        assert count == 7  # six in the world, one new walk-in: the known phone was not doubled
    assert len(attendance_rows(app, desk.people["Nguyễn Văn An"])) == 1
    # sent again (the answer was lost): still one walk-in
    post_queue(staff_client, desk, items)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Registration.id)).where(Registration.phone == "0977000111")
            )
            == 1
        )


def test_a_clock_ahead_is_not_trusted_and_old_items_are_refused(
    app: Flask, desk: Desk, staff_client: FlaskClient
) -> None:
    future = int((time.time() + 3600) * 1000)
    ancient = ms(utcnow().replace(tzinfo=UTC) - timedelta(days=30))
    answers = post_queue(
        staff_client,
        desk,
        [
            item("future-001", desk.morning_id, code="AAA222", at=future),
            item("ancient-01", desk.afternoon_id, code="BBB333", at=ancient),
        ],
    ).get_json()["answers"]
    assert [a["outcome"] for a in answers] == ["checked_in", "invalid"]
    assert answers[0]["at"] < future - 3_000_000


@pytest.mark.parametrize(
    "payload",
    [
        {"items": "nope"},
        {"items": [{"id": "x"}]},
        {"items": [item("short", 1, code="AAA222")]},
        {"items": [{"id": "no-session1", "at": 1, "method": "code", "code": "AAA222"}]},
        {"items": [item("badmethod", 1, method="bulk", code="AAA222")]},
        [1, 2, 3],
    ],
)
def test_unreadable_queues_get_a_clear_answer_and_change_nothing(
    app: Flask, desk: Desk, staff_client: FlaskClient, payload: Any
) -> None:
    response = staff_client.post(
        sync_url(desk), json=payload, headers={"X-CSRFToken": csrf_of(staff_client, desk)}
    )
    assert response.status_code in (200, 400)
    body = response.get_json()
    if response.status_code == 200:
        assert {a["outcome"] for a in body["answers"]} == {"invalid"}
    else:
        assert body["error"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 0
        assert db.session.scalar(select(func.count(SyncedCheckIn.id))) == 0
