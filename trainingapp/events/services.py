"""Course queries and verbs: the public listings, and creating, editing and moving a course
through its statuses. The agenda, quotas, staff and cloning have modules of their own
(:mod:`.agenda`, :mod:`.quotas`, :mod:`.staffing`, :mod:`.cloning`). Callers commit."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from typing import Protocol

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from slugify import slugify
from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import changes
from ..audit.services import record
from ..auth.models import User
from ..common.errors import DomainError
from ..common.text import clean
from ..common.time import local_to_utc
from ..common.time import local_today
from ..common.time import to_local
from ..common.time import utcnow
from ..extensions import db
from ..lecturers.models import Lecturer
from ..organizations.models import Organization

# The one import from a higher layer (docs/architecture.md): seat counts for the capacity check.
from ..registration.seats import count_confirmed
from ..registration.seats import has_registrations
from .locking import CourseGone
from .locking import lock_event
from .models import Event
from .models import EventSession
from .models import EventStatus
from .models import Topic
from .rescheduling import move_refusals
from .rescheduling import shift_sessions

PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CLOSED)


def upcoming_public_events() -> Select[Event]:
    """Published or closed courses that have not ended, soonest first."""
    return (
        select(Event)
        .where(Event.status.in_(PUBLIC_STATUSES), Event.end_date >= local_today())
        .order_by(Event.start_date, Event.id)
        .options(selectinload(Event.organizer))  # shown on every card: no query per course
    )


def past_public_events() -> Select[Event]:
    """Public courses that have ended (archived ones included), latest first."""
    return (
        select(Event)
        .where(
            Event.status.in_((*PUBLIC_STATUSES, EventStatus.ARCHIVED)),
            Event.end_date < local_today(),
        )
        .order_by(Event.start_date.desc(), Event.id.desc())
        .options(selectinload(Event.organizer))
    )


def public_event_by_slug(slug: str) -> Select[Event]:
    """The course with its agenda loaded in a fixed number of queries."""
    return (
        select(Event)
        .where(Event.slug == slug, Event.status.in_((*PUBLIC_STATUSES, EventStatus.ARCHIVED)))
        .options(
            selectinload(Event.organizer),
            selectinload(Event.co_organizers),
            selectinload(Event.sessions)
            .selectinload(EventSession.topics)
            .selectinload(Topic.lecturers)
            .selectinload(Lecturer.organization),
            selectinload(Event.topics)
            .selectinload(Topic.lecturers)
            .selectinload(Lecturer.organization),
        )
    )


class RegistrationWindow(Protocol):
    """What :func:`registration_is_open` reads: a course, or a row of these columns."""

    @property
    def status(self) -> EventStatus: ...
    @property
    def start_date(self) -> date: ...
    @property
    def registration_opens_at(self) -> datetime | None: ...
    @property
    def registration_closes_at(self) -> datetime | None: ...


def registration_is_open(event: RegistrationWindow, now: datetime | None = None) -> bool:
    """Published, before the course starts, and inside the registration window if one is set."""
    moment = now or utcnow()
    if event.status != EventStatus.PUBLISHED or event.start_date < local_today():
        return False
    if event.registration_opens_at and moment < event.registration_opens_at:
        return False
    return not (event.registration_closes_at and moment >= event.registration_closes_at)


# --- Managing courses -------------------------------------------------------------------------

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX_LENGTH = 120
CAPACITY_MAX = 100_000
#: a course's own retention period (``Event.retention_months``), in months
RETENTION_MONTHS_MAX = 240

EVENT_FIELDS = [
    "title",
    "slug",
    "description",
    "organizer_id",
    "venue",
    "start_date",
    "end_date",
    "registration_opens_at",
    "registration_closes_at",
    "capacity",
    "waitlist_enabled",
    "approval_required",
    "retention_months",
]

#: status -> statuses it may move to (published -> draft only while it has no registrations)
TRANSITIONS: dict[EventStatus, tuple[EventStatus, ...]] = {
    EventStatus.DRAFT: (EventStatus.PUBLISHED,),
    EventStatus.PUBLISHED: (EventStatus.CLOSED, EventStatus.DRAFT),
    EventStatus.CLOSED: (EventStatus.ARCHIVED, EventStatus.PUBLISHED),
    EventStatus.ARCHIVED: (),
}


class EventError(DomainError):
    """A course rule refused a change."""


@dataclass
class EventData:
    """A course's editable fields; the registration window as naive UTC instants."""

    title: str
    start_date: date
    end_date: date
    capacity: int
    organizer_id: int
    slug: str = ""
    description: str = ""
    co_organizer_ids: list[int] = field(default_factory=list)
    venue: str = ""
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    waitlist_enabled: bool = True
    approval_required: bool = False
    #: None: the RETENTION_MONTHS setting
    retention_months: int | None = None


