"""Reading the audit log: the filtered query and a readable form of each entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy import select

from ..audit.models import AuditEntry
from ..common.time import local_to_utc
from ..extensions import db
from ..i18n import format_date
from ..i18n import format_datetime

ACTION_LABELS: dict[str, Any] = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed sign-in"),
    "auth.logout": _l("Signed out"),
    "user.create": _l("Account created"),
    "user.update": _l("Account edited"),
    "user.role": _l("Role changed"),
    "user.disable": _l("Account disabled"),
    "user.enable": _l("Account enabled"),
    "user.password_reset": _l("Password reset by an administrator"),
    "user.password_change": _l("Own password changed"),
    "organization.create": _l("Organization added"),
    "organization.update": _l("Organization edited"),
    "organization.accept": _l("Typed-in organization accepted"),
    "organization.retire": _l("Organization retired"),
    "organization.reinstate": _l("Organization offered again"),
    "organization.merge": _l("Organizations merged"),
    "lecturer.create": _l("Lecturer added"),
    "lecturer.update": _l("Lecturer edited"),
    "lecturer.delete": _l("Lecturer deleted"),
    "event.create": _l("Course created"),
    "event.update": _l("Course edited"),
    "event.status": _l("Course status changed"),
    "event.clone": _l("Course copied"),
    "event.anonymise": _l("Course's personal data anonymised"),
    "event.retention": _l("Course's personal data anonymised at the end of its retention period"),
    "event.nomination_deadline": _l("Nomination deadline set"),
    "event.held_seats_released": _l("Held quota seats released"),
    "event_staff.create": _l("Course staff added"),
    "event_staff.update": _l("Course staff role changed"),
    "event_staff.delete": _l("Course staff removed"),
    "session.create": _l("Session added"),
    "session.update": _l("Session edited"),
    "session.delete": _l("Session deleted"),
    "topic.create": _l("Topic added"),
    "topic.update": _l("Topic edited"),
    "topic.delete": _l("Topic deleted"),
    "topic.move": _l("Topic moved"),
    "quota.create": _l("Quota set"),
    "quota.update": _l("Quota changed"),
    "quota.delete": _l("Quota removed"),
    "registration.create": _l("New registration"),
    "registration.edit": _l("Registration edited"),
    "registration.import": _l("Registrations imported"),
    "registration.approve": _l("Registration approved"),
    "registration.promote": _l("Confirmed from the waiting list"),
    "registration.reject": _l("Registration rejected"),
    "registration.cancel": _l("Registration cancelled"),
    "registration.register_again": _l("Registered again"),
    "registration.export": _l("Registrations exported"),
    "signin_sheet.export": _l("Sign-in sheet downloaded"),
    "attendance_report.export": _l("Attendance report downloaded"),
    "course_report.export": _l("Course report downloaded"),
    "attendance.check_in": _l("Checked in"),
    "attendance.undo": _l("Check-in undone"),
    "attendance.paper": _l("Paper list ticks saved"),
    "attendance.mark": _l("Attendance mark changed"),
    "attendance.sync_conflict": _l("Offline check-in needs a look"),
    "invitation.create": _l("Unit invited"),
    "invitation.update": _l("Invitation changed"),
    "invitation.revoke": _l("Invitation link revoked"),
    "invitation.renew": _l("Invitation link renewed"),
    "invitation.remind": _l("Unit reminded"),
    "letter_template.upload": _l("Letter template uploaded"),
    "letter_template.delete": _l("Letter template reset"),
    "demo.seed": _l("Demo data added"),
    "evaluation.create": _l("Evaluation form created"),
    "evaluation.settings": _l("Evaluation settings changed"),
    "evaluation.open": _l("Evaluation opened"),
    "evaluation.close": _l("Evaluation closed"),
    "evaluation.question.create": _l("Evaluation question added"),
    "evaluation.question.update": _l("Evaluation question edited"),
    "evaluation.question.delete": _l("Evaluation question removed"),
    "evaluation.question.move": _l("Evaluation question moved"),
    "evaluation.reset": _l("Evaluation questions reset"),
    "evaluation.remind": _l("Evaluation reminders sent"),
    "evaluation.comment": _l("Evaluation comment reviewed"),
    "evaluation.export": _l("Evaluation results downloaded"),
    "certificates.settings": _l("Certificate settings changed"),
    "certificates.issue": _l("Certificates issued"),
    "certificates.revoke": _l("Certificate revoked"),
    "certificates.export": _l("Certificates downloaded"),
    "privacy.request": _l("Personal data request sent"),
    "privacy.answer": _l("Personal data request answered"),
    "privacy.withdraw": _l("Consent withdrawn"),
}

#: what an entry is about (``AuditEntry.object_type``, the model's class name)
OBJECT_LABELS: dict[str, Any] = {
    "Registration": _l("Registration"),
    "Event": _l("Course"),
    "EventSession": _l("Session"),
    "Topic": _l("Topic"),
    "Quota": _l("Quota"),
    "EventStaff": _l("Course staff"),
    "User": _l("Account"),
    "Organization": _l("Organization"),
    "Lecturer": _l("Lecturer"),
    "Invitation": _l("Invitation"),
    "LetterTemplate": _l("Letter template"),
    "EvaluationForm": _l("Evaluation form"),
    "EvaluationQuestion": _l("Evaluation question"),
    "Certificate": _l("Certificate"),
    "CertificateSettings": _l("Certificate settings"),
}

#: who acted, when it was not an account (``AuditEntry.actor_label``)
ACTOR_LABELS: dict[str, Any] = {
    "participant": _l("participant"),
    "system": _l("system"),
    "unit contact": _l("unit's contact"),
}

FIELD_LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "full_name": _l("Full name"),
    "short_name": _l("Short name"),
    "kind": _l("Kind"),
    "parent_id": _l("Parent organization"),
    "successor_id": _l("Successor"),
    "retired_on": _l("Retired on"),
    "needs_review": _l("Waiting for review"),
    "role": _l("Role"),
    "active": _l("Active"),
    "email": _l("E-mail"),
    "rank": _l("Rank or title"),
    "position": _l("Position"),
    "organization_id": _l("Organization"),
    "title": _l("Title"),
    "status": _l("Status"),
    "capacity": _l("Capacity"),
    "retention_months": _l("Retention (months)"),
    "due_on": _l("Due on"),
    "decision": _l("Decision"),
    "registrations": _l("Registrations"),
    "seats": _l("Seats"),
    "venue": _l("Venue"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "phone": _l("Phone"),
    "merged": _l("Merged"),
    "kept": _l("Kept"),
    "moved": _l("References moved"),
    "combined": _l("Duplicates combined"),
    "source": _l("Source"),
    "session": _l("Session"),
    "session_id": _l("Session no."),
    "method": _l("Method"),
    "checked_in_at": _l("Checked in at"),
    "over_capacity": _l("Over capacity"),
    "consent": _l("Consent"),
    "reason": _l("Reason"),
    "from": _l("Before"),
    "to": _l("After"),
    "count": _l("Count"),
    "format": _l("Format"),
    "rows": _l("Rows"),
    "reference": _l("Reference course"),
    "upcoming": _l("Upcoming course"),
    "organizations": _l("Organizations"),
    "lecturers": _l("Lecturers"),
    "contact": _l("Contact"),
    "questions": _l("Questions"),
    "number": _l("Certificate number"),
    "first": _l("First number"),
    "last": _l("Last number"),
    "rule": _l("Rule"),
    "changes": _l("Changes"),
    "filters": _l("Filters"),
    "request": _l("Request"),
    "anonymised": _l("Anonymised"),
    "cancelled": _l("Registration cancelled"),
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}$")


@dataclass(frozen=True)
class DetailLine:
    label: str
    #: set for a change: ``before -> after``; otherwise only ``value``
    before: str | None
    after: str | None
    value: str | None
    is_change: bool


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str | None, object_id: int | None) -> str:
    """``Registration #12`` as "Học viên đăng ký #12"; empty when the entry is about nothing."""
    if not object_type:
        return ""
    label = OBJECT_LABELS.get(object_type)
    text = str(label) if label is not None else object_type
    return f"{text} #{object_id}" if object_id else text


