"""Dashboard figures as grouped queries: each function runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from ..attendance.models import Attendance
from ..common.text import fold
from ..events.models import EventSession
from ..events.models import Quota
from ..extensions import db
from ..organizations.models import Organization
from ..registration.models import Registration
from ..registration.models import RegistrationStatus


def registration_counts(event_id: int) -> dict[RegistrationStatus, int]:
    """Registrations of a course per status, every status present (0 when none). One query."""
    counts = dict.fromkeys(RegistrationStatus, 0)
    rows = db.session.execute(
        select(Registration.status, func.count(Registration.id))
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    )
    for status, count in rows:
        counts[RegistrationStatus(status)] = count
    return counts


def confirmed_by_event(event_ids: list[int]) -> dict[int, int]:
    """Confirmed registrations per course, for a page of courses. One query."""
    if not event_ids:
        return {}
    rows = db.session.execute(
        select(Registration.event_id, func.count(Registration.id))
        .where(
            Registration.event_id.in_(event_ids),
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.event_id)
    )
    return {event_id: count for event_id, count in rows}


@dataclass(frozen=True)
class QuotaUse:
    quota_id: int
    organization_id: int
    organization_name: str
    seats: int
    confirmed: int

    @property
    def left(self) -> int:
        return max(self.seats - self.confirmed, 0)


def quota_use(event_id: int) -> list[QuotaUse]:
    """Each quota of a course against its unit's confirmed registrations, by unit name.
    One query."""
    confirmed = (
        select(Registration.organization_id, func.count(Registration.id).label("n"))
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .group_by(Registration.organization_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Quota.id, Quota.organization_id, Organization.name, Quota.seats, confirmed.c.n)
        .join(Organization, Organization.id == Quota.organization_id)
        .outerjoin(confirmed, confirmed.c.organization_id == Quota.organization_id)
        .where(Quota.event_id == event_id)
    )
    uses = [
        QuotaUse(quota_id, org_id, name, seats, n or 0) for quota_id, org_id, name, seats, n in rows
    ]
    return sorted(uses, key=lambda use: fold(use.organization_name))


def attendance_by_session(event_id: int) -> dict[int, int]:
    """Participants checked in per session of a course (sessions without any: 0). One query."""
    rows = db.session.execute(
        select(EventSession.id, func.count(Attendance.id))
        .outerjoin(Attendance, Attendance.session_id == EventSession.id)
        .where(EventSession.event_id == event_id)
        .group_by(EventSession.id)
    )
    return {session_id: count for session_id, count in rows}
