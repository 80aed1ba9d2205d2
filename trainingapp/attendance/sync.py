"""Check-in that keeps working offline: the course's snapshot for the device, and the queue the
device sends back once the network returns.

While online, the check-in page keeps a snapshot of the course's registrants (:func:`snapshot`:
code, name, unit, status and who is checked in to which session) in the browser. Offline it
decides scans, typed codes, searches and taps against that copy and queues each check-in (and
each walk-in) with an id it made itself, the device's name, the session and the time. Back
online it sends the queue to :func:`apply_queue`, which applies each item under the course lock
with the same rules as a check-in made online and keeps the item (``SyncedCheckIn``): an item
sent again (a lost answer, a replay) gets the stored answer and changes nothing.

Conflicts come back for staff to review: the registration was cancelled (or put on the waiting
list) meanwhile, or someone else had checked the person in. In the second case the person keeps
one attendance row with the earlier of the two times, and the audit log names both devices.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import select

from ..audit.services import record
from ..common.errors import DomainError
from ..common.time import utcnow
from ..events.locking import lock_course
from ..events.models import EventSession
from ..extensions import db
from ..organizations.models import Organization
from ..registration.errors import AlreadyRegistered
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from ..registration.normalise import RegistrationInput
from ..registration.services import register_walk_in
from ..registration.tokens import parse_checkin_payload
from .models import Attendance
from .models import CheckInMethod
from .models import SyncedCheckIn
from .models import SyncOutcome
from .services import course_sessions

if TYPE_CHECKING:
    from ..auth.models import User

#: the snapshot's format; a page that finds another one takes a new snapshot
SNAPSHOT_FORMAT = 2
#: the most items one sync request may carry (the page sends its queue in pieces of this size)
MAX_ITEMS = 500
#: a device clock this far ahead of the server's is not trusted: the server's time is used
CLOCK_SKEW = timedelta(minutes=5)
#: a queued check-in older than this is refused (a forgotten tablet from last year's course)
MAX_AGE = timedelta(days=14)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_METHODS = {CheckInMethod.QR, CheckInMethod.CODE, CheckInMethod.SEARCH, CheckInMethod.WALK_IN}
#: the statuses in the order the snapshot numbers them
STATUSES = [status.value for status in RegistrationStatus]


def _epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def snapshot(event_id: int) -> dict[str, Any]:
    """What a device needs to check people in without the network (four queries, no ORM rows).

    Compact on purpose (10,000 registrants must travel in well under 1 MB compressed): the
    registrants column by column (:func:`_columns`), units once,
    attendance as ``{session id: [[registration id, time in ms], ...]}``. Contact details are
    not in it: the door needs names, not phones.
    """
    sessions = course_sessions(event_id)
    # Core rows on the session's connection: the ORM's result processing costs more than the
    # queries for 10,000 rows of plain columns.
    connection = db.session.connection()
    registrants = connection.execute(
        select(
            Registration.id,
            Registration.checkin_code,
            Registration.full_name,
            Registration.search_name,
            Registration.organization_id,
            Registration.status,
        )
        .where(Registration.event_id == event_id, Registration.anonymised_at.is_(None))
        .order_by(Registration.sort_key, Registration.id)
    ).all()
    units = connection.execute(
        select(Organization.id, Organization.name, Organization.name_key).where(
            Organization.id.in_(
                select(Registration.organization_id)
                .where(Registration.event_id == event_id)
                .distinct()
                .scalar_subquery()
            )
        )
    ).all()
    attendance: dict[str, list[list[int]]] = {str(s.id): [] for s in sessions}
    for session_id, registration_id, checked_in_at in connection.execute(
        select(Attendance.session_id, Attendance.registration_id, Attendance.checked_in_at)
        .join(EventSession, EventSession.id == Attendance.session_id)
        .where(EventSession.event_id == event_id)
    ):
        attendance.setdefault(str(session_id), []).append(
            [registration_id, _epoch_ms(checked_in_at)]
        )
    status_index = {status: index for index, status in enumerate(STATUSES)}
    return {
        "format": SNAPSHOT_FORMAT,
        "event_id": event_id,
        "taken_at": _epoch_ms(utcnow()),
        "statuses": STATUSES,
        "sessions": [
            {
                "id": s.id,
                "name": s.name,
                "date": s.date.isoformat(),
                "start": s.start_time.strftime("%H:%M"),
                "end": s.end_time.strftime("%H:%M"),
            }
            for s in sessions
        ],
        "units": {str(unit.id): [unit.name, unit.name_key] for unit in units},
        "registrants": _columns(registrants, status_index),
        "attendance": attendance,
    }


def _columns(rows: Any, status_index: dict[Any, int]) -> dict[str, list[Any]]:
    """The registrants as one list per field (``id``, ``code``, ``name``, ``fold``, ``unit``,
    ``status``): ten thousand small lists would cost more in the garbage collector than the
    queries themselves."""
    ids, codes, names, folds, units, statuses = (
        (list(column) for column in zip(*rows, strict=True)) if rows else ([] for _ in range(6))
    )
    return {
        "id": ids,
        "code": codes,
        "name": names,
        "fold": folds,
        "unit": units,
        "status": [status_index[status] for status in statuses],
    }


class QueueError(DomainError):
    """The queue as a whole cannot be read (not a list, too long)."""


@dataclass(frozen=True)
class QueuedItem:
    """One check-in (or walk-in) a device recorded offline, as it sent it."""

    client_id: str
    session_id: int
    at: datetime
    method: CheckInMethod
    registration_id: int | None = None
    code: str | None = None
    #: a walk-in: what the staff member typed (the public form's field names)
    person: Mapping[str, Any] | None = None


def read_queue(payload: Any) -> tuple[list[QueuedItem], list[dict[str, Any]]]:
    """The items of a sync request, and an answer for each item that cannot be read (those
    are not stored: the device shows them and may drop them)."""
    raw_items = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(raw_items, list):
        raise QueueError("items must be a list")
    if len(raw_items) > MAX_ITEMS:
        raise QueueError(f"at most {MAX_ITEMS} items per request")
    items: list[QueuedItem] = []
    unreadable: list[dict[str, Any]] = []
    for raw in raw_items:
        item = _read_item(raw)
        if isinstance(item, QueuedItem):
            items.append(item)
        else:
            unreadable.append(item)
    return items, unreadable


def _read_item(raw: Any) -> QueuedItem | dict[str, Any]:
    client_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(client_id, str) or not _CLIENT_ID.match(client_id):
        return {"id": client_id if isinstance(client_id, str) else None, "outcome": "invalid"}
    assert isinstance(raw, dict)

    def bad(reason: str) -> dict[str, Any]:
        return {"id": client_id, "outcome": SyncOutcome.INVALID.value, "reason": reason}

    session_id = raw.get("session_id")
    if not isinstance(session_id, int) or not 0 < session_id < 2**31:
        return bad("session")
    at = raw.get("at")
    if not isinstance(at, int | float) or isinstance(at, bool):
        return bad("time")
    try:
        moment = datetime.fromtimestamp(at / 1000, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return bad("time")
    try:
        method = CheckInMethod(str(raw.get("method")))
    except ValueError:
        return bad("method")
    if method not in _METHODS:
        return bad("method")
    person = raw.get("person")
    if method == CheckInMethod.WALK_IN:
        if not isinstance(person, dict):
            return bad("person")
        return QueuedItem(client_id, session_id, moment, method, person=person)
    registration_id = raw.get("registration_id")
    code = raw.get("code")
    if isinstance(registration_id, int) and 0 < registration_id < 2**31:
        return QueuedItem(client_id, session_id, moment, method, registration_id=registration_id)
    if isinstance(code, str) and code.strip():
        return QueuedItem(client_id, session_id, moment, method, code=code[:200])
    return bad("registration")


@dataclass
class _Context:
    event_id: int
    device: str
    actor: User | None
    now: datetime
    sessions: dict[int, EventSession]


def apply_queue(
    event_id: int, device: str, items: list[QueuedItem], actor: User | None
) -> list[dict[str, Any]]:
    """Apply a device's queued items in one writer transaction under the course lock; an answer
    per item, in order (the caller commits). Items already received (same client id) answer as
    they did the first time, with ``"replay": true``, and change nothing."""
    lock_course(event_id)
    device = (device or "").strip()[:100]
    ids = [item.client_id for item in items]
    received = {
        row.client_id: row
        for row in db.session.scalars(
            select(SyncedCheckIn).where(
                SyncedCheckIn.event_id == event_id, SyncedCheckIn.client_id.in_(ids)
            )
        )
    }
    context = _Context(
        event_id, device, actor, utcnow(), {s.id: s for s in course_sessions(event_id)}
    )
    registrations = _registrations_of(event_id, items)
    answers: list[dict[str, Any]] = []
    for item in items:
        earlier = received.get(item.client_id)
        if earlier is not None:
            answers.append({**earlier.answer, "replay": True})
            continue
        outcome, registration_id, answer = _apply(context, item, registrations)
        answer = {"id": item.client_id, "outcome": outcome.value, **answer}
        row = SyncedCheckIn(
            event_id=event_id,
            client_id=item.client_id,
            device=device,
            session_id=item.session_id if item.session_id in context.sessions else None,
            registration_id=registration_id,
            queued_at=item.at,
            received_at=context.now,
            received_by_id=actor.id if actor is not None else None,
            outcome=outcome,
            answer=answer,
        )
        db.session.add(row)
        received[item.client_id] = row  # the same id twice in one request: applied once
        answers.append(answer)
    db.session.flush()
    return answers


def _registrations_of(event_id: int, items: list[QueuedItem]) -> dict[Any, Registration]:
    """The course's registrations the items name, by id and by check-in code (one query)."""
    ids = {item.registration_id for item in items if item.registration_id}
    codes = {parse_checkin_payload(item.code) for item in items if item.code}
    codes.discard("")
    if not ids and not codes:
        return {}
    found: dict[Any, Registration] = {}
    for registration in db.session.scalars(
        select(Registration).where(
            Registration.event_id == event_id,
            Registration.id.in_(ids) | Registration.checkin_code.in_(codes),
        )
    ):
        found[registration.id] = registration
        found[registration.checkin_code] = registration
    return found


