"""Access control for the staff area (/manage), applied per blueprint so no route can forget it.

Every manage blueprint calls :func:`guard_manage_blueprint`. Its ``before_request`` hook requires a
signed-in, active account and, for any route with an ``event_id`` in its URL, loads that course
into ``g.event`` and refuses (403) accounts without a role on it. Routes that change a course add
:func:`organizer_required`; account and audit pages use ``admin_only``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import TypeVar

from flask import Blueprint
from flask import abort
from flask import g
from flask import request
from flask_login import current_user

from ..auth.models import Role
from ..extensions import db
from ..extensions import login_manager
from .models import Event
from .models import StaffRole
from .permissions import event_role

F = TypeVar("F", bound=Callable[..., Any])


def guard_manage_blueprint(
    bp: Blueprint, *, admin_only: bool = False, directory: bool = False
) -> None:
    """Require login on every route of ``bp``; ``admin_only`` for admins, ``directory`` for
    organizers and admins (shared directories of lecturers and units)."""

    @bp.before_request
    def _guard() -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if admin_only and current_user.role != Role.ADMIN:
            abort(403)
        if directory and current_user.role not in (Role.ADMIN, Role.ORGANIZER):
            abort(403)
        event_id = (request.view_args or {}).get("event_id")
        if event_id is not None:
            # An id beyond SQLite's 64-bit integers would raise OverflowError: no such course.
            event = db.session.get(Event, event_id) if 0 < event_id < 2**63 else None
            if event is None:
                abort(404)
            role = event_role(current_user, event)
            if role is None:
                abort(403)
            g.event = event
            g.event_role = role
        return None


def organizer_required(view: F) -> F:
    """Only the course's organizers (and admins) may use this route."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(g, "event_role", None) != StaffRole.ORGANIZER:
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
