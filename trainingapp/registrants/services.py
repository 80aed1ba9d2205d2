"""Staff changes to a course's registrations: edit details, and confirm (approve), reject or
cancel several at once.

Built on the registration package's rules (normalisation, the course lock, the duplicate check,
unit look-up, the seat rule, status changes with audit and mail, waiting-list promotion), so the
rules are the public form's: one writer transaction per verb, the course locked before counting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit.models import AuditEntry
from ..audit.services import changes
from ..audit.services import record
from ..extensions import db
from ..registration.errors import InvalidRegistration
from ..registration.errors import RegistrationError
from ..registration.models import Registration
from ..registration.models import RegistrationStatus
from ..registration.normalise import RegistrationInput
from ..registration.normalise import normalise_input
from ..registration.notifications import MailKind
from ..registration.seats import Seats
from ..registration.seats import decide
from ..registration.services import CANCELLABLE
from ..registration.services import fill_from_waitlist
from ..registration.services import lock
from ..registration.services import lock_registration
from ..registration.services import set_status
from ..registration.storage import PERSON_COLUMNS
from ..registration.storage import find_duplicate
from ..registration.storage import person_values
from ..registration.storage import resolve_organization

if TYPE_CHECKING:
    from ..auth.models import User

#: fields a staff edit may change, in the order they appear in the audit entry
EDITABLE = ["full_name", "gender", "birth_year", "organization_id", "position", "phone", "email"]


def update_registration(
    registration_id: int,
    data: RegistrationInput,
    actor: User | None,
    actor_label: str | None = None,
) -> Registration:
    """Change a registration's details with the public form's normalisation and checks.

    Raises :class:`InvalidRegistration` (a message per field), :class:`AlreadyRegistered` (the
    phone or e-mail belongs to another registration of the course) or :class:`RegistrationError`
    on ``organization`` when a confirmed participant would move into a unit whose quota is full.
    ``actor_label`` names the actor without an account (the participant, from their own link).
    """
    clean_data, errors = normalise_input(data)
    if errors:
        raise InvalidRegistration(errors)
    rules, registration = lock_registration(registration_id)
    duplicate = find_duplicate(rules.id, clean_data.phone, clean_data.email, registration.id)
    if duplicate is not None:
        raise duplicate
    organization_id = resolve_organization(clean_data.organization, actor)
    if organization_id != registration.organization_id:
        # The course total stays the same: only the new unit's quota must have room.
        room = Seats(rules).unit_has_room(organization_id)
        if decide(rules, room, current=registration.status).full:
            raise RegistrationError(
                _l("This organization's quota is full: the participant cannot move into it."),
                "organization",
            )
    before = {name: getattr(registration, name) for name in EDITABLE}
    for column, value in person_values(clean_data).items():
        if column in PERSON_COLUMNS:
            setattr(registration, column, value)
    registration.organization_id = organization_id
    diff = changes(registration, EDITABLE, before)
    if diff:
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            duplicate = find_duplicate(
                rules.id, clean_data.phone, clean_data.email, registration.id
            )
            if duplicate is not None:
                raise duplicate from None
            raise
        record(
            actor,
            "registration.edit",
            registration,
            event_id=rules.id,
            details=diff,
            actor_label=actor_label,
        )
    return registration


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
    wanted = sorted({i for i in ids if 0 < i < 2**31})
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

    The same steps as ``registration.services.cancel`` for each one, under one course lock.
    """
    rules = lock(event_id)
    result = BulkStatusResult()
    freed = False
    for registration in _of_course(rules.id, ids):
        if registration.status not in CANCELLABLE:
            result.skipped.append(registration)
            continue
        freed = freed or registration.status == RegistrationStatus.CONFIRMED
        set_status(
            registration,
            RegistrationStatus.CANCELLED,
            actor,
            "registration.cancel",
            mail=MailKind.CANCELLED,
        )
        result.changed.append(registration)
    db.session.flush()
    if freed:
        result.promoted = fill_from_waitlist(rules, actor)
    return result


def confirm_many(event_id: int, ids: Iterable[int], actor: User | None) -> BulkStatusResult:
    """Confirm pending (approve) and waitlisted registrations while the course and the unit's
    quota have a seat, oldest first. Pending ones without a seat go to the waiting list when it
    is on; the rest are skipped (never over capacity: walk-ins are the only exception)."""
    rules = lock(event_id)
    result = BulkStatusResult()
    seats = Seats(rules)
    for registration in _of_course(rules.id, ids):
        if registration.status not in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
            result.skipped.append(registration)
            continue
        pending = registration.status == RegistrationStatus.PENDING
        action = "registration.approve" if pending else "registration.promote"
        decision = decide(
            rules, seats.fits(registration.organization_id), current=registration.status
        )
        if decision.status == registration.status:
            result.skipped.append(registration)
        elif decision.status == RegistrationStatus.CONFIRMED:
            set_status(registration, decision.status, actor, action, mail=MailKind.APPROVED)
            seats.take(registration.organization_id)
            result.changed.append(registration)
        else:
            set_status(registration, decision.status, actor, action, mail=MailKind.WAITLISTED)
            result.waitlisted.append(registration)
    db.session.flush()
    return result


def reject_many(event_id: int, ids: Iterable[int], actor: User | None) -> BulkStatusResult:
    """Reject pending registrations (each told by mail); others are skipped."""
    rules = lock(event_id)
    result = BulkStatusResult()
    for registration in _of_course(rules.id, ids):
        if registration.status != RegistrationStatus.PENDING:
            result.skipped.append(registration)
            continue
        set_status(
            registration,
            RegistrationStatus.REJECTED,
            actor,
            "registration.reject",
            mail=MailKind.REJECTED,
        )
        result.changed.append(registration)
    db.session.flush()
    return result


def registration_history(registration_id: int) -> list[Any]:
    """Audit entries about this registration, newest first (one query)."""
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
