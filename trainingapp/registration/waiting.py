"""What a waitlisted person is told about why they wait: their unit's quota (named, with its
seats), the course being full, or the seats left being held for invited units. Read when the
page or the mail is made, so it says how things stand then, not when they registered."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from ..i18n import format_datetime
from .models import Registration
from .models import RegistrationStatus
from .seats import Waiting
from .seats import why_waiting


def waiting_text(registration: Registration) -> str:
    """Why ``registration`` is on the waiting list, and what happens next ("" if it is not)."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return ""
    event = registration.event
    reason = why_waiting(event, registration.organization_id)
    next_step = _("You will be told when a seat is yours.")
    if reason.why == Waiting.UNIT_QUOTA and registration.organization is not None:
        quota = reason.quota or 0
        why = ngettext(
            "The quota of %(unit)s in this course, %(num)d seat, is taken, so your "
            "registration is on the waiting list.",
            "The quota of %(unit)s in this course, %(num)d seats, is all taken, so your "
            "registration is on the waiting list.",
            quota,
            unit=registration.organization.name,
        )
        if reason.seats_left:
            why += " " + _("The course's other seats are for other units.")
    elif reason.why == Waiting.COURSE_FULL:
        why = _("The course is full, so your registration is on the waiting list.")
    elif reason.why == Waiting.HELD and event.nominations_close_at is not None:
        why = _(
            "The seats left are held for the invited units until %(deadline)s, so your "
            "registration is on the waiting list.",
            deadline=format_datetime(event.nominations_close_at),
        )
    else:
        why = _("Your registration is on the waiting list.")
    return f"{why} {next_step}"
