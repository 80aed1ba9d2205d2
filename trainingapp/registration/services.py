"""Registration rules: the one home of capacity, quota, waiting list and duplicates.

Every verb that can change how many seats are taken runs as one writer transaction: it starts
with :func:`~trainingapp.common.dbtx.begin_write` (``BEGIN IMMEDIATE`` on SQLite) and locks the
course row (``SELECT ... FOR UPDATE`` on PostgreSQL) before it counts, so concurrent requests in
several server processes decide one after the other. Callers commit; mail is sent after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.models import AuditEntry
from ..audit.services import changes
from ..audit.services import record
from ..common.dbtx import begin_write
from ..common.dbtx import lock_row
from ..common.time import utcnow
from ..events.models import Event
from ..events.models import EventStatus
from ..events.services import registration_is_open
from ..extensions import db
from .errors import EventFull
from .errors import InvalidRegistration
from .errors import RegistrationClosed
from .errors import RegistrationError
from .models import Registration
from .models import RegistrationSource
from .models import RegistrationStatus
from .normalise import RegistrationInput
from .normalise import normalise_input
from .seats import Seats
from .seats import fits
from .storage import PARTICIPANT
from .storage import Registered
from .storage import find_duplicate
from .storage import insert_registration
from .storage import resolve_organization

if TYPE_CHECKING:
    from ..auth.models import User


def lock_event(event_id: int) -> Event:
    begin_write(db.session)
    event: Event | None = lock_row(db.session, Event, event_id)
    if event is None:
        raise RegistrationClosed()
    return event


def lock_registration(registration_id: int) -> tuple[Event, Registration]:
    """A registration and its course, the course locked (:func:`lock_event`) and the
    registration read again inside that writer transaction, so its status is current."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise RegistrationError(_l("This registration does not exist."))
    event = lock_event(registration.event_id)
    registration = db.session.scalars(
        select(Registration)
        .where(Registration.id == registration_id)
        .execution_options(populate_existing=True)
    ).one()
    return event, registration


#: what :func:`register` needs to know of the course, read under its lock
_RULE_COLUMNS = (
    Event.id,
    Event.status,
    Event.start_date,
    Event.registration_opens_at,
    Event.registration_closes_at,
    Event.capacity,
    Event.approval_required,
    Event.waitlist_enabled,
)


_LOCK_BY_ID = select(*_RULE_COLUMNS).where(Event.id == bindparam("key")).with_for_update()
#: the public form knows the course by its slug; a draft is no course to it
_LOCK_BY_SLUG = (
    select(*_RULE_COLUMNS)
    .where(Event.slug == bindparam("key"), Event.status != EventStatus.DRAFT)
    .with_for_update()
)


def _lock_course_rules(statement: Any, key: int | str) -> Any:
    """The course's rule columns, its row locked (``begin_write`` first, as :func:`lock_event`).
    An unknown course is :class:`RegistrationClosed`."""
    begin_write(db.session)
    rules = db.session.connection().execute(statement, {"key": key}).first()
    if rules is None:
        raise RegistrationClosed()
    return rules


def _decide(rules: Any, source: RegistrationSource, has_seat: bool) -> RegistrationStatus:
    """The status of a new registration (SPEC rule order); :class:`EventFull` when none fits."""
    if source == RegistrationSource.WALK_IN:
        return RegistrationStatus.CONFIRMED  # at the door: flagged over capacity when no seat
    if rules.approval_required:
        if not has_seat and not rules.waitlist_enabled:
            raise EventFull()
        return RegistrationStatus.PENDING
    if has_seat:
        return RegistrationStatus.CONFIRMED
    if rules.waitlist_enabled:
        return RegistrationStatus.WAITLISTED
    raise EventFull()


def register(
    event_id: int,
    data: RegistrationInput,
    *,
    source: RegistrationSource,
    actor: User | None,
    manage_token: str | None = None,
    locale: str | None = None,
) -> Registered:
    """Register a participant: one decision in one writer transaction.

    Order: normalise and check the input (:class:`InvalidRegistration`); lock the course; refuse
    a closed course for online registrations (:class:`RegistrationClosed`) and a phone or e-mail
    already registered (:class:`AlreadyRegistered`); then a walk-in -> confirmed (flagged
    ``over_capacity`` without a free seat); approval on -> pending; a free seat in the course and
    the unit's quota -> confirmed; otherwise waitlisted, or :class:`EventFull` when the waiting
    list is off. ``manage_token`` lets the web view derive an idempotent token (see
    ``tokens.manage_token_for``); by default it is ``secrets.token_urlsafe(32)``.
    ``locale`` is kept in the audit entry so later mail uses the participant's language.

    Hundreds of people register in the first hour, so this runs a handful of prebuilt Core
    statements while it holds the lock, and no ORM flush.
    """
    clean_data = _checked(data, source)
    rules = _lock_course_rules(_LOCK_BY_ID, event_id)
    return _register(rules, clean_data, source, actor, manage_token, locale)


