"""Seats a course reserves for units (quotas). Callers commit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func
from sqlalchemy import select

from ..audit.services import changes
from ..audit.services import record
from ..auth.models import User
from ..events.models import Event
from ..events.models import Quota
from ..events.services import CAPACITY_MAX
from ..events.services import EventError
from ..events.services import locked_event
from ..extensions import db
from ..organizations.models import Organization
from .seats import confirmed_in_unit


def set_quota(actor: User | None, event: Event, organization_id: int, seats: int) -> Quota:
    """Reserve ``seats`` for a unit (a new quota, or a change of its existing one). Locks the
    course so that no registration of that unit is confirmed meanwhile."""
    event = locked_event(event.id)
    organization = db.session.get(Organization, organization_id)
    quota = db.session.scalar(
        select(Quota).where(Quota.event_id == event.id, Quota.organization_id == organization_id)
    )
    if organization is None or (quota is None and not organization.is_current):
        raise EventError(_l("Choose the unit from the list."), "organization_id")
    if seats < 0:
        raise EventError(_l("The number of seats cannot be negative."), "seats")
    if seats > CAPACITY_MAX:
        raise EventError(
            _l("The number of seats can be at most %(max)d.", max=CAPACITY_MAX), "seats"
        )
    confirmed = confirmed_in_unit(event.id, organization_id)
    if seats < confirmed:
        raise EventError(
            lazy_ngettext(
                "%(num)d participant of this unit is already confirmed; the quota cannot be lower.",
                "%(num)d participants of this unit are already confirmed; the quota cannot be lower.",
                confirmed,
            ),
            "seats",
        )
    if quota is None:
        quota = Quota(event_id=event.id, organization_id=organization_id, seats=seats)
        db.session.add(quota)
        db.session.flush()
        record(
            actor,
            "quota.create",
            quota,
            event_id=event.id,
            details={"organization_id": [None, organization_id], "seats": [None, seats]},
        )
    elif quota.seats != seats:
        before = {"seats": quota.seats}
        quota.seats = seats
        db.session.flush()
        record(
            actor,
            "quota.update",
            quota,
            event_id=event.id,
            details=changes(quota, ["seats"], before) | {"organization_id": organization_id},
        )
    return quota


def remove_quota(actor: User | None, quota: Quota) -> None:
    record(
        actor,
        "quota.delete",
        quota,
        event_id=quota.event_id,
        details={"organization_id": [quota.organization_id, None], "seats": [quota.seats, None]},
    )
    db.session.delete(quota)
    db.session.flush()


def quota_total(event: Event) -> int:
    return db.session.scalar(select(func.sum(Quota.seats)).where(Quota.event_id == event.id)) or 0
