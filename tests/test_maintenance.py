"""anonymise-event and backup-db."""

from __future__ import annotations

import sqlite3
from datetime import date
from datetime import time

import pytest
from sqlalchemy import select

from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.certificates.models import Certificate
from trainingapp.certificates.services import issue
from trainingapp.events.models import Event
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStatus
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus


def _course(slug: str, day: date, people: int) -> int:
    unit = Organization(name=f"Báo Khánh Hòa {slug}", kind=OrganizationKind.NEWSROOM)
    event = Event(
        title="Lớp tập huấn",
        slug=slug,
        organizer=unit,
        start_date=day,
        end_date=day,
        capacity=50,
        status=EventStatus.CLOSED,
    )
    morning = EventSession(
        event=event, name="Sáng", date=day, start_time=time(7, 30), end_time=time(11, 0)
    )
    db.session.add_all([unit, event, morning])
    for i in range(people):
        registration = Registration(
            event=event,
            full_name=f"Nguyễn Văn Bình {i}",
            sort_key=f"{i}",
            search_name=f"nguyen van binh {i}",
            organization=unit,
            position="Phóng viên",
            phone=f"090500{i:04d}",
            email=f"binh{i}@example.vn",
            birth_year=1990,
            status=RegistrationStatus.CONFIRMED,
            manage_token=f"{slug}-token-{i}",
            checkin_code=f"C{i:05d}",
        )
        db.session.add(registration)
        db.session.add(
            Attendance(registration=registration, session=morning, method=CheckInMethod.CODE)
        )
    db.session.commit()
    return event.id


def test_anonymise_removes_personal_data_and_keeps_attendance(app, runner):
    with app.app_context():
        event_id = _course("lop-2023", date(2023, 8, 16), 3)
    result = runner.invoke(args=["anonymise-event", "lop-2023", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 3" in result.output
    with app.app_context():
        registrations = db.session.scalars(
            select(Registration).where(Registration.event_id == event_id)
        ).all()
        assert len(registrations) == 3
        for registration in registrations:
            assert registration.phone is None
            assert registration.email is None
            assert registration.birth_year is None
            assert "Nguyễn" not in registration.full_name
            assert registration.manage_token != f"lop-2023-token-{registration.id}"
            assert registration.position == "Phóng viên"
            assert registration.organization_id is not None
        assert db.session.scalar(select(db.func.count(Attendance.id))) == 3
        assert db.session.get(Event, event_id).anonymised_at is not None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.anonymise"))
        assert entry.details == {"registrations": 3}
    again = runner.invoke(args=["anonymise-event", "lop-2023", "--yes"])
    assert "Anonymised 0" in again.output


def test_anonymise_refuses_a_course_that_has_not_ended(app, runner):
    with app.app_context():
        _course("lop-2099", date(2099, 1, 1), 1)
    result = runner.invoke(args=["anonymise-event", "lop-2099", "--yes"])
    assert result.exit_code != 0
    assert "only a course that has ended" in result.output
    with app.app_context():
        assert db.session.scalar(select(Registration.phone)) == "0905000000"


def test_anonymise_asks_for_confirmation_and_unknown_slug_is_an_error(app, runner):
    with app.app_context():
        _course("lop-2022", date(2022, 1, 1), 1)
    declined = runner.invoke(args=["anonymise-event", "lop-2022"], input="n\n")
    assert declined.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(Registration.phone)) == "0905000000"
    unknown = runner.invoke(args=["anonymise-event", "khong-co", "--yes"])
    assert unknown.exit_code != 0
    assert "no course" in unknown.output


def test_backup_db_copies_the_sqlite_database(app, runner, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("backup-db is for SQLite")
    with app.app_context():
        _course("lop-backup", date(2023, 8, 16), 2)
    target = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["backup-db", "--output", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM registrations").fetchone() == (2,)
    copy.close()


def test_backup_db_refuses_postgresql(app, runner):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("needs PostgreSQL")
    result = runner.invoke(args=["backup-db"])
    assert result.exit_code != 0
    assert "pg_dump" in result.output


def test_anonymising_a_course_takes_the_names_off_its_certificates(app, runner, client):
    """After anonymise-event the public verification page names nobody; the number, the
    course and the dates still show that the certificate is valid."""
    with app.app_context():
        event_id = _course("lop-gcn", date(2023, 8, 16), 2)
        issue(None, event_id, issued_on=date(2023, 8, 16))
        db.session.commit()
        codes = db.session.scalars(select(Certificate.code).order_by(Certificate.number)).all()
    before = client.get(f"/verify/{codes[0]}").get_data(as_text=True)
    assert "Nguyễn Văn Bình 0" in before
    result = runner.invoke(args=["anonymise-event", "lop-gcn", "--yes"])
    assert result.exit_code == 0, result.output
    after = client.get(f"/verify/{codes[0]}").get_data(as_text=True)
    assert "Nguyễn Văn Bình" not in after
    assert "1/2023/GCN" in after
    assert "Học viên" in after