def register_online(
    slug: str, data: RegistrationInput, *, manage_token: str | None, locale: str | None
) -> Registered:
    """:func:`register` from the public form, the course found by its ``slug`` under the lock
    (one round trip fewer than looking it up first). A draft or unknown course is
    :class:`RegistrationClosed`."""
    clean_data = _checked(data, RegistrationSource.ONLINE)
    rules = _lock_course_rules(_LOCK_BY_SLUG, slug)
    return _register(rules, clean_data, RegistrationSource.ONLINE, None, manage_token, locale)


def _checked(data: RegistrationInput, source: RegistrationSource) -> RegistrationInput:
    clean_data, errors = normalise_input(data)
    if source == RegistrationSource.ONLINE and not clean_data.consent:
        errors.setdefault(
            "consent", _l("Please agree to the processing of your personal data to register.")
        )
    if errors:
        raise InvalidRegistration(errors)
    return clean_data


def _register(
    rules: Any,
    clean_data: RegistrationInput,
    source: RegistrationSource,
    actor: User | None,
    manage_token: str | None,
    locale: str | None,
) -> Registered:
    """The decision of :func:`register`, the course locked and its ``rules`` read."""
    if source == RegistrationSource.ONLINE and not registration_is_open(rules):
        raise RegistrationClosed()
    if rules.status == EventStatus.ARCHIVED:
        raise RegistrationClosed()
    event_id = rules.id
    duplicate = find_duplicate(event_id, clean_data.phone, clean_data.email)
    if duplicate is not None:
        raise duplicate

    organization_id = resolve_organization(clean_data.organization, actor)
    has_seat = fits(event_id, rules.capacity, organization_id)
    status = _decide(rules, source, has_seat)
    over_capacity = source == RegistrationSource.WALK_IN and not has_seat
    registered = insert_registration(
        event_id,
        clean_data,
        organization_id=organization_id,
        status=status,
        source=source,
        manage_token=manage_token,
        over_capacity=over_capacity,
    )
    details: dict[str, Any] = {"status": status.value, "source": source.value}
    if source == RegistrationSource.WALK_IN:
        details.update(over_capacity=over_capacity, consent="recorded by staff")
    if locale:
        details["locale"] = locale
    record(
        actor,
        "registration.create",
        object_type="Registration",
        object_id=registered.id,
        event_id=event_id,
        details=details,
        actor_label=None if actor else PARTICIPANT,
    )
    return registered


def registration_by_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        select(Registration)
        .where(Registration.manage_token == token)
        .options(selectinload(Registration.event), selectinload(Registration.organization))
    )


def find_registration(event_id: int, phone: str, email: str | None) -> Registration | None:
    """The registration holding this (normalised) phone or e-mail in the course, if any."""
    duplicate = find_duplicate(event_id, phone, email)
    return db.session.get(Registration, duplicate.registration_id) if duplicate else None


def registration_locale(registration: Registration) -> str | None:
    """The language the participant registered in (kept in the creation's audit entry)."""
    details = db.session.scalar(
        select(AuditEntry.details)
        .where(
            AuditEntry.object_type == "Registration",
            AuditEntry.object_id == registration.id,
            AuditEntry.action == "registration.create",
        )
        .limit(1)
    )
    locale = (details or {}).get("locale")
    return str(locale) if locale else None


def set_status(
    registration: Registration, status: RegistrationStatus, actor: User | None, action: str
) -> None:
    before = {"status": registration.status}
    registration.status = status
    registration.status_changed_at = utcnow()
    record(
        actor,
        action,
        registration,
        event_id=registration.event_id,
        details=changes(registration, ["status"], before),
        actor_label=None if actor else PARTICIPANT,
    )


