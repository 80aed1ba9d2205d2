"""Invitations and nominations: the verbs of inviting units to a course, of their contacts
nominating people on the unit's link, and of releasing the held seats after the deadline.

Nominees are registrations with source ``nomination``: they go through the registration
package's one verb (``registration.services.register``), so the course lock, the duplicate rule
and the one seat rule (against the unit's quota, with its held seats) decide them exactly as
they decide the public form. Callers commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import contains_eager

from ..audit.services import record
from ..common.dbtx import begin_write
from ..common.emails import InvalidEmailError
from ..common.emails import normalise_email
from ..common.errors import DomainError
from ..common.phones import InvalidPhoneError
from ..common.phones import normalise_phone
from ..common.text import clean
from ..common.time import utcnow
from ..events.locking import lock_event
from ..events.models import Event
from ..events.models import EventStatus
from ..events.models import Quota
from ..events.services import course_starts_at
from ..events.services import jsonable
from ..extensions import db
from ..mail.periodic import periodic
from ..organizations.lookup import current_successor_id
from ..organizations.models import Organization
from ..organizations.models import OrganizationKind
from ..registrants.services import update_registration
from ..registration.errors import EventFull
from ..registration.errors import InvalidRegistration
from ..registration.errors import RegistrationError
from ..registration.models import Registration
from ..registration.models import RegistrationSource
from ..registration.models import RegistrationStatus
from ..registration.normalise import RegistrationInput
from ..registration.quotas import set_quota
from ..registration.seats import confirmed_in_unit
from ..registration.services import cancel
from ..registration.services import fill_from_waitlist
from ..registration.services import register
from ..registration.storage import Registered
from .models import Invitation

if TYPE_CHECKING:
    from ..auth.models import User

#: the audit log's actor for what a unit's contact does on its link
UNIT_CONTACT = "unit contact"
#: the link's opening is noted at most this often (a GET that writes must stay rare)
OPENED_EVERY = timedelta(minutes=10)
#: the most people one pasted block or uploaded list may nominate at once
MAX_ROWS = 500


class NominationError(DomainError):
    """A refusal on the nomination link or the organizer's invitation pages."""


class LinkState(StrEnum):
    OPEN = "open"
    REVOKED = "revoked"
    #: the nomination deadline has passed
    CLOSED = "closed"
    #: the course itself takes nobody any more (closed, archived) or has no deadline yet
    NOT_OPEN = "not_open"


def new_token() -> str:
    """43 URL-safe characters: 256 bits, unguessable."""
    return secrets.token_urlsafe(32)


# --- the organizer's side -------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""


def _clean_contact(contact: Contact) -> Contact:
    name = clean(contact.name)[:200]
    phone = clean(contact.phone)
    if phone:
        try:
            phone = normalise_phone(phone)
        except InvalidPhoneError:
            raise NominationError(
                _l("Please enter a Vietnamese phone number, e.g. 0905 123 456 or +84 905 123 456."),
                "contact_phone",
            ) from None
    try:
        email = normalise_email(clean(contact.email) or None) or ""
    except InvalidEmailError:
        raise NominationError(
            _l("Please enter a valid e-mail address, e.g. ten@example.vn, or leave it empty."),
            "contact_email",
        ) from None
    return Contact(name, phone, email)


def invite(
    actor: User | None, event: Event, organization_id: int, seats: int, contact: Contact
) -> Invitation:
    """Invite a current unit (or change its quota and contact): its quota is set through the
    quota rule, its contact remembered on the unit for the next course. Audited."""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NominationError(_l("Choose the unit from the list."), "organization_id")
    if not organization.is_current:
        successor_id = current_successor_id(organization.id)
        successor = db.session.get(Organization, successor_id) if successor_id else None
        raise NominationError(
            _l(
                "%(unit)s has been replaced by %(successor)s: invite that unit instead.",
                unit=organization.name,
                successor=successor.name,
            )
            if successor is not None and successor.id != organization.id
            else _l("%(unit)s no longer exists.", unit=organization.name),
            "organization_id",
        )
    if seats < 1:
        raise NominationError(_l("Ask the unit for at least one participant."), "seats")
    contact = _clean_contact(contact)
    set_quota(actor, event, organization_id, seats)  # locks the course
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.event_id == event.id, Invitation.organization_id == organization_id
        )
    )
    details: dict[str, Any] = {"organization_id": organization_id, "seats": seats}
    if invitation is None:
        invitation = Invitation(
            event_id=event.id,
            organization_id=organization_id,
            token=new_token(),
            created_by_id=actor.id if actor else None,
        )
        db.session.add(invitation)
        action = "invitation.create"
    else:
        action = "invitation.update"
    invitation.contact_name = contact.name or organization.contact_name
    invitation.contact_phone = contact.phone or organization.contact_phone
    invitation.contact_email = contact.email or organization.contact_email or None
    if contact.name or contact.phone or contact.email:
        organization.contact_name = invitation.contact_name
        organization.contact_phone = invitation.contact_phone
        organization.contact_email = invitation.contact_email
    details["contact"] = invitation.contact_name
    db.session.flush()
    record(actor, action, invitation, event_id=event.id, details=details)
    return invitation


