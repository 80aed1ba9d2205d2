"""Registration rules: the one home of capacity, quota, waiting list and duplicates.

Every verb that can change how many seats are taken runs as one writer transaction: it starts
with :func:`~trainingapp.common.dbtx.begin_write` (``BEGIN IMMEDIATE`` on SQLite) and locks the
course row (``SELECT ... FOR UPDATE`` on PostgreSQL) before it counts, so concurrent requests in
several server processes decide one after the other. Callers commit; mail is sent after commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..audit.models import AuditEntry
from ..audit.services import changes
from ..audit.services import record
from ..common.dbtx import begin_write
from ..common.dbtx import execute_write
from ..common.dbtx import lock_row
from ..common.text import fold
from ..common.text import name_sort_key
from ..common.time import utcnow
from ..events.models import Event
from ..events.models import EventStatus
from ..events.services import registration_is_open
from ..extensions import db
from ..organizations.models import Organization
from ..organizations.models import OrganizationKind
from .models import Gender
from .models import Registration
from .models import RegistrationSource
from .models import RegistrationStatus
from .normalise import RegistrationInput
from .normalise import normalise_input
from .seats import Seats
from .seats import fits

if TYPE_CHECKING:
    from ..auth.models import User

#: check-in code letters: no 0/O, 1/I/L that are misread when typed from a screen
CHECKIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECKIN_LENGTH = 6
PARTICIPANT = "participant"


class RegistrationError(Exception):
    """A rule refused the action; ``message`` is translatable, ``field`` names the form field."""

    message: Any = _l("The registration could not be saved.")
    field: str | None = None

    def __init__(self, message: Any = None, field: str | None = None) -> None:
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field
        super().__init__(self.message)


class RegistrationClosed(RegistrationError):  # noqa: N818  (names from STYLE.md)
    message = _l("Registration for this course is closed.")


class EventFull(RegistrationError):  # noqa: N818  (names from STYLE.md)
    message = _l("Sorry, the course is full and has no waiting list.")


class AlreadyRegistered(RegistrationError):  # noqa: N818  (names from STYLE.md)
    """The phone or e-mail is already registered for this course."""

    def __init__(self, registration_id: int, manage_token: str, field: str) -> None:
        if field == "email":
            message = _l("This e-mail address is already registered for this course.")
        else:
            message = _l("This phone number is already registered for this course.")
        super().__init__(message, field)
        self.registration_id = registration_id
        self.manage_token = manage_token


class InvalidRegistration(RegistrationError):  # noqa: N818  (names from STYLE.md)
    """Input that fails normalisation; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(_l("Please correct the marked fields."))
        self.errors = errors


# --- organizations typed by participants ------------------------------------------------------


_UNIT_COLUMNS = (Organization.id, Organization.retired_on, Organization.successor_id)
_UNIT_BY_KEY = select(*_UNIT_COLUMNS).where(Organization.name_key == bindparam("key"))
_UNIT_BY_ID = select(*_UNIT_COLUMNS).where(Organization.id == bindparam("id"))


def resolve_organization(name: str, actor: User | None) -> int:
    """The id of the unit whose accent-insensitive key equals ``name``'s (its successor if it
    was retired), or of a new unit of kind "other" flagged for review."""
    key = fold(name)
    connection = db.session.connection()
    row = connection.execute(_UNIT_BY_KEY, {"key": key}).first()
    hops = 0
    while row is not None and row.retired_on is not None and row.successor_id and hops < 10:
        row = connection.execute(_UNIT_BY_ID, {"id": row.successor_id}).first()
        hops += 1
    if row is not None:
        return int(row.id)
    try:
        with db.session.begin_nested():
            org = Organization(name=name, kind=OrganizationKind.OTHER, needs_review=True)
            db.session.add(org)
            db.session.flush()
    except IntegrityError:
        # Another course's registration created the same unit a moment ago.
        existing = db.session.scalar(select(Organization.id).where(Organization.name_key == key))
        if existing is None:
            raise
        return existing
    record(
        actor,
        "organization.create",
        org,
        details={"name": org.name, "kind": org.kind.value, "needs_review": True},
        actor_label=None if actor else PARTICIPANT,
    )
    return org.id


def new_checkin_code() -> str:
    """6 characters from :data:`CHECKIN_ALPHABET` (31**6, about 887 million codes).

    Uniqueness within the course is the database's unique key; :func:`insert_registration` draws
    again on the rare collision instead of querying first.
    """
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(CHECKIN_LENGTH))


# Built once: building a statement costs more than running it (SQLite, hot path). A NULL e-mail
# matches nothing, and ids start at 1, so exclude_id 0 excludes nothing.
_SAME_PERSON = (
    select(Registration.id, Registration.manage_token, Registration.phone)
    .where(
        Registration.event_id == bindparam("event_id"),
        or_(Registration.phone == bindparam("phone"), Registration.email == bindparam("email")),
        Registration.id != bindparam("exclude_id"),
    )
    .limit(2)
)