def jsonable(value: Any) -> Any:
    """A value as the audit log stores it: JSON scalars as they are, anything else as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def slug_for(title: str) -> str:
    """The title without accents, as an address part: ``Tập huấn 2023`` -> ``tap-huan-2023``."""
    slug = slugify(clean(title), max_length=SLUG_MAX_LENGTH - 10, word_boundary=True)
    return slug or "course"


def unique_slug(base: str, exclude_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever no other course uses (one query)."""
    query = select(Event.slug).where((Event.slug == base) | Event.slug.like(f"{base}-%"))
    if exclude_id is not None:
        query = query.where(Event.id != exclude_id)
    taken = set(db.session.scalars(query))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


#: the course form's choice to move the sessions with the course (named in its refusals)
MOVE_SESSIONS_LABEL = _l("Move the sessions with the new dates")

NO_SHIFT = timedelta(0)


def course_starts_at(
    event_start: date, sessions: list[EventSession], shift: timedelta = NO_SHIFT
) -> datetime:
    """The instant (naive UTC) the course begins: its first session on the first day, or the
    start of that day when no session is planned yet. ``shift``: the sessions as they would be
    once moved by that many days."""
    times = [s.start_time for s in sessions if s.date + shift == event_start]
    return local_to_utc(datetime.combine(event_start, min(times) if times else time.min))


def check_event(
    data: EventData, event: Event | None, session_shift: timedelta | None = None
) -> dict[str, Any]:
    """Every rule of a course's fields at once, as {field: message}. ``session_shift``: the
    sessions are to move by that many days with the course (``None``: they stay)."""
    shift = session_shift or NO_SHIFT
    errors: dict[str, Any] = {}
    if not clean(data.title):
        errors["title"] = _l("Enter the course title.")
    if data.slug and (not SLUG_PATTERN.fullmatch(data.slug) or len(data.slug) > SLUG_MAX_LENGTH):
        errors["slug"] = _l(
            "Use only lower-case letters without accents, digits and single hyphens "
            "(at most %(max)d characters).",
            max=SLUG_MAX_LENGTH,
        )
    elif data.slug:
        taken = select(Event.id).where(Event.slug == data.slug)
        if event is not None:
            taken = taken.where(Event.id != event.id)
        if db.session.scalar(taken) is not None:
            errors["slug"] = _l("Another course already uses this address.")
    if data.end_date < data.start_date:
        errors["end_date"] = _l("The course cannot end before it starts.")
    if data.capacity <= 0:
        errors["capacity"] = _l("The capacity must be at least 1.")
    elif data.capacity > CAPACITY_MAX:
        errors["capacity"] = _l("The capacity can be at most %(max)d.", max=CAPACITY_MAX)
    elif event is not None and event.id is not None:
        confirmed = count_confirmed(event.id)
        if data.capacity < confirmed:
            errors["capacity"] = lazy_ngettext(
                "%(num)d participant is already confirmed; the capacity cannot be lower.",
                "%(num)d participants are already confirmed; the capacity cannot be lower.",
                confirmed,
            )
    months = data.retention_months
    if months is not None and not 1 <= months <= RETENTION_MONTHS_MAX:
        errors["retention_months"] = _l(
            "The retention period must be between %(min)s and %(max)s months.",
            min=1,
            max=RETENTION_MONTHS_MAX,
        )
    organizer = db.session.get(Organization, data.organizer_id)
    current_organizer = event.organizer_id if event is not None else None
    if organizer is None or (not organizer.is_current and organizer.id != current_organizer):
        errors["organizer_id"] = _l("Choose the organizing unit from the list.")
    if data.organizer_id in data.co_organizer_ids:
        errors["co_organizer_ids"] = _l("The organizing unit cannot also be a co-organizer.")
    sessions = list(event.sessions) if event is not None else []
    outside = sorted(
        {s.date + shift for s in sessions if not data.start_date <= s.date + shift <= data.end_date}
    )
    if outside and "end_date" not in errors:
        dates = ", ".join(d.strftime("%d/%m/%Y") for d in outside)
        if session_shift is not None:
            errors["start_date"] = _l(
                "Moved with the course, sessions would fall on %(dates)s, outside these dates. "
                "Change the end date, or move or delete those sessions first.",
                dates=dates,
            )
        elif event is not None and data.start_date != event.start_date:
            errors["start_date"] = _l(
                "Sessions are planned on %(dates)s, outside these dates. Tick “%(option)s” to "
                "move every session by as many days as the start date moves, or move or delete "
                "them first.",
                dates=dates,
                option=MOVE_SESSIONS_LABEL,
            )
        else:
            errors["start_date"] = _l(
                "Sessions are planned on %(dates)s, outside these dates. Move or delete them first.",
                dates=dates,
            )
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and opens >= closes:
        errors["registration_opens_at"] = _l("Registration must open before it closes.")
    if closes and "end_date" not in errors:
        starts = course_starts_at(data.start_date, sessions, shift)
        if closes > starts:
            errors["registration_closes_at"] = _l(
                "Registration must close before the course starts (%(start)s).",
                start=to_local(starts).strftime("%d/%m/%Y %H:%M"),
            )
    elif (
        opens
        and "end_date" not in errors
        and opens > course_starts_at(data.start_date, sessions, shift)
    ):
        errors["registration_opens_at"] = _l("Registration must open before the course starts.")
    return errors


