"""``flask seed-demo``: the reference course of 16/08/2023 as it happened, and an upcoming copy."""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner
from sqlalchemy import func
from sqlalchemy import select

from trainingapp.attendance.marks import Mark
from trainingapp.attendance.marks import attended_counts
from trainingapp.attendance.marks import mark_counts
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import ExcusedAbsence
from trainingapp.audit.models import AuditEntry
from trainingapp.certificates.models import Certificate
from trainingapp.common.phones import normalise_phone
from trainingapp.common.text import fold
from trainingapp.common.text import name_sort_key
from trainingapp.common.time import to_local
from trainingapp.demo import data
from trainingapp.demo.services import seed_demo
from trainingapp.evaluation.results import summary as evaluation_summary
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.events.services import registration_is_open
from trainingapp.extensions import db
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Gender
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus

REFERENCE_SLUG = "tap-huan-thong-tin-doi-ngoai-2023"


@pytest.fixture
def seeded(runner: FlaskCliRunner) -> str:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _reference() -> Event:
    return db.session.scalars(select(Event).where(Event.slug == REFERENCE_SLUG)).one()


def _upcoming(reference: Event) -> Event:
    return db.session.scalars(select(Event).where(Event.cloned_from_id == reference.id)).one()


def _registrations(event: Event, status: RegistrationStatus | None = None) -> list[Registration]:
    query = select(Registration).where(Registration.event_id == event.id)
    if status is not None:
        query = query.where(Registration.status == status)
    return list(db.session.scalars(query.order_by(Registration.phone)))


def _row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables
        }


def test_reference_course_as_it_happened(seeded: str, app_ctx: None) -> None:
    reference = _reference()
    assert reference.title == "Tập huấn công tác thông tin đối ngoại năm 2023"
    assert reference.status == EventStatus.CLOSED
    assert reference.start_date == reference.end_date == data.REFERENCE_DATE
    # The organizer keeps its 2023 name although the department was merged in 2025.
    organizer = reference.organizer
    assert organizer.name == "Sở Thông tin và Truyền thông tỉnh Khánh Hòa"
    assert organizer.retired_on is not None
    assert organizer.successor is not None
    assert organizer.successor.is_current
    assert [org.name for org in reference.co_organizers] == [data.BORDER_GUARD]
    assert not registration_is_open(reference)

    sessions = reference.sessions
    assert [s.name for s in sessions] == ["Sáng 16/08/2023", "Chiều 16/08/2023"]
    assert len(reference.topics) == 4
    assert {topic.session_id for topic in reference.topics} == {s.id for s in sessions}
    lecturers = {lecturer.id: lecturer for t in reference.topics for lecturer in t.lecturers}
    assert all(topic.lecturers for topic in reference.topics)
    assert len(lecturers) >= 2
    for lecturer in lecturers.values():
        assert lecturer.rank in ("Thượng tá", "Trung tá", "Thiếu tá")
        assert lecturer.organization is not None
        assert lecturer.organization.name == data.BORDER_GUARD


def test_reference_participants(seeded: str, app_ctx: None) -> None:
    reference = _reference()
    confirmed = _registrations(reference, RegistrationStatus.CONFIRMED)
    assert 212 <= len(confirmed) <= 230
    assert _registrations(reference, RegistrationStatus.CANCELLED)
    assert {r.gender for r in confirmed} == {Gender.MALE, Gender.FEMALE}
    kinds = {r.organization.kind for r in confirmed if r.organization is not None}
    assert kinds == set(OrganizationKind)
    assert all(r.position for r in confirmed)
    assert all(r.consent_at is not None for r in confirmed)
    assert all(r.created_at < datetime(2023, 8, 16, 17) for r in confirmed)

    morning, afternoon = reference.sessions
    for event_session, lowest in ((morning, 0.8), (afternoon, 0.75)):
        attendances = list(
            db.session.scalars(select(Attendance).where(Attendance.session_id == event_session.id))
        )
        assert len(attendances) >= lowest * len(confirmed)
        assert all(a.registration.status == RegistrationStatus.CONFIRMED for a in attendances)
        start = datetime.combine(event_session.date, event_session.start_time)
        for attendance in attendances:
            local = to_local(attendance.checked_in_at).replace(tzinfo=None)
            assert start - timedelta(minutes=30) <= local <= start + timedelta(minutes=30)


