"""The participant's rights over their data, from their own link: see and download everything
held about their registration, correct their details, withdraw their consent, and ask the
organizers (deletion, a correction they cannot make, anything else). Requests are answered in
the staff queue within 2 working days; a deletion done anonymises the person's registration
(``registration.privacy.anonymise_registration``) and keeps the course's figures.

Each verb writes its audit entry and queues its mail in the caller's transaction; callers commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy import case
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from ..attendance.marks import Mark
from ..attendance.marks import marks_for
from ..attendance.models import Attendance
from ..audit.models import AuditEntry
from ..audit.services import record
from ..auth.models import Role
from ..auth.models import User
from ..certificates.models import Certificate
from ..common.dbtx import begin_write
from ..common.dbtx import execute_write
from ..common.errors import DomainError
from ..common.time import local_today
from ..common.time import utcnow
from ..events.models import Event
from ..events.models import EventSession
from ..events.models import EventStaff
from ..events.models import StaffRole
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.outbox import enqueue
from ..mail.periodic import periodic
from ..registrants.services import update_registration
from ..registration.models import Registration
from ..registration.normalise import RegistrationInput
from ..registration.privacy import anonymise_registration
from ..registration.services import cancel
from ..registration.services import lock_registration
from ..registration.storage import PARTICIPANT
from .models import DataRequest
from .models import RequestKind
from .models import RequestStatus
from .working_days import configured_holidays
from .working_days import due_date

#: the composer prefix of this package's mail: "privacy.answer", "privacy.reminder"
PREFIX = "privacy"
ANSWER_MAIL = f"{PREFIX}.answer"
REMINDER_MAIL = f"{PREFIX}.reminder"
#: longest text a participant or an organizer may write
MESSAGE_MAX = 2000


class PrivacyError(DomainError):
    """A request that cannot be made or answered as asked."""


# --- what is held -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    name: str
    day: date
    mark: Mark
    checked_in_at: datetime | None


@dataclass(frozen=True)
class MailLine:
    kind: str
    created_at: datetime
    sent_at: datetime | None
    status: str
    recipient: str


@dataclass(frozen=True)
class AuditLine:
    action: str
    at: datetime
    #: "staff" (an account: never named to the participant), "participant", "unit contact",
    #: "system"
    by: str
    details: dict[str, Any]


@dataclass
class HeldData:
    """Everything the app holds about one registration (not the anonymous evaluation answers)."""

    registration: Registration
    sessions: list[SessionLine] = field(default_factory=list)
    certificate: Certificate | None = None
    mails: list[MailLine] = field(default_factory=list)
    audit: list[AuditLine] = field(default_factory=list)
    requests: list[DataRequest] = field(default_factory=list)


def held_data(registration: Registration) -> HeldData:
    """What is held about ``registration``, read with a handful of queries."""
    held = HeldData(registration)
    marks = marks_for([registration.id]).get(registration.id, {})
    checked_in = dict(
        db.session.execute(
            select(Attendance.session_id, Attendance.checked_in_at).where(
                Attendance.registration_id == registration.id
            )
        ).all()
    )
    for event_session in db.session.scalars(
        select(EventSession)
        .where(EventSession.event_id == registration.event_id)
        .order_by(EventSession.date, EventSession.start_time, EventSession.id)
    ):
        held.sessions.append(
            SessionLine(
                event_session.name,
                event_session.date,
                marks.get(event_session.id, Mark.ABSENT),
                checked_in.get(event_session.id),
            )
        )
    held.certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.registration_id == registration.id)
        .order_by(Certificate.revoked_at.is_not(None), Certificate.id.desc())
        .limit(1)
    )
    for message in db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.payload["registration_id"].as_integer() == registration.id)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ):
        held.mails.append(
            MailLine(
                message.kind,
                message.created_at,
                message.sent_at,
                message.status.value,
                message.recipient,
            )
        )
    for entry in db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "Registration", AuditEntry.object_id == registration.id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ):
        held.audit.append(AuditLine(entry.action, entry.created_at, _by(entry), entry.details))
    held.requests = list(
        db.session.scalars(
            select(DataRequest)
            .where(DataRequest.registration_id == registration.id)
            .order_by(DataRequest.created_at, DataRequest.id)
        )
    )
    return held


def _by(entry: AuditEntry) -> str:
    if entry.actor_id is not None:
        return "staff"
    if entry.actor_label in (PARTICIPANT, "unit contact"):
        return entry.actor_label
    return "system"


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"  # stored as naive UTC
    return value.isoformat()


def as_document(held: HeldData, action_label: Callable[[str], str]) -> dict[str, Any]:
    """:class:`HeldData` as JSON-ready data (``/r/<token>/data.json``); times in UTC."""
    registration = held.registration
    event = registration.event
    certificate = held.certificate
    return {
        "notice": {
            "law": "Law 91/2025/QH15",
            "decree": "Decree 356/2025/ND-CP",
        },
        "course": {
            "title": event.title,
            "start_date": _iso(event.start_date),
            "end_date": _iso(event.end_date),
            "venue": event.venue,
        },
        "registration": {
            "full_name": registration.full_name,
            "gender": registration.gender.value if registration.gender else None,
            "birth_year": registration.birth_year,
            "organization": registration.organization.name if registration.organization else None,
            "position": registration.position,
            "phone": registration.phone,
            "email": registration.email,
            "status": registration.status.value,
            "source": registration.source.value,
            "checkin_code": registration.checkin_code,
            "created_at": _iso(registration.created_at),
            "updated_at": _iso(registration.updated_at),
            "language": registration.locale,
        },
        "consent": {
            "notice_version": registration.consent_version,
            "given_at": _iso(registration.consent_at),
            "vouched_for_by": vouched_by(registration),
            "withdrawn_at": _iso(registration.consent_withdrawn_at),
        },
        "attendance": [
            {
                "session": line.name,
                "date": _iso(line.day),
                "mark": line.mark.value,
                "checked_in_at": _iso(line.checked_in_at),
            }
            for line in held.sessions
        ],
        "certificate": (
            {
                "number": f"{certificate.number}/{certificate.year}/{certificate.suffix}",
                "issued_on": _iso(certificate.issued_on),
                "revoked": certificate.revoked_at is not None,
            }
            if certificate is not None
            else None
        ),
        # Whether they answered the evaluation; the answers are anonymous: nothing links them.
        "evaluated": registration.has_evaluated,
        "mail": [
            {
                "kind": line.kind,
                "to": line.recipient,
                "queued_at": _iso(line.created_at),
                "sent_at": _iso(line.sent_at),
                "status": line.status,
            }
            for line in held.mails
        ],
        "history": [
            {
                "action": line.action,
                "label": action_label(line.action),
                "at": _iso(line.at),
                "by": line.by,
                "details": line.details,
            }
            for line in held.audit
        ],
        "requests": [
            {
                "kind": item.kind.value,
                "status": item.status.value,
                "message": item.message,
                "created_at": _iso(item.created_at),
                "due_on": _iso(item.due_on),
                "answer": item.answer,
                "answered_at": _iso(item.answered_at),
            }
            for item in held.requests
        ],
    }


def vouched_by(registration: Registration) -> str | None:
    """Who vouched for informing the person: "staff" (an account, not named), "unit" (a
    nominee: the unit's invitation), or None (they agreed themselves)."""
    if registration.consent_vouched_by_id is not None:
        return "staff"
    if registration.source.value == "nomination":
        return "unit"
    return None


# --- the participant's own changes -------------------------------------------------------------


def correct_details(registration: Registration, data: RegistrationInput) -> Registration:
    """The participant corrects their details with a staff edit's rules (normalisation, the
    duplicate phone or e-mail refused): ``registrants.services.update_registration``, audited
    as theirs. The unit stays the one registered (its quota and invitations are the organizers'):
    it is a request to them."""
    unit = registration.organization.name if registration.organization else ""
    if not unit:
        raise PrivacyError(
            _l("Your registration has no organization: please ask the organizers instead.")
        )
    own = RegistrationInput(
        full_name=data.full_name,
        organization=unit,
        phone=data.phone,
        gender=data.gender,
        birth_year=data.birth_year,
        position=data.position,
        email=data.email,
        consent=True,
    )
    return update_registration(registration.id, own, None, actor_label=PARTICIPANT)


def withdraw_consent(registration: Registration) -> bool:
    """Withdraw the consent: the registration is cancelled as the participant's cancel does
    (a freed seat goes to the waiting list) while the course has not ended; the withdrawal is
    recorded either way (a finished course's attendance stays as its record until a deletion
    or its retention period). Returns whether the registration was cancelled."""
    cancelled = False
    if registration.event.end_date >= local_today():
        result = cancel(registration.id, None)
        cancelled = result.changed
        registration = result.registration
    else:
        _rules, registration = lock_registration(registration.id)
    if registration.consent_withdrawn_at is not None and not cancelled:
        return False  # withdrawn already (a second click): nothing more to record
    registration.consent_withdrawn_at = registration.consent_withdrawn_at or utcnow()
    record(
        None,
        "privacy.withdraw",
        registration,
        event_id=registration.event_id,
        details={"cancelled": cancelled},
        actor_label=PARTICIPANT,
    )
    return cancelled


def request_due_on(day: date | None = None) -> date:
    """The answer's due date for a request made on ``day`` (default today, local)."""
    return due_date(day or local_today(), configured_holidays(current_app.config))


def make_request(
    registration: Registration, kind: RequestKind, message: str, *, day: date | None = None
) -> DataRequest:
    """A request to the organizers, due 2 working days after ``day`` (default today). The same
    kind still open is not asked twice: its row comes back (a double submit)."""
    message = (message or "").strip()[:MESSAGE_MAX]
    if kind != RequestKind.DELETION and not message:
        raise PrivacyError(_l("Please write what you are asking for."), "message")
    begin_write(db.session)
    existing = db.session.scalar(
        select(DataRequest).where(
            DataRequest.registration_id == registration.id,
            DataRequest.kind == kind,
            DataRequest.status == RequestStatus.OPEN,
        )
    )
    if existing is not None:
        return existing
    data_request = DataRequest(
        event_id=registration.event_id,
        registration_id=registration.id,
        kind=kind,
        message=message,
        due_on=request_due_on(day),
    )
    db.session.add(data_request)
    db.session.flush()
    record(
        None,
        "privacy.request",
        registration,
        event_id=registration.event_id,
        details={"request": kind.value, "due_on": data_request.due_on.isoformat()},
        actor_label=PARTICIPANT,
    )
    return data_request


# --- the organizers' queue ---------------------------------------------------------------------


def organized_event_ids(user: User) -> Select[int]:
    """Courses whose requests ``user`` answers: every course for an admin; for an organizer
    account the courses it created or organizes (``events.permissions.event_role`` organizer)."""
    if user.role == Role.ADMIN:
        return select(Event.id)
    if user.role != Role.ORGANIZER:
        return select(Event.id).where(Event.id.is_(None))
    organizes = select(EventStaff.event_id).where(
        EventStaff.user_id == user.id, EventStaff.role == StaffRole.ORGANIZER
    )
    return select(Event.id).where(or_(Event.created_by_id == user.id, Event.id.in_(organizes)))


def request_queue(user: User, *, open_only: bool = False) -> Select[DataRequest]:
    """Requests of the courses ``user`` organizes: open ones first, by due date."""
    query = select(DataRequest).where(DataRequest.event_id.in_(organized_event_ids(user)))
    if open_only:
        query = query.where(DataRequest.status == RequestStatus.OPEN)
    return query.order_by(
        case((DataRequest.status == RequestStatus.OPEN, 0), else_=1),
        DataRequest.due_on,
        DataRequest.id,
    )


def is_overdue(data_request: DataRequest, today: date | None = None) -> bool:
    return data_request.is_open and data_request.due_on < (today or local_today())


def anonymise_certificates_of(registration: Registration) -> int:
    """``certificates.services.anonymise_certificates`` for one anonymised registration: its
    certificates carry its anonymised name, so ``/verify/<code>`` names nobody; numbers, course,
    dates and validity stay."""
    changed = 0
    for certificate in db.session.scalars(
        select(Certificate).where(Certificate.registration_id == registration.id)
    ):
        if certificate.full_name != registration.full_name:
            certificate.full_name = registration.full_name
            changed += 1
    return changed


def answer_request(
    event_id: int,
    request_id: int,
    decision: RequestStatus,
    answer: str,
    actor: User | None,
) -> DataRequest:
    """Answer a request (``answered``: done as asked, or ``refused``), audited, the participant
    told by mail when they have an address. A deletion done anonymises their registration and
    its certificates: unit, status and attendance stay, so the course's figures do not change.
    The course is locked first (the registration changes)."""
    if decision not in (RequestStatus.ANSWERED, RequestStatus.REFUSED):
        raise PrivacyError(_l("Please choose an answer."), "decision")
    answer = (answer or "").strip()[:MESSAGE_MAX]
    if not answer:
        raise PrivacyError(_l("Please write the answer the participant will read."), "answer")
    registration_id = db.session.scalar(
        select(DataRequest.registration_id).where(
            DataRequest.id == request_id, DataRequest.event_id == event_id
        )
    )
    if registration_id is None:
        raise PrivacyError(_l("This request does not exist."))
    _rules, registration = lock_registration(registration_id)
    data_request = db.session.scalars(
        select(DataRequest)
        .where(DataRequest.id == request_id)
        .execution_options(populate_existing=True)
    ).one()
    if not data_request.is_open:
        raise PrivacyError(_l("This request has been answered already."))
    # The address is read before a deletion removes it: the answer still reaches the person.
    email, locale = registration.email, registration.locale
    anonymised = False
    if decision == RequestStatus.ANSWERED and data_request.kind == RequestKind.DELETION:
        anonymise_registration(registration)
        anonymise_certificates_of(registration)
        anonymised = True
    data_request.status = decision
    data_request.answer = answer
    data_request.answered_at = utcnow()
    data_request.answered_by_id = actor.id if actor is not None else None
    db.session.flush()
    record(
        actor,
        "privacy.answer",
        registration,
        event_id=event_id,
        details={
            "request": data_request.kind.value,
            "decision": decision.value,
            "anonymised": anonymised,
        },
    )
    if email:
        enqueue(
            ANSWER_MAIL,
            recipient=email,
            payload={"request_id": data_request.id, "registration_id": registration.id},
            locale=_locale(locale),
        )
    return data_request


def _locale(locale: str | None) -> str:
    config = current_app.config
    if locale and locale in config["LANGUAGES"]:
        return locale
    return str(config["BABEL_DEFAULT_LOCALE"])


# --- reminders ----------------------------------------------------------------------------------


def organizer_emails(event_id: int) -> list[str]:
    """The active accounts that organize the course (its creator, its organizers); the admins
    when it has none, so a request never waits unseen."""
    event = db.session.get(Event, event_id)
    if event is None:
        return []
    organizes = select(EventStaff.user_id).where(
        EventStaff.event_id == event_id, EventStaff.role == StaffRole.ORGANIZER
    )
    emails = list(
        db.session.scalars(
            select(User.email)
            .where(
                User.active.is_(True),
                User.role.in_([Role.ADMIN, Role.ORGANIZER]),
                or_(User.id == event.created_by_id, User.id.in_(organizes)),
            )
            .order_by(User.email)
        )
    )
    if emails:
        return emails
    return list(
        db.session.scalars(
            select(User.email)
            .where(User.active.is_(True), User.role == Role.ADMIN)
            .order_by(User.email)
        )
    )


def remind_due(today: date | None = None) -> int:
    """E-mail the organizers once about each open request due today or overdue; returns how
    many requests were reminded. Each is claimed by setting ``reminded_at`` and committed on its
    own, so several processes running this at once remind once."""
    today = today or local_today()
    due = db.session.scalars(
        select(DataRequest.id).where(
            DataRequest.status == RequestStatus.OPEN,
            DataRequest.due_on <= today,
            DataRequest.reminded_at.is_(None),
        )
    ).all()
    db.session.rollback()
    reminded = 0
    for request_id in due:
        begin_write(db.session)
        claimed = execute_write(
            db.session,
            update(DataRequest)
            .where(
                DataRequest.id == request_id,
                DataRequest.reminded_at.is_(None),
                DataRequest.status == RequestStatus.OPEN,
            )
            .values(reminded_at=utcnow()),
        ).rowcount
        if claimed:
            event_id = db.session.scalar(
                select(DataRequest.event_id).where(DataRequest.id == request_id)
            )
            locale = str(current_app.config["BABEL_DEFAULT_LOCALE"])
            for email in organizer_emails(int(event_id or 0)):
                enqueue(
                    REMINDER_MAIL,
                    recipient=email,
                    payload={"request_id": request_id},
                    locale=locale,
                )
            reminded += 1
        db.session.commit()
    return reminded


@periodic("privacy.remind_due")
def _remind_due() -> None:
    remind_due()
