"""Copying a course onto new dates (agenda and quotas, no registrations). Callers commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import record
from ..auth.models import User
from ..extensions import db
from ..organizations.lookup import current_successor_id
from ..organizations.models import Organization
from .agenda import renumber_lecturers
from .labels import relabel
from .models import Event
from .models import EventSession
from .models import EventStatus
from .models import Quota
from .models import Topic
from .services import EventData
from .services import EventError
from .services import apply_event_data
from .services import check_event
from .services import slug_for
from .services import unique_slug


@dataclass
class CloneData:
    title: str
    start_date: date
    end_date: date
    slug: str = ""
    #: None: :func:`proposed_organizer_id`
    organizer_id: int | None = None


def proposed_organizer_id(source: Event) -> int:
    """The organizing unit a copy of ``source`` gets unless told otherwise: the source's, or,
    if that unit has been retired since, its current successor (a chain followed to its end);
    the source's still when no current successor is known."""
    successor_id = current_successor_id(source.organizer_id)
    if successor_id is None or successor_id == source.organizer_id:
        return source.organizer_id
    successor = db.session.get(Organization, successor_id)
    return successor_id if successor is not None and successor.is_current else source.organizer_id


def clone_event(actor: User | None, source: Event, data: CloneData) -> Event:
    """A draft copy of ``source`` on new dates: agenda (sessions shifted by the same number of
    days, their labels following, topics with their lecturers) and quotas; no registrations, no
    staff. The organizing unit is ``data.organizer_id``, by default :func:`proposed_organizer_id`:
    a current unit, or the source's own even if retired since."""
    organizer_id = data.organizer_id or proposed_organizer_id(source)
    # A successor may already co-organize: it cannot be both.
    co_organizers = [o for o in source.co_organizers if o.id != organizer_id]
    offset = data.start_date - source.start_date
    shifted_opens = source.registration_opens_at + offset if source.registration_opens_at else None
    shifted_closes = (
        source.registration_closes_at + offset if source.registration_closes_at else None
    )
    event_data = EventData(
        title=data.title,
        slug=data.slug,
        start_date=data.start_date,
        end_date=data.end_date,
        capacity=source.capacity,
        organizer_id=organizer_id,
        description=source.description,
        venue=source.venue,
        co_organizer_ids=[o.id for o in co_organizers],
        registration_opens_at=shifted_opens,
        registration_closes_at=shifted_closes,
        waitlist_enabled=source.waitlist_enabled,
        approval_required=source.approval_required,
        retention_months=source.retention_months,
    )
    errors = check_event(event_data, None)
    if organizer_id == source.organizer_id:
        # The copy may keep the source's units even if they have been retired since.
        errors.pop("organizer_id", None)
    late = [s for s in source.sessions if s.date + offset > data.end_date]
    if late and "end_date" not in errors:
        errors["end_date"] = _l(
            "The agenda runs until %(date)s on the new dates; the course cannot end earlier.",
            date=max(s.date + offset for s in late).strftime("%d/%m/%Y"),
        )
    if errors.get("registration_closes_at") or errors.get("registration_opens_at"):
        # A shifted window that does not fit is dropped rather than refused: set it when editing.
        errors.pop("registration_closes_at", None)
        errors.pop("registration_opens_at", None)
        event_data.registration_opens_at = event_data.registration_closes_at = None
    if errors:
        raise EventError(errors)
    event = Event(
        status=EventStatus.DRAFT,
        created_by_id=actor.id if actor else None,
        cloned_from_id=source.id,
    )
    apply_event_data(event, event_data)
    event.slug = data.slug or unique_slug(slug_for(data.title))
    event.co_organizers = co_organizers
    new_sessions: dict[int, EventSession] = {}
    for old in source.sessions:
        copy = EventSession(
            name=relabel(old.name, old.date, old.date + offset),
            date=old.date + offset,
            start_time=old.start_time,
            end_time=old.end_time,
            position=old.position,
        )
        new_sessions[old.id] = copy
        event.sessions.append(copy)
    for old_topic in source.topics:
        event.topics.append(
            Topic(
                title=old_topic.title,
                summary=old_topic.summary,
                position=old_topic.position,
                session=new_sessions.get(old_topic.session_id) if old_topic.session_id else None,
                lecturers=list(old_topic.lecturers),
            )
        )
    for quota in source.quotas:
        event.quotas.append(Quota(organization_id=quota.organization_id, seats=quota.seats))
    db.session.add(event)
    db.session.flush()
    renumber_lecturers(event.topics)
    record(
        actor,
        "event.clone",
        event,
        event_id=event.id,
        details={
            "cloned_from_id": [None, source.id],
            "title": [None, event.title],
            "slug": [None, event.slug],
            "organizer_id": [None, event.organizer_id],
            "start_date": [None, str(event.start_date)],
            "end_date": [None, str(event.end_date)],
            "sessions": [None, len(event.sessions)],
            "topics": [None, len(event.topics)],
            "quotas": [None, len(event.quotas)],
        },
    )
    return event


def event_for_clone(event_id: int) -> Select[Event]:
    """The course with everything a clone copies, loaded in a fixed number of queries."""
    return (
        select(Event)
        .where(Event.id == event_id)
        .execution_options(populate_existing=True)
        .options(
            selectinload(Event.co_organizers),
            selectinload(Event.sessions),
            selectinload(Event.topics).selectinload(Topic.lecturers),
            selectinload(Event.quotas),
        )
    )