def test_upcoming_copy_is_open_for_registration(seeded: str, app_ctx: None) -> None:
    reference = _reference()
    upcoming = _upcoming(reference)
    assert upcoming.slug == f"tap-huan-thong-tin-doi-ngoai-{upcoming.start_date.year}"
    assert upcoming.status == EventStatus.PUBLISHED
    assert registration_is_open(upcoming)
    assert upcoming.capacity == 250
    assert upcoming.waitlist_enabled is True
    assert upcoming.approval_required is False
    assert upcoming.organizer.is_current
    assert all(org.is_current for org in upcoming.co_organizers)
    assert upcoming.registration_closes_at is not None
    assert to_local(upcoming.registration_closes_at).date() < upcoming.start_date

    # Same agenda and lecturers, in new rows.
    assert [t.title for t in upcoming.topics] == [t.title for t in reference.topics]
    assert [[lec.id for lec in t.lecturers] for t in upcoming.topics] == [
        [lec.id for lec in t.lecturers] for t in reference.topics
    ]
    assert {t.session_id for t in upcoming.topics} == {s.id for s in upcoming.sessions}
    assert {s.id for s in upcoming.sessions}.isdisjoint({s.id for s in reference.sessions})
    assert all(s.date == upcoming.start_date for s in upcoming.sessions)

    registrations = _registrations(upcoming)
    assert 0 < len(registrations) < 50
    assert all(r.organization is not None and r.organization.is_current for r in registrations)
    attended = db.session.scalar(
        select(func.count(Attendance.id)).where(
            Attendance.session_id.in_([s.id for s in upcoming.sessions])
        )
    )
    assert attended == 0


def test_organizations_every_kind_and_reorganisation(seeded: str, app_ctx: None) -> None:
    orgs = list(db.session.scalars(select(Organization)))
    assert {org.kind for org in orgs} == set(OrganizationKind)
    district_level = (
        OrganizationKind.DISTRICT_OFFICE,
        OrganizationKind.CULTURE_OFFICE,
        OrganizationKind.CULTURE_CENTRE,
    )
    old_district_units = [o for o in orgs if o.kind in district_level and " huyện " in o.name]
    assert old_district_units
    assert all(o.retired_on is not None for o in old_district_units)
    assert all(o.successor.is_current for o in orgs if o.successor is not None)
    posts = [o for o in orgs if o.kind == OrganizationKind.BORDER_POST]
    assert posts
    assert all(o.parent is not None and o.parent.name == data.BORDER_GUARD for o in posts)
    assert all(o.name_key == fold(o.name) for o in orgs)


def test_text_and_phones_are_clean(seeded: str, app_ctx: None) -> None:
    reference = _reference()
    for event in (reference, _upcoming(reference)):
        registrations = _registrations(event)
        phones = [r.phone for r in registrations]
        assert len(set(phones)) == len(phones)
        assert all(normalise_phone(phone) == phone for phone in phones)
        emails = [r.email for r in registrations if r.email]
        assert len(set(emails)) == len(emails)
        codes = [r.checkin_code for r in registrations]
        assert len(set(codes)) == len(codes)
        assert all(len(code) == 6 and set(code) <= set(data.CHECKIN_ALPHABET) for code in codes)
        for r in registrations:
            assert unicodedata.is_normalized("NFC", r.full_name)
            assert r.full_name == " ".join(r.full_name.split())
            assert r.sort_key == name_sort_key(r.full_name)
            assert r.search_name == fold(r.full_name)
    tokens = list(db.session.scalars(select(Registration.manage_token)))
    assert len(set(tokens)) == len(tokens)
    names = [o.name for o in db.session.scalars(select(Organization))]
    names += [e.title for e in db.session.scalars(select(Event))]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)


