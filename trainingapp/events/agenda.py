"""A course's agenda: its sessions and its topics (with their lecturers). Callers commit."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from ..audit.services import changes
from ..audit.services import record
from ..auth.models import User
from ..common.text import clean
from ..extensions import db
from ..lecturers.models import Lecturer
from ..lecturers.models import topic_lecturers
from ..organizations.models import Organization
from .labels import relabel
from .models import Event
from .models import EventSession
from .models import Topic
from .services import EventError
from .services import jsonable

# --- Sessions -----------------------------------------------------------------------------------

SESSION_FIELDS = ["name", "date", "start_time", "end_time"]


@dataclass
class SessionData:
    name: str
    date: date
    start_time: time
    end_time: time


def _check_session(event: Event, data: SessionData) -> None:
    errors: dict[str, Any] = {}
    if not clean(data.name):
        errors["name"] = _l("Enter the session name.")
    if not event.start_date <= data.date <= event.end_date:
        errors["date"] = _l(
            "The date must be within the course dates (%(start)s – %(end)s).",
            start=event.start_date.strftime("%d/%m/%Y"),
            end=event.end_date.strftime("%d/%m/%Y"),
        )
    if data.end_time <= data.start_time:
        errors["end_time"] = _l("The session must end after it starts.")
    if errors:
        raise EventError(errors)


def add_session(actor: User | None, event: Event, data: SessionData) -> EventSession:
    _check_session(event, data)
    last = db.session.scalar(
        select(func.max(EventSession.position)).where(EventSession.event_id == event.id)
    )
    event_session = EventSession(
        event_id=event.id,
        name=clean(data.name),
        date=data.date,
        start_time=data.start_time,
        end_time=data.end_time,
        position=(last or 0) + 1,
    )
    db.session.add(event_session)
    db.session.flush()
    record(
        actor,
        "session.create",
        event_session,
        event_id=event.id,
        details={f: [None, jsonable(getattr(event_session, f))] for f in SESSION_FIELDS},
    )
    return event_session


def update_session(
    actor: User | None, event_session: EventSession, data: SessionData
) -> EventSession:
    """Change a session; a date in its name that was its old date follows the new one
    (:func:`.labels.relabel`), so "Sáng 16/08" moved to the 17th reads "Sáng 17/08"."""
    _check_session(event_session.event, data)
    before = {f: getattr(event_session, f) for f in SESSION_FIELDS}
    event_session.name = relabel(clean(data.name), event_session.date, data.date)
    event_session.date = data.date
    event_session.start_time = data.start_time
    event_session.end_time = data.end_time
    details = changes(event_session, SESSION_FIELDS, before)
    db.session.flush()
    if details:
        record(
            actor, "session.update", event_session, event_id=event_session.event_id, details=details
        )
    return event_session


def delete_session(actor: User | None, event_session: EventSession) -> None:
    """Remove a session (its attendance rows go with it: call it through
    ``attendance.services.delete_session``, which refuses once attendance has been taken). Its
    topics stay on the course, without a session."""
    for topic in db.session.scalars(select(Topic).where(Topic.session_id == event_session.id)):
        topic.session_id = None
    record(
        actor,
        "session.delete",
        event_session,
        event_id=event_session.event_id,
        details={f: [jsonable(getattr(event_session, f)), None] for f in SESSION_FIELDS},
    )
    db.session.delete(event_session)
    db.session.flush()


# --- Topics -------------------------------------------------------------------------------------

TOPIC_FIELDS = ["title", "summary", "session_id"]


@dataclass
class TopicData:
    title: str
    summary: str = ""
    session_id: int | None = None
    lecturer_ids: list[int] = field(default_factory=list)


def _check_topic(event: Event, data: TopicData) -> list[Lecturer]:
    errors: dict[str, Any] = {}
    if not clean(data.title):
        errors["title"] = _l("Enter the topic title.")
    if data.session_id is not None:
        owner = db.session.scalar(
            select(EventSession.event_id).where(EventSession.id == data.session_id)
        )
        if owner != event.id:
            errors["session_id"] = _l("Choose a session of this course.")
    wanted = list(dict.fromkeys(data.lecturer_ids))
    found = {
        lecturer.id: lecturer
        for lecturer in db.session.scalars(select(Lecturer).where(Lecturer.id.in_(wanted)))
    }
    if len(found) != len(wanted):
        errors["lecturer_ids"] = _l("Choose the lecturers from the list.")
    if errors:
        raise EventError(errors)
    return [found[i] for i in wanted]


def renumber_lecturers(topics: list[Topic]) -> None:
    """Keep the lecturers of each topic in the order they were chosen."""
    for topic in topics:
        for index, lecturer in enumerate(topic.lecturers):
            db.session.execute(
                update(topic_lecturers)
                .where(
                    topic_lecturers.c.topic_id == topic.id,
                    topic_lecturers.c.lecturer_id == lecturer.id,
                )
                .values(position=index)
            )


def add_topic(actor: User | None, event: Event, data: TopicData) -> Topic:
    lecturers = _check_topic(event, data)
    last = db.session.scalar(select(func.max(Topic.position)).where(Topic.event_id == event.id))
    topic = Topic(
        event_id=event.id,
        title=clean(data.title),
        summary=(data.summary or "").strip(),
        session_id=data.session_id,
        position=(last or 0) + 1,
        lecturers=lecturers,
    )
    db.session.add(topic)
    db.session.flush()
    renumber_lecturers([topic])
    record(
        actor,
        "topic.create",
        topic,
        event_id=event.id,
        details={f: [None, getattr(topic, f)] for f in TOPIC_FIELDS}
        | {"lecturer_ids": [None, [lecturer.id for lecturer in lecturers]]},
    )
    return topic


def update_topic(actor: User | None, topic: Topic, data: TopicData) -> Topic:
    lecturers = _check_topic(topic.event, data)
    before = {f: getattr(topic, f) for f in TOPIC_FIELDS}
    before_lecturers = [lecturer.id for lecturer in topic.lecturers]
    if data.session_id != topic.session_id:
        last = db.session.scalar(
            select(func.max(Topic.position)).where(Topic.event_id == topic.event_id)
        )
        topic.position = (last or 0) + 1  # joins its new session at the end
    topic.title = clean(data.title)
    topic.summary = (data.summary or "").strip()
    topic.session_id = data.session_id
    topic.lecturers = lecturers
    db.session.flush()
    renumber_lecturers([topic])
    details = changes(topic, TOPIC_FIELDS, before)
    after_lecturers = [lecturer.id for lecturer in lecturers]
    if after_lecturers != before_lecturers:
        details["lecturer_ids"] = [before_lecturers, after_lecturers]
    if details:
        record(actor, "topic.update", topic, event_id=topic.event_id, details=details)
    return topic


def delete_topic(actor: User | None, topic: Topic) -> None:
    record(
        actor,
        "topic.delete",
        topic,
        event_id=topic.event_id,
        details={f: [getattr(topic, f), None] for f in TOPIC_FIELDS},
    )
    db.session.delete(topic)
    db.session.flush()


def move_topic(actor: User | None, topic: Topic, direction: str) -> bool:
    """Swap the topic with its neighbour in the same session; False when it is already first
    (``up``) or last (``down``)."""
    topics = list(
        db.session.scalars(
            select(Topic).where(Topic.event_id == topic.event_id).order_by(Topic.position, Topic.id)
        )
    )
    for index, each in enumerate(topics, start=1):
        each.position = index  # make positions distinct before swapping
    siblings = [t for t in topics if t.session_id == topic.session_id]
    index = siblings.index(topic)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(siblings):
        return False
    other = siblings[other_index]
    before = topic.position
    topic.position, other.position = other.position, topic.position
    db.session.flush()
    record(
        actor,
        "topic.move",
        topic,
        event_id=topic.event_id,
        details={"position": [before, topic.position]},
    )
    return True


# --- The agenda as the public course page shows it ----------------------------------------------


@dataclass(frozen=True)
class AgendaLecturer:
    rank: str
    full_name: str
    position: str
    organization: str


@dataclass
class AgendaTopic:
    title: str
    summary: str
    lecturers: list[AgendaLecturer] = field(default_factory=list)


@dataclass
class AgendaSession:
    name: str
    date: date
    start_time: time
    end_time: time
    topics: list[AgendaTopic] = field(default_factory=list)


@dataclass
class PublicAgenda:
    sessions: list[AgendaSession]
    #: topics of no session yet
    unscheduled: list[AgendaTopic]


def public_agenda(event_id: int) -> PublicAgenda:
    """The course's sessions with their topics and lecturers, in two queries whatever its size
    (one for the sessions, one for the topics joined to their lecturers and units)."""
    sessions: dict[int, AgendaSession] = {}
    for session_row in db.session.execute(
        select(
            EventSession.id,
            EventSession.name,
            EventSession.date,
            EventSession.start_time,
            EventSession.end_time,
        )
        .where(EventSession.event_id == event_id)
        .order_by(
            EventSession.date, EventSession.start_time, EventSession.position, EventSession.id
        )
    ):
        sessions[session_row.id] = AgendaSession(
            session_row.name, session_row.date, session_row.start_time, session_row.end_time
        )
    unscheduled: list[AgendaTopic] = []
    topics: dict[int, AgendaTopic] = {}
    rows = db.session.execute(
        select(
            Topic.id,
            Topic.session_id,
            Topic.title,
            Topic.summary,
            Lecturer.id.label("lecturer_id"),
            Lecturer.rank,
            Lecturer.full_name,
            Lecturer.position,
            Organization.name.label("organization"),
        )
        .outerjoin(topic_lecturers, topic_lecturers.c.topic_id == Topic.id)
        .outerjoin(Lecturer, Lecturer.id == topic_lecturers.c.lecturer_id)
        .outerjoin(Organization, Organization.id == Lecturer.organization_id)
        .where(Topic.event_id == event_id)
        .order_by(Topic.position, Topic.id, topic_lecturers.c.position, Lecturer.id)
    )
    for row in rows:
        topic = topics.get(row.id)
        if topic is None:
            topic = topics[row.id] = AgendaTopic(row.title, row.summary or "")
            owner = sessions.get(row.session_id) if row.session_id is not None else None
            (owner.topics if owner is not None else unscheduled).append(topic)
        if row.lecturer_id is not None:
            topic.lecturers.append(
                AgendaLecturer(
                    row.rank or "", row.full_name, row.position or "", row.organization or ""
                )
            )
    return PublicAgenda(list(sessions.values()), unscheduled)
