"""Two staff phones checking in the same person at the same moment: one row, two right answers."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.attendance.world import PASSWORD
from tests.attendance.world import Desk
from trainingapp.attendance import services
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.events.locking import lock_course
from trainingapp.events.models import EventSession
from trainingapp.extensions import db
from trainingapp.registration.models import Registration


def _rows(app: Flask, registration_id: int) -> list[Attendance]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attendance).where(Attendance.registration_id == registration_id)
            )
        )


@pytest.mark.parametrize("round_", range(3))
def test_two_devices_post_the_same_code_at_once(app: Flask, desk: Desk, round_: int) -> None:
    devices = []
    for _ in range(2):
        client = app.test_client()
        assert (
            client.post(
                "/login", data={"email": desk.staff_email, "password": PASSWORD}
            ).status_code
            == 303
        )
        devices.append(client)
    session_id = desk.afternoon_id if round_ % 2 else desk.morning_id
    barrier = threading.Barrier(len(devices))
    answers: list[Any] = []
    errors: list[BaseException] = []

    def scan(client: Any) -> None:
        try:
            barrier.wait(timeout=10)
            response = client.post(
                f"/manage/events/{desk.event_id}/checkin",
                data={"code": "AAA222", "session": session_id, "via": "camera"},
                headers={"Accept": "application/json"},
            )
            answers.append(response.get_json())
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=scan, args=(client,)) for client in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(answer["outcome"] for answer in answers) == ["already", "checked_in"]
    for answer in answers:
        assert "Nguyễn Văn An" in answer["html"]
    already = next(a for a in answers if a["outcome"] == "already")
    assert "Already checked in earlier, at" in already["html"]
    rows = [r for r in _rows(app, desk.people["Nguyễn Văn An"]) if r.session_id == session_id]
    assert len(rows) == 1


def test_insert_race_lost_is_reported_as_already(
    app: Flask, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other device inserts between our look-up and our insert: the unique key refuses ours,
    only the savepoint rolls back, and the answer carries the winner's time."""
    registration_id = desk.people["Nguyễn Văn An"]
    with app.app_context():
        winner = Attendance(
            registration_id=registration_id,
            session_id=desk.morning_id,
            method=CheckInMethod.QR,
        )
        db.session.add(winner)
        db.session.commit()
        winner_time = winner.checked_in_at

    real_existing = services._existing
    calls = {"n": 0}

    def stale_lookup(reg_id: int, session_id: int) -> Attendance | None:
        calls["n"] += 1
        if calls["n"] == 1:
            return None  # our look-up ran before the winner committed
        return real_existing(reg_id, session_id)

    monkeypatch.setattr(services, "_existing", stale_lookup)
    with app.app_context():
        lock_course(desk.event_id)
        registration = db.session.get(Registration, registration_id)
        event_session = db.session.get(EventSession, desk.morning_id)
        # work done earlier in the same transaction must survive the savepoint's rollback
        registration.position = "Trưởng đồn"
        db.session.flush()
        result = services.check_in(registration, event_session, CheckInMethod.CODE, None)
        assert result.outcome == services.Outcome.ALREADY
        assert result.checked_in_at == winner_time
        assert result.attendance is not None
        assert result.attendance.method == CheckInMethod.QR
        db.session.commit()
        assert db.session.get(Registration, registration_id).position == "Trưởng đồn"
    assert calls["n"] == 2
    assert len(_rows(app, registration_id)) == 1
