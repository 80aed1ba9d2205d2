"""Personal data after a course (Decree 13/2023/ND-CP): anonymising a finished course."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

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


def anonymise_event(event: Event, actor: User | None) -> int:
    """Remove names, phones, e-mails and years of birth of a finished course's participants.

    Units, positions, genders, statuses and attendance stay, so reports still add up. Manage links
    stop working. Returns the number of registrations changed; a second run changes nothing.
    """
    if event.end_date >= local_today():
        raise AnonymiseError("only a course that has ended can be anonymised")
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.anonymised_at.is_(None))
        .order_by(Registration.id)
    ).all()
    now = utcnow()
    for number, registration in enumerate(registrations, start=1):
        label = f"Học viên {registration.id}"
        registration.full_name = label
        registration.search_name = label.lower()
        registration.sort_key = f"{number:08d}"
        registration.phone = None
        registration.email = None
        registration.birth_year = None
        registration.manage_token = secrets.token_urlsafe(32)
        registration.anonymised_at = now
    event.anonymised_at = event.anonymised_at or now
    record(
        actor,
        "event.anonymise",
        event,
        event_id=event.id,
        details={"registrations": len(registrations)},
    )
    return len(registrations)