def _apply(
    context: _Context, item: QueuedItem, registrations: dict[Any, Registration]
) -> tuple[SyncOutcome, int | None, dict[str, Any]]:
    session = context.sessions.get(item.session_id)
    if session is None:
        return SyncOutcome.INVALID, None, {"reason": "session"}
    at = item.at
    if at > context.now + CLOCK_SKEW:
        at = context.now  # the device's clock runs ahead: its time would be a future
    if at < context.now - MAX_AGE:
        return SyncOutcome.INVALID, None, {"reason": "too_old"}
    if item.person is not None:
        return _apply_walk_in(context, item, session, at)
    key: Any = item.registration_id or parse_checkin_payload(item.code or "")
    registration = registrations.get(key)
    if registration is None:
        return SyncOutcome.NOT_REGISTERED, None, {"code": item.code or ""}
    return _check_in(context, registration, session, at, item.method)


def _person_answer(registration: Registration) -> dict[str, Any]:
    return {
        "registration_id": registration.id,
        "code": registration.checkin_code,
        "name": registration.full_name,
    }


def _check_in(
    context: _Context,
    registration: Registration,
    session: EventSession,
    at: datetime,
    method: CheckInMethod,
) -> tuple[SyncOutcome, int | None, dict[str, Any]]:
    person = _person_answer(registration)
    if registration.status != RegistrationStatus.CONFIRMED:
        return SyncOutcome.REFUSED, registration.id, {**person, "status": registration.status.value}
    existing = db.session.scalar(
        select(Attendance).where(
            Attendance.registration_id == registration.id, Attendance.session_id == session.id
        )
    )
    if existing is None:
        attendance = Attendance(
            registration_id=registration.id,
            session_id=session.id,
            checked_in_at=at,
            checked_in_by_id=context.actor.id if context.actor is not None else None,
            method=method,
        )
        db.session.add(attendance)
        record(
            context.actor,
            "attendance.check_in",
            registration,
            event_id=context.event_id,
            details={
                "session_id": session.id,
                "session": session.name,
                "method": method.value,
                "offline": True,
                "device": context.device,
                "checked_in_at": at.isoformat(timespec="seconds"),
            },
        )
        return SyncOutcome.CHECKED_IN, registration.id, {**person, "at": _epoch_ms(at)}
    other = _who_checked_in(existing)
    kept = min(existing.checked_in_at, at)
    if at < existing.checked_in_at:
        existing.checked_in_at = at
    record(
        context.actor,
        "attendance.sync_conflict",
        registration,
        event_id=context.event_id,
        details={
            "session_id": session.id,
            "session": session.name,
            "devices": [other, context.device],
            "times": [
                existing_time.isoformat(timespec="seconds") for existing_time in sorted({kept, at})
            ],
            "kept": kept.isoformat(timespec="seconds"),
        },
    )
    return (
        SyncOutcome.ALREADY,
        registration.id,
        {**person, "at": _epoch_ms(kept), "other": other},
    )