def test_second_run_changes_nothing(app: Flask, runner: FlaskCliRunner, seeded: str) -> None:
    assert "already" not in seeded
    with app.app_context():
        before = _row_counts()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "already loaded" in result.output
    with app.app_context():
        assert _row_counts() == before
        actions = Counter(db.session.scalars(select(AuditEntry.action)))
    assert actions["demo.seed"] == 1


def test_same_data_every_time(app_ctx: None) -> None:
    def snapshot() -> list[tuple[object, ...]]:
        result = seed_demo()
        rows = []
        for event in (result.reference, result.upcoming):
            for r in _registrations(event):
                rows.append((r.full_name, r.phone, r.email, r.manage_token, r.checkin_code))
        return rows

    first = snapshot()
    db.session.rollback()
    assert snapshot() == first


def test_course_pages_are_public(seeded: str, app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        reference = _reference()
        slugs = [reference.slug, _upcoming(reference).slug]
    for slug in slugs:
        response = client.get(f"/events/{slug}")
        assert response.status_code == 200
        assert "thông tin đối ngoại" in response.get_data(as_text=True)


def test_upcoming_copy_has_units_invited_and_one_has_nominated(
    seeded: str, app: Flask, client: FlaskClient
) -> None:
    from trainingapp.nominations.models import Invitation
    from trainingapp.registration.models import RegistrationSource

    with app.app_context():
        upcoming = _upcoming(_reference())
        invitations = db.session.scalars(
            select(Invitation).where(Invitation.event_id == upcoming.id)
        ).all()
        assert len(invitations) >= 3
        assert upcoming.nominations_close_at is not None
        assert upcoming.nominations_close_at < datetime.combine(
            upcoming.start_date, datetime.min.time()
        )
        nominated = Counter(
            db.session.scalars(
                select(Registration.organization_id).where(
                    Registration.event_id == upcoming.id,
                    Registration.source == RegistrationSource.NOMINATION,
                )
            )
        )
        assert len(nominated) == 1
        assert sum(nominated.values()) == 2
        token = next(i.token for i in invitations if i.organization_id in nominated)
    page = client.get(f"/n/{token}")
    assert page.status_code == 200
    assert "Lộc Văn Sơn" in page.get_data(as_text=True)


def test_reference_course_has_late_arrivals_and_excused_absences(app: Flask, seeded: str) -> None:
    with app.app_context():
        reference = _reference()
        counts = mark_counts(reference.id)
        for event_session in reference.sessions:
            marks = counts[event_session.id]
            assert 5 <= marks[Mark.LATE] <= marks[Mark.PRESENT] / 3
            assert marks[Mark.EXCUSED] == 6
        # Late means checked in more than 15 minutes after the session started, as the desk did.
        for attendance in db.session.scalars(select(Attendance).where(Attendance.late)):
            start = datetime.combine(attendance.session.date, attendance.session.start_time)
            assert to_local(attendance.checked_in_at).replace(tzinfo=None) > start + timedelta(
                minutes=15
            )
        reasons = db.session.scalars(select(ExcusedAbsence.reason)).all()
        assert set(reasons) <= set(data.EXCUSE_REASONS)


def test_reference_course_evaluation_answered_by_most(app: Flask, seeded: str) -> None:
    with app.app_context():
        summary = evaluation_summary(_reference())
        assert summary.rate is not None
        assert 0.7 <= summary.rate <= 0.95
        assert summary.overall_average is not None
        assert 3.8 <= summary.overall_average <= 4.8
        assert summary.comments  # some approved, shown in the results and the report


def test_reference_course_certificates_follow_its_rule(app: Flask, seeded: str) -> None:
    """Everyone who attended both sessions (late counts, an excuse does not) holds one,
    numbered 1, 2, … in 2023 without gaps."""
    with app.app_context():
        reference = _reference()
        both = {
            registration_id
            for registration_id, count in attended_counts(reference.id).items()
            if count == len(reference.sessions)
        }
        certificates = db.session.scalars(
            select(Certificate).where(Certificate.event_id == reference.id)
        ).all()
        assert {c.registration_id for c in certificates} == both
        assert sorted(c.number for c in certificates) == list(range(1, len(both) + 1))
        assert {c.year for c in certificates} == {2023}