def invite_kind(
    actor: User | None, event: Event, kind: OrganizationKind, seats: int
) -> list[Invitation]:
    """Invite every current unit of a kind not invited yet, each with ``seats`` and its
    remembered contact. Retired units are never invited (their successors are current)."""
    invited = select(Invitation.organization_id).where(Invitation.event_id == event.id)
    units = db.session.scalars(
        select(Organization.id)
        .where(
            Organization.kind == kind,
            Organization.retired_on.is_(None),
            Organization.needs_review.is_(False),
            Organization.id != event.organizer_id,
            Organization.id.not_in(invited),
        )
        .order_by(Organization.name_key)
    ).all()
    # A unit whose people already registered beyond ``seats`` is asked for as many as it has
    # confirmed: nobody loses a seat (a single invitation refuses a quota below that instead).
    return [
        invite(actor, event, unit, max(seats, confirmed_in_unit(event.id, unit)), Contact())
        for unit in units
    ]


def set_deadline(actor: User | None, event: Event, closes_at: datetime | None) -> None:
    """Set the nomination deadline (naive UTC; None: nothing held). It must fall before the
    course starts. A deadline moved into the future holds the seats again."""
    event = lock_event(event.id)
    if closes_at is not None and closes_at >= course_starts_at(event.start_date, event.sessions):
        raise NominationError(
            _l("The nomination deadline must be before the course starts."), "closes_at"
        )
    before = event.nominations_close_at
    if before == closes_at:
        return
    event.nominations_close_at = closes_at
    if closes_at is not None and closes_at > utcnow():
        event.held_seats_released_at = None
    db.session.flush()
    record(
        actor,
        "event.nomination_deadline",
        event,
        event_id=event.id,
        details={"nominations_close_at": [jsonable(before), jsonable(closes_at)]},
    )


def revoke(actor: User | None, invitation: Invitation) -> None:
    """The unit's link stops working at once (its nominees stay)."""
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        db.session.flush()
        record(actor, "invitation.revoke", invitation, event_id=invitation.event_id)


def renew(actor: User | None, invitation: Invitation) -> None:
    """A new secret for the unit's link: the old link stops working, the new one works."""
    invitation.token = new_token()
    invitation.revoked_at = None
    db.session.flush()
    record(actor, "invitation.renew", invitation, event_id=invitation.event_id)


# --- the unit's link ------------------------------------------------------------------------


def invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token == token))


def link_state(invitation: Invitation, now: datetime | None = None) -> LinkState:
    event = invitation.event
    if invitation.revoked_at is not None:
        return LinkState.REVOKED
    if event.status in (EventStatus.CLOSED, EventStatus.ARCHIVED):
        return LinkState.NOT_OPEN
    if event.nominations_close_at is None:
        return LinkState.NOT_OPEN
    if (now or utcnow()) >= event.nominations_close_at:
        return LinkState.CLOSED
    return LinkState.OPEN


def note_opened(invitation: Invitation) -> None:
    """Remember that the unit's contact opened the link (for the tracker); at most every
    :data:`OPENED_EVERY`, in its own small write. The caller commits."""
    now = utcnow()
    if invitation.last_opened_at is not None and now - invitation.last_opened_at < OPENED_EVERY:
        return
    begin_write(db.session)
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(
            last_opened_at=now,
            first_opened_at=func.coalesce(Invitation.first_opened_at, now),
        )
    )


def _open_or_refuse(invitation: Invitation) -> None:
    state = link_state(invitation)
    if state != LinkState.OPEN:
        raise NominationError(STATE_MESSAGES[state])


STATE_MESSAGES = {
    LinkState.REVOKED: _l(
        "This nomination link has been withdrawn. Ask the organizers for the unit's new link."
    ),
    LinkState.CLOSED: _l("The nomination deadline has passed: nominees can no longer be changed."),
    LinkState.NOT_OPEN: _l("Nominations for this course are not open."),
    LinkState.OPEN: "",
}


