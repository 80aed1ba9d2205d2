"""The staff-area blueprint for courses (/manage, endpoints ``events_manage.*``) and what its
route modules and the workspace's share: the status labels, helpers to reach the current course
and show refusals.

Routes are in :mod:`.manage` (course form, status, clone) and :mod:`.manage_staff`, both on this
one ``manage_bp``; :mod:`.manage` imports the other, so ``from .manage import manage_bp`` always
gives the blueprint with every route. Routes with an ``event_id`` require a role on that course
(``auth.guard``, :mod:`.access`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import abort
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..auth.guard import guard_manage_blueprint
from ..common.text import fold
from ..extensions import db
from ..organizations.models import Organization
from .models import Event
from .models import EventStatus
from .models import StaffRole

manage_bp = Blueprint("events_manage", __name__, url_prefix="/manage")

guard_manage_blueprint(manage_bp)

EVENT_STATUS_LABELS = {
    EventStatus.DRAFT: _l("Draft"),
    EventStatus.PUBLISHED: _l("Published"),
    EventStatus.CLOSED: _l("Closed"),
    EventStatus.ARCHIVED: _l("Archived"),
}

STAFF_ROLE_LABELS = {StaffRole.ORGANIZER: _l("Organizer"), StaffRole.STAFF: _l("Staff")}


def current_event() -> Event:
    event: Event = g.event
    return event


def can_edit() -> bool:
    return bool(getattr(g, "event_role", None) == StaffRole.ORGANIZER)


def of_event(model: Any, object_id: int) -> Any:
    """A session/topic/quota/staff row of the current course, or 404."""
    if not 0 < object_id < 2**63:
        abort(404)
    return db.first_or_404(
        select(model).where(model.id == object_id, model.event_id == current_event().id)
    )


def as_choices(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


def organization_select_choices(keep: list[int]) -> list[SelectChoice]:
    """Current units (and the ones the course already has), in accent-insensitive order."""
    organizations = db.session.scalars(
        select(Organization).where(
            Organization.retired_on.is_(None) | Organization.id.in_(keep or [-1])
        )
    ).all()
    return as_choices(
        (o.id, o.name if o.is_current else _("%(name)s (retired)", name=o.name))
        for o in sorted(organizations, key=lambda o: fold(o.name))
    )