def find_duplicate(
    event_id: int, phone: str, email: str | None, exclude_id: int | None = None
) -> AlreadyRegistered | None:
    """The registration in this course with the same phone (first) or e-mail, as the error."""
    rows = (
        db.session.connection()
        .execute(
            _SAME_PERSON,
            {
                "event_id": event_id,
                "phone": phone,
                "email": email or None,
                "exclude_id": exclude_id or 0,
            },
        )
        .all()
    )
    for row in rows:
        if row.phone == phone:
            return AlreadyRegistered(row.id, row.manage_token, "phone")
    if rows:
        return AlreadyRegistered(rows[0].id, rows[0].manage_token, "email")
    return None


@dataclass(frozen=True)
class Registered:
    """What :func:`register` stored. Load the row (``db.session.get``) only when more is needed."""

    id: int
    status: RegistrationStatus
    organization_id: int | None
    manage_token: str
    checkin_code: str
    #: a walk-in confirmed although the course or the unit's quota was full
    over_capacity: bool = False


_INSERT_REGISTRATION = insert(Registration.__table__)  # type: ignore[arg-type]


def insert_registration(
    event_id: int,
    clean_data: RegistrationInput,
    *,
    organization_id: int | None,
    status: RegistrationStatus,
    source: RegistrationSource,
    manage_token: str | None = None,
    over_capacity: bool = False,
) -> Registered:
    """Insert a registration inside a savepoint (one Core INSERT: this is the hot path).

    The unique keys back the duplicate rule: an IntegrityError from a race the lock did not cover
    (a caller without it, a double submit) becomes :class:`AlreadyRegistered`; one from a check-in
    code already used in this course draws another code.
    """
    now = utcnow()
    values: dict[str, Any] = {
        "event_id": event_id,
        "full_name": clean_data.full_name,
        "sort_key": name_sort_key(clean_data.full_name),
        "search_name": fold(clean_data.full_name),
        "gender": Gender(clean_data.gender) if clean_data.gender else None,
        "birth_year": clean_data.birth_year if isinstance(clean_data.birth_year, int) else None,
        "organization_id": organization_id,
        "position": clean_data.position,
        "phone": clean_data.phone,
        "email": clean_data.email,
        "status": status,
        "source": source,
        "over_capacity": over_capacity,
        "manage_token": manage_token or secrets.token_urlsafe(32),
        "consent_at": now if clean_data.consent else None,
        "created_at": now,
        "updated_at": now,
        "status_changed_at": now,
    }
    for attempt in range(5):
        values["checkin_code"] = new_checkin_code()
        try:
            with db.session.begin_nested():
                result = execute_write(db.session, _INSERT_REGISTRATION, values)
            break
        except IntegrityError:
            duplicate = find_duplicate(event_id, clean_data.phone, clean_data.email)
            if duplicate is not None:
                raise duplicate from None
            if attempt == 4:
                raise
    return Registered(
        id=result.inserted_primary_key[0],
        status=status,
        organization_id=organization_id,
        manage_token=values["manage_token"],
        checkin_code=values["checkin_code"],
        over_capacity=over_capacity,
    )


def lock_event(event_id: int) -> Event:
    begin_write(db.session)
    event: Event | None = lock_row(db.session, Event, event_id)
    if event is None:
        raise RegistrationClosed()
    return event


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
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise RegistrationError(_l("This registration does not exist."))
    event = lock_event(registration.event_id)
    registration = db.session.scalars(
        select(Registration)
        .where(Registration.id == registration_id)
        .execution_options(populate_existing=True)
    ).one()
    if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
        return CancelResult(registration, changed=False)
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    set_status(registration, RegistrationStatus.CANCELLED, actor, "registration.cancel")
    db.session.flush()
    promoted = fill_from_waitlist(event, actor) if was_confirmed else []
    return CancelResult(registration, changed=True, promoted=promoted)


def register_again(registration_id: int) -> Registration:
    """Take up a cancelled registration again, from the participant's own page, while the course
    takes registrations: decided as a new one would be (pending, confirmed or waitlisted, or
    :class:`EventFull`), with the seat rules under the course lock. The phone and e-mail stay
    the registration's, so rule 2 (one registration per person) holds; a rejected or anonymised
    registration cannot come back (:class:`RegistrationError`)."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise RegistrationError(_l("This registration does not exist."))
    rules = _lock_course_rules(_LOCK_BY_ID, registration.event_id)
    registration = db.session.scalars(
        select(Registration)
        .where(Registration.id == registration_id)
        .execution_options(populate_existing=True)
    ).one()
    if registration.status != RegistrationStatus.CANCELLED or registration.anonymised_at:
        raise RegistrationError(_l("This registration cannot be taken up again."))
    if not registration_is_open(rules):
        raise RegistrationClosed()
    has_seat = fits(rules.id, rules.capacity, registration.organization_id)
    status = _decide(rules, RegistrationSource.ONLINE, has_seat)
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
