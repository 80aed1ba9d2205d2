"""Course services (events.services, .agenda, .cloning, .quotas, .staffing) and dashboard figures
(registration.seats, attendance), called directly."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import event as sa_event
from sqlalchemy import select

from tests.factories import make_event
from tests.factories import make_lecturer
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_session
from tests.factories import make_topic
from trainingapp.attendance import services as attendance_services
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.auth.models import Role
from trainingapp.auth.models import User
from trainingapp.common.time import local_today
from trainingapp.events import agenda
from trainingapp.events import cloning
from trainingapp.events import services
from trainingapp.events import staffing
from trainingapp.events.cloning import CloneData
from trainingapp.events.models import Event
from trainingapp.events.models import EventStatus
from trainingapp.events.models import Quota
from trainingapp.events.models import StaffRole
from trainingapp.events.services import EventData
from trainingapp.events.services import EventError
from trainingapp.extensions import db
from trainingapp.registration import quotas
from trainingapp.registration import seats as stats
from trainingapp.registration.models import RegistrationStatus


@pytest.fixture(autouse=True)
def english(app_ctx):
    """Messages are asserted in English (the default locale is Vietnamese)."""
    with force_locale("en"):
        yield


START = local_today() + timedelta(days=40)


def make_account(email: str = "organizer@example.vn", role: Role = Role.ORGANIZER) -> User:
    user = User(email=email, role=role)
    user.set_password("x" * 12)
    db.session.add(user)
    db.session.flush()
    return user


def data(organizer_id: int, **overrides) -> EventData:
    values = {
        "title": "Tập huấn thông tin đối ngoại 2023",
        "start_date": START,
        "end_date": START,
        "capacity": 250,
        "organizer_id": organizer_id,
    } | overrides
    return EventData(**values)


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- Slugs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Tập huấn thông tin đối ngoại 2023", "tap-huan-thong-tin-doi-ngoai-2023"),
        ("ĐỒN BIÊN PHÒNG Đắk Lắk", "don-bien-phong-dak-lak"),
        ("  Lớp   tập huấn — “đặc biệt”!  ", "lop-tap-huan-dac-biet"),
        ("!!!", "course"),
        ("", "course"),
    ],
)
def test_slug_for(title, slug):
    assert services.slug_for(title) == slug


def test_slug_for_long_title_fits_the_column():
    slug = services.slug_for("Chuyên đề " * 60)
    assert len(slug) <= services.SLUG_MAX_LENGTH - 10
    assert not slug.endswith("-")


def test_unique_slug_appends_the_first_free_number():
    make_event(db.session, slug="lop")
    make_event(db.session, slug="lop-2")
    make_event(db.session, slug="lop-tap-huan")  # shares the prefix, not a numbered copy
    assert services.unique_slug("lop") == "lop-3"
    assert services.unique_slug("khac") == "khac"
    own = db.session.scalar(select(Event).where(Event.slug == "lop"))
    assert services.unique_slug("lop", exclude_id=own.id) == "lop"


# --- Create, edit -----------------------------------------------------------------------------


def test_create_event_makes_a_draft_owned_by_its_creator():
    actor = make_account()
    host = make_organization(db.session)
    co = make_organization(db.session)
    event = services.create_event(actor, data(host.id, co_organizer_ids=[co.id, co.id]))
    assert event.slug == "tap-huan-thong-tin-doi-ngoai-2023"
    assert event.status == EventStatus.DRAFT
    assert event.created_by_id == actor.id
    assert [o.id for o in event.co_organizers] == [co.id]
    (entry,) = entries("event.create")
    assert entry.actor_id == actor.id
    assert entry.details["capacity"] == [None, 250]
    assert entry.details["start_date"] == [None, START.isoformat()]


def test_create_event_reports_every_refusal_at_once():
    host = make_organization(db.session)
    make_event(db.session, slug="taken")
    with pytest.raises(EventError) as caught:
        services.create_event(
            None,
            data(
                host.id,
                title=" ",
                slug="taken",
                end_date=START - timedelta(days=1),
                capacity=0,
                co_organizer_ids=[host.id],
                registration_opens_at=datetime(2030, 1, 2),
                registration_closes_at=datetime(2030, 1, 1),
            ),
        )
    assert set(caught.value.errors) == {
        "title",
        "slug",
        "end_date",
        "capacity",
        "co_organizer_ids",
        "registration_opens_at",
    }
    assert db.session.scalar(select(Event).where(Event.slug != "taken")) is None


def test_registration_must_close_before_the_first_session():
    host = make_organization(db.session)
    event = make_event(db.session, organizer=host, start_date=START, status=EventStatus.DRAFT)
    make_session(db.session, event, start_time=time(7, 30))
    db.session.commit()
    starts = services.course_starts_at(START, list(event.sessions))
    assert starts == datetime.combine(START, time(0, 30))  # 07:30 in Vietnam is 00:30 UTC
    assert services.course_starts_at(START, []) == datetime.combine(
        START - timedelta(days=1), time(17)
    )
    late = data(host.id, registration_closes_at=starts + timedelta(minutes=1))
    with pytest.raises(EventError) as caught:
        services.update_event(None, event, late)
    assert list(caught.value.errors) == ["registration_closes_at"]
    db.session.rollback()
    services.update_event(None, event, data(host.id, registration_closes_at=starts))


def test_update_event_audits_only_what_changed():
    actor = make_account()
    host = make_organization(db.session)
    co = make_organization(db.session)
    event = make_event(db.session, organizer=host, slug="ttdn", capacity=100)
    db.session.commit()
    services.update_event(
        actor,
        event,
        data(host.id, title=event.title, slug="ttdn", capacity=120, co_organizer_ids=[co.id]),
    )
    (entry,) = entries("event.update")
    assert entry.details["capacity"] == [100, 120]
    assert entry.details["co_organizer_ids"] == [[], [co.id]]
    assert "title" not in entry.details
    assert "slug" not in entry.details


def test_update_event_capacity_below_confirmed():
    host = make_organization(db.session)
    event = make_event(db.session, organizer=host, slug="ttdn", capacity=5)
    for _ in range(3):
        make_registration(db.session, event)
    make_registration(db.session, event, status=RegistrationStatus.PENDING)
    db.session.commit()
    with pytest.raises(EventError) as caught:
        services.update_event(None, event, data(host.id, slug="ttdn", capacity=2))
    assert list(caught.value.errors) == ["capacity"]
    db.session.rollback()
    services.update_event(None, event, data(host.id, slug="ttdn", capacity=3))
    assert event.capacity == 3


def test_empty_slug_on_edit_is_made_again_from_the_title():
    host = make_organization(db.session)
    event = make_event(db.session, organizer=host, slug="cu")
    db.session.commit()
    services.update_event(None, event, data(host.id, title="Lớp mới", slug=""))
    assert event.slug == "lop-moi"


# --- Status -----------------------------------------------------------------------------------


def test_status_walks_forward_and_is_audited():
    event = make_event(db.session, status=EventStatus.DRAFT)
    db.session.commit()
    for target in (
        EventStatus.PUBLISHED,
        EventStatus.CLOSED,
        EventStatus.PUBLISHED,
        EventStatus.CLOSED,
        EventStatus.ARCHIVED,
    ):
        services.change_status(None, event, target)
        db.session.commit()  # the view's commit: each change is its own unit of work
    assert [e.details["status"] for e in entries("event.status")] == [
        ["draft", "published"],
        ["published", "closed"],
        ["closed", "published"],
        ["published", "closed"],
        ["closed", "archived"],
    ]
    assert services.allowed_transitions(event) == ()
    with pytest.raises(EventError):
        services.change_status(None, event, EventStatus.PUBLISHED)


def test_back_to_draft_only_without_registrations():
    event = make_event(db.session, status=EventStatus.PUBLISHED)
    db.session.commit()
    services.change_status(None, event, EventStatus.DRAFT)
    db.session.commit()
    services.change_status(None, event, EventStatus.PUBLISHED)
    db.session.commit()
    make_registration(db.session, event, status=RegistrationStatus.REJECTED)
    db.session.commit()
    with pytest.raises(EventError, match="already registered"):
        services.change_status(None, event, EventStatus.DRAFT)
    assert event.status == EventStatus.PUBLISHED


def test_only_published_and_closed_courses_are_listed_publicly():
    for status in EventStatus:
        make_event(db.session, slug=f"lop-{status.value}", status=status)
    listed = {e.slug for e in db.session.scalars(services.upcoming_public_events())}
    assert listed == {"lop-published", "lop-closed"}


# --- Clone ------------------------------------------------------------------------------------


def test_clone_shifts_sessions_and_the_registration_window():
    actor = make_account()
    retired = make_organization(db.session, retired_on=date(2025, 7, 1))
    source = make_event(
        db.session,
        organizer=retired,  # a unit retired since: the copy keeps it
        start_date=date(2023, 8, 16),
        end_date=date(2023, 8, 17),
        registration_opens_at=datetime(2023, 8, 1, 1),
        registration_closes_at=datetime(2023, 8, 15, 10),
        status=EventStatus.ARCHIVED,
    )
    day_two = make_session(db.session, source, name="Ngày 2", date=date(2023, 8, 17))
    lecturer = make_lecturer(db.session)
    make_topic(db.session, source, session=day_two, lecturers=[lecturer])
    db.session.add(Quota(event=source, organization=make_organization(db.session), seats=7))
    make_registration(db.session, source)
    db.session.commit()
    source = db.session.scalars(cloning.event_for_clone(source.id)).one()
    copy = cloning.clone_event(
        actor, source, CloneData(title="Bản sao", start_date=START, end_date=START + timedelta(1))
    )
    offset = START - date(2023, 8, 16)
    assert copy.organizer_id == retired.id
    assert copy.registration_opens_at == datetime(2023, 8, 1, 1) + offset
    assert copy.registration_closes_at == datetime(2023, 8, 15, 10) + offset
    assert [(s.name, s.date) for s in copy.sessions] == [("Ngày 2", START + timedelta(1))]
    assert copy.topics[0].session is copy.sessions[0]
    assert copy.topics[0].lecturers == [lecturer]
    assert [(q.seats) for q in copy.quotas] == [7]
    assert copy.status == EventStatus.DRAFT
    assert copy.cloned_from_id == source.id
    assert stats.registration_counts(copy.id)[RegistrationStatus.CONFIRMED] == 0


def test_clone_drops_a_window_that_does_not_fit_the_new_dates():
    # Older data may close registration after the course started; the copy then gets no
    # window (set it when editing) rather than a refusal the organizer cannot fix here.
    source = make_event(
        db.session,
        start_date=START,
        registration_opens_at=None,
        registration_closes_at=datetime.combine(START + timedelta(days=1), time(9)),
    )
    db.session.commit()
    source = db.session.scalars(cloning.event_for_clone(source.id)).one()
    copy = cloning.clone_event(None, source, CloneData("A", START, START))
    assert copy.registration_closes_at is None
    assert copy.registration_opens_at is None


# --- Sessions, topics, quotas, staff ----------------------------------------------------------


def test_delete_session_refused_with_attendance():
    event = make_event(db.session)
    event_session = make_session(db.session, event)
    registration = make_registration(db.session, event)
    db.session.add(
        Attendance(registration=registration, session=event_session, method=CheckInMethod.QR)
    )
    db.session.commit()
    with pytest.raises(EventError, match="Attendance has already been taken"):
        attendance_services.delete_session(None, event_session)


def test_move_topic_returns_false_at_the_edges():
    event = make_event(db.session)
    first = make_topic(db.session, event, position=0)
    second = make_topic(db.session, event, position=0)  # equal positions: order by id
    assert agenda.move_topic(None, first, "up") is False
    assert agenda.move_topic(None, second, "down") is False
    assert agenda.move_topic(None, second, "up") is True
    assert second.position < first.position


def test_quota_rules():
    event = make_event(db.session, capacity=10)
    unit = make_organization(db.session)
    db.session.commit()
    with pytest.raises(EventError) as caught:
        quotas.set_quota(None, event, unit.id, -1)
    assert list(caught.value.errors) == ["seats"]
    db.session.rollback()
    quotas.set_quota(None, event, unit.id, 12)  # above capacity: allowed (the view warns)
    assert quotas.quota_total(event) == 12
    db.session.commit()
    make_registration(db.session, event, organization=unit)
    make_registration(db.session, event, organization=unit)
    db.session.commit()
    with pytest.raises(EventError, match="2 participants of this unit"):
        quotas.set_quota(None, event, unit.id, 1)


def test_assign_staff_rules():
    event = make_event(db.session)
    helper = make_account("helper@example.vn", Role.STAFF)
    colleague = make_account("colleague@example.vn", Role.ORGANIZER)
    with pytest.raises(EventError) as caught:
        staffing.assign_staff(None, event, helper.id, StaffRole.ORGANIZER)
    assert list(caught.value.errors) == ["role"]
    staffing.assign_staff(None, event, colleague.id, StaffRole.STAFF)
    staffing.assign_staff(None, event, colleague.id, StaffRole.ORGANIZER)
    (update,) = entries("event_staff.update")
    assert update.details["role"] == ["staff", "organizer"]
    colleague.active = False
    with pytest.raises(EventError):
        staffing.assign_staff(None, event, colleague.id, StaffRole.STAFF)


# --- Dashboard figures ------------------------------------------------------------------------


def test_stats_figures():
    event = make_event(db.session)
    morning = make_session(db.session, event)
    make_session(db.session, event, name="Chiều", start_time=time(13), end_time=time(17))
    a = make_organization(db.session, name="Ủy ban nhân dân")
    b = make_organization(db.session, name="Báo Khánh Hòa")
    db.session.add_all(
        [Quota(event=event, organization=a, seats=2), Quota(event=event, organization=b, seats=3)]
    )
    first = make_registration(db.session, event, organization=a)
    make_registration(db.session, event, organization=a, status=RegistrationStatus.WAITLISTED)
    make_registration(db.session, event, organization=b, status=RegistrationStatus.CANCELLED)
    db.session.add(Attendance(registration=first, session=morning, method=CheckInMethod.QR))
    db.session.flush()
    counts = stats.registration_counts(event.id)
    assert counts == {
        RegistrationStatus.PENDING: 0,
        RegistrationStatus.CONFIRMED: 1,
        RegistrationStatus.WAITLISTED: 1,
        RegistrationStatus.CANCELLED: 1,
        RegistrationStatus.REJECTED: 0,
    }
    uses = stats.quota_use(event.id)
    assert [(u.organization_name, u.confirmed, u.seats, u.left) for u in uses] == [
        ("Báo Khánh Hòa", 0, 3, 3),
        ("Ủy ban nhân dân", 1, 2, 1),
    ]
    attendance = attendance_services.attendance_by_session(event.id)
    assert sorted(attendance.values()) == [0, 1]
    assert attendance[morning.id] == 1
    assert stats.confirmed_by_event([event.id, 999]) == {event.id: 1}
    assert stats.confirmed_by_event([]) == {}


def test_stats_run_one_query_each_whatever_the_size():
    event = make_event(db.session)
    for n in range(5):
        unit = make_organization(db.session)
        db.session.add(Quota(event=event, organization=unit, seats=n))
        make_session(db.session, event, name=f"Buổi {n}")
        make_registration(db.session, event, organization=unit)
    db.session.flush()
    statements: list[str] = []

    def _count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", _count)
    try:
        stats.registration_counts(event.id)
        stats.quota_use(event.id)
        attendance_services.attendance_by_session(event.id)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", _count)
    assert len(statements) == 3


def test_back_to_draft_is_offered_only_while_nobody_has_registered(app_ctx: None) -> None:
    event = make_event(db.session, status=EventStatus.PUBLISHED)
    assert EventStatus.DRAFT in services.allowed_transitions(event)
    make_registration(db.session, event)
    assert services.allowed_transitions(event) == (EventStatus.CLOSED,)
