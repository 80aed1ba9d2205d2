"""Registration rules: the one home of capacity, quota, waiting list and duplicates."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from ..events.models import Event
from ..extensions import db
from .models import Registration
from .models import RegistrationStatus


def count_confirmed(event: Event) -> int:
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
