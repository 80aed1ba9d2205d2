"""The database itself keeps the rules it can hold: unique keys, checks and foreign keys.

Runs on SQLite (foreign keys switched on per connection) and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import StatementError

from tests.factories import make_event
from tests.factories import make_lecturer
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_session
from tests.factories import make_topic
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.events.models import Event
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStaff
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Quota
from trainingapp.events.models import StaffRole
from trainingapp.events.models import Topic
from trainingapp.events.models import event_co_organizers
from trainingapp.extensions import db
from trainingapp.lecturers.models import topic_lecturers
from trainingapp.organizations.models import Organization
from trainingapp.organizations.models import OrganizationKind
from trainingapp.registration.models import Gender
from trainingapp.registration.models import Registration

pytestmark = pytest.mark.usefixtures("app_ctx")


@contextmanager
def refused() -> Iterator[None]:
    """The block (or the flush after it) must violate a constraint; the session is rolled back."""
    try:
        yield
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
    else:
        pytest.fail("the database accepted a row that breaks a constraint")


def count(model: Any, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# Unique keys


def test_event_slug_is_unique() -> None:
    make_event(db.session, slug="thong-tin-doi-ngoai")
    db.session.commit()
    with refused():
        make_event(db.session, slug="thong-tin-doi-ngoai")
    assert count(Event) == 1


def test_one_registration_per_phone_per_course() -> None:
    event, other = make_event(db.session), make_event(db.session)
    make_registration(db.session, event, phone="0905123456")
    db.session.commit()
    with refused():
        make_registration(db.session, event, phone="0905123456", full_name="Người Khác")
    # The same person may register for another course.
    make_registration(db.session, other, phone="0905123456")
    db.session.commit()
    assert count(Registration, Registration.phone == "0905123456") == 2


def test_one_registration_per_email_per_course_but_many_without_email() -> None:
    event, other = make_event(db.session), make_event(db.session)
    make_registration(db.session, event, email="mai.tran@example.vn")
    db.session.commit()
    with refused():
        make_registration(db.session, event, email="mai.tran@example.vn")
    make_registration(db.session, other, email="mai.tran@example.vn")
    for _ in range(3):
        make_registration(db.session, event, email=None)
    db.session.commit()
    assert count(Registration, Registration.event_id == event.id) == 4
    assert count(Registration, Registration.email.is_(None)) == 3


def test_checkin_code_is_unique_per_course() -> None:
    event, other = make_event(db.session), make_event(db.session)
    make_registration(db.session, event, checkin_code="ABC234")
    db.session.commit()
    with refused():
        make_registration(db.session, event, checkin_code="ABC234")
    make_registration(db.session, other, checkin_code="ABC234")
    db.session.commit()
    assert count(Registration, Registration.checkin_code == "ABC234") == 2


def test_manage_token_is_unique_across_courses() -> None:
    event, other = make_event(db.session), make_event(db.session)
    make_registration(db.session, event, manage_token="the-secret-token")
    db.session.commit()
    with refused():
        make_registration(db.session, other, manage_token="the-secret-token")


def test_one_attendance_per_registration_and_session() -> None:
    event = make_event(db.session)
    morning = make_session(db.session, event)
    afternoon = make_session(
        db.session, event, name="Chiều", start_time=time(13, 30), end_time=time(17, 0)
    )
    registration = make_registration(db.session, event)
    db.session.add(Attendance(registration=registration, session=morning, method=CheckInMethod.QR))
    db.session.commit()
    with refused():
        db.session.add(
            Attendance(registration=registration, session=morning, method=CheckInMethod.SEARCH)
        )
    db.session.add(
        Attendance(
            registration_id=registration.id, session_id=afternoon.id, method=CheckInMethod.QR
        )
    )
    db.session.commit()
    assert count(Attendance) == 2


def test_one_quota_per_unit_per_course() -> None:
    event = make_event(db.session)
    unit = make_organization(db.session)
    db.session.add(Quota(event=event, organization=unit, seats=5))
    db.session.commit()
    with refused():
        db.session.add(Quota(event_id=event.id, organization_id=unit.id, seats=3))


def test_one_role_per_account_per_course() -> None:
    event = make_event(db.session)
    user = User(email="staff@example.vn", role=Role.STAFF, password_hash="x")
    db.session.add(user)
    db.session.flush()
    db.session.add(EventStaff(event=event, user=user, role=StaffRole.STAFF))
    db.session.commit()
    with refused():
        db.session.add(EventStaff(event_id=event.id, user_id=user.id, role=StaffRole.ORGANIZER))


# Check constraints


@pytest.mark.parametrize(("capacity", "ok"), [(-1, False), (0, False), (1, True)])
def test_capacity_must_be_positive(capacity: int, ok: bool) -> None:
    if ok:
        make_event(db.session, capacity=capacity)
        db.session.commit()
    else:
        with refused():
            make_event(db.session, capacity=capacity)


def test_course_cannot_end_before_it_starts() -> None:
    start = datetime(2030, 8, 16).date()
    make_event(db.session, start_date=start, end_date=start)  # one-day course
    make_event(db.session, start_date=start, end_date=start + timedelta(days=2))
    db.session.commit()
    with refused():
        make_event(db.session, start_date=start, end_date=start - timedelta(days=1))


def test_registration_window_must_close_after_it_opens() -> None:
    opens = datetime(2030, 8, 1, 1, 0)
    make_event(db.session, registration_opens_at=opens, registration_closes_at=opens + timedelta(1))
    db.session.commit()
    with refused():
        make_event(db.session, registration_opens_at=opens, registration_closes_at=opens)


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (time(7, 30), time(11, 30), True),
        (time(13, 30), time(13, 30), False),
        (time(13, 30), time(11, 30), False),
    ],
)
def test_session_must_end_after_it_starts(start: time, end: time, ok: bool) -> None:
    event = make_event(db.session)
    db.session.commit()
    if ok:
        make_session(db.session, event, start_time=start, end_time=end)
        db.session.commit()
    else:
        with refused():
            make_session(db.session, event, start_time=start, end_time=end)


@pytest.mark.parametrize(("seats", "ok"), [(-1, False), (0, True), (40, True)])
def test_quota_seats_are_not_negative(seats: int, ok: bool) -> None:
    event = make_event(db.session)
    unit = make_organization(db.session)
    db.session.commit()
    if ok:
        db.session.add(Quota(event=event, organization=unit, seats=seats))
        db.session.commit()
    else:
        with refused():
            db.session.add(Quota(event=event, organization=unit, seats=seats))


@pytest.mark.parametrize(
    ("birth_year", "ok"),
    [(None, True), (1899, False), (1900, True), (1985, True), (2100, True), (2101, False)],
)
def test_birth_year_range(birth_year: int | None, ok: bool) -> None:
    event = make_event(db.session)
    db.session.commit()
    if ok:
        make_registration(db.session, event, birth_year=birth_year)
        db.session.commit()
    else:
        with refused():
            make_registration(db.session, event, birth_year=birth_year)


def test_organization_cannot_be_its_own_parent_or_successor() -> None:
    unit = make_organization(db.session)
    db.session.commit()
    with refused():
        unit.parent_id = unit.id
    unit = db.session.get(Organization, unit.id)
    assert unit is not None
    with refused():
        unit.successor_id = unit.id


@pytest.fixture
def one_of_each() -> dict[str, int]:
    """Ids of one row in every table that has an enum column."""
    event = make_event(db.session)
    event_session = make_session(db.session, event)
    registration = make_registration(db.session, event, gender=Gender.FEMALE)
    user = User(email="staff@example.vn", role=Role.STAFF, password_hash="x")
    db.session.add(user)
    db.session.flush()
    staff = EventStaff(event=event, user=user, role=StaffRole.STAFF)
    attendance = Attendance(
        registration=registration, session=event_session, method=CheckInMethod.CODE
    )
    db.session.add_all([staff, attendance])
    db.session.commit()
    return {
        "events": event.id,
        "organizations": event.organizer_id,
        "registrations": registration.id,
        "users": user.id,
        "event_staff": staff.id,
        "attendances": attendance.id,
    }


ENUM_COLUMNS = [
    ("events", "status", "closed"),
    ("organizations", "kind", "newsroom"),
    ("registrations", "status", "waitlisted"),
    ("registrations", "source", "walk_in"),
    ("registrations", "gender", "male"),
    ("users", "role", "admin"),
    ("event_staff", "role", "organizer"),
    ("attendances", "method", "walk_in"),
]


@pytest.mark.parametrize(("table", "column", "valid"), ENUM_COLUMNS)
def test_enum_columns_refuse_unknown_values(
    one_of_each: dict[str, int], table: str, column: str, valid: str
) -> None:
    # Raw SQL: the EnumText type would refuse the value in Python before the database sees it.
    update = text(f"UPDATE {table} SET {column} = :value WHERE id = :id")
    row_id = one_of_each[table]
    db.session.execute(update, {"value": valid, "id": row_id})
    db.session.commit()
    for bad in ("bogus", valid.upper(), ""):
        with refused():
            db.session.execute(update, {"value": bad, "id": row_id})
    stored = db.session.execute(
        text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}
    ).scalar_one()
    assert stored == valid


def test_enum_type_refuses_unknown_values_in_python() -> None:
    event = make_event(db.session)
    event.status = "deleted"  # type: ignore[assignment]
    with pytest.raises(StatementError):
        db.session.flush()
    db.session.rollback()


def test_enum_values_load_back_as_members() -> None:
    event = make_event(db.session, status=EventStatus.CLOSED)
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(Event, event.id)
    assert loaded is not None
    assert loaded.status is EventStatus.CLOSED


# Foreign keys (on SQLite too: PRAGMA foreign_keys is on for every connection)


def test_foreign_keys_are_enforced() -> None:
    event_id = make_event(db.session).id
    db.session.commit()
    with refused():
        make_registration(db.session, None, event_id=987654)
    with refused():
        db.session.add(Topic(event_id=event_id, session_id=987654, title="Chuyên đề"))
    with refused():
        db.session.add(Quota(event_id=event_id, organization_id=987654, seats=1))
    with refused():
        db.session.add(Attendance(registration_id=987654, session_id=987654, method="qr"))
    assert count(Registration) == count(Topic) == count(Quota) == 0


def test_deleting_a_course_deletes_its_parts() -> None:
    co_organizer = make_organization(db.session)
    event = make_event(db.session, co_organizers=[co_organizer])
    other = make_event(db.session)
    event_session = make_session(db.session, event)
    lecturer = make_lecturer(db.session)
    make_topic(db.session, event, session=event_session, lecturers=[lecturer])
    registration = make_registration(db.session, event)
    make_registration(db.session, other)
    db.session.add_all(
        [
            Attendance(registration=registration, session=event_session, method=CheckInMethod.QR),
            Quota(event=event, organization=co_organizer, seats=3),
        ]
    )
    db.session.commit()
    event_id = event.id

    # A bulk delete bypasses the ORM's own cascades: the database must do it.
    db.session.execute(delete(Event).where(Event.id == event_id))
    db.session.commit()
    db.session.expire_all()

    assert count(EventSession, EventSession.event_id == event_id) == 0
    assert count(Topic, Topic.event_id == event_id) == 0
    assert count(Registration, Registration.event_id == event_id) == 0
    assert count(Attendance) == 0
    assert count(Quota) == 0
    assert count(event_co_organizers) == 0
    assert count(topic_lecturers) == 0
    # Shared records and other courses stay.
    assert count(Registration) == 1
    assert db.session.get(Organization, co_organizer.id) is not None
    assert db.session.get(type(lecturer), lecturer.id) is not None


def test_deleting_a_session_keeps_its_topics_unscheduled() -> None:
    event = make_event(db.session)
    event_session = make_session(db.session, event)
    topic = make_topic(db.session, event, session=event_session)
    db.session.commit()
    db.session.execute(delete(EventSession).where(EventSession.id == event_session.id))
    db.session.commit()
    db.session.expire_all()
    reloaded = db.session.get(Topic, topic.id)
    assert reloaded is not None
    assert reloaded.session_id is None


def test_deleting_a_unit_unlinks_participants_and_lecturers() -> None:
    unit = make_organization(db.session, name="Đài Truyền thanh xã Vĩnh Lương")
    event = make_event(db.session)
    registration = make_registration(db.session, event, organization=unit)
    lecturer = make_lecturer(db.session, organization=unit)
    child = make_organization(db.session, parent=unit)
    db.session.commit()

    db.session.execute(delete(Organization).where(Organization.id == unit.id))
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(Registration, registration.id).organization_id is None
    assert db.session.get(type(lecturer), lecturer.id).organization_id is None
    assert db.session.get(Organization, child.id).parent_id is None


def test_a_unit_that_organises_a_course_cannot_be_deleted() -> None:
    event = make_event(db.session)
    db.session.commit()
    with refused():
        db.session.execute(delete(Organization).where(Organization.id == event.organizer_id))


def test_a_lecturer_on_a_topic_cannot_be_deleted() -> None:
    lecturer = make_lecturer(db.session)
    make_topic(db.session, make_event(db.session), lecturers=[lecturer])
    db.session.commit()
    with refused():
        db.session.execute(delete(type(lecturer)).where(type(lecturer).id == lecturer.id))


# Organization names


def test_organization_name_key_is_folded_from_the_name() -> None:
    decomposed = (
        "Đo\u0302\u0300n  Bie\u0302n pho\u0300ng   Cu\u031b\u0309a kha\u0302\u0309u Cam Ranh "
    )
    unit = make_organization(db.session, name=decomposed, kind=OrganizationKind.BORDER_POST)
    db.session.commit()
    db.session.expire_all()
    unit = db.session.get(Organization, unit.id)
    assert unit is not None
    assert unit.name == "Đồn Biên phòng Cửa khẩu Cam Ranh"
    assert unit.name_key == "don bien phong cua khau cam ranh"

    unit.name = "Đồn Biên phòng Cửa khẩu cảng Cam Ranh"
    db.session.commit()
    assert (
        db.session.scalar(select(Organization.name_key)) == "don bien phong cua khau cang cam ranh"
    )


def test_organization_names_are_unique_ignoring_case_and_accents() -> None:
    make_organization(db.session, name="Trung tâm Văn hóa - Thể thao huyện Vạn Ninh")
    db.session.commit()
    with refused():
        make_organization(db.session, name="TRUNG TAM VAN HOA - THE THAO HUYEN VAN NINH")