def _unit_input(invitation: Invitation, data: RegistrationInput) -> RegistrationInput:
    """The nominee as the public form's input: the unit is the link's, consent the unit's."""
    return RegistrationInput(
        full_name=data.full_name,
        organization=invitation.organization.name,
        phone=data.phone,
        gender=data.gender,
        birth_year=data.birth_year,
        position=data.position,
        email=data.email,
        consent=True,
    )


def _changed(invitation: Invitation) -> None:
    invitation.last_change_at = utcnow()
    db.session.flush()


def nominate(invitation: Invitation, data: RegistrationInput, locale: str | None) -> Registered:
    """One nominee of the unit: a registration with source ``nomination``, decided by the seat
    rule against the unit's quota (the waiting list beyond it, or a refusal when it is off)."""
    _open_or_refuse(invitation)
    try:
        registered = register(
            invitation.event_id,
            _unit_input(invitation, data),
            source=RegistrationSource.NOMINATION,
            actor=None,
            locale=locale,
            organization_id=invitation.organization_id,
            actor_label=UNIT_CONTACT,
        )
    except EventFull:
        raise NominationError(
            _l(
                "The unit's quota is used up and this course has no waiting list: "
                "nobody more can be nominated."
            )
        ) from None
    _changed(invitation)
    return registered


def nominees(invitation: Invitation) -> list[Registration]:
    """The people the unit nominated (not those who registered themselves), in list order."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(
                Registration.event_id == invitation.event_id,
                Registration.organization_id == invitation.organization_id,
                Registration.source == RegistrationSource.NOMINATION,
                Registration.anonymised_at.is_(None),
            )
            .order_by(Registration.sort_key, Registration.id)
        )
    )


def nominee_of(invitation: Invitation, registration_id: int) -> Registration:
    registration = (
        db.session.get(Registration, registration_id) if 0 < registration_id < 2**31 else None
    )
    if (
        registration is None
        or registration.event_id != invitation.event_id
        or registration.organization_id != invitation.organization_id
        or registration.source != RegistrationSource.NOMINATION
    ):
        raise NominationError(_l("This person is not one of the unit's nominees."))
    return registration


def update_nominee(invitation: Invitation, registration_id: int, data: RegistrationInput) -> None:
    _open_or_refuse(invitation)
    registration = nominee_of(invitation, registration_id)
    if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.REJECTED):
        raise NominationError(_l("This nominee was withdrawn; nominate them again instead."))
    update_registration(registration.id, _unit_input(invitation, data), None)
    _changed(invitation)


def withdraw_nominee(invitation: Invitation, registration_id: int) -> None:
    """The unit withdraws a nominee: the registration is cancelled (the person is told) and a
    freed seat goes to the waiting list."""
    _open_or_refuse(invitation)
    registration = nominee_of(invitation, registration_id)
    cancel(registration.id, None)
    _changed(invitation)


@dataclass(frozen=True)
class RowProblem:
    number: int
    field: str
    message: Any


class RowsRefused(NominationError):  # noqa: N818  (a refusal, like EventFull)
    """A pasted block or uploaded list had bad rows: nothing was saved."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__(_l("Nothing was saved: correct the rows below and try again."))
        self.problems = list(problems)


def nominate_rows(
    invitation: Invitation, rows: Sequence[tuple[int, RegistrationInput]], locale: str | None
) -> list[Registered]:
    """Nominate several people at once, all or nothing: any bad row (a field, a phone or
    e-mail already registered or twice in the block, the quota full without a waiting list)
    refuses the whole block, naming the rows. The caller rolls back on :class:`RowsRefused`."""
    _open_or_refuse(invitation)
    if not rows:
        raise NominationError(_l("There are no people in what you pasted or uploaded."))
    if len(rows) > MAX_ROWS:
        raise NominationError(_l("At most %(n)d people at once.", n=MAX_ROWS))
    lock_event(invitation.event_id)  # once for the block: each nominee's lock then costs nothing
    problems: list[RowProblem] = []
    registered: list[Registered] = []
    for number, data in rows:
        try:
            with db.session.begin_nested():
                registered.append(nominate(invitation, data, locale))
        except InvalidRegistration as exc:
            problems.extend(RowProblem(number, f, m) for f, m in exc.errors.items())
        except RegistrationError as exc:
            problems.append(RowProblem(number, exc.field or "", exc.message))
        except NominationError as exc:
            problems.append(RowProblem(number, "", exc.message))
    if problems:
        raise RowsRefused(problems)
    return registered


