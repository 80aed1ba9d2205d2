"""The staff area's guard (/manage), applied per blueprint so that no route can forget it.

Every manage blueprint calls :func:`guard_manage_blueprint`. Its ``before_request`` hook requires
a signed-in, active account, and, for a route with an ``event_id`` in its URL, asks the course
access check (installed by the courses package with :func:`set_course_access`) for the account's
role on that course: ``g.event`` and ``g.event_role`` are set, or the request ends in 404 (no such
course) or 403 (no role on it). Accounts and courses stay separate packages: this module knows
accounts only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask import abort
from flask import g
from flask import request
from flask_login import current_user

from ..extensions import login_manager
from .models import Role
from .models import User

#: ``(user, event_id) -> (course, role)``; ``course`` None: no such course, ``role`` None: no role
CourseAccess = Callable[[User, int], tuple[Any, Any]]

_course_access: CourseAccess | None = None


def set_course_access(check: CourseAccess) -> None:
    """Install the check that gives an account's role on a course (see ``events.access``)."""
    global _course_access  # set once, when the courses package is imported
    _course_access = check


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
            if _course_access is None:
                raise RuntimeError("no course access check installed (import events.access)")
            # An id beyond SQLite's 64-bit integers would raise OverflowError: no such course.
            event, role = (
                _course_access(current_user, event_id) if 0 < event_id < 2**63 else (None, None)
            )
            if event is None:
                abort(404)
            if role is None:
                abort(403)
            g.event = event
            g.event_role = role
        return None
