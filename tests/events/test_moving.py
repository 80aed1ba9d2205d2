"""Dates that move together, called on the services: a course's sessions move with its dates,
session labels follow their date, a clone proposes a retired organizer's successor, publishing a
course that is already past needs a confirmation."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from tests.factories import make_event
from tests.factories import make_organization
from tests.factories import make_registration
from tests.factories import make_session
from tests.factories import make_topic
from trainingapp.attendance.models import Attendance
from trainingapp.attendance.models import CheckInMethod
from trainingapp.audit.models import AuditEntry
from trainingapp.common.time import local_today
from trainingapp.common.time import utcnow
from trainingapp.events import agenda
from trainingapp.events import cloning
from trainingapp.events import services
from trainingapp.events.agenda import SessionData
from trainingapp.events.cloning import CloneData
from trainingapp.events.models import EventSession
from trainingapp.events.models import EventStatus
from trainingapp.events.services import EventData
from trainingapp.events.services import EventError
from trainingapp.events.services import PublishNotConfirmed
from trainingapp.extensions import db
from trainingapp.organizations.lookup import current_successor_id


@pytest.fixture(autouse=True)
def english(app_ctx):
    with force_locale("en"):
        yield


START = local_today() + timedelta(days=40)


def entries(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def course_with_two_days():
    host = make_organization(db.session)
    event = make_event(
        db.session,
        organizer=host,
        slug="ttdn",
        start_date=START,
        end_date=START + timedelta(days=1),
        status=EventStatus.DRAFT,
    )
    first = make_session(db.session, event, name=f"Sáng {START:%d/%m}", date=START)
    second = make_session(
        db.session,
        event,
        name=f"Chiều {START + timedelta(days=1):%d/%m/%Y}",
        date=START + timedelta(days=1),
        start_time=time(13, 30),
        end_time=time(17),
    )
    db.session.commit()
    return host, event, first, second


def moved(host_id: int, days: int, length: int = 1, **overrides) -> EventData:
    start = START + timedelta(days=days)
    values = {
        "title": "Tập huấn thông tin đối ngoại",
        "slug": "ttdn",
        "start_date": start,
        "end_date": start + timedelta(days=length),
        "capacity": 250,
        "organizer_id": host_id,
    } | overrides
    return EventData(**values)


# --- Moving a course's sessions with its dates ------------------------------------------------


def test_new_dates_without_the_option_are_refused_naming_it():
    host, event, first, _second = course_with_two_days()
    with pytest.raises(EventError) as caught:
        services.update_event(None, event, moved(host.id, 7))
    message = str(caught.value.errors["start_date"])
    assert "Sessions are planned on" in message
    assert "Move the sessions with the new dates" in message
    db.session.rollback()
    assert db.session.get(EventSession, first.id).date == START


def test_moving_shifts_every_session_and_its_label_in_one_step():
    host, event, first, second = course_with_two_days()
    services.update_event(None, event, moved(host.id, 7), move_sessions=True)
    db.session.commit()
    later = START + timedelta(days=7)
    db.session.expire_all()
    assert (event.start_date, event.end_date) == (later, later + timedelta(days=1))
    assert [(s.name, s.date) for s in event.sessions] == [
        (f"Sáng {later:%d/%m}", later),
        (f"Chiều {later + timedelta(days=1):%d/%m/%Y}", later + timedelta(days=1)),
    ]
    audited = {e.object_id: e.details for e in entries("session.update")}
    assert audited[first.id]["date"] == [str(START), str(later)]
    assert audited[first.id]["name"] == [f"Sáng {START:%d/%m}", f"Sáng {later:%d/%m}"]
    assert audited[second.id]["date"] == [
        str(START + timedelta(days=1)),
        str(later + timedelta(days=1)),
    ]
    (course_entry,) = entries("event.update")
    assert course_entry.details["start_date"] == [str(START), str(later)]


def test_a_nomination_deadline_still_ahead_moves_with_the_course():
    host, event, _first, _second = course_with_two_days()
    deadline = utcnow() + timedelta(days=3)
    event.nominations_close_at = deadline
    db.session.commit()
    services.update_event(None, event, moved(host.id, 7), move_sessions=True)
    db.session.commit()
    db.session.expire_all()
    assert event.nominations_close_at == deadline + timedelta(days=7)
    (course_entry,) = entries("event.update")
    assert course_entry.details["nominations_close_at"][1] == str(deadline + timedelta(days=7))


def test_a_passed_nomination_deadline_stays_where_it_was():
    host, event, _first, _second = course_with_two_days()
    passed = utcnow() - timedelta(hours=1)
    event.nominations_close_at = passed
    db.session.commit()
    services.update_event(None, event, moved(host.id, 7), move_sessions=True)
    db.session.commit()
    db.session.expire_all()
    assert event.nominations_close_at == passed


def test_moving_earlier_works_too_and_the_registration_window_is_checked_on_the_new_dates():
    host, event, _first, _second = course_with_two_days()
    earlier = START - timedelta(days=3)
    # 07:30 local on the new first day is 00:30 UTC: closing at 01:00 is after it starts.
    late_close = datetime.combine(earlier, time(1))
    with pytest.raises(EventError) as caught:
        services.update_event(
            None, event, moved(host.id, -3, registration_closes_at=late_close), move_sessions=True
        )
    assert list(caught.value.errors) == ["registration_closes_at"]
    db.session.rollback()
    services.update_event(None, event, moved(host.id, -3), move_sessions=True)
    assert [s.date for s in event.sessions] == [earlier, earlier + timedelta(days=1)]


def test_moved_sessions_must_still_fit_the_new_end_date():
    host, event, first, _second = course_with_two_days()
    with pytest.raises(EventError) as caught:
        services.update_event(None, event, moved(host.id, 7, length=0), move_sessions=True)
    message = str(caught.value.errors["start_date"])
    assert "Moved with the course" in message
    assert (START + timedelta(days=8)).strftime("%d/%m/%Y") in message
    db.session.rollback()
    assert db.session.get(EventSession, first.id).date == START
    assert entries("session.update") == []


def test_the_option_changes_nothing_when_the_start_date_stays():
    host, event, first, _second = course_with_two_days()
    services.update_event(
        None, event, moved(host.id, 0, length=2, title="Tên mới"), move_sessions=True
    )
    assert db.session.get(EventSession, first.id).date == START
    assert entries("session.update") == []


def test_moving_refused_once_attendance_has_been_taken():
    host, event, first, second = course_with_two_days()
    db.session.add(
        Attendance(
            registration=make_registration(db.session, event),
            session=first,
            method=CheckInMethod.QR,
        )
    )
    db.session.commit()
    with pytest.raises(EventError) as caught:
        services.update_event(None, event, moved(host.id, 7), move_sessions=True)
    message = str(caught.value.errors["move_sessions"])
    assert "Attendance has already been taken" in message
    assert first.name in message
    assert second.name not in message
    db.session.rollback()
    assert db.session.get(EventSession, first.id).date == START
    assert db.session.get(type(event), event.id).start_date == START


# --- Labels follow when one session is edited --------------------------------------------------


def test_editing_a_session_date_rewrites_the_old_date_in_its_name():
    _host, event, first, _second = course_with_two_days()
    day_two = START + timedelta(days=1)
    agenda.update_session(
        None, first, SessionData(f"Sáng {START:%d/%m}", day_two, time(7, 30), time(11, 30))
    )
    assert first.name == f"Sáng {day_two:%d/%m}"
    (entry,) = entries("session.update")
    assert entry.details["name"] == [f"Sáng {START:%d/%m}", f"Sáng {day_two:%d/%m}"]


def test_a_name_typed_anew_with_the_date_is_kept():
    _host, _event, first, _second = course_with_two_days()
    day_two = START + timedelta(days=1)
    typed = f"Sáng {day_two:%d/%m} (đổi lịch)"
    agenda.update_session(None, first, SessionData(typed, day_two, time(7, 30), time(11, 30)))
    assert first.name == typed


# --- Cloning ------------------------------------------------------------------------------------


def test_clone_relabels_sessions_and_keeps_topics_on_them():
    source = make_event(
        db.session,
        start_date=date(2023, 8, 16),
        end_date=date(2023, 8, 16),
        status=EventStatus.ARCHIVED,
    )
    morning = make_session(db.session, source, name="Sáng 16/08/2023", date=date(2023, 8, 16))
    make_session(
        db.session,
        source,
        name="Chiều 16/8",
        date=date(2023, 8, 16),
        start_time=time(13, 30),
        end_time=time(17),
    )
    make_topic(db.session, source, session=morning)
    db.session.commit()
    source = db.session.scalars(cloning.event_for_clone(source.id)).one()
    new_day = date(2027, 9, 5)
    copy = cloning.clone_event(None, source, CloneData("Bản sao 2027", new_day, new_day))
    assert [s.name for s in copy.sessions] == ["Sáng 05/09/2027", "Chiều 5/9"]
    assert copy.topics[0].session is copy.sessions[0]


def test_clone_proposes_the_current_successor_of_a_retired_organizer():
    merged = make_organization(db.session, name="Sở Văn hóa, Thể thao và Du lịch")
    middle = make_organization(
        db.session, name="Sở Văn hóa và Thể thao", retired_on=date(2025, 3, 1), successor=merged
    )
    oldest = make_organization(
        db.session, name="Sở Văn hóa", retired_on=date(2024, 1, 1), successor=middle
    )
    source = make_event(
        db.session, organizer=oldest, co_organizers=[merged], status=EventStatus.ARCHIVED
    )
    db.session.commit()
    assert current_successor_id(oldest.id) == merged.id
    assert current_successor_id(merged.id) == merged.id
    assert current_successor_id(10**9) is None
    source = db.session.scalars(cloning.event_for_clone(source.id)).one()
    assert cloning.proposed_organizer_id(source) == merged.id
    copy = cloning.clone_event(None, source, CloneData("Bản sao", START, START))
    assert copy.organizer_id == merged.id
    # the successor already co-organized the source: it is not both on the copy
    assert copy.co_organizers == []
    (entry,) = entries("event.clone")
    assert entry.details["organizer_id"] == [None, merged.id]


def test_clone_may_keep_the_retired_unit_when_asked_or_when_it_has_no_successor():
    retired = make_organization(db.session, retired_on=date(2025, 7, 1))
    source = make_event(db.session, organizer=retired, status=EventStatus.ARCHIVED)
    db.session.commit()
    source = db.session.scalars(cloning.event_for_clone(source.id)).one()
    assert cloning.proposed_organizer_id(source) == retired.id
    copy = cloning.clone_event(None, source, CloneData("Bản sao", START, START))
    assert copy.organizer_id == retired.id


def test_clone_refuses_another_retired_unit():
    other_retired = make_organization(db.session, retired_on=date(2025, 7, 1))
    source = make_event(db.session, status=EventStatus.ARCHIVED)
    db.session.commit()
    source = db.session.scalars(cloning.event_for_clone(source.id)).one()
    with pytest.raises(EventError) as caught:
        cloning.clone_event(
            None, source, CloneData("Bản sao", START, START, organizer_id=other_retired.id)
        )
    assert list(caught.value.errors) == ["organizer_id"]


# --- Publishing a course that is already past ---------------------------------------------------


def test_publishing_a_course_that_started_asks_to_confirm():
    event = make_event(
        db.session, start_date=local_today() - timedelta(days=2), status=EventStatus.DRAFT
    )
    db.session.commit()
    warnings = [str(w) for w in services.publish_warnings(event)]
    assert len(warnings) == 1
    assert "in the past" in warnings[0]
    with pytest.raises(PublishNotConfirmed) as caught:
        services.change_status(None, event, EventStatus.PUBLISHED)
    assert caught.value.field == "confirm_past"
    db.session.rollback()
    assert db.session.get(type(event), event.id).status == EventStatus.DRAFT
    assert entries("event.status") == []
    services.change_status(None, event, EventStatus.PUBLISHED, confirm_past=True)
    assert event.status == EventStatus.PUBLISHED
    assert len(entries("event.status")) == 1


def test_publishing_after_registration_closed_asks_to_confirm_reopening_too():
    event = make_event(
        db.session,
        start_date=local_today() + timedelta(days=5),
        registration_closes_at=utcnow() - timedelta(hours=1),
        status=EventStatus.CLOSED,
    )
    db.session.commit()
    (warning,) = services.publish_warnings(event)
    assert "Registration closed on" in str(warning)
    with pytest.raises(PublishNotConfirmed):
        services.change_status(None, event, EventStatus.PUBLISHED)
    db.session.rollback()
    services.change_status(None, event, EventStatus.PUBLISHED, confirm_past=True)
    assert event.status == EventStatus.PUBLISHED


def test_publishing_an_upcoming_course_needs_no_confirmation():
    event = make_event(
        db.session,
        start_date=local_today(),  # today is not past
        registration_closes_at=utcnow() + timedelta(hours=1),
        status=EventStatus.DRAFT,
    )
    db.session.commit()
    assert services.publish_warnings(event) == []
    services.change_status(None, event, EventStatus.PUBLISHED)
    assert event.status == EventStatus.PUBLISHED


def test_closing_a_past_course_needs_no_confirmation():
    event = make_event(
        db.session, start_date=local_today() - timedelta(days=2), status=EventStatus.PUBLISHED
    )
    db.session.commit()
    services.change_status(None, event, EventStatus.CLOSED)
    assert event.status == EventStatus.CLOSED
