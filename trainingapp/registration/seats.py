"""Seats of a course: how many are confirmed, in all and per unit, against capacity and quotas.

The numbers are only true while the caller holds the course lock (``services.lock_event`` or
``register``'s own), until it commits.
"""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select

from ..events.models import Event
from ..events.models import Quota
from ..extensions import db
from .models import Registration
from .models import RegistrationStatus


def count_confirmed(event: Event) -> int:
    """Confirmed registrations of the course (the number the capacity is measured against)."""
    return (
        db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        or 0
    )


def seats_left(event: Event) -> int:
    return max(event.capacity - count_confirmed(event), 0)


class Seats:
    """Confirmed seats of a course per unit, and its quotas: two queries, then counted in memory.

    Build it only while holding the course lock, so the numbers stay true until commit.
    """

    def __init__(self, event: Event) -> None:
        self.capacity = event.capacity
        rows = db.session.execute(
            select(Registration.organization_id, func.count(Registration.id))
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .group_by(Registration.organization_id)
        ).all()
        self.per_unit: dict[int | None, int] = {org_id: count for org_id, count in rows}
        self.total = sum(self.per_unit.values())
        self.quotas: dict[int, int] = {
            org_id: seats
            for org_id, seats in db.session.execute(
                select(Quota.organization_id, Quota.seats).where(Quota.event_id == event.id)
            ).all()
        }

    def fits(self, organization_id: int | None) -> bool:
        """A free seat in the course and in the unit's quota (a unit without one: course only)."""
        if self.total >= self.capacity:
            return False
        quota = self.quotas.get(organization_id) if organization_id is not None else None
        return quota is None or self.per_unit.get(organization_id, 0) < quota

    def take(self, organization_id: int | None) -> None:
        self.total += 1
        self.per_unit[organization_id] = self.per_unit.get(organization_id, 0) + 1


_CONFIRMED = (Registration.event_id == bindparam("event_id")) & (
    Registration.status == RegistrationStatus.CONFIRMED
)
_QUOTA = (
    select(Quota.seats)
    .where(
        Quota.event_id == bindparam("event_id"),
        Quota.organization_id == bindparam("organization_id"),
    )
    .scalar_subquery()
)
_SEATS_TAKEN = select(
    select(func.count()).where(_CONFIRMED).scalar_subquery().label("total"),
    # Counted only for a unit that has a quota (most have none): a count is a scan.
    select(func.count())
    .where(
        _CONFIRMED,
        Registration.organization_id == bindparam("organization_id"),
        _QUOTA.is_not(None),
    )
    .scalar_subquery()
    .label("of_unit"),
    _QUOTA.label("quota"),
)


def fits(event_id: int, capacity: int, organization_id: int | None) -> bool:
    """One query: a free seat in the course and in the unit's quota (a unit without one: course
    only). The caller holds the course lock."""
    seats = (
        db.session.connection()
        .execute(_SEATS_TAKEN, {"event_id": event_id, "organization_id": organization_id})
        .one()
    )
    if seats.total >= capacity:
        return False
    return organization_id is None or seats.quota is None or seats.of_unit < seats.quota