def fill_from_waitlist(event: Event, actor: User | None) -> list[Registration]:
    """Confirm waitlisted registrations, oldest first, while the course and their unit's quota
    have room. The caller holds the course lock."""
    seats = Seats(event)
    if seats.total >= seats.capacity:
        return []
    waiting = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.created_at, Registration.id)
    )
    promoted = []
    for registration in waiting:
        if seats.total >= seats.capacity:
            break
        if not seats.fits(registration.organization_id):
            continue
        set_status(registration, RegistrationStatus.CONFIRMED, actor, "registration.promote")
        seats.take(registration.organization_id)
        promoted.append(registration)
    return promoted


@dataclass
class CancelResult:
    registration: Registration
    #: False when it was already cancelled or rejected
    changed: bool
    promoted: list[Registration] = field(default_factory=list)


def cancel(registration_id: int, actor: User | None) -> CancelResult:
    """Cancel a registration; a freed confirmed seat goes to the waiting list."""
    event, registration = lock_registration(registration_id)
    if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
        return CancelResult(registration, changed=False)
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    set_status(registration, RegistrationStatus.CANCELLED, actor, "registration.cancel")
    db.session.flush()
    promoted = fill_from_waitlist(event, actor) if was_confirmed else []
    return CancelResult(registration, changed=True, promoted=promoted)


def can_register_again(registration: Registration, event: Event) -> bool:
    """Whether :func:`register_again` would take this registration up (the page's button)."""
    return (
        registration.status == RegistrationStatus.CANCELLED
        and registration.anonymised_at is None
        and registration_is_open(event)
    )


def register_again(registration_id: int) -> Registration:
    """Take up a cancelled registration again, from the participant's own page, while the course
    takes registrations: decided as a new one would be (pending, confirmed or waitlisted, or
    :class:`EventFull`), with the seat rules under the course lock. The phone and e-mail stay
    the registration's, so rule 2 (one registration per person) holds; a rejected or anonymised
    registration cannot come back (:class:`RegistrationError`)."""
    event, registration = lock_registration(registration_id)
    if registration.status != RegistrationStatus.CANCELLED or registration.anonymised_at:
        raise RegistrationError(_l("This registration cannot be taken up again."))
    if not can_register_again(registration, event):
        raise RegistrationClosed()
    has_seat = fits(event.id, event.capacity, registration.organization_id)
    status = _decide(event, RegistrationSource.ONLINE, has_seat)
    set_status(registration, status, None, "registration.register_again")
    db.session.flush()
    return registration


@dataclass
class DecisionResult:
    confirmed: list[Registration] = field(default_factory=list)
    waitlisted: list[Registration] = field(default_factory=list)
    rejected: list[Registration] = field(default_factory=list)
    #: approval refused: the course is full and has no waiting list
    full: list[Registration] = field(default_factory=list)

    @property
    def changed(self) -> list[Registration]:
        return [*self.confirmed, *self.waitlisted, *self.rejected]


def _pending(event_id: int, ids: Iterable[int]) -> list[Registration]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.id.in_(wanted),
                Registration.status == RegistrationStatus.PENDING,
            )
            .order_by(Registration.created_at, Registration.id)
            .execution_options(populate_existing=True)
        )
    )


def approve(event_id: int, ids: Iterable[int], actor: User | None) -> DecisionResult:
    """Approve pending registrations, oldest first: confirmed while seats and quota allow, then
    waitlisted (or left pending in ``full`` when the waiting list is off)."""
    event = lock_event(event_id)
    result = DecisionResult()
    seats = Seats(event)
    for registration in _pending(event.id, ids):
        if seats.fits(registration.organization_id):
            set_status(registration, RegistrationStatus.CONFIRMED, actor, "registration.approve")
            seats.take(registration.organization_id)
            result.confirmed.append(registration)
        elif event.waitlist_enabled:
            set_status(registration, RegistrationStatus.WAITLISTED, actor, "registration.approve")
            result.waitlisted.append(registration)
        else:
            result.full.append(registration)
    db.session.flush()
    return result


def reject(event_id: int, ids: Iterable[int], actor: User | None) -> DecisionResult:
    """Reject pending registrations."""
    event = lock_event(event_id)
    result = DecisionResult()
    for registration in _pending(event.id, ids):
        set_status(registration, RegistrationStatus.REJECTED, actor, "registration.reject")
        result.rejected.append(registration)
    db.session.flush()
    return result


def pending_registrations(event_id: int) -> Any:
    """Query of a course's pending registrations, oldest first, with their units loaded."""
    return (
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.PENDING,
        )
        .options(selectinload(Registration.organization))
        .order_by(Registration.created_at, Registration.id)
    )
