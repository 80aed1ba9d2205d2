"""The course lock: the one way to start a unit of work that changes seats or attendance.

SQLite has no row locks: the transaction starts as a writer (``BEGIN IMMEDIATE``, waiting up to
the busy timeout for the database's write lock); PostgreSQL locks the course row with
``SELECT ... FOR UPDATE``. Either way, concurrent requests in several server processes that
change the same course's seats or attendance run one after the other, so a count read under
the lock stays true until commit (SPEC rule 1). Callers commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select

from ..common.dbtx import begin_write
from ..common.dbtx import connection
from ..extensions import db
from .models import Event
from .models import EventStatus

#: what the seat rule and the registration window read of the course, under its lock
_RULE_COLUMNS = (
    Event.id,
    Event.status,
    Event.start_date,
    Event.registration_opens_at,
    Event.registration_closes_at,
    Event.capacity,
    Event.approval_required,
    Event.waitlist_enabled,
    Event.nominations_close_at,
)
# Built once with bind parameters: on the registration hot path building a statement costs
# more than running it.
_BY_ID = select(*_RULE_COLUMNS).where(Event.id == bindparam("key")).with_for_update()
#: the public form knows the course by its slug; a draft is no course to it
_BY_SLUG = (
    select(*_RULE_COLUMNS)
    .where(Event.slug == bindparam("key"), Event.status != EventStatus.DRAFT)
    .with_for_update()
)


class CourseGone(LookupError):  # noqa: N818  (a refusal, like EventFull)
    """The course to lock does not exist (or, by slug, is not public)."""


def lock_course(event_id: int | None = None, *, public_slug: str | None = None) -> Any:
    """Start the writer transaction and lock the course; returns its rule columns (``id``,
    ``status``, ``start_date``, registration window, ``capacity``, ``approval_required``,
    ``waitlist_enabled``, ``nominations_close_at``). Raises :class:`CourseGone` for an unknown course.

    Call before the first query of the unit of work: a transaction that already read (but did
    not write) is started again as a writer (``common.dbtx.begin_write``).
    """
    begin_write(db.session)
    statement, key = (_BY_SLUG, public_slug) if public_slug is not None else (_BY_ID, event_id)
    rules = connection(db.session).execute(statement, {"key": key}).first()
    if rules is None:
        raise CourseGone(key)
    return rules


def lock_event(event_id: int) -> Event:
    """:func:`lock_course`, and the course as an object read again inside the lock."""
    lock_course(event_id)
    event = db.session.get(Event, event_id, populate_existing=True)
    assert event is not None  # locked a moment ago
    return event
