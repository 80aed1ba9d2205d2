"""Anonymising personal data (Law 91/2025/QH15, Decree 356/2025/ND-CP): one person, or a whole
finished course; and which courses are past their retention period."""

from __future__ import annotations

import secrets
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from ..audit.services import record
from ..common.errors import DomainError
from ..common.time import local_today
from ..common.time import utcnow
from ..events.models import Event
from ..extensions import db
from .models import Registration

if TYPE_CHECKING:
    from ..auth.models import User


class AnonymiseError(DomainError):
    """The course cannot be anonymised (yet)."""


def anonymise_event(
    event: Event,
    actor: User | None,
    *,
    action: str = "event.anonymise",
    details: Mapping[str, Any] | None = None,
) -> int:
    """Remove names, phones, e-mails and years of birth of a finished course's participants.

    Units, positions, genders, statuses and attendance stay, so reports still add up. Manage links
    stop working. Returns the number of registrations changed; a second run changes nothing.
    The audit entry is ``action`` with the number changed and ``details``.
    """
    if event.end_date >= local_today():
        raise AnonymiseError("only a course that has ended can be anonymised")
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))
        .order_by(Registration.id)
    ).all()
    now = utcnow()
    for registration in registrations:
        anonymise_registration(registration, now)
    event.anonymised_at = event.anonymised_at or now
    record(
        actor,
        action,
        event,
        event_id=event.id,
        details={"registrations": len(registrations), **(details or {})},
    )
    return len(registrations)


def anonymise_registration(registration: Registration, now: datetime | None = None) -> None:
    """Remove one participant's name, phone, e-mail and year of birth; nothing else changes.

    Unit, position, gender, status and attendance stay, so the course's figures still add up. The
    manage link stops working. The caller writes the audit entry.
    """
    if registration.anonymised_at is not None:
        return
    label = f"Học viên {registration.id}"
    registration.full_name = label
    registration.search_name = label.lower()
    # Numbered by id, so anonymised rows keep a stable order among themselves.
    registration.sort_key = f"{registration.id:08d}"
    registration.phone = None
    registration.email = None
    registration.birth_year = None
    registration.manage_token = secrets.token_urlsafe(32)
    registration.anonymised_at = now or utcnow()


# --- Retention ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionDue:
    """A course past its retention period whose personal data is still held."""

    event_id: int
    slug: str
    title: str
    end_date: date
    #: the course's own period, or the default
    months: int
    #: the first day past the period: the day after ``end_date`` plus ``months``
    due_on: date
    #: registrations still holding a name, phone or e-mail
    registrations: int


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months; past the end of the month it lands in, that month's
    last day (31/01 + 1 month = 28/02, or 29/02 in a leap year)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def retention_due_on(end_date: date, months: int) -> date:
    """The first day a course that ended on ``end_date`` is past a ``months``-month period."""
    return add_months(end_date, months) + timedelta(days=1)


def courses_past_retention(default_months: int, today: date | None = None) -> list[RetentionDue]:
    """The courses that ended more than their retention period ago (``Event.retention_months``,
    or ``default_months``) and are not anonymised yet, or still have registrations that are not;
    by end date. ``today`` is the local date (Asia/Ho_Chi_Minh) unless given."""
    today = today or local_today()
    held = (
        select(Registration.event_id, func.count().label("count"))
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.anonymised_at.is_(None), Event.end_date < today)
        .group_by(Registration.event_id)
        .subquery()
    )
    # Every retention period is at least a month: a course that ended since is never due.
    rows = db.session.execute(
        select(
            Event.id,
            Event.slug,
            Event.title,
            Event.end_date,
            Event.retention_months,
            func.coalesce(held.c.count, 0),
        )
        .outerjoin(held, held.c.event_id == Event.id)
        .where(Event.end_date < today, or_(Event.anonymised_at.is_(None), held.c.count > 0))
        .order_by(Event.end_date, Event.id)
    ).all()
    due = []
    for event_id, slug, title, end_date, own_months, count in rows:
        months = own_months if own_months is not None else default_months
        due_on = retention_due_on(end_date, months)
        if due_on <= today:
            due.append(RetentionDue(event_id, slug, title, end_date, months, due_on, count))
    return due


def retention_due(event: Event, default_months: int, today: date | None = None) -> bool:
    """Whether ``event`` is past its retention period with personal data still held (the check
    :func:`courses_past_retention` makes, for one course already loaded, e.g. under its lock)."""
    today = today or local_today()
    months = event.retention_months if event.retention_months is not None else default_months
    if retention_due_on(event.end_date, months) > today:
        return False
    if event.anonymised_at is None:
        return True
    held = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))
    )
    return bool(held)
