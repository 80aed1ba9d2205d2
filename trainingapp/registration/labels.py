"""Display words for registration values (SPEC "Words"), shared by pages and exports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import RegistrationStatus

STATUS_LABELS = {
    RegistrationStatus.PENDING: _l("Pending approval"),
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("Waitlisted"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
    RegistrationStatus.REJECTED: _l("Rejected"),
}
