"""Staff changes to registrations: edit details, walk-ins at the door, bulk confirm and cancel.

Built on the registration services' own helpers (normalisation, course lock, duplicate check,
unit resolution, status change with audit, waiting-list promotion) so the rules stay the same as
for the public form: one writer transaction per verb, the course row locked before counting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.services import changes
from ..audit.services import record
from ..common.text import fold
from ..common.text import name_sort_key
from ..events.models import Quota
from ..extensions import db
from .errors import InvalidRegistration
from .errors import RegistrationError
from .models import Gender
from .models import Registration
from .models import RegistrationSource
from .models import RegistrationStatus
from .normalise import RegistrationInput
from .normalise import normalise_input
from .seats import Seats
from .services import fill_from_waitlist
from .services import lock_event
from .services import lock_registration
from .services import register
from .services import set_status
from .storage import find_duplicate
from .storage import resolve_organization

if TYPE_CHECKING:
    from ..auth.models import User

#: fields a staff edit may change, in the order they appear in the audit entry
EDITABLE = ["full_name", "gender", "birth_year", "organization_id", "position", "phone", "email"]


def _unit_has_room(event_id: int, organization_id: int) -> bool:
    """A confirmed registration moving into this unit fits its quota (the course total does not
    change). The caller holds the course lock."""
    seats = db.session.scalar(
        select(Quota.seats).where(
            Quota.event_id == event_id, Quota.organization_id == organization_id
        )
    )
    if seats is None:
        return True
    taken = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event_id,
            Registration.organization_id == organization_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    return (taken or 0) < seats


def update_registration(
    registration_id: int, data: RegistrationInput, actor: User | None
) -> Registration:
    """Change a registration's details with the public form's normalisation and checks.

    Raises :class:`InvalidRegistration` (a message per field), :class:`AlreadyRegistered` (the
    phone or e-mail belongs to another registration of the course) or :class:`RegistrationError`
    on ``organization`` when a confirmed participant would move into a unit whose quota is full.
    """
    clean_data, errors = normalise_input(data)
    if errors:
        raise InvalidRegistration(errors)
    event, registration = lock_registration(registration_id)
    duplicate = find_duplicate(event.id, clean_data.phone, clean_data.email, registration.id)
    if duplicate is not None:
        raise duplicate
    organization_id = resolve_organization(clean_data.organization, actor)
    if (
        organization_id != registration.organization_id
        and registration.status == RegistrationStatus.CONFIRMED
        and not _unit_has_room(event.id, organization_id)
    ):
        raise RegistrationError(
            _l("This organization's quota is full: the participant cannot move into it."),
            "organization",
        )
    before = {name: getattr(registration, name) for name in EDITABLE}
    registration.full_name = clean_data.full_name
    registration.sort_key = name_sort_key(clean_data.full_name)
    registration.search_name = fold(clean_data.full_name)
    registration.gender = Gender(clean_data.gender) if clean_data.gender else None
    registration.birth_year = (
        clean_data.birth_year if isinstance(clean_data.birth_year, int) else None
    )
    registration.organization_id = organization_id
    registration.position = clean_data.position
    registration.phone = clean_data.phone
    registration.email = clean_data.email
    diff = changes(registration, EDITABLE, before)
    if diff:
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            duplicate = find_duplicate(
                event.id, clean_data.phone, clean_data.email, registration.id
            )
            if duplicate is not None:
                raise duplicate from None
            raise
        record(actor, "registration.edit", registration, event_id=event.id, details=diff)
    return registration


@dataclass
class WalkInResult:
    registration: Registration
    #: confirmed although the course or the unit's quota was full
    over_capacity: bool


def register_walk_in(event_id: int, data: RegistrationInput, actor: User | None) -> WalkInResult:
    """Register a person who came without registering: :func:`~.services.register` with source
    walk-in, so confirmed even when the course or the unit's quota is full (then flagged
    ``over_capacity``), consent recorded by the staff member. ``attendance.services.walk_in``
    also checks them in."""
    # Consent is asked aloud and ticked by staff: the form requires it like the public one.
    if not data.consent:
        _clean_data, errors = normalise_input(data)
        errors.setdefault(
            "consent", _l("The participant must agree to the processing of personal data.")
        )
        raise InvalidRegistration(errors)
    registered = register(event_id, data, source=RegistrationSource.WALK_IN, actor=actor)
    registration = db.session.get(Registration, registered.id)
    assert registration is not None  # inserted in this transaction
    return WalkInResult(registration, registered.over_capacity)


@dataclass
class BulkStatusResult:
    changed: list[Registration] = field(default_factory=list)
    #: waitlisted ones that got a seat because others were cancelled
    promoted: list[Registration] = field(default_factory=list)
    #: for confirm: approved onto the waiting list (pending with no seat left)
    waitlisted: list[Registration] = field(default_factory=list)
    #: not in a state the action applies to, or no seat left
    skipped: list[Registration] = field(default_factory=list)


def _of_course(event_id: int, ids: Iterable[int]) -> list[Registration]:
    wanted = sorted({i for i in ids if 0 < i < 2**63})
    if not wanted:
        return []
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event_id, Registration.id.in_(wanted))
            .order_by(Registration.created_at, Registration.id)
            .execution_options(populate_existing=True)
        )
    )


def cancel_many(event_id: int, ids: Iterable[int], actor: User | None) -> BulkStatusResult:
    """Cancel registrations; freed confirmed seats go to the waiting list, oldest first.

    The same steps as ``services.cancel`` for each one, under one course lock.
    """
    event = lock_event(event_id)
    result = BulkStatusResult()
    freed = False
    for registration in _of_course(event.id, ids):
        if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
            result.skipped.append(registration)
            continue
        freed = freed or registration.status == RegistrationStatus.CONFIRMED
        set_status(registration, RegistrationStatus.CANCELLED, actor, "registration.cancel")
        result.changed.append(registration)
    db.session.flush()
    if freed:
        result.promoted = fill_from_waitlist(event, actor)
    return result


def confirm_many(event_id: int, ids: Iterable[int], actor: User | None) -> BulkStatusResult:
    """Confirm pending (approve) and waitlisted registrations while the course and the unit's
    quota have a seat, oldest first. Pending ones without a seat go to the waiting list when it
    is on; the rest are skipped (never over capacity: walk-ins are the only exception)."""
    event = lock_event(event_id)
    result = BulkStatusResult()
    seats = Seats(event)
    for registration in _of_course(event.id, ids):
        if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
            result.skipped.append(registration)
            continue
        pending = registration.status == RegistrationStatus.PENDING
        action = "registration.approve" if pending else "registration.promote"
        if seats.fits(registration.organization_id):
            set_status(registration, RegistrationStatus.CONFIRMED, actor, action)
            seats.take(registration.organization_id)
            result.changed.append(registration)
        elif pending and event.waitlist_enabled:
            set_status(registration, RegistrationStatus.WAITLISTED, actor, action)
            result.waitlisted.append(registration)
        else:
            result.skipped.append(registration)
    db.session.flush()
    return result


def registration_history(registration_id: int) -> list[Any]:
    """Audit entries about this registration, newest first (one query)."""
    from ..audit.models import AuditEntry

    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "Registration", AuditEntry.object_id == registration_id
            )
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(200)
        )
    )