def actor_text(actor_label: str | None) -> str:
    label = ACTOR_LABELS.get(actor_label or "system")
    return str(label) if label is not None else str(actor_label)


def field_label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return str(label) if label is not None else field.replace("_", " ")


def format_value(value: Any) -> str:
    """A stored detail value as people read it: dd/mm/yyyy dates, 24 h times, yes/no."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict):
        return ", ".join(f"{field_label(str(k))}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, str):
        try:
            if _DATE.match(value):
                return format_date(date.fromisoformat(value))
            if _DATETIME.match(value):  # instants are stored as naive UTC
                return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
        if _TIME.match(value):
            return value[:5]
    return str(value)


def _value_labels() -> dict[str, dict[str, Any]]:
    """Coded values shown with their words: organization kinds, account roles."""
    from ..attendance.marks import MARK_LABELS
    from ..organizations.services import KIND_LABELS
    from ..privacy.labels import KIND_LABELS as REQUEST_LABELS
    from ..privacy.labels import STATUS_LABELS as REQUEST_STATUS_LABELS
    from ..registration.labels import SOURCE_LABELS
    from ..registration.labels import STATUS_LABELS
    from .forms import ROLE_LABELS

    statuses = {status.value: label for status, label in STATUS_LABELS.items()}
    marks = {mark.value: label for mark, label in MARK_LABELS.items()}
    return {
        "kind": {kind.value: label for kind, label in KIND_LABELS.items()},
        "role": {role.value: label for role, label in ROLE_LABELS.items()},
        "status": statuses,
        "request": {kind.value: label for kind, label in REQUEST_LABELS.items()},
        "decision": {status.value: label for status, label in REQUEST_STATUS_LABELS.items()},
        "source": {source.value: label for source, label in SOURCE_LABELS.items()},
        "method": {
            "qr": _l("QR code"),
            "code": _l("typed code"),
            "search": _l("search"),
            "walk_in": _l("walk-in"),
            "paper": _l("paper list"),
            "bulk": _l("from the list"),
        },
        "from": marks,
        "to": marks,
        "consent": {
            "recorded by staff": _l("recorded by staff"),
            "informed by the unit": _l("informed by the unit"),
        },
    }


def describe(details: dict[str, Any] | None) -> list[DetailLine]:
    """Each detail as a line; ``{"field": [before, after]}`` pairs become changes."""
    labels = _value_labels()

    def show(key: str, value: Any) -> str:
        label = labels.get(key, {}).get(value) if isinstance(value, str) else None
        return str(label) if label is not None else format_value(value)

    lines = []
    for key, value in (details or {}).items():
        if isinstance(value, list) and len(value) == 2:
            lines.append(
                DetailLine(field_label(key), show(key, value[0]), show(key, value[1]), None, True)
            )
        else:
            lines.append(DetailLine(field_label(key), None, None, show(key, value), False))
    return lines


def audit_query(
    *,
    event_id: int | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Select[AuditEntry]:
    """Entries newest first. ``start``/``end`` are local calendar days, both included."""
    query = select(AuditEntry)
    if event_id:
        query = query.where(AuditEntry.event_id == event_id)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if action:
        query = query.where(AuditEntry.action == action)
    if start:
        query = query.where(AuditEntry.created_at >= local_to_utc(datetime.combine(start, time())))
    if end:
        next_day = datetime.combine(end + timedelta(days=1), time())
        query = query.where(AuditEntry.created_at < local_to_utc(next_day))
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def known_actions() -> list[str]:
    """Every action in the log, and every labelled one, sorted (for the filter)."""
    stored = set(db.session.scalars(select(AuditEntry.action).distinct()))
    return sorted(stored | set(ACTION_LABELS))
