"""A phone checks a person in while a bulk check-in (or the paper ticks) of the same people is
between its read and its write: one attendance row and no error, on SQLite and PostgreSQL.

Before the course lock, the phone's check-in committed in that gap; the bulk write then failed
with "database is locked" on SQLite (its read snapshot was stale) and with a unique-key error on
PostgreSQL: HTTP 500 either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.attendance.world import Desk
from trainingapp.attendance import services
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.events.models import EventSession
from trainingapp.extensions import db

#: how long the bulk write waits in its gap for the phone's check-in to get through (it cannot
#: while the course is locked: it waits for the lock instead)
GAP_SECONDS = 1.0


def _phone_check_in(
    app: Flask, desk: Desk, outcome: list[Any], errors: list[BaseException]
) -> None:
    try:
        with app.app_context():
            event_session = db.session.get(EventSession, desk.morning_id)
            assert event_session is not None
            result = services.check_in_by_code(
                desk.event_id, event_session, "AAA222", CheckInMethod.QR, None
            )
            db.session.commit()
            outcome.append(result.outcome)
    except BaseException as error:  # reported in the test's thread
        errors.append(error)


def _with_phone_in_the_gap(
    app: Flask, desk: Desk, monkeypatch: pytest.MonkeyPatch, write: Callable[[], None]
) -> tuple[list[Any], list[BaseException]]:
    """Run ``write`` (a bulk verb) with the phone's check-in started between its read and its
    write: the verb reads the clock right after reading who is present."""
    outcome: list[Any] = []
    errors: list[BaseException] = []
    phone = threading.Thread(target=_phone_check_in, args=(app, desk, outcome, errors))
    bulk_thread = threading.current_thread()
    real_utcnow = services.utcnow

    def clock() -> datetime:
        if threading.current_thread() is bulk_thread and not phone.is_alive() and not outcome:
            phone.start()
            phone.join(GAP_SECONDS)  # the old code let it commit here
        return real_utcnow()

    monkeypatch.setattr(services, "utcnow", clock)
    with app.app_context():
        write()
        db.session.commit()
    phone.join(30)
    assert not phone.is_alive()
    return outcome, errors


def _rows(app: Flask, desk: Desk) -> list[Attendance]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Attendance).where(
                    Attendance.registration_id == desk.people["Nguyễn Văn An"],
                    Attendance.session_id == desk.morning_id,
                )
            )
        )


def test_bulk_check_in_and_a_phone_at_once_make_one_row(
    app: Flask, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [desk.people["Nguyễn Văn An"], desk.people["Trần Thị Bình"]]
    results: list[services.BulkResult] = []

    def bulk() -> None:
        event_session = db.session.get(EventSession, desk.morning_id)
        assert event_session is not None
        results.append(services.mark_attended(desk.event_id, event_session, ids, None))

    outcome, errors = _with_phone_in_the_gap(app, desk, monkeypatch, bulk)
    assert not errors, errors
    assert len(_rows(app, desk)) == 1
    # The bulk check-in held the lock: it wrote both, and the phone was told "already".
    assert len(results[0].checked_in) == 2
    assert outcome == [services.Outcome.ALREADY]


def test_paper_ticks_and_a_phone_at_once_make_one_row(
    app: Flask, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = [desk.people["Nguyễn Văn An"], desk.people["Trần Thị Bình"]]
    results: list[services.PaperResult] = []

    def ticks() -> None:
        event_session = db.session.get(EventSession, desk.morning_id)
        assert event_session is not None
        results.append(services.save_paper_ticks(desk.event_id, event_session, shown, shown, None))

    outcome, errors = _with_phone_in_the_gap(app, desk, monkeypatch, ticks)
    assert not errors, errors
    assert len(_rows(app, desk)) == 1
    assert results[0].added == 2
    assert outcome == [services.Outcome.ALREADY]
