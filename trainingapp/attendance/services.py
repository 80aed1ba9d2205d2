"""Attendance rules: check in (by QR, code, search, walk-in, paper sheet, bulk) and undo.

One attendance row per registration and session is guaranteed by the unique key on
``(registration_id, session_id)``: two staff phones checking in the same person at the same
moment both try the insert inside a savepoint; the loser's ``IntegrityError`` rolls back only the
savepoint and is reported as "already checked in at hh:mm" with the winner's time. Every verb that changes
attendance opens its own writer transaction with the course lock (``events.locking``), so a
bulk check-in, paper ticks or a walk-in never interleave with a phone's check-in between their
read and their write (on SQLite that interleaving failed with "database is locked").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..common.errors import DomainError
from ..common.time import LOCAL_TZ
from ..common.time import utcnow
from ..events import agenda
from ..events.locking import lock_course
from ..events.models import EventSession
from ..events.rescheduling import session_move_guard
from ..events.services import EventError
from ..extensions import db
from ..registration.listing import checkin_search_query
from ..registration.listing import signin_sheet_query
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from ..registration.normalise import RegistrationInput
from ..registration.services import register_walk_in
from ..registration.tokens import parse_checkin_payload
from .models import Attendance
from .models import CheckInMethod

if TYPE_CHECKING:
    from ..auth.models import User


class AttendanceError(DomainError):
    """An attendance rule refused the action."""


class Outcome(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    NOT_REGISTERED = "not_registered"
    CANCELLED = "cancelled"
    WAITLISTED = "waitlisted"
    PENDING = "pending"
    REJECTED = "rejected"


#: a registration in these states is not checked in; the outcome says why
_REFUSED = {
    RegistrationStatus.CANCELLED: Outcome.CANCELLED,
    RegistrationStatus.WAITLISTED: Outcome.WAITLISTED,
    RegistrationStatus.PENDING: Outcome.PENDING,
    RegistrationStatus.REJECTED: Outcome.REJECTED,
}


@dataclass
class CheckInResult:
    outcome: Outcome
    registration: Registration | None = None
    attendance: Attendance | None = None
    #: when the person was checked in (now, or earlier for ALREADY), naive UTC
    checked_in_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.CHECKED_IN, Outcome.ALREADY)


# --- sessions -----------------------------------------------------------------------------------


def course_sessions(event_id: int) -> list[EventSession]:
    return list(
        db.session.scalars(
            select(EventSession)
            .where(EventSession.event_id == event_id)
            .order_by(
                EventSession.date,
                EventSession.start_time,
                EventSession.position,
                EventSession.id,
            )
        )
    )


def current_session(
    sessions: list[EventSession], now: datetime | None = None
) -> EventSession | None:
    """The session to preselect: today's session whose time window contains now, else the next
    one today, else the last one today that has already started (late arrivals after the end of
    the afternoon), else the first of the course. ``now`` is local wall-clock time."""
    if not sessions:
        return None
    now = now or datetime.now(LOCAL_TZ).replace(tzinfo=None)
    today: date = now.date()
    clock = now.time()
    todays = [s for s in sessions if s.date == today]
    for candidate in todays:
        if candidate.start_time <= clock <= candidate.end_time:
            return candidate
    upcoming = [s for s in todays if s.start_time > clock]
    if upcoming:
        return upcoming[0]
    if todays:
        return todays[-1]
    return sessions[0]


def session_of_course(event_id: int, session_id: int | None) -> EventSession | None:
    if session_id is None or not 0 < session_id < 2**63:
        return None
    found = db.session.get(EventSession, session_id)
    return found if found is not None and found.event_id == event_id else None


# --- check in -----------------------------------------------------------------------------------


def _existing(registration_id: int, session_id: int) -> Attendance | None:
    return db.session.scalar(
        select(Attendance)
        .where(Attendance.registration_id == registration_id, Attendance.session_id == session_id)
        .execution_options(populate_existing=True)
    )


def _audit_check_in(
    actor: User | None, registration: Registration, session: EventSession, method: CheckInMethod
) -> None:
    record(
        actor,
        "attendance.check_in",
        registration,
        event_id=registration.event_id,
        details={"session_id": session.id, "session": session.name, "method": method.value},
    )


def check_in(
    registration: Registration,
    session: EventSession,
    method: CheckInMethod,
    actor: User | None,
) -> CheckInResult:
    """Record that ``registration`` attends ``session`` (confirmed registrations only).

    Call with the course locked (the verbs below do). Idempotent: a second call, or a
    concurrent one from another device, returns ``ALREADY`` with the first time.
    """
    if registration.event_id != session.event_id:
        return CheckInResult(Outcome.NOT_REGISTERED)
    refused = _REFUSED.get(registration.status)
    if refused is not None:
        return CheckInResult(refused, registration)
    existing = _existing(registration.id, session.id)
    if existing is not None:
        return CheckInResult(Outcome.ALREADY, registration, existing, existing.checked_in_at)
    attendance = Attendance(
        registration_id=registration.id,
        session_id=session.id,
        checked_in_at=utcnow(),
        checked_in_by_id=actor.id if actor is not None else None,
        method=method,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attendance)
            db.session.flush()
    except IntegrityError:
        # Another device won the race between our look-up and our insert.
        winner = _existing(registration.id, session.id)
        if winner is None:
            raise
        return CheckInResult(Outcome.ALREADY, registration, winner, winner.checked_in_at)
    _audit_check_in(actor, registration, session, method)
    return CheckInResult(Outcome.CHECKED_IN, registration, attendance, attendance.checked_in_at)


class SessionGone(AttendanceError):  # noqa: N818  (like the other refusals)
    """The session was deleted while the check-in was on its way."""

    def __init__(self) -> None:
        super().__init__(_l("This session no longer exists."))


def _begin(event_id: int, session: EventSession) -> EventSession:
    """Lock the course for a change of attendance and read the session again inside the lock."""
    session_id = session.id
    lock_course(event_id)
    fresh = db.session.get(EventSession, session_id, populate_existing=True)
    if fresh is None or fresh.event_id != event_id:
        raise SessionGone()
    return fresh


def check_in_by_code(
    event_id: int,
    session: EventSession,
    text: str,
    method: CheckInMethod,
    actor: User | None,
) -> CheckInResult:
    """Check in the registration whose code (typed, or a scanned QR payload) is ``text``.

    A code of another course, or no code at all, is ``NOT_REGISTERED``: the page never says
    whose code of which other course it was.
    """
    session = _begin(event_id, session)
    code = parse_checkin_payload(text or "")
    if not code or len(code) > 12:
        return CheckInResult(Outcome.NOT_REGISTERED)
    registration = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id, Registration.checkin_code == code
        )
    )
    if registration is None:
        return CheckInResult(Outcome.NOT_REGISTERED)
    return check_in(registration, session, method, actor)


def check_in_by_id(
    event_id: int,
    session: EventSession,
    registration_id: int,
    method: CheckInMethod,
    actor: User | None,
) -> CheckInResult:
    session = _begin(event_id, session)
    registration = (
        db.session.get(Registration, registration_id) if 0 < registration_id < 2**31 else None
    )
    if registration is None or registration.event_id != event_id:
        return CheckInResult(Outcome.NOT_REGISTERED)
    return check_in(registration, session, method, actor)


def undo(event_id: int, attendance_id: int, actor: User | None) -> Attendance:
    """Remove an attendance row (a check-in made by mistake)."""
    lock_course(event_id)
    attendance = db.session.get(Attendance, attendance_id) if 0 < attendance_id < 2**31 else None
    if attendance is None or attendance.registration.event_id != event_id:
        raise AttendanceError(_l("This check-in no longer exists."))
    record(
        actor,
        "attendance.undo",
        attendance.registration,
        event_id=event_id,
        details={
            "session_id": attendance.session_id,
            "session": attendance.session.name,
            "method": attendance.method.value,
            "checked_in_at": attendance.checked_in_at.isoformat(timespec="seconds"),
        },
    )
    db.session.delete(attendance)
    db.session.flush()
    return attendance


def walk_in(
    event_id: int, data: RegistrationInput, session: EventSession | None, actor: User | None
) -> tuple[Registration, CheckInResult | None]:
    """Register a walk-in (``registration.services.register_walk_in``, which locks the course)
    and check them in for ``session`` in the same transaction."""
    registration = register_walk_in(event_id, data, actor)
    checked = None
    if session is not None and session.event_id == event_id:
        session = db.session.get(EventSession, session.id, populate_existing=True) or session
        checked = check_in(registration, session, CheckInMethod.WALK_IN, actor)
    return registration, checked


# --- several at once ----------------------------------------------------------------------------


@dataclass
class BulkResult:
    checked_in: list[Registration] = field(default_factory=list)
    already: list[Registration] = field(default_factory=list)
    #: not confirmed (or not of this course)
    refused: list[Registration] = field(default_factory=list)


def mark_attended(
    event_id: int,
    session: EventSession,
    ids: Iterable[int],
    actor: User | None,
    method: CheckInMethod = CheckInMethod.BULK,
) -> BulkResult:
    """Check in several registrations for ``session`` (three queries, then one insert per new row)."""
    wanted = sorted({i for i in ids if 0 < i < 2**31})
    result = BulkResult()
    if not wanted or session.event_id != event_id:
        return result
    session = _begin(event_id, session)
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event_id, Registration.id.in_(wanted))
            .order_by(Registration.sort_key, Registration.id)
        )
    )
    present = set(
        db.session.scalars(
            select(Attendance.registration_id).where(
                Attendance.session_id == session.id, Attendance.registration_id.in_(wanted)
            )
        )
    )
    now = utcnow()
    for registration in registrations:
        if registration.status != RegistrationStatus.CONFIRMED:
            result.refused.append(registration)
        elif registration.id in present:
            result.already.append(registration)
        else:
            db.session.add(
                Attendance(
                    registration_id=registration.id,
                    session_id=session.id,
                    checked_in_at=now,
                    checked_in_by_id=actor.id if actor is not None else None,
                    method=method,
                )
            )
            _audit_check_in(actor, registration, session, method)
            result.checked_in.append(registration)
    db.session.flush()
    return result


@dataclass
class PaperResult:
    added: int = 0
    removed: int = 0


def save_paper_ticks(
    event_id: int,
    session: EventSession,
    shown_ids: Iterable[int],
    ticked_ids: Iterable[int],
    actor: User | None,
) -> PaperResult:
    """Make the attendance of the rows shown on the paper-tick page match the ticks.

    Only rows that were shown (``shown_ids``) change: ticked ones without attendance are added
    (method ``paper``), unticked ones with attendance are removed. Only confirmed registrations
    of the course count. One audit entry on the session carries the counts and the ids.
    """
    shown = {i for i in shown_ids if 0 < i < 2**31}
    ticked = {i for i in ticked_ids if 0 < i < 2**31} & shown
    result = PaperResult()
    if not shown or session.event_id != event_id:
        return result
    session = _begin(event_id, session)
    on_sheet = set(
        db.session.scalars(
            select(Registration.id).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.id.in_(shown),
            )
        )
    )
    present = set(
        db.session.scalars(
            select(Attendance.registration_id).where(
                Attendance.session_id == session.id, Attendance.registration_id.in_(on_sheet)
            )
        )
    )
    to_add = sorted((ticked & on_sheet) - present)
    to_remove = sorted((on_sheet - ticked) & present)
    now = utcnow()
    for registration_id in to_add:
        db.session.add(
            Attendance(
                registration_id=registration_id,
                session_id=session.id,
                checked_in_at=now,
                checked_in_by_id=actor.id if actor is not None else None,
                method=CheckInMethod.PAPER,
            )
        )
    if to_remove:
        db.session.execute(
            delete(Attendance).where(
                Attendance.session_id == session.id,
                Attendance.registration_id.in_(to_remove),
            )
        )
    result.added, result.removed = len(to_add), len(to_remove)
    if to_add or to_remove:
        record(
            actor,
            "attendance.paper",
            session,
            event_id=event_id,
            details={
                "session": session.name,
                "added": result.added,
                "removed": result.removed,
                "added_ids": to_add,
                "removed_ids": to_remove,
            },
        )
    db.session.flush()
    return result


# --- reading ------------------------------------------------------------------------------------


def counters(event_id: int, session_id: int) -> dict[str, int]:
    """Checked in for the session versus expected (confirmed registrations): one query."""
    # Every attendance row of a session belongs to a registration of the session's course
    # (check_in refuses others), so no join: the index on session_id answers it.
    checked_in = (
        select(func.count(Attendance.id)).where(Attendance.session_id == session_id)
    ).scalar_subquery()
    expected = (
        select(func.count(Registration.id))
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .scalar_subquery()
    )
    row = db.session.execute(select(checked_in, expected)).one()
    return {"checked_in": int(row[0] or 0), "expected": int(row[1] or 0)}


def attendance_map(registration_ids: Iterable[int], session_id: int | None = None) -> Any:
    """``{registration_id: {session_id: Attendance}}`` for these registrations (one query)."""
    ids = list(registration_ids)
    result: dict[int, dict[int, Attendance]] = {}
    if not ids:
        return result
    query = select(Attendance).where(Attendance.registration_id.in_(ids))
    if session_id is not None:
        query = query.where(Attendance.session_id == session_id)
    for attendance in db.session.scalars(query):
        result.setdefault(attendance.registration_id, {})[attendance.session_id] = attendance
    return result


def search(event_id: int, session_id: int, term: str, limit: int = 20) -> list[Any]:
    """Check-in search results as ``(registration, attendance or None)``: two queries + units."""
    registrations = list(db.session.scalars(checkin_search_query(event_id, term, limit)))
    present = attendance_map([r.id for r in registrations], session_id)
    return [(r, present.get(r.id, {}).get(session_id)) for r in registrations]


def paper_rows(event_id: int) -> Any:
    """The sign-in sheet query (confirmed, in sign-in order), for pagination by the view."""
    return signin_sheet_query(event_id)


def attendance_by_session(event_id: int) -> dict[int, int]:
    """Participants checked in per session of a course (sessions without any: 0). One query."""
    rows = db.session.execute(
        select(EventSession.id, func.count(Attendance.id))
        .outerjoin(Attendance, Attendance.session_id == EventSession.id)
        .where(EventSession.event_id == event_id)
        .group_by(EventSession.id)
    )
    return {session_id: count for session_id, count in rows}


@session_move_guard
def _no_move_once_attendance_taken(event_id: int) -> Any:
    """Refuse moving a course's sessions (``events.rescheduling``) once attendance has been
    taken in any of them: the signed list keeps the day it was signed. Runs under the lock."""
    taken = list(
        db.session.scalars(
            select(EventSession.name)
            .where(
                EventSession.event_id == event_id,
                select(Attendance.id).where(Attendance.session_id == EventSession.id).exists(),
            )
            .order_by(EventSession.date, EventSession.start_time, EventSession.position)
        )
    )
    if not taken:
        return None
    return _l(
        "Attendance has already been taken in %(sessions)s; the sessions cannot be moved.",
        sessions=", ".join(f"“{name}”" for name in taken),
    )


def delete_session(actor: User | None, event_session: EventSession) -> None:
    """Remove a session of a course (``events.agenda.delete_session``), refused once attendance
    has been taken in it: the signed list would lose its column. Locks the course, so that no
    check-in lands in the session meanwhile."""
    event_session = _begin(event_session.event_id, event_session)
    taken = db.session.scalar(
        select(func.count(Attendance.id)).where(Attendance.session_id == event_session.id)
    )
    if taken:
        raise EventError(
            _l(
                "Attendance has already been taken in this session (%(count)d participants); "
                "it cannot be deleted.",
                count=taken,
            )
        )
    agenda.delete_session(actor, event_session)
