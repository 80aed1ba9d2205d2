"""A course's personal data at the end of its retention period (or when anonymised by hand):
its participants (``registration.privacy.anonymise_event``) and everything else of the course
that names them or its units' contacts. Services: they flush, the caller commits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select

from ..attendance.models import SyncedCheckIn
from ..audit.models import AuditEntry
from ..certificates.services import anonymise_certificates
from ..events.models import Event
from ..extensions import db
from ..mail.models import OutboxMessage
from ..nominations.models import Invitation
from ..registration.models import Registration
from ..registration.privacy import anonymise_event

if TYPE_CHECKING:
    from ..auth.models import User

#: audit details that may hold a participant's or a unit contact's data (registration edits,
#: invitations); their values are blanked, the keys stay to show what changed
PERSONAL_DETAILS = ("full_name", "phone", "email", "birth_year", "contact")
#: an export's filters: the search typed (a name or a phone)
PERSONAL_FILTERS = ("q",)


@dataclass
class CourseAnonymised:
    """What anonymising one course changed."""

    registrations: int = 0
    certificates: int = 0
    #: invitations whose contact (name, phone, e-mail) was removed
    unit_contacts: int = 0
    #: outbox rows about the course's registrations or invitations, deleted (sent or not)
    mail: int = 0
    #: offline check-in answers kept for replays, without the names now
    sync_items: int = 0
    audit_entries: int = 0


def anonymise_course(
    event: Event,
    actor: User | None,
    *,
    action: str = "event.anonymise",
    details: Mapping[str, Any] | None = None,
) -> CourseAnonymised:
    """Anonymise a finished course: its registrations (one audit entry, ``action`` with
    ``details``), the names on its certificates, its invitations' contacts, the mail about
    them, the names in its offline check-in answers and in its audit entries' details.

    Statuses, units, positions, attendance and certificate numbers stay: exports and reports
    give the same figures. Raises ``AnonymiseError`` for a course that has not ended.
    """
    result = CourseAnonymised()
    result.registrations = anonymise_event(event, actor, action=action, details=details)
    result.certificates = anonymise_certificates(event.id)
    result.unit_contacts = _forget_unit_contacts(event.id)
    result.mail = _delete_mail(event.id)
    result.sync_items = _forget_sync_answers(event.id)
    result.audit_entries = _forget_audit_details(event.id)
    db.session.flush()
    return result


def _forget_unit_contacts(event_id: int) -> int:
    invitations = db.session.scalars(
        select(Invitation).where(
            Invitation.event_id == event_id,
            or_(
                Invitation.contact_name != "",
                Invitation.contact_phone != "",
                Invitation.contact_email.is_not(None),
            ),
        )
    ).all()
    for invitation in invitations:
        invitation.contact_name = ""
        invitation.contact_phone = ""
        invitation.contact_email = None
    return len(invitations)


def _delete_mail(event_id: int) -> int:
    """The outbox rows about the course's people: their recipient is an address, and a queued
    one would only be dropped now (its registration has no e-mail any more)."""
    registrations = select(Registration.id).where(Registration.event_id == event_id)
    invitations = select(Invitation.id).where(Invitation.event_id == event_id)
    result = db.session.execute(
        delete(OutboxMessage)
        .where(
            or_(
                OutboxMessage.payload["registration_id"].as_integer().in_(registrations),
                OutboxMessage.payload["invitation_id"].as_integer().in_(invitations),
            )
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _forget_sync_answers(event_id: int) -> int:
    items = db.session.execute(
        select(SyncedCheckIn, Registration.full_name)
        .outerjoin(Registration, Registration.id == SyncedCheckIn.registration_id)
        .where(SyncedCheckIn.event_id == event_id)
    ).all()
    changed = 0
    for item, label in items:
        answer = dict(item.answer or {})
        answer.pop("errors", None)
        if "name" in answer:
            if label is None:
                del answer["name"]
            else:
                answer["name"] = label  # the registration's anonymised label
        if answer != item.answer:
            item.answer = answer
            changed += 1
    return changed


def _blank(value: Any) -> Any:
    return [None] * len(value) if isinstance(value, list) else None


def _forget_audit_details(event_id: int) -> int:
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.event_id == event_id)).all()
    changed = 0
    for entry in entries:
        details = dict(entry.details or {})
        touched = False
        for key in PERSONAL_DETAILS:
            if key in details and details[key] != _blank(details[key]):
                details[key] = _blank(details[key])
                touched = True
        filters = details.get("filters")
        if isinstance(filters, dict) and any(filters.get(key) for key in PERSONAL_FILTERS):
            details["filters"] = {
                key: (None if key in PERSONAL_FILTERS else value) for key, value in filters.items()
            }
            touched = True
        if touched:
            entry.details = details
            changed += 1
    return changed