def _co_organizers(ids: list[int], event: Event | None) -> list[Organization]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {
        o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(wanted)))
    }
    kept = {o.id for o in event.co_organizers} if event is not None else set()
    if any(i not in found or (not found[i].is_current and i not in kept) for i in wanted):
        raise EventError(_l("Choose the co-organizers from the list."), "co_organizer_ids")
    return [found[i] for i in wanted]


def apply_event_data(event: Event, data: EventData) -> None:
    """Copy the editable fields onto ``event`` (no checks: :func:`check_event` first)."""
    event.title = clean(data.title)
    event.description = (data.description or "").strip()
    event.organizer_id = data.organizer_id
    event.venue = clean(data.venue)
    event.start_date = data.start_date
    event.end_date = data.end_date
    event.registration_opens_at = data.registration_opens_at
    event.registration_closes_at = data.registration_closes_at
    event.capacity = data.capacity
    event.waitlist_enabled = data.waitlist_enabled
    event.approval_required = data.approval_required
    event.retention_months = data.retention_months


def create_event(actor: User | None, data: EventData) -> Event:
    """A new draft course; its creator becomes its organizer."""
    errors = check_event(data, None)
    if errors:
        raise EventError(errors)
    co_organizers = _co_organizers(data.co_organizer_ids, None)
    event = Event(status=EventStatus.DRAFT, created_by_id=actor.id if actor else None)
    apply_event_data(event, data)
    event.slug = data.slug or unique_slug(slug_for(data.title))
    event.co_organizers = co_organizers
    db.session.add(event)
    db.session.flush()
    record(
        actor,
        "event.create",
        event,
        event_id=event.id,
        details={f: [None, jsonable(getattr(event, f))] for f in EVENT_FIELDS}
        | {"co_organizer_ids": [None, [o.id for o in co_organizers]]},
    )
    return event


def locked_event(event_id: int) -> Event:
    """The course, locked (``locking.lock_event``) for a change; :class:`EventError` if gone."""
    try:
        return lock_event(event_id)
    except CourseGone:
        raise EventError(_l("This course no longer exists.")) from None


