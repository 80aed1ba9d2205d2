"""Course queries and verbs. Callers commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..common.time import local_today
from ..common.time import utcnow
from .models import Event
from .models import EventSession
from .models import EventStatus
from .models import Lecturer
from .models import Topic

PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CLOSED)


def upcoming_public_events() -> Select[tuple[Event]]:
    """Published or closed courses that have not ended, soonest first."""
    return (
        select(Event)
        .where(Event.status.in_(PUBLIC_STATUSES), Event.end_date >= local_today())
        .order_by(Event.start_date, Event.id)
    )


def past_public_events() -> Select[tuple[Event]]:
    """Public courses that have ended (archived ones included), latest first."""
    return (
        select(Event)
        .where(
            Event.status.in_((*PUBLIC_STATUSES, EventStatus.ARCHIVED)),
            Event.end_date < local_today(),
        )
        .order_by(Event.start_date.desc(), Event.id.desc())
    )


def public_event_by_slug(slug: str) -> Select[tuple[Event]]:
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


def registration_is_open(event: Event, now: datetime | None = None) -> bool:
    """Published, before the course starts, and inside the registration window if one is set."""
    moment = now or utcnow()
    if event.status != EventStatus.PUBLISHED or event.start_date < local_today():
        return False
    if event.registration_opens_at and moment < event.registration_opens_at:
        return False
    return not (event.registration_closes_at and moment >= event.registration_closes_at)
