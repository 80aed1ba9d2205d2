"""Course roles in the staff area: the check the /manage guard (``auth.guard``) runs for routes
with an ``event_id``, and :func:`organizer_required` for routes that change a course."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import TypeVar

from flask import abort
from flask import g

from ..auth.guard import set_course_access
from ..auth.models import User
from ..extensions import db
from .models import Event
from .models import StaffRole
from .permissions import event_role

F = TypeVar("F", bound=Callable[..., Any])


def _course_access(user: User, event_id: int) -> tuple[Event | None, StaffRole | None]:
    event = db.session.get(Event, event_id)
    if event is None:
        return None, None
    return event, event_role(user, event)


set_course_access(_course_access)


def organizer_required(view: F) -> F:
    """Only the course's organizers (and admins) may use this route."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(g, "event_role", None) != StaffRole.ORGANIZER:
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