def update_event(
    actor: User | None, event: Event, data: EventData, *, move_sessions: bool = False
) -> Event:
    """Change a course's fields. The course row is locked so that lowering the capacity cannot
    race with registrations being confirmed, nor a check-in with its sessions moving.

    ``move_sessions``: every session moves by as many days as the start date (their labels
    follow, :mod:`.labels`), and so does a nomination deadline still ahead, in this same unit of
    work; refused once a package above says a session cannot move (attendance taken,
    :mod:`.rescheduling`)."""
    event = locked_event(event.id)
    days = data.start_date - event.start_date
    moving = bool(move_sessions and days and event.sessions)
    if moving:
        refusals = move_refusals(event.id)
        if refusals:
            raise EventError({"move_sessions": " ".join(str(reason) for reason in refusals)})
    errors = check_event(data, event, days if moving else None)
    if errors:
        raise EventError(errors)
    co_organizers = _co_organizers(data.co_organizer_ids, event)
    before = {f: getattr(event, f) for f in EVENT_FIELDS}
    before_co = [o.id for o in event.co_organizers]
    apply_event_data(event, data)
    event.slug = data.slug or unique_slug(slug_for(data.title), exclude_id=event.id)
    event.co_organizers = co_organizers
    deadline_before = event.nominations_close_at
    if moving:
        shift_sessions(actor, event, days)
        # Units' nomination deadline moves with the course while it is still ahead (a passed
        # one has already given the held seats away).
        if deadline_before is not None and deadline_before > utcnow():
            event.nominations_close_at = deadline_before + days
    details = changes(event, EVENT_FIELDS, before)
    if event.nominations_close_at != deadline_before:
        details["nominations_close_at"] = [
            jsonable(deadline_before),
            jsonable(event.nominations_close_at),
        ]
    after_co = [o.id for o in co_organizers]
    if before_co != after_co:
        details["co_organizer_ids"] = [before_co, after_co]
    db.session.flush()
    if details:
        record(actor, "event.update", event, event_id=event.id, details=details)
    return event


def allowed_transitions(event: Event) -> tuple[EventStatus, ...]:
    """The moves offered for this course: back to draft only while nobody has registered."""
    moves = TRANSITIONS[event.status]
    if EventStatus.DRAFT in moves and has_registrations(event.id):
        return tuple(move for move in moves if move != EventStatus.DRAFT)
    return moves


class PublishNotConfirmed(EventError):  # noqa: N818  (like the other refusals)
    """Publishing a course that has already started, or whose registration has closed, needs
    the organizer's confirmation (``confirm_past``)."""


def publish_warnings(event: RegistrationWindow, now: datetime | None = None) -> list[Any]:
    """Why publishing this course now may be a mistake: it has already started, or its
    registration window has already closed (empty: nothing to confirm)."""
    warnings: list[Any] = []
    if event.start_date < local_today():
        warnings.append(
            _l(
                "The course started on %(date)s, in the past.",
                date=event.start_date.strftime("%d/%m/%Y"),
            )
        )
    closes = event.registration_closes_at
    if closes is not None and closes <= (now or utcnow()):
        warnings.append(
            _l(
                "Registration closed on %(moment)s: nobody will be able to register.",
                moment=to_local(closes).strftime("%d/%m/%Y %H:%M"),
            )
        )
    return warnings


def change_status(
    actor: User | None, event: Event, status: EventStatus, *, confirm_past: bool = False
) -> Event:
    """Move a course along draft -> published -> closed -> archived (or reopen, or unpublish
    a course nobody registered for yet). Locks the course, so that nobody registers while it
    goes back to draft. Publishing a course that :func:`publish_warnings` warns about is
    refused (:class:`PublishNotConfirmed`) unless ``confirm_past``."""
    event = locked_event(event.id)
    if status not in TRANSITIONS[event.status]:
        raise EventError(_l("A course cannot move from this status to that one."), "status")
    if status == EventStatus.PUBLISHED and not confirm_past and publish_warnings(event):
        raise PublishNotConfirmed(
            _l("This course's dates or registration window are already past: confirm to publish."),
            "confirm_past",
        )
    if status == EventStatus.DRAFT and has_registrations(event.id):
        raise EventError(
            _l("Participants have already registered; the course cannot go back to draft."),
            "status",
        )
    before = event.status
    event.status = status
    db.session.flush()
    record(
        actor,
        "event.status",
        event,
        event_id=event.id,
        details={"status": [before.value, status.value]},
    )
    return event
