"""Loading the demo: the reference course as it happened (16/08/2023) and an upcoming copy of it.

:func:`seed_demo` only adds what is missing (units by ``name_key``, lecturers by name and unit,
courses by slug) and flushes; the caller commits. Participants come from seeded generators, so
a fresh database always gets the same people, phones, tokens and check-in times.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from ..attendance.models import Attendance
from ..audit.services import record
from ..certificates.demo import issue_demo_certificates
from ..common.dbtx import begin_write
from ..common.text import fold
from ..common.time import local_to_utc
from ..common.time import local_today
from ..evaluation.demo import answer_demo_evaluation
from ..events.models import Event
from ..events.models import EventSession
from ..events.models import EventStatus
from ..events.models import Topic
from ..extensions import db
from ..lecturers.models import Lecturer
from ..nominations import services as nominations
from ..organizations.models import Organization
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from ..registration.normalise import RegistrationInput
from ..registration.seats import confirmed_in_unit
from . import data
from .participants import add_reference_participants
from .participants import add_upcoming_participants
from .people import PeopleFactory

UPCOMING_WEEKS_AHEAD = 4
EVALUATION_SEED = "trainingapp-demo-evaluation-2023"
UPCOMING_OPEN_DAYS = 10


@dataclass
class SeedResult:
    reference: Event
    upcoming: Event
    reference_created: bool
    upcoming_created: bool
    organizations_created: int
    lecturers_created: int

    @property
    def created(self) -> bool:
        return bool(
            self.reference_created
            or self.upcoming_created
            or self.organizations_created
            or self.lecturers_created
        )


@dataclass
class CourseNumbers:
    confirmed: int
    cancelled: int
    #: (session name, participants checked in) in session order
    attended: list[tuple[str, int]]


def seed_demo(today: date | None = None) -> SeedResult:
    """Add the demo units, lecturers, reference course and upcoming copy that are missing.

    ``today`` (default: the local date) places the upcoming copy about four weeks ahead, with
    registration open since ten days. Writes one ``demo.seed`` audit entry when anything was added.
    """
    today = today or local_today()
    # One writer transaction for the whole seed (the invitations take the course lock in it).
    begin_write(db.session)
    units, organizations_created = _ensure_organizations()
    lecturers, lecturers_created = _ensure_lecturers(units[data.BORDER_GUARD])

    reference = db.session.scalar(select(Event).where(Event.slug == data.REFERENCE.slug))
    reference_created = reference is None
    if reference is None:
        reference = _create_reference(units, lecturers)

    upcoming = db.session.scalar(
        select(Event).where(Event.cloned_from_id == reference.id).order_by(Event.id).limit(1)
    )
    upcoming_created = upcoming is None
    if upcoming is None:
        upcoming = _create_upcoming(reference, units, today)

    result = SeedResult(
        reference,
        upcoming,
        reference_created,
        upcoming_created,
        organizations_created,
        lecturers_created,
    )
    if result.created:
        subject = reference if reference_created or not upcoming_created else upcoming
        record(
            None,
            "demo.seed",
            subject,
            event_id=subject.id,
            details={
                "reference": reference.slug if reference_created else None,
                "upcoming": upcoming.slug if upcoming_created else None,
                "organizations": organizations_created,
                "lecturers": lecturers_created,
            },
        )
    db.session.flush()
    return result


def course_numbers(event: Event) -> CourseNumbers:
    """Confirmed and cancelled registrations and check-ins per session of ``event``."""
    by_status = dict(
        db.session.execute(
            select(Registration.status, func.count(Registration.id))
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    attended = []
    for event_session in event.sessions:
        count = db.session.scalar(
            select(func.count(Attendance.id)).where(Attendance.session_id == event_session.id)
        )
        attended.append((event_session.name, count or 0))
    return CourseNumbers(
        confirmed=by_status.get(RegistrationStatus.CONFIRMED, 0),
        cancelled=by_status.get(RegistrationStatus.CANCELLED, 0),
        attended=attended,
    )


# --- units and lecturers --------------------------------------------------------------------


def _ensure_organizations() -> tuple[dict[str, Organization], int]:
    """Every demo unit by its data name; existing rows (same ``name_key``) are left as they are."""
    keys = [fold(spec.name) for spec in data.ORGANIZATIONS]
    existing = {
        org.name_key: org
        for org in db.session.scalars(select(Organization).where(Organization.name_key.in_(keys)))
    }
    units: dict[str, Organization] = {}
    created = []
    for spec, key in zip(data.ORGANIZATIONS, keys, strict=True):
        org = existing.get(key)
        if org is None:
            org = Organization(
                name=spec.name,
                kind=spec.kind,
                short_name=spec.short_name,
                retired_on=spec.retired_on,
            )
            if not spec.founded_2025:  # on the list since the reference course was planned
                org.created_at = local_to_utc(data.REFERENCE_CREATED)
            db.session.add(org)
            existing[key] = org
            created.append((spec, org))
        units[spec.name] = org
    for spec, org in created:
        if spec.parent:
            org.parent = units[spec.parent]
        if spec.successor:
            org.successor = units[spec.successor]
    db.session.flush()
    return units, len(created)


def _ensure_lecturers(organization: Organization) -> tuple[list[Lecturer], int]:
    lecturers, created = [], 0
    for rank, full_name, position in data.LECTURERS:
        lecturer = db.session.scalar(
            select(Lecturer).where(
                Lecturer.full_name == full_name, Lecturer.organization_id == organization.id
            )
        )
        if lecturer is None:
            lecturer = Lecturer(
                full_name=full_name,
                rank=rank,
                position=position,
                organization=organization,
                created_at=local_to_utc(data.REFERENCE_CREATED),
            )
            db.session.add(lecturer)
            created += 1
        lecturers.append(lecturer)
    return lecturers, created


def _current(org: Organization) -> Organization:
    """The unit that carries on the work of ``org`` today (itself unless retired)."""
    for _ in range(10):  # successor chains are short; a cycle must not hang the command
        if org.is_current or org.successor is None:
            break
        org = org.successor
    return org


# --- the reference course -------------------------------------------------------------------


def _create_reference(units: dict[str, Organization], lecturers: list[Lecturer]) -> Event:
    ref = data.REFERENCE
    day = data.REFERENCE_DATE
    event = Event(
        slug=ref.slug,
        title=ref.title,
        description=ref.description,
        organizer=units[ref.organizer],
        co_organizers=[units[name] for name in ref.co_organizers],
        venue=ref.venue,
        start_date=day,
        end_date=day,
        registration_opens_at=local_to_utc(data.REFERENCE_OPENS),
        registration_closes_at=local_to_utc(data.REFERENCE_CLOSES),
        capacity=ref.capacity,
        waitlist_enabled=True,
        approval_required=False,
        status=EventStatus.CLOSED,
        created_at=local_to_utc(data.REFERENCE_CREATED),
        updated_at=local_to_utc(data.REFERENCE_CLOSED),
    )
    sessions = [
        EventSession(
            name=f"{prefix} {day:%d/%m/%Y}", date=day, start_time=start, end_time=end, position=i
        )
        for i, (prefix, start, end) in enumerate(data.SESSIONS)
    ]
    event.sessions = sessions
    event.topics = [
        Topic(
            title=title,
            summary=summary,
            position=i + 1,
            session=sessions[session_index],
            lecturers=[lecturers[lecturer_index]],
        )
        for i, (title, summary, session_index, lecturer_index) in enumerate(data.TOPICS)
    ]
    db.session.add(event)
    db.session.flush()
    add_reference_participants(event, units, sessions)
    # After the course: most participants answered the evaluation.
    answer_demo_evaluation(event, random.Random(EVALUATION_SEED))  # noqa: S311 - demo data
    # ... and those who attended every session got their certificate on the day.
    db.session.flush()
    issue_demo_certificates(event)
    return event


# --- the upcoming copy ----------------------------------------------------------------------


def _create_upcoming(reference: Event, units: dict[str, Organization], today: date) -> Event:
    """A clone of ``reference``: same agenda and lecturers, new dates, current units."""
    up = data.UPCOMING
    start = _course_day(today)
    year = start.year
    opens = _utc(today - timedelta(days=UPCOMING_OPEN_DAYS), time(8, 0))
    event = Event(
        slug=_free_slug(up.slug.format(year=year)),
        title=up.title.format(year=year),
        description=up.description.format(year=year),
        organizer=units[up.organizer],
        co_organizers=[_current(org) for org in reference.co_organizers],
        venue=up.venue,
        start_date=start,
        end_date=start + (reference.end_date - reference.start_date),
        registration_opens_at=opens,
        registration_closes_at=_utc(start - timedelta(days=2), time(17, 0)),
        capacity=up.capacity,
        waitlist_enabled=True,
        approval_required=False,
        status=EventStatus.PUBLISHED,
        cloned_from_id=reference.id,
        created_at=opens - timedelta(days=2),
        updated_at=opens,
    )
    shift = start - reference.start_date
    new_sessions: dict[int, EventSession] = {}
    for old in reference.sessions:
        new_date = old.date + shift
        new_sessions[old.id] = EventSession(
            name=old.name.replace(f"{old.date:%d/%m/%Y}", f"{new_date:%d/%m/%Y}"),
            date=new_date,
            start_time=old.start_time,
            end_time=old.end_time,
            position=old.position,
        )
    event.sessions = list(new_sessions.values())
    event.topics = [
        Topic(
            title=topic.title,
            summary=topic.summary,
            position=topic.position,
            session=new_sessions.get(topic.session_id) if topic.session_id else None,
            lecturers=list(topic.lecturers),
        )
        for topic in reference.topics
    ]
    db.session.add(event)
    db.session.flush()
    add_upcoming_participants(event, units, opens, until=_utc(today, time(0, 0)))
    _invite_units(event, units, start)
    return event


NOMINATIONS_SEED = 20270812
#: units invited to the upcoming copy (SPEC "Running"): quota beyond those already confirmed,
#: the contact, and whom the first one has already nominated
DEMO_INVITED = (
    (data.COMMUNE_RADIOS[0].name, 3, ("Lương Văn Tâm", "0915 204 118", "")),
    (data.COMMUNE_RADIOS[1].name, 2, ("Hà Thị Nguyệt", "0986 330 512", "")),
    (data.COMMUNE_RADIOS[2].name, 2, ("", "", "")),
    (data.BORDER_POSTS[0].name, 2, ("Đại úy Nông Văn Khải", "0983 117 402", "")),
)
DEMO_NOMINEES = (
    RegistrationInput(full_name="Lộc Văn Sơn", gender="male", birth_year="1988",
                      position="Phát thanh viên", phone="0917 552 803"),
    RegistrationInput(full_name="Hoàng Thị Hường", gender="female", birth_year="1994",
                      position="Cán bộ văn hóa xã", phone="0349 612 075"),
)  # fmt: skip


def _invite_units(event: Event, units: dict[str, Organization], start: date) -> None:
    """Invite a few units with a nomination deadline a week before the course; the first one
    has nominated two people on its link."""
    event.nominations_close_at = _utc(start - timedelta(days=7), time(17, 0))
    # Reproducible secrets, like the participants' (the same demo links on every machine).
    people = PeopleFactory(random.Random(NOMINATIONS_SEED))  # noqa: S311 - demo data, not secrets
    invitations = []
    for name, extra, (contact_name, phone, email) in DEMO_INVITED:
        unit = _current(units[name])
        taken = confirmed_in_unit(event.id, unit.id)
        invitations.append(
            nominations.invite(
                None, event, unit.id, taken + extra, nominations.Contact(contact_name, phone, email)
            )
        )
        invitations[-1].token = people.manage_token()
    for person in DEMO_NOMINEES:
        registered = nominations.nominate(invitations[0], person, "vi")
        registration = db.session.get(Registration, registered.id)
        assert registration is not None  # inserted a moment ago
        registration.manage_token = people.manage_token()
        registration.checkin_code = people.checkin_code()
    db.session.flush()


def _course_day(today: date) -> date:
    """A Tuesday, Wednesday or Thursday four to five weeks after ``today``."""
    day = today + timedelta(weeks=UPCOMING_WEEKS_AHEAD)
    while day.weekday() not in (1, 2, 3):
        day += timedelta(days=1)
    return day


def _free_slug(slug: str) -> str:
    candidate, n = slug, 1
    while db.session.scalar(select(Event.id).where(Event.slug == candidate)) is not None:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def _utc(day: date, at: time) -> datetime:
    """Local wall-clock ``day`` ``at`` as a naive UTC instant."""
    return local_to_utc(datetime.combine(day, at))
