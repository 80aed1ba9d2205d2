"""Registration verbs: register (online, walk-in), cancel, register again, promote from the
waiting list.

Every verb that can change how many seats are taken locks the course first
(``events.locking.lock_course``: one writer at a time per course, on SQLite and PostgreSQL),
asks the one seat rule (``seats.decide``) and queues the participant's mail in the same
transaction (``notifications``), so nothing is told that did not happen. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import changes
from ..audit.services import record
from ..common.time import utcnow
from ..events.locking import CourseGone
from ..events.locking import lock_course
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
from .notice import NOTICE_VERSION
from .notifications import STATUS_KIND
from .notifications import MailKind
from .notifications import queue_mail
from .notifications import queue_mail_to
from .seats import Seats
from .seats import decide
from .seats import has_seat
from .storage import PARTICIPANT
from .storage import Registered
from .storage import find_duplicate
from .storage import insert_registration
from .storage import person_values
from .storage import resolve_organization

if TYPE_CHECKING:
    from ..auth.models import User


def lock(event_id: int | None = None, *, public_slug: str | None = None) -> Any:
    """``events.locking.lock_course``; an unknown course is :class:`RegistrationClosed`."""
    try:
        return lock_course(event_id, public_slug=public_slug)
    except CourseGone:
        raise RegistrationClosed() from None


def lock_registration(registration_id: int) -> tuple[Any, Registration]:
    """A registration and its course's rules, the course locked and the registration read
    again inside that writer transaction, so its status is current."""
    event_id = db.session.scalar(
        select(Registration.event_id).where(Registration.id == registration_id)
    )
    if event_id is None:
        raise RegistrationError(_l("This registration does not exist."))
    rules = lock(event_id)
    registration = db.session.scalars(
        select(Registration)
        .where(Registration.id == registration_id)
        .execution_options(populate_existing=True)
    ).one()
    return rules, registration


def register(
    event_id: int,
    data: RegistrationInput,
    *,
    source: RegistrationSource,
    actor: User | None,
    manage_token: str | None = None,
    locale: str | None = None,
    organization_id: int | None = None,
    actor_label: str | None = None,
) -> Registered:
    """Register a participant: one decision in one writer transaction.

    Order: normalise and check the input (:class:`InvalidRegistration`); lock the course; refuse
    a closed course for online registrations (:class:`RegistrationClosed`) and a phone or e-mail
    already registered (:class:`AlreadyRegistered`, found by the insert's unique keys and
    before :class:`EventFull`); then a walk-in -> confirmed (flagged
    ``over_capacity`` without a free seat); approval on -> pending; a free seat in the course and
    the unit's quota -> confirmed; otherwise waitlisted, or :class:`EventFull` when the waiting
    list is off. ``manage_token`` lets the web view derive an idempotent token (see
    ``tokens.manage_token_for``); by default it is ``secrets.token_urlsafe(32)``.
    ``locale`` is kept in the audit entry so later mail uses the participant's language.
    ``organization_id`` names the unit outright (a unit's nomination link) instead of looking up
    the typed name; ``actor_label`` is the audit log's actor when there is no account.

    Hundreds of people register in the first hour, so this runs a handful of prebuilt Core
    statements while it holds the lock, and no ORM flush.
    """
    clean_data = _checked(data, source)
    person = person_values(clean_data)  # derived before the lock, which is then held for less
    rules = lock(event_id)
    return _register(
        rules,
        clean_data,
        person,
        source,
        actor,
        manage_token,
        locale,
        organization_id,
        actor_label,
    )


def register_online(
    slug: str, data: RegistrationInput, *, manage_token: str | None, locale: str | None
) -> Registered:
    """:func:`register` from the public form, the course found by its ``slug`` under the lock
    (one round trip fewer than looking it up first). A draft or unknown course is
    :class:`RegistrationClosed`."""
    clean_data = _checked(data, RegistrationSource.ONLINE)
    person = person_values(clean_data)
    rules = lock(public_slug=slug)
    return _register(
        rules, clean_data, person, RegistrationSource.ONLINE, None, manage_token, locale
    )


#: sources whose new registrations are told their status by mail (staff tell walk-ins and
#: imported people themselves)
MAILED_SOURCES = (RegistrationSource.ONLINE, RegistrationSource.NOMINATION)


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
    person: dict[str, Any],
    source: RegistrationSource,
    actor: User | None,
    manage_token: str | None,
    locale: str | None,
    organization_id: int | None = None,
    actor_label: str | None = None,
) -> Registered:
    """The decision of :func:`register`, the course locked and its ``rules`` read."""
    if source == RegistrationSource.ONLINE and not registration_is_open(rules):
        raise RegistrationClosed()
    if rules.status == EventStatus.ARCHIVED:
        raise RegistrationClosed()
    event_id = rules.id
    # A phone or e-mail already registered is found by the insert (the unique keys: no row), so
    # the common case needs no look-up first. The caller rolls back what came before (a unit
    # typed for the first time); a full course still answers "already registered" first.
    if organization_id is None:
        organization_id = resolve_organization(clean_data.organization, actor)
    decision = decide(rules, has_seat(rules, organization_id), source=source)
    if decision.full:
        duplicate = find_duplicate(event_id, clean_data.phone, clean_data.email)
        raise duplicate if duplicate is not None else EventFull()
    registered = insert_registration(
        event_id,
        clean_data,
        organization_id=organization_id,
        status=decision.status,
        source=source,
        manage_token=manage_token,
        over_capacity=decision.over_capacity,
        locale=locale,
        person=person,
        consent_version=NOTICE_VERSION,
        # Staff (a walk-in) vouch for having informed the person; a nominee's unit does
        # (source nomination: the course's invitation of that unit).
        consent_vouched_by_id=actor.id if actor is not None else None,
    )
    details: dict[str, Any] = {"status": decision.status.value, "source": source.value}
    if source == RegistrationSource.WALK_IN:
        details.update(over_capacity=decision.over_capacity, consent="recorded by staff")
    if source == RegistrationSource.NOMINATION:
        details.update(consent="informed by the unit")
    record(
        actor,
        "registration.create",
        object_type="Registration",
        object_id=registered.id,
        event_id=event_id,
        details=details,
        actor_label=None if actor else (actor_label or PARTICIPANT),
    )
    if source in MAILED_SOURCES and clean_data.email:
        queue_mail_to(registered.id, clean_data.email, STATUS_KIND[decision.status], locale)
    return registered


def register_walk_in(event_id: int, data: RegistrationInput, actor: User | None) -> Registration:
    """Register a person who came without registering: :func:`register` with source walk-in,
    so confirmed even when the course or the unit's quota is full (then flagged
    ``over_capacity``), consent asked aloud and ticked by the staff member (required like the
    public form's box). ``attendance.services.walk_in`` also checks them in."""
    if not data.consent:
        _clean_data, errors = normalise_input(data)
        errors.setdefault(
            "consent", _l("The participant must agree to the processing of personal data.")
        )
        raise InvalidRegistration(errors)
    registered = register(event_id, data, source=RegistrationSource.WALK_IN, actor=actor)
    registration = db.session.get(Registration, registered.id)
    assert registration is not None  # inserted in this transaction
    return registration


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


def set_status(
    registration: Registration,
    status: RegistrationStatus,
    actor: User | None,
    action: str,
    mail: MailKind | None = None,
) -> None:
    """Change the status (audited as ``action``) and queue ``mail`` to the participant in the
    same transaction."""
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
    if mail is not None:
        queue_mail(registration, mail)


def fill_from_waitlist(rules: Any, actor: User | None) -> list[Registration]:
    """Confirm waitlisted registrations, oldest first, while the course and their unit's quota
    have room (each told by mail). The caller holds the course lock."""
    seats = Seats(rules)
    if seats.course_full:
        return []
    waiting = db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == rules.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.created_at, Registration.id)
    )
    promoted = []
    for registration in waiting:
        if seats.course_full:
            break
        decision = decide(
            rules, seats.fits(registration.organization_id), current=registration.status
        )
        if decision.status != RegistrationStatus.CONFIRMED:
            continue
        set_status(
            registration, decision.status, actor, "registration.promote", mail=MailKind.PROMOTED
        )
        seats.take(registration.organization_id)
        promoted.append(registration)
    return promoted


