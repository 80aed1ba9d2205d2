"""Anonymising personal data (Law 91/2025/QH15, Decree 356/2025/ND-CP): one person, or a whole
finished course."""

from __future__ import annotations

import secrets
from datetime import datetime
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
    for registration in registrations:
        anonymise_registration(registration, now)
    event.anonymised_at = event.anonymised_at or now
    record(
        actor,
        "event.anonymise",
        event,
        event_id=event.id,
        details={"registrations": len(registrations)},
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
