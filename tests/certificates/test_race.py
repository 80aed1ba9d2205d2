"""Two organizers issue at the same moment: on the same course, and on two courses that share
the year's numbers. No duplicate, no gap, one certificate per person (SQLite: BEGIN IMMEDIATE;
PostgreSQL with TEST_DATABASE_URL: the course row and the counter row are locked)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.factories import make_event
from tests.factories import make_registration
from tests.factories import make_session
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.certificates import services
from trainingapp.certificates.models import Certificate
from trainingapp.extensions import db

DAY = date(2026, 6, 1)


def _course(app: Flask, people: int) -> tuple[int, list[int]]:
    """A one-session course where everybody attended."""
    with app.app_context():
        event = make_event(db.session)
        morning = make_session(db.session, event)
        ids = []
        for n in range(people):
            registration = make_registration(db.session, event, full_name=f"Nguyễn Văn Số {n}")
            db.session.add(
                Attendance(registration=registration, session=morning, method=CheckInMethod.CODE)
            )
            ids.append(registration.id)
        db.session.commit()
        return event.id, ids


def _at_once(app: Flask, jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(job())
                db.session.commit()
            except services.CertificateError as refused:
                db.session.rollback()
                results.append(refused)
            except BaseException as error:  # reported in the test's thread
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return results, errors


def _numbers(app: Flask) -> list[tuple[int, int | None, int]]:
    with app.app_context():
        return [
            (c.number, c.registration_id, c.event_id)
            for c in db.session.scalars(select(Certificate).order_by(Certificate.number))
        ]


def test_two_organizers_issue_the_same_course_at_once(app: Flask) -> None:
    event_id, ids = _course(app, 12)
    results, errors = _at_once(
        app, [lambda: services.issue(None, event_id, issued_on=DAY) for _ in range(2)]
    )
    assert not errors, errors
    issued = [r for r in results if isinstance(r, services.Issued)]
    refused = [r for r in results if isinstance(r, services.CertificateError)]
    assert len(issued) == 1
    assert len(refused) == 1
    rows = _numbers(app)
    assert [number for number, _reg, _ev in rows] == list(range(1, 13))
    assert sorted(reg for _n, reg, _ev in rows if reg is not None) == sorted(ids)


def test_two_courses_issue_at_once_share_the_numbers_without_gaps(app: Flask) -> None:
    first, first_ids = _course(app, 5)
    second, second_ids = _course(app, 7)
    jobs: list[Callable[[], Any]] = [
        lambda: services.issue(None, first, issued_on=DAY),
        lambda: services.issue(None, second, issued_on=DAY),
    ]
    results, errors = _at_once(app, jobs)
    assert not errors, errors
    assert all(isinstance(r, services.Issued) for r in results)
    rows = _numbers(app)
    assert [number for number, _reg, _ev in rows] == list(range(1, 13))
    # each course's block is contiguous: one transaction took it
    for event_id, size in ((first, 5), (second, 7)):
        numbers = [n for n, _reg, ev in rows if ev == event_id]
        assert numbers == list(range(numbers[0], numbers[0] + size))


def test_many_single_issues_across_two_courses(app: Flask) -> None:
    first, first_ids = _course(app, 4)
    second, second_ids = _course(app, 4)
    jobs: list[Callable[[], Any]] = []
    for event_id, ids in ((first, first_ids), (second, second_ids)):
        for registration_id in ids:
            jobs.append(
                lambda e=event_id, r=registration_id: services.issue(None, e, [r], issued_on=DAY)
            )
    results, errors = _at_once(app, jobs)
    assert not errors, errors
    assert all(isinstance(r, services.Issued) for r in results)
    rows = _numbers(app)
    assert [number for number, _reg, _ev in rows] == list(range(1, 9))
    assert sorted(reg for _n, reg, _ev in rows if reg is not None) == sorted(first_ids + second_ids)
