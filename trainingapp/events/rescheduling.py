"""Moving a course's sessions with its dates (``services.update_event(move_sessions=True)``).

Packages above ``events`` may forbid a move: attendance refuses once a session has check-ins,
since a signed list must keep its date. They say so by registering a guard here
(:func:`session_move_guard`) instead of ``events`` importing them (docs/architecture.md).
Callers commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from ..audit.services import changes
from ..audit.services import record
from ..auth.models import User
from .labels import relabel
from .models import Event

#: event id -> why its sessions cannot move (a translatable message), or None when they can
SessionMoveGuard = Callable[[int], Any]

_guards: list[SessionMoveGuard] = []

MOVED_FIELDS = ["name", "date"]


def session_move_guard(guard: SessionMoveGuard) -> SessionMoveGuard:
    """Register ``guard`` (usable as a decorator); registering it twice keeps one."""
    if guard not in _guards:
        _guards.append(guard)
    return guard


def move_refusals(event_id: int) -> list[Any]:
    """Every registered guard's reason not to move this course's sessions (empty: they may)."""
    return [reason for guard in _guards if (reason := guard(event_id))]


def shift_sessions(actor: User | None, event: Event, days: timedelta) -> None:
    """Move every session of ``event`` by ``days``, its label following its date
    (:func:`.labels.relabel`); each change audited as a session edit. No checks: the caller
    holds the course lock and has checked the new dates and :func:`move_refusals`."""
    if not days:
        return
    for event_session in event.sessions:
        before = {f: getattr(event_session, f) for f in MOVED_FIELDS}
        new_date = event_session.date + days
        event_session.name = relabel(event_session.name, event_session.date, new_date)
        event_session.date = new_date
        record(
            actor,
            "session.update",
            event_session,
            event_id=event.id,
            details=changes(event_session, MOVED_FIELDS, before),
        )
