"""Who works on a course: assigning accounts as its organizers or staff. Callers commit."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.services import record
from ..auth.models import User
from ..extensions import db
from .models import Event
from .models import EventStaff
from .models import StaffRole
from .permissions import assignable_roles
from .services import EventError


def assign_staff(actor: User | None, event: Event, user_id: int, role: StaffRole) -> EventStaff:
    """Give an active account a role on this course (or change the role it has)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise EventError(_l("Choose an active account from the list."), "user_id")
    if role not in assignable_roles(user):
        raise EventError(
            _l("A staff account can only be assigned as staff, not as organizer."), "role"
        )
    assignment = db.session.scalar(
        select(EventStaff).where(EventStaff.event_id == event.id, EventStaff.user_id == user.id)
    )
    if assignment is None:
        assignment = EventStaff(event_id=event.id, user_id=user.id, role=role)
        db.session.add(assignment)
        db.session.flush()
        record(
            actor,
            "event_staff.create",
            assignment,
            event_id=event.id,
            details={"user": [None, user.email], "role": [None, role.value]},
        )
    elif assignment.role != role:
        before = assignment.role
        assignment.role = role
        db.session.flush()
        record(
            actor,
            "event_staff.update",
            assignment,
            event_id=event.id,
            details={"user": user.email, "role": [before.value, role.value]},
        )
    return assignment


def remove_staff(actor: User | None, assignment: EventStaff) -> None:
    record(
        actor,
        "event_staff.delete",
        assignment,
        event_id=assignment.event_id,
        details={"user": [assignment.user.email, None], "role": [assignment.role.value, None]},
    )
    db.session.delete(assignment)
    db.session.flush()