def _who_checked_in(attendance: Attendance) -> str:
    """The device (for a synced check-in) or the staff member who made ``attendance``."""
    device = db.session.scalar(
        select(SyncedCheckIn.device)
        .where(
            SyncedCheckIn.registration_id == attendance.registration_id,
            SyncedCheckIn.session_id == attendance.session_id,
            SyncedCheckIn.outcome.in_([SyncOutcome.CHECKED_IN, SyncOutcome.WALK_IN]),
        )
        .limit(1)
    )
    if device:
        return str(device)
    user = attendance.checked_in_by
    return str(user.email) if user is not None else ""


def _apply_walk_in(
    context: _Context, item: QueuedItem, session: EventSession, at: datetime
) -> tuple[SyncOutcome, int | None, dict[str, Any]]:
    """A walk-in registered offline: the normal rules now (a phone or e-mail already registered
    is that registration, checked in, not a second one)."""
    person = item.person or {}

    def text(name: str) -> str:
        value = person.get(name)
        return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""

    data = RegistrationInput(
        full_name=text("full_name"),
        organization=text("organization"),
        phone=text("phone"),
        gender=text("gender") or None,
        birth_year=text("birth_year") or None,
        position=text("position"),
        email=text("email") or None,
        consent=person.get("consent") is True,
    )
    try:
        with db.session.begin_nested():
            registration = register_walk_in(context.event_id, data, context.actor)
    except AlreadyRegistered as duplicate:
        existing = db.session.get(Registration, duplicate.registration_id)
        assert existing is not None  # found by the duplicate check a moment ago
        outcome, registration_id, answer = _check_in(
            context, existing, session, at, CheckInMethod.WALK_IN
        )
        if outcome == SyncOutcome.CHECKED_IN:
            outcome = SyncOutcome.MERGED
        return outcome, registration_id, {**answer, "merged_by": duplicate.field}
    except DomainError as error:
        return (
            SyncOutcome.INVALID,
            None,
            {
                "reason": "person",
                "errors": {name: str(message) for name, message in error.errors.items()},
            },
        )
    outcome, registration_id, answer = _check_in(
        context, registration, session, at, CheckInMethod.WALK_IN
    )
    return (
        SyncOutcome.WALK_IN if outcome == SyncOutcome.CHECKED_IN else outcome,
        registration_id,
        answer,
    )
