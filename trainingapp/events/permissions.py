"""Who may see and change which course. The one place these rules live."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy import select

from ..auth.models import Role
from ..auth.models import User
from ..extensions import db
from .models import Event
from .models import EventStaff
from .models import StaffRole


def event_role(user: User, event: Event) -> StaffRole | None:
    """The user's role on this course: admins and the course's creator act as organizers."""
    if user.role == Role.ADMIN:
        return StaffRole.ORGANIZER
    if user.role == Role.ORGANIZER and event.created_by_id == user.id:
        return StaffRole.ORGANIZER
    assignment = db.session.scalar(
        select(EventStaff).where(EventStaff.event_id == event.id, EventStaff.user_id == user.id)
    )
    if assignment is None:
        return None
    if assignment.role == StaffRole.ORGANIZER and user.role == Role.STAFF:
        return StaffRole.STAFF  # a staff account never edits a course
    return assignment.role


def can_view_event(user: User, event: Event) -> bool:
    return event_role(user, event) is not None


def can_edit_event(user: User, event: Event) -> bool:
    return event_role(user, event) == StaffRole.ORGANIZER


def visible_events(user: User) -> Select[Event]:
    """Courses this account may open under /manage."""
    query = select(Event)
    if user.role == Role.ADMIN:
        return query
    assigned = select(EventStaff.event_id).where(EventStaff.user_id == user.id)
    if user.role == Role.ORGANIZER:
        return query.where((Event.created_by_id == user.id) | Event.id.in_(assigned))
    return query.where(Event.id.in_(assigned))


def can_create_event(user: User) -> bool:
    """Organizer and admin accounts may create courses."""
    return user.role in (Role.ADMIN, Role.ORGANIZER)


def assignable_roles(user: User) -> tuple[StaffRole, ...]:
    """Roles an account may be given on a course: a staff account is only ever staff."""
    if user.role == Role.STAFF:
        return (StaffRole.STAFF,)
    return (StaffRole.ORGANIZER, StaffRole.STAFF)
