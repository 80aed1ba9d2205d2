"""Retention: each course keeps its participants' personal data for its own number of months after
it ends (or RETENTION_MONTHS); ``flask retention run`` anonymises the courses past it, with
``--dry-run`` listing them; exports and reports of an anonymised course give the same figures."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_session
from tests.manage.courses_helpers import event_form
from tests.manage.courses_helpers import make_org
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.attendance.models import ExcusedAbsence
from trainingapp.attendance.models import SyncedCheckIn
from trainingapp.attendance.models import SyncOutcome
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.certificates.models import Certificate
from trainingapp.certificates.services import issue
from trainingapp.common.time import local_today
from trainingapp.common.time import utcnow
from trainingapp.events.models import Event
from trainingapp.events.models import EventStaff
from trainingapp.events.models import EventStatus
from trainingapp.events.models import StaffRole
from trainingapp.exports.report import attendance_report
from trainingapp.extensions import db
from trainingapp.mail.models import OutboxMessage
from trainingapp.mail.models import OutboxStatus
from trainingapp.nominations.models import Invitation
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Gender
from trainingapp.registration.models import Registration
from trainingapp.registration.models import RegistrationStatus
from trainingapp.registration.privacy import add_months
from trainingapp.registration.privacy import anonymise_registration
from trainingapp.registration.privacy import courses_past_retention
from trainingapp.registration.privacy import retention_due
from trainingapp.registration.privacy import retention_due_on

TODAY = local_today()

# --- Month arithmetic and which courses are due -------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2023, 8, 16), 24, date(2025, 8, 16)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2023, 8, 16), 240, date(2043, 8, 16)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


def test_due_the_day_after_the_period_ends():
    assert retention_due_on(date(2023, 8, 16), 24) == date(2025, 8, 17)
    assert retention_due_on(date(2025, 1, 31), 1) == date(2025, 3, 1)  # 28/02 + 1 day
    assert retention_due_on(date(2024, 1, 31), 1) == date(2024, 3, 1)  # 29/02 + 1 day


def _course(slug: str, end: date, months: int | None = None, people: int = 2, **values: Any) -> int:
    event = make_event(
        db.session,
        slug=slug,
        start_date=end,
        end_date=end,
        retention_months=months,
        status=EventStatus.CLOSED,
        **values,
    )
    for n in range(people):
        make_registration(db.session, event, full_name=f"Trần Thị Lan {slug} {n}")
    return event.id


def _slugs(due: list[Any]) -> list[str]:
    return [item.slug for item in due]


def test_past_retention_default_and_own_periods(app_ctx):
    today = date(2026, 12, 7)
    _course("mac-dinh-qua-han", date(2024, 12, 6))  # 24 months ended 06/12/2026
    _course("mac-dinh-hom-nay", date(2024, 12, 7))  # ends today: not past yet
    _course("mac-dinh-chua", date(2025, 6, 1))
    _course("rieng-ngan", date(2026, 5, 1), months=6)  # due since 02/11/2026
    _course("rieng-dai", date(2023, 8, 16), months=60)  # kept until 16/08/2028
    _course("rieng-1-thang", date(2026, 11, 5), months=1)
    _course("sap-toi", today + timedelta(days=30), months=1)
    db.session.commit()
    due = courses_past_retention(24, today)
    assert _slugs(due) == ["mac-dinh-qua-han", "rieng-ngan", "rieng-1-thang"]
    by_slug = {item.slug: item for item in due}
    assert (by_slug["mac-dinh-qua-han"].months, by_slug["mac-dinh-qua-han"].due_on) == (
        24,
        date(2026, 12, 7),
    )
    assert (by_slug["rieng-ngan"].months, by_slug["rieng-ngan"].due_on) == (6, date(2026, 11, 2))
    assert by_slug["rieng-ngan"].registrations == 2
    assert by_slug["rieng-ngan"].end_date == date(2026, 5, 1)
    # A shorter default brings the default courses forward, never the ones with their own period.
    assert _slugs(courses_past_retention(12, today)) == [
        "mac-dinh-qua-han",
        "mac-dinh-hom-nay",
        "mac-dinh-chua",
        "rieng-ngan",
        "rieng-1-thang",
    ]


def test_month_end_course(app_ctx):
    """Ended 31/01 with one month: the period ends on the last day of February."""
    _course("cuoi-thang", date(2025, 1, 31), months=1)
    _course("cuoi-thang-nhuan", date(2024, 1, 31), months=1)
    db.session.commit()
    assert _slugs(courses_past_retention(24, date(2024, 2, 29))) == []
    assert _slugs(courses_past_retention(24, date(2024, 3, 1))) == ["cuoi-thang-nhuan"]
    assert _slugs(courses_past_retention(24, date(2025, 2, 28))) == ["cuoi-thang-nhuan"]
    due = courses_past_retention(24, date(2025, 3, 1))
    assert _slugs(due) == ["cuoi-thang-nhuan", "cuoi-thang"]
    assert due[1].due_on == date(2025, 3, 1)


def test_anonymised_courses_are_left_out_unless_someone_is_left(app_ctx):
    done_id = _course("da-an-danh", date(2020, 1, 1))
    late_id = _course("con-sot", date(2020, 1, 1))
    now = utcnow()
    for event_id in (done_id, late_id):
        db.session.get(Event, event_id).anonymised_at = now
        for registration in db.session.scalars(
            select(Registration).where(Registration.event_id == event_id)
        ):
            anonymise_registration(registration, now)
    # Added after the course was anonymised (a late paper list typed in): still held.
    make_registration(db.session, db.session.get(Event, late_id), full_name="Lê Văn Muộn")
    db.session.commit()
    due = courses_past_retention(24)
    assert _slugs(due) == ["con-sot"]
    assert due[0].registrations == 1


def test_retention_due_is_checked_again_under_the_lock(app_ctx):
    """What the run asks once it holds a course's lock: a run that got there first, or an
    organizer who lengthened the period meanwhile, leaves it nothing to do."""
    from trainingapp.maintenance.retention import anonymise_course

    event = db.session.get(Event, _course("lop-cu", date(2020, 5, 4)))
    assert retention_due(event, 24)
    event.retention_months = 240
    assert not retention_due(event, 24)
    event.retention_months = None
    anonymise_course(event, None)
    assert not retention_due(event, 24)
    make_registration(db.session, event, full_name="Lê Văn Muộn")
    assert retention_due(event, 24)


# --- The command --------------------------------------------------------------------------------


@dataclass
class World:
    due_id: int
    own_id: int
    kept_id: int
    other_id: int
    #: personal values of the due courses, that must be gone after a run
    personal: list[str]


def _mail(recipient: str, payload: dict[str, Any], status: OutboxStatus) -> None:
    db.session.add(
        OutboxMessage(
            kind="registration.confirmed" if "registration_id" in payload else "invitation.x",
            payload=payload,
            locale="vi",
            base_url="https://taphuan.example.gov.vn/",
            recipient=recipient,
            status=status,
        )
    )


def _people(event_id: int, prefix: str, unit: Any) -> list[Registration]:
    event = db.session.get(Event, event_id)
    morning = make_session(db.session, event, name="Sáng")
    people = []
    for n in range(3):
        registration = make_registration(
            db.session,
            event,
            full_name=f"{prefix} Nguyễn Thị Hằng {n}",
            phone=f"0905{event_id:03d}{n:03d}",
            email=f"{prefix.lower()}{n}@example.vn",
            birth_year=1990 + n,
            organization=unit,
            position="Phóng viên",
        )
        db.session.add(
            Attendance(registration=registration, session=morning, method=CheckInMethod.QR)
        )
        people.append(registration)
    db.session.flush()
    first = people[0]
    _mail(first.email, {"registration_id": first.id}, OutboxStatus.SENT)
    _mail(people[1].email, {"registration_id": people[1].id}, OutboxStatus.QUEUED)
    db.session.add(
        SyncedCheckIn(
            event_id=event_id,
            client_id=f"c-{event_id}",
            device="Máy tính bảng 1",
            session_id=morning.id,
            registration_id=first.id,
            queued_at=utcnow(),
            outcome=SyncOutcome.CHECKED_IN,
            answer={"outcome": "checked_in", "registration_id": first.id, "name": first.full_name},
        )
    )
    db.session.add(
        AuditEntry(
            action="registration.edit",
            object_type="Registration",
            object_id=first.id,
            event_id=event_id,
            actor_label="organizer@example.vn",
            details={
                "full_name": ["Nguyen Thi Hang", first.full_name],
                "phone": [None, first.phone],
                "position": ["", "Phóng viên"],
            },
        )
    )
    db.session.add(
        AuditEntry(
            action="registration.export",
            object_type="Event",
            object_id=event_id,
            event_id=event_id,
            details={"format": "csv", "rows": 1, "filters": {"q": first.phone, "status": "x"}},
        )
    )
    invitation = Invitation(
        event_id=event_id,
        organization_id=unit.id,
        token=f"invitation-{event_id}",
        contact_name=f"{prefix} Phạm Văn Đầu Mối",
        contact_phone=f"0914{event_id:06d}",
        contact_email=f"daumoi{event_id}@example.vn",
    )
    db.session.add(invitation)
    db.session.flush()
    _mail(invitation.contact_email, {"invitation_id": invitation.id}, OutboxStatus.SENT)
    return people


@pytest.fixture
def world(app: Flask) -> World:
    """Four past courses: one past the default 24 months, one past its own 6 months, one
    within its own 60 months and one within the default."""
    with app.app_context():
        unit = make_organization(db.session, name="Báo Khánh Hòa", kind=OrganizationKind.NEWSROOM)
        due_id = _course("lop-2023", add_months(TODAY, -30), people=0, title="Lớp 2023")
        own_id = _course("lop-ngan", add_months(TODAY, -7), months=6, people=0)
        kept_id = _course("lop-giu-lau", add_months(TODAY, -30), months=60, people=0)
        other_id = _course("lop-gan-day", add_months(TODAY, -12), people=0)
        values = []
        for event_id, prefix in [(due_id, "A"), (own_id, "B"), (kept_id, "C"), (other_id, "D")]:
            people = _people(event_id, prefix, unit)
            if prefix in "AB":
                values += [p.full_name for p in people] + [p.phone for p in people]
                values += [p.email for p in people] + [f"{prefix} Phạm Văn Đầu Mối"]
        db.session.commit()
        issue(None, due_id, issued_on=add_months(TODAY, -30))
        db.session.commit()
        return World(due_id, own_id, kept_id, other_id, values)


def _snapshot() -> dict[str, Any]:
    """Everything the command may change, as plain values."""
    return {
        "registrations": sorted(
            db.session.execute(
                select(
                    Registration.id,
                    Registration.full_name,
                    Registration.phone,
                    Registration.email,
                    Registration.birth_year,
                    Registration.manage_token,
                    Registration.anonymised_at,
                )
            ).all()
        ),
        "events": sorted(db.session.execute(select(Event.id, Event.anonymised_at)).all()),
        "mail": db.session.scalar(select(func.count(OutboxMessage.id))),
        "invitations": sorted(
            db.session.execute(
                select(Invitation.id, Invitation.contact_name, Invitation.contact_phone)
            ).all()
        ),
        "certificates": sorted(db.session.execute(select(Certificate.id, Certificate.full_name))),
        "sync": sorted((i.id, i.answer) for i in db.session.scalars(select(SyncedCheckIn))),
        "audit": sorted(
            (e.id, e.action, e.details) for e in db.session.scalars(select(AuditEntry))
        ),
    }


def test_dry_run_lists_the_courses_and_changes_nothing(app, runner: FlaskCliRunner, world):
    with app.app_context():
        before = _snapshot()
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3, result.output
    due_end = add_months(TODAY, -30)
    assert lines[0] == (
        f"lop-2023: 'Lớp 2023', ended {due_end:%d/%m/%Y}, kept 24 months, due since"
        f" {retention_due_on(due_end, 24):%d/%m/%Y}: 3 registrations to anonymise"
    )
    assert lines[1].startswith("lop-ngan: ")
    assert ", kept 6 months, " in lines[1]
    assert lines[1].endswith(": 3 registrations to anonymise")
    assert "lop-giu-lau" not in result.output
    assert "lop-gan-day" not in result.output
    assert lines[2] == "2 courses past the retention period; nothing changed (dry run)."
    with app.app_context():
        assert _snapshot() == before


def test_run_anonymises_the_courses_past_retention_and_audits_each(
    app, runner: FlaskCliRunner, world
):
    with app.app_context():
        before = _snapshot()
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Retention: 2 courses anonymised, 6 registrations."
    assert "Anonymised 3 registrations of lop-2023 (3 certificates, 1 unit contact, 3 mail" in (
        result.output
    )
    with app.app_context():
        for event_id in (world.due_id, world.own_id):
            event = db.session.get(Event, event_id)
            assert event.anonymised_at is not None
            for registration in db.session.scalars(
                select(Registration).where(Registration.event_id == event_id)
            ):
                assert registration.full_name == f"Học viên {registration.id}"
                assert (registration.phone, registration.email, registration.birth_year) == (
                    None,
                    None,
                    None,
                )
                # What the figures are made of stays.
                assert registration.position == "Phóng viên"
                assert registration.organization_id is not None
                assert registration.status == RegistrationStatus.CONFIRMED
            invitation = db.session.scalar(
                select(Invitation).where(Invitation.event_id == event_id)
            )
            assert (invitation.contact_name, invitation.contact_phone) == ("", "")
            assert invitation.contact_email is None
        attended = db.session.scalar(
            select(func.count(Attendance.id))
            .join(Registration)
            .where(Registration.event_id == world.due_id)
        )
        assert attended == 3
        names = db.session.scalars(
            select(Certificate.full_name).where(Certificate.event_id == world.due_id)
        ).all()
        assert len(names) == 3
        assert all(name.startswith("Học viên ") for name in names)
        # Mail about the due courses' people is gone, the other courses' stays.
        left = db.session.scalars(select(OutboxMessage.recipient)).all()
        assert len(left) == before["mail"] - 6
        assert not any(r.startswith(("a", "b")) for r in left)
        # Nothing personal is left anywhere in the database for the due courses.
        dump = repr(_snapshot())
        for value in world.personal:
            assert value not in dump, value
        # The courses still within their period are untouched.
        kept = sorted(
            row
            for row in _snapshot()["registrations"]
            if db.session.get(Registration, row[0]).event_id in (world.kept_id, world.other_id)
        )
        assert kept == sorted(
            row
            for row in before["registrations"]
            if db.session.get(Registration, row[0]).event_id in (world.kept_id, world.other_id)
        )
        assert all(row[2] is not None for row in kept)
        # One audit entry per course, by nobody, with the period and the count.
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "event.retention").order_by(AuditEntry.id)
        ).all()
        assert [(e.event_id, e.actor_id, e.actor_label) for e in entries] == [
            (world.due_id, None, "system"),
            (world.own_id, None, "system"),
        ]
        due_end = add_months(TODAY, -30)
        assert entries[0].details == {
            "registrations": 3,
            "retention_months": 24,
            "due_on": retention_due_on(due_end, 24).isoformat(),
        }
        assert entries[1].details["retention_months"] == 6
        edit = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "registration.edit", AuditEntry.event_id == world.due_id
            )
        )
        assert edit.details == {
            "full_name": [None, None],
            "phone": [None, None],
            "position": ["", "Phóng viên"],
        }
        sync_item = db.session.scalar(
            select(SyncedCheckIn).where(SyncedCheckIn.event_id == world.due_id)
        )
        assert sync_item.answer["name"] == f"Học viên {sync_item.registration_id}"
        kept_item = db.session.scalar(
            select(SyncedCheckIn).where(SyncedCheckIn.event_id == world.kept_id)
        )
        assert kept_item.answer["name"].startswith("C Nguyễn Thị Hằng")
        after_first = _snapshot()

    again = runner.invoke(args=["retention", "run"])
    assert again.exit_code == 0, again.output
    assert again.output == "No course is past its retention period.\n"
    with app.app_context():
        assert _snapshot() == after_first
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.output == "No course is past its retention period.\n"


def test_run_with_nothing_due(app, runner: FlaskCliRunner):
    with app.app_context():
        _course("lop-moi", TODAY - timedelta(days=3))
        db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert result.output == "No course is past its retention period.\n"
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Registration.id)).where(Registration.anonymised_at.is_not(None))
            )
            == 0
        )


def test_the_default_comes_from_the_setting(app, runner: FlaskCliRunner):
    with app.app_context():
        _course("lop-nam-ngoai", add_months(TODAY, -13))
        db.session.commit()
    assert runner.invoke(args=["retention", "run", "--dry-run"]).output.startswith("No course")
    app.config["RETENTION_MONTHS"] = 12
    listed = runner.invoke(args=["retention", "run", "--dry-run"])
    assert listed.output.startswith("lop-nam-ngoai: ")
    assert "kept 12 months" in listed.output
    app.config["RETENTION_MONTHS"] = 0
    refused = runner.invoke(args=["retention", "run"])
    assert refused.exit_code != 0
    assert "RETENTION_MONTHS must be between 1 and 240" in refused.output
    app.config["RETENTION_MONTHS"] = "24"
    assert "must be a whole number" in runner.invoke(args=["retention", "run"]).output


def test_anonymise_event_by_hand_also_clears_contacts_mail_and_audit(
    app, runner: FlaskCliRunner, world
):
    """``anonymise-event`` does what the retention run does, with its own audit action."""
    result = runner.invoke(args=["anonymise-event", "lop-giu-lau", "--yes"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Anonymised 3 registrations of lop-giu-lau (")
    with app.app_context():
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.event_id == world.kept_id)
        )
        assert invitation.contact_name == ""
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "event.anonymise", AuditEntry.event_id == world.kept_id
            )
        )
        assert entry.details == {"registrations": 3}
        assert "C Nguyễn" not in repr(_snapshot())


# --- The course form ----------------------------------------------------------------------------


@pytest.fixture
def organizer_client(app: Flask, client: FlaskClient, make_user: Callable[..., User]):
    user = make_user("organizer@example.vn", Role.ORGANIZER)
    client.post("/language/en")
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303
    )
    return client, user


def test_course_form_sets_and_checks_the_retention_period(app, organizer_client):
    client, user = organizer_client
    org = make_org(app)
    page = client.get("/manage/events/new").get_data(as_text=True)
    assert 'name="retention_months"' in page
    assert "Leave empty for the default: 24 months." in page
    created = client.post(
        "/manage/events/new", data=event_form(org, slug="ttdn-2027", retention_months="36")
    )
    assert created.status_code == 303
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == "ttdn-2027"))
        assert event.retention_months == 36
        event_id = event.id
    for bad in ("0", "241", "-5", "99999999999999999999"):
        response = client.post(
            f"/manage/events/{event_id}/edit",
            data=event_form(org, slug="ttdn-2027", retention_months=bad),
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "The retention period must be between 1 and 240 months." in page
        assert f'value="{bad}"' in page  # what was typed stays
    response = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(org, slug="ttdn-2027", retention_months="mười"),
    )
    assert response.status_code == 200
    assert "Enter a whole number." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, event_id).retention_months == 36
    # Empty: back to the default; audited as an edit of the course.
    saved = client.post(
        f"/manage/events/{event_id}/edit",
        data=event_form(org, slug="ttdn-2027", retention_months=""),
    )
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.get(Event, event_id).retention_months is None
        entry = db.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "event.update")
            .order_by(AuditEntry.id.desc())
        )
        assert entry.details["retention_months"] == [36, None]
    edit_page = client.get(f"/manage/events/{event_id}/edit").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="retention_months"[^>]*>', edit_page)
    assert field is not None
    assert 'value="36"' not in field.group(0)


def test_the_service_refuses_a_period_out_of_range(app_ctx):
    from trainingapp.events.services import EventData
    from trainingapp.events.services import EventError
    from trainingapp.events.services import create_event

    unit = make_organization(db.session)
    for months in (0, 241):
        with pytest.raises(EventError) as refused:
            create_event(
                None,
                EventData(
                    title="Lớp",
                    start_date=TODAY,
                    end_date=TODAY,
                    capacity=10,
                    organizer_id=unit.id,
                    retention_months=months,
                ),
            )
        assert "retention_months" in refused.value.errors


def test_cloning_keeps_the_period(app_ctx):
    from trainingapp.events.cloning import CloneData
    from trainingapp.events.cloning import clone_event

    source = db.session.get(Event, _course("lop-goc", TODAY - timedelta(days=10), months=12))
    copy = clone_event(
        None,
        source,
        CloneData(
            title="Lớp sao",
            slug="lop-sao",
            start_date=TODAY + timedelta(days=30),
            end_date=TODAY + timedelta(days=30),
        ),
    )
    assert copy.retention_months == 12


# --- Exports of an anonymised course ------------------------------------------------------------


PEOPLE = [
    ("Nguyễn Thị Hằng", "0905123456", "hang@example.vn", "post", RegistrationStatus.CONFIRMED),
    ("Trần Văn An", "0905123457", "an@example.vn", "newsroom", RegistrationStatus.CONFIRMED),
    ("Lê Thị Ánh", "0905123458", None, "post", RegistrationStatus.CONFIRMED),
    ("Võ Thị Chờ", "0905123459", "cho@example.vn", "post", RegistrationStatus.PENDING),
    ("Đặng Văn Đợi", "0905123460", None, "newsroom", RegistrationStatus.WAITLISTED),
    ("Hồ Văn Hủy", "0905123461", "huy@example.vn", "post", RegistrationStatus.CANCELLED),
    ("Phạm Bình", "0905123462", None, None, RegistrationStatus.CONFIRMED),
]


@pytest.fixture
def old_course(app: Flask, make_user: Callable[..., User]) -> tuple[int, FlaskClient]:
    """The course of 16/08/2023 (two sessions, two units, every status, attendance, an excused
    absence) and a signed-in client of its organizer."""
    with app.app_context():
        units = {
            "post": make_organization(
                db.session, name="Đồn Biên phòng Cam Ranh", kind=OrganizationKind.BORDER_POST
            ),
            "newsroom": make_organization(
                db.session, name="Báo Khánh Hòa", kind=OrganizationKind.NEWSROOM
            ),
            None: None,
        }
        day = date(2023, 8, 16)
        event = make_event(
            db.session,
            slug="thong-tin-doi-ngoai-2023",
            start_date=day,
            status=EventStatus.CLOSED,
        )
        morning = make_session(db.session, event, name="Sáng", date=day)
        afternoon = make_session(
            db.session, event, name="Chiều", date=day, start_time=time(13, 30), end_time=time(17)
        )
        ids = []
        for name, phone, email, unit, status in PEOPLE:
            registration = make_registration(
                db.session,
                event,
                full_name=name,
                phone=phone,
                email=email,
                organization=units[unit],
                status=status,
                gender=Gender.FEMALE if "Thị" in name else Gender.MALE,
                birth_year=1985,
                position="Chính trị viên",
            )
            ids.append(registration.id)
        for index, session, at in [
            (0, morning, datetime(2023, 8, 16, 0, 31)),
            (0, afternoon, datetime(2023, 8, 16, 6, 40)),
            (1, morning, datetime(2023, 8, 16, 1, 5)),
            (6, afternoon, datetime(2023, 8, 16, 6, 45)),
        ]:
            db.session.add(
                Attendance(
                    registration_id=ids[index],
                    session_id=session.id,
                    checked_in_at=at,
                    method=CheckInMethod.CODE,
                )
            )
        db.session.add(
            ExcusedAbsence(registration_id=ids[2], session_id=morning.id, reason="Đi công tác")
        )
        db.session.commit()
        event_id = event.id
    user = make_user("bantochuc@example.vn", role=Role.ORGANIZER)
    with app.app_context():
        db.session.add(EventStaff(event_id=event_id, user_id=user.id, role=StaffRole.ORGANIZER))
        db.session.commit()
    client = app.test_client()
    client.post("/language/en")
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303
    )
    return event_id, client


def _rows_csv(client: FlaskClient, event_id: int) -> tuple[str, list[dict[str, str]]]:
    response = client.get(f"/manage/events/{event_id}/export.csv")
    assert response.status_code == 200
    body = response.get_data().decode("utf-8-sig")
    return body, list(csv.DictReader(io.StringIO(body, newline="")))


def _rows_xlsx(client: FlaskClient, url: str) -> list[list[object]]:
    response = client.get(url)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _docx_text(client: FlaskClient, event_id: int) -> str:
    response = client.get(f"/manage/events/{event_id}/report.docx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as document:
        xml = document.read("word/document.xml").decode("utf-8")
    return re.sub(r"<[^>]+>", "", xml)


def _figures(rows: list[dict[str, str]]) -> dict[str, Any]:
    """What a course's list adds up to, without the people's names and contacts."""
    sessions = [key for key in rows[0] if key.startswith(("Sáng", "Chiều"))]
    return {
        "status": Counter(row["Status"] for row in rows),
        "unit": Counter((row["Organization"], row["Status"]) for row in rows),
        "attendance": {key: sorted(row[key] for row in rows) for key in sessions},
        "notes": sorted(row["Attendance notes"] for row in rows),
        "rest": Counter(
            (row["Gender"], row["Position"], row["Kind"], row["Source"]) for row in rows
        ),
    }


def _report_figures(app: Flask, event_id: int) -> Any:
    with app.app_context():
        report = attendance_report(db.session.get(Event, event_id))
        lines = [report.total, *report.sessions, *report.units, *report.kinds]
        return [(line.label, line.registered, line.confirmed, line.attended) for line in lines]


def test_exports_of_an_anonymised_course_give_the_same_figures(
    app, runner: FlaskCliRunner, old_course
):
    event_id, client = old_course
    body, rows = _rows_csv(client, event_id)
    # What the checks below look for is there before.
    assert "Nguyễn Thị Hằng" in body
    assert "0905123456" in body
    figures = _figures(rows)
    assert figures["status"]["Confirmed"] == 4
    xlsx = _rows_xlsx(client, f"/manage/events/{event_id}/export.xlsx")
    header = xlsx[0]
    xlsx_figures = _figures([dict(zip(header, map(_cell, row), strict=True)) for row in xlsx[1:]])
    assert xlsx_figures["status"] == figures["status"]
    report = _report_figures(app, event_id)
    report_xlsx = _rows_xlsx(client, f"/manage/events/{event_id}/report.xlsx")
    report_page = client.get(f"/manage/events/{event_id}/report").get_data(as_text=True)
    docx = _docx_text(client, event_id)
    assert "Hằng" in docx

    with app.app_context():
        db.session.get(Event, event_id).retention_months = 1
        db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert "Anonymised 7 registrations of thong-tin-doi-ngoai-2023" in result.output

    body_after, rows_after = _rows_csv(client, event_id)
    assert _figures(rows_after) == figures
    xlsx_after = _rows_xlsx(client, f"/manage/events/{event_id}/export.xlsx")
    assert (
        _figures([dict(zip(xlsx_after[0], map(_cell, row), strict=True)) for row in xlsx_after[1:]])
        == xlsx_figures
    )
    assert _report_figures(app, event_id) == report
    assert _rows_xlsx(client, f"/manage/events/{event_id}/report.xlsx") == report_xlsx
    report_page_after = client.get(f"/manage/events/{event_id}/report").get_data(as_text=True)
    docx_after = _docx_text(client, event_id)
    xlsx_text = repr(xlsx_after)
    for name, phone, email, _unit, _status in PEOPLE:
        for text in (body_after, xlsx_text, report_page_after, docx_after):
            assert name not in text
            assert phone not in text
            assert email is None or email not in text
    assert "Học viên" in body_after
    # The report page shows the same numbers (its text, without the names nobody listed).
    numbers = re.findall(r">\s*(\d+)\s*<", report_page)
    assert re.findall(r">\s*(\d+)\s*<", report_page_after) == numbers


def _cell(value: object) -> str:
    return "" if value is None else str(value)
