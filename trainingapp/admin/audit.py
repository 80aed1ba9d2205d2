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
    "seats": _l("Seats"),
    "venue": _l("Venue"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "phone": _l("Phone"),
    "merged": _l("Merged"),
    "kept": _l("Kept"),
    "moved": _l("References moved"),
    "combined": _l("Duplicates combined"),
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
    from ..organizations.services import KIND_LABELS
    from .forms import ROLE_LABELS

    return {
        "kind": {kind.value: label for kind, label in KIND_LABELS.items()},
        "role": {role.value: label for role, label in ROLE_LABELS.items()},
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