#: states a registration can still be cancelled from
CANCELLABLE = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
)


@dataclass
class CancelResult:
    registration: Registration
    #: False when it was already cancelled or rejected
    changed: bool
    promoted: list[Registration] = field(default_factory=list)


def cancel(registration_id: int, actor: User | None) -> CancelResult:
    """Cancel a registration (the participant is told); a freed confirmed seat goes to the
    waiting list."""
    rules, registration = lock_registration(registration_id)
    if registration.status not in CANCELLABLE:
        return CancelResult(registration, changed=False)
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    set_status(
        registration,
        RegistrationStatus.CANCELLED,
        actor,
        "registration.cancel",
        mail=MailKind.CANCELLED,
    )
    db.session.flush()
    promoted = fill_from_waitlist(rules, actor) if was_confirmed else []
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
    rules, registration = lock_registration(registration_id)
    if registration.status != RegistrationStatus.CANCELLED or registration.anonymised_at:
        raise RegistrationError(_l("This registration cannot be taken up again."))
    if not registration_is_open(rules) or rules.status == EventStatus.ARCHIVED:
        raise RegistrationClosed()
    decision = decide(rules, has_seat(rules, registration.organization_id))
    if decision.full:
        raise EventFull()
    set_status(
        registration,
        decision.status,
        None,
        "registration.register_again",
        mail=STATUS_KIND[decision.status],
    )
    db.session.flush()
    return registration
