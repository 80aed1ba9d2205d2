"""Display words for registration values (SPEC "Words"), shared by pages and exports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import RegistrationSource
from .models import RegistrationStatus

STATUS_LABELS = {
    RegistrationStatus.PENDING: _l("Pending approval"),
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.WAITLISTED: _l("Waitlisted"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
    RegistrationStatus.REJECTED: _l("Rejected"),
}

SOURCE_LABELS = {
    RegistrationSource.ONLINE: _l("Online"),
    RegistrationSource.IMPORT: _l("Imported"),
    RegistrationSource.WALK_IN: _l("Walk-in"),
    RegistrationSource.NOMINATION: _l("Nominated by the unit"),
}