# --- the tracker ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackerRow:
    invitation: Invitation
    unit_name: str
    quota: int
    confirmed: int
    waiting: int
    nominated: int

    @property
    def answered(self) -> bool:
        return self.nominated > 0


def tracker(event_id: int) -> list[TrackerRow]:
    """Every invited unit with its quota and its people: confirmed and waiting (pending or
    waitlisted) of the unit in all, and how many the contact nominated. Three queries, whatever the
    number of units."""
    invitations = db.session.scalars(
        select(Invitation)
        .join(Organization, Organization.id == Invitation.organization_id)
        .where(Invitation.event_id == event_id)
        .order_by(Organization.name_key)
        .options(contains_eager(Invitation.organization))
    ).all()
    quotas: dict[int, int] = {
        org_id: seats
        for org_id, seats in db.session.execute(
            select(Quota.organization_id, Quota.seats).where(Quota.event_id == event_id)
        )
    }
    counts: dict[int | None, dict[str, int]] = {}
    for org_id, status, source, n in db.session.execute(
        select(
            Registration.organization_id,
            Registration.status,
            Registration.source,
            func.count(Registration.id),
        )
        .where(Registration.event_id == event_id)
        .group_by(Registration.organization_id, Registration.status, Registration.source)
    ):
        unit = counts.setdefault(org_id, {"confirmed": 0, "waiting": 0, "nominated": 0})
        if status == RegistrationStatus.CONFIRMED:
            unit["confirmed"] += n
        elif status in (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED):
            unit["waiting"] += n
        if source == RegistrationSource.NOMINATION and status not in (
            RegistrationStatus.CANCELLED,
            RegistrationStatus.REJECTED,
        ):
            unit["nominated"] += n
    rows = []
    for invitation in invitations:
        unit = counts.get(invitation.organization_id, {})
        rows.append(
            TrackerRow(
                invitation,
                invitation.organization.name,
                quotas.get(invitation.organization_id, 0),
                unit.get("confirmed", 0),
                unit.get("waiting", 0),
                unit.get("nominated", 0),
            )
        )
    return rows


def invitable_units(event: Event) -> list[Organization]:
    """Current units not yet invited to the course (never retired ones), by name."""
    invited = select(Invitation.organization_id).where(Invitation.event_id == event.id)
    return list(
        db.session.scalars(
            select(Organization)
            .where(
                Organization.retired_on.is_(None),
                Organization.id != event.organizer_id,
                Organization.id.not_in(invited),
            )
            .order_by(Organization.name_key)
        )
    )


# --- after the deadline ---------------------------------------------------------------------


def release_held_seats(now: datetime | None = None) -> list[tuple[int, int]]:
    """For every course whose nomination deadline has passed and whose held seats were not
    released yet: fill the freed seats from the waiting list (the normal promotion, each
    promoted person told by mail), once. Returns (course id, people promoted). Each course is
    its own unit of work, committed here, so several processes running it at once do no harm."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Event.id).where(
            Event.nominations_close_at.is_not(None),
            Event.nominations_close_at <= now,
            Event.held_seats_released_at.is_(None),
            Event.status == EventStatus.PUBLISHED,
        )
    ).all()
    db.session.rollback()
    done = []
    for event_id in due:
        event = lock_event(event_id)
        if event.held_seats_released_at is not None or event.nominations_close_at is None:
            db.session.rollback()
            continue
        event.held_seats_released_at = now
        promoted = fill_from_waitlist(event, None)
        record(
            None,
            "event.held_seats_released",
            event,
            event_id=event.id,
            details={"promoted": len(promoted)},
            actor_label="system",
        )
        db.session.commit()
        done.append((event_id, len(promoted)))
    return done


def invitations_of(event_id: int, ids: Iterable[int] | None = None) -> list[Invitation]:
    statement = select(Invitation).where(Invitation.event_id == event_id)
    if ids is not None:
        statement = statement.where(Invitation.id.in_(list(ids)))
    return list(db.session.scalars(statement))


def remind(actor: User | None, invitation: Invitation, locale: str) -> bool:
    """Remind a unit: mail to its contact when it has an e-mail (True), and in every case the
    reminder is counted and audited (the organizer may also send the text by Zalo or SMS)."""
    from .messages import queue_reminder

    mailed = queue_reminder(invitation, locale)
    invitation.last_reminded_at = utcnow()
    invitation.reminders += 1
    db.session.flush()
    record(
        actor,
        "invitation.remind",
        invitation,
        event_id=invitation.event_id,
        details={"mailed": mailed},
    )
    return mailed


@periodic("nominations.release_held_seats")
def _release_due() -> None:
    release_held_seats()
